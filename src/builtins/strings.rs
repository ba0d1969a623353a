//! Builtins: strings.

pub const BUILTINS: &[super::BuiltinDef] = &[];

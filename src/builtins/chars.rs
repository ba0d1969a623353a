//! Builtins: chars.

pub const BUILTINS: &[super::BuiltinDef] = &[];

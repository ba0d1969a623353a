//! Builtins: format.

pub const BUILTINS: &[super::BuiltinDef] = &[];

//! Builtins: numbers.

pub const BUILTINS: &[super::BuiltinDef] = &[];

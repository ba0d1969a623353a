//! Builtins: sequences.

pub const BUILTINS: &[super::BuiltinDef] = &[];

//! Builtins: hashtables.

pub const BUILTINS: &[super::BuiltinDef] = &[];

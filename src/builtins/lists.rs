//! Builtins: lists.

pub const BUILTINS: &[super::BuiltinDef] = &[];

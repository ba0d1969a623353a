//! Builtins: files.

pub const BUILTINS: &[super::BuiltinDef] = &[];

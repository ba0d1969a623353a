//! Builtins: printing.

pub const BUILTINS: &[super::BuiltinDef] = &[];

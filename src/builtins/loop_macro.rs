//! Builtins: loop_macro.

pub const BUILTINS: &[super::BuiltinDef] = &[];

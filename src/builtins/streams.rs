//! Builtins: streams.

pub const BUILTINS: &[super::BuiltinDef] = &[];

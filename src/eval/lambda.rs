//! Ordinary and macro lambda lists (CLHS 3.4.1, 3.4.4).

use super::value::{Sym, Value};
use std::rc::Rc;

/// A parsed lambda list.
#[derive(Default)]
pub struct LambdaList {
    pub whole: Option<Param>,
    pub required: Vec<Param>,
    pub optional: Vec<OptParam>,
    pub rest: Option<Param>,
    pub has_key: bool,
    pub key: Vec<KeyParam>,
    pub allow_other_keys: bool,
    pub aux: Vec<(Sym, Value)>,
    /// `&environment` variable (macros).
    pub env: Option<Sym>,
}

/// A variable, or (in macro lambda lists) a nested destructuring pattern.
pub enum Param {
    Var(Sym),
    Pattern(Rc<LambdaList>),
}

pub struct OptParam {
    pub var: Param,
    pub init: Value,
    pub supplied: Option<Sym>,
}

pub struct KeyParam {
    pub keyword: Sym,
    pub var: Param,
    pub init: Value,
    pub supplied: Option<Sym>,
}

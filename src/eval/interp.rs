//! The interpreter state and the evaluator.

use super::value::Value;

/// One interpreter: dynamic state of a running Lisp.
#[derive(Default)]
pub struct Interp {
    /// Values beyond the primary one of the last form, when it returned
    /// other than exactly one value (see `values`).
    pub mv: Option<Vec<Value>>,
}

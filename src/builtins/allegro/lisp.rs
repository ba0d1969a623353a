//! The parts of the layer written in Lisp: Franz's test harness
//! `util.test`, read when a script first does `(require :test)`.

use crate::eval::{Interp, LResult};

const TEST_HARNESS: &str = include_str!("test.lisp");

/// Read and evaluate `test.lisp` with the standard reader settings,
/// leaving `*package*` as it was.
pub fn load_test_harness(it: &mut Interp) -> LResult<()> {
    crate::builtins::prelude::load_embedded(it, TEST_HARNESS, "<util.test>")
}

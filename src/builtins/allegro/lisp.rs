//! The parts of the layer written in Lisp: Franz's test harness
//! `util.test`, read when a script first does `(require :test)`.

use crate::eval::package::{self, cl_sym};
use crate::eval::value::{Sym, Value};
use crate::eval::{Interp, LResult};
use crate::reader::Reader;
use crate::toplevel::EvalCtx;

const TEST_HARNESS: &str = include_str!("test.lisp");

/// Read and evaluate `test.lisp` with the standard reader settings,
/// leaving `*package*` as it was.
pub fn load_test_harness(it: &mut Interp) -> LResult<()> {
    load_source(it, TEST_HARNESS, "<util.test>")
}

fn load_source(it: &mut Interp, src: &str, name: &str) -> LResult<()> {
    let standard = [
        ("*PACKAGE*", Value::Package(package::user_package())),
        ("*READ-BASE*", Value::Fixnum(10)),
        (
            "*READ-DEFAULT-FLOAT-FORMAT*",
            Value::Symbol(cl_sym("SINGLE-FLOAT")),
        ),
        ("*READ-EVAL*", package::t()),
    ];
    let saved: Vec<(Sym, Option<Value>)> = standard
        .into_iter()
        .map(|(name, v)| {
            let s = cl_sym(name);
            let old = s.value.replace(Some(v));
            (s, old)
        })
        .collect();
    let result = read_and_eval(it, src, name);
    for (s, old) in saved {
        *s.value.borrow_mut() = old;
    }
    result
}

fn read_and_eval(it: &mut Interp, src: &str, name: &str) -> LResult<()> {
    let mut reader = Reader::new(src, Some(name));
    loop {
        let form = match reader.read(&mut EvalCtx(it)) {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(()),
            Err(e) => {
                let msg = format!("internal error in {name}: {e}");
                let c = it.make_error("SIMPLE-ERROR", &msg);
                return Err(it.raise(c));
            }
        };
        it.eval_toplevel_form(&form)?;
    }
}

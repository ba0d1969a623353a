//! The part of the standard library written in Lisp: the macros in
//! `macros.lisp`, read only when a script first expands one. Until then
//! each of their names holds a stand-in macro that loads the file and hands
//! over to the real definition. Reading that file was a third of the
//! interpreter's start-up (docs/BENCHMARKS.md), and most scripts use none
//! of these macros.

use std::rc::Rc;

use crate::eval::package::{self, cl_sym, find_package, find_symbol};
use crate::eval::value::{Builtin, BuiltinFn, Function, Sym, Value};
use crate::eval::{Interp, LResult};
use crate::reader::Reader;
use crate::toplevel::EvalCtx;

const MACROS: &str = include_str!("macros.lisp");

/// Key in `Interp::ext` once `macros.lisp` has been loaded.
const LOADED: &str = "prelude-macros-loaded";

/// Each macro `macros.lisp` defines, with its stand-in.
macro_rules! lazy_macros {
    ($($pkg:literal $name:literal),* $(,)?) => {
        const LAZY_MACROS: &[(&str, &str, BuiltinFn)] = &[
            $(($pkg, $name, |it, a| expand_stand_in(it, $pkg, $name, a))),*
        ];
    };
}

lazy_macros! {
    "NET.POST-OFFICE" "WITH-MIME-PART-CONSTRUCTED-STREAM",
    "NET.POST-OFFICE" "WITH-IMAP-CONNECTION",
    "NET.POST-OFFICE" "WITH-POP-CONNECTION",
    "NET.POST-OFFICE" "WITH-PART-STREAM",
    "NET.POST-OFFICE" "WITH-DECODED-PART-BODY-STREAM",
    "NET.POST-OFFICE" "WITH-FETCH-LETTER-SEQUENCE",
    "COMMON-LISP" "DO-SYMBOLS",
    "COMMON-LISP" "DO-EXTERNAL-SYMBOLS",
    "COMMON-LISP" "DO-ALL-SYMBOLS",
    "COMMON-LISP" "WITH-PACKAGE-ITERATOR",
    "COMMON-LISP" "WITH-STANDARD-IO-SYNTAX",
    "COMMON-LISP" "WITH-OUTPUT-TO-STRING",
    "COMMON-LISP" "WITH-INPUT-FROM-STRING",
    "COMMON-LISP" "WITH-OPEN-FILE",
    "COMMON-LISP" "WITH-OPEN-STREAM",
    "COMMON-LISP" "TIME",
    "COMMON-LISP" "TRACE",
    "COMMON-LISP" "UNTRACE",
    "COMMON-LISP" "FORMATTER",
    "COMMON-LISP" "PPRINT-LOGICAL-BLOCK",
    "COMMON-LISP" "WITH-HASH-TABLE-ITERATOR",
    "COMMON-LISP" "WITH-COMPILATION-UNIT",
}

/// Give each macro of `macros.lisp` its stand-in.
pub fn install() {
    for &(pkg, name, f) in LAZY_MACROS {
        let Some(p) = find_package(pkg) else {
            continue;
        };
        let sym = package::intern_external(name, &p);
        let stand_in = Value::Function(Rc::new(Function::Builtin(Builtin {
            name: sym.clone(),
            min_args: 1,
            max_args: Some(2),
            f,
        })));
        *sym.macro_fn.borrow_mut() = Some(stand_in);
    }
}

/// Load `macros.lisp` if `sym` still holds a stand-in (so that, say,
/// `documentation` sees the real definition).
pub fn load_for(it: &mut Interp, sym: &Sym) -> LResult<()> {
    let stand_in = sym.macro_fn.borrow().as_ref().is_some_and(is_stand_in);
    if stand_in {
        load_macros(it)?;
    }
    Ok(())
}

/// A stand-in is a builtin under one of those names; the real macros are
/// closures.
fn is_stand_in(m: &Value) -> bool {
    let Value::Function(f) = m else {
        return false;
    };
    match &**f {
        Function::Builtin(b) => LAZY_MACROS.iter().any(|(_, n, _)| b.name.name == *n),
        _ => false,
    }
}

/// The stand-in for macro `pkg::name`: load the macros, then expand with
/// the real one.
fn expand_stand_in(it: &mut Interp, pkg: &str, name: &str, args: &[Value]) -> LResult<Value> {
    load_macros(it)?;
    let real = find_package(pkg)
        .and_then(|p| find_symbol(name, &p))
        .and_then(|(s, _)| s.macro_fn.borrow().clone())
        .filter(|m| !is_stand_in(m));
    match real {
        Some(m) => it.apply(&m, args),
        None => {
            let msg = format!("internal error: the prelude does not define the macro {name}");
            let c = it.make_error("SIMPLE-ERROR", &msg);
            Err(it.raise(c))
        }
    }
}

/// Read and evaluate `macros.lisp` once.
fn load_macros(it: &mut Interp) -> LResult<()> {
    if it.ext.contains_key(LOADED) {
        return Ok(());
    }
    it.ext.insert(LOADED, Box::new(()));
    load_embedded(it, MACROS, "<prelude>")
}

/// Read and evaluate Lisp source built into the binary, with the standard
/// reader settings whatever the script has set, leaving `*package*` as it
/// was.
pub fn load_embedded(it: &mut Interp, text: &str, origin: &str) -> LResult<()> {
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
    let result = read_and_eval(it, text, origin);
    for (s, old) in saved {
        *s.value.borrow_mut() = old;
    }
    result
}

fn read_and_eval(it: &mut Interp, text: &str, origin: &str) -> LResult<()> {
    let mut reader = Reader::new(text, Some(origin));
    loop {
        let form = match reader.read(&mut EvalCtx(it)) {
            Ok(Some(f)) => f,
            Ok(None) => return Ok(()),
            Err(e) => {
                let msg = format!("internal error in {origin}: {e}");
                let c = it.make_error("SIMPLE-ERROR", &msg);
                return Err(it.raise(c));
            }
        };
        it.eval_toplevel_form(&form)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every macro `macros.lisp` defines has a stand-in, and every
    /// stand-in a definition: a macro missing from the list would not
    /// exist until another one was used.
    #[test]
    fn stand_ins_match_the_definitions() {
        let mut defined: Vec<String> = MACROS
            .split("(defmacro ")
            .skip(1)
            .filter_map(|rest| rest.split_whitespace().next())
            .map(str::to_ascii_uppercase)
            .collect();
        let mut listed: Vec<String> = LAZY_MACROS.iter().map(|(_, n, _)| n.to_string()).collect();
        defined.sort();
        listed.sort();
        assert_eq!(defined, listed);
    }

    /// `documentation` of a macro not yet used reads the real definition's
    /// docstring, not the stand-in's (which has none).
    #[test]
    fn documentation_loads_the_macros() {
        let mut it = crate::toplevel::new_interp();
        let src = "(documentation 'with-open-stream 'function)";
        let v = match crate::toplevel::load_source(&mut it, src, None) {
            Ok(v) => v,
            Err(e) => panic!("{}", e.describe()),
        };
        assert!(it.ext.contains_key(LOADED));
        let Value::String(doc) = v else {
            panic!("no docstring");
        };
        assert_eq!(
            *doc.borrow(),
            "Bind VAR to STREAM during BODY and close it afterwards."
        );
    }

    /// Each stand-in expands to what the real macro gives.
    #[test]
    fn every_stand_in_expands() {
        let mut it = crate::toplevel::new_interp();
        for &(pkg, name, _) in LAZY_MACROS {
            let p = find_package(pkg).expect("package exists");
            let (sym, _) = find_symbol(name, &p).expect("symbol exists");
            let m = sym.macro_fn.borrow().clone().expect("has a macro");
            assert!(is_stand_in(&m) || it.ext.contains_key(LOADED), "{name}");
        }
        let src = "(macroexpand-1 '(with-open-stream (s x) s))";
        let v = match crate::toplevel::load_source(&mut it, src, None) {
            Ok(v) => v,
            Err(e) => panic!("{}", e.describe()),
        };
        assert_eq!(
            v.car().as_symbol().map(|s| s.name.clone()).as_deref(),
            Some("LET")
        );
        for &(pkg, name, _) in LAZY_MACROS {
            let p = find_package(pkg).expect("package exists");
            let (sym, _) = find_symbol(name, &p).expect("symbol exists");
            let m = sym.macro_fn.borrow().clone().expect("has a macro");
            assert!(!is_stand_in(&m), "{name} still a stand-in after loading");
        }
    }
}

//! `compile-file` (CLHS 24.1, 3.2.3) for an interpreter. sendletter has
//! no native code to write, so the output file is the source text itself
//! behind a header line that `load` recognises; what makes it a compiled
//! file is how its top-level forms are processed:
//!
//! - at compile time (CLHS 3.2.3.1): `eval-when` with `:compile-toplevel`
//!   runs then, `progn` and macro forms are processed form by form, and
//!   the definers whose effect later forms of the file need (`defmacro`,
//!   `in-package`, `defpackage`, `deftype`, ...) are evaluated;
//! - at load time: `eval-when` runs its body only with `:load-toplevel`,
//!   as for a compiled file, where loading the source would ask for
//!   `:execute`.
//!
//! Reading happens twice (at compile and at load time), so `#.` runs at
//! both. docs/lisp-differences.md describes the design.

use std::rc::Rc;

use super::args;
use super::files::file_error;
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::cl_sym;
use crate::eval::value::Pathname;
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[def!(
    "COMPILE-FILE",
    "(input-file &key output-file verbose print external-format)",
    1,
    MANY,
    compile_file,
    "Process INPUT-FILE's top-level forms as the file compiler does and write the file LOAD reads back; returns the output truename, warnings-p and failure-p."
)];

/// The first line of every file `compile-file` writes.
pub const HEADER: &str = ";;; sendletter compiled file, format 1: the source text follows.\n";

/// The source text of a compiled file, without its header; `None` for a
/// source file.
pub fn compiled_body(text: &str) -> Option<&str> {
    text.strip_prefix(HEADER)
}

/// Which situations an `eval-when` names (CLHS 3.8 eval-when; `compile`,
/// `load` and `eval` are the deprecated names).
struct Situations {
    compile: bool,
    load: bool,
    execute: bool,
}

fn situations(list: &Value) -> Situations {
    let mut s = Situations {
        compile: false,
        load: false,
        execute: false,
    };
    for item in list.iter() {
        if let Some(sym) = item.as_symbol() {
            match sym.name.as_str() {
                "COMPILE-TOPLEVEL" | "COMPILE" => s.compile = true,
                "LOAD-TOPLEVEL" | "LOAD" => s.load = true,
                "EXECUTE" | "EVAL" => s.execute = true,
                _ => {}
            }
        }
    }
    s
}

fn head_is(form: &Value, name: &str) -> bool {
    form.is_cons()
        && form
            .car()
            .as_symbol()
            .is_some_and(|s| s.name == name && Rc::ptr_eq(&s, &cl_sym(name)))
}

/// Definers the file compiler must make known at compile time, so that
/// later forms of the file read and expand as they will at load time
/// (CLHS 3.2.3.1.1 and the definers' pages).
const COMPILE_TIME_DEFINERS: &[&str] = &[
    "DEFMACRO",
    "DEFINE-COMPILER-MACRO",
    "DEFINE-SYMBOL-MACRO",
    "IN-PACKAGE",
    "DEFPACKAGE",
    "DEFTYPE",
    "DEFSETF",
    "DEFINE-SETF-EXPANDER",
    "DEFINE-MODIFY-MACRO",
    "DECLAIM",
];

/// Process one top-level form at compile time (CLHS 3.2.3.1, figure 3-7);
/// `compile_too` is the compile-time-too mode.
fn process(it: &mut Interp, form: &Value, compile_too: bool) -> LResult<()> {
    if crate::eval::depth::check().is_err() {
        let c = it.make_error("STORAGE-CONDITION", "top-level forms nested too deeply");
        return it.err(c);
    }
    if head_is(form, "EVAL-WHEN") {
        let s = situations(&form.cdr().car());
        let body: Vec<Value> = form.cdr().cdr().iter().collect();
        if s.load {
            let too = s.compile || (s.execute && compile_too);
            for f in &body {
                process(it, f, too)?;
            }
        } else if s.compile || (s.execute && compile_too) {
            for f in &body {
                it.eval_toplevel_form(f)?;
            }
        }
        return Ok(());
    }
    if head_is(form, "PROGN") {
        for f in form.cdr().iter() {
            process(it, &f, compile_too)?;
        }
        return Ok(());
    }
    if let Some(sym) = form
        .is_cons()
        .then(|| form.car())
        .and_then(|h| h.as_symbol())
    {
        let cl = Rc::ptr_eq(&sym, &cl_sym(&sym.name));
        if cl && COMPILE_TIME_DEFINERS.contains(&sym.name.as_str()) {
            it.eval_toplevel_form(form)?;
            return Ok(());
        }
        let is_macro =
            sym.macro_fn.borrow().is_some() && !crate::eval::special::is_special_operator(&sym);
        if is_macro {
            let expanded = it.call_named(&cl_sym("MACROEXPAND-1"), std::slice::from_ref(form))?;
            if !expanded.eq(form) {
                return process(it, &expanded, compile_too);
            }
        }
    }
    if compile_too {
        it.eval_toplevel_form(form)?;
    }
    Ok(())
}

/// Evaluate one top-level form of a compiled file: `eval-when` bodies run
/// when they name `:load-toplevel` (CLHS 3.2.3.1), through `progn`s.
pub fn load_toplevel(it: &mut Interp, form: &Value) -> LResult<Value> {
    if crate::eval::depth::check().is_err() {
        let c = it.make_error("STORAGE-CONDITION", "top-level forms nested too deeply");
        return it.err(c);
    }
    if head_is(form, "EVAL-WHEN") {
        if !situations(&form.cdr().car()).load {
            return Ok(Value::Nil);
        }
        let mut last = Value::Nil;
        for f in form.cdr().cdr().iter() {
            last = load_toplevel(it, &f)?;
        }
        return Ok(last);
    }
    if head_is(form, "PROGN") {
        let mut last = Value::Nil;
        for f in form.cdr().iter() {
            last = load_toplevel(it, &f)?;
        }
        return Ok(last);
    }
    it.eval_toplevel_form(form)
}

fn special(name: &str) -> Value {
    cl_sym(name).value.borrow().clone().unwrap_or(Value::Nil)
}

fn compile_file(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &["OUTPUT-FILE", "VERBOSE", "PRINT", "EXTERNAL-FORMAT"],
        "COMPILE-FILE",
    )?;
    let input = super::files::native(it, &a[0])?;
    let truename = match std::fs::canonicalize(&input) {
        Ok(t) => t.to_string_lossy().to_string(),
        Err(e) => return file_error(it, "cannot compile", &input, &e),
    };
    let encoding = super::files::external_format(it, args::kw(&kws, "EXTERNAL-FORMAT").as_ref())?;
    let text = match std::fs::read(&input) {
        Ok(b) => match crate::eval::encoding::decode_source(&b, encoding, &input) {
            Ok(t) => t,
            Err(msg) => return it.simple_error(msg),
        },
        Err(e) => return file_error(it, "error opening", &input, &e),
    };
    let mut out_args = vec![a[0].clone()];
    if let Some(o) = args::kw(&kws, "OUTPUT-FILE") {
        out_args.push(Value::Symbol(crate::eval::package::keyword("OUTPUT-FILE")));
        out_args.push(o);
    }
    let out_pathname = it.call_named(&cl_sym("COMPILE-FILE-PATHNAME"), &out_args)?;
    let output = super::files::native(it, &out_pathname)?;
    let verbose = args::kw(&kws, "VERBOSE").unwrap_or_else(|| special("*COMPILE-VERBOSE*"));
    let print = args::kw(&kws, "PRINT").unwrap_or_else(|| special("*COMPILE-PRINT*"));
    let out = super::streams::out_stream(it, None)?;
    if verbose.truthy() {
        let fresh = if out.output_column() > 0 { "\n" } else { "" };
        let line = format!("{fresh}; compiling file {truename:?}\n");
        super::streams::write_text(it, &out, &line)?;
    }

    let mark = it.dyn_mark();
    let merged = Value::Pathname(Rc::new(Pathname::parse(&input)));
    let true_p = Value::Pathname(Rc::new(Pathname::parse(&truename)));
    it.bind_special(&cl_sym("*COMPILE-FILE-PATHNAME*"), merged);
    it.bind_special(&cl_sym("*COMPILE-FILE-TRUENAME*"), true_p);
    it.bind_special(&cl_sym("*PACKAGE*"), special("*PACKAGE*"));
    it.bind_special(&cl_sym("*READTABLE*"), special("*READTABLE*"));
    let saved_pkg = crate::eval::package::current_package();
    let body = compiled_body(&text).unwrap_or(&text);
    let r = super::system::each_form(it, body, &input, &mut |it, form| {
        if print.truthy() {
            let head = if form.is_cons() {
                form.car()
            } else {
                form.clone()
            };
            let line = format!("; processing {}\n", crate::printer::prin1_to_string(&head));
            super::streams::write_text(it, &out, &line)?;
        }
        process(it, form, false)
    });
    it.unbind_to(mark);
    crate::eval::package::set_current_package(saved_pkg);
    r?;

    let mut written = String::from(HEADER);
    written.push_str(body);
    if let Err(e) = std::fs::write(&output, written) {
        return file_error(it, "cannot write", &output, &e);
    }
    let out_true = match std::fs::canonicalize(&output) {
        Ok(t) => t.to_string_lossy().to_string(),
        Err(e) => return file_error(it, "cannot find the truename of", &output, &e),
    };
    if verbose.truthy() {
        let fresh = if out.output_column() > 0 { "\n" } else { "" };
        super::streams::write_text(it, &out, &format!("{fresh}; wrote {out_true}\n"))?;
    }
    let result = Value::Pathname(Rc::new(Pathname::parse(&out_true)));
    Ok(it.values(vec![result, Value::Nil, Value::Nil]))
}

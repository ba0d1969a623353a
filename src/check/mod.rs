//! Static checks of a script, without running it (`sendletter --check`,
//! and the same findings on standard error before a script runs):
//! undefined functions and variables, calls with the wrong number of
//! arguments, unknown keywords (with the nearest valid one), malformed
//! literal server forms and literal addresses that are not bare — each at
//! `FILE:LINE:COL` of the form it is in, as SBCL's compiler warnings.
//!
//! The rule is: never a false error. Whatever the check cannot follow
//! (a computed keyword, a macro that does not expand, a file the script
//! loads) gives no finding, or only a warning.

pub mod calls;
pub mod defs;
pub mod walk;

use std::fmt;
use std::rc::Rc;

use crate::eval::package::cl_sym;
use crate::eval::{Interp, Value};
use crate::reader::positions::{self, Place};
use crate::reader::Reader;
use crate::toplevel::EvalCtx;

/// How bad a finding is: an error would fail the run when reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    pub place: Place,
    pub message: String,
}

impl fmt::Display for Finding {
    /// `FILE:LINE:COL: error: message`, as compilers write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {level}: {}",
            self.place.file.as_deref().unwrap_or("<input>"),
            self.place.line,
            self.place.column,
            self.message
        )
    }
}

/// What the check may do besides reading.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Mode {
    /// `--check`: the script's package and macro definitions are
    /// evaluated, as a compiler does (CLHS 3.2.3.1.1), so its own macros
    /// expand and its packages read.
    Check,
    /// Before a run: nothing of the script is evaluated. A script that
    /// changes package is not checked (its symbols would read wrongly).
    BeforeRun,
}

/// Top-level forms `--check` evaluates: what a compiler evaluates at
/// compile time, nothing that sends, writes or prints.
const COMPILE_TIME: &[&str] = &[
    "IN-PACKAGE",
    "DEFPACKAGE",
    "DEFMACRO",
    "DEFINE-SYMBOL-MACRO",
    "DEFSTRUCT",
    "DEFCLASS",
    "DEFGENERIC",
    "DEFINE-CONDITION",
    "DEFTYPE",
    "DEFSETF",
    "DEFINE-MODIFY-MACRO",
    "USE-PACKAGE",
    "REQUIRE",
    "IMPORT",
    "EXPORT",
    "SHADOW",
    "SHADOWING-IMPORT",
];

fn head_name(form: &Value) -> Option<String> {
    match form.car() {
        Value::Symbol(s) if form.is_cons() => Some(s.name.clone()),
        _ => None,
    }
}

/// Check the script `src` (read as `file`); the findings in source order.
pub fn check_source(it: &mut Interp, src: &str, file: Option<&str>, mode: Mode) -> Vec<Finding> {
    let package = cl_sym("*PACKAGE*");
    let read_eval = cl_sym("*READ-EVAL*");
    let saved_package = package.value.borrow().clone();
    // `#.` would run code while reading: refused during the check.
    let saved_read_eval = read_eval.value.replace(Some(Value::Nil));
    let findings = check_inner(it, src, file, mode);
    *read_eval.value.borrow_mut() = saved_read_eval;
    *package.value.borrow_mut() = saved_package;
    findings
}

fn check_inner(it: &mut Interp, src: &str, file: Option<&str>, mode: Mode) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut forms = Vec::new();
    let mut reader = Reader::new(src, file);
    loop {
        let read = {
            let mut ctx = EvalCtx(it);
            positions::record(|| reader.read(&mut ctx))
        };
        let form = match read {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                if mode == Mode::Check {
                    findings.push(Finding {
                        level: Level::Error,
                        place: Place {
                            file: e.file.as_deref().map(Rc::from),
                            line: e.line,
                            column: e.column,
                        },
                        message: format!("reader error: {}", e.message),
                    });
                }
                break;
            }
        };
        let (line, column) = reader.form_start();
        let place = Place {
            file: file.map(Rc::from),
            line,
            column,
        };
        let head = head_name(&form);
        match mode {
            Mode::Check if head.as_deref().is_some_and(|h| COMPILE_TIME.contains(&h)) => {
                let mark = it.dyn_mark();
                let pos = crate::eval::interp::SourcePos {
                    file: file.map(str::to_string),
                    line,
                    column,
                };
                // A definition that fails is the run's to report.
                let _ = crate::toplevel::eval_toplevel(it, &form, pos);
                it.unbind_to(mark);
            }
            Mode::BeforeRun
                if matches!(
                    head.as_deref(),
                    Some("DEFPACKAGE" | "EVAL-WHEN" | "IMPORT" | "SHADOW" | "SHADOWING-IMPORT")
                ) || (head.as_deref() == Some("IN-PACKAGE")
                    && !names_current_package(&form))
                    || (head.as_deref() == Some("USE-PACKAGE") && !already_used(&form)) =>
            {
                return Vec::new();
            }
            _ => {}
        }
        forms.push((form, place));
    }
    let mut defs = defs::Defs::default();
    for (form, _) in &forms {
        defs.collect(form);
    }
    defs.unexpanded_macros = mode == Mode::BeforeRun && !defs.macros.is_empty();
    if mode == Mode::Check && !defs.macros.is_empty() {
        // A first walk to find what the script's own macros define
        // (`(def-getter five 5)` → a `defun`).
        let expanded = walk_all(it, &defs, &forms, mode).expanded_defs;
        defs.functions.extend(expanded.functions);
        defs.macros.extend(expanded.macros);
        defs.variables.extend(expanded.variables);
    }
    findings.extend(walk_all(it, &defs, &forms, mode).findings);
    findings.sort_by_key(|f| (f.place.line, f.place.column));
    findings
}

/// Any error-level finding?
pub fn has_error(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Error)
}

/// `(in-package X)` where X is the package already current.
fn names_current_package(form: &Value) -> bool {
    let name = match form.cdr().car() {
        Value::String(s) => s.borrow().clone(),
        Value::Symbol(s) => s.name.clone(),
        _ => return false,
    };
    crate::eval::package::find_package(&name)
        .is_some_and(|p| Rc::ptr_eq(&p, &crate::eval::package::current_package()))
}

fn walk_all<'a>(
    it: &'a mut Interp,
    defs: &'a defs::Defs,
    forms: &[(Value, Place)],
    mode: Mode,
) -> walk::Walker<'a> {
    let mut walker = walk::Walker::new(it, defs);
    walker.expand_script_macros = mode == Mode::Check;
    for (form, place) in forms {
        let mark = walker.it.dyn_mark();
        walker.form(form, place);
        walker.it.unbind_to(mark);
    }
    walker
}

/// `(use-package X …)` where every X is already used by the current
/// package (as `NET.POST-OFFICE` is by `CL-USER`): nothing changes.
fn already_used(form: &Value) -> bool {
    let current = crate::eval::package::current_package();
    let used = current.uses.borrow();
    form.cdr().iter().all(|p| {
        let name = match &p {
            Value::String(s) => s.borrow().clone(),
            Value::Symbol(s) => s.name.clone(),
            _ => return false,
        };
        crate::eval::package::find_package(&name)
            .is_some_and(|p| Rc::ptr_eq(&p, &current) || used.iter().any(|u| Rc::ptr_eq(u, &p)))
    })
}

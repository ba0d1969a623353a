//! The standard macros of CLHS, each a real macro function: a Rust
//! expander installed as its symbol's macro function, turning the form
//! into special operators (CLHS 3.1.2.1.2.1) and calls of internal
//! functions in the SENDLETTER package. `macro-function`, `macroexpand-1`
//! and `&environment` see them as any user macro; the evaluator expands
//! them once, when a form is analysed.
//!
//! `src/builtins/macros.lisp` holds the macros written in Lisp.

mod conditions;
mod control;
mod definitions;
mod iteration;
pub(crate) mod places;

pub(crate) use definitions::global_symbol_macro;

use std::rc::Rc;

use super::package::{cl_sym, intern_in, sendletter_package};
use super::value::{Builtin, BuiltinFn, Function, Sym, Symbol, Value};
use super::{Interp, LResult};

/// Every standard macro written in Rust: (package, name, expander).
fn all_macros() -> impl Iterator<Item = &'static (&'static str, BuiltinFn)> {
    control::MACROS
        .iter()
        .chain(iteration::MACROS)
        .chain(places::MACROS)
        .chain(definitions::MACROS)
        .chain(conditions::MACROS)
}

/// The internal functions the expansions call.
pub fn builtin_tables() -> Vec<&'static [crate::builtins::BuiltinDef]> {
    vec![
        control::BUILTINS,
        iteration::BUILTINS,
        places::BUILTINS,
        definitions::BUILTINS,
        conditions::BUILTINS,
    ]
}

/// Install the expanders as macro functions.
pub fn install() {
    for (name, f) in all_macros() {
        let sym = match name.strip_prefix("SENDLETTER::") {
            Some(n) => intern_in(n, &sendletter_package()),
            None => cl_sym(name),
        };
        let m = Value::Function(Rc::new(Function::Builtin(Builtin {
            name: sym.clone(),
            // A macro function takes the form and the environment (CLHS 3.1.2.1.2.2).
            min_args: 2,
            max_args: Some(2),
            f: *f,
        })));
        *sym.macro_fn.borrow_mut() = Some(m);
    }
}

/// Is `sym` one of the standard macros written in Rust?
pub fn is_standard_macro(sym: &Sym) -> bool {
    matches!(&*sym.macro_fn.borrow(), Some(Value::Function(f))
        if matches!(&**f, Function::Builtin(b) if Rc::ptr_eq(&b.name, sym)))
}

// ----- building forms --------------------------------------------------

/// A COMMON-LISP symbol as a value.
pub(crate) fn cl(name: &str) -> Value {
    Value::Symbol(cl_sym(name))
}

/// An internal (SENDLETTER) symbol as a value.
pub(crate) fn si(name: &str) -> Value {
    Value::Symbol(intern_in(name, &sendletter_package()))
}

pub(crate) fn list(items: impl IntoIterator<Item = Value>) -> Value {
    Value::list(items.into_iter().collect::<Vec<_>>())
}

/// `(op . args)`.
pub(crate) fn call(op: Value, args: impl IntoIterator<Item = Value>) -> Value {
    Value::cons(op, list(args))
}

pub(crate) fn quote(v: Value) -> Value {
    list([cl("QUOTE"), v])
}

/// `(function (lambda ll . body))`.
pub(crate) fn lambda(ll: Value, body: impl IntoIterator<Item = Value>) -> Value {
    list([
        cl("FUNCTION"),
        Value::cons(cl("LAMBDA"), Value::cons(ll, list(body))),
    ])
}

/// A fresh uninterned symbol.
pub(crate) fn gensym(name: &str) -> Value {
    Value::Symbol(Rc::new(Symbol::new(name)))
}

/// `(progn . forms)`, or the single form itself.
pub(crate) fn progn(mut forms: Vec<Value>) -> Value {
    if forms.len() == 1 {
        return forms.pop().unwrap_or(Value::Nil);
    }
    call(cl("PROGN"), forms)
}

/// `(let* bindings . body)`, or just the body when there are no bindings.
pub(crate) fn let_star(bindings: Vec<Value>, body: Vec<Value>) -> Value {
    if bindings.is_empty() {
        return progn(body);
    }
    Value::cons(cl("LET*"), Value::cons(list(bindings), list(body)))
}

/// The argument forms of a macro call, as a proper list.
pub(crate) fn args(it: &mut Interp, form: &Value) -> LResult<Vec<Value>> {
    items(it, &form.cdr(), form)
}

/// The items of a proper list that is part of `form`, or a program error
/// naming the form.
pub(crate) fn items(it: &mut Interp, v: &Value, form: &Value) -> LResult<Vec<Value>> {
    let mut out = Vec::new();
    let mut cur = v.clone();
    loop {
        match cur {
            Value::Nil => return Ok(out),
            Value::Cons(c) => {
                if out.len() > 1_000_000 {
                    return malformed(it, form, "the list is too long or circular");
                }
                out.push(c.car.borrow().clone());
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            _ => return malformed(it, form, "a dotted list where a proper list belongs"),
        }
    }
}

/// A program error for a malformed macro call (signalled when the form
/// is expanded, that is when it runs).
pub(crate) fn malformed<T>(it: &mut Interp, form: &Value, why: &str) -> LResult<T> {
    let name = match form.car() {
        Value::Symbol(s) => s.name.clone(),
        _ => "macro".to_string(),
    };
    let msg = format!(
        "malformed {name}: {why} in {}",
        crate::printer::prin1_to_string(form)
    );
    let c = it.make_error("PROGRAM-ERROR", &msg);
    it.err(c)
}

/// Exactly `n` to `m` arguments, else a program error.
pub(crate) fn arity(it: &mut Interp, form: &Value, n: usize, m: usize) -> LResult<Vec<Value>> {
    let a = args(it, form)?;
    if a.len() < n {
        return malformed(it, form, "too few arguments");
    }
    if a.len() > m {
        return malformed(it, form, "too many arguments");
    }
    Ok(a)
}

pub(crate) fn is_declaration(v: &Value) -> bool {
    v.is_cons() && v.car().is_sym(&cl_sym("DECLARE"))
}

/// Split a body into its leading declarations and the rest (CLHS 3.3.2);
/// with `doc_allowed` a docstring among them is returned too.
pub(crate) fn split_body(
    body: &[Value],
    doc_allowed: bool,
) -> (Vec<Value>, Option<Value>, Vec<Value>) {
    let mut decls = Vec::new();
    let mut doc = None;
    let mut i = 0;
    while i < body.len() {
        let f = &body[i];
        if is_declaration(f) {
            decls.push(f.clone());
        } else if doc_allowed
            && doc.is_none()
            && matches!(f, Value::String(_))
            && i + 1 < body.len()
        {
            doc = Some(f.clone());
        } else {
            break;
        }
        i += 1;
    }
    (decls, doc, body[i..].to_vec())
}

/// Expander arguments: the form, and the environment (or NIL).
pub(crate) fn form_and_env(a: &[Value]) -> (Value, Value) {
    (
        a.first().cloned().unwrap_or(Value::Nil),
        a.get(1).cloned().unwrap_or(Value::Nil),
    )
}

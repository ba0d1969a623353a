//! What a program can ask of and attach to its definitions: `documentation`
//! and `(setf documentation)` for every doc-type (CLHS 25.2 documentation),
//! compiler macros (`compiler-macro-function` and its setf, CLHS 3.2.2.1),
//! `(setf macro-function)` and `disassemble`.
//!
//! Compiler macros are recorded and returned but never applied: CLHS
//! 3.2.2.1.3 lets an implementation ignore them, and the evaluator runs
//! the function (or macro) itself.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::args;
use super::BuiltinDef;
use crate::def;
use crate::eval::package::{cl_sym, find_package, find_symbol, intern_in, sendletter_package};
use crate::eval::value::{Function, Sym};
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("DOCUMENTATION", "(x doc-type)", 2, 2, documentation, "The documentation string of X of kind DOC-TYPE, or NIL."),
    def!("SENDLETTER" : "%SET-DOCUMENTATION", "(new-value x doc-type)", 3, 3, set_documentation, "(setf documentation)."),
    def!("COMPILER-MACRO-FUNCTION", "(name &optional environment)", 1, 2, compiler_macro_function, "The compiler macro function of the function name NAME, or NIL."),
    def!("SENDLETTER" : "%SET-COMPILER-MACRO-FUNCTION", "(new-function name &optional environment)", 2, 3, set_compiler_macro_function, "(setf compiler-macro-function)."),
    def!("SENDLETTER" : "%DEFINE-COMPILER-MACRO", "(name function documentation)", 3, 3, define_compiler_macro, "Make FUNCTION the compiler macro of NAME."),
    def!("SENDLETTER" : "%SET-MACRO-FUNCTION", "(new-function symbol &optional environment)", 2, 3, set_macro_function, "(setf macro-function)."),
    def!("DISASSEMBLE", "(fn)", 1, 1, disassemble, "Print what sendletter runs for FN: its name, lambda list and source (there is no machine code)."),
];

// ----- documentation (CLHS 25.2) ----------------------------------------------------

thread_local! {
    /// Documentation attached to objects other than the symbol kinds the
    /// definitions record themselves: (object, doc-type, text), matched by
    /// identity. Small: only what a program sets explicitly.
    static OBJECT_DOCS: RefCell<Vec<(Value, Value, String)>> = const { RefCell::new(Vec::new()) };
}

/// The doc-types a symbol's definitions record on the symbol itself.
fn symbol_kind(doc_type: &Value) -> Option<&'static str> {
    match doc_type.as_symbol()?.name.as_str() {
        "FUNCTION" => Some("FUNCTION"),
        "VARIABLE" => Some("VARIABLE"),
        "COMPILER-MACRO" => Some("COMPILER-MACRO"),
        _ => None,
    }
}

/// (x, doc-type) as the table keys them: a function's `t` and `function`
/// are one documentation; `(setf name)` is keyed by an internal doc-type.
fn key_of(it: &mut Interp, x: &Value, doc_type: &Value) -> LResult<(Value, Value)> {
    if matches!(x, Value::Function(_)) && (doc_type.is_sym(&cl_sym("T")) || doc_type.is_nil()) {
        return Ok((x.clone(), Value::Symbol(cl_sym("FUNCTION"))));
    }
    if x.is_cons() {
        let name = setf_name(it, x)?;
        let kind = doc_type
            .as_symbol()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let key = intern_in(&format!("(SETF) {kind}"), &sendletter_package());
        return Ok((Value::Symbol(name), Value::Symbol(key)));
    }
    Ok((x.clone(), doc_type.clone()))
}

fn table_doc(x: &Value, doc_type: &Value) -> Option<Option<String>> {
    OBJECT_DOCS.with(|t| {
        t.borrow()
            .iter()
            .find(|(o, k, _)| o.eq(x) && k.eq(doc_type))
            .map(|(_, _, d)| Some(d.clone()))
    })
}

fn documentation(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Some(doc) = crate::clos::hooks::documentation(it, &a[0], &a[1])? {
        if !doc.is_nil() {
            return Ok(doc);
        }
    }
    let (x, doc_type) = key_of(it, &a[0], &a[1])?;
    if let Some(Some(d)) = table_doc(&x, &doc_type) {
        return Ok(Value::string(d));
    }
    let s = match &x {
        Value::Function(f) => match &**f {
            Function::Builtin(b) => b.name.clone(),
            Function::Native(n) => n.name.clone(),
            Function::Closure(c) => match c.name.borrow().as_ref().and_then(|n| n.as_symbol()) {
                Some(s) => s,
                None => return Ok(Value::Nil),
            },
        },
        Value::Symbol(s) => s.clone(),
        Value::Nil => cl_sym("NIL"),
        _ => return Ok(Value::Nil),
    };
    let Some(kind) = symbol_kind(&doc_type) else {
        return Ok(Value::Nil);
    };
    super::prelude::load_for(it, &s)?;
    let doc = s
        .doc
        .borrow()
        .iter()
        .rev()
        .find(|(k, _)| *k == kind)
        .map(|(_, d)| d.clone());
    Ok(doc.map(Value::string).unwrap_or(Value::Nil))
}

/// `(setf (documentation x doc-type) new)`: NEW is a string or NIL (which
/// removes the documentation); the value is NEW.
fn set_documentation(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let new = &a[0];
    let text = match new {
        Value::Nil => None,
        Value::String(s) => Some(s.borrow().to_string()),
        other => return args::type_err(it, other, "(OR STRING NULL)"),
    };
    if crate::clos::loaded(it) {
        if let Some((f, _)) =
            find_package("CLOS").and_then(|p| find_symbol("%SET-DOCUMENTATION-HOOK", &p))
        {
            it.call_named(&f, &[a[1].clone(), a[2].clone(), new.clone()])?;
        }
    }
    let (x, doc_type) = key_of(it, &a[1], &a[2])?;
    if let (Value::Symbol(s), Some(kind)) = (&x, symbol_kind(&doc_type)) {
        let mut docs = s.doc.borrow_mut();
        docs.retain(|(k, _)| *k != kind);
        if let Some(t) = &text {
            docs.push((kind, t.clone()));
        }
    }
    OBJECT_DOCS.with(|t| {
        let mut t = t.borrow_mut();
        t.retain(|(o, k, _)| !(o.eq(&x) && k.eq(&doc_type)));
        if let Some(text) = text {
            t.push((x, doc_type, text));
        }
    });
    Ok(new.clone())
}

// ----- compiler macros (CLHS 3.2.2.1) ------------------------------------------------

thread_local! {
    /// Compiler macro functions by function name: (symbol identity, is a
    /// `(setf symbol)` name) → (symbol, function).
    static COMPILER_MACROS: RefCell<HashMap<(usize, bool), (Sym, Value)>> = RefCell::new(HashMap::new());
}

/// The symbol of a `(setf symbol)` function name.
fn setf_name(it: &mut Interp, name: &Value) -> LResult<Sym> {
    let ok = name.car().is_sym(&it.s.setf) && name.cdr().is_cons() && name.cdr().cdr().is_nil();
    match name.cdr().car().as_symbol().filter(|_| ok) {
        Some(s) => Ok(s),
        None => args::type_err(it, name, "(OR SYMBOL (CONS (EQL SETF) (CONS SYMBOL NULL)))"),
    }
}

/// A function name (CLHS glossary) as the compiler macro table's key.
fn function_name_key(it: &mut Interp, name: &Value) -> LResult<(usize, bool, Sym)> {
    if name.is_cons() {
        let s = setf_name(it, name)?;
        return Ok((Rc::as_ptr(&s) as usize, true, s));
    }
    let s = match name {
        Value::Nil => cl_sym("NIL"),
        Value::Symbol(s) => s.clone(),
        other => {
            return args::type_err(
                it,
                other,
                "(OR SYMBOL (CONS (EQL SETF) (CONS SYMBOL NULL)))",
            )
        }
    };
    Ok((Rc::as_ptr(&s) as usize, false, s))
}

fn compiler_macro_function(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (p, setf, _) = function_name_key(it, &a[0])?;
    let f = COMPILER_MACROS.with(|t| t.borrow().get(&(p, setf)).map(|(_, f)| f.clone()));
    Ok(f.unwrap_or(Value::Nil))
}

fn set_compiler_macro_function(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (p, setf, s) = function_name_key(it, &a[1])?;
    match &a[0] {
        Value::Nil => {
            COMPILER_MACROS.with(|t| t.borrow_mut().remove(&(p, setf)));
        }
        Value::Function(_) => {
            COMPILER_MACROS.with(|t| t.borrow_mut().insert((p, setf), (s, a[0].clone())));
        }
        other => return args::type_err(it, other, "(OR FUNCTION NULL)"),
    }
    Ok(a[0].clone())
}

/// `define-compiler-macro`'s run time: record the function and its
/// documentation; the value is the name.
fn define_compiler_macro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    set_compiler_macro_function(it, &[a[1].clone(), a[0].clone()])?;
    let kind = Value::Symbol(cl_sym("COMPILER-MACRO"));
    if a[2].is_nil() {
        return Ok(a[0].clone());
    }
    set_documentation(it, &[a[2].clone(), a[0].clone(), kind])?;
    Ok(a[0].clone())
}

// ----- (setf macro-function) (CLHS macro-function) ------------------------------------

/// `(setf (macro-function symbol env) fn)`: the global definition becomes
/// the macro FN (the environment argument is accepted; a global
/// definition is what changes, as in SBCL).
fn set_macro_function(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[1])?;
    if !matches!(a[0], Value::Function(_)) {
        return args::type_err(it, &a[0], "FUNCTION");
    }
    *s.macro_fn.borrow_mut() = Some(a[0].clone());
    *s.function.borrow_mut() = None;
    it.forget_expansions();
    Ok(a[0].clone())
}

// ----- disassemble (CLHS disassemble) -------------------------------------------------

/// There is no machine code: the "implementation-dependent representation"
/// CLHS allows is the function's name, lambda list and source, as the
/// evaluator analyses it. Returns NIL.
fn disassemble(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let f = match &a[0] {
        Value::Function(_) => a[0].clone(),
        x if x.is_cons() && x.car().is_sym(&cl_sym("LAMBDA")) => {
            let form = Value::list([Value::Symbol(cl_sym("FUNCTION")), x.clone()]);
            it.call_named(&cl_sym("EVAL"), &[form])?
        }
        Value::Symbol(_) | Value::Nil => {
            let s = args::symbol(it, &a[0])?;
            let m = s.macro_fn.borrow().clone();
            let global = s.function.borrow().is_some();
            match m {
                Some(m) if !global => m,
                _ => it.call_named(&cl_sym("FDEFINITION"), &[a[0].clone()])?,
            }
        }
        x if x.is_cons() => it.call_named(&cl_sym("FDEFINITION"), std::slice::from_ref(x))?,
        other => {
            return args::type_err(
                it,
                other,
                "(OR FUNCTION SYMBOL (CONS (EQL SETF) (CONS SYMBOL NULL)))",
            )
        }
    };
    let lambda = it.call_named(
        &cl_sym("FUNCTION-LAMBDA-EXPRESSION"),
        std::slice::from_ref(&f),
    )?;
    let lambda = it
        .take_values(lambda)
        .into_iter()
        .next()
        .unwrap_or(Value::Nil);
    let shown = crate::printer::prin1_to_string(&f);
    let mut text = format!(
        "; disassembly of {shown}\n; sendletter interprets Lisp: there is no machine code.\n"
    );
    if lambda.is_nil() {
        text.push_str(
            "; a built-in function (or one whose source is not kept): no Lisp source to show.\n",
        );
    } else {
        text.push_str("; the source it runs:\n");
        text.push_str(&crate::printer::prin1_to_string(&lambda));
        text.push('\n');
    }
    it.call_named(&cl_sym("WRITE-STRING"), &[Value::string(text)])?;
    Ok(Value::Nil)
}

//! Definitions: `defun`, `defmacro`, `defvar`, `defparameter`,
//! `defconstant`, `in-package`, `declaim` (with the function `proclaim`),
//! `defstruct`, `define-condition`. Each expands into a call of an
//! internal function that records the definition when it runs.

use super::{arity, call, cl, form_and_env, list, malformed, quote, si, split_body};
use crate::def;
use crate::eval::value::{BuiltinFn, Value};
use crate::eval::{Interp, LResult};

pub const MACROS: &[(&str, BuiltinFn)] = &[
    ("DEFUN", defun),
    ("DEFMACRO", defmacro),
    ("DEFVAR", defvar),
    ("DEFPARAMETER", defparameter),
    ("DEFCONSTANT", defconstant),
    ("IN-PACKAGE", in_package),
    ("DECLAIM", declaim),
    ("DEFSTRUCT", defstruct),
    ("DEFTYPE", deftype),
    ("DEFINE-CONDITION", define_condition),
    ("DEFINE-COMPILER-MACRO", define_compiler_macro),
    ("DEFINE-SYMBOL-MACRO", define_symbol_macro),
    ("WITH-COMPILATION-UNIT", with_compilation_unit),
    ("STEP", step),
];

#[rustfmt::skip]
pub const BUILTINS: &[crate::builtins::BuiltinDef] = &[
    def!("PROCLAIM", "(declaration-specifier)", 1, 1, proclaim,
        "Make a declaration global (CLHS 3.8): SPECIAL is honoured; INLINE, NOTINLINE, FTYPE, TYPE, OPTIMIZE and the like are accepted."),
    def!("SENDLETTER" : "%DEFUN", "(name function documentation)", 3, 3, defun_fn, "Make FUNCTION the global definition of NAME."),
    def!("SENDLETTER" : "%DEFINE-SYMBOL-MACRO", "(name expansion)", 2, 2, define_symbol_macro_fn, "Make NAME a global symbol macro expanding to EXPANSION."),
    def!("SENDLETTER" : "%DEFMACRO", "(name expander documentation)", 3, 3, defmacro_fn, "Make EXPANDER NAME's macro function."),
    def!("SENDLETTER" : "%DEFCONSTANT", "(name value documentation)", 3, 3, defconstant_fn, "Define NAME as a constant."),
    def!("SENDLETTER" : "%VARIABLE-DOCUMENTATION", "(name documentation)", 2, 2, variable_doc, "Record a variable's documentation."),
    def!("SENDLETTER" : "%IN-PACKAGE", "(name)", 1, 1, in_package_fn, "Make the package named NAME current."),
    def!("SENDLETTER" : "%DEFTYPE", "(name expander)", 2, 2, deftype_fn, "Make EXPANDER (a function of the type's arguments) define the type NAME."),
    def!("SENDLETTER" : "%DEFSTRUCT", "(definition &optional initform-closures)", 1, 2, defstruct_fn, "Define a structure from DEFSTRUCT's arguments."),
    def!("SENDLETTER" : "%DEFINE-CONDITION", "(definition report)", 2, 2, define_condition_fn,
        "Define a condition class from DEFINE-CONDITION's arguments and its evaluated :REPORT."),
];

fn doc_value(doc: Option<Value>) -> Value {
    doc.unwrap_or(Value::Nil)
}

/// `(defun name ll . body)` →
/// `(%defun 'name #'(sendletter::named-lambda name ll . body) doc)`.
fn defun(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let name = &x[0];
    let is_setf_name =
        name.is_cons() && name.car().is_sym(&it.s.setf) && name.cdr().car().is_symbol();
    if !(name.is_symbol() && !name.is_nil() || is_setf_name) {
        return malformed(
            it,
            &form,
            "a function name that is not a symbol or (setf symbol)",
        );
    }
    let (_, doc, _) = split_body(&x[2..], true);
    let f = list([
        cl("FUNCTION"),
        Value::cons(
            si("NAMED-LAMBDA"),
            Value::cons(name.clone(), list(x[1..].to_vec())),
        ),
    ]);
    Ok(list([si("%DEFUN"), quote(name.clone()), f, doc_value(doc)]))
}

fn defmacro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    if !x[0].is_symbol() || x[0].is_nil() {
        return malformed(it, &form, "a macro name that is not a symbol");
    }
    let (_, doc, _) = split_body(&x[2..], true);
    let f = list([
        cl("FUNCTION"),
        Value::cons(si("MACRO-LAMBDA"), list(x.iter().cloned())),
    ]);
    Ok(list([
        si("%DEFMACRO"),
        quote(x[0].clone()),
        f,
        doc_value(doc),
    ]))
}

/// `(define-compiler-macro name ll . body)` (CLHS define-compiler-macro) →
/// `(%define-compiler-macro 'name #'(macro-lambda block ll . body) doc)`;
/// the block of a `(setf f)` name is `f` (CLHS 3.4.11).
fn define_compiler_macro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let name = &x[0];
    let block = if name.is_cons()
        && name.car().is_sym(&it.s.setf)
        && name.cdr().car().is_symbol()
        && name.cdr().cdr().is_nil()
    {
        name.cdr().car()
    } else if name.is_symbol() && !name.is_nil() {
        name.clone()
    } else {
        return malformed(
            it,
            &form,
            "a function name that is not a symbol or (setf symbol)",
        );
    };
    let (_, doc, _) = split_body(&x[2..], true);
    let mut lambda = vec![si("MACRO-LAMBDA"), block];
    lambda.extend(x[1..].iter().cloned());
    let f = list([cl("FUNCTION"), list(lambda)]);
    Ok(list([
        si("%DEFINE-COMPILER-MACRO"),
        quote(name.clone()),
        f,
        doc_value(doc),
    ]))
}

thread_local! {
    /// Global symbol macros (CLHS define-symbol-macro), by symbol identity.
    static SYMBOL_MACROS: std::cell::RefCell<std::collections::HashMap<usize, (crate::eval::Sym, Value)>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The expansion of `sym` as a global symbol macro, if it is one.
pub(crate) fn global_symbol_macro(sym: &crate::eval::Sym) -> Option<Value> {
    SYMBOL_MACROS.with(|t| {
        t.borrow()
            .get(&(std::rc::Rc::as_ptr(sym) as usize))
            .map(|(_, e)| e.clone())
    })
}

/// `(define-symbol-macro name expansion)` → `(%define-symbol-macro 'name 'expansion)`.
fn define_symbol_macro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, 2)?;
    if !x[0].is_symbol() || x[0].is_nil() {
        return malformed(it, &form, "a name that is not a symbol");
    }
    Ok(list([
        si("%DEFINE-SYMBOL-MACRO"),
        quote(x[0].clone()),
        quote(x[1].clone()),
    ]))
}

/// A global symbol macro may not name a special or constant variable
/// (CLHS define-symbol-macro: program-error).
fn define_symbol_macro_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(s) = a[0].as_symbol() else {
        let c = it.type_error(&a[0], "SYMBOL");
        return it.err(c);
    };
    if s.special.get() || s.constant.get() {
        let c = it.make_error(
            "PROGRAM-ERROR",
            &format!(
                "{} names a special or constant variable; it cannot be a symbol macro",
                s.name
            ),
        );
        return it.err(c);
    }
    SYMBOL_MACROS.with(|t| {
        t.borrow_mut()
            .insert(std::rc::Rc::as_ptr(&s) as usize, (s.clone(), a[1].clone()))
    });
    it.forget_expansions();
    Ok(a[0].clone())
}

/// `(with-compilation-unit (option*) . body)`: there is no compiler whose
/// warnings to defer, so the body runs as a `progn` (options evaluated
/// for their effects are none of the standard ones).
fn with_compilation_unit(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    Ok(call(cl("PROGN"), x[1..].to_vec()))
}

/// `(step form)`: there is no stepper; the form is evaluated and its
/// values returned (CLHS step: the stepping itself is implementation
/// dependent; docs/lisp-differences.md says so).
fn step(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, 1)?;
    Ok(list([cl("PROGN"), x[0].clone()]))
}

/// `defvar`/`defparameter`: proclaimed special, assigned (`defvar`: only
/// when unbound), documented; the value is the name.
fn defvar_like(it: &mut Interp, a: &[Value], always: bool) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, if always { 2 } else { 1 }, 3)?;
    if !x[0].is_symbol() || x[0].is_nil() {
        return malformed(it, &form, "a variable name that is not a symbol");
    }
    let name = quote(x[0].clone());
    let mut out = vec![list([
        cl("PROCLAIM"),
        quote(list([cl("SPECIAL"), x[0].clone()])),
    ])];
    if let Some(init) = x.get(1) {
        let set = list([cl("SET"), name.clone(), init.clone()]);
        out.push(if always {
            set
        } else {
            list([cl("UNLESS"), list([cl("BOUNDP"), name.clone()]), set])
        });
    }
    if let Some(doc) = x.get(2) {
        out.push(list([
            si("%VARIABLE-DOCUMENTATION"),
            name.clone(),
            doc.clone(),
        ]));
    }
    out.push(name);
    Ok(call(cl("PROGN"), out))
}

fn defvar(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    defvar_like(it, a, false)
}

fn defparameter(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    defvar_like(it, a, true)
}

fn defconstant(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, 3)?;
    if !x[0].is_symbol() || x[0].is_nil() {
        return malformed(it, &form, "a constant name that is not a symbol");
    }
    Ok(list([
        si("%DEFCONSTANT"),
        quote(x[0].clone()),
        x[1].clone(),
        x.get(2).cloned().unwrap_or(Value::Nil),
    ]))
}

fn in_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, 1)?;
    Ok(list([si("%IN-PACKAGE"), quote(x[0].clone())]))
}

/// `(declaim spec...)` → `(progn (proclaim 'spec) ...)`.
fn declaim(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 0, usize::MAX)?;
    let mut out: Vec<Value> = x
        .into_iter()
        .map(|spec| list([cl("PROCLAIM"), quote(spec)]))
        .collect();
    out.push(Value::Nil);
    Ok(call(cl("PROGN"), out))
}

fn defstruct(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    arity(it, &form, 1, usize::MAX)?;
    // Initforms are evaluated in the definition's lexical environment.
    let closures = crate::eval::defstruct::initforms(&form.cdr())
        .into_iter()
        .map(|init| list([cl("FUNCTION"), list([cl("LAMBDA"), Value::Nil, init])]));
    Ok(list([
        si("%DEFSTRUCT"),
        quote(form.cdr()),
        call(cl("LIST"), closures.collect::<Vec<_>>()),
    ]))
}

/// `(deftype name ll . body)` → `(%deftype 'name #'(lambda ll' . body))`,
/// where optional and keyword parameters without a default default to
/// `*` (CLHS deftype).
fn deftype(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    if !x[0].is_symbol() || x[0].is_nil() {
        return malformed(it, &form, "a type name that is not a symbol");
    }
    let mut section = String::new();
    let mut ll = Vec::new();
    for item in x[1].iter() {
        match item.as_symbol() {
            Some(s) if s.name.starts_with('&') => {
                section = s.name.clone();
                ll.push(item.clone());
            }
            Some(_) if matches!(section.as_str(), "&OPTIONAL" | "&KEY") => {
                ll.push(list([item.clone(), quote(cl("*"))]));
            }
            _ => ll.push(item.clone()),
        }
    }
    // The body is in a block named after the type (CLHS deftype).
    let (decls, _, forms) = split_body(&x[2..], true);
    let mut block = vec![cl("BLOCK"), x[0].clone()];
    block.extend(forms);
    let mut lambda = vec![cl("LAMBDA"), Value::list(ll)];
    lambda.extend(decls);
    lambda.push(Value::list(block));
    Ok(list([
        si("%DEFTYPE"),
        quote(x[0].clone()),
        list([cl("FUNCTION"), Value::list(lambda)]),
    ]))
}

fn deftype_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(name) = a[0].as_symbol() else {
        let c = it.type_error(&a[0], "SYMBOL");
        return it.err(c);
    };
    crate::eval::types::define_type(&name, a[1].clone());
    Ok(a[0].clone())
}

/// The `:report` option is evaluated where the definition is (a lambda
/// closes over its environment); the rest is data.
fn define_condition(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let mut report = Value::Nil;
    for o in x.iter().skip(3) {
        if o.car()
            .as_symbol()
            .is_some_and(|s| s.name == "REPORT" && s.is_keyword())
        {
            let r = o.cdr().car();
            report = match &r {
                Value::String(_) | Value::Symbol(_) => quote(r.clone()),
                _ => list([cl("FUNCTION"), r.clone()]),
            };
        }
    }
    Ok(list([si("%DEFINE-CONDITION"), quote(form.cdr()), report]))
}

// ----- the internal functions ------------------------------------------

fn set_doc(sym: &crate::eval::Sym, kind: &'static str, doc: &Value) {
    if let Value::String(d) = doc {
        let mut docs = sym.doc.borrow_mut();
        docs.retain(|(k, _)| *k != kind);
        docs.push((kind, d.borrow().clone()));
    }
}

fn defun_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = &a[0];
    if let Some(s) = name.as_symbol() {
        set_doc(&s, "FUNCTION", &a[2]);
        *s.function.borrow_mut() = Some(a[1].clone());
        *s.macro_fn.borrow_mut() = None;
        return Ok(name.clone());
    }
    let target = name.cdr().car();
    match target.as_symbol() {
        Some(t) if name.car().is_sym(&it.s.setf) => {
            it.setf_functions
                .insert(crate::eval::interp::SymKey(t), a[1].clone());
            it.forget_expansions();
            Ok(name.clone())
        }
        _ => {
            let c = it.type_error(name, "(OR SYMBOL (CONS (EQL SETF)))");
            it.err(c)
        }
    }
}

fn defmacro_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(name) = a[0].as_symbol() else {
        let c = it.type_error(&a[0], "SYMBOL");
        return it.err(c);
    };
    set_doc(&name, "FUNCTION", &a[2]);
    *name.macro_fn.borrow_mut() = Some(a[1].clone());
    *name.function.borrow_mut() = None;
    it.forget_expansions();
    Ok(a[0].clone())
}

fn defconstant_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(name) = a[0].as_symbol() else {
        let c = it.type_error(&a[0], "SYMBOL");
        return it.err(c);
    };
    *name.value.borrow_mut() = Some(a[1].clone());
    name.constant.set(true);
    name.special.set(true);
    set_doc(&name, "VARIABLE", &a[2]);
    Ok(a[0].clone())
}

fn variable_doc(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Some(s) = a[0].as_symbol() {
        set_doc(&s, "VARIABLE", &a[1]);
    }
    Ok(a[0].clone())
}

fn in_package_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = it.string_designator(&a[0])?;
    match crate::eval::package::find_package(&name) {
        Some(p) => {
            crate::eval::package::set_current_package(p.clone());
            Ok(Value::Package(p))
        }
        None => {
            let msg = crate::builtins::allegro::missing::unprovided_package(&name)
                .unwrap_or_else(|| format!("The name \"{name}\" does not designate any package."));
            let c = it.make_condition(
                "PACKAGE-ERROR",
                &[
                    ("PACKAGE", Value::string(name)),
                    ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
                ],
            );
            it.err(c)
        }
    }
}

/// CLHS proclaim: `special` makes the names globally special; the other
/// standard declarations (and unknown ones, as SBCL's style warning
/// aside) change nothing here.
fn proclaim(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let spec = &a[0];
    if !spec.is_cons() {
        let c = it.type_error(spec, "CONS");
        return it.err(c);
    }
    // A declaration specifier is a proper list (CLHS 3.8 declaration
    // specifier); a dotted one is an error.
    if let Some(bad) = dotted_in(spec) {
        let c = it.type_error(&bad, "LIST");
        return it.err(c);
    }
    if spec.car().is_sym(&it.s.special) {
        for v in spec.cdr().iter() {
            match v.as_symbol() {
                Some(s) if !v.is_nil() => s.special.set(true),
                _ => {
                    let c = it.type_error(&v, "SYMBOL");
                    return it.err(c);
                }
            }
        }
    }
    Ok(Value::Nil)
}

/// `spec` itself when it is a dotted list.
fn dotted_in(spec: &Value) -> Option<Value> {
    let mut cur = spec.clone();
    while cur.is_cons() {
        cur = cur.cdr();
    }
    (!cur.is_nil()).then(|| spec.clone())
}

fn defstruct_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    it.define_struct(&a[0], a.get(1).unwrap_or(&Value::Nil))
}

fn define_condition_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    it.define_condition_class(&a[0], a[1].clone())
}

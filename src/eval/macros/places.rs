//! Places (CLHS 5.1): `get-setf-expansion` and the macros built on it —
//! `setf`, `psetf`, `psetq`, `incf`, `decf`, `push`, `pushnew`, `pop`,
//! `remf`, `rotatef`, `shiftf`, `multiple-value-setq` — plus `defsetf`,
//! `define-setf-expander` and `define-modify-macro`. A place's subforms
//! are evaluated once, left to right, before the new value (CLHS 5.1.1.1).

use std::rc::Rc;

use super::{
    args, arity, call, cl, form_and_env, gensym, items, lambda, let_star, list, malformed, progn,
    quote, si,
};
use crate::def;
use crate::eval::env::Env;
use crate::eval::interp::SymKey;
use crate::eval::value::{BuiltinFn, Sym, Value};
use crate::eval::{Interp, LResult};

pub const MACROS: &[(&str, BuiltinFn)] = &[
    ("SETF", setf),
    ("PSETF", psetf),
    ("PSETQ", psetq),
    ("INCF", incf),
    ("DECF", decf),
    ("PUSH", push),
    ("PUSHNEW", pushnew),
    ("POP", pop),
    ("REMF", remf),
    ("ROTATEF", rotatef),
    ("SHIFTF", shiftf),
    ("MULTIPLE-VALUE-SETQ", multiple_value_setq),
    ("DEFSETF", defsetf),
    ("DEFINE-SETF-EXPANDER", define_setf_expander),
    ("DEFINE-MODIFY-MACRO", define_modify_macro),
];

#[rustfmt::skip]
pub const BUILTINS: &[crate::builtins::BuiltinDef] = &[
    def!("GET-SETF-EXPANSION", "(place &optional environment)", 1, 2, get_setf_expansion_fn,
        "The five values of PLACE's setf expansion: temporaries, value forms, store variables, writer, reader."),
    def!("SENDLETTER" : "%SET-CAR", "(cons value)", 2, 2, set_car, "(setf car): store VALUE in the car of CONS."),
    def!("SENDLETTER" : "%SET-CDR", "(cons value)", 2, 2, set_cdr, "(setf cdr): store VALUE in the cdr of CONS."),
    def!("SENDLETTER" : "%SET-INDEX", "(sequence index value)", 3, 3, set_index, "(setf aref), (setf elt), (setf char) and the like."),
    def!("SENDLETTER" : "%PUT", "(symbol indicator value)", 3, 3, put, "(setf get)."),
    def!("SENDLETTER" : "%PUTF", "(plist indicator value)", 3, 3, putf, "The plist with INDICATOR set to VALUE (changed in place when present)."),
    def!("SENDLETTER" : "%REMF", "(plist indicator)", 2, 2, remf_fn, "The plist without INDICATOR, and whether it was there."),
    def!("SENDLETTER" : "%SET-FDEFINITION", "(name function)", 2, 2, set_fdefinition, "(setf symbol-function)."),
    def!("SENDLETTER" : "%SET-PLIST", "(symbol plist)", 2, 2, set_plist, "(setf symbol-plist)."),
    def!("SENDLETTER" : "%SETF-CALL", "(place value &rest arguments)", 2, crate::builtins::MANY, setf_call,
        "Assign a structure slot, a DEFSETF place or a (SETF name) function's place, resolved when it runs."),
    def!("SENDLETTER" : "%DEFINE-SETF-EXPANDER", "(name expander)", 2, 2, define_setf_expander_fn,
        "Record a setf expander (DEFINE-SETF-EXPANDER)."),
    def!("SENDLETTER" : "%DEFSETF", "(name update)", 2, 2, defsetf_short_fn, "Record a short-form DEFSETF."),
    def!("SENDLETTER" : "%DEFSETF-LONG", "(name writer store-count)", 3, 3, defsetf_long_fn,
        "Record a long-form DEFSETF: WRITER makes the store form from the store and argument variables."),
    def!("SENDLETTER" : "%MODIFY-EXPANSION", "(place environment function arguments)", 4, 4, modify_expansion_fn,
        "The expansion of a DEFINE-MODIFY-MACRO macro's call."),
];

/// A place's setf expansion (CLHS 5.1.1.2).
pub struct Expansion {
    pub vars: Vec<Value>,
    pub vals: Vec<Value>,
    pub stores: Vec<Value>,
    pub writer: Value,
    pub reader: Value,
}

impl Expansion {
    /// `((var val) ...)` for `let*`.
    fn bindings(&self) -> Vec<Value> {
        self.vars
            .iter()
            .zip(&self.vals)
            .map(|(v, f)| list([v.clone(), f.clone()]))
            .collect()
    }

    fn store(&self) -> Value {
        self.stores.first().cloned().unwrap_or(Value::Nil)
    }
}

/// How a user-defined place is expanded.
#[derive(Clone)]
pub enum SetfExpander {
    /// `define-setf-expander`: a macro-style function of (place env).
    Function(Value),
    /// `defsetf` long form: a function of (stores... args...) making the
    /// store form, and the number of store variables.
    Long(Value, usize),
}

/// Does a form evaluate to itself with no effects, so it needs no
/// temporary (numbers, strings, characters, keywords, quoted objects)?
fn is_constant(v: &Value) -> bool {
    match v {
        Value::Symbol(s) => s.is_keyword() || s.constant.get(),
        Value::Nil => true,
        Value::Cons(_) => v.car().is_sym(&crate::eval::package::cl_sym("QUOTE")),
        _ => true,
    }
}

thread_local! {
    /// Set while expanding a place whose new value is computed only from
    /// constants and variables: see [`temporaries`].
    static VALUE_IS_ATOMIC: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f` with [`VALUE_IS_ATOMIC`] set to `atomic`.
fn with_atomic_value<T>(atomic: bool, f: impl FnOnce() -> T) -> T {
    let saved = VALUE_IS_ATOMIC.with(|c| c.replace(atomic));
    let out = f();
    VALUE_IS_ATOMIC.with(|c| c.set(saved));
    out
}

/// A form that cannot assign anything: a constant or a variable.
fn is_atomic(v: &Value) -> bool {
    !v.is_cons() || is_constant(v)
}

/// Temporaries for argument forms: (vars, vals, the forms to use). A
/// variable needs none when nothing evaluated after it (the later
/// arguments, the new value's own forms) can assign it.
fn temporaries(forms: &[Value]) -> (Vec<Value>, Vec<Value>, Vec<Value>) {
    let (mut vars, mut vals, mut uses) = (Vec::new(), Vec::new(), Vec::new());
    let value_atomic = VALUE_IS_ATOMIC.with(|c| c.get());
    for (i, f) in forms.iter().enumerate() {
        let stable_variable = value_atomic && f.is_symbol() && forms[i + 1..].iter().all(is_atomic);
        if is_constant(f) || stable_variable {
            uses.push(f.clone());
        } else {
            let g = gensym("ARG");
            vars.push(g.clone());
            vals.push(f.clone());
            uses.push(g);
        }
    }
    (vars, vals, uses)
}

/// A place of an accessor function: the arguments in temporaries, the
/// store form `(setter ...)`.
fn accessor_place(
    head: &Value,
    forms: &[Value],
    setter: impl FnOnce(&[Value], Value) -> Value,
) -> Expansion {
    let (vars, vals, uses) = temporaries(forms);
    let store = gensym("NEW");
    Expansion {
        writer: setter(&uses, store.clone()),
        reader: Value::cons(head.clone(), list(uses)),
        vars,
        vals,
        stores: vec![store],
    }
}

fn symbol_macro(env: &Env, s: &Sym) -> Option<Value> {
    env.lookup_var(s)
        .filter(|b| b.symbol_macro)
        .map(|b| b.value.borrow().clone())
}

/// A plain variable (not a symbol macro): assigned with `setq`.
fn is_variable(place: &Value, env: &Value) -> bool {
    match place.as_symbol() {
        Some(s) => !place.is_nil() && symbol_macro(&Env::from_value(env), &s).is_none(),
        None => false,
    }
}

/// `c[ad]+r`, `first`…`tenth`, `rest`: the letters between C and R.
fn cxr_path(name: &str) -> Option<String> {
    if name.len() >= 3
        && name.len() <= 6
        && name.starts_with('C')
        && name.ends_with('R')
        && name[1..name.len() - 1]
            .chars()
            .all(|c| c == 'A' || c == 'D')
    {
        return Some(name[1..name.len() - 1].to_string());
    }
    let ordinals = [
        "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH",
        "TENTH",
    ];
    ordinals
        .iter()
        .position(|o| *o == name)
        .map(|i| format!("A{}", "D".repeat(i)))
        .or_else(|| (name == "REST").then(|| "D".to_string()))
}

/// The form reaching the cons whose car or cdr a c[ad]+r path sets.
fn cell_form(rest: &str, x: Value) -> Value {
    if rest.is_empty() {
        x
    } else if rest.chars().all(|c| c == 'D') {
        list([cl("NTHCDR"), Value::Fixnum(rest.len() as i64), x])
    } else {
        list([cl(&format!("C{rest}R")), x])
    }
}

/// The setf expansion of `place` in environment `env` (CLHS 5.1.2).
pub fn expansion(it: &mut Interp, place: &Value, env: &Value) -> LResult<Expansion> {
    let lenv = Env::from_value(env);
    if let Some(s) = place.as_symbol().filter(|_| !place.is_nil()) {
        if let Some(exp) = symbol_macro(&lenv, &s) {
            return expansion(it, &exp, env);
        }
        let store = gensym("NEW");
        return Ok(Expansion {
            vars: vec![],
            vals: vec![],
            writer: list([cl("SETQ"), place.clone(), store.clone()]),
            reader: place.clone(),
            stores: vec![store],
        });
    }
    let Some(head) = place.car().as_symbol().filter(|_| place.is_cons()) else {
        return Err(bad_place(it, place));
    };
    let forms = items(it, &place.cdr(), place)?;
    let head_v = place.car();
    // A local (setf head) function (flet/labels) is called with the new
    // value first.
    if let Some(local_setf) = bound_local_setf_name(&head).filter(|s| lenv.lookup_fun(s).is_some())
    {
        return Ok(accessor_place(&head_v, &forms, |uses, store| {
            let mut a = vec![store];
            a.extend(uses.iter().cloned());
            Value::cons(Value::Symbol(local_setf), list(a))
        }));
    }
    let local = lenv.lookup_fun(&head).is_some();
    if !local {
        let user = it.setf_expanders.get(&SymKey(head.clone())).cloned();
        match user {
            Some(SetfExpander::Function(f)) => {
                let v = with_atomic_value(false, || it.apply(&f, &[place.clone(), env.clone()]))?;
                let vals = it.take_values(v);
                let get = |i: usize| vals.get(i).cloned().unwrap_or(Value::Nil);
                let vars = items(it, &get(0), place)?;
                let forms = items(it, &get(1), place)?;
                let stores = items(it, &get(2), place)?;
                return Ok(Expansion {
                    vars,
                    vals: forms,
                    stores,
                    writer: get(3),
                    reader: get(4),
                });
            }
            Some(SetfExpander::Long(f, nstores)) => {
                let (vars, vals, uses) = temporaries(&forms);
                let stores: Vec<Value> = (0..nstores).map(|_| gensym("NEW")).collect();
                let mut fargs = stores.clone();
                fargs.extend(uses.iter().cloned());
                let writer = with_atomic_value(false, || it.apply(&f, &fargs))?;
                return Ok(Expansion {
                    vars,
                    vals,
                    stores,
                    writer,
                    reader: Value::cons(head_v, list(uses)),
                });
            }
            None => {}
        }
        // A short defsetf takes precedence over a macro of that name.
        let short = it.setf_functions.get(&SymKey(head.clone())).cloned();
        if let Some(update) = short.filter(|f| f.is_cons() && f.car().is_sym(&it.s.setf)) {
            return Ok(accessor_place(&head_v, &forms, |uses, store| {
                let mut a = uses.to_vec();
                a.push(store);
                Value::cons(update.cdr(), list(a))
            }));
        }
        if head.home_is_cl() {
            if let Some(e) = standard_place(it, &head, &head_v, &forms, place, env)? {
                return Ok(e);
            }
        }
    }
    let (expanded, yes) = with_atomic_value(false, || it.macroexpand_1(place, &lenv))?;
    if yes {
        return expansion(it, &expanded, env);
    }
    // A structure accessor, a short DEFSETF or a (setf name) function,
    // looked up when the assignment runs.
    let quoted = quote(place.clone());
    Ok(accessor_place(&head_v, &forms, |uses, store| {
        let mut a = vec![quoted, store];
        a.extend(uses.iter().cloned());
        call(si("%SETF-CALL"), a)
    }))
}

/// The places CLHS defines on its own accessors.
fn standard_place(
    it: &mut Interp,
    head: &Sym,
    head_v: &Value,
    forms: &[Value],
    place: &Value,
    env: &Value,
) -> LResult<Option<Expansion>> {
    let name = head.name.as_str();
    let need = |it: &mut Interp, n: usize, m: usize| -> LResult<()> {
        if forms.len() < n || forms.len() > m {
            return malformed(it, place, "a place with the wrong number of arguments");
        }
        Ok(())
    };
    if let Some(path) = cxr_path(name) {
        need(it, 1, 1)?;
        let setter = if path.starts_with('A') {
            "%SET-CAR"
        } else {
            "%SET-CDR"
        };
        let rest = path[1..].to_string();
        return Ok(Some(accessor_place(head_v, forms, |u, store| {
            list([si(setter), cell_form(&rest, u[0].clone()), store])
        })));
    }
    let e = match name {
        "NTH" => {
            need(it, 2, 2)?;
            accessor_place(head_v, forms, |u, store| {
                list([
                    si("%SET-CAR"),
                    list([cl("NTHCDR"), u[0].clone(), u[1].clone()]),
                    store,
                ])
            })
        }
        "GETHASH" => {
            need(it, 2, 3)?;
            accessor_place(head_v, forms, |u, store| {
                list([si("PUTHASH"), u[0].clone(), u[1].clone(), store])
            })
        }
        "AREF" | "BIT" | "SBIT" => {
            need(it, 1, usize::MAX)?;
            accessor_place(head_v, forms, |u, store| {
                let mut call = vec![si("%SET-AREF"), store];
                call.extend(u.iter().cloned());
                list(call)
            })
        }
        "ROW-MAJOR-AREF" => {
            need(it, 2, 2)?;
            accessor_place(head_v, forms, |u, store| {
                list([si("%SET-ROW-MAJOR-AREF"), u[0].clone(), u[1].clone(), store])
            })
        }
        // CHAR and SCHAR are AREF on strings: a fill pointer does not
        // limit them (CLHS CHAR).
        "CHAR" | "SCHAR" => {
            need(it, 2, 2)?;
            accessor_place(head_v, forms, |u, store| {
                list([si("%SET-AREF"), store, u[0].clone(), u[1].clone()])
            })
        }
        "SVREF" | "ELT" => {
            need(it, 2, 2)?;
            accessor_place(head_v, forms, |u, store| {
                list([si("%SET-INDEX"), u[0].clone(), u[1].clone(), store])
            })
        }
        "GET" => {
            need(it, 2, 3)?;
            accessor_place(head_v, forms, |u, store| {
                list([si("%PUT"), u[0].clone(), u[1].clone(), store])
            })
        }
        "SYMBOL-VALUE" => {
            need(it, 1, 1)?;
            accessor_place(head_v, forms, |u, store| {
                list([cl("SET"), u[0].clone(), store])
            })
        }
        "SYMBOL-FUNCTION" | "FDEFINITION" => {
            need(it, 1, 1)?;
            accessor_place(head_v, forms, |u, store| {
                list([si("%SET-FDEFINITION"), u[0].clone(), store])
            })
        }
        // CLHS 19.3: (setf (logical-pathname-translations host) list).
        "LOGICAL-PATHNAME-TRANSLATIONS" => {
            need(it, 1, 1)?;
            accessor_place(head_v, forms, |u, store| {
                list([
                    si("%SET-LOGICAL-PATHNAME-TRANSLATIONS"),
                    store,
                    u[0].clone(),
                ])
            })
        }
        // CLHS macro-function, compiler-macro-function, documentation:
        // their setf functions take the new value first.
        "MACRO-FUNCTION" | "COMPILER-MACRO-FUNCTION" | "DOCUMENTATION" => {
            if name == "DOCUMENTATION" {
                need(it, 2, 2)?;
            } else {
                need(it, 1, 2)?;
            }
            let setter = match name {
                "MACRO-FUNCTION" => "%SET-MACRO-FUNCTION",
                "COMPILER-MACRO-FUNCTION" => "%SET-COMPILER-MACRO-FUNCTION",
                _ => "%SET-DOCUMENTATION",
            };
            accessor_place(head_v, forms, |u, store| {
                let mut call = vec![si(setter), store];
                call.extend(u.iter().cloned());
                list(call)
            })
        }
        // CLHS 5.1.2.5: (apply #'aref ...), #'bit, #'sbit; another
        // #'name stores through (setf name) with the same arguments.
        "APPLY" if forms.len() >= 2 && is_function_of_symbol(&forms[0]) => {
            let f = forms[0].cdr().car();
            let setter = match f.as_symbol().map(|s| s.name.clone()).as_deref() {
                Some("AREF" | "BIT" | "SBIT") if f.as_symbol().is_some_and(|s| s.home_is_cl()) => {
                    list([cl("FUNCTION"), si("%SET-AREF")])
                }
                _ => list([cl("FUNCTION"), list([cl("SETF"), f.clone()])]),
            };
            let rest = &forms[1..];
            let (vars, vals, uses) = temporaries(rest);
            let store = gensym("NEW");
            let mut writer = vec![cl("APPLY"), setter, store.clone()];
            writer.extend(uses.iter().cloned());
            let mut reader = vec![cl("APPLY"), forms[0].clone()];
            reader.extend(uses);
            Expansion {
                vars,
                vals,
                stores: vec![store],
                writer: list(writer),
                reader: list(reader),
            }
        }
        "SYMBOL-PLIST" => {
            need(it, 1, 1)?;
            accessor_place(head_v, forms, |u, store| {
                list([si("%SET-PLIST"), u[0].clone(), store])
            })
        }
        "LDB" | "MASK-FIELD" => {
            // CLHS ldb / mask-field: storing deposits the new value's byte
            // into the integer place (dpb / deposit-field), left to right.
            need(it, 2, 2)?;
            let (mut vars, mut vals, uses) = with_atomic_value(false, || temporaries(&forms[..1]));
            let inner = with_atomic_value(false, || expansion(it, &forms[1], env))?;
            vars.extend(inner.vars.iter().cloned());
            vals.extend(inner.vals.iter().cloned());
            let store = gensym("NEW");
            let deposit = if name == "LDB" {
                "DPB"
            } else {
                "DEPOSIT-FIELD"
            };
            let writer = list([
                cl("LET"),
                list([list([
                    inner.store(),
                    list([
                        cl(deposit),
                        store.clone(),
                        uses[0].clone(),
                        inner.reader.clone(),
                    ]),
                ])]),
                inner.writer.clone(),
                store.clone(),
            ]);
            Expansion {
                vars,
                vals,
                stores: vec![store],
                writer,
                reader: list([head_v.clone(), uses[0].clone(), inner.reader.clone()]),
            }
        }
        "GETF" => {
            need(it, 2, 3)?;
            // The plist place's variables are followed by the indicator
            // and default forms.
            let later_atomic = forms[1..].iter().all(is_atomic);
            let inner =
                with_atomic_value(later_atomic && VALUE_IS_ATOMIC.with(|c| c.get()), || {
                    expansion(it, &forms[0], env)
                })?;
            let (mut vars, mut vals, uses) = temporaries(&forms[1..]);
            let mut all_vars = inner.vars.clone();
            all_vars.append(&mut vars);
            let mut all_vals = inner.vals.clone();
            all_vals.append(&mut vals);
            let store = gensym("NEW");
            let writer = list([
                cl("LET"),
                list([list([
                    inner.store(),
                    list([
                        si("%PUTF"),
                        inner.reader.clone(),
                        uses[0].clone(),
                        store.clone(),
                    ]),
                ])]),
                inner.writer.clone(),
                store.clone(),
            ]);
            let mut reader = vec![cl("GETF"), inner.reader.clone()];
            reader.extend(uses);
            Expansion {
                vars: all_vars,
                vals: all_vals,
                stores: vec![store],
                writer,
                reader: list(reader),
            }
        }
        "THE" => {
            need(it, 2, 2)?;
            let mut inner = expansion(it, &forms[1], env)?;
            inner.reader = list([cl("THE"), forms[0].clone(), inner.reader]);
            inner
        }
        "VALUES" => {
            let mut out = Expansion {
                vars: vec![],
                vals: vec![],
                stores: vec![],
                writer: Value::Nil,
                reader: Value::Nil,
            };
            let mut writers = vec![cl("VALUES")];
            let mut readers = vec![cl("VALUES")];
            for f in forms {
                let e = with_atomic_value(false, || expansion(it, f, env))?;
                out.vars.extend(e.vars.iter().cloned());
                out.vals.extend(e.vals.iter().cloned());
                // Extra store variables of a subplace get NIL.
                out.stores.push(e.store());
                let extra: Vec<Value> = e
                    .stores
                    .iter()
                    .skip(1)
                    .map(|s| list([s.clone(), Value::Nil]))
                    .collect();
                writers.push(if extra.is_empty() {
                    e.writer.clone()
                } else {
                    list([cl("LET"), list(extra), e.writer.clone()])
                });
                readers.push(e.reader.clone());
            }
            out.writer = list(writers);
            out.reader = list(readers);
            out
        }
        _ => return Ok(None),
    };
    Ok(Some(e))
}

fn bad_place(it: &mut Interp, form: &Value) -> crate::eval::Unwind {
    let msg = format!(
        "{} is not a place SETF knows how to assign",
        crate::printer::prin1_to_string(form)
    );
    let c = it.make_error("PROGRAM-ERROR", &msg);
    crate::eval::Unwind::Signal(c)
}

/// The writer with the value form in place of its one store variable,
/// when that is the same computation: a store function called on
/// temporaries and constants with the store variable last (the value is
/// then still evaluated after every subform of the place).
fn direct_writer(e: &Expansion, value: &Value) -> Option<Value> {
    if e.stores.len() != 1 {
        return None;
    }
    let store = e.store();
    let items: Vec<Value> = e.writer.iter().collect();
    let (head, rest) = items.split_first()?;
    let (last, middle) = rest.split_last()?;
    let head = head.as_symbol()?;
    let ours = head.name == "SETQ" && head.home_is_cl()
        || head.name == "SET" && head.home_is_cl()
        || head
            .package
            .borrow()
            .as_ref()
            .is_some_and(|p| p.is_named("SENDLETTER"));
    let atoms = middle.iter().all(|m| !m.is_cons() && !m.eq(&store));
    if !(ours && atoms && last.eq(&store)) {
        return None;
    }
    let mut out = items[..items.len() - 1].to_vec();
    out.push(value.clone());
    Some(list(out))
}

/// Assign `value` to `place`: `(let* (temps) (multiple-value-bind stores value writer))`.
fn assign(it: &mut Interp, place: &Value, value: Value, env: &Value) -> LResult<Value> {
    if is_variable(place, env) {
        return Ok(list([cl("SETQ"), place.clone(), value]));
    }
    let e = expansion(it, place, env)?;
    let mut binds = e.bindings();
    if let Some(w) = direct_writer(&e, &value) {
        return Ok(let_star(binds, vec![w]));
    }
    if e.stores.len() == 1 {
        binds.push(list([e.store(), value]));
        Ok(let_star(binds, vec![e.writer]))
    } else {
        Ok(let_star(
            binds,
            vec![list([
                cl("MULTIPLE-VALUE-BIND"),
                list(e.stores),
                value,
                e.writer,
            ])],
        ))
    }
}

fn setf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = args(it, &form)?;
    if x.len() % 2 != 0 {
        return malformed(it, &form, "an odd number of arguments");
    }
    let mut out = Vec::new();
    for pair in x.chunks(2) {
        let atomic = is_atomic(&pair[1]);
        out.push(with_atomic_value(atomic, || {
            assign(it, &pair[0], pair[1].clone(), &env)
        })?);
    }
    Ok(if out.is_empty() {
        Value::Nil
    } else {
        progn(out)
    })
}

/// `psetf`/`psetq`: every place's subforms and new value first, left to
/// right; then the assignments (CLHS psetf).
fn parallel(it: &mut Interp, a: &[Value], variables_only: bool) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = args(it, &form)?;
    if x.len() % 2 != 0 {
        return malformed(it, &form, "an odd number of arguments");
    }
    let mut binds = Vec::new();
    let mut writers = Vec::new();
    for pair in x.chunks(2) {
        if variables_only && !pair[0].is_symbol() {
            return malformed(it, &form, "a variable that is not a symbol");
        }
        let e = expansion(it, &pair[0], &env)?;
        binds.extend(e.bindings());
        if e.stores.len() == 1 {
            binds.push(list([e.store(), pair[1].clone()]));
            writers.push(e.writer);
        } else {
            let g = gensym("VALUES");
            binds.push(list([
                g.clone(),
                list([cl("MULTIPLE-VALUE-LIST"), pair[1].clone()]),
            ]));
            writers.push(list([
                cl("DESTRUCTURING-BIND"),
                Value::list(
                    vec![cl("&OPTIONAL")]
                        .into_iter()
                        .chain(e.stores.clone())
                        .collect::<Vec<_>>(),
                ),
                g,
                e.writer,
            ]));
        }
    }
    writers.push(Value::Nil);
    Ok(let_star(binds, writers))
}

fn psetf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parallel(it, a, false)
}

fn psetq(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parallel(it, a, true)
}

/// Read-modify-write: `(let* (pre temps post (store (make reader))) writer)`.
/// `post` binds the forms evaluated after the place's subforms and before
/// it is read, as `define-modify-macro`'s arguments are (CLHS 5.1.1.1):
/// `(let ((x 0)) (incf x (setf x 1)))` is 2.
fn modify(
    it: &mut Interp,
    place: &Value,
    env: &Value,
    pre: Vec<Value>,
    post: Vec<Value>,
    make: impl FnOnce(Value) -> Value,
) -> LResult<Value> {
    if is_variable(place, env) && pre.is_empty() {
        let setq = list([cl("SETQ"), place.clone(), make(place.clone())]);
        return Ok(if post.is_empty() {
            setq
        } else {
            let_star(post, vec![setq])
        });
    }
    let e = expansion(it, place, env)?;
    let mut binds = pre;
    binds.extend(e.bindings());
    binds.extend(post);
    let value = make(e.reader.clone());
    if let Some(w) = direct_writer(&e, &value) {
        return Ok(let_star(binds, vec![w]));
    }
    binds.push(list([e.store(), value]));
    Ok(let_star(binds, vec![e.writer]))
}

fn incf_decf(it: &mut Interp, a: &[Value], op: &str) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = arity(it, &form, 1, 2)?;
    let delta = x.get(1).cloned().unwrap_or(Value::Fixnum(1));
    if is_atomic(&delta) {
        return with_atomic_value(true, || {
            modify(it, &x[0], &env, vec![], vec![], |r| {
                list([cl(op), r, delta])
            })
        });
    }
    // The delta is evaluated after the place's subforms, before the read.
    let d = gensym("DELTA");
    let post = vec![list([d.clone(), delta])];
    with_atomic_value(false, || {
        modify(it, &x[0], &env, vec![], post, |r| list([cl(op), r, d]))
    })
}

fn incf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    incf_decf(it, a, "+")
}

fn decf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    incf_decf(it, a, "-")
}

fn push(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = arity(it, &form, 2, 2)?;
    if is_variable(&x[1], &env) {
        return Ok(list([
            cl("SETQ"),
            x[1].clone(),
            list([cl("CONS"), x[0].clone(), x[1].clone()]),
        ]));
    }
    // The item is evaluated before the place's subforms.
    let item = gensym("ITEM");
    let pre = vec![list([item.clone(), x[0].clone()])];
    modify(it, &x[1], &env, pre, vec![], |r| {
        list([cl("CONS"), item, r])
    })
}

fn pushnew(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let item = gensym("ITEM");
    let e = expansion(it, &x[1], &env)?;
    let mut binds = vec![list([item.clone(), x[0].clone()])];
    binds.extend(e.bindings());
    // Keyword arguments after the place's subforms (CLHS 5.1.1.1).
    let (kvars, kvals, kuses) = temporaries(&x[2..]);
    binds.extend(kvars.into_iter().zip(kvals).map(|(v, f)| list([v, f])));
    let mut adjoin = vec![cl("ADJOIN"), item, e.reader.clone()];
    adjoin.extend(kuses);
    binds.push(list([e.store(), list(adjoin)]));
    Ok(let_star(binds, vec![e.writer]))
}

fn pop(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = arity(it, &form, 1, 1)?;
    let e = expansion(it, &x[0], &env)?;
    let l = gensym("LIST");
    let mut binds = e.bindings();
    binds.push(list([l.clone(), e.reader.clone()]));
    let store = list([
        cl("LET"),
        list([list([e.store(), list([cl("CDR"), l.clone()])])]),
        e.writer,
    ]);
    Ok(let_star(
        binds,
        vec![list([cl("PROG1"), list([cl("CAR"), l]), store])],
    ))
}

fn remf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = arity(it, &form, 2, 2)?;
    let e = expansion(it, &x[0], &env)?;
    let ind = gensym("INDICATOR");
    let found = gensym("FOUND");
    let mut binds = e.bindings();
    binds.push(list([ind.clone(), x[1].clone()]));
    let body = list([
        cl("MULTIPLE-VALUE-BIND"),
        list([e.store(), found.clone()]),
        list([si("%REMF"), e.reader.clone(), ind]),
        list([cl("WHEN"), found.clone(), e.writer]),
        found,
    ]);
    Ok(let_star(binds, vec![body]))
}

/// `shiftf` and `rotatef`: read every place, then store shifted values.
fn shift(
    it: &mut Interp,
    places: &[Value],
    incoming: Option<Value>,
    env: &Value,
) -> LResult<Value> {
    let mut exps = Vec::new();
    for p in places {
        exps.push(expansion(it, p, env)?);
    }
    let mut binds = Vec::new();
    for e in &exps {
        binds.extend(e.bindings());
    }
    let olds: Vec<Value> = exps.iter().map(|_| gensym("OLD")).collect();
    for (o, e) in olds.iter().zip(&exps) {
        binds.push(list([o.clone(), e.reader.clone()]));
    }
    let n = exps.len();
    for (i, e) in exps.iter().enumerate() {
        let v = if i + 1 < n {
            olds[i + 1].clone()
        } else {
            match &incoming {
                Some(v) => v.clone(),
                None => olds[0].clone(),
            }
        };
        binds.push(list([e.store(), v]));
    }
    let mut body: Vec<Value> = exps.into_iter().map(|e| e.writer).collect();
    body.push(if incoming.is_some() {
        olds[0].clone()
    } else {
        Value::Nil
    });
    Ok(let_star(binds, body))
}

fn rotatef(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = args(it, &form)?;
    if x.is_empty() {
        return Ok(Value::Nil);
    }
    shift(it, &x, None, &env)
}

fn shiftf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, env) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let (last, places) = x.split_last().unwrap_or((&Value::Nil, &[]));
    shift(it, places, Some(last.clone()), &env)
}

fn multiple_value_setq(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, 2)?;
    let vars = items(it, &x[0], &form)?;
    if vars.iter().any(|v| !v.is_symbol() || v.is_nil()) {
        return malformed(it, &form, "a variable that is not a symbol");
    }
    // The value is the form's primary value, variables or none.
    if vars.is_empty() {
        return Ok(list([cl("VALUES"), x[1].clone()]));
    }
    let place = Value::cons(cl("VALUES"), list(vars));
    Ok(list([
        cl("VALUES"),
        list([cl("SETF"), place, x[1].clone()]),
    ]))
}

/// `(defsetf access update [doc])` or
/// `(defsetf access lambda-list (store...) body...)`.
fn defsetf(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    if !x[0].is_symbol() {
        return malformed(it, &form, "an access function name that is not a symbol");
    }
    if x[1].is_symbol() && !x[1].is_nil() {
        return Ok(list([
            si("%DEFSETF"),
            quote(x[0].clone()),
            quote(x[1].clone()),
        ]));
    }
    if x.len() < 3 {
        return malformed(it, &form, "no store variables");
    }
    let params = items(it, &x[1], &form)?;
    let stores = items(it, &x[2], &form)?;
    let mut ll = stores.clone();
    ll.extend(params);
    let f = lambda(list(ll), x[3..].to_vec());
    Ok(list([
        si("%DEFSETF-LONG"),
        quote(x[0].clone()),
        f,
        Value::Fixnum(stores.len() as i64),
    ]))
}

/// `(define-setf-expander access lambda-list body...)`: the body returns
/// the five values of the expansion.
fn define_setf_expander(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    if !x[0].is_symbol() {
        return malformed(it, &form, "an access function name that is not a symbol");
    }
    let f = list([
        cl("FUNCTION"),
        Value::cons(
            si("MACRO-LAMBDA"),
            Value::cons(
                x[0].clone(),
                Value::cons(x[1].clone(), list(x[2..].to_vec())),
            ),
        ),
    ]);
    Ok(list([si("%DEFINE-SETF-EXPANDER"), quote(x[0].clone()), f]))
}

/// `(define-modify-macro name lambda-list function [doc])`: a macro
/// `(name place . args)` storing `(function place-value . args)`.
fn define_modify_macro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 3, 4)?;
    let params = items(it, &x[1], &form)?;
    let mut fixed = Vec::new();
    let mut rest = Value::Nil;
    let mut after_rest = false;
    for p in &params {
        let var = if p.is_cons() { p.car() } else { p.clone() };
        match var.as_symbol() {
            Some(s) if s.name == "&REST" || s.name == "&BODY" => after_rest = true,
            Some(s) if s.name.starts_with('&') => {}
            Some(_) if after_rest => rest = var.clone(),
            Some(_) => fixed.push(var.clone()),
            None => return malformed(it, &form, "a parameter that is not a symbol"),
        }
    }
    let place = gensym("PLACE");
    let env = gensym("ENV");
    let mut ll = vec![place.clone()];
    ll.extend(params);
    ll.push(cl("&ENVIRONMENT"));
    ll.push(env.clone());
    let arglist = Value::cons(cl("LIST*"), list(fixed.into_iter().chain([rest])));
    let body = list([
        si("%MODIFY-EXPANSION"),
        place,
        env,
        quote(x[2].clone()),
        arglist,
    ]);
    let mut def = vec![cl("DEFMACRO"), x[0].clone(), list(ll)];
    if let Some(doc) = x.get(3) {
        def.push(doc.clone());
    }
    def.push(body);
    Ok(list(def))
}

// ----- the internal functions ------------------------------------------

fn get_setf_expansion_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let env = a.get(1).cloned().unwrap_or(Value::Nil);
    let e = with_atomic_value(false, || expansion(it, &a[0], &env))?;
    Ok(it.values(vec![
        Value::list(e.vars),
        Value::list(e.vals),
        Value::list(e.stores),
        e.writer,
        e.reader,
    ]))
}

fn modify_expansion_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let f = a[2].clone();
    // The arguments are evaluated after the place's subforms, before it
    // is read (CLHS 5.1.1.1); constants and variables need no temporary.
    let mut post = Vec::new();
    let extra: Vec<Value> = a[3]
        .iter()
        .map(|arg| {
            if is_atomic(&arg) {
                arg
            } else {
                let g = gensym("ARG");
                post.push(list([g.clone(), arg]));
                g
            }
        })
        .collect();
    modify(it, &a[0], &a[1], vec![], post, |r| {
        Value::cons(f, list(std::iter::once(r).chain(extra)))
    })
}

fn cons_arg(it: &mut Interp, v: &Value) -> LResult<Rc<crate::eval::value::Cons>> {
    match v {
        Value::Cons(c) => Ok(c.clone()),
        other => {
            let c = it.type_error(other, "CONS");
            it.err(c)
        }
    }
}

fn set_car(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = cons_arg(it, &a[0])?;
    *c.car.borrow_mut() = a[1].clone();
    Ok(a[1].clone())
}

fn set_cdr(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = cons_arg(it, &a[0])?;
    *c.cdr.borrow_mut() = a[1].clone();
    Ok(a[1].clone())
}

fn set_index(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = match &a[1] {
        Value::Fixnum(n) if *n >= 0 => *n,
        // A negative index is an error, never element 0.
        other => {
            let c = it.type_error(other, "(INTEGER 0)");
            return it.err(c);
        }
    };
    if a[0].is_list() {
        let mut cell = a[0].clone();
        for _ in 0..i {
            cell = cell.cdr();
        }
        return set_car(it, &[cell, a[2].clone()]);
    }
    let set_elt = it.s.set_elt.clone();
    it.call_named(&set_elt, &[a[0].clone(), a[1].clone(), a[2].clone()])?;
    Ok(a[2].clone())
}

fn symbol_arg(it: &mut Interp, v: &Value, what: &str) -> LResult<Sym> {
    match v.as_symbol() {
        Some(s) => Ok(s),
        None => {
            let _ = what;
            let c = it.type_error(v, "SYMBOL");
            it.err(c)
        }
    }
}

/// `plist` with `indicator` set to `value`: changed in place when the
/// indicator is there, else a new front cell pair.
fn plist_put(plist: &Value, indicator: &Value, value: Value) -> Value {
    let mut cur = plist.clone();
    while cur.is_cons() {
        if cur.car().eq(indicator) {
            if let Value::Cons(c) = cur.cdr() {
                *c.car.borrow_mut() = value;
                return plist.clone();
            }
        }
        cur = cur.cdr().cdr();
    }
    Value::cons(indicator.clone(), Value::cons(value, plist.clone()))
}

fn put(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = symbol_arg(it, &a[0], "GET")?;
    let new = plist_put(&s.plist.borrow().clone(), &a[1], a[2].clone());
    *s.plist.borrow_mut() = new;
    Ok(a[2].clone())
}

fn putf(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(plist_put(&a[0], &a[1], a[2].clone()))
}

fn remf_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let items: Vec<Value> = a[0].iter().collect();
    let mut out = Vec::new();
    let mut removed = false;
    for kv in items.chunks(2) {
        if !removed && kv[0].eq(&a[1]) {
            removed = true;
        } else {
            out.extend(kv.iter().cloned());
        }
    }
    let plist = if removed {
        Value::list(out)
    } else {
        a[0].clone()
    };
    Ok(it.values(vec![plist, Value::bool(removed)]))
}

fn set_fdefinition(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    // `(setf (fdefinition '(setf f)) fn)` defines a setf function, as
    // `(defun (setf f) ...)` does (CLHS fdefinition takes function names).
    if let Some(s) = crate::builtins::core::setf_name(it, &a[0]) {
        it.setf_functions.insert(SymKey(s), a[1].clone());
        it.forget_expansions();
        return Ok(a[1].clone());
    }
    let s = symbol_arg(it, &a[0], "SYMBOL-FUNCTION")?;
    *s.function.borrow_mut() = Some(a[1].clone());
    Ok(a[1].clone())
}

fn set_plist(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = symbol_arg(it, &a[0], "SYMBOL-PLIST")?;
    *s.plist.borrow_mut() = a[1].clone();
    Ok(a[1].clone())
}

fn setf_call(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let place = &a[0];
    let new = a[1].clone();
    let args = &a[2..];
    let Some(head) = place.car().as_symbol() else {
        return Err(bad_place(it, place));
    };
    if let Some((_, idx)) = it.struct_accessors.get(&SymKey(head.clone())).cloned() {
        return match args.first() {
            Some(Value::Struct(o)) => {
                if let Some(slot) = o.slots.borrow_mut().get_mut(idx) {
                    *slot = new.clone();
                }
                Ok(new)
            }
            other => {
                let other = other.cloned().unwrap_or(Value::Nil);
                let c = it.type_error(&other, "STRUCTURE-OBJECT");
                it.err(c)
            }
        };
    }
    if let Some(setter) = it.setf_functions.get(&SymKey(head)).cloned() {
        if setter.is_cons() && setter.car().is_sym(&it.s.setf) {
            // defsetf short form: (update args... new-value).
            let mut v = args.to_vec();
            v.push(new);
            return it.apply(&setter.cdr(), &v);
        }
        let mut v = vec![new];
        v.extend(args.iter().cloned());
        return it.apply(&setter, &v);
    }
    Err(bad_place(it, place))
}

fn define_setf_expander_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = symbol_arg(it, &a[0], "DEFINE-SETF-EXPANDER")?;
    it.setf_expanders
        .insert(SymKey(s), SetfExpander::Function(a[1].clone()));
    it.forget_expansions();
    Ok(a[0].clone())
}

fn defsetf_short_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = symbol_arg(it, &a[0], "DEFSETF")?;
    it.setf_expanders.remove(&SymKey(s.clone()));
    let update = Value::cons(Value::Symbol(it.s.setf.clone()), a[1].clone());
    it.setf_functions.insert(SymKey(s), update);
    it.forget_expansions();
    Ok(a[0].clone())
}

fn defsetf_long_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = symbol_arg(it, &a[0], "DEFSETF")?;
    let n = match a[2] {
        Value::Fixnum(n) if n >= 0 => n as usize,
        _ => 1,
    };
    it.setf_expanders
        .insert(SymKey(s), SetfExpander::Long(a[1].clone(), n));
    it.forget_expansions();
    Ok(a[0].clone())
}

/// `(function symbol)`, the form CLHS 5.1.2.5 allows first in an APPLY place.
fn is_function_of_symbol(f: &Value) -> bool {
    f.is_cons()
        && f.car()
            .as_symbol()
            .is_some_and(|s| s.name == "FUNCTION" && s.home_is_cl())
        && f.cdr().car().is_symbol()
        && f.cdr().cdr().is_nil()
}

thread_local! {
    /// The stand-in symbol a local `(setf f)` function is bound under in
    /// lexical environments, one per `f` (by identity).
    static LOCAL_SETF_NAMES: std::cell::RefCell<std::collections::HashMap<usize, (Sym, Sym)>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The symbol `flet`/`labels` bind a `(setf f)` function under (CLHS
/// 5.1.2.9: a local setf function shadows the global one for `setf` and
/// `#'(setf f)` in its scope).
pub(crate) fn local_setf_name(f: &Sym) -> Sym {
    LOCAL_SETF_NAMES.with(|t| {
        let mut t = t.borrow_mut();
        let key = Rc::as_ptr(f) as usize;
        if let Some((_, s)) = t.get(&key) {
            return s.clone();
        }
        let s = Rc::new(crate::eval::value::Symbol::new(&format!(
            "(SETF {})",
            f.name
        )));
        t.insert(key, (f.clone(), s.clone()));
        s
    })
}

/// The stand-in symbol of `(setf f)` if one was ever bound (no new entry).
fn bound_local_setf_name(f: &Sym) -> Option<Sym> {
    LOCAL_SETF_NAMES.with(|t| {
        t.borrow()
            .get(&(Rc::as_ptr(f) as usize))
            .map(|(_, s)| s.clone())
    })
}

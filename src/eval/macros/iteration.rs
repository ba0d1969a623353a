//! `do`, `do*`, `dotimes`, `dolist`, `prog`, `prog*` (CLHS 6.2, 5.3):
//! a `block nil` around bindings (carrying the body's declarations) and a
//! `tagbody` whose gensym tags do the looping.

use super::{arity, call, cl, form_and_env, gensym, items, list, malformed, si, split_body};
use crate::eval::value::{BuiltinFn, Value};
use crate::eval::{Interp, LResult};

pub const MACROS: &[(&str, BuiltinFn)] = &[
    ("DO", do_),
    ("DO*", do_star),
    ("DOTIMES", dotimes),
    ("DOLIST", dolist),
    ("PROG", prog),
    ("PROG*", prog_star),
];

/// `(block nil . forms)`.
fn block_nil(forms: Vec<Value>) -> Value {
    Value::cons(cl("BLOCK"), Value::cons(Value::Nil, list(forms)))
}

/// `(op bindings decls... . body)`.
fn binding_form(op: &str, bindings: Vec<Value>, decls: Vec<Value>, body: Vec<Value>) -> Value {
    let mut rest = decls;
    rest.extend(body);
    Value::cons(cl(op), Value::cons(list(bindings), list(rest)))
}

fn do_common(it: &mut Interp, a: &[Value], sequential: bool) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let specs = items(it, &x[0], &form)?;
    let end = items(it, &x[1], &form)?;
    let Some(end_test) = end.first().cloned() else {
        return malformed(it, &form, "no end test");
    };
    let (decls, _, body) = split_body(&x[2..], false);
    let mut bindings = Vec::new();
    let mut steps = Vec::new();
    for spec in &specs {
        let (var, init, step) = match spec {
            Value::Symbol(_) => (spec.clone(), Value::Nil, None),
            Value::Cons(_) => {
                let s = items(it, spec, &form)?;
                if s.is_empty() || s.len() > 3 {
                    return malformed(it, &form, "a variable clause of the wrong length");
                }
                (
                    s[0].clone(),
                    s.get(1).cloned().unwrap_or(Value::Nil),
                    s.get(2).cloned(),
                )
            }
            _ => return malformed(it, &form, "a variable clause that is not a symbol or list"),
        };
        if !var.is_symbol() || var.is_nil() {
            return malformed(it, &form, "a variable that is not a symbol");
        }
        bindings.push(list([var.clone(), init]));
        if let Some(step) = step {
            steps.push(var);
            steps.push(step);
        }
    }
    let top = gensym("DO-TOP");
    let result = Value::cons(cl("PROGN"), list(end[1..].to_vec()));
    let mut loop_body = vec![
        top.clone(),
        list([
            cl("IF"),
            end_test,
            list([cl("RETURN-FROM"), Value::Nil, result]),
        ]),
    ];
    loop_body.extend(body);
    if !steps.is_empty() {
        let op = if sequential || steps.len() == 2 {
            "SETQ"
        } else {
            "PSETQ"
        };
        loop_body.push(call(cl(op), steps));
    }
    loop_body.push(list([cl("GO"), top]));
    let op = if sequential { "LET*" } else { "LET" };
    Ok(block_nil(vec![binding_form(
        op,
        bindings,
        decls,
        vec![call(cl("TAGBODY"), loop_body)],
    )]))
}

fn do_(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    do_common(it, a, false)
}

fn do_star(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    do_common(it, a, true)
}

/// `(var source [result])` of `dotimes` and `dolist`.
fn loop_spec(it: &mut Interp, form: &Value) -> LResult<(Value, Value, Option<Value>, Vec<Value>)> {
    let x = arity(it, form, 1, usize::MAX)?;
    let spec = items(it, &x[0], form)?;
    if spec.len() < 2 || spec.len() > 3 {
        return malformed(it, form, "a (var form [result]) of the wrong length");
    }
    if !spec[0].is_symbol() || spec[0].is_nil() {
        return malformed(it, form, "a variable that is not a symbol");
    }
    Ok((
        spec[0].clone(),
        spec[1].clone(),
        spec.get(2).cloned(),
        x[1..].to_vec(),
    ))
}

/// ```text
/// (block nil
///   (let ((#:count (%dotimes-count count)) (var 0)) decls
///     (tagbody #:top (if (>= var #:count) (go #:end)) body
///              (setq var (1+ var)) (go #:top) #:end)
///     result))
/// ```
fn dotimes(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let (var, count, result, rest) = loop_spec(it, &form)?;
    let (decls, _, body) = split_body(&rest, false);
    let n = gensym("COUNT");
    let top = gensym("DOTIMES-TOP");
    let end = gensym("DOTIMES-END");
    let mut tb = vec![
        top.clone(),
        list([
            cl("IF"),
            list([cl(">="), var.clone(), n.clone()]),
            list([cl("GO"), end.clone()]),
        ]),
    ];
    tb.extend(body);
    tb.push(list([
        cl("SETQ"),
        var.clone(),
        list([cl("1+"), var.clone()]),
    ]));
    tb.push(list([cl("GO"), top]));
    tb.push(end);
    let bindings = vec![
        list([n, list([si("%DOTIMES-COUNT"), count])]),
        list([var, Value::Fixnum(0)]),
    ];
    let mut inner = vec![call(cl("TAGBODY"), tb)];
    if let Some(r) = result {
        inner.push(r);
    }
    Ok(block_nil(vec![binding_form("LET", bindings, decls, inner)]))
}

/// ```text
/// (block nil
///   (let ((#:list list))
///     (tagbody #:top (if (endp #:list) (go #:end))
///              (let ((var (car #:list))) decls (tagbody body))
///              (setq #:list (cdr #:list)) (go #:top) #:end))
///   (let ((var nil)) decls result))
/// ```
fn dolist(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let (var, source, result, rest) = loop_spec(it, &form)?;
    let (decls, _, body) = split_body(&rest, false);
    let l = gensym("LIST");
    let top = gensym("DOLIST-TOP");
    let end = gensym("DOLIST-END");
    let step = binding_form(
        "LET",
        vec![list([var.clone(), list([cl("CAR"), l.clone()])])],
        decls.clone(),
        vec![call(cl("TAGBODY"), body)],
    );
    let tb = vec![
        top.clone(),
        list([
            cl("IF"),
            list([cl("ENDP"), l.clone()]),
            list([cl("GO"), end.clone()]),
        ]),
        step,
        list([cl("SETQ"), l.clone(), list([cl("CDR"), l.clone()])]),
        list([cl("GO"), top]),
        end,
    ];
    let mut forms = vec![binding_form(
        "LET",
        vec![list([l, source])],
        vec![],
        vec![call(cl("TAGBODY"), tb)],
    )];
    if let Some(r) = result {
        forms.push(binding_form(
            "LET",
            vec![list([var, Value::Nil])],
            decls,
            vec![r],
        ));
    }
    Ok(block_nil(forms))
}

fn prog_common(it: &mut Interp, a: &[Value], op: &str) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let bindings = items(it, &x[0], &form)?;
    let (decls, _, body) = split_body(&x[1..], false);
    Ok(block_nil(vec![binding_form(
        op,
        bindings,
        decls,
        vec![call(cl("TAGBODY"), body)],
    )]))
}

fn prog(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    prog_common(it, a, "LET")
}

fn prog_star(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    prog_common(it, a, "LET*")
}

pub const BUILTINS: &[crate::builtins::BuiltinDef] = &[crate::def!(
    "SENDLETTER" : "%DOTIMES-COUNT", "(count)", 1, 1, dotimes_count,
    "DOTIMES's count: an integer (a negative one counts as 0), else a type-error."
)];

fn dotimes_count(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Fixnum(n) => Ok(Value::Fixnum((*n).max(0))),
        Value::Bignum(b) if b.sign() == num_bigint::Sign::Minus => Ok(Value::Fixnum(0)),
        Value::Bignum(_) => Ok(a[0].clone()),
        other => {
            let c = it.type_error(other, "INTEGER");
            it.err(c)
        }
    }
}

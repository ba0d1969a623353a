//! Conditionals, boolean operators, `prog1`-style sequencing, multiple
//! values and `destructuring-bind` (CLHS 5.3, 7.10 of the dictionary).

use super::{
    args, arity, call, cl, form_and_env, gensym, items, lambda, list, malformed, progn, quote, si,
};
use crate::def;
use crate::eval::value::{BuiltinFn, Value};
use crate::eval::{Interp, LResult};

pub const MACROS: &[(&str, BuiltinFn)] = &[
    ("WHEN", when),
    ("UNLESS", unless),
    ("COND", cond),
    ("AND", and),
    ("OR", or),
    ("CASE", case),
    ("ECASE", ecase),
    ("CCASE", ccase),
    ("TYPECASE", typecase),
    ("ETYPECASE", etypecase),
    ("CTYPECASE", ctypecase),
    ("RETURN", return_),
    ("PROG1", prog1),
    ("PROG2", prog2),
    ("LAMBDA", lambda_macro),
    ("MULTIPLE-VALUE-BIND", multiple_value_bind),
    ("MULTIPLE-VALUE-LIST", multiple_value_list),
    ("NTH-VALUE", nth_value),
    ("DESTRUCTURING-BIND", destructuring_bind),
    ("SENDLETTER::QUASIQUOTE", quasiquote),
];

pub const BUILTINS: &[crate::builtins::BuiltinDef] = &[
    def!("SENDLETTER" : "%FELL-THROUGH", "(key operator combinator wanted)", 4, 4, fell_through,
        "Signal the type-error of an ECASE or ETYPECASE no clause took."),
    def!("SENDLETTER" : "%FELL-THROUGH-STORE", "(key operator combinator wanted &optional place)", 4, 5, fell_through_store,
        "Signal the type-error of a CCASE or CTYPECASE no clause took, with a STORE-VALUE restart; return the value stored."),
];

fn when(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    Ok(list([cl("IF"), x[0].clone(), progn(x[1..].to_vec())]))
}

fn unless(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    Ok(list([
        cl("IF"),
        x[0].clone(),
        Value::Nil,
        progn(x[1..].to_vec()),
    ]))
}

/// `(let ((g test)) (if g g else))`: the test's primary value is the result.
fn or_else(test: Value, otherwise: Value) -> Value {
    let g = gensym("OR");
    list([
        cl("LET"),
        list([list([g.clone(), test])]),
        list([cl("IF"), g.clone(), g, otherwise]),
    ])
}

fn cond(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let clauses = args(it, &form)?;
    let mut acc = Value::Nil;
    for clause in clauses.iter().rev() {
        let c = items(it, clause, &form)?;
        let Some(test) = c.first() else {
            return malformed(it, &form, "an empty clause");
        };
        acc = if c.len() == 1 {
            or_else(test.clone(), acc)
        } else if test.is_sym(&crate::eval::package::t_symbol()) && acc.is_nil() {
            progn(c[1..].to_vec())
        } else {
            list([cl("IF"), test.clone(), progn(c[1..].to_vec()), acc])
        };
    }
    Ok(acc)
}

fn and(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = args(it, &form)?;
    let Some((last, rest)) = x.split_last() else {
        return Ok(cl("T"));
    };
    let mut acc = last.clone();
    for f in rest.iter().rev() {
        acc = list([cl("IF"), f.clone(), acc, Value::Nil]);
    }
    Ok(acc)
}

fn or(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = args(it, &form)?;
    let Some((last, rest)) = x.split_last() else {
        return Ok(Value::Nil);
    };
    let mut acc = last.clone();
    for f in rest.iter().rev() {
        acc = or_else(f.clone(), acc);
    }
    Ok(acc)
}

/// How a `case`-family form ends when no clause matched.
enum Fallthrough {
    Nil,
    Error(&'static str, &'static str),
}

/// `case`, `ecase`, `ccase` (CLHS 5.3): keys compared with `eql`.
fn case_like(it: &mut Interp, a: &[Value], exhaustive: Option<&'static str>) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let key = gensym("KEY");
    let t = crate::eval::package::t_symbol();
    let otherwise = crate::eval::package::cl_sym("OTHERWISE");
    let mut tests = Vec::new();
    let mut wanted = Vec::new();
    for clause in &x[1..] {
        let c = items(it, clause, &form)?;
        let Some(keys) = c.first() else {
            return malformed(it, &form, "an empty clause");
        };
        let body = progn(c[1..].to_vec());
        let test = if exhaustive.is_none() && (keys.is_sym(&t) || keys.is_sym(&otherwise)) {
            cl("T")
        } else {
            match keys {
                Value::Nil => Value::Nil,
                Value::Cons(_) => {
                    let ks = items(it, keys, &form)?;
                    wanted.extend(ks.iter().cloned());
                    list([cl("MEMBER"), key.clone(), quote(keys.clone())])
                }
                k => {
                    wanted.push(k.clone());
                    list([cl("EQL"), key.clone(), quote(k.clone())])
                }
            }
        };
        tests.push((test, body));
    }
    let end = match exhaustive {
        Some("CCASE") => return Ok(correctable(key, &x[0], tests, "CCASE", "MEMBER", wanted)),
        Some(op) => Fallthrough::Error(op, "MEMBER"),
        None => Fallthrough::Nil,
    };
    Ok(dispatch(key, x[0].clone(), tests, end, wanted))
}

/// `ccase`/`ctypecase` (CLHS 5.3): when no clause takes the key, the
/// type-error offers a STORE-VALUE restart; the value stored goes into
/// the place and the dispatch starts again.
/// `(block b (tagbody top (return-from b (let ((key place)) ... (progn
/// (setf place (%fell-through-store ...)) (go top))))))`.
fn correctable(
    key: Value,
    place: &Value,
    tests: Vec<(Value, Value)>,
    operator: &'static str,
    combinator: &'static str,
    wanted: Vec<Value>,
) -> Value {
    let block = gensym(operator);
    let top = gensym("AGAIN");
    let store = call(
        si("%FELL-THROUGH-STORE"),
        [
            key.clone(),
            quote(cl(operator)),
            quote(cl(combinator)),
            quote(Value::list(wanted)),
            quote(place.clone()),
        ],
    );
    let retry = list([
        cl("PROGN"),
        list([cl("SETF"), place.clone(), store]),
        list([cl("GO"), top.clone()]),
    ]);
    let mut acc = retry;
    for (test, body) in tests.into_iter().rev() {
        acc = list([cl("IF"), test, body, acc]);
    }
    let dispatch = list([cl("LET"), list([list([key, place.clone()])]), acc]);
    list([
        cl("BLOCK"),
        block.clone(),
        list([
            cl("TAGBODY"),
            top,
            list([cl("RETURN-FROM"), block, dispatch]),
        ]),
    ])
}

/// `(let ((key keyform)) (if test1 body1 (if test2 ...)))`.
fn dispatch(
    key: Value,
    keyform: Value,
    tests: Vec<(Value, Value)>,
    end: Fallthrough,
    wanted: Vec<Value>,
) -> Value {
    let mut acc = match end {
        Fallthrough::Nil => Value::Nil,
        Fallthrough::Error(op, combinator) => call(
            si("%FELL-THROUGH"),
            [
                key.clone(),
                quote(cl(op)),
                quote(cl(combinator)),
                quote(Value::list(wanted)),
            ],
        ),
    };
    for (test, body) in tests.into_iter().rev() {
        acc = if test.is_sym(&crate::eval::package::t_symbol()) {
            body
        } else {
            list([cl("IF"), test, body, acc])
        };
    }
    list([cl("LET"), list([list([key, keyform])]), acc])
}

fn case(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_like(it, a, None)
}

fn ecase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_like(it, a, Some("ECASE"))
}

fn ccase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_like(it, a, Some("CCASE"))
}

/// `typecase`, `etypecase`, `ctypecase` (CLHS 5.3); `exhaustive` names
/// the operator of the two that signal when no clause takes the key.
fn typecase_like(it: &mut Interp, a: &[Value], exhaustive: Option<&'static str>) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let key = gensym("KEY");
    let t = crate::eval::package::t_symbol();
    let otherwise = crate::eval::package::cl_sym("OTHERWISE");
    let mut tests = Vec::new();
    let mut wanted = Vec::new();
    for clause in &x[1..] {
        let c = items(it, clause, &form)?;
        let Some(ty) = c.first() else {
            return malformed(it, &form, "an empty clause");
        };
        let body = progn(c[1..].to_vec());
        let test = if exhaustive.is_none() && (ty.is_sym(&t) || ty.is_sym(&otherwise)) {
            cl("T")
        } else {
            wanted.push(ty.clone());
            list([cl("TYPEP"), key.clone(), quote(ty.clone())])
        };
        tests.push((test, body));
    }
    let end = match exhaustive {
        Some("CTYPECASE") => return Ok(correctable(key, &x[0], tests, "CTYPECASE", "OR", wanted)),
        Some(op) => Fallthrough::Error(op, "OR"),
        None => Fallthrough::Nil,
    };
    Ok(dispatch(key, x[0].clone(), tests, end, wanted))
}

fn ctypecase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    typecase_like(it, a, Some("CTYPECASE"))
}

fn typecase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    typecase_like(it, a, None)
}

fn etypecase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    typecase_like(it, a, Some("ETYPECASE"))
}

/// SBCL's report when no clause of `ecase`/`ccase`/`etypecase` took the
/// key: a type-error whose expected type is `(combinator . wanted)`.
fn fell_through(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let operator = a[1].as_symbol().map(|s| s.name.clone()).unwrap_or_default();
    let msg = format!(
        "{} fell through {operator} expression. Wanted one of {}.",
        crate::printer::prin1_to_string(&a[0]),
        crate::printer::prin1_to_string(&a[3])
    );
    let expected = Value::cons(a[2].clone(), a[3].clone());
    let c = it.make_condition(
        "TYPE-ERROR",
        &[
            ("DATUM", a[0].clone()),
            ("EXPECTED-TYPE", expected),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
        ],
    );
    it.err(c)
}

fn fell_through_store(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let signalled = |it: &mut Interp| match fell_through(it, &a[..4]) {
        Err(u) => Err(it.signal_at_boundary(u)),
        ok => ok,
    };
    let report = a.get(4).map(super::conditions::store_value_text);
    match it.with_reported_restart("STORE-VALUE", report, signalled)? {
        Ok(v) => Ok(v),
        Err(args) => Ok(args.into_iter().next().unwrap_or(Value::Nil)),
    }
}

fn return_(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 0, 1)?;
    Ok(list([
        cl("RETURN-FROM"),
        Value::Nil,
        x.first().cloned().unwrap_or(Value::Nil),
    ]))
}

fn prog1(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let g = gensym("PROG1");
    let mut body = x[1..].to_vec();
    body.push(g.clone());
    Ok(Value::cons(
        cl("LET"),
        Value::cons(list([list([g, x[0].clone()])]), list(body)),
    ))
}

fn prog2(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    Ok(list([
        cl("PROGN"),
        x[0].clone(),
        call(cl("PROG1"), x[1..].to_vec()),
    ]))
}

fn lambda_macro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    arity(it, &form, 1, usize::MAX)?;
    Ok(list([cl("FUNCTION"), form]))
}

/// `(multiple-value-call (lambda (&optional v1 ... &rest ignore) ...) form)`.
fn multiple_value_bind(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let vars = items(it, &x[0], &form)?;
    let rest = gensym("REST");
    let mut ll = vec![cl("&OPTIONAL")];
    for v in &vars {
        if !v.is_symbol() || v.is_nil() {
            return malformed(it, &form, "a variable that is not a symbol");
        }
        ll.push(v.clone());
    }
    ll.push(cl("&REST"));
    ll.push(rest.clone());
    let mut body = vec![list([cl("DECLARE"), list([cl("IGNORE"), rest])])];
    body.extend(x[2..].iter().cloned());
    Ok(list([
        cl("MULTIPLE-VALUE-CALL"),
        lambda(list(ll), body),
        x[1].clone(),
    ]))
}

fn multiple_value_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, 1)?;
    Ok(list([
        cl("MULTIPLE-VALUE-CALL"),
        list([cl("FUNCTION"), cl("LIST")]),
        x[0].clone(),
    ]))
}

fn nth_value(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, 2)?;
    Ok(list([
        cl("NTH"),
        x[0].clone(),
        list([cl("MULTIPLE-VALUE-LIST"), x[1].clone()]),
    ]))
}

/// `(funcall #'(sendletter::destructuring-lambda ll . body) value)`.
fn destructuring_bind(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    let f = list([
        cl("FUNCTION"),
        Value::cons(
            si("DESTRUCTURING-LAMBDA"),
            Value::cons(x[0].clone(), list(x[2..].to_vec())),
        ),
    ]);
    Ok(list([cl("FUNCALL"), f, x[1].clone()]))
}

/// Backquote (CLHS 2.4.6): the reader's `(sendletter::quasiquote x)`.
fn quasiquote(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, 1)?;
    it.qq_expand(&x[0], 1)
}

//! Allegro's control macros `excl:if*`, `excl:while` and `excl:until`
//! (franz.com, Allegro CL 10.1 `operators/excl/if_s.htm`,
//! `operators/excl/while.htm`, `operators/excl/until.htm`), as Rust
//! expanders into `cond` and `do`.

use crate::eval::macros::{args, call, cl, form_and_env, list, malformed};
use crate::eval::value::{BuiltinFn, Value};
use crate::eval::{Interp, LResult};

/// (name in EXCL, expander).
pub const MACROS: &[(&str, BuiltinFn)] = &[("IF*", if_star), ("WHILE", while_), ("UNTIL", until)];

/// The keyword an `if*` form has at this position, if any. Allegro
/// compares the symbol's name, so `then` read in any package counts.
fn keyword(v: &Value) -> Option<&'static str> {
    let s = v.as_symbol()?;
    ["THEN", "THENRET", "ELSE", "ELSEIF"]
        .into_iter()
        .find(|k| s.name.eq_ignore_ascii_case(k))
}

/// `(if* test then forms… [elseif test then forms…]… [else forms…])`;
/// `thenret` in place of `then` returns the test's value.
fn if_star(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = args(it, &form)?;
    if x.is_empty() {
        return malformed(it, &form, "if*: a test is expected");
    }
    let mut clauses = Vec::new();
    let mut i = 0;
    while i < x.len() {
        // A test, then `then` or `thenret`.
        let test = x[i].clone();
        if keyword(&test).is_some() {
            return malformed(it, &form, "if*: a test is expected where a keyword is");
        }
        match x.get(i + 1).and_then(keyword) {
            Some("THEN") => {}
            Some("THENRET") => {
                clauses.push(list([test]));
                i += 2;
                match x.get(i).map(|v| keyword(v)) {
                    None => break,
                    Some(Some("ELSEIF")) => {
                        i += 1;
                        continue;
                    }
                    Some(Some("ELSE")) => {
                        let body = x[i + 1..].to_vec();
                        if body.iter().any(|v| keyword(v).is_some()) {
                            return malformed(it, &form, "if*: nothing may follow the else forms");
                        }
                        clauses.push(call(cl("T"), body));
                        break;
                    }
                    _ => {
                        return malformed(it, &form, "if*: only elseif or else may follow thenret");
                    }
                }
            }
            _ => return malformed(it, &form, "if*: a test must be followed by then or thenret"),
        }
        // Forms up to the next elseif or else.
        let mut j = i + 2;
        let mut body = Vec::new();
        while j < x.len() && keyword(&x[j]).is_none() {
            body.push(x[j].clone());
            j += 1;
        }
        // `then` with no forms returns the test's value, as `cond` does.
        clauses.push(call(test, body));
        match x.get(j).and_then(keyword) {
            None => break,
            Some("ELSEIF") => i = j + 1,
            Some("ELSE") => {
                let rest = x[j + 1..].to_vec();
                if rest.iter().any(|v| keyword(v).is_some()) {
                    return malformed(it, &form, "if*: nothing may follow the else forms");
                }
                clauses.push(call(cl("T"), rest));
                break;
            }
            Some(_) => return malformed(it, &form, "if*: then or thenret out of place"),
        }
        if i >= x.len() {
            return malformed(it, &form, "if*: elseif must be followed by a test");
        }
    }
    Ok(call(cl("COND"), clauses))
}

/// `(while test body…)`: `(do () ((not test)) body…)`, so `return` leaves it.
fn while_(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = args(it, &form)?;
    let Some((test, body)) = x.split_first() else {
        return malformed(it, &form, "while needs a test");
    };
    let end = list([list([cl("NOT"), test.clone()])]);
    Ok(call(
        cl("DO"),
        [Value::Nil, end].into_iter().chain(body.iter().cloned()),
    ))
}

/// `(until test body…)`: `(do () (test) body…)`.
fn until(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = args(it, &form)?;
    let Some((test, body)) = x.split_first() else {
        return malformed(it, &form, "until needs a test");
    };
    let end = list([test.clone()]);
    Ok(call(
        cl("DO"),
        [Value::Nil, end].into_iter().chain(body.iter().cloned()),
    ))
}

//! Argument checking shared by the builtins: each helper returns the Rust
//! value or signals a `type-error` naming the datum and the expected type.

use std::rc::Rc;

use crate::eval::value::{Sym, Value};
use crate::eval::{Interp, LResult};

pub fn type_err<T>(it: &mut Interp, datum: &Value, expected: &str) -> LResult<T> {
    let c = it.type_error(datum, expected);
    it.err(c)
}

/// A string argument's text (strings only).
pub fn string(it: &mut Interp, v: &Value) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        _ => type_err(it, v, "STRING"),
    }
}

/// A string designator (string, symbol or character), CLHS 1.4.1.5.
pub fn designator(it: &mut Interp, v: &Value) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        Value::Symbol(s) => Ok(s.name.clone()),
        Value::Nil => Ok("NIL".to_string()),
        Value::Char(c) => Ok(c.to_string()),
        _ => type_err(it, v, "(OR STRING SYMBOL CHARACTER)"),
    }
}

pub fn symbol(it: &mut Interp, v: &Value) -> LResult<Sym> {
    match v.as_symbol() {
        Some(s) => Ok(s),
        None => type_err(it, v, "SYMBOL"),
    }
}

/// A fixnum argument.
pub fn int(it: &mut Interp, v: &Value) -> LResult<i64> {
    match v {
        Value::Fixnum(n) => Ok(*n),
        _ => type_err(it, v, "INTEGER"),
    }
}

/// A non-negative index.
pub fn index(it: &mut Interp, v: &Value) -> LResult<usize> {
    match v {
        Value::Fixnum(n) if *n >= 0 => Ok(*n as usize),
        _ => type_err(it, v, "(INTEGER 0)"),
    }
}

/// An optional index: NIL or absent means `None`.
pub fn opt_index(it: &mut Interp, v: Option<&Value>) -> LResult<Option<usize>> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => index(it, v).map(Some),
    }
}

pub fn character(it: &mut Interp, v: &Value) -> LResult<char> {
    match v {
        Value::Char(c) => Ok(*c),
        _ => type_err(it, v, "CHARACTER"),
    }
}

/// The elements of a proper list.
pub fn list(it: &mut Interp, v: &Value) -> LResult<Vec<Value>> {
    match v.list_to_vec() {
        Some(items) => Ok(items),
        None => type_err(it, v, "LIST"),
    }
}

/// Keyword arguments after the positional ones: `(name, value)` pairs.
/// Unknown keywords are an error unless `:allow-other-keys t`.
pub fn keywords(
    it: &mut Interp,
    rest: &[Value],
    allowed: &[&str],
    fname: &str,
) -> LResult<Vec<(String, Value)>> {
    if !rest.len().is_multiple_of(2) {
        let msg = format!("{fname}: odd number of keyword arguments");
        let c = it.make_error("PROGRAM-ERROR", &msg);
        return it.err(c);
    }
    let mut out = Vec::new();
    let allow_other = rest.chunks(2).any(|kv| {
        matches!(&kv[0], Value::Symbol(s) if s.is_keyword() && s.name == "ALLOW-OTHER-KEYS")
            && kv[1].truthy()
    });
    for kv in rest.chunks(2) {
        let name = match &kv[0] {
            Value::Symbol(s) if s.is_keyword() => s.name.clone(),
            other => {
                let msg = format!(
                    "{fname}: {} is not a keyword",
                    crate::printer::prin1_to_string(other)
                );
                let c = it.make_error("PROGRAM-ERROR", &msg);
                return it.err(c);
            }
        };
        if !allowed.contains(&name.as_str()) && name != "ALLOW-OTHER-KEYS" && !allow_other {
            let msg = format!("{fname}: unknown keyword argument :{name}");
            let c = it.make_error("PROGRAM-ERROR", &msg);
            return it.err(c);
        }
        // The leftmost occurrence wins (CLHS 3.4.1.4).
        if !out.iter().any(|(n, _): &(String, Value)| *n == name) {
            out.push((name, kv[1].clone()));
        }
    }
    Ok(out)
}

/// The value of keyword `name` in parsed keyword arguments.
pub fn kw(kws: &[(String, Value)], name: &str) -> Option<Value> {
    kws.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

/// A fresh Lisp string.
pub fn string_value(s: impl Into<String>) -> Value {
    Value::String(Rc::new(std::cell::RefCell::new(s.into())))
}

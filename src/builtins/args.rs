//! Argument checking shared by the builtins: each helper returns the Rust
//! value or signals a `type-error` naming the datum and the expected type.

use std::rc::Rc;

use crate::eval::value::{Sym, Value};
use crate::eval::{Interp, LResult};

pub fn type_err<T>(it: &mut Interp, datum: &Value, expected: &str) -> LResult<T> {
    let c = it.type_error(datum, expected);
    it.err(c)
}

/// Rust recursion over the data given to `op` ran out of stack (the data
/// is circular or nested too deeply, `eval::depth`): a `storage-condition`,
/// as SBCL signals when its control stack is exhausted.
pub fn too_deep<T>(it: &mut Interp, op: &str) -> LResult<T> {
    let c = it.make_error(
        "STORAGE-CONDITION",
        &format!("Control stack exhausted in {op}: the data is circular or nested too deeply."),
    );
    it.err(c)
}

/// SBCL's `array-dimension-limit` (also ours, `toplevel.rs`): a larger
/// size for a new array or sequence is a `type-error`, as in SBCL.
pub const ARRAY_DIMENSION_LIMIT: i64 = 4_611_686_018_427_387_901;

/// The size of a new array or sequence: a fixnum below
/// [`ARRAY_DIMENSION_LIMIT`].
pub fn dimension(it: &mut Interp, v: &Value) -> LResult<usize> {
    match v {
        Value::Fixnum(n) if (0..ARRAY_DIMENSION_LIMIT).contains(n) => Ok(*n as usize),
        _ => type_err(it, v, "(MOD 4611686018427387901)"),
    }
}

/// A vector with room for `n` elements, allocated fallibly: when memory
/// (or the address space a `ulimit -v` allows) runs out, a
/// `storage-condition` naming `op` and the size asked for, as SBCL
/// reports heap exhaustion, instead of the allocator aborting the process.
pub fn reserve<T>(it: &mut Interp, n: usize, op: &str) -> LResult<Vec<T>> {
    let mut v = Vec::new();
    match v.try_reserve_exact(n) {
        Ok(()) => Ok(v),
        Err(_) => heap_exhausted(it, op, n, std::mem::size_of::<T>()),
    }
}

/// `n` copies of `init`, allocated as [`reserve`] does.
pub fn filled(it: &mut Interp, n: usize, init: Value, op: &str) -> LResult<Vec<Value>> {
    let mut v = reserve(it, n, op)?;
    v.resize(n, init);
    Ok(v)
}

/// Check that `n` objects of `each` bytes could be allocated now (for
/// structures built piece by piece, such as a list's conses), by
/// reserving and releasing the space.
pub fn probe(it: &mut Interp, n: usize, each: usize, op: &str) -> LResult<()> {
    let mut v: Vec<u8> = Vec::new();
    match n.checked_mul(each).map(|bytes| v.try_reserve_exact(bytes)) {
        Some(Ok(())) => Ok(()),
        _ => heap_exhausted(it, op, n, each),
    }
}

/// The `storage-condition` for `n` elements of `each` bytes that could not
/// be allocated for `op`.
pub fn heap_exhausted<T>(it: &mut Interp, op: &str, n: usize, each: usize) -> LResult<T> {
    let bytes = match n.checked_mul(each) {
        Some(b) => format!("{b} bytes"),
        None => "more bytes than the address space has".to_string(),
    };
    let c = it.make_error(
        "STORAGE-CONDITION",
        &format!("Heap exhausted: {op} of {n} elements ({bytes}) cannot be allocated."),
    );
    it.err(c)
}

/// A string argument's text (strings only).
pub fn string(it: &mut Interp, v: &Value) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        Value::Array(_) => match super::sequences::shape::string_text(v) {
            Some(text) => Ok(text),
            None => type_err(it, v, "STRING"),
        },
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
        Value::Array(_) => match super::sequences::shape::string_text(v) {
            Some(text) => Ok(text),
            None => type_err(it, v, "(OR STRING SYMBOL CHARACTER)"),
        },
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
        None if v.is_circular_list() => super::sequences::util::circular_error(it, v),
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
    // The leftmost :allow-other-keys decides (CLHS 3.4.1.4.1).
    let allow_other = rest
        .chunks(2)
        .find(|kv| {
            matches!(&kv[0], Value::Symbol(s) if s.is_keyword() && s.name == "ALLOW-OTHER-KEYS")
        })
        .is_some_and(|kv| kv[1].truthy());
    for kv in rest.chunks(2) {
        let name = match &kv[0] {
            Value::Symbol(s) if s.is_keyword() => s.name.clone(),
            // Any symbol names an argument; other keys are allowed here.
            Value::Symbol(_) | Value::Nil if allow_other => continue,
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
            let msg = format!(
                "{fname}: unknown keyword argument :{name}{}",
                crate::eval::suggest::keyword_hint(&name, allowed)
            );
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

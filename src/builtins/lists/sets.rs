//! Lists as sets (CLHS 14.1.2): adjoin, union, intersection and friends.
//! Result orders follow SBCL's algorithms, so scripts print the same lists.

use super::TEST_KEYS;
use crate::builtins::sequences::util::{list_items, opts, Opts};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

/// Is keyed `x` a member of `list` (elements keyed too)? `swap` passes the
/// arguments to the test in the other order (for the second pass of
/// `set-exclusive-or`).
pub fn in_list(it: &mut Interp, o: &Opts, x: &Value, list: &[Value], swap: bool) -> LResult<bool> {
    for y in list {
        let ky = o.keyed(it, y)?;
        let hit = if swap {
            o.test2(it, &ky, x)?
        } else {
            o.test2(it, x, &ky)?
        };
        if hit {
            return Ok(true);
        }
    }
    Ok(false)
}

pub fn adjoin(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[2..], TEST_KEYS, "ADJOIN")?;
    let xs = list_items(it, &a[1])?;
    let k = o.keyed(it, &a[0])?;
    if in_list(it, &o, &k, &xs, false)? {
        Ok(a[1].clone())
    } else {
        Ok(Value::cons(a[0].clone(), a[1].clone()))
    }
}

type SetArgs = (Vec<Value>, Vec<Value>, Opts);

pub fn set_args(it: &mut Interp, a: &[Value], fname: &str) -> LResult<SetArgs> {
    let o = opts(it, &a[2..], TEST_KEYS, fname)?;
    let l1 = list_items(it, &a[0])?;
    let l2 = list_items(it, &a[1])?;
    Ok((l1, l2, o))
}

pub fn intersection(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (l1, l2, o) = set_args(it, a, "INTERSECTION")?;
    let mut res = Value::Nil;
    for x in l1 {
        let k = o.keyed(it, &x)?;
        if in_list(it, &o, &k, &l2, false)? {
            res = Value::cons(x, res);
        }
    }
    Ok(res)
}

pub fn union(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (l1, l2, o) = set_args(it, a, "UNION")?;
    // SBCL: walk the longer list, pushing its new elements onto the shorter.
    let (short_v, short, long) = if l1.len() < l2.len() {
        (a[0].clone(), l1, l2)
    } else {
        (a[1].clone(), l2, l1)
    };
    let mut res = short_v;
    for x in long {
        let k = o.keyed(it, &x)?;
        if !in_list(it, &o, &k, &short, false)? {
            res = Value::cons(x, res);
        }
    }
    Ok(res)
}

pub fn set_difference(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (l1, l2, o) = set_args(it, a, "SET-DIFFERENCE")?;
    if l2.is_empty() {
        return Ok(a[0].clone());
    }
    let mut res = Value::Nil;
    for x in l1 {
        let k = o.keyed(it, &x)?;
        if !in_list(it, &o, &k, &l2, false)? {
            res = Value::cons(x, res);
        }
    }
    Ok(res)
}

pub fn set_exclusive_or(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (l1, l2, o) = set_args(it, a, "SET-EXCLUSIVE-OR")?;
    let mut res = Value::Nil;
    for x in &l1 {
        let k = o.keyed(it, x)?;
        if !in_list(it, &o, &k, &l2, false)? {
            res = Value::cons(x.clone(), res);
        }
    }
    for y in l2 {
        let k = o.keyed(it, &y)?;
        if !in_list(it, &o, &k, &l1, true)? {
            res = Value::cons(y, res);
        }
    }
    Ok(res)
}

pub fn subsetp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (l1, l2, o) = set_args(it, a, "SUBSETP")?;
    for x in l1 {
        let k = o.keyed(it, &x)?;
        if !in_list(it, &o, &k, &l2, false)? {
            return Ok(Value::Nil);
        }
    }
    Ok(crate::eval::package::t())
}

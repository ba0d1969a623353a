//! Trees (CLHS 14.1.1): copy-tree, tree-equal, subst, sublis.

use super::{spine_cells, KEY_ONLY, TEST_KEYS};
use crate::builtins::args;
use crate::builtins::sequences::util::{list_items, opts, Matcher, Opts};
use crate::eval::depth::{self, TooDeep};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

/// Recursion on the cars (and, in `subst` and `sublis`, the cdrs) of a
/// tree stops with a `storage-condition` when the stack is nearly used up:
/// a tree circular through its cars, or nested millions deep
/// (`eval::depth`).
fn guard(it: &mut Interp, op: &str) -> LResult<()> {
    match depth::check() {
        Ok(()) => Ok(()),
        Err(TooDeep) => args::too_deep(it, op),
    }
}

fn copy_tree_of(v: &Value) -> Result<Value, TooDeep> {
    match v {
        Value::Cons(_) => {
            depth::check()?;
            // Iterate along the spine so long lists do not recurse deeply.
            let mut items = Vec::new();
            let mut cur = v.clone();
            while let Value::Cons(c) = &cur {
                items.push(copy_tree_of(&c.car.borrow())?);
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            Ok(Value::list_with_tail(items, cur))
        }
        _ => Ok(v.clone()),
    }
}

pub fn copy_tree(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Value::Cons(_) = &a[0] {
        spine_cells(it, &a[0])?;
    }
    match copy_tree_of(&a[0]) {
        Ok(copy) => Ok(copy),
        Err(TooDeep) => args::too_deep(it, "COPY-TREE"),
    }
}

pub fn tree_equal_of(it: &mut Interp, o: &Opts, x: &Value, y: &Value) -> LResult<bool> {
    match (x, y) {
        (Value::Cons(a), Value::Cons(b)) => {
            guard(it, "TREE-EQUAL")?;
            let (ca, cb) = (a.car.borrow().clone(), b.car.borrow().clone());
            if !tree_equal_of(it, o, &ca, &cb)? {
                return Ok(false);
            }
            let (da, db) = (a.cdr.borrow().clone(), b.cdr.borrow().clone());
            tree_equal_of(it, o, &da, &db)
        }
        (Value::Cons(_), _) | (_, Value::Cons(_)) => Ok(false),
        _ => o.test2(it, x, y),
    }
}

pub fn tree_equal(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[2..], &["TEST", "TEST-NOT"], "TREE-EQUAL")?;
    let equal = tree_equal_of(it, &o, &a[0], &a[1])?;
    // One value, whatever the test returned (CLHS TREE-EQUAL: generalized boolean).
    it.mv = None;
    Ok(Value::bool(equal))
}

pub fn subst_tree(
    it: &mut Interp,
    new: &Value,
    m: &Matcher,
    o: &Opts,
    tree: &Value,
) -> LResult<Value> {
    if m.matches(it, o, tree)? {
        return Ok(new.clone());
    }
    match tree {
        Value::Cons(c) => {
            guard(it, "SUBST")?;
            let (car, cdr) = (c.car.borrow().clone(), c.cdr.borrow().clone());
            let a = subst_tree(it, new, m, o, &car)?;
            let d = subst_tree(it, new, m, o, &cdr)?;
            Ok(Value::cons(a, d))
        }
        _ => Ok(tree.clone()),
    }
}

pub fn subst(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[3..], TEST_KEYS, "SUBST")?;
    subst_tree(it, &a[0], &Matcher::Item(a[1].clone()), &o, &a[2])
}

pub fn subst_if(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[3..], KEY_ONLY, "SUBST-IF")?;
    subst_tree(it, &a[0], &Matcher::If(a[1].clone()), &o, &a[2])
}

pub fn subst_if_not(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[3..], KEY_ONLY, "SUBST-IF-NOT")?;
    subst_tree(it, &a[0], &Matcher::IfNot(a[1].clone()), &o, &a[2])
}

pub fn sublis_tree(
    it: &mut Interp,
    alist: &[(Value, Value)],
    o: &Opts,
    tree: &Value,
) -> LResult<Value> {
    let k = o.keyed(it, tree)?;
    for (key, val) in alist {
        if o.test2(it, &k, key)? {
            return Ok(val.clone());
        }
    }
    match tree {
        Value::Cons(c) => {
            guard(it, "SUBLIS")?;
            let (car, cdr) = (c.car.borrow().clone(), c.cdr.borrow().clone());
            let a = sublis_tree(it, alist, o, &car)?;
            let d = sublis_tree(it, alist, o, &cdr)?;
            Ok(Value::cons(a, d))
        }
        _ => Ok(tree.clone()),
    }
}

pub fn sublis(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[2..], TEST_KEYS, "SUBLIS")?;
    let pairs: Vec<(Value, Value)> = list_items(it, &a[0])?
        .into_iter()
        .filter(|p| p.is_cons())
        .map(|p| (p.car(), p.cdr()))
        .collect();
    sublis_tree(it, &pairs, &o, &a[1])
}

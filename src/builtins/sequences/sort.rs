//! `sort`, `stable-sort` and `merge` (CLHS 17.3): a stable merge sort for both, the
//! predicate called through `Interp::apply` so its errors and non-local
//! exits pass through. Lists are sorted by relinking their cons cells, as
//! SBCL does, so each cell keeps its element.

use std::rc::Rc;

use super::util::{self, opts};
use crate::builtins::BuiltinDef;
use crate::builtins::MANY;
use crate::def;
use crate::eval::value::{Cons, Function, Value};
use crate::eval::{Interp, LResult};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("SORT", "(sequence predicate &key key)", 2, MANY, sort, "Sort SEQUENCE by PREDICATE (destructively; stable in sendletter)."),
    def!("STABLE-SORT", "(sequence predicate &key key)", 2, MANY, sort, "Sort SEQUENCE by PREDICATE, keeping the order of equal elements."),
    def!("MERGE", "(result-type sequence-1 sequence-2 predicate &key key)", 4, MANY, merge, "Merge two sorted sequences into one of RESULT-TYPE, stably."),
];

/// `merge` (CLHS 17.3 MERGE): an element of SEQUENCE-2 goes first only
/// when `(predicate key2 key1)` is true, so equal elements keep
/// SEQUENCE-1's first.
fn merge(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[4..], &["KEY"], "MERGE")?;
    let kind = util::result_kind(it, &a[0])?.unwrap_or(util::Kind::List);
    let pred = it.resolve_function(&a[3])?;
    let (xs, ys) = (util::elements(it, &a[1])?, util::elements(it, &a[2])?);
    let mut out = crate::builtins::args::reserve(it, xs.len() + ys.len(), "MERGE")?;
    let (mut i, mut j) = (0, 0);
    while i < xs.len() && j < ys.len() {
        let (kx, ky) = (o.keyed(it, &xs[i])?, o.keyed(it, &ys[j])?);
        if it.apply(&pred, &[ky, kx])?.truthy() {
            out.push(ys[j].clone());
            j += 1;
        } else {
            out.push(xs[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&xs[i..]);
    out.extend_from_slice(&ys[j..]);
    let result = util::build(it, kind, out)?;
    util::check_result(it, result, &a[0])
}

fn sort(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[2..], &["KEY"], "SORT")?;
    let pred = it.resolve_function(&a[1])?;
    match &a[0] {
        Value::Nil => Ok(Value::Nil),
        Value::Cons(_) => {
            let cells = super::cells(it, &a[0])?;
            let mut keyed = Vec::with_capacity(cells.len());
            for c in cells {
                let x = c.car.borrow().clone();
                keyed.push((o.keyed(it, &x)?, c));
            }
            let sorted: Vec<Rc<Cons>> = merge_sort(it, &pred, keyed)?;
            Ok(super::relink(&sorted, Value::Nil))
        }
        seq => {
            let xs = util::elements(it, seq)?;
            let mut keyed = Vec::with_capacity(xs.len());
            for x in xs {
                keyed.push((o.keyed(it, &x)?, x));
            }
            let sorted = merge_sort(it, &pred, keyed)?;
            util::store(it, seq, sorted)?;
            Ok(seq.clone())
        }
    }
}

/// How two keys are compared: `<` or `>` on fixnums is done here (the
/// result is the one the function would give), anything else calls the
/// predicate.
#[derive(Clone, Copy)]
enum Compare {
    FixnumLess,
    FixnumGreater,
    Call,
}

fn comparison(pred: &Value, keys: &[Value]) -> Compare {
    let Value::Function(f) = pred else {
        return Compare::Call;
    };
    let Function::Builtin(b) = &**f else {
        return Compare::Call;
    };
    let in_cl = b.name.home_is_cl();
    let all_fixnums = keys.iter().all(|k| matches!(k, Value::Fixnum(_)));
    match (in_cl && all_fixnums, b.name.name.as_str()) {
        (true, "<") => Compare::FixnumLess,
        (true, ">") => Compare::FixnumGreater,
        _ => Compare::Call,
    }
}

/// Stable merge sort of `(key, payload)` pairs: a later element goes first
/// only when `(pred later earlier)` is true. Indices are merged, so keys
/// and payloads are never copied.
fn merge_sort<T: Clone>(it: &mut Interp, pred: &Value, items: Vec<(Value, T)>) -> LResult<Vec<T>> {
    let (keys, payloads): (Vec<Value>, Vec<T>) = items.into_iter().unzip();
    let how = comparison(pred, &keys);
    let n = keys.len();
    let mut run: Vec<usize> = (0..n).collect();
    let mut merged: Vec<usize> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        merged.clear();
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                let (later, earlier) = (&keys[run[j]], &keys[run[i]]);
                let later_first = match (how, later, earlier) {
                    (Compare::FixnumLess, Value::Fixnum(a), Value::Fixnum(b)) => a < b,
                    (Compare::FixnumGreater, Value::Fixnum(a), Value::Fixnum(b)) => a > b,
                    _ => it.apply(pred, &[later.clone(), earlier.clone()])?.truthy(),
                };
                if later_first {
                    merged.push(run[j]);
                    j += 1;
                } else {
                    merged.push(run[i]);
                    i += 1;
                }
            }
            merged.extend_from_slice(&run[i..mid]);
            merged.extend_from_slice(&run[j..hi]);
            lo = hi;
        }
        std::mem::swap(&mut run, &mut merged);
        width *= 2;
    }
    it.mv = None;
    Ok(run.into_iter().map(|i| payloads[i].clone()).collect())
}

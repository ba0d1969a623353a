//! `sort` and `stable-sort` (CLHS 17.3): a stable merge sort for both, the
//! predicate called through `Interp::apply` so its errors and non-local
//! exits pass through. Lists are sorted by relinking their cons cells, as
//! SBCL does, so each cell keeps its element.

use std::rc::Rc;

use super::util::{self, opts};
use crate::builtins::BuiltinDef;
use crate::builtins::MANY;
use crate::def;
use crate::eval::value::{Cons, Value};
use crate::eval::{Interp, LResult};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("SORT", "(sequence predicate &key key)", 2, MANY, sort, "Sort SEQUENCE by PREDICATE (destructively; stable in sendletter)."),
    def!("STABLE-SORT", "(sequence predicate &key key)", 2, MANY, sort, "Sort SEQUENCE by PREDICATE, keeping the order of equal elements."),
];

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

/// Stable merge sort of `(key, payload)` pairs: a later element goes first
/// only when `(pred later earlier)` is true.
fn merge_sort<T: Clone>(it: &mut Interp, pred: &Value, items: Vec<(Value, T)>) -> LResult<Vec<T>> {
    let mut run: Vec<(Value, T)> = items;
    let n = run.len();
    let mut width = 1;
    while width < n {
        let mut merged = Vec::with_capacity(n);
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            while i < mid && j < hi {
                let later_first = it
                    .apply(pred, &[run[j].0.clone(), run[i].0.clone()])?
                    .truthy();
                if later_first {
                    merged.push(run[j].clone());
                    j += 1;
                } else {
                    merged.push(run[i].clone());
                    i += 1;
                }
            }
            merged.extend_from_slice(&run[i..mid]);
            merged.extend_from_slice(&run[j..hi]);
            lo = hi;
        }
        run = merged;
        width *= 2;
    }
    it.mv = None;
    Ok(run.into_iter().map(|(_, x)| x).collect())
}

//! `*print-circle*` (CLHS 22.1.3, 2.4.8.15-16): shared and circular
//! structure printed with `#n=` and `#n#` labels, as SBCL does it.
//!
//! SBCL prints twice: a first pass with the output thrown away notes
//! every object met twice, the second assigns labels in print order. The
//! table lives for the whole outermost printing call (a thread-local),
//! so the nested calls of `print-object` methods, pprint-dispatch
//! functions and `pprint-logical-block` bodies label against it too.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::eval::Value;

/// What the printer does at an object when a table is active.
#[derive(Debug, PartialEq, Eq)]
pub enum Check {
    /// Print it as usual.
    Print,
    /// First pass, met before: print nothing more of it.
    Skip,
    /// Shared, first time printed: `#n=` then the object.
    Define(usize),
    /// Shared and printed already: `#n#`.
    Refer(usize),
}

#[derive(Default)]
struct Table {
    /// Objects met in the first pass: false once, true when shared.
    seen: HashMap<usize, (Value, bool)>,
    /// Labels given in the second pass.
    labels: HashMap<usize, usize>,
    /// Second pass running (labels assigned).
    printing: bool,
    next: usize,
}

thread_local! {
    static TABLE: RefCell<Option<Rc<RefCell<Table>>>> = const { RefCell::new(None) };
}

/// Is a circularity table active (a printing call with `*print-circle*`
/// encloses this one)?
pub fn active() -> bool {
    TABLE.with(|t| t.borrow().is_some())
}

/// Is the first (scanning) pass running? Its output is thrown away.
pub fn scanning() -> bool {
    TABLE.with(|t| t.borrow().as_ref().is_some_and(|t| !t.borrow().printing))
}

/// Objects that can be shared for `*print-circle*`: not numbers,
/// characters or interned symbols (SBCL's `check-for-circularity`).
pub fn candidate(v: &Value) -> bool {
    match v {
        Value::Nil
        | Value::Fixnum(_)
        | Value::Bignum(_)
        | Value::Ratio(_)
        | Value::Single(_)
        | Value::Double(_)
        | Value::Complex(_)
        | Value::Char(_) => false,
        Value::Symbol(s) => s.package.borrow().is_none(),
        _ => true,
    }
}

/// The object's identity.
pub fn address(v: &Value) -> usize {
    match v {
        Value::Cons(x) => Rc::as_ptr(x) as usize,
        Value::Symbol(x) => Rc::as_ptr(x) as usize,
        Value::String(x) => Rc::as_ptr(x) as usize,
        Value::Vector(x) => Rc::as_ptr(x) as usize,
        Value::Bytes(x) => Rc::as_ptr(x) as usize,
        Value::Array(x) => Rc::as_ptr(x) as usize,
        Value::Function(x) => Rc::as_ptr(x) as usize,
        Value::HashTable(x) => Rc::as_ptr(x) as usize,
        Value::Package(x) => Rc::as_ptr(x) as usize,
        Value::Stream(x) => Rc::as_ptr(x) as usize,
        Value::Pathname(x) => Rc::as_ptr(x) as usize,
        Value::Struct(x) => Rc::as_ptr(x) as usize,
        Value::Object(x) => Rc::as_ptr(x) as *const u8 as usize,
        _ => 0,
    }
}

/// Check `v` against the active table (none: `Print`). `assign` false
/// only asks whether it is shared, without labelling it (a list's tail).
pub fn check(v: &Value, assign: bool) -> Check {
    let Some(table) = TABLE.with(|t| t.borrow().clone()) else {
        return Check::Print;
    };
    if !candidate(v) {
        return Check::Print;
    }
    let key = address(v);
    let mut t = table.borrow_mut();
    if !t.printing {
        return match t.seen.get_mut(&key) {
            None => {
                t.seen.insert(key, (v.clone(), false));
                Check::Print
            }
            Some(entry) => {
                entry.1 = true;
                Check::Skip
            }
        };
    }
    if !t.seen.get(&key).is_some_and(|e| e.1) {
        return Check::Print;
    }
    if let Some(n) = t.labels.get(&key) {
        return Check::Refer(*n);
    }
    if !assign {
        return Check::Define(0);
    }
    t.next += 1;
    let n = t.next;
    t.labels.insert(key, n);
    Check::Define(n)
}

/// Run `f` twice under a new table, first scanning (its output to be
/// thrown away by the caller), then printing: SBCL's
/// `with-circularity-detection`. `f` gets whether this is the real pass.
pub fn with_detection<T, E>(mut f: impl FnMut(bool) -> Result<T, E>) -> Result<T, E> {
    let table = Rc::new(RefCell::new(Table::default()));
    let previous = TABLE.with(|t| t.borrow_mut().replace(table.clone()));
    let first = f(false);
    let r = match first {
        Ok(_) => {
            table.borrow_mut().printing = true;
            f(true)
        }
        Err(e) => Err(e),
    };
    TABLE.with(|t| *t.borrow_mut() = previous);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_objects_are_labelled_in_the_second_pass_only() {
        let x = Value::cons(Value::Nil, Value::Nil);
        let seen = with_detection(|printing| -> Result<Vec<Check>, ()> {
            Ok(vec![check(&x, true), check(&x, true)]).map(|v| if printing { v } else { vec![] })
        });
        assert_eq!(seen, Ok(vec![Check::Define(1), Check::Refer(1)]));
        assert!(!active());
    }

    #[test]
    fn numbers_and_interned_symbols_are_never_labelled() {
        assert!(!candidate(&Value::Fixnum(3)));
        assert!(candidate(&Value::string("abc")));
    }
}

//! Where each list was read: a side table from a cons to its file, line
//! and column, filled by the reader while a script's source is read
//! (`toplevel::load_source`, `--check`) — never by `read` at run time, so
//! a script reading data does not grow it. Evaluation only looks here when
//! an error is on its way out: an unhandled error is reported at the
//! innermost read form it passed through, not the top-level form.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use crate::eval::value::Cons;
use crate::eval::{Unwind, UnwindKind, Value};

/// A position in source text, 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: Option<Rc<str>>,
    pub line: usize,
    pub column: usize,
}

thread_local! {
    /// Cons address → its place. The weak reference keeps the cell's
    /// allocation from being reused while the entry exists, so an address
    /// always means the list that was read there.
    static TABLE: RefCell<HashMap<usize, (Weak<Cons>, Place)>> = RefCell::new(HashMap::new());
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    /// The condition last seen leaving a read form, that form's place,
    /// and the depth of the call stack there (the frame it is in).
    static ERROR_AT: RefCell<Option<(Value, Place, usize)>> = const { RefCell::new(None) };
}

/// Run `f` (reading source) with the reader noting where lists start.
pub fn record<T>(f: impl FnOnce() -> T) -> T {
    let was = RECORDING.with(|r| r.replace(true));
    let out = f();
    RECORDING.with(|r| r.set(was));
    out
}

/// Is the reader to note positions now?
pub fn recording() -> bool {
    RECORDING.with(Cell::get)
}

/// Note that list `v` was read at `place` (the reader calls this).
pub fn note(v: &Value, place: impl FnOnce() -> Place) {
    let Value::Cons(c) = v else { return };
    let key = Rc::as_ptr(c) as usize;
    TABLE.with(|t| {
        t.borrow_mut()
            .entry(key)
            .or_insert_with(|| (Rc::downgrade(c), place()));
    });
}

/// Where list `v` was read, if it was read from source.
pub fn of(v: &Value) -> Option<Place> {
    let Value::Cons(c) = v else { return None };
    let key = Rc::as_ptr(c) as usize;
    TABLE.with(|t| t.borrow().get(&key).map(|(_, p)| p.clone()))
}

/// The key of list `v` in the table (0 for anything else): what a
/// backtrace frame keeps of the call it is in.
#[inline]
pub fn address(v: &Value) -> usize {
    match v {
        Value::Cons(c) => Rc::as_ptr(c) as usize,
        _ => 0,
    }
}

/// Where the list at `address` (`address`) was read, if it was.
pub fn at_address(address: usize) -> Option<Place> {
    if address == 0 {
        return None;
    }
    TABLE.with(|t| t.borrow().get(&address).map(|(_, p)| p.clone()))
}

/// An unwind leaves the evaluation of `form`, in the frame at call-stack
/// depth `depth`: if it carries a condition not yet placed, and `form`
/// was read from source, this is the innermost read form it came through.
#[cold]
pub fn leaving(u: &Unwind, form: &Value, depth: usize) {
    let (UnwindKind::Error(c) | UnwindKind::Signal(c)) = u.kind() else {
        return;
    };
    let known = ERROR_AT.with(|e| e.borrow().as_ref().is_some_and(|(seen, ..)| seen.eq(c)));
    if known {
        return;
    }
    if let Some(place) = of(form) {
        ERROR_AT.with(|e| *e.borrow_mut() = Some((c.clone(), place, depth)));
    }
}

/// The innermost read form condition `c` left, if it was placed.
pub fn error_place(c: &Value) -> Option<Place> {
    error_place_and_depth(c).map(|(p, _)| p)
}

/// The innermost read form condition `c` left, and the call-stack depth
/// of the frame it is in.
pub fn error_place_and_depth(c: &Value) -> Option<(Place, usize)> {
    ERROR_AT.with(|e| {
        e.borrow()
            .as_ref()
            .filter(|(seen, ..)| seen.eq(c))
            .map(|(_, p, d)| (p.clone(), *d))
    })
}

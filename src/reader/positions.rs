//! Where each list was read: a side table from a cons to its file, line
//! and column, filled by the reader only while recording is on (`--check`
//! turns it on), so reading and evaluation cost nothing otherwise.
//!
//! Conses are identified by address. The forms of a file are kept alive
//! while their positions are used, so an address is not reused meanwhile.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use crate::eval::Value;

/// A position in source text, 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub file: Option<Rc<str>>,
    pub line: usize,
    pub column: usize,
}

thread_local! {
    static TABLE: RefCell<Option<HashMap<usize, Place>>> = const { RefCell::new(None) };
}

/// Start recording (an empty table).
pub fn start() {
    TABLE.with(|t| *t.borrow_mut() = Some(HashMap::new()));
}

/// Stop recording and forget every position.
pub fn stop() {
    TABLE.with(|t| *t.borrow_mut() = None);
}

/// Is the table recording?
pub fn recording() -> bool {
    TABLE.with(|t| t.borrow().is_some())
}

fn key(v: &Value) -> Option<usize> {
    match v {
        Value::Cons(c) => Some(Rc::as_ptr(c) as *const () as usize),
        _ => None,
    }
}

/// Note that list `v` was read at `place` (the reader calls this).
pub fn note(v: &Value, place: impl FnOnce() -> Place) {
    let Some(k) = key(v) else { return };
    TABLE.with(|t| {
        if let Some(map) = t.borrow_mut().as_mut() {
            map.entry(k).or_insert_with(place);
        }
    });
}

/// Where list `v` was read, if it was read while recording.
pub fn of(v: &Value) -> Option<Place> {
    let k = key(v)?;
    TABLE.with(|t| t.borrow().as_ref().and_then(|m| m.get(&k).cloned()))
}

//! Vectors (CLHS 15): fill pointers, `vector-push(-extend)`, `vector-pop`
//! and the array predicates; arrays of any shape are in `shape.rs`.
//!
//! A vector with a fill pointer is an ordinary `Value::Vector`/`String`/
//! `Bytes` whose contents are the active elements (so `length`, printing and
//! iteration need nothing special); the elements between the fill pointer
//! and the array's size wait in a side table keyed by the allocation. The
//! table holds a `Weak`, which keeps the allocation's address from being
//! reused while the entry exists.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use super::shape::is_array;
use super::util;
use crate::builtins::{args, BuiltinDef, MANY};
use crate::def;
use crate::eval::array::Storage;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("VECTOR", "(&rest objects)", 0, MANY, vector, "A simple vector of OBJECTS."),
    def!("SVREF", "(simple-vector index)", 2, 2, svref, "Element INDEX of a simple vector."),
    def!("VECTORP", "(object)", 1, 1, vectorp, "True if OBJECT is a vector."),
    def!("ARRAYP", "(object)", 1, 1, arrayp, "True if OBJECT is an array."),
    def!("SIMPLE-VECTOR-P", "(object)", 1, 1, simple_vector_p, "True if OBJECT is a simple general vector."),
    def!("ARRAY-HAS-FILL-POINTER-P", "(array)", 1, 1, has_fill_pointer_p, "True if ARRAY has a fill pointer."),
    def!("ADJUSTABLE-ARRAY-P", "(array)", 1, 1, adjustable_array_p, "True if ARRAY was made adjustable."),
    def!("FILL-POINTER", "(vector)", 1, 1, fill_pointer, "The fill pointer of VECTOR."),
    def!("SENDLETTER" : "SET-FILL-POINTER", "(vector new-value)", 2, 2, set_fill_pointer, "(setf fill-pointer)."),
    def!("VECTOR-PUSH", "(new-element vector)", 2, 2, vector_push, "Store at the fill pointer and advance it; NIL when full."),
    def!("VECTOR-PUSH-EXTEND", "(new-element vector &optional min-extension)", 2, 3, vector_push_extend, "Store at the fill pointer, growing VECTOR when full."),
    def!("VECTOR-POP", "(vector)", 1, 1, vector_pop, "Decrease the fill pointer and return the element there."),
];

/// A handle on a vector allocation that does not keep it alive.
enum WeakSeq {
    Vector(Weak<RefCell<Vec<Value>>>),
    Str(Weak<RefCell<String>>),
    Bytes(Weak<RefCell<Vec<u8>>>),
}

impl WeakSeq {
    fn alive(&self) -> bool {
        match self {
            WeakSeq::Vector(w) => w.strong_count() > 0,
            WeakSeq::Str(w) => w.strong_count() > 0,
            WeakSeq::Bytes(w) => w.strong_count() > 0,
        }
    }
}

/// What the side table knows about a non-simple vector.
pub(super) struct Extra {
    _handle: WeakSeq,
    fill: bool,
    pub(super) adjustable: bool,
    /// Elements beyond the fill pointer, the one at the fill pointer last.
    pub(super) hidden: Vec<Value>,
}

thread_local! {
    static EXTRA: RefCell<HashMap<usize, Extra>> = RefCell::new(HashMap::new());
}

fn addr(v: &Value) -> Option<usize> {
    match v {
        Value::Vector(x) => Some(Rc::as_ptr(x) as *const () as usize),
        Value::String(x) => Some(Rc::as_ptr(x) as *const () as usize),
        Value::Bytes(x) => Some(Rc::as_ptr(x) as *const () as usize),
        _ => None,
    }
}

pub(super) fn register(v: &Value, fill: bool, adjustable: bool, hidden: Vec<Value>) {
    let handle = match v {
        Value::Vector(x) => WeakSeq::Vector(Rc::downgrade(x)),
        Value::String(x) => WeakSeq::Str(Rc::downgrade(x)),
        Value::Bytes(x) => WeakSeq::Bytes(Rc::downgrade(x)),
        _ => return,
    };
    let Some(a) = addr(v) else { return };
    EXTRA.with(|t| {
        let mut t = t.borrow_mut();
        if t.len() > 1024 && t.len().is_power_of_two() {
            t.retain(|_, e| e._handle.alive());
        }
        t.insert(
            a,
            Extra {
                _handle: handle,
                fill,
                adjustable,
                hidden,
            },
        );
    });
}

pub(super) fn with_extra<R>(v: &Value, f: impl FnOnce(Option<&mut Extra>) -> R) -> R {
    let a = addr(v);
    EXTRA.with(|t| {
        let mut t = t.borrow_mut();
        f(a.and_then(|a| t.get_mut(&a)))
    })
}

/// Does `v` have a fill pointer?
pub fn has_fill_pointer(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.fill.get().is_some(),
        _ => with_extra(v, |e| e.is_some_and(|e| e.fill)),
    }
}

/// Is `v` a simple array (CLHS 15.1.1.3)?
pub fn is_simple(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.is_simple(),
        _ => with_extra(v, |e| e.is_none()),
    }
}

/// The active length of a vector (up to the fill pointer).
pub fn active_len(v: &Value) -> usize {
    match v {
        Value::Vector(x) => x.borrow().len(),
        Value::String(s) => s.borrow().chars().count(),
        Value::Bytes(b) => b.borrow().len(),
        Value::Array(a) => a.length(),
        _ => 0,
    }
}

/// Element `k` past the fill pointer of a plain vector.
pub(super) fn hidden_get(v: &Value, k: usize) -> Option<Value> {
    with_extra(v, |e| {
        e.and_then(|e| {
            let n = e.hidden.len();
            (k < n).then(|| e.hidden[n - 1 - k].clone())
        })
    })
}

/// Store element `k` past the fill pointer of a plain vector.
pub(super) fn hidden_set(v: &Value, k: usize, x: Value) -> bool {
    with_extra(v, |e| match e {
        Some(e) if k < e.hidden.len() => {
            let n = e.hidden.len();
            e.hidden[n - 1 - k] = x;
            true
        }
        _ => false,
    })
}

fn push_raw(it: &mut Interp, v: &Value, x: Value) -> LResult<()> {
    match v {
        Value::Vector(vec) => vec.borrow_mut().push(x),
        Value::String(s) => match x {
            Value::Char(c) => s.borrow_mut().push(c),
            other => return args::type_err(it, &other, "CHARACTER"),
        },
        Value::Bytes(b) => match x {
            Value::Fixnum(n) if (0..=255).contains(&n) => b.borrow_mut().push(n as u8),
            other => return args::type_err(it, &other, "(UNSIGNED-BYTE 8)"),
        },
        _ => return args::type_err(it, v, "VECTOR"),
    }
    Ok(())
}

fn pop_raw(v: &Value) -> Option<Value> {
    match v {
        Value::Vector(vec) => vec.borrow_mut().pop(),
        Value::String(s) => s.borrow_mut().pop().map(Value::Char),
        Value::Bytes(b) => b.borrow_mut().pop().map(|x| Value::Fixnum(x as i64)),
        _ => None,
    }
}

fn vector(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::vector(a.to_vec()))
}

fn not_array<T>(it: &mut Interp, v: &Value) -> LResult<T> {
    args::type_err(it, v, "ARRAY")
}

fn svref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if !matches!(a[0], Value::Vector(_)) || !is_simple(&a[0]) {
        return args::type_err(it, &a[0], "SIMPLE-VECTOR");
    }
    util::elt(it, &a[0], &a[1])
}

/// Is `v` a vector (a one-dimensional array)?
pub fn is_vector(v: &Value) -> bool {
    match v {
        Value::Vector(_) | Value::String(_) | Value::Bytes(_) => true,
        Value::Array(a) => a.rank() == 1,
        _ => false,
    }
}

fn vectorp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(is_vector(&a[0])))
}

fn arrayp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(is_array(&a[0])))
}

fn simple_vector_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        matches!(a[0], Value::Vector(_)) && is_simple(&a[0]),
    ))
}

fn check_array(it: &mut Interp, v: &Value) -> LResult<()> {
    if is_array(v) {
        Ok(())
    } else {
        not_array(it, v)
    }
}

fn has_fill_pointer_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::bool(has_fill_pointer(&a[0])))
}

fn adjustable_array_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::bool(match &a[0] {
        Value::Array(arr) => arr.adjustable.get(),
        v => with_extra(v, |e| e.is_some_and(|e| e.adjustable)),
    }))
}

fn need_fill_pointer(it: &mut Interp, v: &Value) -> LResult<()> {
    if has_fill_pointer(v) {
        return Ok(());
    }
    let msg = format!(
        "The value\n  {}\nis not of type\n  (AND VECTOR (SATISFIES ARRAY-HAS-FILL-POINTER-P))",
        crate::printer::prin1_to_string(v)
    );
    util::type_error_msg(
        it,
        v,
        "(AND VECTOR (SATISFIES ARRAY-HAS-FILL-POINTER-P))",
        &msg,
    )
}

fn fill_pointer(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    need_fill_pointer(it, &a[0])?;
    Ok(Value::Fixnum(active_len(&a[0]) as i64))
}

pub(super) fn set_fill_pointer(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    need_fill_pointer(it, &a[0])?;
    let v = &a[0];
    let total = super::shape::total_size(v);
    let n = match a[1] {
        Value::Fixnum(n) if n >= 0 && (n as usize) <= total => n as usize,
        _ => {
            let msg = format!(
                "The new fill pointer, {}, is larger than the length of the vector ({total}.)",
                crate::printer::prin1_to_string(&a[1])
            );
            return it.simple_error(msg);
        }
    };
    if let Value::Array(arr) = v {
        arr.fill.set(Some(n));
        return Ok(a[1].clone());
    }
    while active_len(v) > n {
        if let Some(x) = pop_raw(v) {
            with_extra(v, |e| {
                if let Some(e) = e {
                    e.hidden.push(x)
                }
            });
        }
    }
    while active_len(v) < n {
        let x = with_extra(v, |e| e.and_then(|e| e.hidden.pop()));
        match x {
            Some(x) => push_raw(it, v, x)?,
            None => break,
        }
    }
    Ok(a[1].clone())
}

fn vector_push(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let v = &a[1];
    need_fill_pointer(it, v)?;
    if let Value::Array(arr) = v {
        let fp = arr.length();
        if fp >= arr.total_size() {
            return Ok(Value::Nil);
        }
        super::shape::rm_set(it, v, fp, a[0].clone())?;
        arr.fill.set(Some(fp + 1));
        return Ok(Value::Fixnum(fp as i64));
    }
    let slot = with_extra(v, |e| e.and_then(|e| e.hidden.pop()));
    if slot.is_none() {
        return Ok(Value::Nil);
    }
    let fp = active_len(v);
    push_raw(it, v, a[0].clone())?;
    Ok(Value::Fixnum(fp as i64))
}

fn vector_push_extend(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let v = &a[1];
    if !has_fill_pointer(v) {
        let msg = format!(
            "The value\n  {}\nis not of type\n  (AND VECTOR (NOT SIMPLE-ARRAY))",
            crate::printer::prin1_to_string(v)
        );
        return util::type_error_msg(it, v, "(AND VECTOR (NOT SIMPLE-ARRAY))", &msg);
    }
    if let Value::Array(arr) = v {
        super::shape::check_element(it, arr.elem, &a[0])?;
        let fp = arr.length();
        if fp >= arr.total_size() {
            let extension = match a.get(2) {
                Some(Value::Fixnum(n)) if *n > 0 => *n as usize,
                Some(x @ Value::Fixnum(_)) | Some(x @ Value::Bignum(_)) => {
                    return args::type_err(it, x, "(INTEGER 1)")
                }
                Some(x) => return args::type_err(it, x, "(INTEGER 1)"),
                None => fp.max(1),
            };
            let mut items: Vec<Value> =
                (0..fp).filter_map(|i| super::shape::rm_get(v, i)).collect();
            let size = fp.saturating_add(extension);
            if size - items.len() > 0 && items.try_reserve_exact(size - items.len()).is_err() {
                return args::heap_exhausted(
                    it,
                    "VECTOR-PUSH-EXTEND",
                    size,
                    std::mem::size_of::<Value>(),
                );
            }
            items.resize(size, arr.elem.default_value());
            *arr.data.borrow_mut() = Storage::Own(items);
            *arr.dims.borrow_mut() = vec![size];
        }
        super::shape::rm_set(it, v, fp, a[0].clone())?;
        arr.fill.set(Some(fp + 1));
        return Ok(Value::Fixnum(fp as i64));
    }
    let fp = active_len(v);
    push_raw(it, v, a[0].clone())?;
    with_extra(v, |e| e.and_then(|e| e.hidden.pop()));
    Ok(Value::Fixnum(fp as i64))
}

fn vector_pop(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let v = &a[0];
    need_fill_pointer(it, v)?;
    if let Value::Array(arr) = v {
        let fp = arr.length();
        if fp == 0 {
            return it.simple_error("There is nothing left to pop.");
        }
        arr.fill.set(Some(fp - 1));
        return Ok(super::shape::rm_get(v, fp - 1).unwrap_or(Value::Nil));
    }
    match pop_raw(v) {
        Some(x) => {
            with_extra(v, |e| {
                if let Some(e) = e {
                    e.hidden.push(x.clone())
                }
            });
            Ok(x)
        }
        None => it.simple_error("There is nothing left to pop."),
    }
}

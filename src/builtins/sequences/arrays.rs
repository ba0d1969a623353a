//! One-dimensional arrays (CLHS 15): `make-array`, `aref`, fill pointers,
//! `vector-push(-extend)`, `vector-pop` and the array predicates.
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

use super::util::{self, cl, index_error, Kind};
use crate::builtins::{args, BuiltinDef, MANY};
use crate::def;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("MAKE-ARRAY", "(dimensions &key element-type initial-element initial-contents adjustable fill-pointer displaced-to)", 1, MANY, make_array, "Make a one-dimensional array (vector)."),
    def!("VECTOR", "(&rest objects)", 0, MANY, vector, "A simple vector of OBJECTS."),
    def!("AREF", "(array &rest subscripts)", 1, MANY, aref, "Element of ARRAY at the subscript."),
    def!("SVREF", "(simple-vector index)", 2, 2, svref, "Element INDEX of a simple vector."),
    def!("ROW-MAJOR-AREF", "(array index)", 2, 2, aref, "Element INDEX of ARRAY in row-major order."),
    def!("VECTORP", "(object)", 1, 1, vectorp, "True if OBJECT is a vector."),
    def!("ARRAYP", "(object)", 1, 1, vectorp, "True if OBJECT is an array."),
    def!("SIMPLE-VECTOR-P", "(object)", 1, 1, simple_vector_p, "True if OBJECT is a simple general vector."),
    def!("ARRAY-DIMENSION", "(array axis)", 2, 2, array_dimension, "The size of ARRAY along AXIS."),
    def!("ARRAY-DIMENSIONS", "(array)", 1, 1, array_dimensions, "The list of ARRAY's dimensions."),
    def!("ARRAY-TOTAL-SIZE", "(array)", 1, 1, array_total_size, "The number of elements ARRAY can hold."),
    def!("ARRAY-RANK", "(array)", 1, 1, array_rank, "The number of dimensions of ARRAY (always 1 here)."),
    def!("ARRAY-ELEMENT-TYPE", "(array)", 1, 1, array_element_type, "The element type ARRAY was made with."),
    def!("ARRAY-HAS-FILL-POINTER-P", "(array)", 1, 1, has_fill_pointer_p, "True if ARRAY has a fill pointer."),
    def!("ADJUSTABLE-ARRAY-P", "(array)", 1, 1, adjustable_array_p, "True if ARRAY was made adjustable."),
    def!("FILL-POINTER", "(vector)", 1, 1, fill_pointer, "The fill pointer of VECTOR."),
    def!("SENDLETTER" : "SET-FILL-POINTER", "(vector new-value)", 2, 2, set_fill_pointer, "(setf fill-pointer)."),
    def!("VECTOR-PUSH", "(new-element vector)", 2, 2, vector_push, "Store at the fill pointer and advance it; NIL when full."),
    def!("VECTOR-PUSH-EXTEND", "(new-element vector &optional min-extension)", 2, 3, vector_push_extend, "Store at the fill pointer, growing VECTOR when full."),
    def!("VECTOR-POP", "(vector)", 1, 1, vector_pop, "Decrease the fill pointer and return the element there."),
    def!("ADJUST-ARRAY", "(array new-dimensions &key element-type initial-element initial-contents fill-pointer)", 2, MANY, adjust_array, "Change the size of a one-dimensional array."),
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
struct Extra {
    _handle: WeakSeq,
    fill: bool,
    adjustable: bool,
    /// Elements beyond the fill pointer, the one at the fill pointer last.
    hidden: Vec<Value>,
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

fn register(v: &Value, fill: bool, adjustable: bool, hidden: Vec<Value>) {
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

fn with_extra<R>(v: &Value, f: impl FnOnce(Option<&mut Extra>) -> R) -> R {
    let a = addr(v);
    EXTRA.with(|t| {
        let mut t = t.borrow_mut();
        f(a.and_then(|a| t.get_mut(&a)))
    })
}

/// Does `v` have a fill pointer?
pub fn has_fill_pointer(v: &Value) -> bool {
    with_extra(v, |e| e.is_some_and(|e| e.fill))
}

fn is_simple(v: &Value) -> bool {
    with_extra(v, |e| e.is_none())
}

fn active_len(v: &Value) -> usize {
    match v {
        Value::Vector(x) => x.borrow().len(),
        Value::String(s) => s.borrow().chars().count(),
        Value::Bytes(b) => b.borrow().len(),
        _ => 0,
    }
}

fn total_size(v: &Value) -> usize {
    active_len(v) + with_extra(v, |e| e.map_or(0, |e| e.hidden.len()))
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

fn element_kind(it: &mut Interp, et: Option<&Value>) -> LResult<Kind> {
    let Some(et) = et else {
        return Ok(Kind::Vector);
    };
    let spec = Value::list([cl("VECTOR"), et.clone()]);
    Ok(util::result_kind(it, &spec)?.unwrap_or(Kind::Vector))
}

fn default_element(kind: Kind) -> Value {
    match kind {
        Kind::Str => Value::Char('\0'),
        _ => Value::Fixnum(0),
    }
}

fn make_array(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let size = match &a[0] {
        n @ Value::Fixnum(_) => args::dimension(it, n)?,
        d @ Value::Cons(_) => match (d.car(), d.cdr()) {
            (n @ Value::Fixnum(_), Value::Nil) => args::dimension(it, &n)?,
            _ => {
                return it.simple_error(
                    "MAKE-ARRAY: only one-dimensional arrays are supported by sendletter",
                )
            }
        },
        Value::Nil => {
            return it.simple_error("MAKE-ARRAY: zero-dimensional arrays are not supported")
        }
        other => return args::type_err(it, other, "(OR (INTEGER 0) LIST)"),
    };
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "ELEMENT-TYPE",
            "INITIAL-ELEMENT",
            "INITIAL-CONTENTS",
            "ADJUSTABLE",
            "FILL-POINTER",
            "DISPLACED-TO",
            "DISPLACED-INDEX-OFFSET",
        ],
        "MAKE-ARRAY",
    )?;
    if args::kw(&kws, "DISPLACED-TO").is_some_and(|v| v.truthy()) {
        return it.simple_error("MAKE-ARRAY: displaced arrays are not supported by sendletter");
    }
    let kind = element_kind(it, args::kw(&kws, "ELEMENT-TYPE").as_ref())?;
    let items = match args::kw(&kws, "INITIAL-CONTENTS") {
        Some(c) => {
            let items = util::elements(it, &c)?;
            if items.len() != size {
                let msg = format!(
                    "There are {} elements in the :INITIAL-CONTENTS, but the vector length is {size}.",
                    items.len()
                );
                return it.simple_error(msg);
            }
            items
        }
        None => {
            let init = args::kw(&kws, "INITIAL-ELEMENT").unwrap_or_else(|| default_element(kind));
            args::filled(it, size, init, "MAKE-ARRAY")?
        }
    };
    let adjustable = args::kw(&kws, "ADJUSTABLE").is_some_and(|v| v.truthy());
    let fill = match args::kw(&kws, "FILL-POINTER") {
        None | Some(Value::Nil) => None,
        Some(Value::Fixnum(n)) if n >= 0 && (n as usize) <= size => Some(n as usize),
        Some(Value::Fixnum(n)) => {
            let msg = format!("Fill pointer {n} is larger than the array size {size}.");
            return it.simple_error(msg);
        }
        Some(_) => Some(size),
    };
    let mut items = items;
    let hidden: Vec<Value> = match fill {
        Some(fp) => items.split_off(fp).into_iter().rev().collect(),
        None => Vec::new(),
    };
    let v = util::build(it, kind, items)?;
    if fill.is_some() || adjustable {
        register(&v, fill.is_some(), adjustable, hidden);
    }
    Ok(v)
}

fn vector(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::vector(a.to_vec()))
}

fn not_array<T>(it: &mut Interp, v: &Value) -> LResult<T> {
    args::type_err(it, v, "ARRAY")
}

fn aref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if !matches!(a[0], Value::Vector(_) | Value::String(_) | Value::Bytes(_)) {
        return not_array(it, &a[0]);
    }
    if a.len() != 2 {
        let msg = format!(
            "Wrong number of subscripts, {}, for array of rank 1.",
            a.len() - 1
        );
        return it.simple_error(msg);
    }
    // Elements past the fill pointer are still accessible with aref.
    if let Value::Fixnum(i) = a[1] {
        let len = active_len(&a[0]);
        if i >= 0 && (i as usize) >= len {
            let beyond = i as usize - len;
            let hidden = with_extra(&a[0], |e| {
                e.and_then(|e| {
                    let n = e.hidden.len();
                    (beyond < n).then(|| e.hidden[n - 1 - beyond].clone())
                })
            });
            if let Some(x) = hidden {
                return Ok(x);
            }
            let total = total_size(&a[0]);
            return index_error(it, &a[0], &a[1], total);
        }
    }
    util::elt(it, &a[0], &a[1])
}

fn svref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if !matches!(a[0], Value::Vector(_)) || !is_simple(&a[0]) {
        return args::type_err(it, &a[0], "SIMPLE-VECTOR");
    }
    util::elt(it, &a[0], &a[1])
}

fn vectorp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(
        a[0],
        Value::Vector(_) | Value::String(_) | Value::Bytes(_)
    )))
}

fn simple_vector_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        matches!(a[0], Value::Vector(_)) && is_simple(&a[0]),
    ))
}

fn check_array(it: &mut Interp, v: &Value) -> LResult<()> {
    if matches!(v, Value::Vector(_) | Value::String(_) | Value::Bytes(_)) {
        Ok(())
    } else {
        not_array(it, v)
    }
}

fn array_dimension(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    match a[1] {
        Value::Fixnum(0) => Ok(Value::Fixnum(total_size(&a[0]) as i64)),
        _ => {
            let msg = format!(
                "Vector axis is not zero: {}",
                crate::printer::prin1_to_string(&a[1])
            );
            it.simple_error(msg)
        }
    }
}

fn array_dimensions(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::list([Value::Fixnum(total_size(&a[0]) as i64)]))
}

fn array_total_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::Fixnum(total_size(&a[0]) as i64))
}

fn array_rank(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::Fixnum(1))
}

fn array_element_type(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(match &a[0] {
        Value::Vector(_) => crate::eval::package::t(),
        Value::String(_) => cl("CHARACTER"),
        Value::Bytes(_) => Value::list([cl("UNSIGNED-BYTE"), Value::Fixnum(8)]),
        other => return not_array(it, other),
    })
}

fn has_fill_pointer_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::bool(has_fill_pointer(&a[0])))
}

fn adjustable_array_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::bool(with_extra(&a[0], |e| {
        e.is_some_and(|e| e.adjustable)
    })))
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

fn set_fill_pointer(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    need_fill_pointer(it, &a[0])?;
    let v = &a[0];
    let total = total_size(v);
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
    let fp = active_len(v);
    push_raw(it, v, a[0].clone())?;
    with_extra(v, |e| e.and_then(|e| e.hidden.pop()));
    Ok(Value::Fixnum(fp as i64))
}

fn vector_pop(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let v = &a[0];
    need_fill_pointer(it, v)?;
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

/// `adjust-array` on vectors: new size, keeping the elements that fit
/// (the object is modified, so it stays `eq`).
fn adjust_array(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let v = &a[0];
    check_array(it, v)?;
    let size = match &a[1] {
        n @ Value::Fixnum(_) => args::dimension(it, n)?,
        d @ Value::Cons(_) => match d.car() {
            n @ Value::Fixnum(_) => args::dimension(it, &n)?,
            other => return args::type_err(it, &other, "(INTEGER 0)"),
        },
        other => return args::type_err(it, other, "(INTEGER 0)"),
    };
    let kws = args::keywords(
        it,
        &a[2..],
        &[
            "ELEMENT-TYPE",
            "INITIAL-ELEMENT",
            "INITIAL-CONTENTS",
            "FILL-POINTER",
        ],
        "ADJUST-ARRAY",
    )?;
    let kind = util::kind_of(it, v)?;
    let mut all = util::elements(it, v)?;
    let hidden = with_extra(v, |e| e.map(|e| e.hidden.clone()).unwrap_or_default());
    all.extend(hidden.into_iter().rev());
    if let Some(c) = args::kw(&kws, "INITIAL-CONTENTS") {
        all = util::elements(it, &c)?;
    }
    let init = args::kw(&kws, "INITIAL-ELEMENT").unwrap_or_else(|| default_element(kind));
    if size > all.len() && all.try_reserve_exact(size - all.len()).is_err() {
        return args::heap_exhausted(it, "ADJUST-ARRAY", size, std::mem::size_of::<Value>());
    }
    all.resize(size, init);
    let had_fill = has_fill_pointer(v);
    let fill = match args::kw(&kws, "FILL-POINTER") {
        Some(Value::Fixnum(n)) if n >= 0 => Some((n as usize).min(size)),
        Some(Value::Nil) | None if had_fill => Some(active_len(v).min(size)),
        Some(Value::Nil) | None => None,
        Some(_) => Some(size),
    };
    let hidden: Vec<Value> = match fill {
        Some(fp) => all.split_off(fp).into_iter().rev().collect(),
        None => Vec::new(),
    };
    util::store(it, v, all)?;
    register(v, fill.is_some(), true, hidden);
    Ok(v.clone())
}

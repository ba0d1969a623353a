//! Arrays of any rank (CLHS 15): `make-array`, `aref`, row-major access,
//! displacement and `adjust-array`, over every array representation
//! (simple vectors, strings and octet vectors, and `eval::array::Array`).

use std::rc::Rc;

use super::arrays::{active_len, hidden_get, hidden_set, register, with_extra};
use super::util::{self, index_error, type_error_msg};
use crate::builtins::{args, BuiltinDef, MANY};
use crate::def;
use crate::eval::array::{Array, Elem, Storage};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::printer::prin1_to_string;

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("MAKE-ARRAY", "(dimensions &key element-type initial-element initial-contents adjustable fill-pointer displaced-to displaced-index-offset)", 1, MANY, make_array, "Make an array of the given dimensions."),
    def!("AREF", "(array &rest subscripts)", 1, MANY, aref, "Element of ARRAY at the subscripts."),
    def!("SENDLETTER" : "%SET-AREF", "(new-value array &rest subscripts)", 2, MANY, set_aref, "(setf aref), (setf bit), (setf sbit)."),
    def!("ROW-MAJOR-AREF", "(array index)", 2, 2, row_major_aref, "Element INDEX of ARRAY in row-major order."),
    def!("SENDLETTER" : "%SET-ROW-MAJOR-AREF", "(array index new-value)", 3, 3, set_row_major_aref, "(setf row-major-aref)."),
    def!("ARRAY-ROW-MAJOR-INDEX", "(array &rest subscripts)", 1, MANY, array_row_major_index, "The row-major index of the element at the subscripts."),
    def!("ARRAY-IN-BOUNDS-P", "(array &rest subscripts)", 1, MANY, array_in_bounds_p, "True if the subscripts are within ARRAY's dimensions."),
    def!("ARRAY-DISPLACEMENT", "(array)", 1, 1, array_displacement, "The array ARRAY is displaced to and the offset, or NIL and 0."),
    def!("ARRAY-DIMENSION", "(array axis)", 2, 2, array_dimension, "The size of ARRAY along AXIS."),
    def!("ARRAY-DIMENSIONS", "(array)", 1, 1, array_dimensions, "The list of ARRAY's dimensions."),
    def!("ARRAY-TOTAL-SIZE", "(array)", 1, 1, array_total_size, "The number of elements ARRAY can hold."),
    def!("ARRAY-RANK", "(array)", 1, 1, array_rank, "The number of dimensions of ARRAY."),
    def!("ARRAY-ELEMENT-TYPE", "(array)", 1, 1, array_element_type, "The upgraded element type of ARRAY."),
    def!("UPGRADED-ARRAY-ELEMENT-TYPE", "(typespec &optional environment)", 1, 2, upgraded_array_element_type, "The element type of the most specialised array that can hold TYPESPEC."),
    def!("ADJUST-ARRAY", "(array new-dimensions &key element-type initial-element initial-contents fill-pointer displaced-to displaced-index-offset)", 2, MANY, adjust_array, "Change the dimensions or contents of ARRAY."),
];

/// How many displacements an access follows (a guard: `adjust-array`
/// refuses to make a cycle, so real chains are short).
const MAX_CHAIN: usize = 4096;

/// Is `v` an array of any kind?
pub fn is_array(v: &Value) -> bool {
    matches!(
        v,
        Value::Vector(_) | Value::String(_) | Value::Bytes(_) | Value::Array(_)
    )
}

/// The upgraded element type of an array.
pub fn elem_of(v: &Value) -> Elem {
    match v {
        Value::String(_) => Elem::Char,
        Value::Bytes(_) => Elem::Unsigned(8),
        Value::Array(a) => a.elem,
        _ => Elem::T,
    }
}

/// All elements an array can hold (past a fill pointer too).
pub fn total_size(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.total_size(),
        _ => active_len(v) + with_extra(v, |e| e.map_or(0, |e| e.hidden.len())),
    }
}

/// The dimensions of an array.
pub fn dims_of(v: &Value) -> Vec<usize> {
    match v {
        Value::Array(a) => a.dims.borrow().clone(),
        _ => vec![total_size(v)],
    }
}

/// The active elements of a vector that is an `Array` (`None` for other
/// values and for arrays of another rank).
pub fn vector_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) if a.rank() == 1 => {
            Some((0..a.length()).filter_map(|i| rm_get(v, i)).collect())
        }
        _ => None,
    }
}

/// The text of a string of any representation.
pub fn string_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.borrow().clone()),
        Value::Array(a) if a.is_string() => vector_items(v).map(|items| {
            items
                .iter()
                .filter_map(|c| match c {
                    Value::Char(c) => Some(*c),
                    _ => None,
                })
                .collect()
        }),
        _ => None,
    }
}

/// Follow displacements to the object that stores element `i`.
fn resolve(v: &Value, i: usize) -> Option<(Value, usize)> {
    let (mut cur, mut i) = (v.clone(), i);
    for _ in 0..MAX_CHAIN {
        let next = match &cur {
            Value::Array(a) => match &*a.data.borrow() {
                Storage::Displaced { to, offset } if i < a.total_size() => (to.clone(), offset + i),
                Storage::Displaced { .. } => return None,
                Storage::Own(_) => return Some((cur.clone(), i)),
            },
            _ => return Some((cur, i)),
        };
        (cur, i) = next;
    }
    None
}

/// Element `i` in row-major order (past a fill pointer too).
pub fn rm_get(v: &Value, i: usize) -> Option<Value> {
    let (store, i) = resolve(v, i)?;
    match &store {
        Value::Array(a) => match &*a.data.borrow() {
            Storage::Own(items) => items.get(i).cloned(),
            Storage::Displaced { .. } => None,
        },
        Value::Vector(x) => {
            let got = x.borrow().get(i).cloned();
            got.or_else(|| hidden_get(&store, i - x.borrow().len()))
        }
        Value::String(s) => {
            let s2 = s.borrow();
            let got = if s2.is_ascii() {
                s2.as_bytes().get(i).map(|b| *b as char)
            } else {
                s2.chars().nth(i)
            };
            match got {
                Some(c) => Some(Value::Char(c)),
                None => {
                    let n = s2.chars().count();
                    drop(s2);
                    hidden_get(&store, i - n)
                }
            }
        }
        Value::Bytes(b) => {
            let got = b.borrow().get(i).map(|x| Value::Fixnum(*x as i64));
            got.or_else(|| hidden_get(&store, i - b.borrow().len()))
        }
        _ => None,
    }
}

/// Signal the type error for an element an array cannot hold.
fn bad_element<T>(it: &mut Interp, x: &Value, elem: Elem) -> LResult<T> {
    let ty = elem.text();
    let msg = format!(
        "The value\n  {}\nis not of type\n  {ty}",
        prin1_to_string(x)
    );
    type_error_msg(it, x, &ty, &msg)
}

/// Store `x` as element `i` in row-major order; false when `i` is out of
/// range.
pub fn rm_set(it: &mut Interp, v: &Value, i: usize, x: Value) -> LResult<bool> {
    let elem = elem_of(v);
    if !elem.accepts(&x) {
        return bad_element(it, &x, elem);
    }
    let Some((store, i)) = resolve(v, i) else {
        return Ok(false);
    };
    if let Value::Array(a) = &store {
        if let Storage::Own(items) = &mut *a.data.borrow_mut() {
            if let Some(slot) = items.get_mut(i) {
                *slot = x;
                return Ok(true);
            }
        }
        return Ok(false);
    }
    let len = active_len(&store);
    if i < len {
        util::set_elt(it, &store, &Value::Fixnum(i as i64), x)?;
        return Ok(true);
    }
    Ok(hidden_set(&store, i - len, x))
}

/// Check an element against an array's type before storing it.
pub fn check_element(it: &mut Interp, elem: Elem, x: &Value) -> LResult<()> {
    if elem.accepts(x) {
        Ok(())
    } else {
        bad_element(it, x, elem)
    }
}

/// The type SBCL names for an array in index errors.
pub fn array_type_text(v: &Value) -> String {
    let Value::Array(a) = v else {
        return util::array_type_text(v, total_size(v));
    };
    let dims = a.dims.borrow();
    let elem = a.elem.text();
    if a.rank() == 1 && !a.is_simple() {
        return format!("(VECTOR {elem} {})", dims[0]);
    }
    let list = dims
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    let head = if a.is_simple() {
        "SIMPLE-ARRAY"
    } else {
        "ARRAY"
    };
    format!("({head} {elem} ({list}))")
}

fn not_array<T>(it: &mut Interp, v: &Value) -> LResult<T> {
    args::type_err(it, v, "ARRAY")
}

fn check_array(it: &mut Interp, v: &Value) -> LResult<()> {
    if is_array(v) {
        Ok(())
    } else {
        not_array(it, v)
    }
}

/// The row-major index of `subs` in `v`, with SBCL's errors.
fn row_major(it: &mut Interp, v: &Value, subs: &[Value]) -> LResult<usize> {
    check_array(it, v)?;
    let dims = dims_of(v);
    if subs.len() != dims.len() {
        let msg = format!(
            "Wrong number of subscripts, {}, for array of rank {}.",
            subs.len(),
            dims.len()
        );
        return it.simple_error(msg);
    }
    let mut index = 0usize;
    for (s, &d) in subs.iter().zip(dims.iter()) {
        let i = match s {
            Value::Fixnum(n) if *n >= 0 && (*n as usize) < d => *n as usize,
            Value::Fixnum(_) | Value::Bignum(_) if dims.len() == 1 => {
                return index_error(it, v, s, d)
            }
            Value::Fixnum(_) | Value::Bignum(_) => {
                let msg = format!(
                    "Invalid index {} for {}, should be a non-negative integer below {d}.",
                    prin1_to_string(s),
                    array_type_text(v)
                );
                let expected = format!("(INTEGER 0 ({d}))");
                return type_error_msg(it, s, &expected, &msg);
            }
            other => return args::type_err(it, other, "(INTEGER 0 4611686018427387901)"),
        };
        index = index * d + i;
    }
    Ok(index)
}

fn aref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = row_major(it, &a[0], &a[1..])?;
    match rm_get(&a[0], i) {
        Some(x) => Ok(x),
        None => index_error(it, &a[0], &Value::Fixnum(i as i64), total_size(&a[0])),
    }
}

fn set_aref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = row_major(it, &a[1], &a[2..])?;
    if !rm_set(it, &a[1], i, a[0].clone())? {
        return index_error(it, &a[1], &Value::Fixnum(i as i64), total_size(&a[1]));
    }
    Ok(a[0].clone())
}

/// A row-major index argument below the array's total size.
fn total_index(it: &mut Interp, v: &Value, index: &Value) -> LResult<usize> {
    check_array(it, v)?;
    let total = total_size(v);
    match index {
        Value::Fixnum(n) if *n >= 0 && (*n as usize) < total => Ok(*n as usize),
        Value::Fixnum(_) | Value::Bignum(_) => index_error(it, v, index, total),
        other => args::type_err(it, other, "(INTEGER 0 4611686018427387901)"),
    }
}

fn row_major_aref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = total_index(it, &a[0], &a[1])?;
    match rm_get(&a[0], i) {
        Some(x) => Ok(x),
        None => index_error(it, &a[0], &a[1], total_size(&a[0])),
    }
}

fn set_row_major_aref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = total_index(it, &a[0], &a[1])?;
    if !rm_set(it, &a[0], i, a[2].clone())? {
        return index_error(it, &a[0], &a[1], total_size(&a[0]));
    }
    Ok(a[2].clone())
}

fn array_row_major_index(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = row_major(it, &a[0], &a[1..])?;
    Ok(Value::Fixnum(i as i64))
}

fn array_in_bounds_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    let dims = dims_of(&a[0]);
    if a.len() - 1 != dims.len() {
        let msg = format!(
            "Wrong number of subscripts, {}, for array of rank {}.",
            a.len() - 1,
            dims.len()
        );
        return it.simple_error(msg);
    }
    let mut inside = true;
    for (s, &d) in a[1..].iter().zip(dims.iter()) {
        match s {
            Value::Fixnum(n) => inside &= *n >= 0 && (*n as usize) < d,
            Value::Bignum(_) => inside = false,
            other => return args::type_err(it, other, "INTEGER"),
        }
    }
    Ok(Value::bool(inside))
}

fn array_displacement(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    if let Value::Array(arr) = &a[0] {
        if let Storage::Displaced { to, offset } = &*arr.data.borrow() {
            return Ok(it.values(vec![to.clone(), Value::Fixnum(*offset as i64)]));
        }
    }
    Ok(it.values(vec![Value::Nil, Value::Fixnum(0)]))
}

fn array_dimension(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    let dims = dims_of(&a[0]);
    match a[1] {
        Value::Fixnum(n) if n >= 0 && (n as usize) < dims.len() => {
            Ok(Value::Fixnum(dims[n as usize] as i64))
        }
        _ => {
            let msg = format!(
                "Axis number {} is too big; {} only has {} dimension{}.",
                prin1_to_string(&a[1]),
                prin1_to_string(&a[0]),
                dims.len(),
                if dims.len() == 1 { "" } else { "s" }
            );
            it.simple_error(msg)
        }
    }
}

fn array_dimensions(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::list(
        dims_of(&a[0]).into_iter().map(|d| Value::Fixnum(d as i64)),
    ))
}

fn array_total_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::Fixnum(total_size(&a[0]) as i64))
}

fn array_rank(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(Value::Fixnum(dims_of(&a[0]).len() as i64))
}

fn array_element_type(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_array(it, &a[0])?;
    Ok(elem_of(&a[0]).spec())
}

fn upgraded_array_element_type(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Elem::upgrade(&a[0]).spec())
}

/// The dimensions argument of `make-array`/`adjust-array`.
fn dimensions(it: &mut Interp, v: &Value) -> LResult<Vec<usize>> {
    let dims = match v {
        Value::Fixnum(_) | Value::Bignum(_) => vec![args::dimension(it, v)?],
        Value::Nil | Value::Cons(_) => {
            let items = args::list(it, v)?;
            let mut dims = Vec::with_capacity(items.len().min(130));
            for d in &items {
                dims.push(args::dimension(it, d)?);
            }
            dims
        }
        other => return args::type_err(it, other, "(OR (MOD 4611686018427387901) LIST)"),
    };
    if dims.len() >= 129 {
        let msg = format!(
            "The array rank {} is not below ARRAY-RANK-LIMIT (129).",
            dims.len()
        );
        return it.simple_error(msg);
    }
    let total = dims
        .iter()
        .try_fold(1usize, |acc, d| acc.checked_mul(*d))
        .filter(|t| *t < args::ARRAY_DIMENSION_LIMIT as usize);
    if total.is_none() {
        let msg = "The total size of the array is not below ARRAY-TOTAL-SIZE-LIMIT.";
        return it.simple_error(msg);
    }
    Ok(dims)
}

/// `:initial-contents` for an array of `dims`, row-major.
fn flatten(it: &mut Interp, contents: &Value, dims: &[usize], out: &mut Vec<Value>) -> LResult<()> {
    let Some((&first, rest)) = dims.split_first() else {
        out.push(contents.clone());
        return Ok(());
    };
    let items = util::elements(it, contents)?;
    if items.len() != first {
        let msg = format!(
            "malformed :INITIAL-CONTENTS: Dimension of axis {} is {first}, but {} is {} long.",
            0,
            prin1_to_string(contents),
            items.len()
        );
        return it.simple_error(msg);
    }
    for x in &items {
        flatten(it, x, rest, out)?;
    }
    Ok(())
}

/// What `make-array` and `adjust-array` build.
struct Spec {
    elem: Elem,
    dims: Vec<usize>,
    storage: Storage,
    fill: Option<usize>,
    adjustable: bool,
}

/// The fill pointer argument for a vector of `size` elements.
fn fill_arg(it: &mut Interp, v: Option<Value>, rank: usize, size: usize) -> LResult<Option<usize>> {
    let fill = match v {
        None | Some(Value::Nil) => return Ok(None),
        Some(Value::Fixnum(n)) if n >= 0 && (n as usize) <= size => n as usize,
        Some(n @ (Value::Fixnum(_) | Value::Bignum(_))) => {
            let msg = format!(
                "Fill pointer {} is larger than the array size {size}.",
                prin1_to_string(&n)
            );
            return it.simple_error(msg);
        }
        Some(Value::Symbol(s)) if s.name == "T" => size,
        Some(other) => return args::type_err(it, &other, "(OR BOOLEAN (INTEGER 0))"),
    };
    if rank != 1 {
        return it.simple_error("Only vectors can have fill pointers.");
    }
    Ok(Some(fill))
}

/// `:displaced-to` and `:displaced-index-offset`, checked against the
/// element type and size (CLHS MAKE-ARRAY).
fn displacement(
    it: &mut Interp,
    to: &Value,
    offset: Option<Value>,
    elem: Elem,
    total: usize,
) -> LResult<Storage> {
    check_array(it, to)?;
    if elem_of(to) != elem {
        let msg = format!(
            "Can't displace an array of type {} into another of type {}",
            elem.text(),
            elem_of(to).text()
        );
        return it.simple_error(msg);
    }
    let offset = match offset {
        None | Some(Value::Nil) => 0,
        Some(Value::Fixnum(n)) if n >= 0 => n as usize,
        Some(other) => return args::type_err(it, &other, "(MOD 4611686018427387901)"),
    };
    if offset
        .checked_add(total)
        .is_none_or(|end| end > total_size(to))
    {
        return it.simple_error("The :DISPLACED-TO array is too small.");
    }
    Ok(Storage::Displaced {
        to: to.clone(),
        offset,
    })
}

/// The array value for `spec`: a plain vector, string or octet vector
/// when the representation allows, else an `Array`.
fn construct(it: &mut Interp, spec: Spec) -> LResult<Value> {
    let plain =
        spec.dims.len() == 1 && matches!(spec.elem, Elem::T | Elem::Char | Elem::Unsigned(8));
    match spec.storage {
        Storage::Own(mut items) if plain => {
            let kind = match spec.elem {
                Elem::Char => util::Kind::Str,
                Elem::Unsigned(8) => util::Kind::Bytes,
                _ => util::Kind::Vector,
            };
            let hidden: Vec<Value> = match spec.fill {
                Some(fp) => items.split_off(fp).into_iter().rev().collect(),
                None => Vec::new(),
            };
            let v = util::build(it, kind, items)?;
            if spec.fill.is_some() || spec.adjustable {
                register(&v, spec.fill.is_some(), spec.adjustable, hidden);
            }
            Ok(v)
        }
        storage => Ok(Value::Array(Rc::new(Array {
            elem: spec.elem,
            dims: std::cell::RefCell::new(spec.dims),
            data: std::cell::RefCell::new(storage),
            fill: std::cell::Cell::new(spec.fill),
            adjustable: std::cell::Cell::new(spec.adjustable),
        }))),
    }
}

const MAKE_KEYS: &[&str] = &[
    "ELEMENT-TYPE",
    "INITIAL-ELEMENT",
    "INITIAL-CONTENTS",
    "ADJUSTABLE",
    "FILL-POINTER",
    "DISPLACED-TO",
    "DISPLACED-INDEX-OFFSET",
];

fn make_array(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let dims = dimensions(it, &a[0])?;
    let kws = args::keywords(it, &a[1..], MAKE_KEYS, "MAKE-ARRAY")?;
    let elem = match args::kw(&kws, "ELEMENT-TYPE") {
        Some(t) => Elem::upgrade(&t),
        None => Elem::T,
    };
    let total: usize = dims.iter().product();
    let init = args::kw(&kws, "INITIAL-ELEMENT");
    let contents = args::kw(&kws, "INITIAL-CONTENTS");
    if init.is_some() && contents.is_some() {
        return it
            .simple_error("MAKE-ARRAY: :INITIAL-ELEMENT and :INITIAL-CONTENTS are both given.");
    }
    let fill = fill_arg(it, args::kw(&kws, "FILL-POINTER"), dims.len(), total)?;
    let adjustable = args::kw(&kws, "ADJUSTABLE").is_some_and(|v| v.truthy());
    let storage = match args::kw(&kws, "DISPLACED-TO").filter(|v| v.truthy()) {
        Some(to) => {
            if init.is_some() || contents.is_some() {
                return it.simple_error(
                    "MAKE-ARRAY: a displaced array takes no :INITIAL-ELEMENT or :INITIAL-CONTENTS.",
                );
            }
            let offset = args::kw(&kws, "DISPLACED-INDEX-OFFSET");
            displacement(it, &to, offset, elem, total)?
        }
        None => Storage::Own(initial_items(
            it,
            elem,
            &dims,
            init,
            contents,
            "MAKE-ARRAY",
        )?),
    };
    construct(
        it,
        Spec {
            elem,
            dims,
            storage,
            fill,
            adjustable,
        },
    )
}

/// The elements of a fresh array from `:initial-element` or
/// `:initial-contents`, checked against the element type.
fn initial_items(
    it: &mut Interp,
    elem: Elem,
    dims: &[usize],
    init: Option<Value>,
    contents: Option<Value>,
    op: &str,
) -> LResult<Vec<Value>> {
    let total: usize = dims.iter().product();
    let items = match contents {
        Some(c) => {
            let mut out = args::reserve(it, total, op)?;
            flatten(it, &c, dims, &mut out)?;
            out
        }
        // An array of the empty type holds no element: its slots are
        // placeholders no access can read (SBCL makes such arrays).
        None if init.is_none() && elem == Elem::Nil => {
            return args::filled(it, total, Value::Nil, op);
        }
        None => {
            let x = init.unwrap_or_else(|| elem.default_value());
            if total > 0 || elem != Elem::Nil {
                check_element(it, elem, &x)
                    .or_else(|e| if total == 0 { Ok(()) } else { Err(e) })?;
            }
            args::filled(it, total, x, op)?
        }
    };
    for x in &items {
        check_element(it, elem, x)?;
    }
    Ok(items)
}

/// The elements of `v` in row-major order.
fn all_items(v: &Value) -> Vec<Value> {
    (0..total_size(v)).filter_map(|i| rm_get(v, i)).collect()
}

/// Does displacing to `to` reach `v` (a cycle)?
fn reaches(to: &Value, v: &Value) -> bool {
    let mut cur = to.clone();
    for _ in 0..MAX_CHAIN {
        if cur.eq(v) {
            return true;
        }
        let next = match &cur {
            Value::Array(a) => match &*a.data.borrow() {
                Storage::Displaced { to, .. } => to.clone(),
                Storage::Own(_) => return false,
            },
            _ => return false,
        };
        cur = next;
    }
    true
}

fn adjustable(v: &Value) -> bool {
    match v {
        Value::Array(a) => a.adjustable.get(),
        _ => with_extra(v, |e| e.is_some_and(|e| e.adjustable)),
    }
}

fn adjust_array(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let v = &a[0];
    check_array(it, v)?;
    let dims = dimensions(it, &a[1])?;
    let old_dims = dims_of(v);
    if dims.len() != old_dims.len() {
        let msg = format!(
            "The number of dimensions not equal to rank of array: {} /= {}",
            dims.len(),
            old_dims.len()
        );
        return it.simple_error(msg);
    }
    let kws = args::keywords(it, &a[2..], MAKE_KEYS, "ADJUST-ARRAY")?;
    let elem = elem_of(v);
    if let Some(t) = args::kw(&kws, "ELEMENT-TYPE") {
        if Elem::upgrade(&t) != elem {
            let msg = format!(
                "ADJUST-ARRAY: the new element type {} is not the array's {}.",
                prin1_to_string(&t),
                elem.text()
            );
            return it.simple_error(msg);
        }
    }
    let total: usize = dims.iter().product();
    let old_fill = match v {
        Value::Array(arr) => arr.fill.get(),
        _ if super::arrays::has_fill_pointer(v) => Some(active_len(v)),
        _ => None,
    };
    let fill = match args::kw(&kws, "FILL-POINTER") {
        None => old_fill,
        Some(f) => {
            if old_fill.is_none() && f.truthy() {
                let msg = format!(
                    "ADJUST-ARRAY: {} has no fill pointer to set.",
                    prin1_to_string(v)
                );
                return it.simple_error(msg);
            }
            fill_arg(it, Some(f), dims.len(), total)?.or(old_fill)
        }
    };
    if let Some(fp) = fill {
        if fp > total {
            let msg = format!("Fill pointer {fp} is larger than the array size {total}.");
            return it.simple_error(msg);
        }
    }
    let storage = match args::kw(&kws, "DISPLACED-TO").filter(|x| x.truthy()) {
        Some(to) => {
            if reaches(&to, v) {
                return it.simple_error("ADJUST-ARRAY: cannot displace an array to itself.");
            }
            let offset = args::kw(&kws, "DISPLACED-INDEX-OFFSET");
            displacement(it, &to, offset, elem, total)?
        }
        None => {
            let contents = args::kw(&kws, "INITIAL-CONTENTS");
            let init = args::kw(&kws, "INITIAL-ELEMENT");
            if contents.is_some() {
                Storage::Own(initial_items(
                    it,
                    elem,
                    &dims,
                    None,
                    contents,
                    "ADJUST-ARRAY",
                )?)
            } else {
                let mut items = initial_items(it, elem, &dims, init, None, "ADJUST-ARRAY")?;
                copy_overlap(v, &old_dims, &dims, &mut items);
                Storage::Own(items)
            }
        }
    };
    let spec = Spec {
        elem,
        dims,
        storage,
        fill,
        adjustable: adjustable(v),
    };
    if !adjustable(v) {
        return construct(it, spec);
    }
    match v {
        Value::Array(arr) => {
            *arr.dims.borrow_mut() = spec.dims;
            *arr.data.borrow_mut() = spec.storage;
            arr.fill.set(spec.fill);
            Ok(v.clone())
        }
        _ => match spec.storage {
            Storage::Own(mut items) => {
                let hidden: Vec<Value> = match spec.fill {
                    Some(fp) => items.split_off(fp).into_iter().rev().collect(),
                    None => Vec::new(),
                };
                util::store(it, v, items)?;
                register(v, spec.fill.is_some(), true, hidden);
                Ok(v.clone())
            }
            Storage::Displaced { .. } => it.simple_error(
                "ADJUST-ARRAY: displacing an adjustable simple vector or string is not supported by sendletter",
            ),
        },
    }
}

/// Copy the elements at the subscripts both shapes share (CLHS
/// ADJUST-ARRAY: elements keep their subscripts).
fn copy_overlap(v: &Value, old: &[usize], new: &[usize], items: &mut [Value]) {
    let old_items = all_items(v);
    if old.iter().chain(new.iter()).any(|d| *d == 0) {
        return;
    }
    let rank = new.len();
    let mut idx = vec![0usize; rank];
    for slot in items.iter_mut() {
        if idx.iter().zip(old.iter()).all(|(i, d)| i < d) {
            let at = idx
                .iter()
                .zip(old.iter())
                .fold(0, |acc, (i, d)| acc * d + i);
            if let Some(x) = old_items.get(at) {
                *slot = x.clone();
            }
        }
        for k in (0..rank).rev() {
            idx[k] += 1;
            if idx[k] < new[k] {
                break;
            }
            idx[k] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::toplevel::{load_source, new_interp};

    fn run(src: &str) -> String {
        let mut it = new_interp();
        match load_source(&mut it, src, None) {
            Ok(v) => crate::printer::prin1_to_string(&v),
            Err(_) => "error".to_string(),
        }
    }

    #[test]
    fn displacing_an_array_to_itself_is_an_error_not_a_loop() {
        let src = "(let ((a (make-array 3 :adjustable t :element-type 'bit)))
                     (handler-case (progn (adjust-array a 3 :displaced-to a) :made)
                       (error () :refused)))";
        assert_eq!(run(src), ":REFUSED");
        let chain = "(let* ((a (make-array 4 :adjustable t :element-type 'bit))
                            (b (make-array 4 :displaced-to a :element-type 'bit)))
                       (handler-case (progn (adjust-array a 4 :displaced-to b) :made)
                         (error () :refused)))";
        assert_eq!(run(chain), ":REFUSED");
    }

    #[test]
    fn an_empty_array_with_billions_of_rows_prints_unreadably() {
        let out = run("(make-array '(3000000000 0 5))");
        assert_eq!(out, "#<(SIMPLE-ARRAY T (3000000000 0 5))>");
        assert_eq!(run("(make-array '(2 0 3))"), "#3A(() ())");
    }
}

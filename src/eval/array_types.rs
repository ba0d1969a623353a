//! Array type specifiers as sets (CLHS 15.1.2, 4.2.3) for `subtypep`:
//! simpleness, the upgraded element types allowed and the dimensions.
//! Arrays whose upgraded element types differ are disjoint (CLHS
//! 15.1.2.1), so two array types compare component by component.

use super::array::Elem;
use super::value::Value;

/// One array type: `(simple-array e dims)` or `(array e dims)`, with a
/// union of element types. Base characters upgrade to CHARACTER here
/// (docs/lisp-differences.md), so `string` and `base-string` are both
/// `(vector character)`: SBCL's STRING also holds its base strings.
#[derive(Clone, Debug)]
pub struct ArrayType {
    pub simple: bool,
    /// `None`: any element type (`*`).
    pub elems: Option<Vec<Elem>>,
    /// `None`: any rank; otherwise each dimension, `None` for `*`.
    pub dims: Option<Vec<Option<usize>>>,
}

/// The rank limit (ARRAY-RANK-LIMIT): a type of higher rank is empty,
/// which this module does not reason about.
const RANK_LIMIT: usize = 129;

fn is_star(v: &Value) -> bool {
    matches!(v, Value::Symbol(s) if s.name == "*")
}

/// Is the upgraded element type of `spec` known for certain? Upgrading
/// turns specifiers it cannot analyse (a `deftype` name, `satisfies`)
/// into T, which would be a guess.
fn trusted_upgrade(spec: &Value, elem: Elem) -> bool {
    if elem != Elem::T {
        return true;
    }
    match spec {
        Value::Symbol(s) => {
            s.name == "T" || super::subtypes::standard_name(&s.name) || s.name == "UNSIGNED-BYTE"
        }
        _ => super::subtypes::is_numeric_spec(spec),
    }
}

/// The element type union of an element type specifier.
fn elems_of(spec: Option<&Value>) -> Option<Option<Vec<Elem>>> {
    match spec {
        None => Some(None),
        Some(v) if is_star(v) => Some(None),
        Some(v) => {
            let e = Elem::upgrade(v);
            trusted_upgrade(v, e).then(|| Some(vec![e]))
        }
    }
}

/// Dimensions: `*`, a rank, or a list of sizes and `*`s.
fn dims_of(spec: Option<&Value>) -> Option<Option<Vec<Option<usize>>>> {
    let size = |v: &Value| -> Option<Option<usize>> {
        match v {
            _ if is_star(v) => Some(None),
            Value::Fixnum(n) if *n >= 0 => Some(Some(*n as usize)),
            _ => None,
        }
    };
    match spec {
        None => Some(None),
        Some(v) if is_star(v) => Some(None),
        Some(Value::Fixnum(n)) if *n >= 0 && (*n as usize) < RANK_LIMIT => {
            Some(Some(vec![None; *n as usize]))
        }
        Some(list @ (Value::Nil | Value::Cons(_))) => {
            let items = list.list_to_vec()?;
            if items.len() >= RANK_LIMIT {
                return None;
            }
            let dims: Option<Vec<Option<usize>>> = items.iter().map(size).collect();
            Some(Some(dims?))
        }
        _ => None,
    }
}

/// A vector's single dimension from an optional size argument.
fn vector_dims(size: Option<&Value>) -> Option<Option<Vec<Option<usize>>>> {
    match size {
        None => Some(Some(vec![None])),
        Some(v) if is_star(v) => Some(Some(vec![None])),
        Some(Value::Fixnum(n)) if *n >= 0 => Some(Some(vec![Some(*n as usize)])),
        _ => None,
    }
}

/// `spec` as an array type, when it is one this module understands.
pub fn parse(spec: &Value) -> Option<ArrayType> {
    let (name, args): (String, Vec<Value>) = match spec {
        Value::Symbol(s) => (s.name.clone(), Vec::new()),
        Value::Cons(_) => (
            spec.car().as_symbol()?.name.clone(),
            spec.cdr().list_to_vec()?,
        ),
        _ => return None,
    };
    let simple = name.starts_with("SIMPLE-");
    let chars = || Some(vec![Elem::Char]);
    let (elems, dims) = match name.as_str() {
        "ARRAY" | "SIMPLE-ARRAY" if args.len() <= 2 => {
            (elems_of(args.first())?, dims_of(args.get(1))?)
        }
        "VECTOR" if args.len() <= 2 => (elems_of(args.first())?, vector_dims(args.get(1))?),
        "SIMPLE-VECTOR" if args.len() <= 1 => (Some(vec![Elem::T]), vector_dims(args.first())?),
        "STRING" | "SIMPLE-STRING" | "BASE-STRING" | "SIMPLE-BASE-STRING" if args.len() <= 1 => {
            (chars(), vector_dims(args.first())?)
        }
        "BIT-VECTOR" | "SIMPLE-BIT-VECTOR" if args.len() <= 1 => {
            (Some(vec![Elem::Bit]), vector_dims(args.first())?)
        }
        _ => return None,
    };
    Some(ArrayType {
        simple,
        elems,
        dims,
    })
}

/// `a ⊆ b`, certain either way: every array type here holds some array
/// (an adjustable one when not simple), so anything `a` allows that `b`
/// does not is an array in `a` outside `b`.
pub fn subtype(a: &ArrayType, b: &ArrayType) -> bool {
    if b.simple && !a.simple {
        return false;
    }
    let dims_ok = match (&a.dims, &b.dims) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(x), Some(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| q.is_none() || p == q)
        }
    };
    let elems_ok = match (&a.elems, &b.elems) {
        (_, None) => true,
        (None, Some(_)) => false,
        (Some(x), Some(y)) => x.iter().all(|e| y.contains(e)),
    };
    dims_ok && elems_ok
}

/// Is every array of `a` one-dimensional (a sequence)? `None` when some
/// are and some are not.
pub fn one_dimensional(a: &ArrayType) -> Option<bool> {
    a.dims.as_ref().map(|d| d.len() == 1)
}

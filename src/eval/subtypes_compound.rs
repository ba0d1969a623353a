//! `subtypep` on the compound type specifiers with parts: array types
//! (CLHS 15.1.2), `(cons car cdr)` (CLHS 4.4 CONS) and `(complex part)`
//! (CLHS 12.1.5.3). Each answer is certain or `None`; a "certainly not"
//! needs an object that proves it, so the types involved must be known
//! to hold something.

use super::array_types::{self, ArrayType};
use super::interp::Interp;
use super::subtypes::{is_numeric_spec, numeric_is_empty, standard_name};
use super::value::Value;
use super::LResult;

fn name_of(v: &Value) -> Option<String> {
    match v {
        Value::Nil => Some("NIL".to_string()),
        Value::Symbol(s) => Some(s.name.clone()),
        _ => None,
    }
}

fn head_of(v: &Value) -> Option<String> {
    match v {
        Value::Cons(_) => v.car().as_symbol().map(|s| s.name.clone()),
        _ => None,
    }
}

fn is_star(v: &Value) -> bool {
    matches!(v, Value::Symbol(s) if s.name == "*")
}

/// The car and cdr types of `(cons a d)`, `*` read as T.
fn cons_parts(v: &Value) -> Option<(Value, Value)> {
    if head_of(v).as_deref() != Some("CONS") {
        return None;
    }
    let args = v.cdr().list_to_vec()?;
    if args.len() > 2 {
        return None;
    }
    let part = |x: Option<&Value>| match x {
        None => super::package::t(),
        Some(x) if is_star(x) => super::package::t(),
        Some(x) => x.clone(),
    };
    Some((part(args.first()), part(args.get(1))))
}

/// The part type of `complex`, `(complex)`, `(complex *)` (`None`: any
/// real) or `(complex part)`.
fn complex_part(v: &Value) -> Option<Option<Value>> {
    if name_of(v).as_deref() == Some("COMPLEX") {
        return Some(None);
    }
    if head_of(v).as_deref() != Some("COMPLEX") {
        return None;
    }
    let args = v.cdr().list_to_vec()?;
    match args.as_slice() {
        [] => Some(None),
        [x] if is_star(x) => Some(None),
        [x] => Some(Some(x.clone())),
        _ => None,
    }
}

/// Certainly empty: NIL, an empty numeric range, a cons or complex of
/// an empty part.
fn surely_empty(v: &Value) -> bool {
    if v.is_nil() || numeric_is_empty(v) {
        return true;
    }
    if let Some((a, d)) = cons_parts(v) {
        return surely_empty(&a) || surely_empty(&d);
    }
    matches!(complex_part(v), Some(Some(p)) if surely_empty(&p))
}

/// Certainly holds an object: T, `*`, a standard type name other than
/// NIL, a non-empty numeric range, an array type, a cons of such parts.
fn surely_inhabited(v: &Value) -> bool {
    if is_star(v) {
        return true;
    }
    if let Some(n) = name_of(v) {
        if n == "NIL" {
            return false;
        }
        if n == "T" || standard_name(&n) {
            return true;
        }
    }
    if is_numeric_spec(v) {
        return !numeric_is_empty(v);
    }
    if array_types::parse(v).is_some() {
        return true;
    }
    if let Some((a, d)) = cons_parts(v) {
        return surely_inhabited(&a) && surely_inhabited(&d);
    }
    if let Some(part) = complex_part(v) {
        // A complex needs a part other than zero (CLHS 12.1.5.3): a
        // range of several reals holds one.
        return match part {
            None => true,
            Some(p) => {
                matches!(
                    name_of(&p).as_deref(),
                    Some(
                        "REAL"
                            | "FLOAT"
                            | "SINGLE-FLOAT"
                            | "DOUBLE-FLOAT"
                            | "SHORT-FLOAT"
                            | "LONG-FLOAT"
                            | "INTEGER"
                            | "RATIONAL"
                            | "RATIO"
                            | "FIXNUM"
                            | "BIGNUM"
                            | "BIT"
                    )
                )
            }
        };
    }
    matches!(head_of(v).as_deref(), Some("MEMBER" | "EQL")) && !v.cdr().is_nil()
}

/// The disjoint family of a compound specifier with parts, for
/// "certainly not" answers against other families.
pub fn compound_family(v: &Value) -> Option<&'static str> {
    if array_types::parse(v).is_some() {
        Some("ARRAY")
    } else if cons_parts(v).is_some() {
        Some("CONS")
    } else if complex_part(v).is_some() {
        Some("NUMBER")
    } else {
        None
    }
}

impl Interp {
    /// `a ⊆ b` where either side is an array, cons or complex type with
    /// parts: `Some(answer)` when this decides (the answer itself may
    /// be uncertain), `None` to leave it to the general rules.
    pub(crate) fn subtypep_compound(
        &mut self,
        a: &Value,
        b: &Value,
    ) -> LResult<Option<Option<bool>>> {
        if let Some(r) = arrays(a, b) {
            return Ok(Some(r));
        }
        if let Some(r) = self.conses(a, b)? {
            return Ok(Some(r));
        }
        self.complexes(a, b)
    }

    fn conses(&mut self, a: &Value, b: &Value) -> LResult<Option<Option<bool>>> {
        let (pa, pb) = (cons_parts(a), cons_parts(b));
        if pa.is_none() && pb.is_none() {
            return Ok(None);
        }
        if surely_empty(a) {
            return Ok(Some(Some(true)));
        }
        let nb = name_of(b);
        match (pa, pb) {
            (Some((x1, y1)), Some((x2, y2))) => {
                let rx = self.subtypep(&x1, &x2)?;
                let ry = self.subtypep(&y1, &y2)?;
                Ok(Some(match (rx, ry) {
                    (Some(true), Some(true)) => Some(true),
                    (Some(false), _) if surely_inhabited(&y1) => Some(false),
                    (_, Some(false)) if surely_inhabited(&x1) => Some(false),
                    _ => None,
                }))
            }
            (Some(_), None) => {
                if matches!(nb.as_deref(), Some("CONS" | "LIST" | "SEQUENCE")) {
                    return Ok(Some(Some(true)));
                }
                let other_family = nb
                    .as_deref()
                    .is_some_and(|n| n == "ATOM" || standard_name(n))
                    || is_numeric_spec(b)
                    || compound_family(b).is_some_and(|f| f != "CONS");
                Ok(Some((other_family && surely_inhabited(a)).then_some(false)))
            }
            (None, Some((x2, y2))) => {
                if name_of(a).as_deref() == Some("CONS") {
                    let t = super::package::t();
                    let rx = self.subtypep(&t, &x2)?;
                    let ry = self.subtypep(&t, &y2)?;
                    return Ok(Some(match (rx, ry) {
                        (Some(true), Some(true)) => Some(true),
                        (Some(false), _) | (_, Some(false)) => Some(false),
                        _ => None,
                    }));
                }
                // Any other inhabited standard type holds a non-cons.
                let other = name_of(a).is_some_and(|n| standard_name(&n) || n == "ATOM")
                    || is_numeric_spec(a)
                    || compound_family(a).is_some_and(|f| f != "CONS");
                Ok(Some((other && surely_inhabited(a)).then_some(false)))
            }
            (None, None) => Ok(None),
        }
    }

    fn complexes(&mut self, a: &Value, b: &Value) -> LResult<Option<Option<bool>>> {
        let (ca, cb) = (complex_part(a), complex_part(b));
        if ca.is_none() && cb.is_none() {
            return Ok(None);
        }
        if surely_empty(a) {
            return Ok(Some(Some(true)));
        }
        let nb = name_of(b);
        match (ca, cb) {
            (Some(_), None) => {
                if matches!(nb.as_deref(), Some("NUMBER" | "ATOM")) {
                    return Ok(Some(Some(true)));
                }
                let other = nb.as_deref().is_some_and(standard_name)
                    || is_numeric_spec(b)
                    || compound_family(b).is_some_and(|f| f != "NUMBER");
                Ok(Some((other && surely_inhabited(a)).then_some(false)))
            }
            (None, Some(_)) => {
                // NUMBER and the other standard types hold non-complexes.
                let other = name_of(a).is_some_and(|n| standard_name(&n) || n == "ATOM")
                    || is_numeric_spec(a)
                    || compound_family(a).is_some_and(|f| f != "NUMBER");
                if other && surely_inhabited(a) {
                    return Ok(Some(Some(false)));
                }
                Ok(Some(None))
            }
            (Some(pa), Some(pb)) => {
                let Some(pb) = pb else {
                    return Ok(Some(Some(true)));
                };
                let real = super::package::sym_value(super::package::cl_sym("REAL"));
                let pa = pa.unwrap_or(real);
                // SBCL keeps complex part types as given (upgrading is
                // the identity), so parts compare as types.
                match self.subtypep(&pa, &pb)? {
                    Some(true) => Ok(Some(Some(true))),
                    _ if surely_empty(&pb) || !surely_inhabited(a) => Ok(Some(None)),
                    // pb strictly inside pa: a complex with a part in
                    // pa but not pb (and a non-zero part) is outside.
                    _ if self.subtypep(&pb, &pa)? == Some(true) => Ok(Some(Some(false))),
                    _ => Ok(Some(None)),
                }
            }
            (None, None) => Ok(None),
        }
    }
}

fn arrays(a: &Value, b: &Value) -> Option<Option<bool>> {
    let (pa, pb): (Option<ArrayType>, Option<ArrayType>) =
        (array_types::parse(a), array_types::parse(b));
    match (pa, pb) {
        (Some(x), Some(y)) => Some(Some(array_types::subtype(&x, &y))),
        (Some(x), None) => match name_of(b).as_deref() {
            Some("ATOM") => Some(Some(true)),
            Some("SEQUENCE") => Some(Some(x.dims.as_ref().is_some_and(|d| d.len() == 1))),
            Some(n) if standard_name(n) => Some(Some(false)),
            Some(_) => None,
            None => (is_numeric_spec(b) || compound_family(b).is_some_and(|f| f != "ARRAY"))
                .then_some(Some(false)),
        },
        (None, Some(_)) => {
            let other = name_of(a)
                .is_some_and(|n| n != "NIL" && (standard_name(&n) || n == "ATOM"))
                || is_numeric_spec(a) && !numeric_is_empty(a)
                || compound_family(a).is_some_and(|f| f != "ARRAY") && surely_inhabited(a);
            other.then_some(Some(false))
        }
        (None, None) => None,
    }
}

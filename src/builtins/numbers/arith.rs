//! The numeric tower's core (CLHS 12.1): classification, float contagion,
//! the four operations, comparison and the quotient/remainder family.
//! Everything works on `Value`s; fixnum pairs take checked fast paths and
//! overflow into bignums, never silently.

use std::cmp::Ordering;
use std::rc::Rc;

use num_bigint::BigInt;
use num_integer::Integer;
use num_rational::BigRational;
use num_traits::{FromPrimitive, One, Signed, ToPrimitive, Zero};

use crate::builtins::args::type_err;
use crate::eval::package::cl_sym;
use crate::eval::{Interp, LResult, Value};

/// Where a real sits in the contagion order (CLHS 12.1.4.1, 12.1.4.4).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Rank {
    Integer,
    Ratio,
    Single,
    Double,
}

/// A float format: the result type of an operation involving floats.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FloatKind {
    Single,
    Double,
}

pub fn rank(v: &Value) -> Option<Rank> {
    match v {
        Value::Fixnum(_) | Value::Bignum(_) => Some(Rank::Integer),
        Value::Ratio(_) => Some(Rank::Ratio),
        Value::Single(_) => Some(Rank::Single),
        Value::Double(_) => Some(Rank::Double),
        _ => None,
    }
}

pub fn is_number(v: &Value) -> bool {
    rank(v).is_some() || matches!(v, Value::Complex(_))
}

pub fn is_integer(v: &Value) -> bool {
    matches!(v, Value::Fixnum(_) | Value::Bignum(_))
}

pub fn is_float(v: &Value) -> bool {
    matches!(v, Value::Single(_) | Value::Double(_))
}

/// An integer as a bignum.
pub fn to_bigint(v: &Value) -> Option<BigInt> {
    match v {
        Value::Fixnum(n) => Some(BigInt::from(*n)),
        Value::Bignum(b) => Some((**b).clone()),
        _ => None,
    }
}

/// A rational (or, exactly, a finite float) as a ratio.
pub fn to_ratio(v: &Value) -> Option<BigRational> {
    match v {
        Value::Fixnum(n) => Some(BigRational::from_integer(BigInt::from(*n))),
        Value::Bignum(b) => Some(BigRational::from_integer((**b).clone())),
        Value::Ratio(r) => Some((**r).clone()),
        Value::Single(f) => BigRational::from_float(*f),
        Value::Double(d) => BigRational::from_float(*d),
        _ => None,
    }
}

/// Any real as a double (bignums and ratios correctly rounded).
pub fn to_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Fixnum(n) => Some(*n as f64),
        Value::Bignum(b) => Some(b.to_f64().unwrap_or(f64::INFINITY * sign_f(b))),
        Value::Ratio(r) => Some(r.to_f64().unwrap_or(f64::NAN)),
        Value::Single(f) => Some(*f as f64),
        Value::Double(d) => Some(*d),
        _ => None,
    }
}

fn sign_f(b: &BigInt) -> f64 {
    if b.is_negative() {
        -1.0
    } else {
        1.0
    }
}

/// Any real converted to `kind` (as an f64 holding a value of that format).
/// Rationals go to single through double: the double rounding this implies
/// can only matter for ratios whose double lands exactly between two singles.
pub fn to_kind(v: &Value, kind: FloatKind) -> Option<f64> {
    let d = match v {
        Value::Fixnum(n) if kind == FloatKind::Single => return Some(*n as f32 as f64),
        Value::Ratio(_) | Value::Bignum(_) if kind == FloatKind::Single => {
            let d = to_f64(v)?;
            return Some(match to_ratio(v) {
                Some(exact) if d.is_finite() => nearest_single(&exact, d as f32) as f64,
                _ => d as f32 as f64,
            });
        }
        _ => to_f64(v)?,
    };
    Some(match kind {
        FloatKind::Single => d as f32 as f64,
        FloatKind::Double => d,
    })
}

/// The single float nearest the exact rational `exact`, ties to even,
/// given `guess` (its double rounded to single, off by at most one step
/// when the double fell exactly between two singles).
fn nearest_single(exact: &BigRational, guess: f32) -> f32 {
    if !guess.is_finite() {
        return guess;
    }
    let step = |f: f32, up: bool| -> f32 {
        if f == 0.0 {
            let tiny = f32::from_bits(1);
            return if up { tiny } else { -tiny };
        }
        let bits = f.to_bits();
        let away = (f > 0.0) == up;
        f32::from_bits(if away { bits + 1 } else { bits - 1 })
    };
    let mut best = guess;
    let mut best_err: Option<BigRational> = None;
    for c in [step(guess, false), guess, step(guess, true)] {
        let Some(cr) = BigRational::from_float(c) else {
            continue;
        };
        let err = (cr - exact).abs();
        let better = match &best_err {
            None => true,
            Some(e) => err < *e || (err == *e && c.to_bits() % 2 == 0 && best.to_bits() % 2 == 1),
        };
        if better {
            best = c;
            best_err = Some(err);
        }
    }
    best
}

pub fn make_float(x: f64, kind: FloatKind) -> Value {
    match kind {
        FloatKind::Single => Value::Single(x as f32),
        FloatKind::Double => Value::Double(x),
    }
}

/// The float format of a float value; `Single` for rationals.
pub fn float_kind(v: &Value) -> FloatKind {
    match v {
        Value::Double(_) => FloatKind::Double,
        _ => FloatKind::Single,
    }
}

/// The float format for a float operation on `a` and `b` (double wins).
pub fn contagion(a: &Value, b: &Value) -> FloatKind {
    if matches!(a, Value::Double(_)) || matches!(b, Value::Double(_)) {
        FloatKind::Double
    } else {
        FloatKind::Single
    }
}

fn big(n: BigInt) -> Value {
    Value::integer(n)
}

/// Signal `division-by-zero` with SBCL's report text.
pub fn division_by_zero<T>(it: &mut Interp, op: &str, operands: &[Value]) -> LResult<T> {
    arith_error(it, "DIVISION-BY-ZERO", op, operands)
}

/// Signal an `arithmetic-error` subtype naming the operation and operands.
pub fn arith_error<T>(it: &mut Interp, ty: &str, op: &str, operands: &[Value]) -> LResult<T> {
    let shown: Vec<String> = operands
        .iter()
        .map(crate::printer::prin1_to_string)
        .collect();
    let msg = format!(
        "arithmetic error {ty} signalled\nOperation was ({op}{}{}).",
        if shown.is_empty() { "" } else { " " },
        shown.join(" ")
    );
    let c = it.make_condition(
        ty,
        &[
            ("OPERATION", Value::Symbol(cl_sym(op))),
            ("OPERANDS", Value::list(operands.iter().cloned())),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
            ("FORMAT-ARGUMENTS", Value::Nil),
        ],
    );
    it.err(c)
}

/// A finite float result, or `floating-point-overflow` (SBCL traps
/// overflow and invalid operations rather than returning infinities).
fn float_result(
    it: &mut Interp,
    x: f64,
    kind: FloatKind,
    op: &str,
    a: &Value,
    b: &Value,
) -> LResult<Value> {
    let v = make_float(x, kind);
    let finite = match v {
        Value::Single(f) => f.is_finite(),
        _ => x.is_finite(),
    };
    if !finite {
        let ty = if x.is_nan() {
            "FLOATING-POINT-INVALID-OPERATION"
        } else {
            "FLOATING-POINT-OVERFLOW"
        };
        let ty = if it.find_class(&cl_sym(ty)).is_some() {
            ty
        } else {
            "FLOATING-POINT-OVERFLOW"
        };
        return arith_error(it, ty, op, &[a.clone(), b.clone()]);
    }
    Ok(v)
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
        }
    }
}

/// `a op b` with CL semantics: exact on rationals, float contagion
/// otherwise, `division-by-zero` on a zero divisor.
pub fn arith(it: &mut Interp, op: Op, a: &Value, b: &Value) -> LResult<Value> {
    if let (Value::Fixnum(x), Value::Fixnum(y)) = (a, b) {
        let (x, y) = (*x, *y);
        let r = match op {
            Op::Add => x.checked_add(y),
            Op::Sub => x.checked_sub(y),
            Op::Mul => x.checked_mul(y),
            Op::Div => {
                if y == 0 {
                    return division_by_zero(it, "/", &[a.clone(), b.clone()]);
                }
                if x.checked_rem(y) == Some(0) {
                    x.checked_div(y)
                } else {
                    return Ok(Value::rational(BigRational::new(x.into(), y.into())));
                }
            }
        };
        if let Some(r) = r {
            return Ok(Value::Fixnum(r));
        }
    }
    let (Some(ra), Some(rb)) = (rank(a), rank(b)) else {
        if matches!(a, Value::Complex(_)) || matches!(b, Value::Complex(_)) {
            return super::complex::arith_complex(it, op, a, b);
        }
        let bad = if is_number(a) { b } else { a };
        return type_err(it, bad, "NUMBER");
    };
    let top = ra.max(rb);
    if top >= Rank::Single {
        let kind = contagion(a, b);
        let (x, y) = (
            to_kind(a, kind).unwrap_or(f64::NAN),
            to_kind(b, kind).unwrap_or(f64::NAN),
        );
        let r = match op {
            Op::Add => x + y,
            Op::Sub => x - y,
            Op::Mul => x * y,
            Op::Div => {
                if y == 0.0 {
                    let ops = [make_float(x, kind), make_float(y, kind)];
                    return division_by_zero(it, "/", &ops);
                }
                x / y
            }
        };
        return float_result(it, r, kind, op.name(), a, b);
    }
    if top == Rank::Integer && op != Op::Div {
        let (x, y) = (
            to_bigint(a).unwrap_or_default(),
            to_bigint(b).unwrap_or_default(),
        );
        return Ok(big(match op {
            Op::Add => x + y,
            Op::Sub => x - y,
            _ => x * y,
        }));
    }
    let (x, y) = (
        to_ratio(a).unwrap_or_default(),
        to_ratio(b).unwrap_or_default(),
    );
    Ok(Value::rational(match op {
        Op::Add => x + y,
        Op::Sub => x - y,
        Op::Mul => x * y,
        Op::Div => {
            if y.is_zero() {
                return division_by_zero(it, "/", &[a.clone(), b.clone()]);
            }
            x / y
        }
    }))
}

/// `(+ a b)`.
pub fn add(it: &mut Interp, a: &Value, b: &Value) -> LResult<Value> {
    arith(it, Op::Add, a, b)
}

/// `(- a b)`.
pub fn sub(it: &mut Interp, a: &Value, b: &Value) -> LResult<Value> {
    arith(it, Op::Sub, a, b)
}

/// `(* a b)`.
pub fn mul(it: &mut Interp, a: &Value, b: &Value) -> LResult<Value> {
    arith(it, Op::Mul, a, b)
}

/// `(/ a b)`.
pub fn div(it: &mut Interp, a: &Value, b: &Value) -> LResult<Value> {
    arith(it, Op::Div, a, b)
}

/// `(- a)`.
pub fn negate(it: &mut Interp, a: &Value) -> LResult<Value> {
    match a {
        Value::Fixnum(n) => Ok(match n.checked_neg() {
            Some(m) => Value::Fixnum(m),
            None => big(-BigInt::from(*n)),
        }),
        Value::Bignum(b) => Ok(big(-(**b).clone())),
        Value::Ratio(r) => Ok(Value::Ratio(Rc::new(-(**r).clone()))),
        Value::Single(f) => Ok(Value::Single(-f)),
        Value::Double(d) => Ok(Value::Double(-d)),
        Value::Complex(c) => {
            let (re, im) = (c.re.clone(), c.im.clone());
            let (re, im) = (negate(it, &re)?, negate(it, &im)?);
            super::complex::make(it, &re, &im)
        }
        _ => type_err(it, a, "NUMBER"),
    }
}

/// Exact comparison of two reals: a float compares as the rational it
/// denotes, so `(= 1/3 0.33333334)` is false as in SBCL.
pub fn compare(it: &mut Interp, a: &Value, b: &Value) -> LResult<Ordering> {
    match real_cmp(a, b) {
        Some(order) => Ok(order),
        None => {
            let bad = if rank(a).is_some() { b } else { a };
            type_err(it, bad, "REAL")
        }
    }
}

/// [`compare`] without an interpreter: `None` when either is not a real.
/// Also `equalp`'s number test (CLHS 5.3.36: numbers compare by `=`).
pub fn real_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    if let (Value::Fixnum(x), Value::Fixnum(y)) = (a, b) {
        return Some(x.cmp(y));
    }
    let (ra, rb) = (rank(a)?, rank(b)?);
    if ra >= Rank::Single && rb >= Rank::Single {
        let (x, y) = (to_f64(a).unwrap_or(f64::NAN), to_f64(b).unwrap_or(f64::NAN));
        return Some(x.partial_cmp(&y).unwrap_or(Ordering::Equal));
    }
    if ra == Rank::Integer && rb == Rank::Integer {
        return Some(to_bigint(a).cmp(&to_bigint(b)));
    }
    match (to_ratio(a), to_ratio(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        // An infinity or NaN against a rational: compare as doubles.
        _ => {
            let (x, y) = (to_f64(a).unwrap_or(f64::NAN), to_f64(b).unwrap_or(f64::NAN));
            Some(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
        }
    }
}

/// `(= a b)` for numbers.
pub fn num_eq(it: &mut Interp, a: &Value, b: &Value) -> LResult<bool> {
    if !is_number(a) {
        return type_err(it, a, "NUMBER");
    }
    if !is_number(b) {
        return type_err(it, b, "NUMBER");
    }
    if matches!(a, Value::Complex(_)) || matches!(b, Value::Complex(_)) {
        return Ok(super::complex::complex_eq(a, b) == Some(true));
    }
    Ok(compare(it, a, b)? == Ordering::Equal)
}

/// The sign of a real: -1, 0 or 1.
pub fn sign(v: &Value) -> i32 {
    match v {
        Value::Fixnum(n) => n.signum() as i32,
        Value::Bignum(b) => {
            if b.is_negative() {
                -1
            } else {
                i32::from(!b.is_zero())
            }
        }
        Value::Ratio(r) => {
            if r.is_negative() {
                -1
            } else {
                1
            }
        }
        Value::Single(f) => sign_of_f64(*f as f64),
        Value::Double(d) => sign_of_f64(*d),
        _ => 0,
    }
}

fn sign_of_f64(d: f64) -> i32 {
    if d > 0.0 {
        1
    } else if d < 0.0 {
        -1
    } else {
        0
    }
}

pub fn is_zero(v: &Value) -> bool {
    match v {
        Value::Complex(c) => is_zero(&c.re) && is_zero(&c.im),
        _ => sign(v) == 0 && is_number(v),
    }
}

/// A float's integral part as an integer; `None` for infinities and NaN.
pub fn float_to_integer(x: f64) -> Option<Value> {
    if x.is_finite() && x.abs() < 9.0e18 {
        return Some(Value::Fixnum(x.trunc() as i64));
    }
    BigInt::from_f64(x.trunc()).map(big)
}

/// Which rounding the quotient functions use (CLHS 12.2 `floor`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Rounding {
    Floor,
    Ceiling,
    Truncate,
    Round,
}

impl Rounding {
    pub fn name(self) -> &'static str {
        match self {
            Rounding::Floor => "FLOOR",
            Rounding::Ceiling => "CEILING",
            Rounding::Truncate => "TRUNCATE",
            Rounding::Round => "ROUND",
        }
    }
}

/// `(floor n d)` and friends: the quotient (an integer) and the remainder.
/// Follows SBCL: truncate first, then adjust; for floats the remainder is
/// `n - q*d` computed with float contagion.
pub fn divide(it: &mut Interp, mode: Rounding, n: &Value, d: &Value) -> LResult<(Value, Value)> {
    if let (Value::Fixnum(x), Value::Fixnum(y)) = (n, d) {
        if let Some((q, r)) = fixnum_divide(mode, *x, *y) {
            return Ok((Value::Fixnum(q), Value::Fixnum(r)));
        }
    }
    let (Some(rn), Some(rd)) = (rank(n), rank(d)) else {
        let bad = if rank(n).is_some() { d } else { n };
        return type_err(it, bad, "REAL");
    };
    if is_zero(d) {
        return division_by_zero(it, "/", &[n.clone(), d.clone()]);
    }
    if rn == Rank::Integer && rd == Rank::Integer {
        let (x, y) = (
            to_bigint(n).unwrap_or_default(),
            to_bigint(d).unwrap_or_default(),
        );
        let (q, r) = big_divide(mode, &x, &y);
        return Ok((big(q), big(r)));
    }
    if rn <= Rank::Ratio && rd <= Rank::Ratio {
        let (x, y) = (
            to_ratio(n).unwrap_or_default(),
            to_ratio(d).unwrap_or_default(),
        );
        let quo = x.clone() / y.clone();
        let q = match mode {
            Rounding::Floor => quo.floor(),
            Rounding::Ceiling => quo.ceil(),
            Rounding::Truncate => quo.trunc(),
            Rounding::Round => round_half_even(&quo),
        };
        let r = x - q.clone() * y;
        return Ok((big(q.to_integer()), Value::rational(r)));
    }
    // Floats: SBCL's (truncate n d) = q := truncate(n/d) in the contagion
    // format, r := n - q*d; the other roundings adjust q by one.
    let kind = contagion(n, d);
    let x = to_kind(n, kind).unwrap_or(f64::NAN);
    let y = to_kind(d, kind).unwrap_or(f64::NAN);
    let quotient = match make_float(x / y, kind) {
        Value::Single(f) => f as f64,
        _ => x / y,
    };
    let Some(tq) = float_to_integer(quotient) else {
        return arith_error(
            it,
            "FLOATING-POINT-OVERFLOW",
            mode.name(),
            &[n.clone(), d.clone()],
        );
    };
    let prod = mul(it, &tq, d)?;
    let tr = sub(it, n, &prod)?;
    adjust(it, mode, tq, tr, d)
}

/// Turn a truncation (q, r) of n by d into the requested rounding.
fn adjust(
    it: &mut Interp,
    mode: Rounding,
    q: Value,
    r: Value,
    d: &Value,
) -> LResult<(Value, Value)> {
    if is_zero(&r) {
        return Ok((q, r));
    }
    let (rs, ds) = (sign(&r), sign(d));
    let one = Value::Fixnum(1);
    match mode {
        Rounding::Truncate => Ok((q, r)),
        Rounding::Floor if rs != ds => Ok((sub(it, &q, &one)?, add(it, &r, d)?)),
        Rounding::Ceiling if rs == ds => Ok((add(it, &q, &one)?, sub(it, &r, d)?)),
        Rounding::Round => {
            // Compare |r| with |d|/2; ties go to the even quotient.
            let two_r = mul(it, &r, &Value::Fixnum(2))?;
            let abs2r = abs(it, &two_r)?;
            let absd = abs(it, d)?;
            let c = compare(it, &abs2r, &absd)?;
            let odd = match &q {
                Value::Fixnum(n) => n & 1 == 1,
                Value::Bignum(b) => b.is_odd(),
                _ => false,
            };
            if c == Ordering::Greater || (c == Ordering::Equal && odd) {
                if rs == ds {
                    Ok((add(it, &q, &one)?, sub(it, &r, d)?))
                } else {
                    Ok((sub(it, &q, &one)?, add(it, &r, d)?))
                }
            } else {
                Ok((q, r))
            }
        }
        _ => Ok((q, r)),
    }
}

fn fixnum_divide(mode: Rounding, x: i64, y: i64) -> Option<(i64, i64)> {
    if y == 0 {
        return None;
    }
    let q = x.checked_div(y)?;
    let r = x.checked_rem(y)?;
    if r == 0 {
        return Some((q, 0));
    }
    let same = (r < 0) == (y < 0);
    Some(match mode {
        Rounding::Truncate => (q, r),
        Rounding::Floor if !same => (q - 1, r + y),
        Rounding::Ceiling if same => (q + 1, r - y),
        Rounding::Round => {
            let twice = (r as i128 * 2).abs();
            let ay = (y as i128).abs();
            if twice > ay || (twice == ay && q & 1 == 1) {
                if same {
                    (q + 1, r - y)
                } else {
                    (q - 1, r + y)
                }
            } else {
                (q, r)
            }
        }
        _ => (q, r),
    })
}

fn big_divide(mode: Rounding, x: &BigInt, y: &BigInt) -> (BigInt, BigInt) {
    match mode {
        Rounding::Floor => x.div_mod_floor(y),
        Rounding::Truncate => x.div_rem(y),
        Rounding::Ceiling => {
            let (q, r) = x.div_mod_floor(y);
            if r.is_zero() {
                (q, r)
            } else {
                (q + 1, r - y)
            }
        }
        Rounding::Round => {
            let (q, r) = x.div_rem(y);
            if r.is_zero() {
                return (q, r);
            }
            let twice: BigInt = (&r * BigInt::from(2)).abs();
            let ay = y.abs();
            let same = r.is_negative() == y.is_negative();
            if twice > ay || (twice == ay && q.is_odd()) {
                if same {
                    (q + 1, r - y)
                } else {
                    (q - 1, r + y)
                }
            } else {
                (q, r)
            }
        }
    }
}

/// Round a ratio to the nearest integer, ties to even (CLHS `round`).
fn round_half_even(q: &BigRational) -> BigRational {
    let fl = q.floor();
    let frac = q - &fl;
    let half = BigRational::new(BigInt::one(), BigInt::from(2));
    match frac.cmp(&half) {
        Ordering::Less => fl,
        Ordering::Greater => fl + BigRational::one(),
        Ordering::Equal => {
            if fl.to_integer().is_even() {
                fl
            } else {
                fl + BigRational::one()
            }
        }
    }
}

/// `(abs x)`.
pub fn abs(it: &mut Interp, v: &Value) -> LResult<Value> {
    match v {
        Value::Single(f) => Ok(Value::Single(f.abs())),
        Value::Double(d) => Ok(Value::Double(d.abs())),
        Value::Complex(_) => super::complex::abs(it, v),
        _ if sign(v) < 0 => negate(it, v),
        _ if is_number(v) => Ok(v.clone()),
        _ => type_err(it, v, "NUMBER"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixnum_rounding_modes() {
        assert_eq!(fixnum_divide(Rounding::Floor, -7, 2), Some((-4, 1)));
        assert_eq!(fixnum_divide(Rounding::Ceiling, 7, 2), Some((4, -1)));
        assert_eq!(fixnum_divide(Rounding::Truncate, -7, 2), Some((-3, -1)));
        assert_eq!(fixnum_divide(Rounding::Round, 5, 2), Some((2, 1)));
        assert_eq!(fixnum_divide(Rounding::Round, 7, 2), Some((4, -1)));
        assert_eq!(fixnum_divide(Rounding::Round, -5, 2), Some((-2, -1)));
        assert_eq!(fixnum_divide(Rounding::Floor, i64::MIN, -1), None);
    }

    #[test]
    fn big_rounding_matches_fixnum() {
        for x in -9i64..=9 {
            for y in [-4i64, -3, -2, -1, 1, 2, 3, 4] {
                for m in [
                    Rounding::Floor,
                    Rounding::Ceiling,
                    Rounding::Truncate,
                    Rounding::Round,
                ] {
                    let (q, r) = big_divide(m, &BigInt::from(x), &BigInt::from(y));
                    let f = fixnum_divide(m, x, y).map(|(a, b)| (BigInt::from(a), BigInt::from(b)));
                    assert_eq!(Some((q, r)), f, "{m:?} {x} {y}");
                }
            }
        }
    }
}

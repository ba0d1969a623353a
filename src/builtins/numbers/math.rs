//! Exponentials, roots, logarithms, trigonometry and float/rational
//! conversion (CLHS 12.2). Irrational results are computed in double and
//! rounded to the argument's format, as SBCL does; complex arguments, and
//! real ones outside a function's real domain, go to `complex.rs`.

use num_bigint::BigInt;
use num_integer::Roots;
use num_rational::BigRational;
use num_traits::float::FloatCore;
use num_traits::{One, Pow, Signed, ToPrimitive, Zero};

use super::arith::{
    self, arith_error, contagion, division_by_zero, float_kind, is_float, is_integer, is_zero,
    make_float, rank, sign, to_bigint, to_f64, to_ratio, FloatKind, Rank,
};
use crate::builtins::args::type_err;
use crate::eval::{Interp, LResult, Value};

/// Largest result, in bits, `expt` computes exactly (about 8 MB).
const MAX_EXACT_BITS: u64 = 1 << 26;

use super::complex::{self, C};

fn real(it: &mut Interp, v: &Value) -> LResult<f64> {
    match to_f64(v) {
        Some(x) if rank(v).is_some() => Ok(x),
        _ => type_err(it, v, "NUMBER"),
    }
}

/// A float result in `kind`, or `floating-point-overflow`.
fn finite(it: &mut Interp, x: f64, kind: FloatKind, op: &str, args: &[Value]) -> LResult<Value> {
    let v = make_float(x, kind);
    let ok = match v {
        Value::Single(f) => f.is_finite(),
        _ => x.is_finite(),
    };
    if ok {
        Ok(v)
    } else {
        arith_error(it, "FLOATING-POINT-OVERFLOW", op, args)
    }
}

/// A one-argument function computed in double, returned in the format of
/// its argument (single for rationals).
///
/// A complex argument, or a real outside the real function's domain (a
/// NaN result), goes to the complex function `cf` (CLHS 12.1.5.3).
fn unary(
    it: &mut Interp,
    v: &Value,
    op: &str,
    f: fn(f64) -> f64,
    cf: fn(C) -> C,
) -> LResult<Value> {
    if complex::is_complex(v) {
        return complex::unary(it, v, op, cf);
    }
    let x = real(it, v)?;
    let r = f(x);
    if r.is_nan() && !x.is_nan() {
        return complex::unary(it, v, op, cf);
    }
    finite(it, r, float_kind(v), op, std::slice::from_ref(v))
}

pub fn exp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "EXP", f64::exp, C::exp)
}

pub fn sin(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "SIN", f64::sin, C::sin)
}

pub fn cos(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "COS", f64::cos, C::cos)
}

pub fn tan(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "TAN", f64::tan, C::tan)
}

pub fn asin(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "ASIN", f64::asin, C::asin)
}

pub fn acos(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "ACOS", f64::acos, C::acos)
}

pub fn sinh(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "SINH", f64::sinh, C::sinh)
}

pub fn cosh(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "COSH", f64::cosh, C::cosh)
}

pub fn tanh(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "TANH", f64::tanh, C::tanh)
}

pub fn asinh(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "ASINH", f64::asinh, C::asinh)
}

pub fn acosh(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "ACOSH", f64::acosh, C::acosh)
}

pub fn atanh(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let x = &a[0];
    // atanh ±1 is infinite: SBCL signals division-by-zero.
    if !complex::is_complex(x) && to_f64(x).is_some_and(|d| d.abs() == 1.0) {
        return division_by_zero(it, "ATANH", a);
    }
    if !complex::is_complex(x) && to_f64(x).is_some_and(|d| d.abs() > 1.0) {
        return complex::unary(it, x, "ATANH", C::atanh);
    }
    unary(it, x, "ATANH", f64::atanh, C::atanh)
}

pub fn atan(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match a.get(1) {
        None => unary(it, &a[0], "ATAN", f64::atan, C::atan),
        Some(x) => {
            let (yy, xx) = (real(it, &a[0])?, real(it, x)?);
            let kind = contagion(&a[0], x);
            finite(it, yy.atan2(xx), kind, "ATAN", a)
        }
    }
}

/// `(sqrt x)`: always a float here, `(sqrt 4)` is `2.0` (CLHS 12.2 `sqrt`).
pub fn sqrt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if rank(&a[0]).is_some() && sign(&a[0]) < 0 {
        return complex::unary(it, &a[0], "SQRT", C::sqrt);
    }
    unary(it, &a[0], "SQRT", f64::sqrt, C::sqrt)
}

pub fn isqrt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Fixnum(n) if *n >= 0 => Ok(Value::Fixnum(n.sqrt())),
        Value::Bignum(b) if !b.is_negative() => Ok(Value::integer(b.sqrt())),
        v => type_err(it, v, "(INTEGER 0 *)"),
    }
}

/// Natural logarithm of a positive real in double (bignums beyond the
/// double range go through their bit length).
fn ln(v: &Value) -> f64 {
    if let Value::Bignum(b) = v {
        let bits = b.bits();
        if bits > 1000 {
            let shift = bits - 60;
            let top: BigInt = &**b >> shift;
            return top.to_f64().unwrap_or(f64::NAN).ln() + shift as f64 * std::f64::consts::LN_2;
        }
    }
    to_f64(v).unwrap_or(f64::NAN).ln()
}

pub fn log(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = &a[0];
    let complex_case = |v: &Value| complex::is_complex(v) || (rank(v).is_some() && sign(v) < 0);
    if complex_case(n) || a.get(1).is_some_and(complex_case) {
        if is_zero(n) || a.get(1).is_some_and(is_zero) {
            return division_by_zero(it, "LOG", a);
        }
        let ln_n = complex::unary(it, n, "LOG", C::log)?;
        let Some(base) = a.get(1) else {
            return Ok(ln_n);
        };
        let ln_b = complex::unary(it, base, "LOG", C::log)?;
        return arith::div(it, &ln_n, &ln_b);
    }
    real(it, n)?;
    if is_zero(n) {
        return division_by_zero(it, "LOG", a);
    }
    let Some(base) = a.get(1) else {
        return finite(it, ln(n), float_kind(n), "LOG", a);
    };
    real(it, base)?;
    if is_zero(base) {
        return division_by_zero(it, "LOG", a);
    }
    // SBCL: for two positive integers the quotient of the double logs,
    // rounded once; otherwise the quotient of the two logs in their format.
    if is_integer(n) && is_integer(base) {
        let r = ln(n) / ln(base);
        return finite(it, r, FloatKind::Single, "LOG", a);
    }
    // An integer with a double: both logarithms in double, base 2 as SBCL.
    let double_int = |x: &Value, y: &Value| matches!(x, Value::Double(_)) && is_integer(y);
    if double_int(n, base) || double_int(base, n) {
        let log2 = |v: &Value| ln(v) / std::f64::consts::LN_2;
        return finite(it, log2(n) / log2(base), FloatKind::Double, "LOG", a);
    }
    let ln_n = finite(it, ln(n), float_kind(n), "LOG", a)?;
    let ln_b = finite(it, ln(base), float_kind(base), "LOG", a)?;
    arith::div(it, &ln_n, &ln_b)
}

/// `(expt base power)` (CLHS 12.2): exact for a rational base and an
/// integer power (a negative power gives the reciprocal); repeated
/// squaring for a float base; `pow` in double otherwise.
pub fn expt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (b, p) = (&a[0], &a[1]);
    if complex::is_complex(b) || complex::is_complex(p) {
        if is_zero(p) {
            return Ok(match complex::parts(b).zip(complex::parts(p)) {
                Some(((br, _), (pr, _))) if is_float(&br) || is_float(&pr) => {
                    complex::make(it, &make_float(1.0, contagion(&br, &pr)), &Value::Fixnum(0))?
                }
                _ => Value::Fixnum(1),
            });
        }
        if is_zero(b) {
            return Ok(b.clone());
        }
        return complex::expt(it, b, p);
    }
    real(it, b)?;
    real(it, p)?;
    if is_integer(p) {
        if is_zero(p) {
            return Ok(if is_float(b) || is_float(p) {
                make_float(1.0, contagion(b, p))
            } else {
                Value::Fixnum(1)
            });
        }
        if rank(b) <= Some(Rank::Ratio) {
            return exact_expt(it, b, p);
        }
        // SBCL: a float base with an integer power goes through `pow` in
        // double, rounded to the base's format.
        let (x, y) = (to_f64(b).unwrap_or(f64::NAN), to_f64(p).unwrap_or(f64::NAN));
        return finite(it, x.powf(y), contagion(b, p), "EXPT", a);
    }
    let kind = contagion(b, p);
    // x^0.0 is 1.0 in the contagion format, whatever the sign of x.
    if is_zero(p) {
        return Ok(make_float(1.0, kind));
    }
    if is_zero(b) {
        if sign(p) > 0 {
            return Ok(make_float(0.0, kind));
        }
        return division_by_zero(it, "EXPT", a);
    }
    if sign(b) < 0 {
        return complex::expt(it, b, p);
    }
    let (x, y) = (to_f64(b).unwrap_or(f64::NAN), to_f64(p).unwrap_or(f64::NAN));
    finite(it, x.powf(y), kind, "EXPT", a)
}

fn exact_expt(it: &mut Interp, b: &Value, p: &Value) -> LResult<Value> {
    let base = to_ratio(b).unwrap_or_default();
    let negative = sign(p) < 0;
    if base.is_zero() {
        if negative {
            return division_by_zero(it, "EXPT", &[b.clone(), p.clone()]);
        }
        return Ok(Value::Fixnum(0));
    }
    let mag = to_bigint(p).unwrap_or_default().abs();
    if base.abs().is_one() {
        // ±1 to any power: only the parity matters.
        let odd = num_integer::Integer::is_odd(&mag);
        return Ok(Value::Fixnum(if base.is_negative() && odd {
            -1
        } else {
            1
        }));
    }
    let bits = base.numer().bits().max(base.denom().bits());
    let e = match mag.to_u64() {
        Some(e) if bits.saturating_mul(e) <= MAX_EXACT_BITS => e,
        _ => return too_large(it, b, p),
    };
    let num: BigInt = Pow::pow(base.numer(), e);
    let den: BigInt = Pow::pow(base.denom(), e);
    // Powers of coprime numbers are coprime: the result is already in
    // lowest terms. `BigRational::new` would take a gcd of the full-size
    // numbers, which for a million-digit power took longer than the power.
    let (num, den) = if negative { (den, num) } else { (num, den) };
    let (num, den) = if den.is_negative() {
        (-num, -den)
    } else {
        (num, den)
    };
    if den.is_one() {
        return Ok(Value::integer(num));
    }
    Ok(Value::Ratio(std::rc::Rc::new(BigRational::new_raw(
        num, den,
    ))))
}

fn too_large<T>(it: &mut Interp, b: &Value, p: &Value) -> LResult<T> {
    let msg = format!(
        "(EXPT {} {}): the result is too large to compute exactly",
        crate::printer::prin1_to_string(b),
        crate::printer::prin1_to_string(p)
    );
    let c = it.make_error("STORAGE-CONDITION", &msg);
    it.err(c)
}

/// `(float number &optional prototype)`.
pub fn float(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = &a[0];
    real(it, n)?;
    let kind = match a.get(1) {
        None if is_float(n) => return Ok(n.clone()),
        None => FloatKind::Single,
        Some(Value::Single(_)) => FloatKind::Single,
        Some(Value::Double(_)) => FloatKind::Double,
        Some(other) => return type_err(it, other, "FLOAT"),
    };
    let x = arith::to_kind(n, kind).unwrap_or(f64::NAN);
    finite(it, x, kind, "FLOAT", a)
}

pub fn rational(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match (rank(&a[0]), to_ratio(&a[0])) {
        (Some(_), Some(r)) => Ok(Value::rational(r)),
        (Some(_), None) => arith_error(it, "ARITHMETIC-ERROR", "RATIONAL", a),
        _ => type_err(it, &a[0], "REAL"),
    }
}

/// `(rationalize x)`: the simplest rational that rounds to `x` in its
/// format, by SBCL's continued-fraction walk between the neighbours
/// (2m∓1)/2^(1-e).
pub fn rationalize(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (mantissa, expo, negative) = match &a[0] {
        Value::Single(f) if f.is_finite() => {
            let (m, e, s) = f.integer_decode();
            (m, e as i64, s < 0)
        }
        Value::Double(d) if d.is_finite() => {
            let (m, e, s) = FloatCore::integer_decode(*d);
            (m, e as i64, s < 0)
        }
        v if matches!(rank(v), Some(Rank::Integer | Rank::Ratio)) => return Ok(v.clone()),
        Value::Single(_) | Value::Double(_) => {
            return arith_error(it, "ARITHMETIC-ERROR", "RATIONALIZE", a)
        }
        v => return type_err(it, v, "REAL"),
    };
    let frac = BigInt::from(mantissa);
    let apply_sign = |r: BigRational| if negative { -r } else { r };
    if frac.is_zero() || expo >= 0 {
        let v = BigRational::from_integer(frac << expo.max(0) as usize);
        return Ok(Value::rational(apply_sign(v)));
    }
    let scale = BigInt::one() << (1 - expo) as usize;
    let mut lo = BigRational::new(&frac * 2 - 1, scale.clone());
    let mut hi = BigRational::new(&frac * 2 + 1, scale);
    let (mut p0, mut q0, mut p1, mut q1) =
        (BigInt::zero(), BigInt::one(), BigInt::one(), BigInt::zero());
    loop {
        let c = lo.ceil();
        if c < hi {
            let c = c.to_integer();
            let top = &c * &p1 + &p0;
            let bot = &c * &q1 + &q0;
            return Ok(Value::rational(apply_sign(BigRational::new(top, bot))));
        }
        let k = c - BigRational::one();
        let kk = k.to_integer();
        let p2 = &kk * &p1 + &p0;
        let q2 = &kk * &q1 + &q0;
        let new_lo = (hi - &k).recip();
        let new_hi = (lo - &k).recip();
        lo = new_lo;
        hi = new_hi;
        p0 = std::mem::replace(&mut p1, p2);
        q0 = std::mem::replace(&mut q1, q2);
    }
}

pub fn numerator(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Ratio(r) => Ok(Value::integer(r.numer().clone())),
        v if is_integer(v) => Ok(v.clone()),
        v => type_err(it, v, "RATIONAL"),
    }
}

pub fn denominator(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Ratio(r) => Ok(Value::integer(r.denom().clone())),
        v if is_integer(v) => Ok(Value::Fixnum(1)),
        v => type_err(it, v, "RATIONAL"),
    }
}

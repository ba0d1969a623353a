//! Exponentials, roots, logarithms, trigonometry and float/rational
//! conversion (CLHS 12.2). Irrational results are computed in double and
//! rounded to the argument's format, as SBCL does; sendletter has no
//! complex numbers, so arguments that would produce one signal an
//! `arithmetic-error`.

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

fn real(it: &mut Interp, v: &Value) -> LResult<f64> {
    match to_f64(v) {
        Some(x) if rank(v).is_some() => Ok(x),
        _ => type_err(it, v, "NUMBER"),
    }
}

fn no_complex<T>(it: &mut Interp, op: &str, args: &[Value]) -> LResult<T> {
    arith_error(it, "ARITHMETIC-ERROR", op, args)
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
fn unary(it: &mut Interp, v: &Value, op: &str, f: fn(f64) -> f64) -> LResult<Value> {
    let x = real(it, v)?;
    let r = f(x);
    if r.is_nan() {
        return no_complex(it, op, std::slice::from_ref(v));
    }
    finite(it, r, float_kind(v), op, std::slice::from_ref(v))
}

pub fn exp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "EXP", f64::exp)
}

pub fn sin(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "SIN", f64::sin)
}

pub fn cos(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "COS", f64::cos)
}

pub fn tan(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "TAN", f64::tan)
}

pub fn asin(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "ASIN", f64::asin)
}

pub fn acos(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    unary(it, &a[0], "ACOS", f64::acos)
}

pub fn atan(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match a.get(1) {
        None => unary(it, &a[0], "ATAN", f64::atan),
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
        return no_complex(it, "SQRT", a);
    }
    unary(it, &a[0], "SQRT", f64::sqrt)
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
    real(it, n)?;
    if is_zero(n) {
        return division_by_zero(it, "LOG", a);
    }
    if sign(n) < 0 {
        return no_complex(it, "LOG", a);
    }
    let Some(base) = a.get(1) else {
        return finite(it, ln(n), float_kind(n), "LOG", a);
    };
    real(it, base)?;
    if is_zero(base) {
        return division_by_zero(it, "LOG", a);
    }
    if sign(base) < 0 {
        return no_complex(it, "LOG", a);
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
    if is_zero(b) {
        if sign(p) > 0 {
            return Ok(make_float(0.0, kind));
        }
        return division_by_zero(it, "EXPT", a);
    }
    if sign(b) < 0 {
        return no_complex(it, "EXPT", a);
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

//! Float decomposition (CLHS 12.2 DECODE-FLOAT and friends): IEEE single
//! and double floats, radix 2, taken apart bit by bit as SBCL does.

use super::arith::{make_float, FloatKind};
use crate::builtins::args::type_err;
use crate::eval::{Interp, LResult, Value};

/// The parts of a finite float: (integer mantissa, exponent, sign,
/// digits of the format), with `value = sign * mantissa * 2^exponent`.
fn parts(v: &Value) -> Option<(u64, i64, i64, u32, FloatKind)> {
    let (bits, mant_bits, exp_bits, bias, kind) = match v {
        Value::Single(f) => (f.to_bits() as u64, 23u32, 8u32, 150i64, FloatKind::Single),
        Value::Double(d) => (d.to_bits(), 52, 11, 1075, FloatKind::Double),
        _ => return None,
    };
    let sign = if bits >> (mant_bits + exp_bits) & 1 == 1 {
        -1
    } else {
        1
    };
    let raw_exp = ((bits >> mant_bits) & ((1 << exp_bits) - 1)) as i64;
    let frac = bits & ((1u64 << mant_bits) - 1);
    let (mantissa, exponent) = if raw_exp == 0 {
        // Zero and denormals: no hidden bit.
        (frac, if frac == 0 { 0 } else { 1 - bias })
    } else {
        (frac | (1 << mant_bits), raw_exp - bias)
    };
    Some((mantissa, exponent, sign, mant_bits + 1, kind))
}

fn float_arg(it: &mut Interp, v: &Value) -> LResult<(u64, i64, i64, u32, FloatKind)> {
    match parts(v) {
        Some(p) => Ok(p),
        None => type_err(it, v, "FLOAT"),
    }
}

pub fn float_radix(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    float_arg(it, &a[0])?;
    Ok(Value::Fixnum(2))
}

pub fn float_digits(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (_, _, _, digits, _) = float_arg(it, &a[0])?;
    Ok(Value::Fixnum(digits as i64))
}

/// The significant bits: fewer for denormals, 0 for zero.
pub fn float_precision(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (mantissa, _, _, _, _) = float_arg(it, &a[0])?;
    Ok(Value::Fixnum((64 - mantissa.leading_zeros()) as i64))
}

pub fn integer_decode_float(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (mantissa, exponent, sign, _, _) = float_arg(it, &a[0])?;
    Ok(it.values(vec![
        Value::Fixnum(mantissa as i64),
        Value::Fixnum(exponent),
        Value::Fixnum(sign),
    ]))
}

/// The significand in [1/2, 1), the exponent and the sign as a float.
pub fn decode_float(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (mantissa, exponent, sign, _, kind) = float_arg(it, &a[0])?;
    if mantissa == 0 {
        return Ok(it.values(vec![
            make_float(0.0, kind),
            Value::Fixnum(0),
            make_float(sign as f64, kind),
        ]));
    }
    let bits = 64 - mantissa.leading_zeros() as i64;
    let significand = mantissa as f64 / 2f64.powi(bits as i32);
    Ok(it.values(vec![
        make_float(significand, kind),
        Value::Fixnum(exponent + bits),
        make_float(sign as f64, kind),
    ]))
}

pub fn scale_float(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (_, _, _, _, kind) = float_arg(it, &a[0])?;
    let k = match &a[1] {
        Value::Fixnum(k) => (*k).clamp(-4000, 4000) as i32,
        other => return type_err(it, other, "INTEGER"),
    };
    let x = super::arith::to_f64(&a[0]).unwrap_or(f64::NAN);
    // Two steps, so 2^k itself cannot overflow before a small x scales.
    let half = k / 2;
    let r = x * 2f64.powi(half) * 2f64.powi(k - half);
    let out = make_float(r, kind);
    let finite = match out {
        Value::Single(f) => f.is_finite(),
        _ => r.is_finite(),
    };
    if !finite {
        return super::arith::arith_error(it, "FLOATING-POINT-OVERFLOW", "SCALE-FLOAT", a);
    }
    Ok(out)
}

/// `(float-sign x [y])`: |y| (default 1) with the sign of x.
pub fn float_sign(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (_, _, sign, _, kind) = float_arg(it, &a[0])?;
    let (magnitude, kind) = match a.get(1) {
        None => (1.0, kind),
        Some(y) => {
            let (_, _, _, _, ykind) = float_arg(it, y)?;
            (super::arith::to_f64(y).unwrap_or(f64::NAN).abs(), ykind)
        }
    };
    Ok(make_float(magnitude.copysign(sign as f64), kind))
}

//! Builtins: numbers (CLHS 12). The tower is fixnum → bignum → ratio →
//! single-float → double-float; `arith` holds the core operations other
//! files call, `math` the irrational functions and conversions, `ints`
//! the integer-only functions, `parse-integer` and `random`.

mod arith;
pub mod bytes;
pub(crate) mod complex;
mod floats;
mod ints;
mod math;
pub mod radix;

use std::cmp::Ordering;

use super::args::type_err;
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::{Interp, LResult, Value};

pub use arith::{
    abs, add, arith, compare, contagion, div, divide, division_by_zero, float_kind, is_float,
    is_integer, is_number, is_zero, make_float, mul, negate, num_eq, rank, real_cmp, sign, sub,
    to_bigint, to_f64, to_kind, to_ratio, FloatKind, Op, Rank, Rounding,
};
pub use complex::{complex_eq, make_value as make_complex};
pub use ints::parse_integer_str;

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("+", "(&rest numbers)", 0, MANY, plus, "The sum of NUMBERS."),
    def!("-", "(number &rest more-numbers)", 1, MANY, minus, "Subtract MORE-NUMBERS from NUMBER, or negate NUMBER."),
    def!("*", "(&rest numbers)", 0, MANY, times, "The product of NUMBERS."),
    def!("/", "(number &rest more-numbers)", 1, MANY, divide_fn, "Divide NUMBER by MORE-NUMBERS, or the reciprocal of NUMBER."),
    def!("=", "(number &rest more-numbers)", 1, MANY, num_eq_fn, "True if all NUMBERS are numerically equal."),
    def!("/=", "(number &rest more-numbers)", 1, MANY, num_ne_fn, "True if no two NUMBERS are numerically equal."),
    def!("<", "(number &rest more-numbers)", 1, MANY, lt, "True if NUMBERS are strictly increasing."),
    def!(">", "(number &rest more-numbers)", 1, MANY, gt, "True if NUMBERS are strictly decreasing."),
    def!("<=", "(number &rest more-numbers)", 1, MANY, le, "True if NUMBERS are non-decreasing."),
    def!(">=", "(number &rest more-numbers)", 1, MANY, ge, "True if NUMBERS are non-increasing."),
    def!("1+", "(number)", 1, 1, one_plus, "NUMBER plus one."),
    def!("1-", "(number)", 1, 1, one_minus, "NUMBER minus one."),
    def!("MIN", "(real &rest more-reals)", 1, MANY, min, "The smallest argument."),
    def!("MAX", "(real &rest more-reals)", 1, MANY, max, "The largest argument."),
    def!("ABS", "(number)", 1, 1, abs_fn, "The absolute value of NUMBER."),
    def!("SIGNUM", "(number)", 1, 1, signum, "-1, 0 or 1 in the type of NUMBER, by its sign."),
    def!("FLOOR", "(number &optional divisor)", 1, 2, floor, "Quotient rounded toward negative infinity, and remainder."),
    def!("CEILING", "(number &optional divisor)", 1, 2, ceiling, "Quotient rounded toward positive infinity, and remainder."),
    def!("TRUNCATE", "(number &optional divisor)", 1, 2, truncate, "Quotient rounded toward zero, and remainder."),
    def!("ROUND", "(number &optional divisor)", 1, 2, round, "Quotient rounded to the nearest integer (ties to even), and remainder."),
    def!("FFLOOR", "(number &optional divisor)", 1, 2, ffloor, "Like FLOOR, the quotient as a float."),
    def!("FCEILING", "(number &optional divisor)", 1, 2, fceiling, "Like CEILING, the quotient as a float."),
    def!("FTRUNCATE", "(number &optional divisor)", 1, 2, ftruncate, "Like TRUNCATE, the quotient as a float."),
    def!("FROUND", "(number &optional divisor)", 1, 2, fround, "Like ROUND, the quotient as a float."),
    def!("MOD", "(number divisor)", 2, 2, mod_fn, "The remainder of FLOOR."),
    def!("REM", "(number divisor)", 2, 2, rem_fn, "The remainder of TRUNCATE."),
    def!("ZEROP", "(number)", 1, 1, zerop, "True if NUMBER is zero."),
    def!("PLUSP", "(real)", 1, 1, plusp, "True if REAL is greater than zero."),
    def!("MINUSP", "(real)", 1, 1, minusp, "True if REAL is less than zero."),
    def!("EVENP", "(integer)", 1, 1, evenp, "True if INTEGER is even."),
    def!("ODDP", "(integer)", 1, 1, oddp, "True if INTEGER is odd."),
    def!("NUMBERP", "(object)", 1, 1, numberp, "True if OBJECT is a number."),
    def!("REALP", "(object)", 1, 1, complex::realp, "True if OBJECT is a real number."),
    def!("INTEGERP", "(object)", 1, 1, integerp, "True if OBJECT is an integer."),
    def!("RATIONALP", "(object)", 1, 1, rationalp, "True if OBJECT is a rational."),
    def!("FLOATP", "(object)", 1, 1, floatp, "True if OBJECT is a float."),
    def!("COMPLEXP", "(object)", 1, 1, complex::complexp, "True if OBJECT is a complex number."),
    def!("COMPLEX", "(realpart &optional imagpart)", 1, 2, complex::complex_fn, "The complex number with these parts (a rational if IMAGPART is an exact zero)."),
    def!("REALPART", "(number)", 1, 1, complex::realpart, "The real part of NUMBER."),
    def!("IMAGPART", "(number)", 1, 1, complex::imagpart, "The imaginary part of NUMBER (a zero of its type for a real)."),
    def!("CONJUGATE", "(number)", 1, 1, complex::conjugate, "The complex conjugate of NUMBER."),
    def!("PHASE", "(number)", 1, 1, complex::phase_fn, "The angle of NUMBER in polar form, in radians."),
    def!("CIS", "(radians)", 1, 1, complex::cis, "e raised to i times RADIANS."),
    def!("UPGRADED-COMPLEX-PART-TYPE", "(typespec &optional environment)", 1, 2, complex::upgraded_complex_part_type, "The part type of the most specialised complex that can hold TYPESPEC parts."),
    def!("SINH", "(number)", 1, 1, math::sinh, "The hyperbolic sine of NUMBER."),
    def!("COSH", "(number)", 1, 1, math::cosh, "The hyperbolic cosine of NUMBER."),
    def!("TANH", "(number)", 1, 1, math::tanh, "The hyperbolic tangent of NUMBER."),
    def!("ASINH", "(number)", 1, 1, math::asinh, "The inverse hyperbolic sine of NUMBER."),
    def!("ACOSH", "(number)", 1, 1, math::acosh, "The inverse hyperbolic cosine of NUMBER."),
    def!("ATANH", "(number)", 1, 1, math::atanh, "The inverse hyperbolic tangent of NUMBER."),
    def!("EXPT", "(base power)", 2, 2, math::expt, "BASE raised to POWER."),
    def!("SQRT", "(number)", 1, 1, math::sqrt, "The principal square root of NUMBER, a float."),
    def!("ISQRT", "(natural)", 1, 1, math::isqrt, "The greatest integer whose square is at most NATURAL."),
    def!("EXP", "(number)", 1, 1, math::exp, "e raised to NUMBER."),
    def!("LOG", "(number &optional base)", 1, 2, math::log, "The logarithm of NUMBER in BASE (default e)."),
    def!("SIN", "(radians)", 1, 1, math::sin, "The sine of RADIANS."),
    def!("COS", "(radians)", 1, 1, math::cos, "The cosine of RADIANS."),
    def!("TAN", "(radians)", 1, 1, math::tan, "The tangent of RADIANS."),
    def!("ASIN", "(number)", 1, 1, math::asin, "The arc sine of NUMBER."),
    def!("ACOS", "(number)", 1, 1, math::acos, "The arc cosine of NUMBER."),
    def!("ATAN", "(y &optional x)", 1, 2, math::atan, "The arc tangent of Y, or of Y/X using both signs."),
    def!("FLOAT", "(number &optional prototype)", 1, 2, math::float, "NUMBER as a float, in the format of PROTOTYPE (default single)."),
    def!("RATIONAL", "(number)", 1, 1, math::rational, "The rational exactly equal to NUMBER."),
    def!("RATIONALIZE", "(number)", 1, 1, math::rationalize, "The simplest rational within the precision of NUMBER."),
    def!("NUMERATOR", "(rational)", 1, 1, math::numerator, "The numerator of RATIONAL in lowest terms."),
    def!("DENOMINATOR", "(rational)", 1, 1, math::denominator, "The denominator of RATIONAL in lowest terms."),
    def!("FLOAT-RADIX", "(float)", 1, 1, floats::float_radix, "The radix of FLOAT's representation: 2."),
    def!("FLOAT-DIGITS", "(float)", 1, 1, floats::float_digits, "The number of radix digits in FLOAT's format."),
    def!("FLOAT-PRECISION", "(float)", 1, 1, floats::float_precision, "The number of significant radix digits in FLOAT."),
    def!("FLOAT-SIGN", "(float-1 &optional float-2)", 1, 2, floats::float_sign, "FLOAT-2's magnitude (default 1) with FLOAT-1's sign."),
    def!("DECODE-FLOAT", "(float)", 1, 1, floats::decode_float, "FLOAT's significand in [1/2, 1), exponent and sign."),
    def!("INTEGER-DECODE-FLOAT", "(float)", 1, 1, floats::integer_decode_float, "FLOAT's integer significand, exponent and sign (1 or -1)."),
    def!("SCALE-FLOAT", "(float integer)", 2, 2, floats::scale_float, "FLOAT times 2 to the INTEGER."),
    def!("LOGEQV", "(&rest integers)", 0, MANY, ints::logeqv, "Bitwise equivalence (exclusive NOR) of INTEGERS."),
    def!("LOGNAND", "(integer-1 integer-2)", 2, 2, ints::lognand, "Complement of the bitwise AND."),
    def!("LOGNOR", "(integer-1 integer-2)", 2, 2, ints::lognor, "Complement of the bitwise OR."),
    def!("LOGANDC1", "(integer-1 integer-2)", 2, 2, ints::logandc1, "AND of the complement of INTEGER-1 with INTEGER-2."),
    def!("LOGANDC2", "(integer-1 integer-2)", 2, 2, ints::logandc2, "AND of INTEGER-1 with the complement of INTEGER-2."),
    def!("LOGORC1", "(integer-1 integer-2)", 2, 2, ints::logorc1, "OR of the complement of INTEGER-1 with INTEGER-2."),
    def!("LOGORC2", "(integer-1 integer-2)", 2, 2, ints::logorc2, "OR of INTEGER-1 with the complement of INTEGER-2."),
    def!("LOGTEST", "(integer-1 integer-2)", 2, 2, ints::logtest, "True if the integers share a one bit."),
    def!("GCD", "(&rest integers)", 0, MANY, ints::gcd, "The greatest common divisor of INTEGERS."),
    def!("LCM", "(&rest integers)", 0, MANY, ints::lcm, "The least common multiple of INTEGERS."),
    def!("BYTE", "(size position)", 2, 2, bytes::byte, "The byte specifier of SIZE bits at POSITION."),
    def!("BYTE-SIZE", "(bytespec)", 1, 1, bytes::byte_size, "The size of a byte specifier."),
    def!("BYTE-POSITION", "(bytespec)", 1, 1, bytes::byte_position, "The position of a byte specifier."),
    def!("LDB", "(bytespec integer)", 2, 2, bytes::ldb, "The byte of INTEGER that BYTESPEC names, shifted down."),
    def!("LDB-TEST", "(bytespec integer)", 2, 2, bytes::ldb_test, "True if the byte of INTEGER is not zero."),
    def!("MASK-FIELD", "(bytespec integer)", 2, 2, bytes::mask_field, "INTEGER with every bit outside the byte cleared."),
    def!("DPB", "(newbyte bytespec integer)", 3, 3, bytes::dpb, "INTEGER with its byte replaced by the low bits of NEWBYTE."),
    def!("DEPOSIT-FIELD", "(newbyte bytespec integer)", 3, 3, bytes::deposit_field, "INTEGER with its byte replaced by the same bits of NEWBYTE."),
    def!("BOOLE", "(op integer-1 integer-2)", 3, 3, bytes::boole, "The bitwise operation OP (a BOOLE- constant) of the integers."),
    def!("ASH", "(integer count)", 2, 2, ints::ash, "INTEGER shifted left by COUNT bits (right if negative)."),
    def!("LOGAND", "(&rest integers)", 0, MANY, ints::logand, "Bitwise AND of INTEGERS."),
    def!("LOGIOR", "(&rest integers)", 0, MANY, ints::logior, "Bitwise inclusive OR of INTEGERS."),
    def!("LOGXOR", "(&rest integers)", 0, MANY, ints::logxor, "Bitwise exclusive OR of INTEGERS."),
    def!("LOGNOT", "(integer)", 1, 1, ints::lognot, "Bitwise complement of INTEGER."),
    def!("LOGBITP", "(index integer)", 2, 2, ints::logbitp, "True if bit INDEX of INTEGER is set."),
    def!("LOGCOUNT", "(integer)", 1, 1, ints::logcount, "The number of one bits (zero bits if negative) in INTEGER."),
    def!("INTEGER-LENGTH", "(integer)", 1, 1, ints::integer_length, "The number of bits needed to represent INTEGER in two's complement."),
    def!("PARSE-INTEGER", "(string &key start end radix junk-allowed)", 1, MANY, ints::parse_integer, "Parse an integer from STRING; returns it and the index where parsing stopped."),
    def!("RANDOM", "(limit &optional random-state)", 1, 2, ints::random, "A random number below LIMIT, of the same type."),
    def!("MAKE-RANDOM-STATE", "(&optional state)", 0, 1, ints::make_random_state, "A copy of STATE (default *RANDOM-STATE*), or a freshly seeded state if STATE is T."),
    def!("RANDOM-STATE-P", "(object)", 1, 1, ints::random_state_p, "True if OBJECT is a random state."),
];

// ----- arithmetic ---------------------------------------------------------

fn check_number(it: &mut Interp, v: &Value) -> LResult<()> {
    if is_number(v) {
        Ok(())
    } else {
        type_err(it, v, "NUMBER")
    }
}

fn plus(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let [Value::Fixnum(x), Value::Fixnum(y)] = a {
        if let Some(r) = x.checked_add(*y) {
            return Ok(Value::Fixnum(r));
        }
    }
    let Some(first) = a.first() else {
        return Ok(Value::Fixnum(0));
    };
    check_number(it, first)?;
    let mut acc = first.clone();
    for x in &a[1..] {
        acc = add(it, &acc, x)?;
    }
    Ok(acc)
}

fn minus(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let [Value::Fixnum(x), Value::Fixnum(y)] = a {
        if let Some(r) = x.checked_sub(*y) {
            return Ok(Value::Fixnum(r));
        }
    }
    if a.len() == 1 {
        return negate(it, &a[0]);
    }
    let mut acc = a[0].clone();
    for x in &a[1..] {
        acc = sub(it, &acc, x)?;
    }
    Ok(acc)
}

fn times(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let [Value::Fixnum(x), Value::Fixnum(y)] = a {
        if let Some(r) = x.checked_mul(*y) {
            return Ok(Value::Fixnum(r));
        }
    }
    let Some(first) = a.first() else {
        return Ok(Value::Fixnum(1));
    };
    check_number(it, first)?;
    let mut acc = first.clone();
    for x in &a[1..] {
        acc = mul(it, &acc, x)?;
    }
    Ok(acc)
}

fn divide_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if a.len() == 1 {
        return div(it, &Value::Fixnum(1), &a[0]);
    }
    let mut acc = a[0].clone();
    for x in &a[1..] {
        acc = div(it, &acc, x)?;
    }
    Ok(acc)
}

fn one_plus(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    add(it, &a[0], &Value::Fixnum(1))
}

fn one_minus(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    sub(it, &a[0], &Value::Fixnum(1))
}

// ----- comparison ---------------------------------------------------------

fn num_eq_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let [Value::Fixnum(x), Value::Fixnum(y)] = a {
        return Ok(Value::bool(x == y));
    }
    check_number(it, &a[0])?;
    let mut all = true;
    for w in a.windows(2) {
        // Every argument is checked even after a mismatch.
        if !num_eq(it, &w[0], &w[1])? {
            all = false;
        }
    }
    Ok(Value::bool(all))
}

fn num_ne_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_number(it, &a[0])?;
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            if num_eq(it, &a[i], &a[j])? {
                return Ok(Value::Nil);
            }
        }
    }
    Ok(Value::bool(true))
}

fn chain(it: &mut Interp, a: &[Value], ok: fn(Ordering) -> bool) -> LResult<Value> {
    if let [Value::Fixnum(x), Value::Fixnum(y)] = a {
        return Ok(if ok(x.cmp(y)) {
            Value::Symbol(it.s.t.clone())
        } else {
            Value::Nil
        });
    }
    if a.len() == 1 && rank(&a[0]).is_none() {
        return type_err(it, &a[0], "REAL");
    }
    let mut all = true;
    for w in a.windows(2) {
        if !ok(compare(it, &w[0], &w[1])?) {
            all = false;
        }
    }
    Ok(Value::bool(all))
}

fn lt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    chain(it, a, |o| o == Ordering::Less)
}

fn gt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    chain(it, a, |o| o == Ordering::Greater)
}

fn le(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    chain(it, a, |o| o != Ordering::Greater)
}

fn ge(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    chain(it, a, |o| o != Ordering::Less)
}

fn extremum(it: &mut Interp, a: &[Value], want: Ordering) -> LResult<Value> {
    if rank(&a[0]).is_none() {
        return type_err(it, &a[0], "REAL");
    }
    let mut best = a[0].clone();
    for x in &a[1..] {
        if compare(it, x, &best)? == want {
            best = x.clone();
        }
    }
    Ok(best)
}

fn min(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    extremum(it, a, Ordering::Less)
}

fn max(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    extremum(it, a, Ordering::Greater)
}

fn abs_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    abs(it, &a[0])
}

fn signum(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Value::Complex(_) = &a[0] {
        if is_zero(&a[0]) {
            return Ok(a[0].clone());
        }
        let m = abs(it, &a[0])?;
        return div(it, &a[0], &m);
    }
    let s = sign(&a[0]);
    match &a[0] {
        Value::Single(f) if *f != 0.0 => Ok(Value::Single(s as f32)),
        Value::Double(d) if *d != 0.0 => Ok(Value::Double(s as f64)),
        Value::Single(_) | Value::Double(_) => Ok(a[0].clone()),
        v if is_number(v) => Ok(Value::Fixnum(s as i64)),
        v => type_err(it, v, "NUMBER"),
    }
}

// ----- quotients ----------------------------------------------------------

fn quotient(it: &mut Interp, a: &[Value], mode: Rounding) -> LResult<Value> {
    let d = a.get(1).cloned().unwrap_or(Value::Fixnum(1));
    let (q, r) = divide(it, mode, &a[0], &d)?;
    Ok(it.values(vec![q, r]))
}

fn floor(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    quotient(it, a, Rounding::Floor)
}

fn ceiling(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    quotient(it, a, Rounding::Ceiling)
}

fn truncate(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    quotient(it, a, Rounding::Truncate)
}

fn round(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    quotient(it, a, Rounding::Round)
}

/// `ffloor` & co: the quotient as a float of the arguments' contagion
/// format (single for rationals), the remainder as for `floor`.
fn fquotient(it: &mut Interp, a: &[Value], mode: Rounding) -> LResult<Value> {
    let d = a.get(1).cloned().unwrap_or(Value::Fixnum(1));
    let (q, r) = divide(it, mode, &a[0], &d)?;
    let kind = contagion(&a[0], &d);
    let qf = make_float(to_f64(&q).unwrap_or(f64::NAN), kind);
    // A negative float that truncates toward zero keeps its sign (-0.0);
    // SBCL's fround does not.
    let qf = match qf {
        _ if mode == Rounding::Round => qf,
        Value::Single(f) if f == 0.0 && sign(&a[0]) * sign(&d) < 0 && is_float(&a[0]) => {
            Value::Single(-0.0)
        }
        Value::Double(x) if x == 0.0 && sign(&a[0]) * sign(&d) < 0 && is_float(&a[0]) => {
            Value::Double(-0.0)
        }
        other => other,
    };
    Ok(it.values(vec![qf, r]))
}

fn ffloor(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fquotient(it, a, Rounding::Floor)
}

fn fceiling(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fquotient(it, a, Rounding::Ceiling)
}

fn ftruncate(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fquotient(it, a, Rounding::Truncate)
}

fn fround(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fquotient(it, a, Rounding::Round)
}

fn mod_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(divide(it, Rounding::Floor, &a[0], &a[1])?.1)
}

fn rem_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(divide(it, Rounding::Truncate, &a[0], &a[1])?.1)
}

// ----- predicates ---------------------------------------------------------

fn zerop(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_number(it, &a[0])?;
    Ok(Value::bool(is_zero(&a[0])))
}

fn real_sign(it: &mut Interp, v: &Value) -> LResult<i32> {
    if rank(v).is_none() {
        return type_err(it, v, "REAL");
    }
    Ok(sign(v))
}

fn plusp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(real_sign(it, &a[0])? > 0))
}

fn minusp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(real_sign(it, &a[0])? < 0))
}

fn is_odd(it: &mut Interp, v: &Value) -> LResult<bool> {
    use num_integer::Integer;
    match v {
        Value::Fixnum(n) => Ok(n & 1 == 1),
        Value::Bignum(b) => Ok(b.is_odd()),
        _ => type_err(it, v, "INTEGER"),
    }
}

fn evenp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(!is_odd(it, &a[0])?))
}

fn oddp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(is_odd(it, &a[0])?))
}

fn numberp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(is_number(&a[0])))
}

fn integerp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(is_integer(&a[0])))
}

fn rationalp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(
        rank(&a[0]),
        Some(Rank::Integer | Rank::Ratio)
    )))
}

fn floatp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(is_float(&a[0])))
}

#[cfg(test)]
mod tests {
    use crate::eval::package::cl_sym;
    use crate::eval::{Interp, Value};
    use crate::toplevel::new_interp;

    fn call(it: &mut Interp, name: &str, args: &[Value]) -> Vec<Value> {
        match it.call_named(&cl_sym(name), args) {
            Ok(v) => it.take_values(v),
            Err(_) => panic!("{name} signalled"),
        }
    }

    fn error_type(it: &mut Interp, name: &str, args: &[Value]) -> String {
        match it.call_named(&cl_sym(name), args) {
            Err(u) => match u.condition().cloned().unwrap_or(Value::Nil) {
                Value::Struct(o) => o.class.name.name.clone(),
                _ => "?".into(),
            },
            _ => "no error".into(),
        }
    }

    fn int(n: i64) -> Value {
        Value::Fixnum(n)
    }

    #[test]
    fn fixnum_overflow_promotes() {
        let mut it = new_interp();
        let r = call(&mut it, "+", &[int(i64::MAX), int(1)]);
        assert!(matches!(r[0], Value::Bignum(_)));
        let r = call(&mut it, "-", &[r[0].clone(), int(1)]);
        assert!(matches!(r[0], Value::Fixnum(i64::MAX)));
        let r = call(&mut it, "*", &[int(i64::MIN), int(-1)]);
        assert!(matches!(r[0], Value::Bignum(_)));
        let r = call(&mut it, "-", &[int(i64::MIN)]);
        assert!(matches!(r[0], Value::Bignum(_)));
    }

    #[test]
    fn division_makes_ratios_and_detects_zero() {
        let mut it = new_interp();
        let r = call(&mut it, "/", &[int(1), int(3)]);
        assert!(
            matches!(&r[0], Value::Ratio(q) if q.numer() == &1.into() && q.denom() == &3.into())
        );
        let r = call(&mut it, "/", &[int(6), int(3)]);
        assert!(matches!(r[0], Value::Fixnum(2)));
        assert_eq!(
            error_type(&mut it, "/", &[int(1), int(0)]),
            "DIVISION-BY-ZERO"
        );
        assert_eq!(
            error_type(&mut it, "/", &[Value::Single(1.0), int(0)]),
            "DIVISION-BY-ZERO"
        );
        assert_eq!(
            error_type(&mut it, "FLOOR", &[int(1), int(0)]),
            "DIVISION-BY-ZERO"
        );
        assert_eq!(
            error_type(&mut it, "+", &[int(1), Value::string("a")]),
            "TYPE-ERROR"
        );
    }

    #[test]
    fn contagion_and_rounding() {
        let mut it = new_interp();
        let r = call(&mut it, "+", &[Value::Single(1.5), Value::Double(1.0)]);
        assert!(matches!(r[0], Value::Double(x) if x == 2.5));
        let r = call(&mut it, "ROUND", &[Value::Single(2.5)]);
        assert!(matches!(r[0], Value::Fixnum(2)));
        assert!(matches!(r[1], Value::Single(x) if x == 0.5));
        let r = call(&mut it, "ROUND", &[int(-7), int(2)]);
        assert!(matches!(
            (&r[0], &r[1]),
            (Value::Fixnum(-4), Value::Fixnum(1))
        ));
        let r = call(&mut it, "FLOOR", &[Value::Single(5.5), int(2)]);
        assert!(matches!((&r[0], &r[1]), (Value::Fixnum(2), Value::Single(x)) if *x == 1.5));
        let r = call(
            &mut it,
            "=",
            &[int(1), Value::Single(1.0), Value::Double(1.0)],
        );
        assert!(r[0].truthy());
    }
}

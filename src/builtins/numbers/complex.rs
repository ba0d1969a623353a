//! Complex numbers (CLHS 12.1.5): construction and canonicalisation,
//! the four operations on them, `realpart` … `cis`, and the irrational
//! functions in the complex plane (CLHS 12.1.5.3, the principal branches
//! of CLHS 12.2's `sqrt`, `log`, `asin` …), computed in double and
//! returned in the parts' float format, as SBCL does.

use std::rc::Rc;

use super::arith::{
    self, contagion, float_kind, is_float, is_number, make_float, rank, to_kind, FloatKind, Op,
};
use crate::builtins::args::type_err;
use crate::eval::value::Complex;
use crate::eval::{Interp, LResult, Value};

/// A complex in double precision, for the irrational functions.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct C(pub f64, pub f64);

impl C {
    fn add(self, o: C) -> C {
        C(self.0 + o.0, self.1 + o.1)
    }
    fn sub(self, o: C) -> C {
        C(self.0 - o.0, self.1 - o.1)
    }
    fn mul(self, o: C) -> C {
        C(self.0 * o.0 - self.1 * o.1, self.0 * o.1 + self.1 * o.0)
    }
    fn div(self, o: C) -> C {
        let d = o.0 * o.0 + o.1 * o.1;
        C(
            (self.0 * o.0 + self.1 * o.1) / d,
            (self.1 * o.0 - self.0 * o.1) / d,
        )
    }
    fn scale(self, k: f64) -> C {
        C(self.0 * k, self.1 * k)
    }
    pub fn abs(self) -> f64 {
        self.0.hypot(self.1)
    }
    pub fn exp(self) -> C {
        let m = self.0.exp();
        C(m * self.1.cos(), m * self.1.sin())
    }
    pub fn log(self) -> C {
        C(self.abs().ln(), self.1.atan2(self.0))
    }
    /// Principal square root (Kahan's branch cut along the negative reals).
    pub fn sqrt(self) -> C {
        let (x, y) = (self.0, self.1);
        if x == 0.0 && y == 0.0 {
            return C(0.0, y);
        }
        // Halved first near the top of the range, where the sum would
        // overflow (sqrt of most-negative-double-float is finite).
        let t = if x.abs() > f64::MAX / 4.0 || y.abs() > f64::MAX / 4.0 {
            (x.abs() / 2.0 + self.abs() / 2.0).sqrt()
        } else {
            ((x.abs() + self.abs()) / 2.0).sqrt()
        };
        if x >= 0.0 {
            C(t, y / (2.0 * t))
        } else {
            C(y.abs() / (2.0 * t), t.copysign(y))
        }
    }
    pub fn sin(self) -> C {
        C(self.0.sin() * self.1.cosh(), self.0.cos() * self.1.sinh())
    }
    pub fn cos(self) -> C {
        C(
            self.0.cos() * self.1.cosh(),
            -(self.0.sin() * self.1.sinh()),
        )
    }
    pub fn tan(self) -> C {
        self.sin().div(self.cos())
    }
    pub fn sinh(self) -> C {
        C(self.0.sinh() * self.1.cos(), self.0.cosh() * self.1.sin())
    }
    pub fn cosh(self) -> C {
        C(self.0.cosh() * self.1.cos(), self.0.sinh() * self.1.sin())
    }
    pub fn tanh(self) -> C {
        self.sinh().div(self.cosh())
    }
    /// asin z = -i log(iz + sqrt(1 - z²)) (CLHS ASIN).
    pub fn asin(self) -> C {
        let i = C(0.0, 1.0);
        let one = C(1.0, 0.0);
        let w = i.mul(self).add(one.sub(self.mul(self)).sqrt()).log();
        C(w.1, -w.0)
    }
    /// acos z = π/2 - asin z.
    pub fn acos(self) -> C {
        let a = self.asin();
        C(std::f64::consts::FRAC_PI_2 - a.0, -a.1)
    }
    /// atan z = (log(1 + iz) - log(1 - iz)) / 2i.
    pub fn atan(self) -> C {
        let iz = C(-self.1, self.0);
        let one = C(1.0, 0.0);
        let d = one.add(iz).log().sub(one.sub(iz).log());
        C(d.1 / 2.0, -d.0 / 2.0)
    }
    /// asinh z = log(z + sqrt(1 + z²)).
    pub fn asinh(self) -> C {
        let one = C(1.0, 0.0);
        self.add(one.add(self.mul(self)).sqrt()).log()
    }
    /// acosh z = 2 log(sqrt((z+1)/2) + sqrt((z-1)/2)).
    pub fn acosh(self) -> C {
        let one = C(1.0, 0.0);
        let a = self.add(one).scale(0.5).sqrt();
        let b = self.sub(one).scale(0.5).sqrt();
        a.add(b).log().scale(2.0)
    }
    /// atanh z = (log(1 + z) - log(1 - z)) / 2.
    pub fn atanh(self) -> C {
        // 1 - z keeps the sign of a zero imaginary part flipped, which
        // puts real arguments above 1 on SBCL's side of the branch cut.
        let plus = C(1.0 + self.0, self.1);
        let minus = C(1.0 - self.0, -self.1);
        plus.log().sub(minus.log()).scale(0.5)
    }
    pub fn pow(self, w: C) -> C {
        if self.0 == 0.0 && self.1 == 0.0 {
            return C(0.0, 0.0);
        }
        w.mul(self.log()).exp()
    }
}

/// Is `v` a complex number?
pub fn is_complex(v: &Value) -> bool {
    matches!(v, Value::Complex(_))
}

/// The real and imaginary parts of any number (a real's imaginary part
/// is a zero of its type, CLHS IMAGPART).
pub fn parts(v: &Value) -> Option<(Value, Value)> {
    match v {
        Value::Complex(c) => Some((c.re.clone(), c.im.clone())),
        // (* 0 x): a negative float's imaginary part is -0.0.
        Value::Single(f) => Some((v.clone(), Value::Single(0.0 * f))),
        Value::Double(d) => Some((v.clone(), Value::Double(0.0 * d))),
        _ if rank(v).is_some() => Some((v.clone(), Value::Fixnum(0))),
        _ => None,
    }
}

/// The float format of a complex's parts.
fn kind_of(v: &Value) -> FloatKind {
    match parts(v) {
        Some((re, im)) => contagion(&re, &im),
        None => FloatKind::Single,
    }
}

/// `(complex re im)` canonicalised (CLHS 12.1.5.3): a rational complex
/// with a zero imaginary part is its real part; float parts share the
/// wider format.
pub fn make(it: &mut Interp, re: &Value, im: &Value) -> LResult<Value> {
    for p in [re, im] {
        if rank(p).is_none() {
            return type_err(it, p, "REAL");
        }
    }
    Ok(make_value(re, im))
}

/// [`make`] for two values known to be reals (the reader's `#C`).
pub fn make_value(re: &Value, im: &Value) -> Value {
    if is_float(re) || is_float(im) {
        let kind = contagion(re, im);
        let (x, y) = (
            to_kind(re, kind).unwrap_or(f64::NAN),
            to_kind(im, kind).unwrap_or(f64::NAN),
        );
        return Value::Complex(Rc::new(Complex {
            re: make_float(x, kind),
            im: make_float(y, kind),
        }));
    }
    if arith::is_zero(im) {
        return re.clone();
    }
    Value::Complex(Rc::new(Complex {
        re: re.clone(),
        im: im.clone(),
    }))
}

/// A float complex from a double-precision result.
fn from_c(it: &mut Interp, z: C, kind: FloatKind, op: &str, args: &[Value]) -> LResult<Value> {
    let (re, im) = (make_float(z.0, kind), make_float(z.1, kind));
    let finite = |v: &Value| match v {
        Value::Single(f) => f.is_finite(),
        Value::Double(d) => d.is_finite(),
        _ => true,
    };
    if !finite(&re) || !finite(&im) {
        return arith::arith_error(it, "FLOATING-POINT-OVERFLOW", op, args);
    }
    Ok(Value::Complex(Rc::new(Complex { re, im })))
}

/// Any number as a double-precision complex.
///
/// A real's imaginary part is +0.0 here (not `imagpart`'s `(* 0 x)`), which
/// puts negative reals on SBCL's side of the branch cuts: `(sqrt -4d0)` is
/// `#C(0.0d0 2.0d0)`.
pub fn to_c(v: &Value) -> Option<C> {
    if !is_complex(v) {
        return Some(C(arith::to_f64(v)?, 0.0)).filter(|_| rank(v).is_some());
    }
    let (re, im) = parts(v)?;
    Some(C(arith::to_f64(&re)?, arith::to_f64(&im)?))
}

/// `a op b` where either is complex: exact on rational parts.
pub fn arith_complex(it: &mut Interp, op: Op, a: &Value, b: &Value) -> LResult<Value> {
    let (Some((ar, ai)), Some((br, bi))) = (parts(a), parts(b)) else {
        let bad = if is_number(a) { b } else { a };
        return type_err(it, bad, "NUMBER");
    };
    let (re, im) = match op {
        Op::Add => (arith::add(it, &ar, &br)?, arith::add(it, &ai, &bi)?),
        Op::Sub => (arith::sub(it, &ar, &br)?, arith::sub(it, &ai, &bi)?),
        Op::Mul => {
            let (p, q) = (arith::mul(it, &ar, &br)?, arith::mul(it, &ai, &bi)?);
            let (r, s) = (arith::mul(it, &ar, &bi)?, arith::mul(it, &ai, &br)?);
            (arith::sub(it, &p, &q)?, arith::add(it, &r, &s)?)
        }
        Op::Div => {
            let (p, q) = (arith::mul(it, &br, &br)?, arith::mul(it, &bi, &bi)?);
            let den = arith::add(it, &p, &q)?;
            if arith::is_zero(&den) {
                return arith::division_by_zero(it, "/", &[a.clone(), b.clone()]);
            }
            let (p, q) = (arith::mul(it, &ar, &br)?, arith::mul(it, &ai, &bi)?);
            let num_re = arith::add(it, &p, &q)?;
            let (r, s) = (arith::mul(it, &ai, &br)?, arith::mul(it, &ar, &bi)?);
            let num_im = arith::sub(it, &r, &s)?;
            (
                arith::div(it, &num_re, &den)?,
                arith::div(it, &num_im, &den)?,
            )
        }
    };
    make(it, &re, &im)
}

/// `(= a b)` where either may be complex.
pub fn complex_eq(a: &Value, b: &Value) -> Option<bool> {
    let (ar, ai) = parts(a)?;
    let (br, bi) = parts(b)?;
    Some(
        arith::real_cmp(&ar, &br) == Some(std::cmp::Ordering::Equal)
            && arith::real_cmp(&ai, &bi) == Some(std::cmp::Ordering::Equal),
    )
}

/// `(abs z)`: the modulus, a float.
pub fn abs(it: &mut Interp, v: &Value) -> LResult<Value> {
    let z = to_c(v).unwrap_or(C(f64::NAN, 0.0));
    let r = z.abs();
    let kind = kind_of(v);
    let out = make_float(r, kind);
    if !matches!(out, Value::Single(f) if f.is_finite()) && !r.is_finite() {
        return arith::arith_error(
            it,
            "FLOATING-POINT-OVERFLOW",
            "ABS",
            std::slice::from_ref(v),
        );
    }
    Ok(out)
}

/// An irrational function of a complex argument, or of a real one
/// outside the function's real domain.
pub fn unary(it: &mut Interp, v: &Value, op: &str, f: fn(C) -> C) -> LResult<Value> {
    let Some(z) = to_c(v) else {
        return type_err(it, v, "NUMBER");
    };
    let kind = if is_complex(v) {
        kind_of(v)
    } else {
        float_kind(v)
    };
    from_c(it, f(z), kind, op, std::slice::from_ref(v))
}

/// `(expt base power)` in the complex plane: exp(power · log base).
pub fn expt(it: &mut Interp, b: &Value, p: &Value) -> LResult<Value> {
    // An integer power of a complex is exact by repeated multiplication.
    if let Value::Fixnum(n) = p {
        if is_complex(b) && n.unsigned_abs() <= 1 << 20 {
            let mut acc = Value::Fixnum(1);
            let mut base = b.clone();
            let mut e = n.unsigned_abs();
            while e > 0 {
                if e & 1 == 1 {
                    acc = arith_complex(it, Op::Mul, &acc, &base)?;
                }
                base = arith_complex(it, Op::Mul, &base, &base)?;
                e >>= 1;
            }
            if *n < 0 {
                return arith_complex(it, Op::Div, &Value::Fixnum(1), &acc);
            }
            return Ok(acc);
        }
    }
    let (Some(zb), Some(zp)) = (to_c(b), to_c(p)) else {
        let bad = if is_number(b) { p } else { b };
        return type_err(it, bad, "NUMBER");
    };
    let kind = match (kind_of(b), kind_of(p)) {
        (FloatKind::Double, _) | (_, FloatKind::Double) => FloatKind::Double,
        _ => FloatKind::Single,
    };
    let kind = if matches!(b, Value::Double(_)) || matches!(p, Value::Double(_)) {
        FloatKind::Double
    } else {
        kind
    };
    from_c(it, zb.pow(zp), kind, "EXPT", &[b.clone(), p.clone()])
}

/// `(phase z)`: the angle, a float (CLHS PHASE).
pub fn phase(it: &mut Interp, v: &Value) -> LResult<Value> {
    let Some(z) = to_c(v) else {
        return type_err(it, v, "NUMBER");
    };
    let kind = if is_complex(v) {
        kind_of(v)
    } else {
        float_kind(v)
    };
    Ok(make_float(z.1.atan2(z.0), kind))
}

// ----- builtins ---------------------------------------------------------------

pub fn complex_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let im = match a.get(1) {
        Some(im) => im.clone(),
        None if is_float(&a[0]) => make_float(0.0, float_kind(&a[0])),
        None => Value::Fixnum(0),
    };
    make(it, &a[0], &im)
}

fn need_number(it: &mut Interp, v: &Value) -> LResult<(Value, Value)> {
    match parts(v) {
        Some(p) => Ok(p),
        None => type_err(it, v, "NUMBER"),
    }
}

pub fn realpart(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(need_number(it, &a[0])?.0)
}

pub fn imagpart(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(need_number(it, &a[0])?.1)
}

pub fn conjugate(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (re, im) = need_number(it, &a[0])?;
    if !is_complex(&a[0]) {
        return Ok(a[0].clone());
    }
    let im = arith::negate(it, &im)?;
    make(it, &re, &im)
}

pub fn phase_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    phase(it, &a[0])
}

pub fn cis(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if rank(&a[0]).is_none() {
        return type_err(it, &a[0], "REAL");
    }
    let x = arith::to_f64(&a[0]).unwrap_or(f64::NAN);
    from_c(it, C(x.cos(), x.sin()), float_kind(&a[0]), "CIS", a)
}

pub fn complexp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(is_complex(&a[0])))
}

pub fn realp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(rank(&a[0]).is_some()))
}

/// SBCL keeps the parts' type as given (`(complex integer)` holds only
/// integer parts).
pub fn upgraded_complex_part_type(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(a[0].clone())
}

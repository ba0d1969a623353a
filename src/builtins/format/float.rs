//! Float directives `~F ~E ~G ~$` (CLHS 22.3.3), with SBCL's choices:
//! digits are the shortest that read back to the same float; when fewer
//! decimals are asked for than those digits have, the exact binary value
//! is rounded, halves away from zero (`(format nil "~,2f" 2.675)` is
//! "2.67" because 2.675f0 is 2.67499995…; 0.125 gives "0.13").

use num_bigint::BigInt;
use num_traits::One;

/// A float argument: magnitude, sign, and whether it is a single-float.
#[derive(Clone, Copy)]
pub struct Flo {
    pub x: f64,
    pub single: bool,
}

impl Flo {
    /// The sign SBCL writes: `float-sign`, so -0.0 is negative.
    pub fn negative(&self) -> bool {
        self.x.is_sign_negative()
    }

    /// Shortest round-trip digits of |x| and the decimal exponent of the
    /// first digit: |x| = d1.d2d3… × 10^exp. Zero is ("0", 0).
    pub fn shortest(&self) -> (String, i32) {
        let a = self.x.abs();
        if a == 0.0 {
            return ("0".into(), 0);
        }
        let s = if self.single {
            format!("{:e}", a as f32)
        } else {
            format!("{a:e}")
        };
        let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
        let digits = digits.trim_end_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        (digits.to_string(), exp.parse().unwrap_or(0))
    }

    /// |x| × 10^scale rounded to an integer, halves up, from the exact
    /// binary value.
    fn round_scaled(&self, scale: i32) -> BigInt {
        let (mant, exp2) = decompose(self.x.abs());
        let mut num = BigInt::from(mant);
        let mut den = BigInt::one();
        if exp2 >= 0 {
            num <<= exp2 as usize;
        } else {
            den <<= (-exp2) as usize;
        }
        let ten = BigInt::from(10);
        if scale >= 0 {
            num *= num_traits::pow(ten, scale as usize);
        } else {
            den *= num_traits::pow(ten, (-scale) as usize);
        }
        let q = &num / &den;
        let r = &num - &q * &den;
        if r * 2 >= den {
            q + 1
        } else {
            q
        }
    }

    /// (integer digits, fraction digits) of |x| × 10^k with `d` decimals;
    /// `None` for d means as many as the shortest digits need.
    pub fn fixed(&self, d: Option<usize>, k: i32) -> (String, String) {
        let (digits, exp) = self.shortest();
        let exp = exp + k;
        // Decimals the shortest digits occupy.
        let needed = (digits.len() as i32 - 1 - exp).max(0) as usize;
        match d {
            Some(d) if d < needed => {
                let n = self.round_scaled(d as i32 + k).to_string();
                split_at_decimals(&n, d)
            }
            _ => {
                let decimals = d.unwrap_or(needed).max(needed);
                // digits × 10^(exp - len + 1), as an integer of `decimals` decimals.
                let shift = exp - digits.len() as i32 + 1 + decimals as i32;
                let mut n = digits.clone();
                if shift >= 0 {
                    n.push_str(&"0".repeat(shift as usize));
                    split_at_decimals(n.trim_start_matches('0'), decimals)
                } else {
                    split_at_decimals(&n, decimals)
                }
            }
        }
    }

    /// Mantissa digits rounded to `sig` significant digits and the
    /// exponent of the first one (for `~E` with d).
    pub fn significant(&self, sig: usize) -> (String, i32) {
        let (digits, exp) = self.shortest();
        if digits.len() <= sig || self.x == 0.0 {
            let mut d = digits;
            while d.len() < sig {
                d.push('0');
            }
            return (d, exp);
        }
        let n = self.round_scaled(sig as i32 - 1 - exp).to_string();
        if n.len() > sig {
            // Rounding carried into a new digit (9.99 → 10.0).
            (n[..sig].to_string(), exp + 1)
        } else {
            (n, exp)
        }
    }
}

/// m × 2^e == x exactly, for a finite non-negative x.
fn decompose(x: f64) -> (u64, i64) {
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    }
}

/// Split the decimal integer `n` into integer and fraction parts with
/// `decimals` fraction digits.
fn split_at_decimals(n: &str, decimals: usize) -> (String, String) {
    let n = if n.len() < decimals {
        format!("{}{n}", "0".repeat(decimals - n.len()))
    } else {
        n.to_string()
    };
    let cut = n.len() - decimals;
    let int = n[..cut].trim_start_matches('0').to_string();
    (int, n[cut..].to_string())
}

/// The float to format for a real argument: rationals become
/// single-floats (as SBCL does); `None` for non-reals and non-finite.
pub fn as_float(v: &crate::eval::Value) -> Option<Flo> {
    use crate::eval::Value;
    let f = match v {
        Value::Single(f) => Flo {
            x: *f as f64,
            single: true,
        },
        Value::Double(d) => Flo {
            x: *d,
            single: false,
        },
        Value::Fixnum(_) | Value::Bignum(_) | Value::Ratio(_) => {
            let x = crate::eval::types::number_f64(v) as f32;
            Flo {
                x: x as f64,
                single: true,
            }
        }
        _ => return None,
    };
    f.x.is_finite().then_some(f)
}

/// Parameters of `~F`.
pub struct FixedParams {
    pub w: Option<usize>,
    pub d: Option<usize>,
    pub k: i32,
    pub overflow: Option<char>,
    pub pad: char,
    pub plus: bool,
}

/// `~w,d,k,overflowchar,padcharF`, as SBCL's `format-fixed-aux`: the
/// digits (with at most one of a leading or trailing zero around the
/// point dropped when the width is short), then padding on the left.
pub fn format_fixed(f: Flo, p: &FixedParams) -> String {
    let sign = if f.negative() {
        "-"
    } else if p.plus {
        "+"
    } else {
        ""
    };
    let decimals = match (p.w, p.d) {
        (Some(w), None) if f.x != 0.0 => {
            let width = w.saturating_sub(sign.len());
            (width > 1).then(|| width_decimals(&f, width, p.k))
        }
        (_, d) => d,
    };
    // The digits around the point, without the optional zeros.
    let (int, frac) = if f.x == 0.0 {
        // SBCL writes zero as ".0" when the width is short.
        (String::new(), "0".repeat(p.d.unwrap_or(1)))
    } else {
        let (int, mut frac) = f.fixed(decimals, p.k);
        if p.d.is_none() {
            // Digits rounded away leave no trailing zeros (".0" not ".00").
            frac.truncate(frac.trim_end_matches('0').len());
            if frac.is_empty() && int.trim_start_matches('0').is_empty() {
                // All digits rounded away: written as zero is (".0").
                frac.push('0');
            }
        }
        (int.trim_start_matches('0').to_string(), frac)
    };
    let body_len = int.chars().count() + 1 + frac.chars().count();
    let mut lead_zero = int.is_empty();
    let mut trail_zero = frac.is_empty() && p.d != Some(0);
    let mut pad = 0usize;
    if let Some(w) = p.w {
        let mut left = w as i64 - sign.len() as i64 - body_len as i64;
        if lead_zero {
            if left > 0 || trail_zero {
                left -= 1;
            } else {
                lead_zero = false;
            }
        }
        if trail_zero {
            if left > 0 {
                left -= 1;
            } else {
                trail_zero = false;
            }
        }
        if left < 0 {
            if let Some(c) = p.overflow {
                return c.to_string().repeat(w);
            }
        }
        pad = left.max(0) as usize;
    }
    let mut out = String::with_capacity(pad + body_len + 3);
    out.extend(std::iter::repeat_n(p.pad, pad));
    out.push_str(sign);
    if lead_zero {
        out.push('0');
    }
    out.push_str(&int);
    out.push('.');
    out.push_str(&frac);
    if trail_zero {
        out.push('0');
    }
    out
}

/// The decimals `~wF` without d shows in `width` characters (SBCL's
/// `flonum-to-string`): width-1 digits of the unscaled value counted
/// from its first integer digit (or from the point when there is none),
/// never rounding into the integer part, and no more than the shortest
/// digits need; the scale factor k then moves the point.
fn width_decimals(f: &Flo, width: usize, k: i32) -> usize {
    let (shortest, exp) = f.shortest();
    let needed = (shortest.len() as i32 - 1 - exp).max(0);
    let sig = (width as i32 - 1 + k.min(0)).max(1);
    let int_digits = (exp + 1).max(0);
    let mut decimals = sig - int_digits;
    if decimals < 0 {
        return 0;
    }
    // Rounding that would carry into a new leading digit keeps one more
    // decimal instead (9.96 in ~3F stays "9.96").
    let rounded = f.round_scaled(decimals);
    if rounded >= num_traits::pow(BigInt::from(10), (int_digits + decimals) as usize) {
        decimals += 1;
    }
    (needed.min(decimals) - k).max(0) as usize
}

/// Parameters of `~E`.
pub struct ExpParams {
    pub w: Option<usize>,
    pub d: Option<usize>,
    pub e: Option<usize>,
    pub k: i32,
    pub overflow: Option<char>,
    pub pad: char,
    pub marker: Option<char>,
    pub plus: bool,
}

/// `~w,d,e,k,overflowchar,padchar,exptcharE`.
pub fn format_exp(f: Flo, p: &ExpParams) -> String {
    let sign = if f.negative() {
        "-"
    } else if p.plus {
        "+"
    } else {
        ""
    };
    let k = p.k;
    let (digits, exp) = match p.d {
        Some(d) => {
            let sig = if k > 0 {
                d + 1
            } else {
                (d as i32 + k).max(1) as usize
            };
            f.significant(sig)
        }
        None => f.shortest(),
    };
    let e_out = if f.x == 0.0 { 0 } else { exp - (k - 1) };
    let mut mant = String::new();
    if k > 0 {
        let k = k as usize;
        let mut ds = digits.clone();
        while ds.len() < k {
            ds.push('0');
        }
        mant.push_str(&ds[..k]);
        mant.push('.');
        let rest = &ds[k..];
        mant.push_str(if rest.is_empty() && p.d != Some(0) {
            "0"
        } else {
            rest
        });
    } else {
        mant.push_str("0.");
        mant.push_str(&"0".repeat((-k) as usize));
        mant.push_str(&digits);
    }
    // The marker is e for floats of *read-default-float-format*.
    let marker = p.marker.unwrap_or(match (f.single, default_is_double()) {
        (true, false) | (false, true) => 'e',
        (true, true) => 'f',
        (false, false) => 'd',
    });
    let exp_sign = if e_out < 0 { '-' } else { '+' };
    let mut exp_digits = e_out.unsigned_abs().to_string();
    if let Some(e) = p.e {
        if exp_digits.len() < e {
            exp_digits = format!("{}{exp_digits}", "0".repeat(e - exp_digits.len()));
        }
    }
    let body = format!("{sign}{mant}{marker}{exp_sign}{exp_digits}");
    match p.w {
        Some(w) => {
            if body.chars().count() > w {
                if let Some(c) = p.overflow {
                    return c.to_string().repeat(w);
                }
            }
            pad_left(&body, w, p.pad)
        }
        None => body,
    }
}

/// Is `*read-default-float-format*` double-float?
fn default_is_double() -> bool {
    let v = crate::eval::package::cl_sym("*READ-DEFAULT-FLOAT-FORMAT*")
        .value
        .borrow()
        .clone();
    matches!(v, Some(crate::eval::Value::Symbol(s)) if s.name == "DOUBLE-FLOAT")
}

/// `~w,d,e,k,overflowchar,padchar,exptcharG` (CLHS 22.3.3.3).
pub fn format_general(f: Flo, p: &ExpParams) -> String {
    let (digits, exp) = f.shortest();
    let n = if f.x == 0.0 { 1 } else { exp + 1 };
    let ee = p.e.map(|e| e + 2).unwrap_or(4);
    let d = match p.d {
        Some(d) => d as i32,
        None => {
            let int_digits = n.max(0);
            let frac_digits = (digits.len() as i32 - n).max(0);
            let q = int_digits + frac_digits;
            q.max(n.min(7))
        }
    };
    let dd = d - n;
    if 0 <= dd && dd <= d {
        let fixed = FixedParams {
            w: p.w.map(|w| w.saturating_sub(ee)),
            d: Some(dd as usize),
            k: 0,
            overflow: p.overflow,
            pad: p.pad,
            plus: p.plus,
        };
        let mut s = format_fixed(f, &fixed);
        s.push_str(&" ".repeat(ee));
        s
    } else {
        let e = ExpParams {
            d: Some(d.max(0) as usize),
            ..*p
        };
        format_exp(f, &e)
    }
}

/// `~d,n,w,padchar$`: `d` decimals, at least `n` integer digits, width `w`.
pub fn format_money(
    f: Flo,
    d: usize,
    n: usize,
    w: usize,
    pad: char,
    plus: bool,
    sign_first: bool,
) -> String {
    let (int, frac) = f.fixed(Some(d), 0);
    let int = if int.len() < n {
        format!("{}{int}", "0".repeat(n - int.len()))
    } else {
        int
    };
    let sign = if f.negative() {
        "-"
    } else if plus {
        "+"
    } else {
        ""
    };
    let body = format!("{int}.{frac}");
    let len = sign.len() + body.chars().count();
    let fill = pad.to_string().repeat(w.saturating_sub(len));
    if sign_first {
        format!("{sign}{fill}{body}")
    } else {
        format!("{fill}{sign}{body}")
    }
}

pub fn pad_left(s: &str, w: usize, pad: char) -> String {
    let n = s.chars().count();
    if n >= w {
        return s.to_string();
    }
    format!("{}{s}", pad.to_string().repeat(w - n))
}

/// Digits of an integer in `radix` (2–36), upper-case letters as SBCL prints.
pub fn int_digits(n: &BigInt, radix: u32) -> String {
    let mut text = String::new();
    crate::builtins::numbers::radix::push_unsigned(n.magnitude(), radix, &mut text);
    text.make_ascii_uppercase();
    text
}

/// `n` as a BigInt if it is an integer value.
pub fn as_integer(v: &crate::eval::Value) -> Option<BigInt> {
    use crate::eval::Value;
    match v {
        Value::Fixnum(n) => Some(BigInt::from(*n)),
        Value::Bignum(b) => Some((**b).clone()),
        _ => None,
    }
}

/// Is `n` one (for `~P`)?
pub fn is_one(v: &crate::eval::Value) -> bool {
    matches!(v, crate::eval::Value::Fixnum(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: f32) -> Flo {
        Flo {
            x: x as f64,
            single: true,
        }
    }

    fn fixed(x: f32, d: Option<usize>) -> String {
        format_fixed(
            s(x),
            &FixedParams {
                w: None,
                d,
                k: 0,
                overflow: None,
                pad: ' ',
                plus: false,
            },
        )
    }

    #[test]
    fn fixed_rounds_like_sbcl() {
        assert_eq!(fixed(1.23456, Some(2)), "1.23");
        assert_eq!(fixed(0.125, Some(2)), "0.13");
        assert_eq!(fixed(2.675, Some(2)), "2.67");
        assert_eq!(fixed(2.5, Some(0)), "3.");
        assert_eq!(fixed(123456789.0, Some(2)), "123456790.00");
        assert_eq!(fixed(1e10, None), "10000000000.0");
        assert_eq!(fixed(9.99, Some(1)), "10.0");
        assert_eq!(fixed(0.0, Some(2)), "0.00");
        assert_eq!(fixed(-2.5, Some(2)), "-2.50");
        assert_eq!(fixed(100.0, None), "100.0");
    }
}

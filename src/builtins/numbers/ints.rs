//! Integer functions (CLHS 12.2): gcd/lcm, two's-complement bit operations,
//! `parse-integer`, and `random` with its random states.

use std::cell::Cell;
use std::rc::Rc;

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{One, Signed, Zero};

use super::arith::to_bigint;
use crate::builtins::args::{self, type_err};
use crate::builtins::chars::digit_value;
use crate::eval::package::cl_sym;
use crate::eval::value::HostObject;
use crate::eval::{Interp, LResult, Value};

/// Longest shift `ash` performs, in bits (the result would not fit in memory).
const MAX_SHIFT: i64 = 1 << 28;

fn integer(it: &mut Interp, v: &Value) -> LResult<BigInt> {
    match to_bigint(v) {
        Some(n) => Ok(n),
        None => type_err(it, v, "INTEGER"),
    }
}

pub fn gcd(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut acc = BigInt::zero();
    for v in a {
        let n = integer(it, v)?;
        acc = acc.gcd(&n);
    }
    Ok(Value::integer(acc))
}

pub fn lcm(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut acc = BigInt::one();
    for v in a {
        let n = integer(it, v)?;
        if n.is_zero() {
            acc = BigInt::zero();
        } else if !acc.is_zero() {
            acc = acc.lcm(&n);
        }
    }
    Ok(Value::integer(acc.abs()))
}

fn fold_bits(
    it: &mut Interp,
    a: &[Value],
    init: i64,
    fx: fn(i64, i64) -> i64,
    fb: fn(BigInt, &BigInt) -> BigInt,
) -> LResult<Value> {
    let mut small = Some(init);
    let mut acc = BigInt::from(init);
    for v in a {
        match (small, v) {
            (Some(s), Value::Fixnum(n)) => {
                small = Some(fx(s, *n));
                acc = BigInt::from(fx(s, *n));
            }
            _ => {
                let n = integer(it, v)?;
                acc = fb(acc, &n);
                small = None;
            }
        }
    }
    Ok(Value::integer(acc))
}

pub fn logand(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fold_bits(it, a, -1, |x, y| x & y, |x, y| x & y)
}

pub fn logior(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fold_bits(it, a, 0, |x, y| x | y, |x, y| x | y)
}

pub fn logxor(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fold_bits(it, a, 0, |x, y| x ^ y, |x, y| x ^ y)
}

pub fn logeqv(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fold_bits(it, a, -1, |x, y| !(x ^ y), |x, y| -(x ^ y) - 1)
}

/// A two-integer bitwise function, with the complement `!x = -x - 1`.
fn bits2(it: &mut Interp, a: &[Value], f: fn(BigInt, BigInt) -> BigInt) -> LResult<Value> {
    let x = integer(it, &a[0])?;
    let y = integer(it, &a[1])?;
    Ok(Value::integer(f(x, y)))
}

fn not(x: BigInt) -> BigInt {
    -x - 1
}

pub fn lognand(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bits2(it, a, |x, y| not(x & y))
}

pub fn lognor(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bits2(it, a, |x, y| not(x | y))
}

pub fn logandc1(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bits2(it, a, |x, y| not(x) & y)
}

pub fn logandc2(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bits2(it, a, |x, y| x & not(y))
}

pub fn logorc1(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bits2(it, a, |x, y| not(x) | y)
}

pub fn logorc2(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    bits2(it, a, |x, y| x | not(y))
}

pub fn logtest(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let x = integer(it, &a[0])?;
    let y = integer(it, &a[1])?;
    Ok(Value::bool(!(x & y).is_zero()))
}

pub fn lognot(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Value::Fixnum(n) = a[0] {
        return Ok(Value::Fixnum(!n));
    }
    let n = integer(it, &a[0])?;
    Ok(Value::integer(-n - 1))
}

pub fn logbitp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = integer(it, &a[1])?;
    let index = match &a[0] {
        Value::Fixnum(i) if *i >= 0 => *i as u64,
        Value::Bignum(b) if !b.is_negative() => u64::MAX,
        v => return type_err(it, v, "(INTEGER 0 *)"),
    };
    if index > n.bits() {
        return Ok(Value::bool(n.is_negative()));
    }
    Ok(Value::bool(n.bit(index)))
}

pub fn logcount(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = integer(it, &a[0])?;
    let m = if n.is_negative() { -n - 1 } else { n };
    Ok(Value::Fixnum(m.magnitude().count_ones() as i64))
}

pub fn integer_length(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = integer(it, &a[0])?;
    let m = if n.is_negative() { -n - 1 } else { n };
    Ok(Value::Fixnum(m.bits() as i64))
}

/// `(ash integer count)`: an arithmetic shift; right shifts round toward
/// negative infinity.
pub fn ash(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = integer(it, &a[0])?;
    let count = match &a[1] {
        Value::Fixnum(c) => *c,
        Value::Bignum(b) if b.is_negative() => i64::MIN,
        Value::Bignum(_) if n.is_zero() => 0,
        Value::Bignum(_) => MAX_SHIFT + 1,
        v => return type_err(it, v, "INTEGER"),
    };
    if count >= 0 {
        if count > MAX_SHIFT && !n.is_zero() {
            let c = it.make_error("STORAGE-CONDITION", "ASH: the shifted integer is too large");
            return it.err(c);
        }
        return Ok(Value::integer(n << count as usize));
    }
    let right = count.unsigned_abs();
    if right > n.bits() {
        return Ok(Value::Fixnum(if n.is_negative() { -1 } else { 0 }));
    }
    Ok(Value::integer(n >> right as usize))
}

// ----- parse-integer ----------------------------------------------------------

/// Whitespace[1] in the standard syntax (CLHS 2.1.4).
fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// The integer written in `s` (optional sign, digits in `radix`, nothing
/// else), for other parts of sendletter.
pub fn parse_integer_str(s: &str, radix: u32) -> Option<BigInt> {
    let chars: Vec<char> = s.chars().collect();
    match scan_integer(&chars, radix) {
        (Some(n), end) if end == chars.len() => Some(n),
        _ => None,
    }
}

/// Scan an optionally signed integer at the start of `chars`: the value (if
/// any digit was seen) and the index after the last sign/digit consumed.
fn scan_integer(chars: &[char], radix: u32) -> (Option<BigInt>, usize) {
    let mut i = 0;
    let negative = match chars.first() {
        Some('-') => {
            i = 1;
            true
        }
        Some('+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut values = Vec::new();
    while let Some(d) = chars.get(i).and_then(|c| digit_value(*c, radix)) {
        values.push(d as u8);
        i += 1;
    }
    // One conversion of all the digits (sub-quadratic), not a bignum
    // multiplication per digit.
    let Some(n) = super::radix::from_digit_values(&values, radix) else {
        return (None, start);
    };
    let sign = if negative { Sign::Minus } else { Sign::Plus };
    (Some(BigInt::from_biguint(sign, n)), i)
}

/// `(parse-integer string &key start end radix junk-allowed)` (CLHS 12.2).
pub fn parse_integer(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::string(it, &a[0])?;
    let kws = args::keywords(
        it,
        &a[1..],
        &["START", "END", "RADIX", "JUNK-ALLOWED"],
        "PARSE-INTEGER",
    )?;
    let chars: Vec<char> = s.chars().collect();
    let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
    let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?.unwrap_or(chars.len());
    if end > chars.len() || start > end {
        let msg = format!(
            "The bounding indices {start} and {end} are bad for a sequence of length {}.",
            chars.len()
        );
        let c = it.make_error("TYPE-ERROR", &msg);
        return it.err(c);
    }
    let radix = match args::kw(&kws, "RADIX") {
        None => 10,
        Some(Value::Fixnum(r)) if (2..=36).contains(&r) => r as u32,
        Some(v) => return type_err(it, &v, "(INTEGER 2 36)"),
    };
    let junk_allowed = args::kw(&kws, "JUNK-ALLOWED").is_some_and(|v| v.truthy());
    let mut i = start;
    while i < end && is_whitespace(chars[i]) {
        i += 1;
    }
    let (n, used) = scan_integer(&chars[i..end], radix);
    let mut stop = i + used;
    if junk_allowed {
        let v = n.map(Value::integer).unwrap_or(Value::Nil);
        return Ok(it.values(vec![v, Value::Fixnum(stop as i64)]));
    }
    let Some(n) = n else {
        let msg = if i == end {
            format!("no non-whitespace characters in string {}.", quoted(&s))
        } else {
            format!("junk in string {}", quoted(&s))
        };
        return parse_error(it, &msg);
    };
    while stop < end && is_whitespace(chars[stop]) {
        stop += 1;
    }
    if stop < end {
        return parse_error(it, &format!("junk in string {}", quoted(&s)));
    }
    Ok(it.values(vec![Value::integer(n), Value::Fixnum(end as i64)]))
}

fn quoted(s: &str) -> String {
    crate::printer::prin1_to_string(&Value::string(s))
}

fn parse_error<T>(it: &mut Interp, msg: &str) -> LResult<T> {
    let c = it.make_error("PARSE-ERROR", msg);
    it.err(c)
}

// ----- random ---------------------------------------------------------------

/// A random state: a splitmix64 generator (small, fast, statistically good
/// enough for scripts; not for cryptography).
pub struct RandomState {
    state: Cell<u64>,
}

impl RandomState {
    pub fn new(seed: u64) -> RandomState {
        RandomState {
            state: Cell::new(seed),
        }
    }

    /// Seeded from the operating system, falling back to the clock.
    pub fn fresh() -> RandomState {
        let mut buf = [0u8; 8];
        let seed = match getrandom::fill(&mut buf) {
            Ok(()) => u64::from_le_bytes(buf),
            Err(_) => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0x9E37_79B9_7F4A_7C15),
        };
        RandomState::new(seed)
    }

    pub fn next_u64(&self) -> u64 {
        let s = self.state.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
        self.state.set(s);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl HostObject for RandomState {
    fn type_name(&self) -> &str {
        "RANDOM-STATE"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn as_state(v: &Value) -> Option<crate::eval::value::HostRef> {
    match v {
        Value::Object(o) if o.as_any().downcast_ref::<RandomState>().is_some() => Some(o.clone()),
        _ => None,
    }
}

/// The current `*random-state*`, created on first use.
fn current_state() -> crate::eval::value::HostRef {
    let sym = cl_sym("*RANDOM-STATE*");
    let cur = sym.value.borrow().clone();
    if let Some(s) = cur.as_ref().and_then(as_state) {
        return s;
    }
    let s: crate::eval::value::HostRef = Rc::new(Box::new(RandomState::fresh()));
    *sym.value.borrow_mut() = Some(Value::Object(s.clone()));
    s
}

fn state_arg(it: &mut Interp, v: Option<&Value>) -> LResult<crate::eval::value::HostRef> {
    match v {
        None => Ok(current_state()),
        Some(v) => match as_state(v) {
            Some(s) => Ok(s),
            None => type_err(it, v, "RANDOM-STATE"),
        },
    }
}

/// `(random limit &optional state)`: an integer in [0, limit) or a float of
/// the limit's format in [0, limit).
pub fn random(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let obj = state_arg(it, a.get(1))?;
    let Some(rs) = obj.as_any().downcast_ref::<RandomState>() else {
        return type_err(it, &a[0], "RANDOM-STATE");
    };
    let limit = &a[0];
    let positive = super::arith::sign(limit) > 0;
    match limit {
        Value::Fixnum(n) if positive => {
            let r = ((rs.next_u64() as u128 * *n as u128) >> 64) as i64;
            Ok(Value::Fixnum(r))
        }
        Value::Bignum(b) if positive => {
            let words = b.bits() / 64 + 2;
            let mut acc = BigInt::zero();
            for _ in 0..words {
                acc = (acc << 64) + rs.next_u64();
            }
            Ok(Value::integer(acc.mod_floor(b)))
        }
        Value::Single(f) if positive => {
            let unit = (rs.next_u64() >> 40) as f32 / (1u64 << 24) as f32;
            let r = unit * f;
            Ok(Value::Single(if r < *f { r } else { 0.0 }))
        }
        Value::Double(d) if positive => {
            let unit = (rs.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            let r = unit * d;
            Ok(Value::Double(if r < *d { r } else { 0.0 }))
        }
        v => type_err(it, v, "(OR (INTEGER 1) (FLOAT (0.0)))"),
    }
}

/// `(make-random-state &optional state)`: NIL copies the current state, T
/// makes a freshly seeded one, a state is copied.
pub fn make_random_state(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let fresh = match a.first() {
        Some(v) if v.truthy() && as_state(v).is_none() => {
            if !v.is_sym(&crate::eval::package::t_symbol()) {
                return type_err(it, v, "(OR RANDOM-STATE BOOLEAN)");
            }
            RandomState::fresh()
        }
        other => {
            let src = state_arg(it, other.filter(|v| v.truthy()))?;
            let seed = src
                .as_any()
                .downcast_ref::<RandomState>()
                .map(|s| s.state.get())
                .unwrap_or(0);
            RandomState::new(seed)
        }
    };
    Ok(Value::Object(Rc::new(Box::new(fresh))))
}

pub fn random_state_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(as_state(&a[0]).is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_signed_integers() {
        let c: Vec<char> = "-123abc".chars().collect();
        assert_eq!(scan_integer(&c, 10), (Some(BigInt::from(-123)), 4));
        let c: Vec<char> = "+ff".chars().collect();
        assert_eq!(scan_integer(&c, 16), (Some(BigInt::from(255)), 3));
        let c: Vec<char> = "-".chars().collect();
        assert_eq!(scan_integer(&c, 10), (None, 1));
        assert_eq!(
            parse_integer_str("123456789012345678901234567890", 10).map(|n| n.to_string()),
            Some("123456789012345678901234567890".to_string())
        );
        assert_eq!(parse_integer_str("12 ", 10), None);
    }

    #[test]
    fn random_state_is_deterministic_per_seed() {
        let (a, b) = (RandomState::new(42), RandomState::new(42));
        for _ in 0..10 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }
}

//! Radix conversion of bignums in sub-quadratic time.
//!
//! num-bigint converts a number to or from a non-power-of-two base one
//! word-sized chunk at a time, which is quadratic in the number of digits:
//! reading a million-digit integer took tens of seconds. Here both
//! directions divide and conquer (Knuth, TAOCP vol. 2, §4.4, exercise 14;
//! Brent & Zimmermann, "Modern Computer Arithmetic", §1.7): the digit
//! string is split in two, each half converted recursively and the halves
//! joined with one multiplication by a power of the base. Printing divides
//! by those powers; the division is Barrett's (a multiplication by a
//! reciprocal computed once per power by Newton's iteration) because
//! num-bigint's own division is quadratic. The cost is that of a few
//! multiplications of the full size, O(M(n) log n).
//!
//! Short numbers, and bases that are powers of two (a linear conversion
//! already), go straight to num-bigint.

use num_bigint::{BigInt, BigUint, Sign};
use num_traits::One;

/// Digits converted by num-bigint directly: below this its quadratic
/// conversion is faster than splitting.
const LEAF_DIGITS: usize = 1024;

/// Numbers of up to this many leaves (about 16 million decimal digits)
/// are printed by num-bigint directly: its multiplication (Toom-3 at
/// best) is slow enough that its quadratic printing wins below that
/// (4 million digits: 10 s against 21 s divided and conquered).
const DIRECT_LEAVES: u64 = 1 << 14;

/// The integer whose digits (most significant first) have the values in
/// `digits`, each below `base` (2..=36). `None` if a value is out of range
/// or there is no digit.
pub fn from_digit_values(digits: &[u8], base: u32) -> Option<BigUint> {
    if digits.is_empty() || !(2..=36).contains(&base) || digits.iter().any(|&d| d as u32 >= base) {
        return None;
    }
    if base.is_power_of_two() || digits.len() <= LEAF_DIGITS {
        return BigUint::from_radix_be(digits, base);
    }
    let mut powers = vec![BigUint::from(base).pow(LEAF_DIGITS as u32)];
    while LEAF_DIGITS << powers.len() < digits.len() {
        let next = square(powers.last()?);
        powers.push(next);
    }
    Some(join(digits, base, &powers))
}

/// Join the halves of `digits`: the low half has `LEAF_DIGITS << i`
/// digits for the largest `i` leaving a non-empty high half.
fn join(digits: &[u8], base: u32, powers: &[BigUint]) -> BigUint {
    if digits.len() <= LEAF_DIGITS {
        return BigUint::from_radix_be(digits, base).unwrap_or_default();
    }
    let level = (0..powers.len())
        .rev()
        .find(|&i| LEAF_DIGITS << i < digits.len())
        .unwrap_or(0);
    let (high, low) = digits.split_at(digits.len() - (LEAF_DIGITS << level));
    join(high, base, powers) * &powers[level] + join(low, base, powers)
}

/// The integer written in `text` (ASCII digits and letters of `base`, no
/// sign), or `None`.
pub fn parse_unsigned(text: &str, base: u32) -> Option<BigUint> {
    let values: Option<Vec<u8>> = text
        .bytes()
        .map(|b| (b as char).to_digit(base).map(|d| d as u8))
        .collect();
    from_digit_values(&values?, base)
}

/// `-` (if `negative`) and the digits of `text` in `base`, as an integer.
pub fn parse_signed(negative: bool, text: &str, base: u32) -> Option<BigInt> {
    let n = parse_unsigned(text, base)?;
    Some(BigInt::from_biguint(
        if negative { Sign::Minus } else { Sign::Plus },
        n,
    ))
}

/// A power of the base and what dividing by it needs.
struct Divisor {
    power: BigUint,
    /// floor(2^(2·bits) / power).
    reciprocal: BigUint,
    bits: u64,
    /// Digits of the remainder, zero-padded.
    digits: usize,
}

/// The digits of `n` in `base` (2..=36), lower case, with a leading `-`
/// when negative; the same text as `BigInt::to_str_radix`.
pub fn to_string_radix(n: &BigInt, base: u32) -> String {
    let mut out = String::new();
    if n.sign() == Sign::Minus {
        out.push('-');
    }
    push_unsigned(n.magnitude(), base, &mut out);
    out
}

/// Append the digits of `n` in `base` to `out`.
pub fn push_unsigned(n: &BigUint, base: u32, out: &mut String) {
    push_unsigned_above(n, base, DIRECT_LEAVES, out)
}

/// `push_unsigned`, dividing and conquering above `direct_leaves` leaves.
fn push_unsigned_above(n: &BigUint, base: u32, direct_leaves: u64, out: &mut String) {
    let leaf_bits = (LEAF_DIGITS as f64 * (base as f64).log2()) as u64;
    if base.is_power_of_two() || !(2..=36).contains(&base) || n.bits() <= direct_leaves * leaf_bits
    {
        out.push_str(&n.to_str_radix(base));
        return;
    }
    // Powers base^(LEAF_DIGITS·2^i) until the square of the last one
    // exceeds n, so that every division below has a quotient smaller
    // than its divisor (Barrett's estimate needs n < divisor²).
    let first = BigUint::from(base).pow(LEAF_DIGITS as u32);
    let mut divisors = vec![Divisor {
        reciprocal: exact_reciprocal(&first),
        bits: first.bits(),
        power: first,
        digits: LEAF_DIGITS,
    }];
    while let Some(last) = divisors.last() {
        if last.power.bits() * 2 > n.bits() + 1 {
            break;
        }
        let next = square_divisor(last);
        divisors.push(next);
    }
    split(n, base, &divisors, None, out);
}

/// Digits of `n`, left-padded with zeros to `width` if given.
fn split(n: &BigUint, base: u32, divisors: &[Divisor], width: Option<usize>, out: &mut String) {
    // The largest power not above n; n is below its square (the next
    // power, or by construction for the last), so both the quotient and
    // the remainder are smaller than the power.
    let level = divisors.iter().rposition(|d| d.power <= *n);
    let Some(level) = level else {
        let text = n.to_str_radix(base);
        if let Some(w) = width {
            out.extend(std::iter::repeat_n('0', w.saturating_sub(text.len())));
        }
        out.push_str(&text);
        return;
    };
    let d = &divisors[level];
    let (q, r) = barrett_div_rem(n, d);
    split(
        &q,
        base,
        divisors,
        width.map(|w| w.saturating_sub(d.digits)),
        out,
    );
    split(&r, base, divisors, Some(d.digits), out);
}

/// n / d and n mod d, by multiplying with the reciprocal (Barrett 1986).
/// With the exact reciprocal the estimate is at most two below the
/// quotient; should it ever be further off, the plain division answers.
fn barrett_div_rem(n: &BigUint, d: &Divisor) -> (BigUint, BigUint) {
    let q = (n * &d.reciprocal) >> (2 * d.bits);
    let product = &q * &d.power;
    if product > *n {
        return num_integer::Integer::div_rem(n, &d.power);
    }
    let mut r = n - product;
    for extra in 0u32..32 {
        if r < d.power {
            return (q + extra, r);
        }
        r -= &d.power;
    }
    num_integer::Integer::div_rem(n, &d.power)
}

/// floor(2^(2s) / p) where s = p.bits().
fn exact_reciprocal(p: &BigUint) -> BigUint {
    (BigUint::one() << (2 * p.bits())) / p
}

/// The divisor for d.power², its reciprocal from d's: (2^(2s)/p)² is
/// 2^(4s)/p² to within about 2^(s+1), and one Newton step
/// r ← r + r·(2^(2s') − p²·r) / 2^(2s') squares the relative error,
/// leaving a few units (Brent & Zimmermann §3.4.1), which a last step
/// with the remainder removes: each reciprocal is exact, so the error
/// does not grow from one power to the next.
fn square_divisor(d: &Divisor) -> Divisor {
    let power = square(&d.power);
    let bits = power.bits();
    // 2s' is 4s or 4s − 2 (a square has 2s or 2s − 1 bits).
    let r0 = BigInt::from(square(&d.reciprocal) >> (4 * d.bits - 2 * bits));
    let p = BigInt::from(power.clone());
    let one_scaled = BigInt::one() << (2 * bits);
    let e = &one_scaled - &p * &r0;
    let mut r = &r0 + ((&r0 * &e) >> (2 * bits));
    let mut rem = &one_scaled - &p * &r;
    let mut exact = None;
    for _ in 0..64 {
        if rem.sign() == Sign::Minus {
            r -= 1u32;
            rem += &p;
        } else if rem >= p {
            r += 1u32;
            rem -= &p;
        } else {
            exact = r.to_biguint();
            break;
        }
    }
    // Only if the estimate were far off: the plain division.
    let reciprocal = exact.unwrap_or_else(|| exact_reciprocal(&power));
    Divisor {
        power,
        reciprocal,
        bits,
        digits: d.digits * 2,
    }
}

fn square(n: &BigUint) -> BigUint {
    n * n
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_traits::Zero;
    use proptest::prelude::*;

    /// Reference conversion: one digit at a time.
    fn naive_parse(digits: &[u8], base: u32) -> BigUint {
        digits
            .iter()
            .fold(BigUint::zero(), |acc, &d| acc * base + d as u32)
    }

    fn naive_print(n: &BigUint, base: u32) -> String {
        if n.is_zero() {
            return "0".into();
        }
        let mut out = Vec::new();
        let mut n = n.clone();
        let b = BigUint::from(base);
        while !n.is_zero() {
            let d = (&n % &b).iter_u32_digits().next().unwrap_or(0);
            out.push(std::char::from_digit(d, base).unwrap_or('?'));
            n /= &b;
        }
        out.iter().rev().collect()
    }

    /// Random digits: a length spread over the leaf size and a few levels.
    fn digits_strategy() -> impl Strategy<Value = (u32, Vec<u8>)> {
        (2u32..=36, 1usize..9000, any::<u64>()).prop_map(|(base, len, seed)| {
            let mut x = seed | 1;
            let digits = (0..len)
                .map(|_| {
                    // xorshift: cheap, deterministic per case.
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    (x % base as u64) as u8
                })
                .collect();
            (base, digits)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn parse_agrees_with_reference((base, digits) in digits_strategy()) {
            prop_assert_eq!(from_digit_values(&digits, base), Some(naive_parse(&digits, base)));
        }

        #[test]
        fn print_agrees_with_reference_and_round_trips((base, digits) in digits_strategy(), negative in any::<bool>()) {
            let n = naive_parse(&digits, base);
            let text = {
                let mut s = String::new();
                push_unsigned_above(&n, base, 2, &mut s);
                s
            };
            prop_assert_eq!(&text, &naive_print(&n, base));
            let signed = BigInt::from_biguint(if negative { Sign::Minus } else { Sign::Plus }, n.clone());
            let printed = to_string_radix(&signed, base);
            prop_assert_eq!(&printed, &signed.to_str_radix(base));
            let back = parse_signed(printed.starts_with('-'), printed.trim_start_matches('-'), base);
            prop_assert_eq!(back, Some(signed));
        }
    }

    #[test]
    fn exact_powers_and_their_neighbours_print_with_every_digit() {
        // 10^k, 10^k − 1 and 10^k + 1 straddle the split points, where a
        // wrong quotient or padding would show.
        for k in [2048u32, 4096, 4097, 8192, 8191, 12000] {
            let p = BigUint::from(10u32).pow(k);
            for n in [&p - 1u32, p.clone(), &p + 1u32] {
                let mut s = String::new();
                push_unsigned_above(&n, 10, 2, &mut s);
                assert_eq!(s, n.to_str_radix(10), "10^{k} neighbour");
            }
        }
    }

    #[test]
    fn reciprocals_of_squared_powers_are_exact() {
        let first = BigUint::from(10u32).pow(LEAF_DIGITS as u32);
        let mut d = Divisor {
            reciprocal: exact_reciprocal(&first),
            bits: first.bits(),
            power: first,
            digits: LEAF_DIGITS,
        };
        for _ in 0..4 {
            d = square_divisor(&d);
            let exact = exact_reciprocal(&d.power);
            assert_eq!(d.reciprocal, exact);
        }
    }

    #[test]
    fn rejects_empty_and_out_of_range_digits() {
        assert_eq!(from_digit_values(&[], 10), None);
        assert_eq!(from_digit_values(&[1, 10], 10), None);
        assert_eq!(parse_unsigned("12_3", 10), None);
        assert_eq!(parse_unsigned("ff", 16), Some(BigUint::from(255u32)));
    }
}

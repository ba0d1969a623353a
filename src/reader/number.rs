//! Number syntax (CLHS 2.3.1, Figure 2-9), parsed with nom over the text of
//! a token that has no escape characters.
//!
//! Float formats: a token with no exponent marker or with `e` is of
//! `*read-default-float-format*`. `s` (short-float) and `f` (single-float)
//! read as `Value::Single` (`f32`); `d` (double-float) and `l` (long-float)
//! as `Value::Double` (`f64`). This is SBCL's layout: short = single and
//! long = double.

use nom::branch::alt;
use nom::bytes::complete::take_while1;
use nom::character::complete::{char, digit0, digit1, one_of};
use nom::combinator::{all_consuming, opt, recognize};
use nom::{IResult, Parser};

type E<'a> = nom::error::Error<&'a str>;

fn sign(i: &str) -> IResult<&str, Option<char>> {
    opt(one_of("+-")).parse(i)
}

fn decimal(i: &str) -> IResult<&str, &str> {
    digit1(i)
}
use num_bigint::BigInt;

use crate::builtins::numbers::radix;
use crate::eval::Value;

/// The float format a token asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloatFormat {
    Single,
    Double,
}

/// Interpret `tok` as a number. `None`: not number syntax (so a symbol).
/// `Some(Err(message))`: number syntax with no valid value (`1/0`, a float
/// out of range), a reader error.
pub fn parse_number(tok: &str, base: u32, default: FloatFormat) -> Option<Result<Value, String>> {
    // Every number syntax has at least one digit (of the radix, or decimal
    // for floats): most tokens are symbols, and this turns them away cheaply.
    let radix = base.max(10);
    if !tok.chars().any(|c| c.is_digit(radix)) {
        return None;
    }
    if let Ok((_, (sign, digits))) = all_consuming((sign, radix_digits(base))).parse(tok) {
        return Some(Ok(integer(sign, digits, base)));
    }
    if let Ok((_, (sign, digits, _))) =
        all_consuming((sign, decimal, char::<&str, E>('.'))).parse(tok)
    {
        return Some(Ok(integer(sign, digits, 10)));
    }
    if let Some(r) = parse_ratio(tok, base) {
        return Some(r);
    }
    if let Ok((_, (sign, mantissa, exp))) = all_consuming(float_syntax).parse(tok) {
        return Some(make_float(sign, mantissa, exp, default));
    }
    None
}

/// `[sign] digits [/ digits]` in `base`: the syntax after `#x`, `#b`, `#o`
/// and `#Nr` (CLHS 2.4.8.7-10). `None` when the text is not a rational.
pub fn parse_rational(tok: &str, base: u32) -> Option<Result<Value, String>> {
    if let Ok((_, (sign, digits))) = all_consuming((sign, radix_digits(base))).parse(tok) {
        return Some(Ok(integer(sign, digits, base)));
    }
    parse_ratio(tok, base)
}

fn parse_ratio(tok: &str, base: u32) -> Option<Result<Value, String>> {
    let (_, (sign, num, _, den)) = all_consuming((
        sign,
        radix_digits(base),
        char::<&str, E>('/'),
        radix_digits(base),
    ))
    .parse(tok)
    .ok()?;
    let n = big(sign, num, base);
    let d = big(None, den, base);
    Some(Value::ratio(n, d).ok_or_else(|| format!("division by zero in the ratio {tok}")))
}

fn radix_digits<'a>(base: u32) -> impl Parser<&'a str, Output = &'a str, Error = E<'a>> {
    take_while1(move |c: char| c.is_digit(base))
}

/// `[sign] {digit}* . {digit}+ [exp]` or `[sign] {digit}+ [. {digit}*] exp`;
/// yields the sign, the mantissa text and the exponent (marker, text).
#[allow(clippy::type_complexity)]
fn float_syntax(i: &str) -> IResult<&str, (Option<char>, &str, Option<(char, &str)>)> {
    let exponent = || {
        (
            one_of::<&str, &str, E>("esfdlESFDL"),
            recognize((sign, decimal)),
        )
    };
    let fraction_first = (recognize((digit0, char('.'), decimal)), opt(exponent()));
    let exponent_required = (
        recognize((decimal, opt((char('.'), digit0)))),
        exponent().map(Some),
    );
    let (i, sign) = sign(i)?;
    let (i, (mantissa, exp)) = alt((fraction_first, exponent_required)).parse(i)?;
    Ok((i, (sign, mantissa, exp)))
}

fn make_float(
    sign: Option<char>,
    mantissa: &str,
    exp: Option<(char, &str)>,
    default: FloatFormat,
) -> Result<Value, String> {
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let (marker, exp_text) = exp.unwrap_or(('e', "0"));
    let text = format!(
        "{}{}.{}e{}",
        if sign == Some('-') { "-" } else { "" },
        if int_part.is_empty() { "0" } else { int_part },
        if frac_part.is_empty() { "0" } else { frac_part },
        exp_text
    );
    let format = match marker.to_ascii_lowercase() {
        's' | 'f' => FloatFormat::Single,
        'd' | 'l' => FloatFormat::Double,
        _ => default,
    };
    let too_large = || Err(format!("floating-point number out of range: {text}"));
    // Rust's float parsing rounds correctly and flushes underflow to zero,
    // as SBCL's reader does; overflow is a reader error in SBCL too.
    match format {
        FloatFormat::Single => match text.parse::<f32>() {
            Ok(f) if f.is_finite() => Ok(Value::Single(f)),
            _ => too_large(),
        },
        FloatFormat::Double => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Double(f)),
            _ => too_large(),
        },
    }
}

fn integer(sign: Option<char>, digits: &str, base: u32) -> Value {
    if digits.len() < 16 {
        if let Ok(n) = i64::from_str_radix(digits, base) {
            return Value::Fixnum(if sign == Some('-') { -n } else { n });
        }
    }
    Value::integer(big(sign, digits, base))
}

fn big(sign: Option<char>, digits: &str, base: u32) -> BigInt {
    // Sub-quadratic for long tokens; the caller checked the digits.
    radix::parse_signed(sign == Some('-'), digits, base).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(tok: &str) -> String {
        match parse_number(tok, 10, FloatFormat::Single) {
            None => "symbol".into(),
            Some(Ok(v)) => crate::printer::prin1_to_string(&v),
            Some(Err(_)) => "error".into(),
        }
    }

    #[test]
    fn number_syntax() {
        for (tok, want) in [
            ("42", "42"),
            ("-7", "-7"),
            ("+5", "5"),
            ("1.", "1"),
            ("-1.", "-1"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("1.5d0", "1.5d0"),
            ("1e3", "1000.0"),
            ("1.e3", "1000.0"),
            ("6.02E23", "6.02e23"),
            ("2/4", "1/2"),
            ("4/2", "2"),
            ("1/0", "error"),
            ("1e39", "error"),
            ("1+", "symbol"),
            ("1a", "symbol"),
            ("1.2.3", "symbol"),
            (".", "symbol"),
            ("+", "symbol"),
            ("1e", "symbol"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
        ] {
            assert_eq!(show(tok), want, "token {tok}");
        }
    }
}

//! Builtins: characters (CLHS 13). Characters are Unicode scalar values;
//! case mapping is CL's one-to-one kind: a character has a case only when
//! its single-character upper and lower forms map back onto each other
//! (so `ß` and dotless `ı` have none, as in SBCL).

use super::args::{self, type_err};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::{Interp, LResult, Value};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("CHAR-CODE", "(character)", 1, 1, char_code, "The code point of CHARACTER."),
    def!("CHAR-INT", "(character)", 1, 1, char_code, "The code point of CHARACTER."),
    def!("CODE-CHAR", "(code)", 1, 1, code_char, "The character with code point CODE, or NIL."),
    def!("CHAR-UPCASE", "(character)", 1, 1, char_upcase_fn, "The upper-case counterpart of CHARACTER, or CHARACTER."),
    def!("CHAR-DOWNCASE", "(character)", 1, 1, char_downcase_fn, "The lower-case counterpart of CHARACTER, or CHARACTER."),
    def!("UPPER-CASE-P", "(character)", 1, 1, upper_case_p, "True if CHARACTER is upper case."),
    def!("LOWER-CASE-P", "(character)", 1, 1, lower_case_p, "True if CHARACTER is lower case."),
    def!("BOTH-CASE-P", "(character)", 1, 1, both_case_p, "True if CHARACTER has an upper- and a lower-case form."),
    def!("ALPHA-CHAR-P", "(character)", 1, 1, alpha_char_p, "True if CHARACTER is alphabetic."),
    def!("ALPHANUMERICP", "(character)", 1, 1, alphanumericp, "True if CHARACTER is alphabetic or a decimal digit."),
    def!("DIGIT-CHAR-P", "(character &optional radix)", 1, 2, digit_char_p, "The weight of CHARACTER as a digit in RADIX (default 10), or NIL."),
    def!("DIGIT-CHAR", "(weight &optional radix)", 1, 2, digit_char, "The character for digit WEIGHT in RADIX, or NIL."),
    def!("GRAPHIC-CHAR-P", "(character)", 1, 1, graphic_char_p, "True if CHARACTER is a printing character."),
    def!("STANDARD-CHAR-P", "(character)", 1, 1, standard_char_p, "True if CHARACTER is one of the 96 standard characters."),
    def!("CHARACTERP", "(object)", 1, 1, characterp, "True if OBJECT is a character."),
    def!("CHARACTER", "(designator)", 1, 1, character, "The character designated by a character, or a string or symbol of length one."),
    def!("CHAR-NAME", "(character)", 1, 1, char_name, "The name of CHARACTER, or NIL."),
    def!("NAME-CHAR", "(name)", 1, 1, name_char, "The character named NAME, or NIL."),
    def!("CHAR=", "(character &rest more-characters)", 1, MANY, char_eq, "True if all characters are the same."),
    def!("CHAR/=", "(character &rest more-characters)", 1, MANY, char_ne, "True if all characters are different."),
    def!("CHAR<", "(character &rest more-characters)", 1, MANY, char_lt, "True if the characters are strictly increasing."),
    def!("CHAR>", "(character &rest more-characters)", 1, MANY, char_gt, "True if the characters are strictly decreasing."),
    def!("CHAR<=", "(character &rest more-characters)", 1, MANY, char_le, "True if the characters are non-decreasing."),
    def!("CHAR>=", "(character &rest more-characters)", 1, MANY, char_ge, "True if the characters are non-increasing."),
    def!("CHAR-EQUAL", "(character &rest more-characters)", 1, MANY, char_equal, "Like CHAR=, ignoring case."),
    def!("CHAR-NOT-EQUAL", "(character &rest more-characters)", 1, MANY, char_not_equal, "Like CHAR/=, ignoring case."),
    def!("CHAR-LESSP", "(character &rest more-characters)", 1, MANY, char_lessp, "Like CHAR<, ignoring case."),
    def!("CHAR-GREATERP", "(character &rest more-characters)", 1, MANY, char_greaterp, "Like CHAR>, ignoring case."),
    def!("CHAR-NOT-GREATERP", "(character &rest more-characters)", 1, MANY, char_not_greaterp, "Like CHAR<=, ignoring case."),
    def!("CHAR-NOT-LESSP", "(character &rest more-characters)", 1, MANY, char_not_lessp, "Like CHAR>=, ignoring case."),
];

// ----- helpers other files use ----------------------------------------------

/// CL's `char-upcase`: the single upper-case character whose lower case is
/// `c`, else `c` itself.
pub fn char_upcase(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_uppercase();
    }
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if u != c && single_lower(u) == Some(c) => u,
        _ => c,
    }
}

/// CL's `char-downcase` (see [`char_upcase`]).
pub fn char_downcase(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    match single_lower(c) {
        Some(l) if l != c && single_upper(l) == Some(c) => l,
        _ => c,
    }
}

fn single_lower(c: char) -> Option<char> {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => Some(l),
        _ => None,
    }
}

fn single_upper(c: char) -> Option<char> {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => Some(u),
        _ => None,
    }
}

pub fn is_upper(c: char) -> bool {
    char_downcase(c) != c
}

pub fn is_lower(c: char) -> bool {
    char_upcase(c) != c
}

/// Case folding for the case-insensitive comparisons: SBCL compares
/// down-cased codes (so `(char-lessp #\_ #\a)` is true).
pub fn fold(c: char) -> char {
    char_downcase(c)
}

/// Zero digits of the Unicode decimal-digit (Nd) runs beyond ASCII; each
/// run holds the ten digits in order.
const DIGIT_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The decimal value of a non-ASCII Unicode digit.
fn unicode_digit(c: char) -> Option<u32> {
    let code = c as u32;
    DIGIT_ZEROS
        .iter()
        .find(|z| (**z..**z + 10).contains(&code))
        .map(|z| code - z)
}

/// The weight of `c` as a digit in `radix` (2..=36), as `digit-char-p`
/// computes it: ASCII digits and letters, and Unicode decimal digits.
pub fn digit_value(c: char, radix: u32) -> Option<u32> {
    let w = if c.is_ascii() {
        c.to_digit(36)?
    } else {
        unicode_digit(c)?
    };
    (w < radix).then_some(w)
}

/// `alpha-char-p`: a Unicode letter.
pub fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() && !c.is_numeric()
    }
}

/// `alphanumericp`: a letter or a decimal digit.
pub fn is_alphanumeric(c: char) -> bool {
    is_alpha(c) || digit_value(c, 10).is_some()
}

/// `graphic-char-p`: everything but the C0/C1 controls and DEL (SBCL).
pub fn is_graphic(c: char) -> bool {
    let code = c as u32;
    (32..127).contains(&code) || code > 159
}

/// SBCL's names for the ASCII control characters, space and DEL.
const CONTROL_NAMES: [&str; 32] = [
    "Nul",
    "Soh",
    "Stx",
    "Etx",
    "Eot",
    "Enq",
    "Ack",
    "Bel",
    "Backspace",
    "Tab",
    "Newline",
    "Vt",
    "Page",
    "Return",
    "So",
    "Si",
    "Dle",
    "Dc1",
    "Dc2",
    "Dc3",
    "Dc4",
    "Nak",
    "Syn",
    "Etb",
    "Can",
    "Em",
    "Sub",
    "Esc",
    "Fs",
    "Gs",
    "Rs",
    "Us",
];

/// The name `char-name` gives `c` (ASCII controls, space, rubout).
pub fn name_of(c: char) -> Option<&'static str> {
    match c as u32 {
        n @ 0..=31 => CONTROL_NAMES.get(n as usize).copied(),
        32 => Some("Space"),
        127 => Some("Rubout"),
        _ => None,
    }
}

/// The character `name` denotes (case-insensitive): a `char-name`, one of
/// the semi-standard names, or `U+XXXX` / `UXXXX`.
pub fn char_from_name(name: &str) -> Option<char> {
    let up = name.to_ascii_uppercase();
    let code = match up.as_str() {
        "SPACE" => 32,
        "NEWLINE" | "LINEFEED" | "LF" => 10,
        "TAB" => 9,
        "PAGE" | "FORMFEED" | "FF" => 12,
        "RETURN" | "CR" => 13,
        "BACKSPACE" => 8,
        "RUBOUT" | "DEL" | "DELETE" => 127,
        "NULL" | "NUL" => 0,
        "ESCAPE" | "ESC" => 27,
        "BELL" | "BEL" => 7,
        _ => {
            if let Some(i) = CONTROL_NAMES
                .iter()
                .position(|n| n.eq_ignore_ascii_case(&up))
            {
                i as u32
            } else {
                let hex = up.strip_prefix("U+").or_else(|| up.strip_prefix('U'))?;
                if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                u32::from_str_radix(hex, 16).ok()?
            }
        }
    };
    char::from_u32(code)
}

// ----- builtins -------------------------------------------------------------

fn char_code(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    Ok(Value::Fixnum(c as i64))
}

fn code_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Fixnum(n) if (0..0x110000).contains(n) => Ok(u32::try_from(*n)
            .ok()
            .and_then(char::from_u32)
            .map(Value::Char)
            .unwrap_or(Value::Nil)),
        v => type_err(it, v, "(INTEGER 0 (1114112))"),
    }
}

fn char_upcase_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::Char(char_upcase(args::character(it, &a[0])?)))
}

fn char_downcase_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::Char(char_downcase(args::character(it, &a[0])?)))
}

fn char_pred(it: &mut Interp, a: &[Value], p: fn(char) -> bool) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    Ok(Value::bool(p(c)))
}

fn upper_case_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    char_pred(it, a, is_upper)
}

fn lower_case_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    char_pred(it, a, is_lower)
}

fn both_case_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    char_pred(it, a, |c| is_upper(c) || is_lower(c))
}

fn alpha_char_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    char_pred(it, a, is_alpha)
}

fn alphanumericp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    char_pred(it, a, is_alphanumeric)
}

fn graphic_char_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    char_pred(it, a, is_graphic)
}

fn standard_char_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    char_pred(it, a, |c| c == '\n' || (' '..='~').contains(&c))
}

fn radix_arg(it: &mut Interp, v: Option<&Value>) -> LResult<u32> {
    match v {
        None => Ok(10),
        Some(Value::Fixnum(r)) if (2..=36).contains(r) => Ok(*r as u32),
        Some(v) => type_err(it, v, "(INTEGER 2 36)"),
    }
}

fn digit_char_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    let radix = radix_arg(it, a.get(1))?;
    Ok(digit_value(c, radix)
        .map(|w| Value::Fixnum(w as i64))
        .unwrap_or(Value::Nil))
}

fn digit_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let radix = radix_arg(it, a.get(1))?;
    match &a[0] {
        Value::Fixnum(w) if *w >= 0 => Ok(if (*w as u64) < radix as u64 {
            char::from_digit(*w as u32, radix)
                .map(|c| Value::Char(c.to_ascii_uppercase()))
                .unwrap_or(Value::Nil)
        } else {
            Value::Nil
        }),
        Value::Bignum(b) if !num_traits::Signed::is_negative(&**b) => Ok(Value::Nil),
        v => type_err(it, v, "(INTEGER 0 *)"),
    }
}

fn characterp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(a[0], Value::Char(_))))
}

/// `(character x)`: a character designator (CLHS 13.2).
fn character(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = match &a[0] {
        Value::Char(c) => return Ok(Value::Char(*c)),
        Value::String(s) => s.borrow().clone(),
        Value::Symbol(s) => s.name.clone(),
        Value::Nil => "NIL".into(),
        _ => String::new(),
    };
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(Value::Char(c)),
        _ => type_err(it, &a[0], "CHARACTER-DESIGNATOR"),
    }
}

fn char_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    Ok(name_of(c).map(Value::string).unwrap_or(Value::Nil))
}

fn name_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    if let Some(c) = char_from_name(&name) {
        return Ok(Value::Char(c));
    }
    // A one-character name denotes that character.
    let mut chars = name.chars();
    Ok(match (chars.next(), chars.next()) {
        (Some(c), None) => Value::Char(c),
        _ => Value::Nil,
    })
}

// ----- comparisons ----------------------------------------------------------

fn chars_of(it: &mut Interp, a: &[Value], fold_case: bool) -> LResult<Vec<char>> {
    let mut out = Vec::with_capacity(a.len());
    for v in a {
        let c = args::character(it, v)?;
        out.push(if fold_case { fold(c) } else { c });
    }
    Ok(out)
}

fn monotone(
    it: &mut Interp,
    a: &[Value],
    fold_case: bool,
    ok: fn(char, char) -> bool,
) -> LResult<Value> {
    let cs = chars_of(it, a, fold_case)?;
    Ok(Value::bool(cs.windows(2).all(|w| ok(w[0], w[1]))))
}

fn all_different(it: &mut Interp, a: &[Value], fold_case: bool) -> LResult<Value> {
    let cs = chars_of(it, a, fold_case)?;
    for (i, x) in cs.iter().enumerate() {
        if cs[i + 1..].contains(x) {
            return Ok(Value::Nil);
        }
    }
    Ok(Value::bool(true))
}

fn char_eq(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, false, |x, y| x == y)
}

fn char_ne(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    all_different(it, a, false)
}

fn char_lt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, false, |x, y| x < y)
}

fn char_gt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, false, |x, y| x > y)
}

fn char_le(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, false, |x, y| x <= y)
}

fn char_ge(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, false, |x, y| x >= y)
}

fn char_equal(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, true, |x, y| x == y)
}

fn char_not_equal(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    all_different(it, a, true)
}

fn char_lessp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, true, |x, y| x < y)
}

fn char_greaterp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, true, |x, y| x > y)
}

fn char_not_greaterp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, true, |x, y| x <= y)
}

fn char_not_lessp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    monotone(it, a, true, |x, y| x >= y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_mapping_is_one_to_one() {
        assert_eq!(char_upcase('a'), 'A');
        assert_eq!(char_upcase('é'), 'É');
        assert_eq!(char_downcase('Ω'), 'ω');
        assert_eq!(char_upcase('ß'), 'ß');
        assert_eq!(char_upcase('ı'), 'ı');
        assert_eq!(char_downcase('ǅ'), 'ǅ');
        assert!(!is_upper('ǅ') && !is_lower('ǅ'));
        assert!(is_upper('Ä') && is_lower('ä'));
    }

    #[test]
    fn digits_and_names() {
        assert_eq!(digit_value('7', 10), Some(7));
        assert_eq!(digit_value('f', 16), Some(15));
        assert_eq!(digit_value('g', 16), None);
        assert_eq!(digit_value('\u{663}', 10), Some(3));
        assert_eq!(digit_value('\u{FF15}', 10), Some(5));
        assert_eq!(name_of('\n'), Some("Newline"));
        assert_eq!(name_of('a'), None);
        assert_eq!(char_from_name("linefeed"), Some('\n'));
        assert_eq!(char_from_name("U+41"), Some('A'));
        assert_eq!(char_from_name("Nul"), Some('\0'));
        assert_eq!(char_from_name("Bogus"), None);
    }
}

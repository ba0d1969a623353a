//! Builtins: strings (CLHS 16), and Allegro's `excl:string-to-octets` /
//! `excl:octets-to-string`. Lisp strings are UTF-8 `String`s indexed by
//! character; [`char_index`] maps a character index to a byte offset (with
//! an ASCII fast path), and every `:start`/`:end` counts characters.

use std::cmp::Ordering;
use std::rc::Rc;

use super::args::{self, type_err};
use super::chars::{char_downcase, char_upcase, is_alphanumeric};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("STRING", "(x)", 1, 1, string, "The string designated by X: a string, a symbol's name, or a one-character string."),
    def!("STRINGP", "(object)", 1, 1, stringp, "True if OBJECT is a string."),
    def!("SIMPLE-STRING-P", "(object)", 1, 1, simple_string_p, "True if OBJECT is a simple string."),
    def!("MAKE-STRING", "(size &key initial-element element-type)", 1, MANY, make_string, "A fresh string of SIZE copies of INITIAL-ELEMENT."),
    def!("CHAR", "(string index)", 2, 2, char, "The character at INDEX of STRING."),
    def!("SCHAR", "(string index)", 2, 2, char, "The character at INDEX of STRING."),
    def!("STRING=", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_eq, "True if the two (sub)strings are the same."),
    def!("STRING/=", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_ne, "The mismatch index if the (sub)strings differ, else NIL."),
    def!("STRING<", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_lt, "The mismatch index if STRING1 is lexicographically less, else NIL."),
    def!("STRING>", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_gt, "The mismatch index if STRING1 is lexicographically greater, else NIL."),
    def!("STRING<=", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_le, "The mismatch index if STRING1 is less or equal, else NIL."),
    def!("STRING>=", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_ge, "The mismatch index if STRING1 is greater or equal, else NIL."),
    def!("STRING-EQUAL", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_equal, "Like STRING=, ignoring case."),
    def!("STRING-NOT-EQUAL", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_not_equal, "Like STRING/=, ignoring case."),
    def!("STRING-LESSP", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_lessp, "Like STRING<, ignoring case."),
    def!("STRING-GREATERP", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_greaterp, "Like STRING>, ignoring case."),
    def!("STRING-NOT-GREATERP", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_not_greaterp, "Like STRING<=, ignoring case."),
    def!("STRING-NOT-LESSP", "(string1 string2 &key start1 end1 start2 end2)", 2, MANY, string_not_lessp, "Like STRING>=, ignoring case."),
    def!("STRING-UPCASE", "(string &key start end)", 1, MANY, string_upcase, "A copy of STRING with the characters in [START, END) upcased."),
    def!("STRING-DOWNCASE", "(string &key start end)", 1, MANY, string_downcase, "A copy of STRING with the characters in [START, END) downcased."),
    def!("STRING-CAPITALIZE", "(string &key start end)", 1, MANY, string_capitalize, "A copy of STRING with each word capitalized: first character up, the rest down."),
    def!("NSTRING-UPCASE", "(string &key start end)", 1, MANY, nstring_upcase, "Upcase STRING in place."),
    def!("NSTRING-DOWNCASE", "(string &key start end)", 1, MANY, nstring_downcase, "Downcase STRING in place."),
    def!("NSTRING-CAPITALIZE", "(string &key start end)", 1, MANY, nstring_capitalize, "Capitalize STRING in place."),
    def!("STRING-TRIM", "(character-bag string)", 2, 2, string_trim, "STRING without leading and trailing characters in CHARACTER-BAG."),
    def!("STRING-LEFT-TRIM", "(character-bag string)", 2, 2, string_left_trim, "STRING without leading characters in CHARACTER-BAG."),
    def!("STRING-RIGHT-TRIM", "(character-bag string)", 2, 2, string_right_trim, "STRING without trailing characters in CHARACTER-BAG."),
    def!("EXCL" : "STRING-TO-OCTETS", "(string &key (null-terminate t) start end mb-vector make-mb-vector? external-format)", 1, MANY, string_to_octets, "STRING encoded in EXTERNAL-FORMAT (:utf-8 by default, :latin-1) as an octet vector, null-terminated unless NULL-TERMINATE is NIL; second value the octet count."),
    def!("EXCL" : "OCTETS-TO-STRING", "(octets &key string start end make-string? external-format truncate string-start string-end)", 1, MANY, octets_to_string, "OCTETS decoded from EXTERNAL-FORMAT, up to END or the first zero octet; values: the string, its length, the octets used."),
];

// ----- helpers other files use ----------------------------------------------

/// The byte offset of character `i` in `s` (`i` may equal the length, giving
/// `s.len()`); `None` when `i` is beyond the end.
pub fn char_index(s: &str, i: usize) -> Option<usize> {
    if s.is_ascii() {
        return (i <= s.len()).then_some(i);
    }
    if i == 0 {
        return Some(0);
    }
    match s.char_indices().nth(i) {
        Some((b, _)) => Some(b),
        None => (s.chars().count() == i).then_some(s.len()),
    }
}

/// The number of characters in `s`.
pub fn char_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().count()
    }
}

/// Signal the error for `[start, end)` not being a valid range of a
/// sequence of `len` elements (a `type-error`, as in SBCL).
pub fn bad_bounds<T>(it: &mut Interp, start: usize, end: usize, len: usize) -> LResult<T> {
    let msg =
        format!("The bounding indices {start} and {end} are bad for a sequence of length {len}.");
    let c = it.make_condition(
        "TYPE-ERROR",
        &[
            ("DATUM", Value::Fixnum(end as i64)),
            (
                "EXPECTED-TYPE",
                crate::eval::condition::type_spec_from_text(&format!("(INTEGER 0 {len})")),
            ),
            ("FORMAT-CONTROL", Value::string(msg)),
            ("FORMAT-ARGUMENTS", Value::Nil),
        ],
    );
    it.err(c)
}

/// `:start`/`:end` keyword values checked against a length; `end` NIL or
/// absent means the length.
pub fn bounds(
    it: &mut Interp,
    start: Option<&Value>,
    end: Option<&Value>,
    len: usize,
) -> LResult<(usize, usize)> {
    let s = args::opt_index(it, start)?.unwrap_or(0);
    let e = args::opt_index(it, end)?.unwrap_or(len);
    if s > e || e > len {
        return bad_bounds(it, s, e, len);
    }
    Ok((s, e))
}

/// Signal SBCL's invalid-index error for `(char string index)`.
pub fn index_error<T>(it: &mut Interp, index: &Value, len: usize) -> LResult<T> {
    let msg = format!(
        "Invalid index {} for (SIMPLE-ARRAY CHARACTER ({len})), should be a non-negative integer below {len}.",
        crate::printer::prin1_to_string(index)
    );
    let c = it.make_condition(
        "TYPE-ERROR",
        &[
            ("DATUM", index.clone()),
            (
                "EXPECTED-TYPE",
                crate::eval::condition::type_spec_from_text(&format!("(INTEGER 0 ({len}))")),
            ),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
            ("FORMAT-ARGUMENTS", Value::Nil),
        ],
    );
    it.err(c)
}

/// CL's `string-capitalize` on characters: each word (maximal run of
/// alphanumerics) gets its first character upcased and the rest downcased.
pub fn capitalize(chars: &mut [char]) {
    let mut in_word = false;
    for c in chars.iter_mut() {
        if is_alphanumeric(*c) {
            *c = if in_word {
                char_downcase(*c)
            } else {
                char_upcase(*c)
            };
            in_word = true;
        } else {
            in_word = false;
        }
    }
}

/// An external format for octet conversion.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExternalFormat {
    Utf8,
    Latin1,
    Ascii,
}

impl ExternalFormat {
    /// Allegro's external-format names; NIL and `:default` mean UTF-8 (the
    /// locale's format on the systems sendletter runs on).
    pub fn from_value(v: Option<&Value>) -> Option<ExternalFormat> {
        let name = match v {
            None | Some(Value::Nil) => return Some(ExternalFormat::Utf8),
            Some(Value::Symbol(s)) => s.name.to_ascii_uppercase(),
            Some(Value::String(s)) => s.borrow().to_ascii_uppercase(),
            _ => return None,
        };
        match name.as_str() {
            "DEFAULT" | "UTF-8" | "UTF8" => Some(ExternalFormat::Utf8),
            "LATIN-1" | "LATIN1" | "ISO-8859-1" | "ISO8859-1" | "OCTETS" => {
                Some(ExternalFormat::Latin1)
            }
            "ASCII" | "US-ASCII" => Some(ExternalFormat::Ascii),
            _ => None,
        }
    }

    /// Encode; characters the format cannot hold become `?` (as Allegro does).
    pub fn encode(self, s: &str) -> Vec<u8> {
        match self {
            ExternalFormat::Utf8 => s.as_bytes().to_vec(),
            ExternalFormat::Latin1 => s
                .chars()
                .map(|c| u8::try_from(c as u32).unwrap_or(b'?'))
                .collect(),
            ExternalFormat::Ascii => s
                .chars()
                .map(|c| if c.is_ascii() { c as u8 } else { b'?' })
                .collect(),
        }
    }

    /// Decode; malformed UTF-8 becomes U+FFFD.
    pub fn decode(self, b: &[u8]) -> String {
        match self {
            ExternalFormat::Utf8 => String::from_utf8_lossy(b).into_owned(),
            ExternalFormat::Latin1 => b.iter().map(|x| *x as char).collect(),
            ExternalFormat::Ascii => b
                .iter()
                .map(|x| if x.is_ascii() { *x as char } else { '\u{FFFD}' })
                .collect(),
        }
    }
}

// ----- builtins -------------------------------------------------------------

fn string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::String(_) => Ok(a[0].clone()),
        Value::Array(x) if x.is_string() => Ok(a[0].clone()),
        Value::Symbol(_) | Value::Nil | Value::Char(_) => {
            let s = args::designator(it, &a[0])?;
            Ok(Value::string(s))
        }
        v => type_err(it, v, "(OR STRING SYMBOL CHARACTER)"),
    }
}

fn stringp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(match &a[0] {
        Value::String(_) => true,
        Value::Array(x) => x.is_string(),
        _ => false,
    }))
}

fn simple_string_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        matches!(a[0], Value::String(_)) && crate::builtins::sequences::arrays::is_simple(&a[0]),
    ))
}

fn make_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = args::dimension(it, &a[0])?;
    let kws = args::keywords(
        it,
        &a[1..],
        &["INITIAL-ELEMENT", "ELEMENT-TYPE"],
        "MAKE-STRING",
    )?;
    let c = match args::kw(&kws, "INITIAL-ELEMENT") {
        Some(v) => args::character(it, &v)?,
        None => '\0',
    };
    let mut text = String::new();
    if n.checked_mul(c.len_utf8())
        .is_none_or(|bytes| text.try_reserve_exact(bytes).is_err())
    {
        return args::heap_exhausted(it, "MAKE-STRING", n, c.len_utf8());
    }
    text.extend(std::iter::repeat_n(c, n));
    Ok(Value::string(text))
}

fn char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if matches!(&a[0], Value::Array(x) if x.is_string()) {
        // Past the fill pointer too, as AREF (CLHS CHAR).
        return it.call_named(&crate::eval::package::cl_sym("AREF"), a);
    }
    let Value::String(s) = &a[0] else {
        return type_err(it, &a[0], "STRING");
    };
    let found = match &a[1] {
        Value::Fixnum(i) if *i >= 0 => {
            let s = s.borrow();
            if s.is_ascii() {
                s.as_bytes().get(*i as usize).map(|b| *b as char)
            } else {
                s.chars().nth(*i as usize)
            }
        }
        Value::Fixnum(_) | Value::Bignum(_) => None,
        v => return type_err(it, v, "INTEGER"),
    };
    match found {
        Some(c) => Ok(Value::Char(c)),
        None => {
            let len = char_len(&s.borrow());
            index_error(it, &a[1], len)
        }
    }
}

// ----- comparison -----------------------------------------------------------

/// The two designated substrings of a comparison, as characters, and the
/// start of the first (mismatch indices count from the string's start).
fn compare_args(
    it: &mut Interp,
    a: &[Value],
    name: &str,
) -> LResult<(Vec<char>, Vec<char>, usize)> {
    let s1: Vec<char> = args::designator(it, &a[0])?.chars().collect();
    let s2: Vec<char> = args::designator(it, &a[1])?.chars().collect();
    let kws = args::keywords(it, &a[2..], &["START1", "END1", "START2", "END2"], name)?;
    let (b1, e1) = bounds(
        it,
        args::kw(&kws, "START1").as_ref(),
        args::kw(&kws, "END1").as_ref(),
        s1.len(),
    )?;
    let (b2, e2) = bounds(
        it,
        args::kw(&kws, "START2").as_ref(),
        args::kw(&kws, "END2").as_ref(),
        s2.len(),
    )?;
    Ok((s1[b1..e1].to_vec(), s2[b2..e2].to_vec(), b1))
}

/// Where two character sequences first differ (relative index) and how.
/// `Equal` with an index means one is a prefix of the other.
fn mismatch(x: &[char], y: &[char], fold: bool) -> (usize, Ordering) {
    let norm = |c: char| if fold { char_downcase(c) } else { c };
    for (i, (p, q)) in x.iter().zip(y.iter()).enumerate() {
        let (p, q) = (norm(*p), norm(*q));
        if p != q {
            return (i, p.cmp(&q));
        }
    }
    let n = x.len().min(y.len());
    (n, x.len().cmp(&y.len()))
}

#[derive(Clone, Copy)]
enum Test {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

fn string_compare(
    it: &mut Interp,
    a: &[Value],
    test: Test,
    fold: bool,
    name: &str,
) -> LResult<Value> {
    let (x, y, start) = compare_args(it, a, name)?;
    let (i, ord) = mismatch(&x, &y, fold);
    let index = Value::Fixnum((start + i) as i64);
    let holds = match test {
        Test::Eq => return Ok(Value::bool(ord == Ordering::Equal)),
        Test::Ne => ord != Ordering::Equal,
        Test::Lt => ord == Ordering::Less,
        Test::Gt => ord == Ordering::Greater,
        Test::Le => ord != Ordering::Greater,
        Test::Ge => ord != Ordering::Less,
    };
    Ok(if holds { index } else { Value::Nil })
}

fn string_eq(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Eq, false, "STRING=")
}

fn string_ne(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Ne, false, "STRING/=")
}

fn string_lt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Lt, false, "STRING<")
}

fn string_gt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Gt, false, "STRING>")
}

fn string_le(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Le, false, "STRING<=")
}

fn string_ge(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Ge, false, "STRING>=")
}

fn string_equal(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Eq, true, "STRING-EQUAL")
}

fn string_not_equal(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Ne, true, "STRING-NOT-EQUAL")
}

fn string_lessp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Lt, true, "STRING-LESSP")
}

fn string_greaterp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Gt, true, "STRING-GREATERP")
}

fn string_not_greaterp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Le, true, "STRING-NOT-GREATERP")
}

fn string_not_lessp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    string_compare(it, a, Test::Ge, true, "STRING-NOT-LESSP")
}

// ----- case -----------------------------------------------------------------

#[derive(Clone, Copy)]
enum Case {
    Up,
    Down,
    Capitalize,
}

fn apply_case(chars: &mut [char], case: Case) {
    match case {
        Case::Up => chars.iter_mut().for_each(|c| *c = char_upcase(*c)),
        Case::Down => chars.iter_mut().for_each(|c| *c = char_downcase(*c)),
        Case::Capitalize => capitalize(chars),
    }
}

/// The text of a case function's argument and its `[start, end)` range.
fn case_args(it: &mut Interp, a: &[Value], name: &str) -> LResult<(Vec<char>, usize, usize)> {
    let chars: Vec<char> = args::designator(it, &a[0])?.chars().collect();
    let kws = args::keywords(it, &a[1..], &["START", "END"], name)?;
    let (s, e) = bounds(
        it,
        args::kw(&kws, "START").as_ref(),
        args::kw(&kws, "END").as_ref(),
        chars.len(),
    )?;
    Ok((chars, s, e))
}

fn case_copy(it: &mut Interp, a: &[Value], case: Case, name: &str) -> LResult<Value> {
    let (mut chars, s, e) = case_args(it, a, name)?;
    apply_case(&mut chars[s..e], case);
    Ok(Value::string(chars.into_iter().collect::<String>()))
}

fn case_in_place(it: &mut Interp, a: &[Value], case: Case, name: &str) -> LResult<Value> {
    if matches!(&a[0], Value::Array(x) if x.is_string()) {
        let (mut chars, s, e) = case_args(it, a, name)?;
        apply_case(&mut chars[s..e], case);
        let items = chars.into_iter().map(Value::Char).collect();
        crate::builtins::sequences::util::store(it, &a[0], items)?;
        return Ok(a[0].clone());
    }
    let Value::String(cell) = &a[0] else {
        return type_err(it, &a[0], "STRING");
    };
    let (mut chars, s, e) = case_args(it, a, name)?;
    apply_case(&mut chars[s..e], case);
    *cell.borrow_mut() = chars.into_iter().collect();
    Ok(a[0].clone())
}

fn string_upcase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_copy(it, a, Case::Up, "STRING-UPCASE")
}

fn string_downcase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_copy(it, a, Case::Down, "STRING-DOWNCASE")
}

fn string_capitalize(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_copy(it, a, Case::Capitalize, "STRING-CAPITALIZE")
}

fn nstring_upcase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_in_place(it, a, Case::Up, "NSTRING-UPCASE")
}

fn nstring_downcase(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_in_place(it, a, Case::Down, "NSTRING-DOWNCASE")
}

fn nstring_capitalize(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    case_in_place(it, a, Case::Capitalize, "NSTRING-CAPITALIZE")
}

// ----- trimming -------------------------------------------------------------

/// The characters of a character bag: a string, list or vector.
fn char_bag(it: &mut Interp, v: &Value) -> LResult<Vec<char>> {
    let items: Vec<Value> = match v {
        Value::String(s) => return Ok(s.borrow().chars().collect()),
        Value::Vector(x) => x.borrow().clone(),
        Value::Array(_) => crate::builtins::sequences::util::elements(it, v)?,
        Value::Nil | Value::Cons(_) => args::list(it, v)?,
        _ => return type_err(it, v, "SEQUENCE"),
    };
    let mut out = Vec::with_capacity(items.len());
    for x in &items {
        // Non-characters can never match; SBCL accepts them too.
        if let Value::Char(c) = x {
            out.push(*c);
        }
    }
    Ok(out)
}

fn trim(it: &mut Interp, a: &[Value], left: bool, right: bool) -> LResult<Value> {
    let bag = char_bag(it, &a[0])?;
    let s = args::designator(it, &a[1])?;
    let mut t: &str = &s;
    if left {
        t = t.trim_start_matches(|c| bag.contains(&c));
    }
    if right {
        t = t.trim_end_matches(|c| bag.contains(&c));
    }
    Ok(Value::string(t))
}

fn string_trim(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    trim(it, a, true, true)
}

fn string_left_trim(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    trim(it, a, true, false)
}

fn string_right_trim(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    trim(it, a, false, true)
}

// ----- octets ---------------------------------------------------------------

fn external_format(it: &mut Interp, v: Option<&Value>) -> LResult<ExternalFormat> {
    match ExternalFormat::from_value(v) {
        Some(f) => Ok(f),
        None => {
            let shown = v.map(crate::printer::prin1_to_string).unwrap_or_default();
            it.simple_error(format!("{shown} is not a supported external format"))
        }
    }
}

/// `(excl:string-to-octets string &key (null-terminate t) start end
/// external-format)`: Allegro null-terminates by default.
fn string_to_octets(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::string(it, &a[0])?;
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "NULL-TERMINATE",
            "START",
            "END",
            "MB-VECTOR",
            "MAKE-MB-VECTOR?",
            "EXTERNAL-FORMAT",
        ],
        "STRING-TO-OCTETS",
    )?;
    let fmt = external_format(it, args::kw(&kws, "EXTERNAL-FORMAT").as_ref())?;
    let len = char_len(&s);
    let (b, e) = bounds(
        it,
        args::kw(&kws, "START").as_ref(),
        args::kw(&kws, "END").as_ref(),
        len,
    )?;
    let (bs, be) = (
        char_index(&s, b).unwrap_or(0),
        char_index(&s, e).unwrap_or(s.len()),
    );
    let mut out = fmt.encode(s.get(bs..be).unwrap_or(""));
    if args::kw(&kws, "NULL-TERMINATE").is_none_or(|v| v.truthy()) {
        out.push(0);
    }
    let n = Value::Fixnum(out.len() as i64);
    let v = Value::Bytes(Rc::new(std::cell::RefCell::new(out)));
    Ok(it.values(vec![v, n]))
}

/// The octets of an octet vector (or a general vector of octets).
fn octets(it: &mut Interp, v: &Value) -> LResult<Vec<u8>> {
    match v {
        Value::Bytes(b) => Ok(b.borrow().clone()),
        Value::Vector(items) => {
            let items = items.borrow().clone();
            let mut out = Vec::with_capacity(items.len());
            for x in &items {
                match x {
                    Value::Fixnum(n) if (0..256).contains(n) => out.push(*n as u8),
                    other => return type_err(it, other, "(UNSIGNED-BYTE 8)"),
                }
            }
            Ok(out)
        }
        _ => type_err(it, v, "(ARRAY (UNSIGNED-BYTE 8) (*))"),
    }
}

/// `(excl:octets-to-string octets &key start end external-format ...)`:
/// END defaults to the first zero octet at or after START.
fn octets_to_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let bytes = octets(it, &a[0])?;
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "STRING",
            "START",
            "END",
            "MAKE-STRING?",
            "EXTERNAL-FORMAT",
            "TRUNCATE",
            "STRING-START",
            "STRING-END",
        ],
        "OCTETS-TO-STRING",
    )?;
    let fmt = external_format(it, args::kw(&kws, "EXTERNAL-FORMAT").as_ref())?;
    let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
    let default_end = bytes
        .get(start..)
        .and_then(|tail| tail.iter().position(|b| *b == 0))
        .map(|p| start + p)
        .unwrap_or(bytes.len());
    let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?.unwrap_or(default_end);
    if start > end || end > bytes.len() {
        return bad_bounds(it, start, end, bytes.len());
    }
    let s = fmt.decode(&bytes[start..end]);
    let n = char_len(&s);
    Ok(it.values(vec![
        Value::string(s),
        Value::Fixnum(n as i64),
        Value::Fixnum((end - start) as i64),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::package::{find_package, keyword, sym_value};
    use crate::toplevel::new_interp;

    #[test]
    fn char_index_counts_characters() {
        assert_eq!(char_index("abc", 3), Some(3));
        assert_eq!(char_index("abc", 4), None);
        assert_eq!(char_index("héllo", 2), Some(3));
        assert_eq!(char_index("héllo", 5), Some(6));
        assert_eq!(char_index("héllo", 6), None);
        assert_eq!(char_len("naïve"), 5);
    }

    #[test]
    fn capitalize_uses_cl_word_rule() {
        let mut c: Vec<char> = "hello-world foo's BAR 3rd x1y".chars().collect();
        capitalize(&mut c);
        assert_eq!(
            c.into_iter().collect::<String>(),
            "Hello-World Foo'S Bar 3rd X1y"
        );
    }

    #[test]
    fn mismatch_reports_prefixes() {
        let a: Vec<char> = "abc".chars().collect();
        let b: Vec<char> = "abd".chars().collect();
        assert_eq!(mismatch(&a, &b, false), (2, Ordering::Less));
        assert_eq!(mismatch(&a[..2], &a, false), (2, Ordering::Less));
        let up: Vec<char> = "ABC".chars().collect();
        assert_eq!(mismatch(&a, &up, true), (3, Ordering::Equal));
    }

    fn call(it: &mut Interp, name: &str, args: &[Value]) -> Vec<Value> {
        let pkg = find_package("EXCL").expect("EXCL exists");
        let (sym, _) = crate::eval::package::find_symbol(name, &pkg).expect("symbol exists");
        match it.call_named(&sym, args) {
            Ok(v) => it.take_values(v),
            Err(_) => panic!("{name} signalled"),
        }
    }

    #[test]
    fn octets_round_trip() {
        let mut it = new_interp();
        let r = call(&mut it, "STRING-TO-OCTETS", &[Value::string("hé")]);
        match &r[0] {
            Value::Bytes(b) => assert_eq!(*b.borrow(), vec![b'h', 0xC3, 0xA9, 0]),
            _ => panic!("not octets"),
        }
        assert!(matches!(r[1], Value::Fixnum(4)));
        let latin = sym_value(keyword("LATIN-1"));
        let r = call(
            &mut it,
            "STRING-TO-OCTETS",
            &[
                Value::string("hé"),
                sym_value(keyword("NULL-TERMINATE")),
                Value::Nil,
                sym_value(keyword("EXTERNAL-FORMAT")),
                latin.clone(),
            ],
        );
        match &r[0] {
            Value::Bytes(b) => assert_eq!(*b.borrow(), vec![b'h', 0xE9]),
            _ => panic!("not octets"),
        }
        let back = call(
            &mut it,
            "OCTETS-TO-STRING",
            &[r[0].clone(), sym_value(keyword("EXTERNAL-FORMAT")), latin],
        );
        assert!(matches!(&back[0], Value::String(s) if *s.borrow() == "hé"));
        assert!(matches!(back[1], Value::Fixnum(2)));
        let nul = Value::Bytes(Rc::new(std::cell::RefCell::new(vec![b'o', b'k', 0, b'x'])));
        let r = call(&mut it, "OCTETS-TO-STRING", &[nul]);
        assert!(matches!(&r[0], Value::String(s) if *s.borrow() == "ok"));
        assert!(matches!(r[2], Value::Fixnum(2)));
    }
}

//! Lisp arguments → IMAP command text, as imap.cl writes them (spec §2.3,
//! §2.4): message sets, flag lists, and the search-key language. Strings
//! are sent as IMAP quoted strings (Allegro prints them unescaped).

use crate::builtins::args;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::mail::mailbox::imap::quote;
use crate::printer::{prin1_to_string, princ_to_string};

use super::po_error;
use crate::mail::mailbox::Identifier;

fn syntax<T>(it: &mut Interp, msg: String) -> LResult<T> {
    po_error(it, Identifier::SyntaxError, &msg, "")
}

fn keyword_named(v: &Value, name: &str) -> bool {
    matches!(v, Value::Symbol(s) if s.is_keyword() && s.name == name)
}

fn positive(it: &mut Interp, v: &Value) -> LResult<u64> {
    match v {
        Value::Fixnum(n) if *n >= 0 => Ok(*n as u64),
        _ => syntax(it, format!("not a message number: {}", prin1_to_string(v))),
    }
}

/// `5` → `5`; `(:seq 1 4)` → `1:4`; `(1 3 (:seq 5 7))` → `1,3,5:7`.
pub fn message_set(it: &mut Interp, v: &Value) -> LResult<String> {
    match v {
        Value::Fixnum(_) => Ok(positive(it, v)?.to_string()),
        Value::Cons(_) if keyword_named(&v.car(), "SEQ") => {
            let items = args::list(it, v)?;
            match items.as_slice() {
                [_, a, b] => {
                    let a = positive(it, a)?;
                    // `(:seq n *)` is not Allegro's, but `*` is IMAP's "last".
                    let b = match b {
                        Value::Symbol(s) if s.name == "*" => "*".to_string(),
                        other => positive(it, other)?.to_string(),
                    };
                    Ok(format!("{a}:{b}"))
                }
                _ => syntax(it, format!("bad message sequence {}", prin1_to_string(v))),
            }
        }
        Value::Cons(_) => {
            let mut parts = Vec::new();
            for item in args::list(it, v)? {
                parts.push(message_set(it, &item)?);
            }
            Ok(parts.join(","))
        }
        _ => syntax(it, format!("bad message specifier {}", prin1_to_string(v))),
    }
}

/// The messages of a POP spec: an integer, `(:seq n m)`, or a list of them.
pub fn message_numbers(it: &mut Interp, v: &Value) -> LResult<Vec<u64>> {
    match v {
        Value::Fixnum(_) => Ok(vec![positive(it, v)?]),
        Value::Cons(_) if keyword_named(&v.car(), "SEQ") => {
            let items = args::list(it, v)?;
            match items.as_slice() {
                [_, a, b] => {
                    let (a, b) = (positive(it, a)?, positive(it, b)?);
                    if b < a || b - a > 1_000_000 {
                        return syntax(it, format!("bad message sequence {}", prin1_to_string(v)));
                    }
                    Ok((a..=b).collect())
                }
                _ => syntax(it, format!("bad message sequence {}", prin1_to_string(v))),
            }
        }
        Value::Cons(_) => {
            let mut out = Vec::new();
            for item in args::list(it, v)? {
                out.extend(message_numbers(it, &item)?);
            }
            Ok(out)
        }
        _ => syntax(it, format!("bad message specifier {}", prin1_to_string(v))),
    }
}

/// A flag list as `~a` prints it: `(\DELETED \SEEN)`; an atom is wrapped.
pub fn flag_list(it: &mut Interp, v: &Value) -> LResult<String> {
    let items = match v {
        Value::Nil => vec![],
        Value::Cons(_) => args::list(it, v)?,
        other => vec![other.clone()],
    };
    let mut names = Vec::new();
    for f in items {
        let name = match &f {
            Value::Symbol(s) => s.name.clone(),
            Value::String(s) => s.borrow().clone(),
            other => return syntax(it, format!("not a flag: {}", prin1_to_string(other))),
        };
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || "()\"{".contains(c)) {
            return syntax(it, format!("not a flag: {name:?}"));
        }
        names.push(name);
    }
    Ok(format!("({})", names.join(" ")))
}

fn string_arg(it: &mut Interp, v: &Value, key: &str) -> LResult<String> {
    let text = match v {
        Value::String(s) => s.borrow().clone(),
        Value::Symbol(s) => s.name.clone(),
        Value::Fixnum(n) => n.to_string(),
        other => {
            return syntax(
                it,
                format!(
                    "search key {key} needs a string, not {}",
                    prin1_to_string(other)
                ),
            )
        }
    };
    match quote(&text, "search string") {
        Ok(q) => Ok(q),
        Err(e) => syntax(it, e.message),
    }
}

const NO_ARG: &[&str] = &[
    "ALL",
    "ANSWERED",
    "DELETED",
    "DRAFT",
    "FLAGGED",
    "NEW",
    "OLD",
    "RECENT",
    "SEEN",
    "UNANSWERED",
    "UNDELETED",
    "UNDRAFT",
    "UNFLAGGED",
    "UNSEEN",
];
const ONE_STRING: &[&str] = &["BCC", "BODY", "CC", "FROM", "SUBJECT", "TEXT", "TO"];
const DATES: &[&str] = &["BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE"];

/// A search expression (spec §2.4) as IMAP search keys.
pub fn search_keys(it: &mut Interp, v: &Value) -> LResult<String> {
    if crate::eval::depth::check().is_err() {
        return args::too_deep(it, "SEARCH-MAILBOX");
    }
    match v {
        Value::Nil => Ok(String::new()),
        Value::Fixnum(_) => message_set(it, v),
        Value::Symbol(s) if s.is_keyword() && NO_ARG.contains(&s.name.as_str()) => {
            Ok(s.name.clone())
        }
        Value::Cons(_) => {
            let head = v.car();
            let items = args::list(it, v)?;
            let rest = &items[1..];
            match &head {
                Value::Fixnum(_) => message_set(it, v),
                Value::Symbol(s) if s.is_keyword() => keyed(it, v, &s.name, rest),
                Value::Symbol(s) if s.name == "AND" => {
                    let mut parts = Vec::new();
                    for x in rest {
                        parts.push(search_keys(it, x)?);
                    }
                    Ok(parts.join(" "))
                }
                Value::Symbol(s) if s.name == "OR" => or_keys(it, v, rest),
                Value::Symbol(s) if s.name == "NOT" && rest.len() == 1 => {
                    Ok(format!("not ({})", search_keys(it, &rest[0])?))
                }
                _ => syntax(it, format!("bad search expression {}", prin1_to_string(v))),
            }
        }
        _ => syntax(it, format!("bad search expression {}", prin1_to_string(v))),
    }
}

/// `(or a b c)` → `or (a) (or (b) (c))`.
fn or_keys(it: &mut Interp, whole: &Value, rest: &[Value]) -> LResult<String> {
    match rest {
        [] => syntax(
            it,
            format!("bad search expression {}", prin1_to_string(whole)),
        ),
        [one] => search_keys(it, one),
        [a, more @ ..] => {
            let left = search_keys(it, a)?;
            let right = if more.len() == 1 {
                search_keys(it, &more[0])?
            } else {
                or_keys(it, whole, more)?
            };
            Ok(format!("or ({left}) ({right})"))
        }
    }
}

fn keyed(it: &mut Interp, whole: &Value, key: &str, rest: &[Value]) -> LResult<String> {
    let bad = |it: &mut Interp| -> LResult<String> {
        syntax(
            it,
            format!("bad search expression {}", prin1_to_string(whole)),
        )
    };
    match (key, rest) {
        ("SEQ", _) => message_set(it, whole),
        (k, [s]) if ONE_STRING.contains(&k) => Ok(format!("{k} {}", string_arg(it, s, k)?)),
        ("HEADER", [f, s]) => Ok(format!(
            "HEADER {} {}",
            string_arg(it, f, key)?,
            string_arg(it, s, key)?
        )),
        (k, [d]) if DATES.contains(&k) => {
            let date = match d {
                Value::Fixnum(ut) if *ut >= 0 => format!("\"{}\"", imap_date(*ut)),
                Value::String(_) => string_arg(it, d, k)?,
                _ => return bad(it),
            };
            Ok(format!("{k} {date}"))
        }
        ("LARGER" | "SMALLER", [n @ Value::Fixnum(x)]) if *x >= 0 => {
            Ok(format!("{key} {}", princ_to_string(n)))
        }
        ("KEYWORD" | "UNKEYWORD", [f]) => {
            let name = match f {
                Value::Symbol(s) => s.name.clone(),
                Value::String(s) => s.borrow().clone(),
                _ => return bad(it),
            };
            match quote(&name, "keyword") {
                Ok(q) => Ok(format!("{key} {q}")),
                Err(e) => syntax(it, e.message),
            }
        }
        ("UID", [set]) => Ok(format!("UID {}", message_set(it, set)?)),
        (k, []) if NO_ARG.contains(&k) => Ok(k.to_string()),
        _ => bad(it),
    }
}

/// A universal time as IMAP's `d-Mon-yyyy` (RFC 3501 §9 date), in GMT.
pub fn imap_date(universal_time: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // Days since 1900-01-01 → civil date (H. Hinnant's algorithm, shifted
    // from the Unix epoch: 1900-01-01 is 25567 days before 1970-01-01).
    let z = universal_time.div_euclid(86_400) - 25_567 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{d}-{}-{y}", MONTHS[(m - 1) as usize])
}

#[cfg(test)]
mod tests {
    use super::imap_date;

    #[test]
    fn universal_time_to_imap_date() {
        assert_eq!(imap_date(0), "1-Jan-1900");
        // (encode-universal-time 0 0 0 3 12 2026 0) = 4005244800 (SBCL)
        assert_eq!(imap_date(4_005_244_800), "3-Dec-2026");
        assert_eq!(imap_date(3_160_771_200), "29-Feb-2000");
    }
}

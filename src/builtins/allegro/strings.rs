//! Allegro's string functions (franz.com, Allegro CL 10.1:
//! `operators/excl/delimited-string-to-list.htm`, `list-to-delimited-string.htm`,
//! `split-into-words.htm`; `util.string`'s `string+`, used throughout
//! Franz's public code). `string-to-octets` and `octets-to-string` are
//! in `builtins/strings.rs`.

use crate::builtins::args::{self, type_err};
use crate::builtins::{BuiltinDef, MANY};
use crate::def;
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("EXCL" : "DELIMITED-STRING-TO-LIST", "(string delimiter)", 2, 2, delimited_string_to_list,
        "The substrings of STRING between DELIMITER characters (a character, or a string of them)."),
    def!("EXCL" : "LIST-TO-DELIMITED-STRING", "(list &optional (delimiter #\\,))", 1, 2, list_to_delimited_string,
        "The elements of LIST printed as by PRINC, joined by DELIMITER (a character or string)."),
    def!("EXCL" : "SPLIT-INTO-WORDS", "(string)", 1, 1, split_into_words,
        "The whitespace-separated words of STRING."),
    def!("UTIL.STRING" : "STRING+", "(&rest objects)", 0, MANY, string_plus,
        "The concatenation of OBJECTS, each printed as by PRINC."),
];

/// The characters a delimiter argument names.
fn delimiters(it: &mut Interp, v: &Value) -> LResult<Vec<char>> {
    match v {
        Value::Char(c) => Ok(vec![*c]),
        Value::String(s) => Ok(s.borrow().chars().collect()),
        other => type_err(it, other, "(OR CHARACTER STRING)"),
    }
}

fn delimited_string_to_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::string(it, &a[0])?;
    let d = delimiters(it, &a[1])?;
    let parts = s
        .split(|c| d.contains(&c))
        .map(|p| Value::string(p.to_string()))
        .collect::<Vec<_>>();
    Ok(Value::list(parts))
}

fn list_to_delimited_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let items = args::list(it, &a[0])?;
    let sep = match a.get(1) {
        None => ",".to_string(),
        Some(Value::Char(c)) => c.to_string(),
        Some(Value::String(s)) => s.borrow().clone(),
        Some(other) => return type_err(it, other, "(OR CHARACTER STRING)"),
    };
    let texts: Vec<String> = items.iter().map(crate::printer::princ_to_string).collect();
    Ok(Value::string(texts.join(&sep)))
}

fn split_into_words(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::string(it, &a[0])?;
    Ok(Value::list(
        s.split_whitespace()
            .map(|w| Value::string(w.to_string()))
            .collect::<Vec<_>>(),
    ))
}

fn string_plus(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(
        a.iter()
            .map(crate::printer::princ_to_string)
            .collect::<String>(),
    ))
}

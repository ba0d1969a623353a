//! Wildcards in pathnames and the smaller file functions (CLHS 19, 20):
//! `wild-pathname-p`, `pathname-match-p`, `host-namestring`,
//! `compile-file-pathname`, `file-string-length`, `file-author`.
//!
//! sendletter keeps pathnames as Unix namestrings, so a component is
//! wild when it holds `*`, `?` or `[` (SBCL's wildcard syntax), and
//! `**` is `:wild-inferiors`. Hosts, devices and versions are never wild.

use std::rc::Rc;

use super::args::{self, type_err};
use super::files::{file_error, native, to_pathname};
use super::BuiltinDef;
use crate::def;
use crate::eval::value::Pathname;
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("WILD-PATHNAME-P", "(pathname &optional field-key)", 1, 2, wild_pathname_p,
        "True if PATHNAME (or the component FIELD-KEY names) has wildcards."),
    def!("PATHNAME-MATCH-P", "(pathname wildcard)", 2, 2, pathname_match_p,
        "True if PATHNAME matches WILDCARD; WILDCARD's missing components match anything."),
    def!("HOST-NAMESTRING", "(pathname)", 1, 1, host_namestring,
        "The host part of PATHNAME's namestring: a logical host, empty on Unix."),
    def!("COMPILE-FILE-PATHNAME", "(input-file &key output-file &allow-other-keys)", 1, super::MANY, compile_file_pathname,
        "The pathname COMPILE-FILE would write: INPUT-FILE with type \"fasl\", or OUTPUT-FILE merged with it."),
    def!("FILE-STRING-LENGTH", "(stream object)", 2, 2, file_string_length,
        "The octets OBJECT (a character or string) takes in STREAM's external format."),
    def!("FILE-AUTHOR", "(pathspec)", 1, 1, file_author,
        "The user name of the file's owner, or NIL if it cannot be told."),
];

fn is_wild(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// Does a component of `p` hold a `*` or `**`, or is its version `:wild`?
/// (`?` and `[` are left out: the file functions use this to refuse wild
/// pathnames, and Unix file names such as `report[1].pdf` are common.)
pub(crate) fn is_wild_pathname(p: &crate::eval::value::Pathname) -> bool {
    let star = |c: &Option<String>| c.as_deref().is_some_and(|t| t.contains('*'));
    star(&p.directory)
        || star(&p.name)
        || star(&p.kind)
        || p.version == Some(crate::eval::value::Version::Wild)
}

fn wild_pathname_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = to_pathname(it, &a[0])?;
    let dir = p.directory.as_deref().is_some_and(is_wild);
    let name = p.name.as_deref().is_some_and(is_wild);
    let kind = p.kind.as_deref().is_some_and(is_wild);
    let version = p.version == Some(crate::eval::value::Version::Wild);
    let key = a.get(1).cloned().unwrap_or(Value::Nil);
    let wild = match &key {
        Value::Nil => dir || name || kind || version,
        Value::Symbol(k) if k.is_keyword() => match k.name.as_str() {
            "DIRECTORY" => dir,
            "NAME" => name,
            "TYPE" => kind,
            "VERSION" => version,
            "HOST" | "DEVICE" => false,
            _ => {
                return type_err(
                    it,
                    &key,
                    "(MEMBER NIL :HOST :DEVICE :DIRECTORY :NAME :TYPE :VERSION)",
                )
            }
        },
        _ => {
            return type_err(
                it,
                &key,
                "(MEMBER NIL :HOST :DEVICE :DIRECTORY :NAME :TYPE :VERSION)",
            )
        }
    };
    Ok(Value::bool(wild))
}

enum Token {
    Star,
    One,
    Set(Vec<char>),
    Lit(char),
}

fn tokens(pattern: &str) -> Vec<Token> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push(Token::Star),
            '?' => out.push(Token::One),
            '[' => match chars[i + 1..].iter().position(|&c| c == ']') {
                Some(n) => {
                    out.push(Token::Set(chars[i + 1..i + 1 + n].to_vec()));
                    i += n + 1;
                }
                None => out.push(Token::Lit('[')),
            },
            c => out.push(Token::Lit(c)),
        }
        i += 1;
    }
    out
}

/// Glob matching of one component: `*` any run of characters, `?` one
/// character, `[...]` one of a set. Dynamic programming over pattern and
/// text, so that no pattern takes exponential time.
fn glob_str(pattern: &str, text: &str) -> bool {
    let p = tokens(pattern);
    let t: Vec<char> = text.chars().collect();
    // row[j]: does the pattern so far match t[..j]?
    let mut row = vec![false; t.len() + 1];
    row[0] = true;
    for tok in &p {
        let mut next = vec![false; t.len() + 1];
        for j in 0..=t.len() {
            next[j] = match tok {
                Token::Star => row[j] || (j > 0 && next[j - 1]),
                _ if j == 0 => false,
                Token::One => row[j - 1],
                Token::Set(set) => row[j - 1] && set.contains(&t[j - 1]),
                Token::Lit(c) => row[j - 1] && t[j - 1] == *c,
            };
        }
        row = next;
    }
    row[t.len()]
}

/// Directory segments, `**` matching any number of them.
fn dirs_match(pattern: &[&str], dirs: &[&str]) -> bool {
    match pattern.split_first() {
        None => dirs.is_empty(),
        Some((&"**", rest)) => (0..=dirs.len()).any(|i| dirs_match(rest, &dirs[i..])),
        Some((seg, rest)) => {
            dirs.first().is_some_and(|d| glob_str(seg, d)) && dirs_match(rest, &dirs[1..])
        }
    }
}

fn component_match(pattern: &Option<String>, text: &Option<String>) -> bool {
    match (pattern, text) {
        (None, _) => true,
        (Some(p), Some(t)) => glob_str(p, t),
        (Some(p), None) => p == "*",
    }
}

fn split_dir(d: &str) -> (bool, Vec<&str>) {
    (
        d.starts_with('/'),
        d.split('/').filter(|s| !s.is_empty()).collect(),
    )
}

fn pathname_match(p: &Pathname, w: &Pathname) -> bool {
    let dir_ok = match (&w.directory, &p.directory) {
        (None, _) => true,
        (Some(wd), pd) => {
            let (wabs, wsegs) = split_dir(wd);
            let (pabs, psegs) = split_dir(pd.as_deref().unwrap_or(""));
            wabs == pabs && dirs_match(&wsegs, &psegs)
        }
    };
    dir_ok && component_match(&w.name, &p.name) && component_match(&w.kind, &p.kind)
}

fn pathname_match_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = to_pathname(it, &a[0])?;
    let w = to_pathname(it, &a[1])?;
    Ok(Value::bool(pathname_match(&p, &w)))
}

fn host_namestring(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    // A logical pathname's host (CLHS 19.3); Unix has none.
    Ok(Value::string(
        to_pathname(it, &a[0])?.host.unwrap_or_default(),
    ))
}

fn compile_file_pathname(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut p = to_pathname(it, &a[0])?;
    p.kind = Some("fasl".into());
    let rest: Vec<Value> = a[1..].to_vec();
    if !rest.len().is_multiple_of(2) {
        let c = it.make_error(
            "PROGRAM-ERROR",
            "odd number of keyword arguments to COMPILE-FILE-PATHNAME",
        );
        return it.err(c);
    }
    let output = rest
        .chunks(2)
        .find(|kv| {
            kv[0]
                .as_symbol()
                .is_some_and(|s| s.is_keyword() && s.name == "OUTPUT-FILE")
        })
        .map(|kv| kv[1].clone());
    if let Some(o) = output.filter(|o| !o.is_nil()) {
        let out = to_pathname(it, &o)?;
        p = super::files::merge(&out, &p);
    }
    Ok(Value::Pathname(Rc::new(p)))
}

fn file_string_length(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = super::streams::stream_arg(it, &a[0])?;
    // CLHS make-broadcast-stream: with no component streams the answer is 1.
    let empty_broadcast = match &*s.kind.borrow() {
        crate::eval::stream::StreamKind::Null => s.path.is_none(),
        crate::eval::stream::StreamKind::Broadcast(v) => v.is_empty(),
        _ => false,
    };
    if empty_broadcast {
        return Ok(Value::Fixnum(1));
    }
    let n: u64 = match &a[1] {
        Value::Char(c) => s.encoding.width(*c),
        other => {
            let text = args::string(it, other)?;
            text.chars().map(|c| s.encoding.width(c)).sum()
        }
    };
    Ok(Value::Fixnum(n as i64))
}

/// The owner's name from the password database (`/etc/passwd`), when
/// it can be read.
fn user_name(uid: u32) -> Option<String> {
    let text = std::fs::read_to_string("/etc/passwd").ok()?;
    text.lines().find_map(|line| {
        let mut f = line.split(':');
        let name = f.next()?;
        let id: u32 = f.nth(1)?.parse().ok()?;
        (id == uid).then(|| name.to_string())
    })
}

fn file_author(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::os::unix::fs::MetadataExt;
    let path = native(it, &a[0])?;
    match std::fs::metadata(&path) {
        Ok(m) => Ok(user_name(m.uid()).map(Value::string).unwrap_or(Value::Nil)),
        Err(e) => file_error(it, "cannot find the author of", &path, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_sbcl_wildcards() {
        assert!(glob_str("*.lisp", "a.lisp"));
        assert!(glob_str("a?c", "abc"));
        assert!(glob_str("[ab]x", "bx"));
        assert!(!glob_str("[ab]x", "cx"));
        assert!(!glob_str("*.lisp", "a.lsp"));
        assert!(dirs_match(&["**", "x"], &["a", "b", "x"]));
        assert!(!dirs_match(&["*"], &["a", "b"]));
    }
}

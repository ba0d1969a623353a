//! Logical pathnames (CLHS 19.3) and `translate-pathname` (CLHS 19.2.2.4).
//!
//! A logical host exists once `(setf logical-pathname-translations)` has
//! defined it; from then on a namestring `HOST:DIR;DIR;NAME.TYPE.VERSION`
//! parses as a logical pathname (upper-cased, CLHS 19.3.1.1.7). The file
//! functions translate a logical pathname before touching the file system.
//!
//! Wildcards are supported as whole components (`*`, and `**` in
//! directories); a partial wildcard such as `foo*` in a translation is an
//! error that says so rather than a guess.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::args::{self, type_err};
use super::files::to_pathname;
use super::BuiltinDef;
use crate::def;
use crate::eval::value::{Pathname, Version};
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("LOGICAL-PATHNAME", "(pathspec)", 1, 1, logical_pathname,
        "PATHSPEC as a logical pathname; a namestring must name a defined logical host."),
    def!("TRANSLATE-LOGICAL-PATHNAME", "(pathname &key)", 1, super::MANY, translate_logical_pathname,
        "The physical pathname a logical PATHNAME translates to; a physical one is returned itself."),
    def!("LOGICAL-PATHNAME-TRANSLATIONS", "(host)", 1, 1, logical_pathname_translations,
        "The translations list of the logical HOST."),
    def!("SENDLETTER" : "%SET-LOGICAL-PATHNAME-TRANSLATIONS", "(translations host)", 2, 2, set_translations,
        "(setf logical-pathname-translations): defines HOST if it is new."),
    def!("LOAD-LOGICAL-PATHNAME-TRANSLATIONS", "(host)", 1, 1, load_translations,
        "NIL when HOST is already defined; sendletter has no translations files, so otherwise an error."),
    def!("TRANSLATE-PATHNAME", "(source from-wildcard to-wildcard &key)", 3, super::MANY, translate_pathname_fn,
        "SOURCE (matching FROM-WILDCARD) rewritten into the shape of TO-WILDCARD."),
];

thread_local! {
    /// Defined logical hosts (upper case) and their translations as given.
    static HOSTS: RefCell<HashMap<String, Value>> = RefCell::new(HashMap::new());
}

fn host_defined(host: &str) -> bool {
    HOSTS.with(|h| h.borrow().contains_key(host))
}

/// CLHS 19.3.1: a word is letters, digits and hyphens; wildcards add `*`.
fn word_ok(w: &str) -> bool {
    w.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '*')
}

/// `Some` when `s` starts with a defined logical host: the parsed pathname,
/// or why the rest is not logical pathname syntax.
pub fn parse_logical(s: &str) -> Option<Result<Pathname, String>> {
    let (host, rest) = s.split_once(':')?;
    let host = host.to_ascii_uppercase();
    if host.is_empty() || !word_ok(&host) || host.contains('*') || !host_defined(&host) {
        return None;
    }
    Some(parse_rest(&host, rest))
}

/// The part after `HOST:` (CLHS 19.3.1), upper-cased.
fn parse_rest(host: &str, rest: &str) -> Result<Pathname, String> {
    let rest = rest.to_ascii_uppercase();
    let (relative, rest) = match rest.strip_prefix(';') {
        Some(r) => (true, r),
        None => (false, rest.as_str()),
    };
    let mut parts: Vec<&str> = rest.split(';').collect();
    let file = parts.pop().unwrap_or("");
    let mut dir = String::from(if relative { "" } else { "/" });
    for d in parts {
        if d.is_empty() || !word_ok(d) {
            return Err(format!("bad directory word {d:?} in logical namestring"));
        }
        dir.push_str(d);
        dir.push('/');
    }
    let mut fields = file.split('.');
    let name = fields.next().filter(|n| !n.is_empty()).map(str::to_string);
    let kind = fields.next().map(str::to_string);
    let version = match fields.next() {
        None => None,
        Some("NEWEST") => Some(Version::Newest),
        Some("*") => Some(Version::Wild),
        Some(v) => match v.parse::<u64>() {
            Ok(n) => Some(Version::Number(n)),
            Err(_) => return Err(format!("bad version {v:?} in logical namestring")),
        },
    };
    if fields.next().is_some() {
        return Err("too many dots in logical namestring".into());
    }
    for w in name.iter().chain(kind.iter()) {
        if !word_ok(w) {
            return Err(format!("bad word {w:?} in logical namestring"));
        }
    }
    Ok(Pathname {
        host: Some(host.to_string()),
        directory: Some(dir),
        name,
        kind,
        version,
    })
}

/// `HOST:A;B;NAME.TYPE.VERSION` (CLHS 19.3.1).
pub fn logical_namestring(host: &str, p: &Pathname) -> String {
    let mut s = format!("{host}:");
    if let Some(d) = &p.directory {
        if !d.starts_with('/') {
            s.push(';');
        }
        for seg in d.split('/').filter(|x| !x.is_empty()) {
            s.push_str(seg);
            s.push(';');
        }
    }
    if let Some(n) = &p.name {
        s.push_str(n);
    }
    if let Some(t) = &p.kind {
        s.push('.');
        s.push_str(t);
        match p.version {
            Some(Version::Newest) => s.push_str(".NEWEST"),
            Some(Version::Wild) => s.push_str(".*"),
            Some(Version::Number(n)) => s.push_str(&format!(".{n}")),
            _ => {}
        }
    }
    s
}

fn host_arg(it: &mut Interp, v: &Value) -> LResult<String> {
    match crate::builtins::sequences::shape::string_text(v) {
        Some(h) if !h.is_empty() && word_ok(&h) && !h.contains('*') => Ok(h.to_ascii_uppercase()),
        _ => type_err(it, v, "STRING"),
    }
}

fn logical_pathname(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Pathname(p) if p.host.is_some() => Ok(a[0].clone()),
        v => {
            let Some(text) = crate::builtins::sequences::shape::string_text(v) else {
                return type_err(it, v, "(OR STRING LOGICAL-PATHNAME)");
            };
            match parse_logical(&text) {
                Some(Ok(p)) => Ok(Value::Pathname(Rc::new(p))),
                // An undefined host or bad syntax: not a logical namestring.
                _ => type_err(it, v, "LOGICAL-PATHNAME"),
            }
        }
    }
}

fn logical_pathname_translations(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let host = host_arg(it, &a[0])?;
    match HOSTS.with(|h| h.borrow().get(&host).cloned()) {
        Some(t) => Ok(t),
        None => type_err(it, &a[0], "LOGICAL-HOST"),
    }
}

fn set_translations(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let host = host_arg(it, &a[1])?;
    // Each translation is (from-wildcard to-wildcard ...); check the shape now.
    for entry in args::list(it, &a[0])? {
        let parts = args::list(it, &entry)?;
        if parts.len() < 2 {
            return type_err(it, &entry, "(CONS T (CONS T LIST))");
        }
    }
    HOSTS.with(|h| h.borrow_mut().insert(host, a[0].clone()));
    Ok(a[0].clone())
}

fn load_translations(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let host = host_arg(it, &a[0])?;
    if host_defined(&host) {
        return Ok(Value::Nil);
    }
    let msg =
        format!("no translations for logical host {host}: sendletter reads no translations files");
    file_error(it, &format!("SYS:SITE;{host}.TRANSLATIONS"), &msg)
}

fn file_error<T>(it: &mut Interp, path: &str, msg: &str) -> LResult<T> {
    let c = it.make_condition(
        "FILE-ERROR",
        &[
            ("PATHNAME", Value::string(path)),
            ("FORMAT-CONTROL", Value::string("~A")),
            ("FORMAT-ARGUMENTS", Value::list([Value::string(msg)])),
        ],
    );
    it.err(c)
}

fn translate_logical_pathname(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_keys(it, &a[1..], "TRANSLATE-LOGICAL-PATHNAME")?;
    if let Value::Pathname(p) = &a[0] {
        if p.host.is_none() {
            return Ok(a[0].clone());
        }
    }
    let p = to_pathname(it, &a[0])?;
    if p.host.is_none() {
        return Ok(Value::Pathname(Rc::new(p)));
    }
    Ok(Value::Pathname(Rc::new(translate_logical(it, &p)?)))
}

/// Keyword arguments that are accepted and ignored (`&key` with no keys).
fn check_keys(it: &mut Interp, kv: &[Value], who: &str) -> LResult<()> {
    args::keywords(it, kv, &[], who).map(|_| ())
}

/// CLHS translate-logical-pathname: the first translation whose source
/// matches, applied until the result is physical.
pub fn translate_logical(it: &mut Interp, p: &Pathname) -> LResult<Pathname> {
    let mut cur = p.clone();
    // Translations may name other logical hosts; a cycle must not hang.
    for _ in 0..32 {
        let Some(host) = cur.host.clone() else {
            return Ok(cur);
        };
        let Some(list) = HOSTS.with(|h| h.borrow().get(&host).cloned()) else {
            return file_error(
                it,
                &cur.namestring(),
                &format!("logical host {host} is not defined"),
            );
        };
        let mut next = None;
        for entry in args::list(it, &list)? {
            let parts = args::list(it, &entry)?;
            let (Some(from_v), Some(to_v)) = (parts.first(), parts.get(1)) else {
                continue;
            };
            let from = match from_v {
                Value::Pathname(f) => (**f).clone(),
                v => match crate::builtins::sequences::shape::string_text(v) {
                    Some(text) => match parse_logical(&text) {
                        Some(r) => r,
                        None => parse_rest(&host, &text),
                    }
                    .or_else(|e| it.simple_error(e))?,
                    None => return type_err(it, v, "(OR STRING PATHNAME)"),
                },
            };
            if pattern_match(&cur, &from) {
                let to = to_pathname(it, to_v)?;
                next = Some(translate(&cur, &from, &to).or_else(|e| it.simple_error(e))?);
                break;
            }
        }
        match next {
            Some(n) => cur = n,
            None => {
                let name = cur.namestring();
                return file_error(it, &name, &format!("no translation for {name}"));
            }
        }
    }
    it.simple_error(format!(
        "logical pathname {} translates through more than 32 hosts",
        p.namestring()
    ))
}

fn translate_pathname_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    check_keys(it, &a[3..], "TRANSLATE-PATHNAME")?;
    let src = to_pathname(it, &a[0])?;
    let from = to_pathname(it, &a[1])?;
    let to = to_pathname(it, &a[2])?;
    if !pattern_match(&src, &from) {
        return it.simple_error(format!(
            "TRANSLATE-PATHNAME: {} does not match {}",
            src.namestring(),
            from.namestring()
        ));
    }
    match translate(&src, &from, &to) {
        Ok(p) => Ok(Value::Pathname(Rc::new(p))),
        Err(e) => it.simple_error(e),
    }
}

fn segments(d: &Option<String>) -> (bool, Vec<String>) {
    let d = d.as_deref().unwrap_or("");
    (
        d.starts_with('/'),
        d.split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    )
}

fn partial_wild(w: &str) -> bool {
    w.contains(['*', '?', '[']) && w != "*" && w != "**"
}

/// Whole-component wildcard matching (`*`, `**`; NIL matches anything).
fn pattern_match(p: &Pathname, w: &Pathname) -> bool {
    let same_host = w.host.is_none() || w.host == p.host;
    let dir_ok = w.directory.is_none() || {
        let (wabs, wsegs) = segments(&w.directory);
        let (pabs, psegs) = segments(&p.directory);
        wabs == pabs && capture_dirs(&wsegs, &psegs).is_some()
    };
    let comp = |pat: &Option<String>, text: &Option<String>| match pat.as_deref() {
        None | Some("*") => true,
        Some(x) if partial_wild(x) => false,
        Some(x) => text.as_deref() == Some(x),
    };
    same_host && dir_ok && comp(&w.name, &p.name) && comp(&w.kind, &p.kind)
}

/// What each `*`/`**` of `pattern` matched in `dirs`, in order.
fn capture_dirs(pattern: &[String], dirs: &[String]) -> Option<Vec<Vec<String>>> {
    match pattern.split_first() {
        None => dirs.is_empty().then(Vec::new),
        Some((seg, rest)) if seg == "**" => (0..=dirs.len()).find_map(|i| {
            capture_dirs(rest, &dirs[i..]).map(|mut caps| {
                caps.insert(0, dirs[..i].to_vec());
                caps
            })
        }),
        Some((seg, rest)) => {
            let d = dirs.first()?;
            if seg == "*" {
                let mut caps = capture_dirs(rest, &dirs[1..])?;
                caps.insert(0, vec![d.clone()]);
                Some(caps)
            } else if seg == d {
                capture_dirs(rest, &dirs[1..])
            } else {
                None
            }
        }
    }
}

/// CLHS translate-pathname for whole-component wildcards: each wildcard of
/// TO takes what the matching wildcard of FROM matched in SRC.
fn translate(src: &Pathname, from: &Pathname, to: &Pathname) -> Result<Pathname, String> {
    // Customary case (CLHS 19.2.2.1.2.2): logical is upper, Unix lower.
    let recase = |s: &str| match (src.host.is_some(), to.host.is_some()) {
        (true, false) => s.to_ascii_lowercase(),
        (false, true) => s.to_ascii_uppercase(),
        _ => s.to_string(),
    };
    for w in [&from.name, &from.kind, &to.name, &to.kind]
        .into_iter()
        .flatten()
    {
        if partial_wild(w) {
            return Err(format!(
                "TRANSLATE-PATHNAME: the partial wildcard {w:?} is not supported by sendletter"
            ));
        }
    }
    let (sabs, ssegs) = segments(&src.directory);
    let directory = match &to.directory {
        None => src
            .directory
            .as_ref()
            .map(|_| (sabs, ssegs.iter().map(|s| recase(s)).collect())),
        Some(_) => {
            let (tabs, tsegs) = segments(&to.directory);
            let mut caps = match &from.directory {
                None => vec![ssegs.clone()],
                Some(_) => {
                    let (_, fsegs) = segments(&from.directory);
                    if fsegs.iter().chain(tsegs.iter()).any(|s| partial_wild(s)) {
                        return Err("TRANSLATE-PATHNAME: partial wildcards in directories are not supported by sendletter".into());
                    }
                    capture_dirs(&fsegs, &ssegs)
                        .ok_or_else(|| "TRANSLATE-PATHNAME: source does not match".to_string())?
                }
            }
            .into_iter();
            let mut out = Vec::new();
            for seg in tsegs {
                if seg == "*" || seg == "**" {
                    match caps.next() {
                        Some(c) if seg == "**" || c.len() == 1 => {
                            out.extend(c.iter().map(|s| recase(s)))
                        }
                        None if seg == "**" => {}
                        _ => {
                            return Err(
                                "TRANSLATE-PATHNAME: a * directory of the target has no single directory to take".into(),
                            )
                        }
                    }
                } else {
                    out.push(seg);
                }
            }
            Some((tabs, out))
        }
    };
    let directory = directory.map(|(abs, segs)| {
        let mut d = String::from(if abs { "/" } else { "" });
        for s in segs {
            d.push_str(&s);
            d.push('/');
        }
        d
    });
    let comp = |t: &Option<String>, s: &Option<String>| match t.as_deref() {
        None | Some("*") => s.as_deref().map(recase),
        Some(x) => Some(x.to_string()),
    };
    Ok(Pathname {
        host: to.host.clone(),
        directory,
        name: comp(&to.name, &src.name),
        kind: comp(&to.kind, &src.kind),
        version: match to.version {
            None | Some(Version::Wild) => src.version,
            v => v,
        },
    })
}

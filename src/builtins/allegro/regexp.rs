//! Allegro's regexp2 module (franz.com, Allegro CL 10.1 `regexp.htm`;
//! `operators/excl/match-re.htm`, `replace-re.htm`, `split-re.htm`,
//! `quote-re.htm`, `compile-re.htm`, `re-let.htm`, `re-case.htm`).
//!
//! regexp2 is "mostly Perl-compatible", with back-references and
//! look-around, which the `regex` crate leaves out; `fancy-regex` adds
//! them on top of it (with a backtracking limit, so a pathological
//! pattern is an error, never a hang). Lisp string positions count
//! characters; the crate's count bytes, converted at the edges.

use std::rc::Rc;

use fancy_regex::{Captures, Regex, RegexBuilder};

use crate::builtins::args::{self, type_err};
use crate::builtins::{BuiltinDef, MANY};
use crate::def;
use crate::eval::macros::{
    args as form_args, call, cl, form_and_env, gensym, items, list, malformed, si,
};
use crate::eval::package::{keyword, t};
use crate::eval::value::{BuiltinFn, HostObject, Value};
use crate::eval::{Interp, LResult};

/// Steps the backtracking matcher may take for one search before giving up.
const BACKTRACK_LIMIT: usize = 1_000_000;

/// A compiled regular expression (`compile-re`'s value).
pub struct CompiledRe {
    source: String,
    regex: Regex,
    /// The `:return` given to `compile-re`, the default for `match-re`.
    default_return: Return,
}

impl HostObject for CompiledRe {
    fn type_name(&self) -> &str {
        "REGULAR-EXPRESSION"
    }
    fn describe(&self) -> String {
        format!("{:?}", self.source)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Return {
    Strings,
    Index,
    Nothing,
}

pub const BUILTINS: &[BuiltinDef] = &[
    def!("EXCL" : "MATCH-RE", "(regexp input &key case-fold return start end single-line multiple-lines ignore-whitespace back-end start-unbounded)", 2, MANY, match_re,
        "Match REGEXP against INPUT: T, the whole match and each submatch as values (:return :index gives (start . end) conses; :return nil only T); NIL when it does not match."),
    def!("EXCL" : "REPLACE-RE", "(string regexp substitution &key count start end case-fold single-line multiple-lines ignore-whitespace)", 3, MANY, replace_re,
        "A new string with each match of REGEXP replaced by SUBSTITUTION: a string (\\\\N and \\\\k<name> insert submatches) or a function of the list of match strings."),
    def!("EXCL" : "SPLIT-RE", "(regexp string &key count start end return case-fold single-line multiple-lines ignore-whitespace limit)", 2, MANY, split_re,
        "The substrings of STRING between matches of REGEXP, as Perl's split (trailing empty strings dropped unless :limit); :return :index gives (start . end) conses."),
    def!("EXCL" : "QUOTE-RE", "(string)", 1, 1, quote_re,
        "STRING with every character special to regular expressions escaped."),
    def!("EXCL" : "COMPILE-RE", "(regexp &key case-fold ignore-whitespace multiple-lines single-line return back-end)", 1, MANY, compile_re,
        "Compile REGEXP (a Perl-style string or a (:sequence ...) tree) for MATCH-RE and friends."),
    def!("SENDLETTER" : "%RE-MATCH-INFO", "(regexp string)", 2, 2, re_match_info,
        "For RE-LET and RE-CASE: NIL, or a vector of STRING and each group's start and end."),
    def!("SENDLETTER" : "%RE-SUBMATCH", "(info n how)", 3, 3, re_submatch,
        "For RE-LET and RE-CASE: group N of a match (how NIL), or the text :before or :after it."),
];

/// (name in EXCL, expander).
pub const MACROS: &[(&str, BuiltinFn)] = &[
    ("RE-LET", re_let),
    ("RE-CASE", re_case),
    ("RE-LAMBDA", re_lambda),
];

// ----- positions --------------------------------------------------------------------------

/// The byte offset of character index `ci`, or None past the end.
fn byte_at(s: &str, ci: usize) -> Option<usize> {
    if s.is_ascii() {
        return (ci <= s.len()).then_some(ci);
    }
    if ci == s.chars().count() {
        return Some(s.len());
    }
    s.char_indices().nth(ci).map(|(b, _)| b)
}

/// The character index of byte offset `b` (a character boundary).
fn char_at(s: &str, b: usize) -> usize {
    if s.is_ascii() {
        b
    } else {
        s[..b].chars().count()
    }
}

/// The byte range of `:start`/`:end` (character indices) within `s`.
fn region(
    it: &mut Interp,
    s: &str,
    start: Option<Value>,
    end: Option<Value>,
) -> LResult<(usize, usize)> {
    let n = s.chars().count();
    let start = args::opt_index(it, start.as_ref())?.unwrap_or(0);
    let end = args::opt_index(it, end.as_ref())?.unwrap_or(n);
    if start > end || end > n {
        let msg =
            format!("the region :start {start} :end {end} is not within a string of length {n}");
        return it.simple_error(msg);
    }
    match (byte_at(s, start), byte_at(s, end)) {
        (Some(a), Some(b)) => Ok((a, b)),
        _ => it.simple_error("bad :start or :end"),
    }
}

// ----- compiling ----------------------------------------------------------------------------

/// The mode options of `compile-re` (regexp.htm, "Matching mode").
#[derive(Default, Clone, Copy)]
struct Modes {
    case_fold: bool,
    single_line: bool,
    multiple_lines: bool,
    ignore_whitespace: bool,
}

fn modes(kws: &[(String, Value)]) -> Modes {
    let on = |k: &str| args::kw(kws, k).is_some_and(|v| v.truthy());
    Modes {
        case_fold: on("CASE-FOLD"),
        single_line: on("SINGLE-LINE"),
        multiple_lines: on("MULTIPLE-LINES"),
        ignore_whitespace: on("IGNORE-WHITESPACE"),
    }
}

fn build(source: &str, m: Modes) -> Result<Regex, String> {
    let mut flags = String::new();
    if m.case_fold {
        flags.push('i');
    }
    if m.single_line {
        flags.push('s');
    }
    if m.multiple_lines {
        flags.push('m');
    }
    if m.ignore_whitespace {
        flags.push('x');
    }
    let pattern = if flags.is_empty() {
        source.to_string()
    } else {
        format!("(?{flags}){source}")
    };
    RegexBuilder::new(&pattern)
        .backtrack_limit(BACKTRACK_LIMIT)
        .build()
        .map_err(|e| format!("invalid regular expression {source:?}: {e}"))
}

fn parse_return(it: &mut Interp, v: Option<Value>, default: Return) -> LResult<Return> {
    match v {
        None => Ok(default),
        Some(Value::Nil) => Ok(Return::Nothing),
        Some(Value::Symbol(s)) if s.is_keyword() && s.name == "STRING" => Ok(Return::Strings),
        Some(Value::Symbol(s)) if s.is_keyword() && s.name == "INDEX" => Ok(Return::Index),
        Some(other) => type_err(it, &other, "(MEMBER :STRING :INDEX NIL)"),
    }
}

/// The regular expression a function argument designates: a compiled one
/// (its own modes), a string, or an s-expression tree.
fn regex_of(it: &mut Interp, v: &Value, m: Modes) -> LResult<(Rc<Regex>, Return)> {
    if let Value::Object(o) = v {
        if let Some(c) = o.as_any().downcast_ref::<CompiledRe>() {
            return Ok((Rc::new(c.regex.clone()), c.default_return));
        }
    }
    let source = source_of(it, v)?;
    match build(&source, m) {
        Ok(r) => Ok((Rc::new(r), Return::Strings)),
        Err(msg) => it.simple_error(msg),
    }
}

fn source_of(it: &mut Interp, v: &Value) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        Value::Cons(_) | Value::Symbol(_) | Value::Char(_) => match tree_to_pattern(v, 0) {
            Ok(p) => Ok(p),
            Err(msg) => it.simple_error(format!("regular expression tree: {msg}")),
        },
        other => type_err(it, other, "(OR STRING REGULAR-EXPRESSION LIST)"),
    }
}

/// The Perl syntax of regexp2's s-expression form (regexp.htm, "The
/// s-expression representation"; the parse trees CL-PPCRE also uses).
fn tree_to_pattern(v: &Value, depth: usize) -> Result<String, String> {
    if depth > 200 {
        return Err("nested too deeply".into());
    }
    let sub = |x: &Value| tree_to_pattern(x, depth + 1);
    match v {
        Value::String(s) => Ok(fancy_regex::escape(&s.borrow()).into_owned()),
        Value::Char(c) => Ok(fancy_regex::escape(&c.to_string()).into_owned()),
        Value::Symbol(s) if s.is_keyword() => Ok(match s.name.as_str() {
            "START-ANCHOR" => "^",
            "END-ANCHOR" => "$",
            "MODELESS-START-ANCHOR" => r"\A",
            "MODELESS-END-ANCHOR" => r"(?=\n?\z)",
            "MODELESS-END-ANCHOR-NO-NEWLINE" => r"\z",
            "EVERYTHING" => ".",
            "WORD-BOUNDARY" => r"\b",
            "NON-WORD-BOUNDARY" => r"\B",
            "DIGIT-CLASS" => r"\d",
            "NON-DIGIT-CLASS" => r"\D",
            "WORD-CHAR-CLASS" => r"\w",
            "NON-WORD-CHAR-CLASS" => r"\W",
            "WHITESPACE-CHAR-CLASS" => r"\s",
            "NON-WHITESPACE-CHAR-CLASS" => r"\S",
            "VOID" => "",
            other => {
                return Err(format!(
                    ":{other} is not a regular expression element sendletter knows"
                ))
            }
        }
        .to_string()),
        Value::Cons(_) => {
            let parts = v.list_to_vec().ok_or("a dotted list")?;
            let head = match parts.first() {
                Some(Value::Symbol(s)) if s.is_keyword() => s.name.clone(),
                _ => return Err("a list must start with a keyword such as :sequence".into()),
            };
            let rest = &parts[1..];
            let joined = |sep: &str| -> Result<String, String> {
                Ok(rest
                    .iter()
                    .map(sub)
                    .collect::<Result<Vec<_>, _>>()?
                    .join(sep))
            };
            let count = |x: Option<&Value>| -> Result<String, String> {
                match x {
                    Some(Value::Fixnum(n)) if *n >= 0 => Ok(n.to_string()),
                    Some(Value::Nil) | None => Ok(String::new()),
                    _ => Err("a repetition count is a non-negative integer or NIL".into()),
                }
            };
            match head.as_str() {
                "SEQUENCE" => Ok(format!("(?:{})", joined("")?)),
                "ALTERNATION" => Ok(format!("(?:{})", joined("|")?)),
                "GROUP" => Ok(format!("(?:{})", joined("")?)),
                "REGISTER" => Ok(format!("({})", joined("")?)),
                "NAMED-REGISTER" => match rest.first() {
                    Some(Value::String(n)) => Ok(format!(
                        "(?<{}>{})",
                        n.borrow(),
                        rest[1..]
                            .iter()
                            .map(sub)
                            .collect::<Result<Vec<_>, _>>()?
                            .join("")
                    )),
                    _ => Err(":named-register needs a name string".into()),
                },
                "GREEDY-REPETITION" | "NON-GREEDY-REPETITION" => {
                    let (min, max) = (count(rest.first())?, count(rest.get(1))?);
                    let body = rest
                        .get(2)
                        .map(sub)
                        .transpose()?
                        .ok_or("a repetition needs a body")?;
                    let min = if min.is_empty() { "0".to_string() } else { min };
                    let lazy = if head.starts_with("NON") { "?" } else { "" };
                    Ok(format!("(?:{body}){{{min},{max}}}{lazy}"))
                }
                "POSITIVE-LOOKAHEAD" => Ok(format!("(?={})", joined("")?)),
                "NEGATIVE-LOOKAHEAD" => Ok(format!("(?!{})", joined("")?)),
                "POSITIVE-LOOKBEHIND" => Ok(format!("(?<={})", joined("")?)),
                "NEGATIVE-LOOKBEHIND" => Ok(format!("(?<!{})", joined("")?)),
                "BACK-REFERENCE" => match rest.first() {
                    Some(Value::Fixnum(n)) if *n > 0 => Ok(format!("\\{n}")),
                    Some(Value::String(name)) => Ok(format!("\\k<{}>", name.borrow())),
                    _ => Err(":back-reference needs a group number or name".into()),
                },
                "CHAR-CLASS" | "INVERTED-CHAR-CLASS" => {
                    let mut class = String::from(if head == "CHAR-CLASS" { "[" } else { "[^" });
                    for item in rest {
                        class.push_str(&class_item(item)?);
                    }
                    class.push(']');
                    Ok(class)
                }
                other => Err(format!(
                    ":{other} is not a regular expression form sendletter knows"
                )),
            }
        }
        _ => Err("expected a string, a character, a keyword or a list".into()),
    }
}

fn class_item(v: &Value) -> Result<String, String> {
    let esc = |c: char| {
        if c.is_alphanumeric() {
            c.to_string()
        } else {
            format!("\\{c}")
        }
    };
    match v {
        Value::Char(c) => Ok(esc(*c)),
        Value::String(s) => Ok(s.borrow().chars().map(esc).collect()),
        Value::Symbol(s) if s.is_keyword() => match s.name.as_str() {
            "DIGIT-CLASS" => Ok(r"\d".into()),
            "WORD-CHAR-CLASS" => Ok(r"\w".into()),
            "WHITESPACE-CHAR-CLASS" => Ok(r"\s".into()),
            "NON-DIGIT-CLASS" => Ok(r"\D".into()),
            "NON-WORD-CHAR-CLASS" => Ok(r"\W".into()),
            "NON-WHITESPACE-CHAR-CLASS" => Ok(r"\S".into()),
            other => Err(format!(":{other} cannot be in a character class")),
        },
        Value::Cons(_) => match v.list_to_vec().as_deref() {
            Some([Value::Symbol(r), Value::Char(a), Value::Char(b)]) if r.name == "RANGE" => {
                Ok(format!("{}-{}", esc(*a), esc(*b)))
            }
            _ => Err(
                "a character class item is a character, a string, a class keyword or (:range a b)"
                    .into(),
            ),
        },
        _ => Err(
            "a character class item is a character, a string, a class keyword or (:range a b)"
                .into(),
        ),
    }
}

fn compile_re(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "CASE-FOLD",
            "IGNORE-WHITESPACE",
            "MULTIPLE-LINES",
            "SINGLE-LINE",
            "RETURN",
            "BACK-END",
        ],
        "COMPILE-RE",
    )?;
    if let Value::Object(o) = &a[0] {
        if o.as_any().is::<CompiledRe>() {
            return Ok(a[0].clone());
        }
    }
    let source = source_of(it, &a[0])?;
    let default_return = parse_return(it, args::kw(&kws, "RETURN"), Return::Strings)?;
    match build(&source, modes(&kws)) {
        Ok(regex) => Ok(Value::Object(Rc::new(Box::new(CompiledRe {
            source,
            regex,
            default_return,
        })))),
        Err(msg) => it.simple_error(msg),
    }
}

fn quote_re(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::string(it, &a[0])?;
    Ok(Value::string(fancy_regex::escape(&s).into_owned()))
}

// ----- matching ---------------------------------------------------------------------------

/// Run `f`, turning the matcher's own failures (the backtracking limit)
/// into Lisp errors.
fn search<'t>(
    it: &mut Interp,
    re: &Regex,
    text: &'t str,
    from: usize,
) -> LResult<Option<Captures<'t, str>>> {
    match re.captures_from_pos(text, from) {
        Ok(c) => Ok(c),
        Err(e) => it.simple_error(format!("regular expression match failed: {e}")),
    }
}

/// Each group's byte range (None when it took no part), group 0 first.
type Groups = Vec<Option<(usize, usize)>>;

/// The groups of a match; `offset` is added to each position.
fn spans(c: &Captures<'_, str>, offset: usize) -> Groups {
    (0..c.len())
        .map(|i| c.get(i).map(|m| (m.start() + offset, m.end() + offset)))
        .collect()
}

/// Find the first match in the byte range `lo..hi` of `s`. Unless
/// `unbounded`, the range is searched as a string of its own (so `^`
/// matches at `lo`); with it, look-behind and `^` see the text before.
fn find(
    it: &mut Interp,
    re: &Regex,
    s: &str,
    lo: usize,
    hi: usize,
    unbounded: bool,
) -> LResult<Option<Groups>> {
    if unbounded {
        Ok(search(it, re, &s[..hi], lo)?.map(|c| spans(&c, 0)))
    } else {
        Ok(search(it, re, &s[lo..hi], 0)?.map(|c| spans(&c, lo)))
    }
}

fn match_re(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[2..],
        &[
            "CASE-FOLD",
            "RETURN",
            "START",
            "END",
            "SINGLE-LINE",
            "MULTIPLE-LINES",
            "IGNORE-WHITESPACE",
            "BACK-END",
            "START-UNBOUNDED",
        ],
        "MATCH-RE",
    )?;
    let (re, default_return) = regex_of(it, &a[0], modes(&kws))?;
    let s = args::string(it, &a[1])?;
    let how = parse_return(it, args::kw(&kws, "RETURN"), default_return)?;
    let (lo, hi) = region(it, &s, args::kw(&kws, "START"), args::kw(&kws, "END"))?;
    let unbounded = args::kw(&kws, "START-UNBOUNDED").is_some_and(|v| v.truthy());
    let Some(groups) = find(it, &re, &s, lo, hi, unbounded)? else {
        return Ok(Value::Nil);
    };
    let mut values = vec![t()];
    if how != Return::Nothing {
        for g in groups {
            values.push(match g {
                None => Value::Nil,
                Some((b, e)) if how == Return::Index => Value::cons(
                    Value::Fixnum(char_at(&s, b) as i64),
                    Value::Fixnum(char_at(&s, e) as i64),
                ),
                Some((b, e)) => Value::string(&s[b..e]),
            });
        }
    }
    Ok(it.values(values))
}

/// Every match within `lo..hi`, left to right; an empty match steps one
/// character on, as Perl's global match.
fn all_matches(
    it: &mut Interp,
    re: &Regex,
    s: &str,
    lo: usize,
    hi: usize,
    limit: Option<usize>,
) -> LResult<Vec<Groups>> {
    // The whole string is searched, so `^`, `$` and look-around see it
    // all; only matches within the region count (replace-re.htm: `$` does
    // not match at `:end`).
    let text = s;
    let mut out = Vec::new();
    let mut pos = lo;
    while pos <= hi && limit.is_none_or(|l| out.len() < l) {
        let Some(c) = search(it, re, text, pos)? else {
            break;
        };
        let g = spans(&c, 0);
        let Some(Some((b, e))) = g.first().copied() else {
            break;
        };
        if e > hi {
            break;
        }
        out.push(g);
        pos = if e > b {
            e
        } else {
            match text[e..].chars().next() {
                Some(ch) => e + ch.len_utf8(),
                None => break,
            }
        };
    }
    Ok(out)
}

fn replace_re(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[3..],
        &[
            "COUNT",
            "START",
            "END",
            "CASE-FOLD",
            "SINGLE-LINE",
            "MULTIPLE-LINES",
            "IGNORE-WHITESPACE",
        ],
        "REPLACE-RE",
    )?;
    let s = args::string(it, &a[0])?;
    let (re, _) = regex_of(it, &a[1], modes(&kws))?;
    let (lo, hi) = region(it, &s, args::kw(&kws, "START"), args::kw(&kws, "END"))?;
    let count = args::opt_index(it, args::kw(&kws, "COUNT").as_ref())?;
    let matches = all_matches(it, &re, &s, lo, hi, count)?;
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for g in matches {
        let Some((b, e)) = g[0] else { continue };
        if b == e {
            return it.simple_error("REPLACE-RE: the regular expression matched an empty string");
        }
        out.push_str(&s[last..b]);
        let text = |i: usize| g.get(i).copied().flatten().map(|(x, y)| &s[x..y]);
        match &a[2] {
            Value::String(sub) => {
                let sub = sub.borrow().clone();
                expand_substitution(it, &sub, &re, &g, &s, &mut out)?;
            }
            f => {
                let strings = (0..g.len())
                    .map(|i| text(i).map(Value::string).unwrap_or(Value::Nil))
                    .collect::<Vec<_>>();
                let r = it.apply(f, &[Value::list(strings)])?;
                match r {
                    Value::String(r) => out.push_str(&r.borrow()),
                    other => return type_err(it, &other, "STRING"),
                }
            }
        }
        last = e;
    }
    out.push_str(&s[last..]);
    Ok(Value::string(out))
}

/// A substitution string: `\N` (a group number), `\k<name>`, `\\`.
fn expand_substitution(
    it: &mut Interp,
    sub: &str,
    re: &Regex,
    g: &[Option<(usize, usize)>],
    s: &str,
    out: &mut String,
) -> LResult<()> {
    let mut chars = sub.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some(d) if d.is_ascii_digit() => {
                let mut n = 0usize;
                while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                    n = n.saturating_mul(10).saturating_add(d as usize);
                    chars.next();
                }
                if n >= g.len() {
                    return it.simple_error(format!("REPLACE-RE: the substitution refers to group {n}, which the regular expression does not have"));
                }
                if let Some((b, e)) = g[n] {
                    out.push_str(&s[b..e]);
                }
            }
            Some('k') => {
                chars.next();
                if chars.next() != Some('<') {
                    return it.simple_error("REPLACE-RE: \\k must be followed by <name>");
                }
                let name: String = chars.by_ref().take_while(|&c| c != '>').collect();
                let idx = re.capture_names().position(|n| n == Some(name.as_str()));
                match idx {
                    Some(i) => {
                        if let Some((b, e)) = g.get(i).copied().flatten() {
                            out.push_str(&s[b..e]);
                        }
                    }
                    None => {
                        return it.simple_error(format!(
                            "REPLACE-RE: the regular expression has no group named {name}"
                        ));
                    }
                }
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            _ => out.push('\\'),
        }
    }
    Ok(())
}

fn split_re(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[2..],
        &[
            "COUNT",
            "START",
            "END",
            "RETURN",
            "CASE-FOLD",
            "SINGLE-LINE",
            "MULTIPLE-LINES",
            "IGNORE-WHITESPACE",
            "LIMIT",
        ],
        "SPLIT-RE",
    )?;
    let (re, _) = regex_of(it, &a[0], modes(&kws))?;
    let s = args::string(it, &a[1])?;
    let how = parse_return(it, args::kw(&kws, "RETURN"), Return::Strings)?;
    let (lo, hi) = region(it, &s, args::kw(&kws, "START"), args::kw(&kws, "END"))?;
    // :count is the deprecated spelling of :limit; 0 means no limit.
    let limit = match args::opt_index(it, args::kw(&kws, "LIMIT").as_ref())? {
        Some(l) => Some(l),
        None => args::opt_index(it, args::kw(&kws, "COUNT").as_ref())?,
    }
    .filter(|&l| l > 0);
    let matches = all_matches(it, &re, &s, lo, hi, None)?;
    // Perl's split: fields between delimiters; an empty match at the
    // start of a field splits nothing there.
    let mut fields: Vec<(usize, usize)> = Vec::new();
    let mut field_start = 0;
    for g in &matches {
        if limit.is_some_and(|l| fields.len() + 1 >= l) {
            break;
        }
        let Some((b, e)) = g[0] else { continue };
        if b == e && (b == field_start || b >= s.len()) {
            continue;
        }
        fields.push((field_start, b));
        field_start = e;
    }
    fields.push((field_start, s.len()));
    if limit.is_none() {
        while fields.last().is_some_and(|(b, e)| b == e) {
            fields.pop();
        }
    }
    let items = fields
        .into_iter()
        .map(|(b, e)| match how {
            Return::Index => Value::cons(
                Value::Fixnum(char_at(&s, b) as i64),
                Value::Fixnum(char_at(&s, e) as i64),
            ),
            _ => Value::string(&s[b..e]),
        })
        .collect::<Vec<_>>();
    Ok(Value::list(items))
}

// ----- re-let, re-case, re-lambda ----------------------------------------------------------

fn re_match_info(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (re, _) = regex_of(it, &a[0], Modes::default())?;
    let s = args::string(it, &a[1])?;
    let Some(groups) = find(it, &re, &s, 0, s.len(), false)? else {
        return Ok(Value::Nil);
    };
    let mut v = vec![a[1].clone()];
    for g in groups {
        match g {
            Some((b, e)) => {
                v.push(Value::Fixnum(char_at(&s, b) as i64));
                v.push(Value::Fixnum(char_at(&s, e) as i64));
            }
            None => v.extend([Value::Nil, Value::Nil]),
        }
    }
    Ok(Value::vector(v))
}

fn re_submatch(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Value::Vector(info) = &a[0] else {
        return type_err(it, &a[0], "VECTOR");
    };
    let info = info.borrow().clone();
    let n = args::index(it, &a[1])?;
    let s = match info.first() {
        Some(Value::String(s)) => s.borrow().clone(),
        _ => return it.simple_error("RE-LET: not a match"),
    };
    let (Some(b), Some(e)) = (info.get(1 + 2 * n), info.get(2 + 2 * n)) else {
        return it.simple_error(format!("RE-LET: the regular expression has no group {n}"));
    };
    let (Value::Fixnum(b), Value::Fixnum(e)) = (b, e) else {
        return Ok(Value::Nil);
    };
    let chars: Vec<char> = s.chars().collect();
    let (b, e) = (*b as usize, *e as usize);
    let (from, to) = match &a[2] {
        Value::Nil => (b, e),
        Value::Symbol(k) if k.name == "BEFORE" => (0, b),
        Value::Symbol(k) if k.name == "AFTER" => (e, chars.len()),
        other => return type_err(it, other, "(MEMBER NIL :BEFORE :AFTER)"),
    };
    Ok(Value::string(
        chars[from.min(to)..to.min(chars.len())]
            .iter()
            .collect::<String>(),
    ))
}

/// The form giving the regular expression of a re-let/re-case clause:
/// a string, `(string option…)` (compiled with those options), or an
/// expression.
fn regexp_form(v: &Value) -> Value {
    match v {
        Value::Cons(_) if matches!(v.car(), Value::String(_)) => call(
            Value::Symbol(excl("COMPILE-RE")),
            v.list_to_vec().unwrap_or_default(),
        ),
        other => other.clone(),
    }
}

fn excl(name: &str) -> crate::eval::value::Sym {
    match crate::eval::package::find_package("EXCL") {
        Some(p) => crate::eval::package::intern_external(name, &p),
        None => crate::eval::package::cl_sym(name),
    }
}

/// `((var n [:before|:after]) …)` as `let` bindings over match info `m`.
fn bindings(it: &mut Interp, form: &Value, spec: &Value, m: &Value) -> LResult<Value> {
    let mut out = Vec::new();
    for b in items(it, spec, form)? {
        let (var, n, how) = match &b {
            Value::Symbol(_) => (b.clone(), Value::Fixnum(0), Value::Nil),
            Value::Cons(_) => {
                let parts = items(it, &b, form)?;
                match parts.as_slice() {
                    [v, n] => (v.clone(), n.clone(), Value::Nil),
                    [v, n, how] => (v.clone(), n.clone(), how.clone()),
                    _ => {
                        return malformed(
                            it,
                            form,
                            "a binding is (variable group [:before|:after])",
                        )
                    }
                }
            }
            _ => return malformed(it, form, "a binding is (variable group [:before|:after])"),
        };
        out.push(list([var, call(si("%RE-SUBMATCH"), [m.clone(), n, how])]));
    }
    Ok(Value::list(out))
}

/// `(re-let regexp string bindings body…)`.
fn re_let(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = form_args(it, &form)?;
    if x.len() < 3 {
        return malformed(
            it,
            &form,
            "re-let needs a regular expression, a string and bindings",
        );
    }
    let m = gensym("MATCH");
    let binds = bindings(it, &form, &x[2], &m)?;
    Ok(list([
        cl("LET"),
        list([list([
            m.clone(),
            call(si("%RE-MATCH-INFO"), [regexp_form(&x[0]), x[1].clone()]),
        ])]),
        list([
            cl("WHEN"),
            m,
            call(
                cl("LET"),
                std::iter::once(binds).chain(x[3..].iter().cloned()),
            ),
        ]),
    ]))
}

/// `(re-lambda regexp bindings body…)`: a function of
/// `(string &key if-does-not-match)`.
fn re_lambda(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = form_args(it, &form)?;
    if x.len() < 2 {
        return malformed(
            it,
            &form,
            "re-lambda needs a regular expression and bindings",
        );
    }
    let (s, otherwise, m) = (
        gensym("STRING"),
        gensym("IF-DOES-NOT-MATCH"),
        gensym("MATCH"),
    );
    let binds = bindings(it, &form, &x[1], &m)?;
    let lambda_list = list([
        s.clone(),
        cl("&KEY"),
        list([list([
            Value::Symbol(keyword("IF-DOES-NOT-MATCH")),
            otherwise.clone(),
        ])]),
    ]);
    let body = list([
        cl("LET"),
        list([list([
            m.clone(),
            call(si("%RE-MATCH-INFO"), [regexp_form(&x[0]), s]),
        ])]),
        list([
            cl("IF"),
            m,
            call(
                cl("LET"),
                std::iter::once(binds).chain(x[2..].iter().cloned()),
            ),
            otherwise,
        ]),
    ]);
    Ok(list([
        cl("FUNCTION"),
        list([cl("LAMBDA"), lambda_list, body]),
    ]))
}

/// `(re-case string (regexp bindings form…)… [(t form…)])`.
fn re_case(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = form_args(it, &form)?;
    let Some((string, clauses)) = x.split_first() else {
        return malformed(it, &form, "re-case needs a string");
    };
    let (s, m) = (gensym("STRING"), gensym("MATCH"));
    let mut cond = Vec::new();
    for clause in clauses {
        let parts = items(it, clause, &form)?;
        let Some(head) = parts.first() else {
            return malformed(it, &form, "an empty re-case clause");
        };
        if matches!(head, Value::Symbol(sym) if sym.name == "T" || sym.name == "OTHERWISE") {
            cond.push(call(t(), parts[1..].to_vec()));
            continue;
        }
        let Some(spec) = parts.get(1) else {
            return malformed(it, &form, "a re-case clause is (regexp bindings form…)");
        };
        let binds = bindings(it, &form, spec, &m)?;
        let test = list([
            cl("SETQ"),
            m.clone(),
            call(si("%RE-MATCH-INFO"), [regexp_form(head), s.clone()]),
        ]);
        cond.push(list([
            test,
            call(
                cl("LET"),
                std::iter::once(binds).chain(parts[2..].iter().cloned()),
            ),
        ]));
    }
    Ok(list([
        cl("LET"),
        list([list([s, string.clone()]), m]),
        call(cl("COND"), cond),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_become_perl_syntax() {
        let seq = Value::list(vec![
            Value::Symbol(keyword("SEQUENCE")),
            Value::Symbol(keyword("START-ANCHOR")),
            Value::string("a.b"),
            Value::list(vec![
                Value::Symbol(keyword("GREEDY-REPETITION")),
                Value::Fixnum(1),
                Value::Nil,
                Value::Symbol(keyword("DIGIT-CLASS")),
            ]),
        ]);
        assert_eq!(
            tree_to_pattern(&seq, 0).as_deref(),
            Ok(r"(?:^a\.b(?:\d){1,})")
        );
    }

    #[test]
    fn positions_count_characters() {
        assert_eq!(byte_at("héllo", 2), Some(3));
        assert_eq!(char_at("héllo", 3), 2);
        assert_eq!(byte_at("abc", 4), None);
    }
}

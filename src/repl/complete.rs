//! Tab completion of symbol names and input validation for the REPL.
//!
//! Completion offers the symbols accessible in the current package (own
//! and inherited, CLHS 11.1.1.2.1), `package:` prefixes, the external
//! symbols after `pkg:`, all symbols after `pkg::`, and keywords after
//! `:`. Matching ignores case; candidates come in lower case unless the
//! word was typed in upper case.

use std::collections::BTreeSet;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use crate::eval::package::{self, Package};
use crate::reader::{NoEval, ReadErrorKind, Reader};

/// The rustyline helper: completion and "is the form complete?".
pub struct LispHelper;

impl Helper for LispHelper {}
impl Hinter for LispHelper {
    type Hint = String;
}
impl Highlighter for LispHelper {}

impl Validator for LispHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if is_incomplete(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Completer for LispHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = complete_symbol(line, pos);
        let pairs = words
            .into_iter()
            .map(|w| Pair {
                display: w.clone(),
                replacement: w,
            })
            .collect();
        Ok((start, pairs))
    }
}

/// Does `text` end inside a form, so Enter should continue the input?
/// The reader says so with an end-of-file error (CLHS 2.2); any other
/// error is for evaluation to report.
pub fn is_incomplete(text: &str) -> bool {
    let mut reader = Reader::new(text, None);
    loop {
        match reader.read(&mut NoEval) {
            Ok(Some(_)) => continue,
            Ok(None) => return false,
            Err(e) => return e.kind == ReadErrorKind::EndOfFile,
        }
    }
}

/// Characters that end a symbol token to the left of the cursor
/// (CLHS 2.1.4: whitespace and terminating macro characters).
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '\'' | '`' | ',' | '"' | ';')
}

/// Completions for the word ending at byte `pos` of `line`: where the word
/// starts and the full replacement words, sorted.
pub fn complete_symbol(line: &str, pos: usize) -> (usize, Vec<String>) {
    let Some(before) = line.get(..pos) else {
        return (pos, Vec::new());
    };
    let start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| is_delimiter(c))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let word = &before[start..];
    if word.is_empty() {
        return (pos, Vec::new());
    }
    let upper = word.chars().any(|c| c.is_uppercase()) && !word.chars().any(|c| c.is_lowercase());
    let shape = |name: &str| {
        if upper {
            name.to_string()
        } else {
            name.to_lowercase()
        }
    };
    let mut out = BTreeSet::new();
    match word.find(':') {
        // `:key` — keywords.
        Some(0) => {
            let prefix = word[1..].to_uppercase();
            let kw = package::keyword_package();
            for name in names(&kw, true, &prefix) {
                out.insert(format!(":{}", shape(&name)));
            }
            // Keywords a call could take, interned or not yet.
            for name in known_keywords() {
                if name.starts_with(&prefix) {
                    out.insert(format!(":{}", shape(&name)));
                }
            }
        }
        // `pkg:sym` or `pkg::sym`.
        Some(i) => {
            let pkg_text = &word[..i];
            let rest = &word[i + 1..];
            let (sep, prefix, internal) = match rest.strip_prefix(':') {
                Some(r) => ("::", r, true),
                None => (":", rest, false),
            };
            let pkg = package::find_package(&pkg_text.to_uppercase())
                .or_else(|| package::find_package(pkg_text));
            if let Some(pkg) = pkg {
                for name in names(&pkg, !internal, &prefix.to_uppercase()) {
                    out.insert(format!("{pkg_text}{sep}{}", shape(&name)));
                }
            }
        }
        None => {
            let prefix = word.to_uppercase();
            let cur = package::current_package();
            for name in accessible_names(&cur, &prefix) {
                out.insert(shape(&name));
            }
            for p in package::all_packages() {
                let nicks = p.nicknames.borrow().clone();
                for n in std::iter::once(p.name()).chain(nicks) {
                    if n.starts_with(&prefix) && !needs_bars(&n) {
                        out.insert(format!("{}:", shape(&n)));
                    }
                }
            }
        }
    }
    (start, out.into_iter().collect())
}

/// The server form's options (`("host" :port 587 :starttls t)`,
/// `builtins/smtp/server_form.rs`), which no lambda list names.
const SERVER_FORM_KEYWORDS: &[&str] = &[
    "AUTH",
    "CA-DIRECTORY",
    "CA-FILE",
    "CERTIFICATE",
    "KEY",
    "LOGIN",
    "METHOD",
    "PORT",
    "PROGRAM",
    "SERVER-NAME",
    "SSL",
    "STARTTLS",
    "TIMEOUT",
    "VERIFY",
];

/// Every keyword a builtin's lambda list takes (`&key subject
/// attachments ...` of `send-letter` and the rest) and the server form's
/// options: Tab offers `:subject` before the reader has ever seen it.
fn known_keywords() -> Vec<String> {
    let mut out: Vec<String> = SERVER_FORM_KEYWORDS.iter().map(|s| s.to_string()).collect();
    for table in crate::builtins::tables() {
        for def in table {
            out.extend(lambda_list_keywords(def.lambda_list));
        }
    }
    out
}

/// The keyword names of a lambda list's `&key` part, written as text:
/// `var`, `(var default)` or `((:key var) default)` each give one.
pub fn lambda_list_keywords(ll: &str) -> Vec<String> {
    let upper = ll.to_uppercase();
    let Some(at) = upper.find("&KEY") else {
        return Vec::new();
    };
    let rest = &upper[at + 4..];
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut word = String::new();
    // The first word of each item at the &key level names the keyword.
    let mut item_named = false;
    for c in rest.chars() {
        match c {
            '(' | ')' | ' ' | '\t' | '\n' => {
                if !word.is_empty() {
                    if word.starts_with('&') && depth == 0 {
                        break;
                    }
                    if !item_named {
                        out.push(word.trim_start_matches(':').to_string());
                        item_named = true;
                    }
                    word.clear();
                }
                match c {
                    '(' => depth += 1,
                    ')' => {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item_named = false;
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() && !word.starts_with('&') && !item_named {
        out.push(word.trim_start_matches(':').to_string());
    }
    out.retain(|w| !w.is_empty() && !needs_bars(w));
    out
}

/// Names that print without `|...|`: completion skips the others.
fn needs_bars(name: &str) -> bool {
    name.is_empty()
        || name
            .chars()
            .any(|c| c.is_lowercase() || c.is_whitespace() || "()'`,\";|\\:".contains(c))
}

/// Symbol names of `pkg` (only external ones when `external_only`) that
/// start with `prefix`.
fn names(pkg: &Rc<Package>, external_only: bool, prefix: &str) -> Vec<String> {
    crate::eval::package::make_all_predefined(pkg);
    let mut v: Vec<String> = pkg.external.borrow().keys().cloned().collect();
    if !external_only {
        v.extend(pkg.internal.borrow().keys().cloned());
    }
    v.retain(|n| n.starts_with(prefix) && !needs_bars(n));
    v
}

/// Names accessible in `pkg`: its own symbols and the externals of the
/// packages it uses.
fn accessible_names(pkg: &Rc<Package>, prefix: &str) -> Vec<String> {
    let mut v = names(pkg, false, prefix);
    for used in pkg.uses.borrow().iter() {
        v.extend(names(used, true, prefix));
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_accessible_symbols_in_lower_case() {
        let _it = crate::toplevel::new_interp();
        let (start, words) = complete_symbol("(symbol-na", 10);
        assert_eq!(start, 1);
        assert_eq!(words, vec!["symbol-name".to_string()]);
        let (_, words) = complete_symbol("(SYMBOL-NA", 10);
        assert_eq!(words, vec!["SYMBOL-NAME".to_string()]);
        let (start, words) = complete_symbol("(funcall #'symbol-plis", 22);
        assert_eq!((start, words), (11, vec!["symbol-plist".to_string()]));
    }

    #[test]
    fn completes_package_prefixes_and_keywords() {
        let _it = crate::toplevel::new_interp();
        let (_, words) = complete_symbol("(common-lisp-u", 14);
        assert!(
            words.contains(&"common-lisp-user:".to_string()),
            "{words:?}"
        );
        let (_, words) = complete_symbol("(cl:symbol-na", 13);
        assert_eq!(words, vec!["cl:symbol-name".to_string()]);
        let (_, words) = complete_symbol("(cl::symbol-na", 14);
        assert_eq!(words, vec!["cl::symbol-name".to_string()]);
        crate::eval::package::keyword("COMPLETION-TEST-KEY");
        let (_, words) = complete_symbol("'(:completion-test-k", 20);
        assert_eq!(words, vec![":completion-test-key".to_string()]);
    }

    #[test]
    fn keywords_of_lambda_lists_complete_before_they_are_interned() {
        let _it = crate::toplevel::new_interp();
        assert_eq!(
            lambda_list_keywords("(a &key b (c 1) ((:dee d) 2) &allow-other-keys)"),
            vec!["B", "C", "DEE"]
        );
        assert!(lambda_list_keywords("(a &optional b)").is_empty());
        let (_, words) = complete_symbol("(send-letter s f t m :sub", 25);
        assert!(words.contains(&":subject".to_string()), "{words:?}");
        let (_, words) = complete_symbol("'(\"h\" :startt", 13);
        assert!(words.contains(&":starttls".to_string()), "{words:?}");
        let (_, words) = complete_symbol(":attachm", 8);
        assert!(words.contains(&":attachments".to_string()), "{words:?}");
    }

    #[test]
    fn nothing_to_complete() {
        let _it = crate::toplevel::new_interp();
        assert!(complete_symbol("(", 1).1.is_empty());
        assert!(complete_symbol("(zzzq-no-such", 13).1.is_empty());
        assert!(complete_symbol("(nopkg:x", 8).1.is_empty());
        // A position inside a multi-byte character is not a word end.
        assert!(complete_symbol("(é", 2).1.is_empty());
    }
}

//! Calls: is the function defined, does the number of arguments fit its
//! lambda list, are literal keywords among its `&key`s; and for the mail
//! functions, the literal server forms and addresses a run would refuse.

use std::collections::HashMap;

use crate::builtins::BuiltinDef;
use crate::eval::value::Function;
use crate::eval::{Sym, Value};
use crate::printer::prin1_to_string;
use crate::reader::positions::Place;

use super::defs::{id, Signature};
use super::walk::Walker;
use super::Level;

thread_local! {
    /// (package, name) → the builtin's table entry, for its lambda list.
    static TABLE: HashMap<(&'static str, &'static str), &'static BuiltinDef> =
        crate::builtins::tables()
            .into_iter()
            .flat_map(|t| t.iter())
            .map(|d| ((d.package, d.name), d))
            .collect();
}

/// The `&key` names of a builtin's documented lambda list, when it has
/// `&key` without `&allow-other-keys`: `"(a &key b (c 1))"` → `[B, C]`.
pub fn text_keys(lambda_list: &str) -> Option<Vec<String>> {
    let lower = lambda_list.to_ascii_lowercase();
    if lower.contains("&allow-other-keys") {
        return None;
    }
    let start = lower.find("&key")? + 4;
    let tail = &lambda_list[start..];
    let tail = match tail.to_ascii_lowercase().find("&aux") {
        Some(i) => &tail[..i],
        None => tail,
    };
    let mut keys = Vec::new();
    let mut depth = 0i32;
    let mut want_name = false;
    let mut token = String::new();
    let flush = |token: &mut String, depth: i32, want: &mut bool, keys: &mut Vec<String>| {
        if !token.is_empty() && (depth == 0 || *want) {
            keys.push(token.trim_start_matches(':').to_ascii_uppercase());
            *want = false;
        }
        token.clear();
    };
    for c in tail.chars() {
        match c {
            '(' => {
                flush(&mut token, depth, &mut want_name, &mut keys);
                depth += 1;
                want_name = true;
            }
            ')' => {
                flush(&mut token, depth, &mut want_name, &mut keys);
                depth -= 1;
                want_name = false;
                if depth < 0 {
                    break;
                }
            }
            c if c.is_whitespace() => {
                flush(&mut token, depth, &mut want_name, &mut keys);
                if depth > 0 {
                    want_name = false;
                }
            }
            c => token.push(c),
        }
    }
    flush(&mut token, depth, &mut want_name, &mut keys);
    Some(keys)
}

/// What is known of the global function `s`: `None` if undefined.
fn known_signature(w: &Walker, s: &Sym) -> Option<Option<Signature>> {
    if let Some(sig) = w.defs.functions.get(&id(s)) {
        return Some(sig.clone());
    }
    let f = s.function.borrow().clone()?;
    let Value::Function(f) = f else {
        return Some(None);
    };
    Some(match &*f {
        Function::Builtin(b) => {
            let pkg = s
                .package
                .borrow()
                .as_ref()
                .map(|p| p.name())
                .unwrap_or_default();
            let keys = TABLE.with(|t| {
                t.iter()
                    .find(|((p, n), _)| *p == pkg && *n == s.name)
                    .and_then(|(_, d)| text_keys(d.lambda_list))
            });
            let positional = match &keys {
                Some(_) => TABLE.with(|t| {
                    t.iter()
                        .find(|((p, n), _)| *p == pkg && *n == s.name)
                        .map(|(_, d)| positional_in_text(d.lambda_list))
                        .unwrap_or(b.min_args)
                }),
                None => b.min_args,
            };
            Some(Signature {
                required: b.min_args,
                max: b.max_args,
                keys,
                positional,
            })
        }
        Function::Closure(c) if !c.is_macro => {
            let ll = &c.lambda_list;
            let max =
                (ll.rest.is_none() && !ll.has_key).then_some(ll.required.len() + ll.optional.len());
            let keys = (ll.has_key && !ll.allow_other_keys)
                .then(|| ll.key.iter().map(|k| k.keyword.name.clone()).collect());
            Some(Signature {
                required: ll.required.len(),
                max,
                keys,
                positional: ll.required.len() + ll.optional.len(),
            })
        }
        _ => None,
    })
}

/// The parameters before `&key` in a documented lambda list.
fn positional_in_text(ll: &str) -> usize {
    let inner = ll.trim().trim_start_matches('(');
    let before = inner.split("&key").next().unwrap_or("");
    let mut depth = 0;
    let mut n = 0;
    let mut in_token = false;
    for c in before.chars() {
        match c {
            '(' => {
                if depth == 0 {
                    n += 1;
                }
                depth += 1;
            }
            ')' => depth -= 1,
            c if c.is_whitespace() => in_token = false,
            // &optional itself is not a parameter.
            '&' if depth == 0 && !in_token => in_token = true,
            _ => {
                if depth == 0 && !in_token {
                    n += 1;
                }
                in_token = true;
            }
        }
    }
    n
}

fn name_of(s: &Sym) -> String {
    prin1_to_string(&Value::Symbol(s.clone())).to_ascii_lowercase()
}

/// `#'name`: the function must exist.
pub fn check_function_name(w: &mut Walker, s: &Sym, place: &Place) {
    if s.package.borrow().is_none() || known_signature(w, s).is_some() {
        return;
    }
    if s.macro_fn.borrow().is_some() || w.defs.macros.contains(&id(s)) {
        return;
    }
    let level = w.undefined_level();
    w.report(level, place, format!("undefined function {}", name_of(s)));
}

/// A call `(s . args)` of a global function.
pub fn check_call(w: &mut Walker, s: &Sym, args: &Value, place: &Place) {
    let Some(sig) = known_signature(w, s) else {
        check_function_name(w, s, place);
        return;
    };
    let args: Vec<Value> = args.iter().collect();
    let fname = name_of(s);
    let mail = is_mail_function(s);
    if let Some(sig) = &sig {
        let n = args.len();
        let too_few = n < sig.required;
        let too_many = sig.max.is_some_and(|m| n > m);
        if too_few || too_many {
            let wanted = match sig.max {
                Some(m) if m == sig.required => format!("{m}"),
                Some(m) => format!("{} to {m}", sig.required),
                None => format!("at least {}", sig.required),
            };
            w.report(
                Level::Error,
                place,
                format!(
                    "{fname} called with {n} argument{}, but it takes {wanted}",
                    if n == 1 { "" } else { "s" }
                ),
            );
            return;
        }
        // With optional parameters, where the keywords start depends on
        // how many were given: not judged.
        if let (Some(keys), true) = (&sig.keys, sig.positional == sig.required) {
            check_keywords(w, &fname, s, keys, sig.positional, &args, place);
        }
    }
    if mail {
        mail_arguments(w, s, &args, place);
    }
}

fn literal_keyword(v: &Value) -> Option<String> {
    match v {
        Value::Symbol(k) if k.is_keyword() => Some(k.name.clone()),
        _ => None,
    }
}

fn check_keywords(
    w: &mut Walker,
    fname: &str,
    s: &Sym,
    keys: &[String],
    positional: usize,
    args: &[Value],
    place: &Place,
) {
    if args.len() < positional {
        return;
    }
    // `(send-letter server from to :subject "x")`: the message forgotten.
    if s.name == "SEND-LETTER" && (args.len() - positional) % 2 == 1 {
        if let Some(k) = literal_keyword(&args[3]).filter(|k| keys.contains(k)) {
            w.report(
                Level::Error,
                place,
                format!("{fname}: the message argument (the 4th, after server, from and to) is missing: :{k} stands in its place"),
            );
            return;
        }
    }
    let rest = &args[positional..];
    // Only a keyword part written out in full is judged: a computed
    // keyword may be anything.
    if rest.iter().step_by(2).any(|k| literal_keyword(k).is_none()) {
        return;
    }
    if rest
        .iter()
        .step_by(2)
        .any(|k| literal_keyword(k).as_deref() == Some("ALLOW-OTHER-KEYS"))
    {
        return;
    }
    if rest.len() % 2 == 1 {
        w.report(
            Level::Error,
            place,
            format!("{fname}: odd number of keyword arguments"),
        );
        return;
    }
    let valid: Vec<&str> = keys.iter().map(String::as_str).collect();
    for k in rest.iter().step_by(2) {
        if let Some(name) = literal_keyword(k) {
            if !keys.contains(&name) {
                w.report(
                    Level::Error,
                    place,
                    format!(
                        "{fname}: unknown keyword argument :{name}{}",
                        crate::eval::suggest::keyword_hint(&name, &valid)
                    ),
                );
            }
        }
    }
}

fn is_mail_function(s: &Sym) -> bool {
    s.package
        .borrow()
        .as_ref()
        .is_some_and(|p| p.name() == "NET.POST-OFFICE")
        && matches!(
            s.name.as_str(),
            "SEND-LETTER" | "SEND-SMTP" | "SEND-SMTP-AUTH" | "TEST-EMAIL-ADDRESS"
        )
}

/// The value of a literal argument: a string, number, keyword, or a
/// quoted form; `None` when it is computed.
fn literal(v: &Value) -> Option<Value> {
    match v {
        Value::String(_) | Value::Fixnum(_) | Value::Nil => Some(v.clone()),
        Value::Symbol(s) if s.is_keyword() => Some(v.clone()),
        Value::Cons(_)
            if v.car()
                .as_symbol()
                .is_some_and(|q| q.name == "QUOTE" && q.home_is_cl()) =>
        {
            Some(v.cdr().car())
        }
        _ => None,
    }
}

/// The server form and literal addresses of a mail call.
fn mail_arguments(w: &mut Walker, s: &Sym, args: &[Value], place: &Place) {
    let fname = name_of(s);
    if s.name == "TEST-EMAIL-ADDRESS" {
        if let Some(Value::String(a)) = args.first() {
            if a.borrow().is_empty() {
                w.report(
                    Level::Error,
                    place,
                    format!("{fname}: the address is empty"),
                );
            }
        }
        return;
    }
    if let Some(server) = args.first().and_then(literal) {
        let mark = w.it.dyn_mark();
        let parsed = crate::builtins::smtp::server_form::parse(w.it, &server);
        w.it.unbind_to(mark);
        if let Err(u) = parsed {
            let message = match u.into_kind() {
                crate::eval::UnwindKind::Signal(c) | crate::eval::UnwindKind::Error(c) => {
                    w.it.report_condition(&c)
                        .unwrap_or_else(|_| "a malformed server form".into())
                }
                _ => "a malformed server form".into(),
            };
            w.report(Level::Error, place, message.replace("send-letter", &fname));
        }
    }
    let mut addresses: Vec<(&str, Value)> = Vec::new();
    if let Some(v) = args.get(1).and_then(literal) {
        addresses.push(("from", v));
    }
    if let Some(v) = args.get(2).and_then(literal) {
        if matches!(v, Value::Nil) {
            w.report(
                Level::Error,
                place,
                format!("{fname}: to is NIL; at least one recipient is needed"),
            );
        }
        addresses.push(("to", v));
    }
    if s.name == "SEND-LETTER" && args.len() > 4 {
        for pair in args[4..].chunks(2) {
            if let (Some(k), Some(v)) = (literal_keyword(&pair[0]), pair.get(1).and_then(literal)) {
                if k == "CC" || k == "BCC" {
                    addresses.push((if k == "CC" { ":cc" } else { ":bcc" }, v));
                }
            }
        }
    }
    for (what, v) in addresses {
        let items: Vec<Value> = if v.is_cons() {
            v.iter().collect()
        } else {
            vec![v]
        };
        for item in items {
            let Value::String(a) = &item else { continue };
            let a = a.borrow().clone();
            if let Some(why) = not_bare(&a) {
                let hint = if what == "from" && a.contains('<') {
                    "; for a display name add :headers '(\"From: Name <address>\")"
                } else {
                    ""
                };
                w.report(
                    Level::Error,
                    place,
                    format!("{fname}: {what} address {a:?} is not a bare address: {why}{hint}"),
                );
            }
        }
    }
}

/// Why `a` is not a bare address (docs/api.md: no `<`, `>`, white space
/// or control characters), or `None`.
fn not_bare(a: &str) -> Option<&'static str> {
    if a.contains(['<', '>']) {
        Some("it contains < or >")
    } else if a.chars().any(char::is_whitespace) {
        Some("it contains white space")
    } else if a.chars().any(char::is_control) {
        Some("it contains a control character")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_of_documented_lambda_lists() {
        assert_eq!(
            text_keys("(server from to message &key cc bcc subject)"),
            Some(vec!["CC".into(), "BCC".into(), "SUBJECT".into()])
        );
        assert_eq!(
            text_keys("(host &key (port 143) user ((:pw password) nil))"),
            Some(vec!["PORT".into(), "USER".into(), "PW".into()])
        );
        assert_eq!(text_keys("(a &rest r)"), None);
        assert_eq!(text_keys("(a &key b &allow-other-keys)"), None);
        assert_eq!(positional_in_text("(server from to message &key cc)"), 4);
        assert_eq!(positional_in_text("(a &optional (b 1) &key c)"), 2);
    }
}

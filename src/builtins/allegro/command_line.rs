//! Allegro's command-line functions (franz.com, Allegro CL 10.1,
//! `operators/system/command-line-arguments.htm`,
//! `command-line-argument.htm`, `command-line-argument-count.htm`,
//! `with-command-line-arguments.htm`).
//!
//! `sendletter SCRIPT ARGS…` plays the part of `mlisp … -- ARGS…`: with
//! `:application t` (the default) the arguments are the program name
//! followed by ARGS; with `:application nil`, the whole command line.
//! `sendletter:script-arguments` keeps the words after the script name
//! alone, for scripts written against sendletter's earlier behaviour.

use std::cell::RefCell;

use crate::builtins::args::{self, type_err};
use crate::builtins::{BuiltinDef, MANY};
use crate::def;
use crate::eval::macros::{args as form_args, call, cl, form_and_env, list, malformed, quote, si};
use crate::eval::value::{BuiltinFn, Value};
use crate::eval::{Interp, LResult};

thread_local! {
    /// The program name, the whole command line, and the script's words.
    static COMMAND_LINE: RefCell<(String, Vec<String>, Vec<String>)> =
        const { RefCell::new((String::new(), Vec::new(), Vec::new())) };
}

/// Record the command line: `program` is argv\[0\], `all` every word,
/// `script_args` the words after the script name.
pub fn set(program: String, all: Vec<String>, script_args: Vec<String>) {
    COMMAND_LINE.with(|c| *c.borrow_mut() = (program, all, script_args));
}

/// The program name and the script's words (Allegro's application
/// arguments), or the whole command line.
fn arguments(application: bool) -> Vec<String> {
    COMMAND_LINE.with(|c| {
        let (program, all, script) = &*c.borrow();
        if application {
            std::iter::once(program.clone())
                .chain(script.iter().cloned())
                .collect()
        } else {
            all.clone()
        }
    })
}

pub const BUILTINS: &[BuiltinDef] = &[
    def!("SYSTEM" : "COMMAND-LINE-ARGUMENTS", "(&key (application t))", 0, MANY, command_line_arguments,
        "The command line as strings: the program name, then the script's arguments (with :application nil, every word of the command line)."),
    def!("SYSTEM" : "COMMAND-LINE-ARGUMENT", "(n &key (application t))", 1, MANY, command_line_argument,
        "The Nth command-line argument; 0 is the program name, 1 the script's first argument. NIL past the end."),
    def!("SYSTEM" : "COMMAND-LINE-ARGUMENT-COUNT", "(&key (application t))", 0, MANY, command_line_argument_count,
        "The number of command-line arguments, the program name included."),
    def!("SENDLETTER" : "SCRIPT-ARGUMENTS", "()", 0, 0, script_arguments,
        "The words after the script name, without the program name: (rest (sys:command-line-arguments))."),
    def!("SENDLETTER" : "%PARSE-COMMAND-LINE", "(specs arguments posixly-correct long-abbrev usage)", 5, 5, parse_command_line,
        "Parse ARGUMENTS for WITH-COMMAND-LINE-ARGUMENTS: a list of the rest, then each option's value."),
];

/// (name, expander) of the macros in SYSTEM.
pub const MACROS: &[(&str, BuiltinFn)] =
    &[("WITH-COMMAND-LINE-ARGUMENTS", with_command_line_arguments)];

fn application(it: &mut Interp, kws: &[Value], op: &str) -> LResult<bool> {
    let kws = args::keywords(it, kws, &["APPLICATION"], op)?;
    Ok(args::kw(&kws, "APPLICATION").is_none_or(|v| v.truthy()))
}

fn command_line_arguments(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let app = application(it, a, "COMMAND-LINE-ARGUMENTS")?;
    Ok(Value::list(arguments(app).into_iter().map(Value::string)))
}

fn command_line_argument(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = args::index(it, &a[0])?;
    let app = application(it, &a[1..], "COMMAND-LINE-ARGUMENT")?;
    Ok(arguments(app)
        .get(n)
        .map(|s| Value::string(s.clone()))
        .unwrap_or(Value::Nil))
}

fn command_line_argument_count(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let app = application(it, a, "COMMAND-LINE-ARGUMENT-COUNT")?;
    Ok(Value::Fixnum(arguments(app).len() as i64))
}

fn script_arguments(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    let words = COMMAND_LINE.with(|c| c.borrow().2.clone());
    Ok(Value::list(words.into_iter().map(Value::string)))
}

// ----- with-command-line-arguments ----------------------------------------------------

/// One option: its name, whether long, whether it takes a companion
/// (`Some(true)` required, `Some(false)` optional), and whether it may
/// be given more than once.
#[derive(Clone, Debug, PartialEq)]
struct OptionSpec {
    name: String,
    long: bool,
    companion: Option<bool>,
    multiple: bool,
}

fn keyword_named(v: &Value, name: &str) -> bool {
    matches!(v, Value::Symbol(s) if s.is_keyword() && s.name == name)
}

/// The option specifications and their variables, from either of the
/// documented forms: the old `("ab:c" var-a var-b var-c)` (getopt
/// letters; `:` after a letter means it takes a companion) or the new
/// `(("name" :short|:long var [:required-companion|:optional-companion]
/// [:allow-multiple-options]) …)`.
fn option_specs(
    it: &mut Interp,
    form: &Value,
    lists: &Value,
) -> LResult<(Vec<OptionSpec>, Vec<Value>)> {
    let items = crate::eval::macros::items(it, lists, form)?;
    let mut specs = Vec::new();
    let mut vars = Vec::new();
    if let Some(Value::String(s)) = items.first() {
        // Old form.
        let letters: Vec<char> = s.borrow().chars().collect();
        let mut i = 0;
        while i < letters.len() {
            let companion = letters.get(i + 1) == Some(&':');
            specs.push(OptionSpec {
                name: letters[i].to_string(),
                long: false,
                companion: companion.then_some(true),
                multiple: false,
            });
            i += if companion { 2 } else { 1 };
        }
        vars = items[1..].to_vec();
        if vars.len() != specs.len() {
            return malformed(it, form, "with-command-line-arguments: the option string names a different number of options than there are variables");
        }
        return Ok((specs, vars));
    }
    for item in items {
        let parts = crate::eval::macros::items(it, &item, form)?;
        let (Some(Value::String(name)), Some(kind), Some(var)) =
            (parts.first(), parts.get(1), parts.get(2))
        else {
            return malformed(it, form, "with-command-line-arguments: an option list is (\"name\" :short|:long variable [flags…])");
        };
        let long = if keyword_named(kind, "LONG") {
            true
        } else if keyword_named(kind, "SHORT") {
            false
        } else {
            return malformed(
                it,
                form,
                "with-command-line-arguments: an option's type is :short or :long",
            );
        };
        let mut spec = OptionSpec {
            name: name.borrow().clone(),
            long,
            companion: None,
            multiple: false,
        };
        for flag in &parts[3..] {
            if keyword_named(flag, "REQUIRED-COMPANION") {
                spec.companion = Some(true);
            } else if keyword_named(flag, "OPTIONAL-COMPANION") {
                spec.companion = Some(false);
            } else if keyword_named(flag, "ALLOW-MULTIPLE-OPTIONS") {
                spec.multiple = true;
            } else {
                return malformed(it, form, "with-command-line-arguments: an option's flags are :required-companion, :optional-companion and :allow-multiple-options");
            }
        }
        if !long && spec.name.chars().count() != 1 {
            return malformed(
                it,
                form,
                "with-command-line-arguments: a :short option's name is one character",
            );
        }
        specs.push(spec);
        vars.push(var.clone());
    }
    Ok((specs, vars))
}

fn spec_to_value(s: &OptionSpec) -> Value {
    list([
        Value::string(s.name.clone()),
        Value::bool(s.long),
        match s.companion {
            None => Value::Nil,
            Some(true) => Value::Symbol(crate::eval::package::keyword("REQUIRED")),
            Some(false) => Value::Symbol(crate::eval::package::keyword("OPTIONAL")),
        },
        Value::bool(s.multiple),
    ])
}

fn spec_from_value(v: &Value) -> Option<OptionSpec> {
    let parts = v.list_to_vec()?;
    let name = match parts.first()? {
        Value::String(name) => name.borrow().clone(),
        _ => return None,
    };
    Some(OptionSpec {
        name,
        long: parts.get(1)?.truthy(),
        companion: match parts.get(2)? {
            Value::Nil => None,
            v => Some(keyword_named(v, "REQUIRED")),
        },
        multiple: parts.get(3)?.truthy(),
    })
}

/// `(sys:with-command-line-arguments option-lists (restvar &key
/// command-line-arguments usage posixly-correct long-abbrev) &body body)`.
fn with_command_line_arguments(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = form_args(it, &form)?;
    if x.len() < 2 {
        return malformed(
            it,
            &form,
            "with-command-line-arguments needs option lists and (restvar &key …)",
        );
    }
    let (specs, vars) = option_specs(it, &form, &x[0])?;
    let second = crate::eval::macros::items(it, &x[1], &form)?;
    let Some(restvar) = second.first().cloned() else {
        return malformed(
            it,
            &form,
            "with-command-line-arguments: (restvar &key …) needs a variable",
        );
    };
    let mut arguments = call(Value::Symbol(sys("COMMAND-LINE-ARGUMENTS")), []);
    let (mut usage, mut posix, mut abbrev) = (Value::Nil, Value::Nil, Value::Nil);
    let opts = &second[1..];
    if opts.len() % 2 != 0 {
        return malformed(
            it,
            &form,
            "with-command-line-arguments: odd keyword arguments after restvar",
        );
    }
    for kv in opts.chunks(2) {
        match kv[0].as_symbol().map(|s| s.name.clone()).as_deref() {
            Some("COMMAND-LINE-ARGUMENTS") => arguments = kv[1].clone(),
            Some("USAGE") => usage = kv[1].clone(),
            Some("POSIXLY-CORRECT") => posix = kv[1].clone(),
            Some("LONG-ABBREV") => abbrev = kv[1].clone(),
            _ => return malformed(it, &form, "with-command-line-arguments: the keywords after restvar are :command-line-arguments, :usage, :posixly-correct and :long-abbrev"),
        }
    }
    let specs_value = Value::list(specs.iter().map(spec_to_value).collect::<Vec<_>>());
    let parse = call(
        si("%PARSE-COMMAND-LINE"),
        [quote(specs_value), arguments, posix, abbrev, usage],
    );
    let lambda_list = Value::list(std::iter::once(restvar).chain(vars).collect::<Vec<_>>());
    Ok(call(
        cl("DESTRUCTURING-BIND"),
        [lambda_list, parse]
            .into_iter()
            .chain(x[2..].iter().cloned()),
    ))
}

fn sys(name: &str) -> crate::eval::value::Sym {
    match crate::eval::package::find_package("SYSTEM") {
        Some(p) => crate::eval::package::intern_external(name, &p),
        None => crate::eval::package::cl_sym(name),
    }
}

/// The value an option's variable gets: T (or, given several times with
/// `:allow-multiple-options`, their count) without a companion; the
/// companion string (or the list of them) with one.
#[derive(Clone, Debug, PartialEq)]
enum Seen {
    Flag(usize),
    Values(Vec<Option<String>>),
}

/// Parse WORDS (the program name first) against SPECS, getopt-style:
/// `-x`, `-xVALUE`, `-x VALUE`, clustered `-ab`, `--name`, `--name=VALUE`,
/// `--name VALUE`; `--` ends the options. Without POSIXLY-CORRECT,
/// non-option words are collected and scanning continues, as GNU getopt.
fn parse(
    specs: &[OptionSpec],
    words: &[String],
    posixly_correct: bool,
    long_abbrev: bool,
) -> Result<(Vec<String>, Vec<Option<Seen>>), String> {
    let mut seen: Vec<Option<Seen>> = vec![None; specs.len()];
    let mut rest = Vec::new();
    let record =
        |idx: usize, value: Option<String>, seen: &mut Vec<Option<Seen>>| -> Result<(), String> {
            let spec = &specs[idx];
            let dash = if spec.long { "--" } else { "-" };
            match (&mut seen[idx], spec.companion) {
                (Some(_), _) if !spec.multiple => Err(format!(
                    "the option {dash}{} was given more than once",
                    spec.name
                )),
                (Some(Seen::Flag(n)), None) => {
                    *n += 1;
                    Ok(())
                }
                (Some(Seen::Values(v)), Some(_)) => {
                    v.push(value);
                    Ok(())
                }
                (slot, None) => {
                    *slot = Some(Seen::Flag(1));
                    Ok(())
                }
                (slot, Some(_)) => {
                    *slot = Some(Seen::Values(vec![value]));
                    Ok(())
                }
            }
        };
    let mut i = 1;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        if w == "--" {
            rest.extend(words[i..].iter().cloned());
            break;
        }
        if let Some(body) = w.strip_prefix("--").filter(|b| !b.is_empty()) {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let exact = specs.iter().position(|s| s.long && s.name == name);
            let idx = match exact {
                Some(k) => k,
                None if long_abbrev => {
                    let candidates: Vec<usize> = (0..specs.len())
                        .filter(|&k| specs[k].long && specs[k].name.starts_with(name))
                        .collect();
                    match candidates[..] {
                        [k] => k,
                        [] => return Err(format!("unknown option --{name}")),
                        _ => return Err(format!("the option --{name} is ambiguous")),
                    }
                }
                None => return Err(format!("unknown option --{name}")),
            };
            let value = match (specs[idx].companion, inline) {
                (None, Some(_)) => {
                    return Err(format!("the option --{} takes no value", specs[idx].name))
                }
                (None, None) => None,
                (Some(_), Some(v)) => Some(v),
                (Some(true), None) => match words.get(i) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => return Err(format!("the option --{} needs a value", specs[idx].name)),
                },
                (Some(false), None) => match words.get(i).filter(|v| !v.starts_with('-')) {
                    Some(v) => {
                        i += 1;
                        Some(v.clone())
                    }
                    None => None,
                },
            };
            record(idx, value, &mut seen)?;
            continue;
        }
        if let Some(letters) = w.strip_prefix('-').filter(|b| !b.is_empty()) {
            let chars: Vec<char> = letters.chars().collect();
            let mut k = 0;
            while k < chars.len() {
                let c = chars[k].to_string();
                let Some(idx) = specs.iter().position(|s| !s.long && s.name == c) else {
                    // A single-dash word naming a long option, as Allegro accepts.
                    if let Some(idx) = specs.iter().position(|s| s.long && s.name == letters) {
                        let value = match specs[idx].companion {
                            None => None,
                            Some(required) => match words.get(i) {
                                Some(v) if required || !v.starts_with('-') => {
                                    i += 1;
                                    Some(v.clone())
                                }
                                None if required => {
                                    return Err(format!("the option -{letters} needs a value"))
                                }
                                _ => None,
                            },
                        };
                        record(idx, value, &mut seen)?;
                        break;
                    }
                    return Err(format!("unknown option -{c}"));
                };
                k += 1;
                match specs[idx].companion {
                    None => record(idx, None, &mut seen)?,
                    Some(required) => {
                        let attached: String = chars[k..].iter().collect();
                        let value = if !attached.is_empty() {
                            Some(attached)
                        } else {
                            match words.get(i) {
                                Some(v) if required || !v.starts_with('-') => {
                                    i += 1;
                                    Some(v.clone())
                                }
                                None if required => {
                                    return Err(format!("the option -{c} needs a value"))
                                }
                                _ => None,
                            }
                        };
                        record(idx, value, &mut seen)?;
                        break;
                    }
                }
            }
            continue;
        }
        if posixly_correct {
            rest.push(w.clone());
            rest.extend(words[i..].iter().cloned());
            break;
        }
        rest.push(w.clone());
    }
    Ok((rest, seen))
}

fn parse_command_line(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut specs = Vec::new();
    for v in args::list(it, &a[0])? {
        match spec_from_value(&v) {
            Some(s) => specs.push(s),
            None => return type_err(it, &v, "LIST"),
        }
    }
    let mut words = Vec::new();
    for w in args::list(it, &a[1])? {
        words.push(args::string(it, &w)?);
    }
    match parse(&specs, &words, a[2].truthy(), a[3].truthy()) {
        Ok((rest, seen)) => {
            let mut out = vec![Value::list(rest.into_iter().map(Value::string))];
            for (spec, s) in specs.iter().zip(seen) {
                out.push(match s {
                    None => Value::Nil,
                    Some(Seen::Flag(n)) if spec.multiple => Value::Fixnum(n as i64),
                    Some(Seen::Flag(_)) => crate::eval::package::t(),
                    Some(Seen::Values(vs)) => {
                        let one = |v: Option<String>| {
                            v.map(Value::string).unwrap_or(crate::eval::package::t())
                        };
                        if spec.multiple {
                            Value::list(vs.into_iter().map(one).collect::<Vec<_>>())
                        } else {
                            vs.into_iter()
                                .next()
                                .flatten()
                                .map(Value::string)
                                .unwrap_or(crate::eval::package::t())
                        }
                    }
                });
            }
            Ok(Value::list(out))
        }
        Err(msg) => match &a[4] {
            Value::String(usage) => {
                // Allegro prints the usage and exits when one is given.
                let text = format!("{msg}\n{}\n", usage.borrow());
                let s = crate::builtins::streams::special_stream(it, "*ERROR-OUTPUT*")?;
                crate::builtins::streams::write_text(it, &s, &text)?;
                Err(crate::eval::Unwind::Exit(1))
            }
            _ => it.simple_error(format!("WITH-COMMAND-LINE-ARGUMENTS: {msg}")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, long: bool, companion: Option<bool>, multiple: bool) -> OptionSpec {
        OptionSpec {
            name: name.into(),
            long,
            companion,
            multiple,
        }
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn short_long_and_rest() {
        let specs = [
            spec("v", false, None, false),
            spec("f", false, Some(true), false),
            spec("to", true, Some(true), false),
        ];
        let (rest, seen) = parse(
            &specs,
            &words(&["prog", "-vffile", "a", "--to=x@y", "b"]),
            false,
            false,
        )
        .unwrap_or_default();
        assert_eq!(rest, words(&["a", "b"]));
        assert_eq!(seen[0], Some(Seen::Flag(1)));
        assert_eq!(seen[1], Some(Seen::Values(vec![Some("file".into())])));
        assert_eq!(seen[2], Some(Seen::Values(vec![Some("x@y".into())])));
        let (rest, _) =
            parse(&specs, &words(&["prog", "a", "-v"]), true, false).unwrap_or_default();
        assert_eq!(rest, words(&["a", "-v"]));
        assert!(parse(&specs, &words(&["prog", "-f"]), false, false).is_err());
        assert!(parse(&specs, &words(&["prog", "-q"]), false, false).is_err());
    }
}

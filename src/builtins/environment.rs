//! The environment tools of CLHS 25.2 a REPL user reaches for: `apropos`,
//! `apropos-list`, `function-lambda-expression`, `y-or-n-p`,
//! `yes-or-no-p`, `room`, `ed` and `inspect`. (`describe` is in
//! `clos/printing.lisp`, `trace` in `macros.lisp`, `time` in both.)

use std::io::IsTerminal;
use std::rc::Rc;

use super::args;
use super::core::package_arg;
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::lambda::{LambdaList, Param};
use crate::eval::package::{self, cl_sym, sym_value, t, Package};
use crate::eval::stream::StreamKind;
use crate::eval::value::{Function, Sym};
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("APROPOS-LIST", "(string &optional package external-only)", 1, 3, apropos_list, "The symbols whose names contain STRING (case-insensitively): those accessible in PACKAGE (only its external ones if EXTERNAL-ONLY), or in every package."),
    def!("APROPOS", "(string &optional package external-only)", 1, 3, apropos, "Print the symbols APROPOS-LIST finds, with what they name; return no values."),
    def!("FUNCTION-LAMBDA-EXPRESSION", "(function)", 1, 1, function_lambda_expression, "The lambda expression of FUNCTION (or NIL), whether it is a closure, and its name."),
    def!("Y-OR-N-P", "(&optional control &rest arguments)", 0, MANY, y_or_n_p, "Ask a yes-or-no question on *QUERY-IO*; \"y\" is true, \"n\" false."),
    def!("YES-OR-NO-P", "(&optional control &rest arguments)", 0, MANY, yes_or_no_p, "Ask a question on *QUERY-IO* that must be answered \"yes\" or \"no\"."),
    def!("ROOM", "(&optional verbosity)", 0, 1, room, "Print the process's memory use and the number of packages and symbols."),
    def!("ED", "(&optional x)", 0, 1, ed, "There is no built-in editor: signals an error saying so."),
    def!("INSPECT", "(object)", 1, 1, inspect, "Describe OBJECT; on a terminal, browse its parts by number."),
    def!("DRIBBLE", "(&optional pathname)", 0, 1, dribble, "Not provided: signals an error saying so."),
    def!("SHORT-SITE-NAME", "()", 0, 0, site_name, "NIL: the site has no name configured."),
    def!("LONG-SITE-NAME", "()", 0, 0, site_name, "NIL: the site has no name configured."),
    def!("SENDLETTER" : "%LAMBDA-LIST", "(function)", 1, 1, lambda_list_of, "FUNCTION's lambda list, and whether it is known."),
    def!("SENDLETTER" : "%STRUCTURE-SLOTS", "(object)", 1, 1, structure_slots, "A structure's slots as (name . value) pairs."),
];

// ----- apropos (CLHS apropos, apropos-list) ----------------------------------------

/// The symbols of `pkg` whose names contain `needle` (upper-cased already):
/// present ones, or with `inherited` also those it uses.
fn matching_symbols(
    pkg: &Rc<Package>,
    needle: &str,
    external_only: bool,
    inherited: bool,
) -> Vec<Sym> {
    let mut out = Vec::new();
    let mut visit = |p: &Rc<Package>, external_only: bool| {
        package::make_all_predefined(p);
        let mut take = |map: &package::NameMap| {
            for (name, s) in map.iter() {
                if contains_ci(name, needle) {
                    out.push(s.clone());
                }
            }
        };
        take(&p.external.borrow());
        if !external_only {
            take(&p.internal.borrow());
        }
    };
    visit(pkg, external_only);
    if inherited {
        for used in pkg.uses.borrow().iter() {
            visit(used, true);
        }
    }
    out
}

/// Case-insensitive containment: CLHS apropos compares with `string-equal`'s rules.
fn contains_ci(name: &str, needle: &str) -> bool {
    needle.is_empty() || name.to_uppercase().contains(needle)
}

fn apropos_symbols(it: &mut Interp, a: &[Value]) -> LResult<Vec<Sym>> {
    let needle = args::designator(it, &a[0])?.to_uppercase();
    let external_only = a.get(2).is_some_and(|v| v.truthy());
    let mut found = match a.get(1) {
        None | Some(Value::Nil) => {
            let mut all = Vec::new();
            for p in package::all_packages() {
                all.extend(matching_symbols(&p, &needle, external_only, false));
            }
            all
        }
        Some(v) => {
            let pkg = package_arg(it, Some(v))?;
            matching_symbols(&pkg, &needle, external_only, true)
        }
    };
    // A symbol can be present in several packages: list it once.
    found.sort_by(|x, y| {
        (x.name.as_str(), Rc::as_ptr(x) as usize).cmp(&(y.name.as_str(), Rc::as_ptr(y) as usize))
    });
    found.dedup_by(|x, y| Rc::ptr_eq(x, y));
    Ok(found)
}

fn apropos_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let found = apropos_symbols(it, a)?;
    Ok(Value::list(found.into_iter().map(sym_value)))
}

/// One line a symbol, as SBCL prints them: `*X* = 1 (fbound)`.
fn apropos(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let found = apropos_symbols(it, a)?;
    let out = super::streams::special_stream(it, "*STANDARD-OUTPUT*")?;
    for s in found {
        let v = sym_value(s.clone());
        let mut line = crate::printer::prin1_to_string(&v);
        if let Some(value) = s.value.borrow().as_ref() {
            line.push_str(" = ");
            line.push_str(&crate::printer::prin1_to_string(value));
        }
        let fbound = s.function.borrow().is_some() || s.macro_fn.borrow().is_some();
        if fbound || s.special_form.get() != 0 {
            line.push_str(" (fbound)");
        }
        line.push('\n');
        super::streams::write_text(it, &out, &line)?;
    }
    Ok(it.values(vec![]))
}

// ----- function-lambda-expression --------------------------------------------------

/// CLHS function-lambda-expression: for a function defined in Lisp, its
/// lambda expression `(lambda LAMBDA-LIST . BODY)` (a `defun`'s body inside
/// its `block`, as SBCL shows it), whether it closes over a lexical
/// environment, and its name. Builtins have no lambda expression.
fn function_lambda_expression(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Value::Function(f) = &a[0] else {
        return args::type_err(it, &a[0], "FUNCTION");
    };
    let (expr, closure, name) = match &**f {
        Function::Closure(c) => {
            let e = &c.env;
            let closes =
                e.vars.is_some() || e.funs.is_some() || e.blocks.is_some() || e.tags.is_some();
            let name = c.name.borrow().clone().unwrap_or(Value::Nil);
            let expr = match lambda_list_source(&c.lambda_list) {
                Some(ll) if !c.is_macro && !c.destructuring => {
                    let body = match &c.block {
                        Some(b) => Value::list([Value::cons(
                            sym_value(cl_sym("BLOCK")),
                            Value::cons(sym_value(b.clone()), c.body.clone()),
                        )]),
                        None => c.body.clone(),
                    };
                    Value::cons(sym_value(cl_sym("LAMBDA")), Value::cons(ll, body))
                }
                _ => Value::Nil,
            };
            (expr, closes, name)
        }
        Function::Builtin(b) => (Value::Nil, false, sym_value(b.name.clone())),
        Function::Native(n) => (Value::Nil, false, sym_value(n.name.clone())),
    };
    Ok(it.values(vec![expr, if closure { t() } else { Value::Nil }, name]))
}

/// The lambda list as it could have been written; `None` for the shapes
/// (destructuring patterns, `&environment`) it cannot be rebuilt from.
fn lambda_list_source(ll: &LambdaList) -> Option<Value> {
    let var = |p: &Param| match p {
        Param::Var(s) => Some(sym_value(s.clone())),
        Param::Pattern(_) => None,
    };
    if ll.whole.is_some() || ll.env.is_some() {
        return None;
    }
    let kw = |n: &str| sym_value(cl_sym(n));
    let mut items = Vec::new();
    for p in &ll.required {
        items.push(var(p)?);
    }
    if !ll.optional.is_empty() {
        items.push(kw("&OPTIONAL"));
        for o in &ll.optional {
            let mut spec = vec![var(&o.var)?, o.init.clone()];
            spec.extend(o.supplied.clone().map(sym_value));
            items.push(Value::list(spec));
        }
    }
    if let Some(r) = &ll.rest {
        items.push(kw("&REST"));
        items.push(var(r)?);
    }
    if ll.has_key {
        items.push(kw("&KEY"));
        for k in &ll.key {
            let name = Value::list([sym_value(k.keyword.clone()), var(&k.var)?]);
            let mut spec = vec![name, k.init.clone()];
            spec.extend(k.supplied.clone().map(sym_value));
            items.push(Value::list(spec));
        }
        if ll.allow_other_keys {
            items.push(kw("&ALLOW-OTHER-KEYS"));
        }
    }
    if !ll.aux.is_empty() {
        items.push(kw("&AUX"));
        for (s, init) in &ll.aux {
            items.push(Value::list([sym_value(s.clone()), init.clone()]));
        }
    }
    Some(Value::list(items))
}

/// `describe`'s "Lambda-list:" line, as text: a Lisp function's rebuilt
/// list, a builtin's from its table (upper-cased as the printer would show
/// it; reading it would intern its words in the current package).
fn lambda_list_of(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Value::Function(f) = &a[0] else {
        return args::type_err(it, &a[0], "FUNCTION");
    };
    let found = match &**f {
        Function::Closure(c) => {
            lambda_list_source(&c.lambda_list).map(|ll| crate::printer::prin1_to_string(&ll))
        }
        Function::Builtin(b) => {
            super::find_def(&b.name.name).map(|def| upcase_code(def.lambda_list))
        }
        Function::Native(_) => None,
    };
    Ok(match found {
        Some(ll) => it.values(vec![Value::string(ll), t()]),
        None => it.values(vec![Value::Nil, Value::Nil]),
    })
}

/// Lisp text upper-cased outside string literals.
fn upcase_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else {
            if c == '"' {
                in_string = true;
            }
            out.extend(c.to_uppercase());
        }
    }
    out
}

fn structure_slots(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Value::Struct(o) = &a[0] else {
        return Ok(Value::Nil);
    };
    let pairs: Vec<Value> = o
        .class
        .slots
        .iter()
        .zip(o.slots.borrow().iter())
        .map(|(d, v)| Value::cons(sym_value(d.name.clone()), v.clone()))
        .collect();
    Ok(Value::list(pairs))
}

// ----- y-or-n-p, yes-or-no-p -------------------------------------------------------

fn y_or_n_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    ask(it, a, false)
}

fn yes_or_no_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    ask(it, a, true)
}

/// Print the question (CLHS y-or-n-p: after a fresh line, with the hint
/// SBCL adds) and read answers from *QUERY-IO* until one is understood.
/// When standard input ends there is no answer: `end-of-file`, as SBCL.
fn ask(it: &mut Interp, a: &[Value], long: bool) -> LResult<Value> {
    let io = cl_sym("*QUERY-IO*")
        .value
        .borrow()
        .clone()
        .unwrap_or(Value::Nil);
    let hint = if long { " (yes or no) " } else { " (y or n) " };
    loop {
        it.call_named(&cl_sym("FRESH-LINE"), std::slice::from_ref(&io))?;
        if let Some(control) = a.first() {
            let mut fargs = vec![io.clone(), control.clone()];
            fargs.extend(a[1..].iter().cloned());
            it.call_named(&cl_sym("FORMAT"), &fargs)?;
        }
        it.call_named(&cl_sym("WRITE-STRING"), &[Value::string(hint), io.clone()])?;
        it.call_named(&cl_sym("FORCE-OUTPUT"), std::slice::from_ref(&io))?;
        let line = it.call_named(&cl_sym("READ-LINE"), &[io.clone(), t(), Value::Nil])?;
        answered(it, &io)?;
        let answer = match &line {
            Value::String(s) => s.borrow().trim().to_lowercase(),
            _ => String::new(),
        };
        let verdict = if long {
            match answer.as_str() {
                "yes" => Some(true),
                "no" => Some(false),
                _ => None,
            }
        } else {
            match answer.chars().next() {
                Some('y') => Some(true),
                Some('n') => Some(false),
                _ => None,
            }
        };
        match verdict {
            // One value, not READ-LINE's two.
            Some(yes) => return Ok(it.values(vec![if yes { t() } else { Value::Nil }])),
            None => {
                let again = if long {
                    "Please type \"yes\" for yes or \"no\" for no.\n"
                } else {
                    "Please type \"y\" for yes or \"n\" for no.\n"
                };
                it.call_named(&cl_sym("WRITE-STRING"), &[Value::string(again), io.clone()])?;
            }
        }
    }
}

/// After an answer the next output starts on a new line: a terminal
/// echoed the user's Enter (the stream's column is stale, so reset it);
/// input from a pipe or file echoes nothing, so end the prompt's line.
fn answered(it: &mut Interp, io: &Value) -> LResult<()> {
    if let Value::Stream(s) = io {
        if let StreamKind::TwoWay(input, out) = &*s.kind.borrow() {
            let from_terminal = matches!(&*input.kind.borrow(), StreamKind::Stdin(_))
                && std::io::stdin().is_terminal();
            if from_terminal {
                out.column.set(0);
                return Ok(());
            }
        }
    }
    it.call_named(&cl_sym("FRESH-LINE"), std::slice::from_ref(io))?;
    Ok(())
}

// ----- room ------------------------------------------------------------------------

/// `(room)`: the process's resident and virtual memory from
/// /proc/self/status, and how many packages and symbols there are; `(room t)`
/// adds the symbols of each package. Lisp objects are reference-counted,
/// so there is no heap to walk and no collector to report on.
fn room(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let verbose = matches!(a.first(), Some(v) if v.truthy() && !is_keyword(v, "DEFAULT"));
    let mut text = String::new();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    };
    match (field("VmRSS:"), field("VmHWM:"), field("VmSize:")) {
        (Some(rss), peak, virt) => {
            text.push_str(&format!("Resident memory:   {} kB", grouped(rss)));
            if let Some(p) = peak {
                text.push_str(&format!(" (peak {} kB)", grouped(p)));
            }
            text.push('\n');
            if let Some(v) = virt {
                text.push_str(&format!("Virtual memory:    {} kB\n", grouped(v)));
            }
        }
        _ => text.push_str("Resident memory:   unknown (no /proc/self/status)\n"),
    }
    let packages = package::all_packages();
    let mut counts: Vec<(String, usize)> = packages
        .iter()
        .map(|p| {
            package::make_all_predefined(p);
            (
                p.name(),
                p.internal.borrow().len() + p.external.borrow().len(),
            )
        })
        .collect();
    let total: usize = counts.iter().map(|(_, n)| n).sum();
    text.push_str(&format!(
        "Packages:          {}\nSymbols:           {}\n",
        packages.len(),
        grouped(total as u64)
    ));
    text.push_str(
        "Objects are reference-counted: memory is freed as soon as nothing refers to it.\n",
    );
    if verbose {
        counts.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        text.push_str("\nSymbols by package:\n");
        for (name, n) in counts {
            text.push_str(&format!("  {:>8}  {name}\n", grouped(n as u64)));
        }
    }
    let out = super::streams::special_stream(it, "*STANDARD-OUTPUT*")?;
    super::streams::write_text(it, &out, &text)?;
    Ok(it.values(vec![]))
}

fn is_keyword(v: &Value, name: &str) -> bool {
    matches!(v, Value::Symbol(s) if s.is_keyword() && s.name == name)
}

/// 1234567 → "1,234,567", as SBCL's `room` prints byte counts.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ----- ed --------------------------------------------------------------------------

fn ed(it: &mut Interp, _a: &[Value]) -> LResult<Value> {
    it.simple_error(
        "ED: sendletter has no built-in editor. Edit the file in your own editor, \
         then (load \"FILE\") it, or type :ld FILE at the REPL.",
    )
}

fn dribble(it: &mut Interp, _a: &[Value]) -> LResult<Value> {
    it.simple_error(
        "DRIBBLE is not provided by sendletter: record a session with the shell's `script` command.",
    )
}

/// CLHS short-site-name: a string or NIL; sendletter has no site
/// configuration.
fn site_name(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Nil)
}

// ----- inspect ---------------------------------------------------------------------

/// `(inspect x)`: describe X; when standard input and output are a
/// terminal, list its parts by number and read commands: a number inspects
/// that part, `u` goes back up, `q` (or end of input) leaves. Returns X.
fn inspect(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let interactive = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut path = vec![a[0].clone()];
    let out = super::streams::special_stream(it, "*STANDARD-OUTPUT*")?;
    loop {
        let Some(current) = path.last().cloned() else {
            break;
        };
        it.call_named(&cl_sym("DESCRIBE"), std::slice::from_ref(&current))?;
        if !interactive {
            break;
        }
        let items = parts(&current);
        let mut text = String::new();
        for (i, (label, v)) in items.iter().enumerate() {
            text.push_str(&format!(
                "  {i}. {label}: {}\n",
                crate::printer::prin1_to_string(v)
            ));
        }
        text.push_str("inspect (number, u = up, q = quit)> ");
        super::streams::write_text(it, &out, &text)?;
        it.call_named(&cl_sym("FORCE-OUTPUT"), &[Value::Stream(out.clone())])?;
        let stdin = cl_sym("*STANDARD-INPUT*")
            .value
            .borrow()
            .clone()
            .unwrap_or(Value::Nil);
        let line = it.call_named(&cl_sym("READ-LINE"), &[stdin, Value::Nil, Value::Nil])?;
        let Value::String(line) = line else {
            break;
        };
        // The terminal echoed the user's Enter.
        out.column.set(0);
        let cmd = line.borrow().trim().to_lowercase();
        match cmd.as_str() {
            "q" | "quit" => break,
            "u" | "up" => {
                if path.len() > 1 {
                    path.pop();
                } else {
                    break;
                }
            }
            n => match n.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some((_, v)) => path.push(v.clone()),
                None => super::streams::write_text(it, &out, "Type a part's number, u or q.\n")?,
            },
        }
    }
    // One value, not READ-LINE's two.
    Ok(it.values(vec![a[0].clone()]))
}

/// The numbered parts of an object the inspector offers (at most 100).
fn parts(v: &Value) -> Vec<(String, Value)> {
    const MAX: usize = 100;
    match v {
        Value::Cons(_) => {
            let mut out = Vec::new();
            let mut cur = v.clone();
            while let Value::Cons(c) = &cur {
                if out.len() >= MAX {
                    break;
                }
                out.push((format!("element {}", out.len()), c.car.borrow().clone()));
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            if !cur.is_nil() && out.len() < MAX {
                out.push(("tail".to_string(), cur));
            }
            out
        }
        Value::Vector(items) => items
            .borrow()
            .iter()
            .take(MAX)
            .enumerate()
            .map(|(i, x)| (format!("element {i}"), x.clone()))
            .collect(),
        Value::Struct(o) => o
            .class
            .slots
            .iter()
            .zip(o.slots.borrow().iter())
            .take(MAX)
            .map(|(d, x)| (d.name.name.clone(), x.clone()))
            .collect(),
        Value::HashTable(h) => h
            .map
            .borrow()
            .values()
            .take(MAX)
            .map(|(k, x)| (crate::printer::prin1_to_string(k), x.clone()))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }

    #[test]
    fn lambda_list_text_is_upper_cased_outside_strings() {
        assert_eq!(
            upcase_code("(x &key (type \"text/plain\") (q \"a\\\"b\"))"),
            "(X &KEY (TYPE \"text/plain\") (Q \"a\\\"b\"))"
        );
    }

    #[test]
    fn case_insensitive_containment() {
        assert!(contains_ci("MAKE-HASH-TABLE", "HASH"));
        assert!(contains_ci("x", ""));
        assert!(!contains_ci("CAR", "CDR"));
    }
}

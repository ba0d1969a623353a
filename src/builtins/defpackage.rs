//! `defpackage`'s run-time half (CLHS DEFPACKAGE): the options checked,
//! then applied in the standard's order through the package functions
//! (so name conflicts are the same correctable `package-error`s):
//! `:shadow` and `:shadowing-import-from`, `:use`, `:import-from` and
//! `:intern`, `:export`.

use std::rc::Rc;

use super::args;
use super::core::package_arg;
use crate::eval::package::{self, cl_sym, Package};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

/// The options of one `defpackage` form, names as strings.
#[derive(Default)]
struct Options {
    nicknames: Vec<String>,
    uses: Option<Vec<Value>>,
    shadows: Vec<String>,
    shadowing_imports: Vec<(Value, Vec<String>)>,
    imports: Vec<(Value, Vec<String>)>,
    interns: Vec<String>,
    exports: Vec<String>,
}

fn program_error<T>(it: &mut Interp, msg: String) -> LResult<T> {
    let c = it.make_error("PROGRAM-ERROR", &msg);
    it.err(c)
}

fn names(it: &mut Interp, items: &Value) -> LResult<Vec<String>> {
    let mut out = Vec::new();
    for v in args::list(it, items)? {
        out.push(args::designator(it, &v)?);
    }
    Ok(out)
}

fn parse(it: &mut Interp, name: &str, opts: &[Value]) -> LResult<Options> {
    let mut o = Options::default();
    let (mut size, mut doc) = (false, false);
    for opt in opts {
        let key = match opt {
            Value::Cons(_) => match opt.car() {
                Value::Symbol(s) if s.is_keyword() => s.name.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        };
        let rest = opt.cdr();
        match key.as_str() {
            "NICKNAMES" => o.nicknames.extend(names(it, &rest)?),
            "USE" => o
                .uses
                .get_or_insert_with(Vec::new)
                .extend(args::list(it, &rest)?),
            "SHADOW" => o.shadows.extend(names(it, &rest)?),
            "SHADOWING-IMPORT-FROM" => {
                let syms = names(it, &rest.cdr())?;
                o.shadowing_imports.push((rest.car(), syms));
            }
            "IMPORT-FROM" => {
                let syms = names(it, &rest.cdr())?;
                o.imports.push((rest.car(), syms));
            }
            "INTERN" => o.interns.extend(names(it, &rest)?),
            "EXPORT" => o.exports.extend(names(it, &rest)?),
            // Each at most once (CLHS DEFPACKAGE).
            "SIZE" | "DOCUMENTATION" => {
                let seen = if key == "SIZE" { &mut size } else { &mut doc };
                if *seen {
                    return program_error(
                        it,
                        format!("DEFPACKAGE {name}: the option :{key} appears more than once."),
                    );
                }
                *seen = true;
            }
            _ => {
                let text = crate::printer::prin1_to_string(opt);
                return program_error(it, format!("DEFPACKAGE {name}: unsupported option {text}"));
            }
        }
    }
    // The names of :shadow, :shadowing-import-from, :import-from and
    // :intern are disjoint, as are those of :intern and :export.
    let groups: Vec<(&str, Vec<&String>)> = vec![
        (":SHADOW", o.shadows.iter().collect()),
        (
            ":SHADOWING-IMPORT-FROM",
            o.shadowing_imports.iter().flat_map(|(_, n)| n).collect(),
        ),
        (
            ":IMPORT-FROM",
            o.imports.iter().flat_map(|(_, n)| n).collect(),
        ),
        (":INTERN", o.interns.iter().collect()),
    ];
    for (i, (ga, xs)) in groups.iter().enumerate() {
        for (gb, ys) in &groups[i + 1..] {
            if let Some(n) = xs.iter().find(|x| ys.contains(x)) {
                return program_error(
                    it,
                    format!("DEFPACKAGE {name}: {n} appears in both {ga} and {gb}."),
                );
            }
        }
    }
    if let Some(n) = o.exports.iter().find(|x| o.interns.contains(x)) {
        return program_error(
            it,
            format!("DEFPACKAGE {name}: {n} appears in both :EXPORT and :INTERN."),
        );
    }
    Ok(o)
}

/// The symbol `name` accessible in `from`, or a correctable
/// `package-error` (CONTINUE skips it).
fn accessible(it: &mut Interp, from: &Rc<Package>, name: &str) -> LResult<Option<Value>> {
    if let Some((sym, _)) = package::find_symbol(name, from) {
        return Ok(Some(package::sym_value(sym)));
    }
    let msg = format!(
        "DEFPACKAGE: no symbol named {name} is accessible in package {}.",
        from.name()
    );
    super::packages::correctable(it, &Value::Package(from.clone()), msg)?;
    Ok(None)
}

fn call(it: &mut Interp, op: &str, args: &[Value]) -> LResult<Value> {
    it.call_named(&cl_sym(op), args)
}

/// `(sendletter::%defpackage "NAME" '(option*))`.
pub fn define(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::string(it, &a[0])?;
    let opts = args::list(it, &a[1])?;
    let o = parse(it, &name, &opts)?;
    let existing = package::find_package(&name);
    // A nickname of another package is a package-error (CLHS DEFPACKAGE).
    for n in &o.nicknames {
        if let Some(other) = package::find_package(n) {
            let same = existing.as_ref().is_some_and(|p| Rc::ptr_eq(p, &other));
            if !same {
                let msg = format!(
                    "DEFPACKAGE {name}: the nickname {n} already names the package {}.",
                    other.name()
                );
                let c = it.make_condition(
                    "PACKAGE-ERROR",
                    &[
                        ("PACKAGE", Value::string(n.clone())),
                        ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
                    ],
                );
                return it.err(c);
            }
        }
    }
    let pkg: Rc<Package> = match existing {
        Some(p) => {
            let mut nn = p.nicknames.borrow_mut();
            for n in &o.nicknames {
                if !nn.contains(n) {
                    nn.push(n.clone());
                }
            }
            drop(nn);
            package::make_all_predefined(&p);
            p
        }
        None => match package::make_package(&name, &o.nicknames) {
            Ok(p) => p,
            Err(m) => return it.simple_error(m),
        },
    };
    let pv = Value::Package(pkg.clone());
    if !o.shadows.is_empty() {
        let list = Value::list(o.shadows.iter().map(|s| Value::string(s.clone())));
        call(it, "SHADOW", &[list, pv.clone()])?;
    }
    for (from, syms) in &o.shadowing_imports {
        let src = package_arg(it, Some(from))?;
        for s in syms {
            if let Some(sym) = accessible(it, &src, s)? {
                call(it, "SHADOWING-IMPORT", &[Value::list([sym]), pv.clone()])?;
            }
        }
    }
    if let Some(uses) = &o.uses {
        call(it, "USE-PACKAGE", &[Value::list(uses.clone()), pv.clone()])?;
    }
    for (from, syms) in &o.imports {
        let src = package_arg(it, Some(from))?;
        for s in syms {
            if let Some(sym) = accessible(it, &src, s)? {
                call(it, "IMPORT", &[Value::list([sym]), pv.clone()])?;
            }
        }
    }
    for s in &o.interns {
        call(it, "INTERN", &[Value::string(s.clone()), pv.clone()])?;
    }
    if !o.exports.is_empty() {
        let mut syms = Vec::new();
        for s in &o.exports {
            let sym = match package::find_symbol(s, &pkg) {
                Some((sym, _)) => package::sym_value(sym),
                None => package::sym_value(package::intern_in(s, &pkg)),
            };
            syms.push(sym);
        }
        call(it, "EXPORT", &[Value::list(syms), pv.clone()])?;
    }
    Ok(pv)
}

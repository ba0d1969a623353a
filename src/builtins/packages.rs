//! The package system's operators beyond interning (CLHS 11.2): importing,
//! shadowing, exporting and their inverses, renaming, deleting, and the
//! listings behind `do-all-symbols`, `find-all-symbols` and
//! `with-package-iterator`. Name conflicts (CLHS 11.1.1.2.5) are
//! correctable `package-error`s with a CONTINUE restart, as in SBCL.

use std::rc::Rc;

use super::args;
use super::core::package_arg;
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::{self, Conflict, Package};
use crate::eval::value::{Sym, Value};
use crate::eval::{Interp, LResult};

pub const BUILTINS: &[BuiltinDef] = &[
    def!(
        "MAKE-PACKAGE",
        "(name &key nicknames use)",
        1,
        MANY,
        make_package,
        "Create a package."
    ),
    def!(
        "USE-PACKAGE",
        "(packages-to-use &optional package)",
        1,
        2,
        use_package,
        "Make the external symbols of PACKAGES-TO-USE accessible in PACKAGE."
    ),
    def!(
        "UNUSE-PACKAGE",
        "(packages-to-unuse &optional package)",
        1,
        2,
        unuse_package,
        "Stop PACKAGE from using PACKAGES-TO-UNUSE."
    ),
    def!(
        "EXPORT",
        "(symbols &optional package)",
        1,
        2,
        export,
        "Make SYMBOLS external in PACKAGE."
    ),
    def!(
        "UNEXPORT",
        "(symbols &optional package)",
        1,
        2,
        unexport,
        "Make the external SYMBOLS of PACKAGE internal."
    ),
    def!(
        "IMPORT",
        "(symbols &optional package)",
        1,
        2,
        import,
        "Make SYMBOLS present in PACKAGE."
    ),
    def!(
        "SHADOWING-IMPORT",
        "(symbols &optional package)",
        1,
        2,
        shadowing_import,
        "Import SYMBOLS, displacing any present symbols of their names, as shadowing symbols."
    ),
    def!(
        "SHADOW",
        "(symbol-names &optional package)",
        1,
        2,
        shadow,
        "Make a present symbol of each name in PACKAGE shadow inherited ones."
    ),
    def!(
        "UNINTERN",
        "(symbol &optional package)",
        1,
        2,
        unintern,
        "Remove SYMBOL from PACKAGE; true if it was present."
    ),
    def!(
        "PACKAGE-USED-BY-LIST",
        "(package)",
        1,
        1,
        package_used_by_list,
        "The packages that use PACKAGE."
    ),
    def!(
        "PACKAGE-SHADOWING-SYMBOLS",
        "(package)",
        1,
        1,
        package_shadowing_symbols,
        "The shadowing symbols of PACKAGE."
    ),
    def!(
        "RENAME-PACKAGE",
        "(package new-name &optional new-nicknames)",
        2,
        3,
        rename_package,
        "Give PACKAGE a new name and nicknames."
    ),
    def!(
        "DELETE-PACKAGE",
        "(package)",
        1,
        1,
        delete_package,
        "Delete PACKAGE; true if it existed."
    ),
    def!(
        "PACKAGE-ERROR-PACKAGE",
        "(condition)",
        1,
        1,
        package_error_package,
        "The package of a PACKAGE-ERROR."
    ),
    def!(
        "FIND-ALL-SYMBOLS",
        "(name)",
        1,
        1,
        find_all_symbols,
        "Every symbol named NAME present in any package."
    ),
    def!("SENDLETTER" : "%ALL-SYMBOLS", "()", 0, 0, all_symbols, "The symbols present in any package, each once (do-all-symbols)."),
    def!("SENDLETTER" : "%PACKAGE-ITERATOR-ENTRIES", "(packages types)", 2, 2, iterator_entries, "(symbol status package) for with-package-iterator."),
];

/// A list designator: a list, or one object standing for itself.
fn items(v: &Value) -> Vec<Value> {
    if v.is_list() {
        v.list_to_vec().unwrap_or_default()
    } else {
        vec![v.clone()]
    }
}

fn symbols(it: &mut Interp, v: &Value) -> LResult<Vec<Sym>> {
    items(v).iter().map(|s| args::symbol(it, s)).collect()
}

fn qualified(s: &Sym) -> String {
    crate::printer::prin1_to_string(&Value::Symbol(s.clone()))
}

/// Signal a `package-error` about `pkg` with a CONTINUE restart; true if
/// the restart was taken.
pub(crate) fn correctable(it: &mut Interp, pkg: &Value, message: String) -> LResult<bool> {
    let c = it.make_condition(
        "PACKAGE-ERROR",
        &[
            ("PACKAGE", pkg.clone()),
            ("FORMAT-CONTROL", Value::string(message.replace('~', "~~"))),
        ],
    );
    match it.with_restart("CONTINUE", |it| Err::<(), _>(it.raise(c)))? {
        Ok(()) => Ok(false),
        Err(_) => Ok(true),
    }
}

/// Signal a name conflict; true if the script chose to continue.
fn conflict(it: &mut Interp, op: &str, c: &Conflict) -> LResult<bool> {
    let names: Vec<String> = c.symbols.iter().map(qualified).collect();
    let msg = format!(
        "{op} causes name-conflicts in {} between the following symbols:\n  {}",
        crate::printer::prin1_to_string(&Value::Package(c.package.clone())),
        names.join(", ")
    );
    correctable(it, &Value::Package(c.package.clone()), msg)
}

fn make_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    let kws = args::keywords(it, &a[1..], &["NICKNAMES", "USE"], "MAKE-PACKAGE")?;
    let mut nicks = Vec::new();
    for n in items(&args::kw(&kws, "NICKNAMES").unwrap_or(Value::Nil)) {
        nicks.push(args::designator(it, &n)?);
    }
    let uses = match args::kw(&kws, "USE") {
        Some(u) => items(&u),
        None => vec![Value::string("COMMON-LISP")],
    };
    let uses: Vec<Rc<Package>> = uses
        .iter()
        .map(|u| package_arg(it, Some(u)))
        .collect::<LResult<_>>()?;
    let mut all = vec![name.clone()];
    all.extend(nicks.iter().cloned());
    if let Some(taken) = package::name_taken(&all, None) {
        let msg = format!("A package named {taken} already exists");
        // CONTINUE: leave the existing package as it is.
        correctable(it, &Value::string(taken.clone()), msg)?;
        return Ok(package::find_package(taken).map_or(Value::Nil, Value::Package));
    }
    let p = match package::make_package(&name, &nicks) {
        Ok(p) => p,
        Err(m) => return it.simple_error(m),
    };
    for u in uses {
        package::use_package(&u, &p);
    }
    Ok(Value::Package(p))
}

fn use_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let target = package_arg(it, a.get(1))?;
    for p in items(&a[0]) {
        let p = package_arg(it, Some(&p))?;
        for c in package::use_conflicts(&p, &target) {
            let op = format!(
                "USE-PACKAGE {}",
                crate::printer::prin1_to_string(&Value::Package(p.clone()))
            );
            if conflict(it, &op, &c)? {
                // CONTINUE keeps the symbol already accessible, as a
                // shadowing symbol.
                let keep = c.symbols[1].clone();
                package::shadowing_import(&keep, &target);
            } else {
                return Ok(package::t());
            }
        }
        package::use_package(&p, &target);
    }
    Ok(package::t())
}

fn is_keyword(p: &Rc<Package>) -> bool {
    Rc::ptr_eq(p, &package::keyword_package())
}

fn unuse_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let target = package_arg(it, a.get(1))?;
    for p in items(&a[0]) {
        let p = package_arg(it, Some(&p))?;
        package::unuse_package(&p, &target);
    }
    Ok(package::t())
}

fn export(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let pkg = package_arg(it, a.get(1))?;
    for s in symbols(it, &a[0])? {
        if !package::is_accessible(&s, &pkg) {
            let msg = format!(
                "The symbol {} is not accessible in {}",
                qualified(&s),
                crate::printer::prin1_to_string(&Value::Package(pkg.clone()))
            );
            // CONTINUE imports it first.
            if !correctable(it, &Value::Package(pkg.clone()), msg)? {
                continue;
            }
            package::import(&s, &pkg);
        }
        let mut ok = true;
        for c in package::export_conflicts(&s, &pkg) {
            if conflict(it, &format!("EXPORT {}", qualified(&s)), &c)? {
                // CONTINUE: the exported symbol wins in the using package.
                package::shadowing_import(&s, &c.package);
            } else {
                ok = false;
            }
        }
        if ok {
            if package::present(&s.name, &pkg).is_none() {
                package::import(&s, &pkg);
            }
            package::export(&s, &pkg);
        }
    }
    Ok(package::t())
}

fn unexport(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let pkg = package_arg(it, a.get(1))?;
    for s in symbols(it, &a[0])? {
        if !package::is_accessible(&s, &pkg) {
            let msg = format!(
                "The symbol {} is not accessible in {}",
                qualified(&s),
                crate::printer::prin1_to_string(&Value::Package(pkg.clone()))
            );
            correctable(it, &Value::Package(pkg.clone()), msg)?;
            continue;
        }
        if is_keyword(&pkg) || Rc::ptr_eq(&pkg, &package::cl_package()) {
            let msg = format!(
                "Can't unexport {} from the locked package {}",
                qualified(&s),
                pkg.name()
            );
            correctable(it, &Value::Package(pkg.clone()), msg)?;
            continue;
        }
        package::unexport(&s, &pkg);
    }
    Ok(package::t())
}

fn import(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let pkg = package_arg(it, a.get(1))?;
    let syms = symbols(it, &a[0])?;
    // Two of the symbols themselves may conflict.
    for (i, s) in syms.iter().enumerate() {
        if let Some(other) = syms[..i]
            .iter()
            .find(|o| o.name == s.name && !Rc::ptr_eq(o, s))
        {
            let c = Conflict {
                package: pkg.clone(),
                symbols: vec![s.clone(), other.clone()],
            };
            if !conflict(it, &format!("IMPORT {}", qualified(s)), &c)? {
                return Ok(package::t());
            }
        }
    }
    for s in syms {
        match package::import_conflict(&s, &pkg) {
            Some(c) => {
                if conflict(it, &format!("IMPORT {}", qualified(&s)), &c)? {
                    // CONTINUE: the imported symbol wins.
                    package::shadowing_import(&s, &pkg);
                }
            }
            None => package::import(&s, &pkg),
        }
    }
    Ok(package::t())
}

fn shadowing_import(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let pkg = package_arg(it, a.get(1))?;
    for s in symbols(it, &a[0])? {
        package::shadowing_import(&s, &pkg);
    }
    Ok(package::t())
}

fn shadow(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let pkg = package_arg(it, a.get(1))?;
    let mut names = Vec::new();
    for n in items(&a[0]) {
        names.push(args::designator(it, &n)?);
    }
    for n in names {
        package::shadow(&n, &pkg);
    }
    Ok(package::t())
}

fn unintern(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let pkg = package_arg(it, a.get(1))?;
    if let Some(c) = package::unintern_conflict(&s, &pkg) {
        if !conflict(it, &format!("UNINTERN {}", qualified(&s)), &c)? {
            return Ok(Value::Nil);
        }
        // CONTINUE: the first inherited symbol becomes shadowing.
        let first = c.symbols[0].clone();
        package::unintern(&s, &pkg);
        package::shadowing_import(&first, &pkg);
        return Ok(package::t());
    }
    Ok(Value::bool(package::unintern(&s, &pkg)))
}

fn package_used_by_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = package_arg(it, Some(&a[0]))?;
    Ok(Value::list(
        package::used_by(&p).into_iter().map(Value::Package),
    ))
}

fn package_shadowing_symbols(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = package_arg(it, Some(&a[0]))?;
    Ok(Value::list(
        package::shadowing_symbols(&p)
            .into_iter()
            .map(package::sym_value),
    ))
}

fn rename_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = package_arg(it, Some(&a[0]))?;
    let name = match &a[1] {
        Value::Package(q) => q.name(),
        v => args::designator(it, v)?,
    };
    let mut nicks = Vec::new();
    for n in items(a.get(2).unwrap_or(&Value::Nil)) {
        nicks.push(args::designator(it, &n)?);
    }
    let mut all = vec![name.clone()];
    all.extend(nicks.iter().cloned());
    if let Some(taken) = package::name_taken(&all, Some(&p)) {
        let msg = format!("A package named {taken} already exists");
        if !correctable(it, &Value::Package(p.clone()), msg)? {
            return Ok(Value::Package(p));
        }
    }
    package::rename(&p, &name, nicks);
    Ok(Value::Package(p))
}

fn delete_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = match &a[0] {
        Value::Package(p) => p.clone(),
        v => {
            let name = args::designator(it, v)?;
            match package::find_package(&name) {
                Some(p) => p,
                None => {
                    let msg = format!("There is no package named \"{name}\".");
                    correctable(it, v, msg)?;
                    return Ok(Value::Nil);
                }
            }
        }
    };
    if p.is_deleted() {
        return Ok(Value::Nil);
    }
    if is_keyword(&p) || Rc::ptr_eq(&p, &package::cl_package()) {
        let msg = format!("Can't delete the locked package {}", p.name());
        correctable(it, &Value::Package(p.clone()), msg)?;
        return Ok(Value::Nil);
    }
    let users = package::used_by(&p);
    if !users.is_empty() {
        // SBCL's report: Package "P1" is used by package:("P2")
        let names: Vec<String> = users
            .iter()
            .map(|u| crate::printer::prin1_to_string(&Value::string(u.name())))
            .collect();
        let msg = format!(
            "Package {} is used by package{}:({})",
            crate::printer::prin1_to_string(&Value::string(p.name())),
            if users.len() == 1 { "" } else { "s" },
            names.join(" ")
        );
        // CONTINUE: remove it from their use lists and delete it.
        if !correctable(it, &Value::Package(p.clone()), msg)? {
            return Ok(Value::Nil);
        }
    }
    package::delete_package(&p);
    Ok(package::t())
}

fn package_error_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if Interp::condition_class(&a[0]).is_none() {
        return args::type_err(it, &a[0], "PACKAGE-ERROR");
    }
    Ok(Interp::slot_by_name(&a[0], "PACKAGE"))
}

fn find_all_symbols(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    let mut out: Vec<Sym> = Vec::new();
    for p in package::all_packages() {
        if let Some((s, _)) = package::present(&name, &p) {
            if !out.iter().any(|o| Rc::ptr_eq(o, &s)) {
                out.push(s);
            }
        }
    }
    Ok(Value::list(out.into_iter().map(package::sym_value)))
}

fn all_symbols(_: &mut Interp, _: &[Value]) -> LResult<Value> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for p in package::all_packages() {
        for (s, _) in package::present_symbols(&p) {
            if seen.insert(Rc::as_ptr(&s)) {
                out.push(package::sym_value(s));
            }
        }
    }
    Ok(Value::list(out))
}

/// `(symbol status package)` for each symbol of each package of
/// `with-package-iterator`, of the statuses asked for.
fn iterator_entries(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let types = items(&a[1]);
    let wants = |n: &str| {
        types
            .iter()
            .any(|t| t.as_symbol().is_some_and(|s| s.name == n))
    };
    let (internal, external, inherited) =
        (wants("INTERNAL"), wants("EXTERNAL"), wants("INHERITED"));
    let status = |n: &str| Value::Symbol(package::keyword(n));
    let mut out = Vec::new();
    for p in items(&a[0]) {
        let p = package_arg(it, Some(&p))?;
        let pv = Value::Package(p.clone());
        for (s, ext) in package::present_symbols(&p) {
            if (ext && external) || (!ext && internal) {
                let st = status(if ext { "EXTERNAL" } else { "INTERNAL" });
                out.push(Value::list([package::sym_value(s), st, pv.clone()]));
            }
        }
        if inherited {
            for s in package::inherited_symbols(&p) {
                out.push(Value::list([
                    package::sym_value(s),
                    status("INHERITED"),
                    pv.clone(),
                ]));
            }
        }
    }
    Ok(Value::list(out))
}

//! Packages and symbol interning (CLHS 11). The registry is per thread: an
//! interpreter lives on one thread, and the reader and printer need the
//! packages without threading an interpreter through every call.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use super::value::{Sym, Symbol, Value};
use crate::builtins::BuiltinDef;

/// A package: a namespace of symbols.
pub struct Package {
    pub name: String,
    pub nicknames: RefCell<Vec<String>>,
    pub internal: RefCell<NameMap>,
    pub external: RefCell<NameMap>,
    /// External symbols that exist from start-up (the standard's names and
    /// the builtins) but are made only when first looked up: start-up then
    /// costs a table insert per name instead of a symbol, two strings and a
    /// function. Always disjoint from `internal` and `external`.
    predefined: RefCell<PredefinedMap>,
    pub uses: RefCell<Vec<Rc<Package>>>,
    pub shadowing: RefCell<Vec<String>>,
}

/// Symbols of a package by name.
pub type NameMap = HashMap<String, Sym, BuildHasherDefault<NameHasher>>;

/// Predefined names, with the builtin function the symbol gets, if any.
type PredefinedMap =
    HashMap<&'static str, Option<&'static BuiltinDef>, BuildHasherDefault<NameHasher>>;

/// The Fx hash (as in rustc) for symbol names: names are short, and
/// SipHash was a fifth of the interpreter's start-up (interning every
/// builtin and the prelude). Flooding a package with colliding names only
/// slows the script that does it.
#[derive(Default, Clone, Copy)]
pub struct NameHasher(u64);

impl Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(K);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Where [`find_symbol`] found a symbol (CLHS `find-symbol`'s second value).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    Internal,
    External,
    Inherited,
}

impl Status {
    pub fn keyword_name(self) -> &'static str {
        match self {
            Status::Internal => "INTERNAL",
            Status::External => "EXTERNAL",
            Status::Inherited => "INHERITED",
        }
    }
}

struct Registry {
    packages: RefCell<Vec<Rc<Package>>>,
    cl: Rc<Package>,
    keyword: Rc<Package>,
    sendletter: Rc<Package>,
    nil: Sym,
    t: Sym,
    /// `*package*`, read for every symbol token and printed symbol.
    package_var: Sym,
}

thread_local! {
    static REGISTRY: Registry = Registry::new();
}

fn new_package(name: &str, nicknames: &[&str]) -> Rc<Package> {
    Rc::new(Package {
        name: name.to_string(),
        nicknames: RefCell::new(nicknames.iter().map(|s| s.to_string()).collect()),
        internal: RefCell::new(NameMap::default()),
        external: RefCell::new(NameMap::default()),
        predefined: RefCell::new(PredefinedMap::default()),
        uses: RefCell::new(Vec::new()),
        shadowing: RefCell::new(Vec::new()),
    })
}

impl Registry {
    fn new() -> Registry {
        let cl = new_package("COMMON-LISP", &["CL"]);
        let user = new_package("COMMON-LISP-USER", &["CL-USER", "USER"]);
        let kw = new_package("KEYWORD", &[]);
        let excl = new_package("EXCL", &[]);
        let sys = new_package("SYSTEM", &["SYS", "SI"]);
        // Allegro's operating-system interface (builtins/allegro/osi.rs).
        let osi = new_package("EXCL.OSI", &[]);
        // Franz's string utilities (builtins/allegro/strings.rs).
        let ustring = new_package("UTIL.STRING", &[]);
        let po = new_package("NET.POST-OFFICE", &[]);
        let mail = new_package("NET.MAIL", &[]);
        let sl = new_package("SENDLETTER", &[]);
        // The object system's metaobject protocol (Allegro's CLOS and
        // MOP packages: one package here).
        let clos = new_package("CLOS", &["MOP", "ACLMOP"]);
        let nil = Rc::new(Symbol::new("NIL"));
        let t = Rc::new(Symbol::new("T"));
        for s in [&nil, &t] {
            *s.package.borrow_mut() = Some(cl.clone());
            s.constant.set(true);
            s.special.set(true);
            cl.external.borrow_mut().insert(s.name.clone(), s.clone());
        }
        *t.value.borrow_mut() = Some(Value::Symbol(t.clone()));
        *nil.value.borrow_mut() = Some(Value::Nil);
        // Every package but KEYWORD and CL uses CL; CL-USER also sees the
        // Allegro extension packages, as scripts call their symbols unqualified.
        // Every external symbol of COMMON-LISP exists from the start, so a
        // script that names one before its builtin is first used (say, the
        // type UNSIGNED-BYTE) reads the CL symbol, never a CL-USER one.
        {
            let names = super::cl_symbols::CL_SYMBOLS;
            let mut predefined = cl.predefined.borrow_mut();
            predefined.reserve(names.len());
            for &name in names {
                if name != "NIL" && name != "T" {
                    predefined.insert(name, None);
                }
            }
            // Room for the symbols a typical script makes, without regrowing.
            cl.external.borrow_mut().reserve(512);
        }
        for p in [&user, &excl, &sys, &osi, &ustring, &po, &mail, &sl, &clos] {
            p.uses.borrow_mut().push(cl.clone());
        }
        user.uses.borrow_mut().push(excl.clone());
        user.uses.borrow_mut().push(po.clone());
        let package_var = make_predefined("*PACKAGE*", &cl).unwrap_or_else(|| {
            let s = Rc::new(Symbol::new("*PACKAGE*"));
            *s.package.borrow_mut() = Some(cl.clone());
            s
        });
        Registry {
            cl: cl.clone(),
            keyword: kw.clone(),
            sendletter: sl.clone(),
            packages: RefCell::new(vec![
                cl, user, kw, excl, sys, osi, ustring, po, mail, sl, clos,
            ]),
            nil,
            t,
            package_var,
        }
    }
}

/// The symbol object behind `Value::Nil`.
pub fn nil_symbol() -> Sym {
    REGISTRY.with(|r| r.nil.clone())
}

/// The value `T`.
pub fn t() -> Value {
    REGISTRY.with(|r| Value::Symbol(r.t.clone()))
}

/// The symbol `T`.
pub fn t_symbol() -> Sym {
    REGISTRY.with(|r| r.t.clone())
}

/// Find a package by name or nickname (case-sensitive, as CL).
pub fn find_package(name: &str) -> Option<Rc<Package>> {
    REGISTRY.with(|r| {
        r.packages
            .borrow()
            .iter()
            .find(|p| p.name == name || p.nicknames.borrow().iter().any(|n| n == name))
            .cloned()
    })
}

/// All packages, for `list-all-packages` and completion.
pub fn all_packages() -> Vec<Rc<Package>> {
    REGISTRY.with(|r| r.packages.borrow().clone())
}

/// Create a package (`make-package`, `defpackage`). Errors if it exists.
pub fn make_package(name: &str, nicknames: &[String]) -> Result<Rc<Package>, String> {
    if find_package(name).is_some() {
        return Err(format!("A package named {name} already exists"));
    }
    let p = new_package(name, &[]);
    *p.nicknames.borrow_mut() = nicknames.to_vec();
    REGISTRY.with(|r| r.packages.borrow_mut().push(p.clone()));
    Ok(p)
}

/// Remove a package (`delete-package`).
pub fn delete_package(p: &Rc<Package>) {
    REGISTRY.with(|r| r.packages.borrow_mut().retain(|q| !Rc::ptr_eq(p, q)));
}

/// COMMON-LISP and KEYWORD are found constantly (every `cl_sym`, every
/// keyword) and can be neither renamed nor deleted (CLHS 11.1.2.1.2):
/// kept at hand instead of searched for by name.
pub fn cl_package() -> Rc<Package> {
    REGISTRY.with(|r| r.cl.clone())
}
pub fn keyword_package() -> Rc<Package> {
    REGISTRY.with(|r| r.keyword.clone())
}
/// SENDLETTER, the implementation's own package (backquote's symbols).
pub fn sendletter_package() -> Rc<Package> {
    REGISTRY.with(|r| r.sendletter.clone())
}
pub fn user_package() -> Rc<Package> {
    find_package("COMMON-LISP-USER").expect("CL-USER exists from start-up")
}

/// `*package*` as the reader and printer see it: the current value of the
/// variable (shallow binding keeps it in the symbol's cell).
pub fn current_package() -> Rc<Package> {
    let cell = REGISTRY.with(|r| r.package_var.value.borrow().clone());
    match cell {
        Some(Value::Package(p)) => p,
        _ => user_package(),
    }
}

pub fn set_current_package(p: Rc<Package>) {
    REGISTRY.with(|r| *r.package_var.value.borrow_mut() = Some(Value::Package(p)));
}

/// Look a name up in a package: its own symbols, then inherited externals.
pub fn find_symbol(name: &str, pkg: &Rc<Package>) -> Option<(Sym, Status)> {
    if let Some(s) = pkg.external.borrow().get(name) {
        return Some((s.clone(), Status::External));
    }
    if let Some(s) = pkg.internal.borrow().get(name) {
        return Some((s.clone(), Status::Internal));
    }
    if let Some(s) = make_predefined(name, pkg) {
        return Some((s, Status::External));
    }
    for u in pkg.uses.borrow().iter() {
        if let Some(s) = find_external(name, u) {
            return Some((s, Status::Inherited));
        }
    }
    None
}

/// An external symbol of `pkg`, made now if it is predefined.
fn find_external(name: &str, pkg: &Rc<Package>) -> Option<Sym> {
    if let Some(s) = pkg.external.borrow().get(name) {
        return Some(s.clone());
    }
    make_predefined(name, pkg)
}

/// Make the predefined external symbol `name` of `pkg`, if there is one
/// not made yet.
fn make_predefined(name: &str, pkg: &Rc<Package>) -> Option<Sym> {
    let builtin = pkg.predefined.borrow_mut().remove(name)?;
    let s = Rc::new(Symbol::new(name));
    *s.package.borrow_mut() = Some(pkg.clone());
    pkg.external
        .borrow_mut()
        .insert(name.to_string(), s.clone());
    if let Some(def) = builtin {
        crate::builtins::define(&s, def);
    }
    Some(s)
}

/// Make every predefined symbol of `pkg`: before its symbols are listed,
/// or its maps changed other than by interning.
pub fn make_all_predefined(pkg: &Rc<Package>) {
    let names: Vec<&'static str> = pkg.predefined.borrow().keys().copied().collect();
    for name in names {
        make_predefined(name, pkg);
    }
}

/// Register builtin `def` on its symbol, which is made when first looked
/// up. A builtin of another package whose name is inherited from
/// COMMON-LISP lands on the CL symbol, as interning it would find that.
pub fn predefine_builtin(def: &'static BuiltinDef) {
    let pkg = if def.package == "COMMON-LISP" {
        cl_package()
    } else {
        match find_package(def.package) {
            Some(p) => p,
            None => return,
        }
    };
    if let Some(s) = pkg.external.borrow().get(def.name) {
        crate::builtins::define(s, def);
        return;
    }
    if let Some(entry) = pkg.predefined.borrow_mut().get_mut(def.name) {
        *entry = Some(def);
        return;
    }
    match find_symbol(def.name, &pkg) {
        Some((s, _)) => crate::builtins::define(&s, def),
        None => {
            pkg.predefined.borrow_mut().insert(def.name, Some(def));
        }
    }
}

/// Intern `name` in `pkg` (CLHS `intern`). Keywords are external, constant,
/// and evaluate to themselves.
pub fn intern_in(name: &str, pkg: &Rc<Package>) -> Sym {
    if let Some((s, _)) = find_symbol(name, pkg) {
        return s;
    }
    let s = Rc::new(Symbol::new(name));
    *s.package.borrow_mut() = Some(pkg.clone());
    if pkg.name == "KEYWORD" {
        *s.value.borrow_mut() = Some(Value::Symbol(s.clone()));
        s.constant.set(true);
        pkg.external
            .borrow_mut()
            .insert(name.to_string(), s.clone());
    } else {
        pkg.internal
            .borrow_mut()
            .insert(name.to_string(), s.clone());
    }
    s
}

/// Make `sym` external in its home package `pkg` (CLHS `export`).
pub fn export(sym: &Sym, pkg: &Rc<Package>) {
    pkg.predefined.borrow_mut().remove(sym.name.as_str());
    pkg.internal.borrow_mut().remove(&sym.name);
    pkg.external
        .borrow_mut()
        .insert(sym.name.clone(), sym.clone());
}

/// Intern and export: how builtins define the standard symbols.
pub fn intern_external(name: &str, pkg: &Rc<Package>) -> Sym {
    // Already external: the common case, and no map needs to change.
    if let Some(s) = pkg.external.borrow().get(name) {
        return s.clone();
    }
    let s = intern_in(name, pkg);
    let home_is_pkg = s
        .package
        .borrow()
        .as_ref()
        .is_some_and(|p| Rc::ptr_eq(p, pkg));
    if home_is_pkg {
        export(&s, pkg);
    }
    s
}

/// A symbol of COMMON-LISP, exported (for the standard's own names).
pub fn cl_sym(name: &str) -> Sym {
    intern_external(name, &cl_package())
}

/// A keyword symbol.
pub fn keyword(name: &str) -> Sym {
    intern_in(name, &keyword_package())
}

/// A symbol as a Lisp value (NIL becomes `Value::Nil`).
pub fn sym_value(s: Sym) -> Value {
    if REGISTRY.with(|r| Rc::ptr_eq(&r.nil, &s)) {
        Value::Nil
    } else {
        Value::Symbol(s)
    }
}

/// Is `sym` accessible in `pkg` under its own name (so it prints unqualified)?
pub fn is_accessible(sym: &Sym, pkg: &Rc<Package>) -> bool {
    match find_symbol(&sym.name, pkg) {
        Some((s, _)) => Rc::ptr_eq(&s, sym),
        None => false,
    }
}

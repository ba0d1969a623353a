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
    /// Changed by `rename-package`; see [`Package::name`].
    name: RefCell<String>,
    /// Set by `delete-package`: the object lives on, nameless (CLHS 11.2).
    deleted: std::cell::Cell<bool>,
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

impl Package {
    /// The package's name (for a deleted package, the name it had).
    pub fn name(&self) -> String {
        self.name.borrow().clone()
    }

    pub fn is_named(&self, name: &str) -> bool {
        *self.name.borrow() == name
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted.get()
    }
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
        name: RefCell::new(name.to_string()),
        deleted: std::cell::Cell::new(false),
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
            .find(|p| {
                !p.is_deleted() && p.is_named(name)
                    || p.nicknames.borrow().iter().any(|n| n == name)
            })
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
    if pkg.is_named("KEYWORD") {
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

/// `cl_sym` of a literal name, looked up once per thread at each place it
/// is written: the printer reads its variables for every object it
/// prints, and a name lookup each time costs more than the printing.
/// (The registry is per thread and COMMON-LISP's symbols never change.)
macro_rules! cl_var {
    ($name:literal) => {{
        thread_local! {
            static SYM: $crate::eval::value::Sym = $crate::eval::package::cl_sym($name);
        }
        SYM.with(|s| s.clone())
    }};
}
pub(crate) use cl_var;

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

/// The symbol named `name` present in `pkg` (CLHS 11.1.1: internal or
/// external, not inherited), and whether it is external.
pub fn present(name: &str, pkg: &Rc<Package>) -> Option<(Sym, bool)> {
    if let Some(s) = find_external(name, pkg) {
        return Some((s, true));
    }
    pkg.internal.borrow().get(name).map(|s| (s.clone(), false))
}

/// Packages that use `pkg` (CLHS `package-used-by-list`).
pub fn used_by(pkg: &Rc<Package>) -> Vec<Rc<Package>> {
    all_packages()
        .into_iter()
        .filter(|q| q.uses.borrow().iter().any(|u| Rc::ptr_eq(u, pkg)))
        .collect()
}

/// The present symbols of the shadowing list (`package-shadowing-symbols`).
pub fn shadowing_symbols(pkg: &Rc<Package>) -> Vec<Sym> {
    let names = pkg.shadowing.borrow().clone();
    names
        .iter()
        .filter_map(|n| present(n, pkg).map(|(s, _)| s))
        .collect()
}

pub fn is_shadowing(name: &str, pkg: &Rc<Package>) -> bool {
    pkg.shadowing.borrow().iter().any(|n| n == name)
}

fn add_shadowing(name: &str, pkg: &Rc<Package>) {
    if !is_shadowing(name, pkg) {
        pkg.shadowing.borrow_mut().push(name.to_string());
    }
}

/// Another package already named (or nicknamed) one of `names`.
pub fn name_taken<'a>(names: &'a [String], except: Option<&Rc<Package>>) -> Option<&'a String> {
    names
        .iter()
        .find(|n| find_package(n).is_some_and(|q| except.is_none_or(|e| !Rc::ptr_eq(e, &q))))
}

/// Give `pkg` a new name and nicknames (CLHS `rename-package`); the caller
/// has checked that no other package has them.
pub fn rename(pkg: &Rc<Package>, name: &str, nicknames: Vec<String>) {
    *pkg.name.borrow_mut() = name.to_string();
    *pkg.nicknames.borrow_mut() = nicknames;
}

/// Delete `pkg` (CLHS `delete-package`): the caller has already made the
/// packages that used it stop. Its symbols lose their home package when it
/// was this one, and the object stays, nameless.
pub fn delete_package(pkg: &Rc<Package>) {
    make_all_predefined(pkg);
    for q in used_by(pkg) {
        q.uses.borrow_mut().retain(|u| !Rc::ptr_eq(u, pkg));
    }
    let mut syms: Vec<Sym> = pkg.internal.borrow().values().cloned().collect();
    syms.extend(pkg.external.borrow().values().cloned());
    for s in syms {
        let home_here = s
            .package
            .borrow()
            .as_ref()
            .is_some_and(|h| Rc::ptr_eq(h, pkg));
        if home_here {
            *s.package.borrow_mut() = None;
        }
    }
    pkg.internal.borrow_mut().clear();
    pkg.external.borrow_mut().clear();
    pkg.shadowing.borrow_mut().clear();
    pkg.uses.borrow_mut().clear();
    pkg.nicknames.borrow_mut().clear();
    pkg.deleted.set(true);
    REGISTRY.with(|r| r.packages.borrow_mut().retain(|q| !Rc::ptr_eq(pkg, q)));
}

/// Two different symbols of one name that an operation would make
/// accessible in one package (CLHS 11.1.1.2.5).
pub struct Conflict {
    pub package: Rc<Package>,
    pub symbols: Vec<Sym>,
}

/// Would importing `sym` into `pkg` conflict with another accessible symbol?
pub fn import_conflict(sym: &Sym, pkg: &Rc<Package>) -> Option<Conflict> {
    match find_symbol(&sym.name, pkg) {
        Some((other, _)) if !Rc::ptr_eq(&other, sym) => Some(Conflict {
            package: pkg.clone(),
            symbols: vec![sym.clone(), other],
        }),
        _ => None,
    }
}

/// Make `sym` present in `pkg` (CLHS `import`); the caller has checked
/// conflicts. A symbol with no home package gets this one.
pub fn import(sym: &Sym, pkg: &Rc<Package>) {
    if present(&sym.name, pkg).is_some_and(|(s, _)| Rc::ptr_eq(&s, sym)) {
        return;
    }
    if is_keyword_package(pkg) {
        pkg.external
            .borrow_mut()
            .insert(sym.name.clone(), sym.clone());
    } else {
        pkg.internal
            .borrow_mut()
            .insert(sym.name.clone(), sym.clone());
    }
    if sym.package.borrow().is_none() {
        *sym.package.borrow_mut() = Some(pkg.clone());
    }
}

fn is_keyword_package(pkg: &Rc<Package>) -> bool {
    REGISTRY.with(|r| Rc::ptr_eq(&r.keyword, pkg))
}

/// Import `sym` into `pkg`, displacing any other present symbol of its
/// name, and put it on the shadowing list (CLHS `shadowing-import`).
pub fn shadowing_import(sym: &Sym, pkg: &Rc<Package>) {
    if let Some((old, _)) = present(&sym.name, pkg) {
        if !Rc::ptr_eq(&old, sym) {
            remove_present(&old, pkg);
        }
    }
    import(sym, pkg);
    add_shadowing(&sym.name, pkg);
}

/// Make a symbol of each name present in `pkg` and shadowing (CLHS `shadow`).
pub fn shadow(name: &str, pkg: &Rc<Package>) {
    if present(name, pkg).is_none() {
        let s = Rc::new(Symbol::new(name));
        *s.package.borrow_mut() = Some(pkg.clone());
        pkg.internal.borrow_mut().insert(name.to_string(), s);
    }
    add_shadowing(name, pkg);
}

/// Take `sym` out of `pkg`'s maps and shadowing list; it loses its home
/// package if that was `pkg`.
fn remove_present(sym: &Sym, pkg: &Rc<Package>) {
    pkg.predefined.borrow_mut().remove(sym.name.as_str());
    pkg.internal.borrow_mut().remove(&sym.name);
    pkg.external.borrow_mut().remove(&sym.name);
    pkg.shadowing.borrow_mut().retain(|n| *n != sym.name);
    let home_here = sym
        .package
        .borrow()
        .as_ref()
        .is_some_and(|h| Rc::ptr_eq(h, pkg));
    if home_here {
        *sym.package.borrow_mut() = None;
    }
}

/// The distinct external symbols named `name` of the packages `pkg` uses.
fn inherited_candidates(name: &str, pkg: &Rc<Package>) -> Vec<Sym> {
    let mut out: Vec<Sym> = Vec::new();
    for u in pkg.uses.borrow().iter() {
        if let Some(s) = find_external(name, u) {
            if !out.iter().any(|o| Rc::ptr_eq(o, &s)) {
                out.push(s);
            }
        }
    }
    out
}

/// Would uninterning the shadowing symbol `sym` from `pkg` uncover a
/// conflict between inherited symbols (CLHS `unintern`)?
pub fn unintern_conflict(sym: &Sym, pkg: &Rc<Package>) -> Option<Conflict> {
    if !is_shadowing(&sym.name, pkg)
        || !present(&sym.name, pkg).is_some_and(|(s, _)| Rc::ptr_eq(&s, sym))
    {
        return None;
    }
    let candidates = inherited_candidates(&sym.name, pkg);
    (candidates.len() > 1).then(|| Conflict {
        package: pkg.clone(),
        symbols: candidates,
    })
}

/// Remove `sym` from `pkg` if present (CLHS `unintern`); true if it was.
pub fn unintern(sym: &Sym, pkg: &Rc<Package>) -> bool {
    match present(&sym.name, pkg) {
        Some((s, _)) if Rc::ptr_eq(&s, sym) => {
            remove_present(sym, pkg);
            true
        }
        _ => false,
    }
}

/// Conflicts `pkg` using `used` would cause (CLHS `use-package`): an
/// external of `used` against an accessible symbol of `pkg` that is not
/// shadowing, or against another used package's external.
pub fn use_conflicts(used: &Rc<Package>, pkg: &Rc<Package>) -> Vec<Conflict> {
    make_all_predefined(used);
    let externals: Vec<Sym> = used.external.borrow().values().cloned().collect();
    let mut out = Vec::new();
    for s in externals {
        if is_shadowing(&s.name, pkg) {
            continue;
        }
        if let Some((other, _)) = find_symbol(&s.name, pkg) {
            if !Rc::ptr_eq(&other, &s) {
                out.push(Conflict {
                    package: pkg.clone(),
                    symbols: vec![s, other],
                });
            }
        }
    }
    out
}

/// Make `pkg` use `used` (conflicts checked by the caller).
pub fn use_package(used: &Rc<Package>, pkg: &Rc<Package>) {
    let already = pkg.uses.borrow().iter().any(|u| Rc::ptr_eq(u, used));
    if !already && !Rc::ptr_eq(used, pkg) {
        pkg.uses.borrow_mut().push(used.clone());
    }
}

pub fn unuse_package(used: &Rc<Package>, pkg: &Rc<Package>) {
    pkg.uses.borrow_mut().retain(|u| !Rc::ptr_eq(u, used));
}

/// Conflicts exporting `sym` from `pkg` would cause in the packages that
/// use `pkg` (CLHS `export`).
pub fn export_conflicts(sym: &Sym, pkg: &Rc<Package>) -> Vec<Conflict> {
    let mut out = Vec::new();
    for q in used_by(pkg) {
        if is_shadowing(&sym.name, &q) {
            continue;
        }
        if let Some((other, _)) = find_symbol(&sym.name, &q) {
            if !Rc::ptr_eq(&other, sym) {
                out.push(Conflict {
                    package: q.clone(),
                    symbols: vec![sym.clone(), other],
                });
            }
        }
    }
    out
}

/// Make the external `sym` of `pkg` internal (CLHS `unexport`).
pub fn unexport(sym: &Sym, pkg: &Rc<Package>) {
    if let Some((s, true)) = present(&sym.name, pkg) {
        if Rc::ptr_eq(&s, sym) {
            pkg.external.borrow_mut().remove(&sym.name);
            pkg.internal
                .borrow_mut()
                .insert(sym.name.clone(), sym.clone());
        }
    }
}

/// Every symbol present in `pkg`, with whether it is external.
pub fn present_symbols(pkg: &Rc<Package>) -> Vec<(Sym, bool)> {
    make_all_predefined(pkg);
    let mut out: Vec<(Sym, bool)> = pkg
        .external
        .borrow()
        .values()
        .map(|s| (s.clone(), true))
        .collect();
    out.extend(pkg.internal.borrow().values().map(|s| (s.clone(), false)));
    out
}

/// The inherited symbols of `pkg`: externals of used packages not
/// shadowed by a present symbol.
pub fn inherited_symbols(pkg: &Rc<Package>) -> Vec<Sym> {
    make_all_predefined(pkg);
    let mut out: Vec<Sym> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for u in pkg.uses.borrow().iter() {
        make_all_predefined(u);
        for (name, s) in u.external.borrow().iter() {
            let own = pkg.internal.borrow().contains_key(name)
                || pkg.external.borrow().contains_key(name);
            if !own && seen.insert(name.clone()) {
                out.push(s.clone());
            }
        }
    }
    out
}

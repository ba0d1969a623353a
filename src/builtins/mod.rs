//! The standard library: builtin functions registered from tables, one
//! file per area. Each entry carries its name, lambda list and docstring;
//! the same tables feed `documentation` and REPL completion.

pub mod allegro;
pub mod args;
pub mod chars;
pub mod compile_file;
pub mod core;
pub mod definitions_meta;
pub mod defpackage;
pub mod environment;
pub mod files;
pub mod format;
pub mod hashtables;
pub mod imap;
pub mod lists;
pub mod logical_pathnames;
pub mod loop_macro;
pub mod mail_text;
pub mod mime;
pub mod mime_parsed;
pub mod numbers;
pub mod packages;
pub mod pathname_wild;
pub mod pprint_dispatch;
pub mod prelude;
pub mod pretty;
pub mod printing;
pub mod reader_calls;
pub mod readtables;
pub mod routing;
pub mod sequences;
pub mod smtp;
pub mod streams;
pub mod strings;
pub mod system;
pub mod transfer_encoding;

use std::rc::Rc;

use crate::eval::package::predefine_builtin;
use crate::eval::value::{Builtin, BuiltinFn, Function, Sym, Value};
use crate::eval::Interp;

/// One builtin function.
pub struct BuiltinDef {
    /// Symbol name, upper case.
    pub name: &'static str,
    /// Home package name (`COMMON-LISP` for the standard's functions).
    pub package: &'static str,
    /// The lambda list as documentation, e.g. `"(list)"`.
    pub lambda_list: &'static str,
    pub doc: &'static str,
    pub min: usize,
    /// `usize::MAX` = any number of arguments.
    pub max: usize,
    pub f: BuiltinFn,
}

/// Shorthand for table entries: `def!("CAR", "(list)", 1, 1, car, "doc")`.
#[macro_export]
macro_rules! def {
    ($name:literal, $ll:literal, $min:expr, $max:expr, $f:expr, $doc:literal) => {
        $crate::builtins::BuiltinDef {
            name: $name,
            package: "COMMON-LISP",
            lambda_list: $ll,
            doc: $doc,
            min: $min,
            max: $max,
            f: $f,
        }
    };
    ($pkg:literal : $name:literal, $ll:literal, $min:expr, $max:expr, $f:expr, $doc:literal) => {
        $crate::builtins::BuiltinDef {
            name: $name,
            package: $pkg,
            lambda_list: $ll,
            doc: $doc,
            min: $min,
            max: $max,
            f: $f,
        }
    };
}

/// Any number of arguments.
pub const MANY: usize = usize::MAX;

/// Every builtin table, in installation order.
pub fn tables() -> Vec<&'static [BuiltinDef]> {
    let mut t = vec![
        core::BUILTINS,
        packages::BUILTINS,
        numbers::BUILTINS,
        chars::BUILTINS,
        strings::BUILTINS,
        lists::BUILTINS,
        sequences::BUILTINS,
        sequences::arrays::BUILTINS,
        sequences::shape::BUILTINS,
        sequences::bits::BUILTINS,
        sequences::sort::BUILTINS,
        hashtables::BUILTINS,
        printing::BUILTINS,
        pretty::BUILTINS,
        pprint_dispatch::BUILTINS,
        format::BUILTINS,
        streams::BUILTINS,
        readtables::BUILTINS,
        files::BUILTINS,
        pathname_wild::BUILTINS,
        logical_pathnames::BUILTINS,
        system::BUILTINS,
        compile_file::BUILTINS,
        environment::BUILTINS,
        definitions_meta::BUILTINS,
        loop_macro::BUILTINS,
        mime::BUILTINS,
        smtp::BUILTINS,
        imap::BUILTINS,
        mail_text::BUILTINS,
        mime_parsed::BUILTINS,
        transfer_encoding::BUILTINS,
    ];
    t.extend(crate::eval::macros::builtin_tables());
    t.extend(allegro::tables());
    t.extend(crate::clos::builtin_tables());
    t
}

/// Install all builtins into the interpreter's packages. Each symbol gets
/// its function when first looked up (see `package::predefine_builtin`);
/// later tables override earlier ones, as the tables' order says.
pub fn install(it: &mut Interp) {
    for table in tables() {
        for d in table {
            predefine_builtin(d);
        }
    }
    crate::eval::macros::install();
    allegro::install();
    crate::clos::install();
    smtp::install(it);
    imap::install(it);
    loop_macro::install(it);
    readtables::install(it);
}

/// Give `sym` the builtin function `d`.
pub fn define(sym: &Sym, d: &BuiltinDef) {
    let f = Value::Function(Rc::new(Function::Builtin(Builtin {
        name: sym.clone(),
        min_args: d.min,
        max_args: if d.max == MANY { None } else { Some(d.max) },
        f: d.f,
    })));
    *sym.function.borrow_mut() = Some(f);
    if !d.doc.is_empty() {
        let mut docs = sym.doc.borrow_mut();
        docs.retain(|(kind, _)| *kind != "FUNCTION");
        docs.push(("FUNCTION", d.doc.to_string()));
    }
}

/// Look up a builtin's table entry by symbol name (for `documentation`
/// and arglist display).
pub fn find_def(name: &str) -> Option<&'static BuiltinDef> {
    tables()
        .into_iter()
        .flat_map(|t| t.iter())
        .find(|d| d.name == name)
}

/// The macros written in Lisp (see `prelude`) and the `setf` functions.
pub fn install_prelude(it: &mut Interp) {
    prelude::install();
    system::install_setf(it);
    sequences::install_setf(it);
}

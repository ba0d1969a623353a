//! Allegro CL's everyday scripting layer, as franz.com's Allegro CL 10.1
//! documentation describes it: `if*`/`while`/`until` (`control.rs`),
//! regexp2 (`regexp.rs`), the command line (`command_line.rs`), the
//! operating-system interface `excl.osi` (`osi.rs`), string and octet
//! conversions (`strings.rs`), `*features*` (`features.rs`), modules for
//! `require` (`modules.rs`), Allegro names sendletter lacks
//! (`missing.rs`), and the macros and `util.test` written in Lisp
//! (`lisp.rs`). docs/allegro.md lists what is provided and what not.

pub mod command_line;
pub mod control;
pub mod features;
pub mod lisp;
pub mod missing;
pub mod modules;
pub mod osi;
pub mod regexp;
pub mod strings;

use std::rc::Rc;

use crate::builtins::BuiltinDef;
use crate::eval::package::{find_package, intern_external};
use crate::eval::value::{Builtin, Function, Value};

/// The layer's builtin tables.
pub fn tables() -> Vec<&'static [BuiltinDef]> {
    vec![
        features::BUILTINS,
        command_line::BUILTINS,
        regexp::BUILTINS,
        osi::BUILTINS,
        strings::BUILTINS,
    ]
}

/// Install the macros written in Rust (in EXCL, which CL-USER uses).
pub fn install() {
    let groups = [
        ("EXCL", control::MACROS),
        ("EXCL", regexp::MACROS),
        ("SYSTEM", command_line::MACROS),
    ];
    for (package, macros) in groups {
        let Some(p) = find_package(package) else {
            continue;
        };
        for &(name, f) in macros {
            install_macro(intern_external(name, &p), f);
        }
    }
}

/// Make `sym` a macro whose expander is `f` (form, environment).
fn install_macro(sym: crate::eval::value::Sym, f: crate::eval::value::BuiltinFn) {
    let m = Value::Function(Rc::new(Function::Builtin(Builtin {
        name: sym.clone(),
        min_args: 1,
        max_args: Some(2),
        f,
    })));
    *sym.macro_fn.borrow_mut() = Some(m);
}

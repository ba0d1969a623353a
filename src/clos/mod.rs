//! The Common Lisp Object System (CLHS 7 and the classes of CLHS 4.3).
//!
//! Classes, generic functions, methods and slot definitions are instances
//! of standard classes (`instance.rs`); the protocols themselves (class
//! finalization, the initialization protocol, dispatch with its cache of
//! effective methods, method combination, the printer's `print-object`)
//! are Lisp in the `*.lisp` files here, read the first time a script
//! names one of the operators (as `builtins/prelude.rs` does for the Lisp
//! macros), so scripts without CLOS pay nothing at start-up.
//!
//! - `instance.rs`: the instance representation and its primitives.
//! - `objects.rs`: built-in classes of other values, structure and
//!   condition classes as seen from Lisp.
//! - `dispatch.rs`: the discriminating function with its cache of
//!   effective methods, and `slot-value` read in place.
//! - `hooks.rs`: where the evaluator and printer call into the object
//!   system (`print-object`, `typep`/`subtypep` on classes, `type-of`).
//! - `boot.lisp` (metaobjects, class precedence, finalization, slots),
//!   `generic.lisp` (generic functions, dispatch, method combination),
//!   `protocol.lisp` (the standard generic functions, initialization,
//!   `change-class`, redefinition), `macros.lisp` (`defclass`,
//!   `defgeneric`, `defmethod`, `with-slots`...), `printing.lisp`
//!   (`print-object`, `describe`).

pub mod dispatch;
pub mod hooks;
pub mod instance;
pub mod objects;

use std::rc::Rc;

use crate::builtins::BuiltinDef;
use crate::eval::package::{self, find_package, find_symbol};
use crate::eval::value::{Builtin, BuiltinFn, Function, Sym, Value};
use crate::eval::{Interp, LResult};

/// The Lisp sources, in load order.
const SOURCES: &[(&str, &str)] = &[
    ("<clos boot>", include_str!("boot.lisp")),
    ("<clos generic>", include_str!("generic.lisp")),
    ("<clos macros>", include_str!("macros.lisp")),
    ("<clos protocol>", include_str!("protocol.lisp")),
    ("<clos printing>", include_str!("printing.lisp")),
];

/// Key in `Interp::ext` once the sources are loaded.
pub const LOADED: &str = "clos-loaded";

/// Every builtin table of the object system.
pub fn builtin_tables() -> Vec<&'static [BuiltinDef]> {
    vec![
        instance::BUILTINS,
        objects::BUILTINS,
        hooks::BUILTINS,
        dispatch::BUILTINS,
    ]
}

/// Is the object system loaded?
pub fn loaded(it: &Interp) -> bool {
    it.ext.contains_key(LOADED)
}

/// A name the Lisp sources define, with its stand-in until then.
struct Lazy {
    package: &'static str,
    name: &'static str,
    is_macro: bool,
    f: BuiltinFn,
}

macro_rules! lazy {
    ($(($pkg:literal $kind:ident $($name:literal)*))*) => {
        const LAZY: &[Lazy] = &[
            $($(Lazy {
                package: $pkg,
                name: $name,
                is_macro: lazy!(@macro $kind),
                f: |it, a| stand_in(it, $pkg, $name, lazy!(@macro $kind), a),
            },)*)*
        ];
    };
    (@macro macro) => { true };
    (@macro function) => { false };
}

lazy! {
    ("COMMON-LISP" macro "DEFCLASS" "DEFGENERIC" "DEFMETHOD" "WITH-SLOTS" "WITH-ACCESSORS"
        "PRINT-UNREADABLE-OBJECT" "DEFINE-METHOD-COMBINATION")
    ("COMMON-LISP" function "FIND-CLASS" "CLASS-OF" "CLASS-NAME" "MAKE-INSTANCE"
        "INITIALIZE-INSTANCE" "SHARED-INITIALIZE" "REINITIALIZE-INSTANCE" "ALLOCATE-INSTANCE"
        "SLOT-VALUE" "SLOT-BOUNDP" "SLOT-MAKUNBOUND" "SLOT-EXISTS-P" "SLOT-UNBOUND"
        "SLOT-MISSING" "CHANGE-CLASS" "UPDATE-INSTANCE-FOR-DIFFERENT-CLASS"
        "UPDATE-INSTANCE-FOR-REDEFINED-CLASS" "MAKE-INSTANCES-OBSOLETE"
        "NO-APPLICABLE-METHOD" "NO-NEXT-METHOD" "FIND-METHOD" "REMOVE-METHOD" "ADD-METHOD"
        "ENSURE-GENERIC-FUNCTION" "COMPUTE-APPLICABLE-METHODS" "METHOD-QUALIFIERS"
        "FUNCTION-KEYWORDS" "PRINT-OBJECT" "DESCRIBE" "DESCRIBE-OBJECT" "MAKE-LOAD-FORM"
        "MAKE-LOAD-FORM-SAVING-SLOTS" "INVALID-METHOD-ERROR" "METHOD-COMBINATION-ERROR"
        "CALL-NEXT-METHOD" "NEXT-METHOD-P" "UNBOUND-SLOT-INSTANCE")
    ("CLOS" function "CLASS-SLOTS" "CLASS-DIRECT-SLOTS" "CLASS-DIRECT-SUPERCLASSES"
        "CLASS-DIRECT-SUBCLASSES" "CLASS-PRECEDENCE-LIST" "CLASS-FINALIZED-P"
        "FINALIZE-INHERITANCE" "CLASS-PROTOTYPE" "CLASS-DEFAULT-INITARGS"
        "CLASS-DIRECT-DEFAULT-INITARGS" "SLOT-DEFINITION-NAME" "SLOT-DEFINITION-INITARGS"
        "SLOT-DEFINITION-INITFORM" "SLOT-DEFINITION-INITFUNCTION" "SLOT-DEFINITION-READERS"
        "SLOT-DEFINITION-WRITERS" "SLOT-DEFINITION-ALLOCATION" "SLOT-DEFINITION-TYPE"
        "SLOT-DEFINITION-LOCATION" "GENERIC-FUNCTION-NAME" "GENERIC-FUNCTION-METHODS"
        "GENERIC-FUNCTION-LAMBDA-LIST" "GENERIC-FUNCTION-METHOD-COMBINATION"
        "GENERIC-FUNCTION-ARGUMENT-PRECEDENCE-ORDER" "METHOD-SPECIALIZERS"
        "METHOD-LAMBDA-LIST" "METHOD-FUNCTION" "METHOD-GENERIC-FUNCTION"
        "EQL-SPECIALIZER-OBJECT" "INTERN-EQL-SPECIALIZER" "SPECIALIZER-DIRECT-METHODS"
        "COMPUTE-CLASS-PRECEDENCE-LIST" "ENSURE-CLASS" "CLASSP" "SUBCLASSP")
}

/// Give each name the Lisp sources define its stand-in, and export the
/// CLOS package's names.
pub fn install() {
    for l in LAZY {
        let Some(p) = find_package(l.package) else {
            continue;
        };
        let sym = package::intern_external(l.name, &p);
        let stand_in = Value::Function(Rc::new(Function::Builtin(Builtin {
            name: sym.clone(),
            min_args: 0,
            max_args: None,
            f: l.f,
        })));
        if l.is_macro {
            *sym.macro_fn.borrow_mut() = Some(stand_in);
        } else {
            *sym.function.borrow_mut() = Some(stand_in);
        }
    }
}

/// Is `f` one of the stand-ins?
pub(crate) fn is_stand_in(f: &Value) -> bool {
    match f {
        Value::Function(f) => matches!(&**f, Function::Builtin(b)
            if LAZY.iter().any(|l| std::ptr::fn_addr_eq(l.f, b.f))),
        _ => false,
    }
}

/// The stand-in for `pkg::name`: load the sources, then hand over to the
/// real definition.
fn stand_in(
    it: &mut Interp,
    pkg: &str,
    name: &str,
    is_macro: bool,
    args: &[Value],
) -> LResult<Value> {
    load(it)?;
    let sym = find_package(pkg)
        .and_then(|p| find_symbol(name, &p))
        .map(|(s, _)| s);
    let real = sym
        .as_ref()
        .and_then(|s: &Sym| {
            if is_macro {
                s.macro_fn.borrow().clone()
            } else {
                s.function.borrow().clone()
            }
        })
        .filter(|f| !is_stand_in(f));
    match real {
        Some(f) => it.apply(&f, args),
        None => {
            let msg = format!("internal error: the object system does not define {name}");
            let c = it.make_error("SIMPLE-ERROR", &msg);
            Err(it.raise(c))
        }
    }
}

/// Load the Lisp sources of the object system once.
pub fn load(it: &mut Interp) -> LResult<()> {
    if loaded(it) {
        return Ok(());
    }
    it.ext.insert(LOADED, Box::new(()));
    for (origin, text) in SOURCES {
        crate::builtins::prelude::load_embedded(it, text, origin)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every stand-in is replaced by a real definition once the sources
    /// are loaded: a name listed but never defined would fail only when a
    /// script first used it.
    #[test]
    fn every_stand_in_gets_a_definition() {
        let mut it = crate::toplevel::new_interp();
        if let Err(e) = load(&mut it) {
            let e = crate::toplevel::unwind_to_error(&mut it, e, Default::default());
            panic!("{}", e.describe());
        }
        for l in LAZY {
            let p = find_package(l.package).expect("package exists");
            let (sym, _) = find_symbol(l.name, &p).expect("symbol exists");
            let f = if l.is_macro {
                sym.macro_fn.borrow().clone()
            } else {
                sym.function.borrow().clone()
            };
            assert!(
                f.is_some_and(|f| !is_stand_in(&f)),
                "{} is not defined",
                l.name
            );
        }
    }
}

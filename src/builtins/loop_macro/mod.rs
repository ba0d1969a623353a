//! `LOOP` (CLHS 6.1) and the small standard macros written in Rust:
//! `defpackage`, `loop-finish`, plus the internal helpers the prelude's
//! macros expand into (`do-symbols`).

mod expand;

use std::rc::Rc;

use crate::builtins::{args, core::package_arg};
use crate::def;
use crate::eval::package::{self, cl_sym};
use crate::eval::value::{Builtin, BuiltinFn, Function, Symbol, Value};
use crate::eval::{Interp, LResult};

pub use expand::expand_loop;

pub const BUILTINS: &[super::BuiltinDef] = &[
    def!("SENDLETTER" : "%HASH-PAIRS", "(hash-table)", 1, 1, hash_pairs,
        "The entries of a hash table as a fresh list of (key . value), in iteration order."),
    def!("SENDLETTER" : "%DEFPACKAGE", "(name options)", 2, 2, defpackage_fn,
        "Create or update a package from DEFPACKAGE options."),
    def!("SENDLETTER" : "%LOOP-STEP-BY", "(step)", 1, 1, loop_step_by,
        "STEP if it is a positive real: the BY of an arithmetic LOOP FOR clause."),
    def!("SENDLETTER" : "%PACKAGE-SYMBOLS", "(package external-only)", 2, 2, package_symbols,
        "The symbols accessible in a package (or only its external ones), as a list."),
];

/// Install the macros implemented in Rust as their symbols' macro functions.
pub fn install(it: &mut Interp) {
    let _ = it;
    install_macro(cl_sym("LOOP"), loop_macro);
    install_macro(cl_sym("LOOP-FINISH"), loop_finish_macro);
    install_macro(cl_sym("DEFPACKAGE"), defpackage_macro);
}

fn install_macro(sym: Rc<Symbol>, f: BuiltinFn) {
    let m = Value::Function(Rc::new(Function::Builtin(Builtin {
        name: sym.clone(),
        // A macro function takes the form and the environment (CLHS 3.1.2.1.2.2).
        min_args: 2,
        max_args: Some(2),
        f,
    })));
    *sym.macro_fn.borrow_mut() = Some(m);
}

fn program_error<T>(it: &mut Interp, msg: &str) -> LResult<T> {
    let c = it.make_error("PROGRAM-ERROR", msg);
    it.err(c)
}

/// `(loop ...)` → its expansion.
fn loop_macro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match expand_loop(&a[0]) {
        Ok(v) => Ok(v),
        Err(msg) => program_error(it, &msg),
    }
}

/// `loop-finish` outside a loop; inside, `loop` shadows it with `macrolet`.
fn loop_finish_macro(it: &mut Interp, _: &[Value]) -> LResult<Value> {
    program_error(it, "LOOP-FINISH may only be used inside a LOOP.")
}

/// `(defpackage name option*)` (CLHS defpackage) →
/// `(sendletter::%defpackage "NAME" '(option*))`.
fn defpackage_macro(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let form = &a[0];
    let name = args::designator(it, &form.cdr().car())?;
    let opts = form.cdr().cdr();
    let Some(sl) = package::find_package("SENDLETTER") else {
        return program_error(it, "DEFPACKAGE: internal package missing");
    };
    Ok(Value::list([
        Value::Symbol(package::intern_in("%DEFPACKAGE", &sl)),
        Value::string(name),
        Value::list([Value::Symbol(cl_sym("QUOTE")), opts]),
    ]))
}

/// Create the package (or update an existing one): `builtins/defpackage.rs`.
fn defpackage_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    crate::builtins::defpackage::define(it, a)
}

/// The symbols `do-symbols` / `do-external-symbols` visit: present ones
/// and inherited externals not shadowed (CLHS 11.1.1).
fn package_symbols(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let pkg = package_arg(it, Some(&a[0]))?;
    let external_only = a[1].truthy();
    package::make_all_predefined(&pkg);
    for u in pkg.uses.borrow().iter() {
        package::make_all_predefined(u);
    }
    let mut out: Vec<Value> = pkg
        .external
        .borrow()
        .values()
        .map(|s| package::sym_value(s.clone()))
        .collect();
    if !external_only {
        out.extend(
            pkg.internal
                .borrow()
                .values()
                .map(|s| package::sym_value(s.clone())),
        );
        for u in pkg.uses.borrow().iter() {
            for (name, s) in u.external.borrow().iter() {
                let own = pkg.internal.borrow().contains_key(name)
                    || pkg.external.borrow().contains_key(name);
                if !own {
                    out.push(package::sym_value(s.clone()));
                }
            }
        }
    }
    Ok(Value::list(out))
}

/// The `by` of `for i from a to b by step` must be a positive number
/// (CLHS 6.1.2.1.1; SBCL declares it `(and number (real (0)))`): a zero or
/// negative step would never reach the limit.
fn loop_step_by(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let positive = match &a[0] {
        Value::Fixnum(n) => *n > 0,
        Value::Single(f) => *f > 0.0,
        Value::Double(f) => *f > 0.0,
        Value::Bignum(b) => b.sign() == num_bigint::Sign::Plus,
        Value::Ratio(r) => num_traits::Signed::is_positive(&**r),
        _ => false,
    };
    if positive {
        Ok(a[0].clone())
    } else {
        args::type_err(it, &a[0], "(AND NUMBER (REAL (0)))")
    }
}

/// `(key . value)` for every entry, in the table's iteration order.
fn hash_pairs(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Value::HashTable(h) = &a[0] else {
        return args::type_err(it, &a[0], "HASH-TABLE");
    };
    let map = h.map.borrow();
    let pairs: Vec<Value> = h
        .order
        .borrow()
        .iter()
        .filter_map(|k| map.get(k))
        .map(|(k, v)| Value::cons(k.clone(), v.clone()))
        .collect();
    Ok(Value::list(pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reader::{NoEval, Reader};

    fn read(src: &str) -> Value {
        match Reader::new(src, None).read(&mut NoEval) {
            Ok(Some(v)) => v,
            _ => Value::Nil,
        }
    }

    fn eval(it: &mut Interp, src: &str) -> Result<Value, String> {
        crate::toplevel::load_source(it, src, None).map_err(|e| e.describe())
    }

    fn expand_err(src: &str) -> String {
        match expand_loop(&read(src)) {
            Ok(v) => format!("expanded: {}", crate::printer::prin1_to_string(&v)),
            Err(m) => m,
        }
    }

    #[test]
    fn a_non_positive_by_is_a_type_error_not_an_endless_loop() {
        let mut it = crate::toplevel::new_interp();
        for src in [
            "(loop for i from 0 below 10 by -1 collect i)",
            "(loop for i from 10 downto 0 by 0 collect i)",
            "(let ((b -1/2)) (loop for i from 0 to 3 by b collect i))",
            "(loop for i from 0 to 3 by 'x collect i)",
        ] {
            let e = eval(&mut it, src).map(|v| crate::printer::prin1_to_string(&v));
            let m = e.err().unwrap_or_default();
            assert!(m.contains("(AND NUMBER (REAL (0)))"), "{src}: {m}");
        }
        for (src, want) in [
            ("(loop for i from 0 to 3 by 1.5 collect i)", "(0 1.5 3.0)"),
            (
                "(let ((b 2)) (loop for i from 6 downto 0 by b collect i))",
                "(6 4 2 0)",
            ),
            ("(loop for i from 0 to 1 by 1/2 collect i)", "(0 1/2 1)"),
        ] {
            let v = eval(&mut it, src).map(|v| crate::printer::prin1_to_string(&v));
            assert_eq!(v.as_deref(), Ok(want), "{src}");
        }
    }

    #[test]
    fn malformed_loops_name_the_clause() {
        let m = expand_err("(loop for x foo 3)");
        assert!(
            m.contains("FOO is an unknown keyword in FOR or AS clause"),
            "{m}"
        );
        assert!(m.contains("current LOOP context: FOR X FOO 3."), "{m}");
        assert!(expand_err("(loop collect)").contains("ran out where a form was expected"));
        assert!(expand_err("(loop frob 3)").contains("unknown LOOP keyword: FROB"));
        assert!(expand_err("(loop for x in l named n)").contains("NAMED must be the first"));
        assert!(expand_err("(loop for x in l collect x sum x)").contains("conflicts"));
        assert!(expand_err("(loop for x in l when t while nil)").contains("conditional"));
        assert!(expand_err("(loop for x downto 0)").contains("needs FROM"));
        assert!(expand_err("(loop for x from 1 downto 0 upto 3)").contains("two limits"));
    }

    #[test]
    fn simple_loop_when_body_does_not_start_with_a_symbol() {
        let e =
            expand_loop(&read("(loop (foo) (bar))")).map(|v| crate::printer::prin1_to_string(&v));
        let text = e.unwrap_or_default();
        assert!(text.starts_with("(BLOCK NIL (TAGBODY"), "{text}");
        assert!(expand_loop(&read("(loop 5)")).is_ok());
    }

    #[test]
    fn loop_is_a_macro_signalling_program_error() {
        let mut it = crate::toplevel::new_interp();
        let r = eval(
            &mut it,
            "(handler-case (macroexpand-1 '(loop for x bogus 1)) (program-error () :caught))",
        );
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "CAUGHT"));
        let r = eval(
            &mut it,
            "(nth-value 1 (macroexpand-1 '(loop repeat 1 do (foo))))",
        );
        assert!(matches!(r, Ok(v) if v.truthy()));
        let r = eval(
            &mut it,
            "(handler-case (eval '(loop-finish)) (program-error () :outside))",
        );
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "OUTSIDE"));
    }

    #[test]
    fn loops_that_need_only_core_functions_run() {
        let mut it = crate::toplevel::new_interp();
        // with, always/never, return, named, simple loop, loop-finish.
        let r = eval(&mut it, "(loop with a = 'x and b = 'y return (values a b))");
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "X"));
        let r = eval(
            &mut it,
            "(loop named n with x = t always x do (loop-finish))",
        );
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "T"));
        let r = eval(&mut it, "(loop with x = nil never x return 'done)");
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "DONE"));
        let r = eval(
            &mut it,
            "(loop named outer do (loop (return-from outer 'inner)))",
        );
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "INNER"));
        let r = eval(&mut it, "(loop with x = 'a when x return it)");
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "A"));
        let r = eval(
            &mut it,
            "(loop with x = nil do (loop-finish) finally (return 'fin))",
        );
        assert!(matches!(r, Ok(Value::Symbol(s)) if s.name == "FIN"));
    }

    #[test]
    fn defpackage_creates_and_exports() {
        let mut it = crate::toplevel::new_interp();
        let r = eval(
            &mut it,
            "(defpackage :loop-test-pkg (:use :cl) (:nicknames :ltp) (:export #:hello \"WORLD\") (:shadow #:car))
             (find-symbol \"HELLO\" :ltp)",
        );
        assert!(r.is_ok(), "{r:?}");
        let p = package::find_package("LOOP-TEST-PKG");
        let Some(p) = p else {
            panic!("package not created");
        };
        assert!(p.external.borrow().contains_key("HELLO"));
        assert!(p.external.borrow().contains_key("WORLD"));
        let car = package::find_symbol("CAR", &p).map(|(s, _)| s);
        assert!(car.is_some_and(|s| !Rc::ptr_eq(&s, &cl_sym("CAR"))));
        let r = eval(&mut it, "(defpackage :loop-test-pkg (:frobnicate 1))");
        assert!(r.is_err());
    }

    #[test]
    fn hash_pairs_follow_insertion_order() {
        use crate::eval::value::{HashKey, HashTable, HashTest};
        let h = HashTable {
            test: HashTest::Eql,
            map: Default::default(),
            order: Default::default(),
            free: Default::default(),
            sizing: Default::default(),
        };
        for (k, v) in [(3, 30), (1, 10)] {
            h.map
                .borrow_mut()
                .insert(HashKey::Int(k), (Value::Fixnum(k), Value::Fixnum(v)));
            h.order.borrow_mut().push(HashKey::Int(k));
        }
        let mut it = crate::toplevel::new_interp();
        let r = hash_pairs(&mut it, &[Value::HashTable(Rc::new(h))]);
        let text = r
            .map(|v| crate::printer::prin1_to_string(&v))
            .unwrap_or_default();
        assert_eq!(text, "((3 . 30) (1 . 10))");
    }
}

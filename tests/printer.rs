//! Printed forms for every data type. Expected strings are what SBCL 2.x
//! printed for the same objects (`sbcl --script`, `prin1`/`princ`), except
//! where a comment notes a documented difference.

use std::cell::RefCell;
use std::rc::Rc;

use num_bigint::BigInt;
use sendletter::eval::package;
use sendletter::eval::value::{
    HashTable, HashTest, HostObject, Pathname, SlotDef, StructClass, StructObj, Symbol,
};
use sendletter::eval::Value;
use sendletter::printer::{prin1_to_string, princ_to_string, write_to_string, PrintOptions};
use sendletter::reader::{NoEval, Reader};

fn read(src: &str) -> Value {
    // The standard symbols the tests use, as the evaluator defines them.
    for name in ["QUOTE", "FUNCTION"] {
        package::cl_sym(name);
    }
    match Reader::new(src, None).read(&mut NoEval) {
        Ok(Some(v)) => v,
        other => panic!("reading {src:?}: {other:?}"),
    }
}

fn sym(name: &str) -> Value {
    Value::Symbol(package::intern_in(name, &package::user_package()))
}

/// SBCL: `(prin1 x)` for single-floats.
#[test]
fn single_floats_as_sbcl() {
    for (x, sbcl) in [
        (1.0f32, "1.0"),
        (1.5, "1.5"),
        (0.1, "0.1"),
        (1.0e10, "1.0e10"),
        (1.2345679e7, "1.2345679e7"),
        (1.0e-4, "1.0e-4"),
        (123456.7, "123456.7"),
        (0.001, "0.001"),
        (0.00099999, "9.9999e-4"),
        (9999999.0, "9999999.0"),
        (1.0e7, "1.0e7"),
        (0.0009765625, "9.765625e-4"),
        (3.4028235e38, "3.4028235e38"),
        (1.1754944e-38, "1.1754944e-38"),
        (-1.5, "-1.5"),
        (-1.0e10, "-1.0e10"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (0.3, "0.3"),
        (1.0 / 3.0, "0.33333334"),
        (123.456, "123.456"),
        (1.0e23, "1.0e23"),
        (2.5e-8, "2.5e-8"),
        (1234567.0, "1234567.0"),
        (12345.678, "12345.678"),
        (1.0e6, "1000000.0"),
        (100.0, "100.0"),
        (1.0e38, "1.0e38"),
        (12345678.0, "1.2345678e7"),
        (1.0e-5, "1.0e-5"),
    ] {
        assert_eq!(prin1_to_string(&Value::Single(x)), sbcl, "{x:e}");
    }
}

/// SBCL: `(prin1 x)` for double-floats.
#[test]
fn double_floats_as_sbcl() {
    for (x, sbcl) in [
        (1.5f64, "1.5d0"),
        (1.0e10, "1.0d10"),
        (1.0e7, "1.0d7"),
        (1.0e-3, "0.001d0"),
        (1.0e-4, "1.0d-4"),
        (0.1, "0.1d0"),
        (0.00099999, "9.9999d-4"),
        (9999999.999, "9999999.999d0"),
        (1.0e-7, "1.0d-7"),
        (1.7976931348623157e308, "1.7976931348623157d308"),
        (-0.0, "-0.0d0"),
        (0.0, "0.0d0"),
        (1.0 / 3.0, "0.3333333333333333d0"),
        (std::f64::consts::SQRT_2, "1.4142135623730951d0"),
        (1.0e23, "1.0d23"),
        (100.0, "100.0d0"),
        (123456789012.0, "1.23456789012d11"),
        (1.0e300, "1.0d300"),
    ] {
        assert_eq!(prin1_to_string(&Value::Double(x)), sbcl, "{x:e}");
    }
}

/// SBCL with `*read-default-float-format*` bound to `double-float`:
/// `(1.5f0 1.5 1.5f0 1.0f10 1.0e10)`.
#[test]
fn floats_follow_read_default_float_format() {
    let cell = package::cl_sym("*READ-DEFAULT-FLOAT-FORMAT*");
    *cell.value.borrow_mut() = Some(Value::Symbol(package::cl_sym("DOUBLE-FLOAT")));
    let v = Value::list([
        Value::Single(1.5),
        Value::Double(1.5),
        Value::Single(1.0e10),
        Value::Double(1.0e10),
    ]);
    assert_eq!(prin1_to_string(&v), "(1.5f0 1.5 1.0f10 1.0e10)");
    *cell.value.borrow_mut() = None;
}

#[test]
fn float_infinities_and_nan() {
    assert_eq!(
        prin1_to_string(&Value::Single(f32::INFINITY)),
        "#.SB-EXT:SINGLE-FLOAT-POSITIVE-INFINITY"
    );
    assert_eq!(
        prin1_to_string(&Value::Double(f64::NEG_INFINITY)),
        "#.SB-EXT:DOUBLE-FLOAT-NEGATIVE-INFINITY"
    );
    assert_eq!(
        prin1_to_string(&Value::Double(f64::NAN)),
        "#<DOUBLE-FLOAT quiet NaN>"
    );
}

#[test]
fn integers_and_ratios() {
    let big = BigInt::from(2u8).pow(64);
    assert_eq!(prin1_to_string(&Value::Fixnum(42)), "42");
    assert_eq!(prin1_to_string(&Value::Fixnum(-5)), "-5");
    assert_eq!(
        prin1_to_string(&Value::Fixnum(i64::MIN)),
        "-9223372036854775808"
    );
    assert_eq!(
        prin1_to_string(&Value::integer(big.clone())),
        "18446744073709551616"
    );
    assert_eq!(
        prin1_to_string(&Value::integer(-big)),
        "-18446744073709551616"
    );
    assert_eq!(prin1_to_string(&read("1/2")), "1/2");
    assert_eq!(prin1_to_string(&read("-3/4")), "-3/4");
}

/// SBCL: `(let ((*print-base* 16)) ...)` → `(FF 1/2 -A 400000000000000000 1.5)`;
/// with `*print-radix*`: `(#xFF #x1/2 #x-A)`, base 10 `(255. #10r1/2 -10.)`,
/// base 2 `(#b101 #b1/10)`, base 36 `(#36rZ #36r1/2)`.
#[test]
fn print_base_and_radix() {
    let opts = |base, radix| PrintOptions {
        base,
        radix,
        ..PrintOptions::default()
    };
    let w = |src: &str, o: &PrintOptions| write_to_string(&read(src), o);
    assert_eq!(
        w("(255 1/2 -10 1180591620717411303424 1.5)", &opts(16, false)),
        "(FF 1/2 -A 400000000000000000 1.5)"
    );
    assert_eq!(w("(255 1/2 -10)", &opts(16, true)), "(#xFF #x1/2 #x-A)");
    assert_eq!(w("(255 1/2 -10)", &opts(10, true)), "(255. #10r1/2 -10.)");
    assert_eq!(w("(5 1/2)", &opts(2, true)), "(#b101 #b1/10)");
    assert_eq!(w("(8 1/2)", &opts(8, true)), "(#o10 #o1/2)");
    assert_eq!(w("(35 1/2)", &opts(36, true)), "(#36rZ #36r1/2)");
    // Symbols that would read as numbers in the base are escaped.
    assert_eq!(
        w("(a f g ab abg |1A|)", &opts(16, false)),
        "(|A| |F| G |AB| |ABG| |1A|)"
    );
    assert_eq!(
        w("(a z |1A| foo a1)", &opts(36, false)),
        "(|A| |Z| |1A| |FOO| |A1|)"
    );
}

/// SBCL: `(prin1 (intern "..."))` for each name.
#[test]
fn symbol_escaping_as_sbcl() {
    for (name, sbcl) in [
        ("FOO", "FOO"),
        ("1A", "|1A|"),
        ("1+", "1+"),
        ("1-", "1-"),
        ("a", "|a|"),
        ("", "||"),
        (".", "|.|"),
        ("..", "|..|"),
        ("1.2.3", "|1.2.3|"),
        ("A B", "|A B|"),
        ("A|B", "|A\\|B|"),
        ("A\\B", "|A\\\\B|"),
        ("123", "|123|"),
        ("+", "+"),
        ("-", "-"),
        ("1E5", "|1E5|"),
        ("1/2", "|1/2|"),
        ("A:B", "|A:B|"),
        ("#A", "|#A|"),
        ("A#", "|A#|"),
        ("+1", "|+1|"),
        (".5", "|.5|"),
        ("FOO.", "FOO."),
        ("A,B", "|A,B|"),
        ("ß", "ß"),
        ("É", "É"),
        ("é", "|é|"),
        ("a(", "|a(|"),
        ("1.", "|1.|"),
        ("-.5", "|-.5|"),
        ("1E", "|1E|"),
        ("1D5", "|1D5|"),
        ("+.", "+."),
        ("^A", "^A"),
        ("1^2", "|1^2|"),
        ("_1", "|_1|"),
        ("1_", "|1_|"),
        ("12A", "|12A|"),
        ("A1", "A1"),
        ("12AB", "12AB"),
        ("1AB", "1AB"),
        ("1E+", "1E+"),
        ("1-2", "|1-2|"),
        ("A.B", "A.B"),
        ("1/", "|1/|"),
        ("/", "/"),
        ("1//2", "|1//2|"),
        ("@A", "@A"),
        ("A@", "A@"),
        ("!", "!"),
        ("{}", "{}"),
        ("*X*", "*X*"),
        ("A;B", "|A;B|"),
        ("\t", "|\t|"),
    ] {
        assert_eq!(prin1_to_string(&sym(name)), sbcl, "name {name:?}");
        assert_eq!(princ_to_string(&sym(name)), name, "princ {name:?}");
    }
}

/// SBCL: `(#:FOO :KEY :|x| SB-KERNEL:OUTPUT-OBJECT #:Q CAR :|1| :||)` and
/// `(:FOO #:|| || :NIL NIL T)`.
#[test]
fn symbol_packages() {
    let cl_car = Value::Symbol(package::cl_sym("CAR"));
    let uninterned = Value::Symbol(Rc::new(Symbol::new("FOO")));
    let empty_uninterned = Value::Symbol(Rc::new(Symbol::new("")));
    let kw = |n: &str| Value::Symbol(package::keyword(n));
    let v = Value::list([
        uninterned,
        kw("KEY"),
        kw("x"),
        cl_car,
        kw("1"),
        kw(""),
        empty_uninterned,
        kw("NIL"),
        Value::Nil,
        package::t(),
    ]);
    assert_eq!(
        prin1_to_string(&v),
        "(#:FOO :KEY :|x| CAR :|1| :|| #:|| :NIL NIL T)"
    );
    assert_eq!(princ_to_string(&v), "(FOO KEY x CAR 1   NIL NIL T)");
    let sl = package::find_package("SENDLETTER").expect("SENDLETTER");
    let internal = package::intern_in("HELPER", &sl);
    let external = package::intern_external("SEND-IT", &sl);
    assert_eq!(
        prin1_to_string(&Value::Symbol(internal.clone())),
        "SENDLETTER::HELPER"
    );
    assert_eq!(
        prin1_to_string(&Value::Symbol(external)),
        "SENDLETTER:SEND-IT"
    );
    assert_eq!(princ_to_string(&Value::Symbol(internal.clone())), "HELPER");
    package::set_current_package(sl);
    assert_eq!(prin1_to_string(&Value::Symbol(internal)), "HELPER");
    assert_eq!(prin1_to_string(&Value::Nil), "NIL");
    package::set_current_package(package::keyword_package());
    assert_eq!(prin1_to_string(&Value::Nil), "COMMON-LISP:NIL");
    package::set_current_package(package::user_package());
}

/// SBCL: `("a" #\a |x| :|k y| #(1 2) (1 #("s" #\b)) 1/2 -3/4 ...)` and princ
/// `(a a x k y #(1 2) 1.5d0 /x)`.
#[test]
fn strings_characters_vectors() {
    let v = read("(\"a\" #\\a |x| :|k y| #(1 2) (1 #(\"s\" #\\b)) \"q\\\"b\\\\s\")");
    assert_eq!(
        prin1_to_string(&v),
        "(\"a\" #\\a |x| :|k y| #(1 2) (1 #(\"s\" #\\b)) \"q\\\"b\\\\s\")"
    );
    assert_eq!(princ_to_string(&v), "(a a x k y #(1 2) (1 #(s b)) q\"b\\s)");
    assert_eq!(princ_to_string(&read("(1.5d0 #p\"/x\")")), "(1.5d0 /x)");
    assert_eq!(prin1_to_string(&Value::vector(vec![])), "#()");
    assert_eq!(prin1_to_string(&Value::string("")), "\"\"");
}

/// SBCL: `#\a #\  #\Newline #\Tab #\Return #\Page #\Backspace #\Rubout
/// #\Nul #\Soh #\Bel #\Esc #\Us #\Vt #\So #\Dle #\Dc1 #\( #\\ #\|`.
#[test]
fn character_names_as_sbcl() {
    for (c, sbcl) in [
        ('a', "#\\a"),
        ('A', "#\\A"),
        (' ', "#\\ "),
        ('\n', "#\\Newline"),
        ('\t', "#\\Tab"),
        ('\r', "#\\Return"),
        ('\x0c', "#\\Page"),
        ('\x08', "#\\Backspace"),
        ('\x7f', "#\\Rubout"),
        ('\0', "#\\Nul"),
        ('\x01', "#\\Soh"),
        ('\x07', "#\\Bel"),
        ('\x1b', "#\\Esc"),
        ('\x1f', "#\\Us"),
        ('\x0b', "#\\Vt"),
        ('\x0e', "#\\So"),
        ('\x10', "#\\Dle"),
        ('\x11', "#\\Dc1"),
        ('(', "#\\("),
        ('\\', "#\\\\"),
        ('|', "#\\|"),
        // Documented difference: SBCL prints #\LATIN_SMALL_LETTER_E_WITH_ACUTE
        // and #\Next-Line.
        ('é', "#\\é"),
        ('\u{85}', "#\\U+85"),
    ] {
        assert_eq!(prin1_to_string(&Value::Char(c)), sbcl);
        assert_eq!(princ_to_string(&Value::Char(c)), c.to_string());
        assert_eq!(prin1_to_string(&read(sbcl)), sbcl, "reads back");
    }
}

/// SBCL: `('X #'F `(A ,B ,@C) (QUOTE X Y) (FUNCTION))`,
/// `((QUOTE) (QUOTE A . B) (FUNCTION F G) (A QUOTE B))`,
/// `` `(A `(B ,,C)) ``, `` `#(1 ,X) ``, `` (`(A . ,B) `,X) ``.
#[test]
fn reader_macro_forms() {
    for (src, sbcl) in [
        ("(quote x)", "'X"),
        ("(function f)", "#'F"),
        ("`(a ,b ,@c)", "`(A ,B ,@C)"),
        ("(quote x y)", "(QUOTE X Y)"),
        ("(function)", "(FUNCTION)"),
        ("(quote)", "(QUOTE)"),
        ("(quote a . b)", "(QUOTE A . B)"),
        ("(a . 'b)", "(A QUOTE B)"),
        ("`(a `(b ,,c))", "`(A `(B ,,C))"),
        ("`#(1 ,x)", "`#(1 ,X)"),
        ("`(a . ,b)", "`(A . ,B)"),
        ("`,x", "`,X"),
        ("(a 'b #'c)", "(A 'B #'C)"),
    ] {
        assert_eq!(prin1_to_string(&read(src)), sbcl, "{src}");
    }
    assert_eq!(princ_to_string(&read("'x")), "'X");
}

#[test]
fn conses() {
    assert_eq!(prin1_to_string(&read("(1 2 . 3)")), "(1 2 . 3)");
    assert_eq!(prin1_to_string(&read("(1 (2 (3)) nil)")), "(1 (2 (3)) NIL)");
    assert_eq!(prin1_to_string(&read("(nil . nil)")), "(NIL)");
}

/// SBCL: `#P"/tmp/x.lisp"`, `#<PACKAGE "COMMON-LISP-USER">`,
/// `#<HASH-TABLE :TEST EQUAL :COUNT 0 {1001430C13}>` (no address here).
#[test]
fn unreadable_objects() {
    let p = Value::Pathname(Rc::new(Pathname::parse("/tmp/x.lisp")));
    assert_eq!(prin1_to_string(&p), "#P\"/tmp/x.lisp\"");
    assert_eq!(princ_to_string(&p), "/tmp/x.lisp");
    let pkg = Value::Package(package::user_package());
    assert_eq!(prin1_to_string(&pkg), "#<PACKAGE \"COMMON-LISP-USER\">");
    let h = Value::HashTable(Rc::new(HashTable::new(HashTest::Equal)));
    assert_eq!(prin1_to_string(&h), "#<HASH-TABLE :TEST EQUAL :COUNT 0>");
    let b = Value::Bytes(Rc::new(RefCell::new(vec![1, 2, 255])));
    assert_eq!(prin1_to_string(&b), "#(1 2 255)");

    struct Part;
    impl HostObject for Part {
        fn type_name(&self) -> &str {
            "MIME-PART-CONSTRUCTED"
        }
        fn describe(&self) -> String {
            "text/plain".into()
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }
    assert_eq!(
        prin1_to_string(&Value::Object(Rc::new(Box::new(Part)))),
        "#<MIME-PART-CONSTRUCTED text/plain>"
    );
}

fn class(name: &str, slots: &[&str], is_condition: bool) -> Rc<StructClass> {
    Rc::new(StructClass {
        name: package::intern_in(name, &package::user_package()),
        parent: None,
        slots: slots
            .iter()
            .map(|s| SlotDef {
                name: package::intern_in(s, &package::user_package()),
                initform: Value::Nil,
                initargs: vec![],
                readers: vec![],
                has_initform: false,
            })
            .collect(),
        mixins: vec![],
        is_condition,
        report: RefCell::new(None),
        conc_name: String::new(),
    })
}

/// SBCL: `#S(POINT :X 1 :Y "a")`.
#[test]
fn structures_and_conditions() {
    let point = Value::Struct(Rc::new(StructObj {
        class: class("POINT", &["X", "Y"], false),
        slots: RefCell::new(vec![Value::Fixnum(1), Value::string("a")]),
    }));
    assert_eq!(prin1_to_string(&point), "#S(POINT :X 1 :Y \"a\")");
    assert_eq!(princ_to_string(&point), "#S(POINT :X 1 :Y a)");
    let cond = Value::Struct(Rc::new(StructObj {
        class: class("MY-ERROR", &["TEXT"], true),
        slots: RefCell::new(vec![Value::string("x")]),
    }));
    assert_eq!(prin1_to_string(&cond), "#<MY-ERROR>");
}

#[test]
fn circular_structure_terminates() {
    let l = read("(1 2 3)");
    if let Value::Cons(c) = l.cdr().cdr() {
        *c.cdr.borrow_mut() = l.clone();
    }
    // The cycle check stops where tortoise and hare meet, within one more
    // round of the cycle.
    assert_eq!(prin1_to_string(&l), "(1 2 3 1 ...)");
    let l = read("(1)");
    if let Value::Cons(c) = &l {
        *c.car.borrow_mut() = l.clone();
    }
    assert_eq!(prin1_to_string(&l), "(...)");
    let v = read("#(1 2)");
    if let Value::Vector(items) = &v {
        items.borrow_mut()[1] = v.clone();
    }
    assert_eq!(prin1_to_string(&v), "#(1 ...)");
    // Shared (not circular) structure prints in full.
    let shared = read("(a)");
    let both = Value::list([shared.clone(), shared]);
    assert_eq!(prin1_to_string(&both), "((A) (A))");
    // Break the cycles so the test does not leak.
    if let Value::Cons(c) = &l {
        *c.car.borrow_mut() = Value::Nil;
    }
    if let Value::Vector(items) = &v {
        items.borrow_mut().clear();
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let mut v = Value::Nil;
    for _ in 0..100_000 {
        v = Value::list([v]);
    }
    let s = prin1_to_string(&v);
    assert_eq!(s.len(), 100_000 * 2 + 3);
    // Unnest before dropping: dropping nests through cars recursively.
    let mut cur = v;
    while let Value::Cons(c) = cur {
        let next = c.car.replace(Value::Nil);
        cur = next;
    }
}

//! Reader table tests, one group per section of the reader checklist
//! (`reader-checklist.md` 6.1-6.8). Each row is an input and what reading
//! its first form gives: the printed form (`prin1`), or `!Kind line:col`
//! for an error.

use sendletter::eval::package;
use sendletter::eval::Value;
use sendletter::printer::prin1_to_string;
use sendletter::reader::{CallbackError, NoEval, ReadContext, ReadError, ReadErrorKind, Reader};

/// Evaluates `#.` forms of the shape `(+ a b)` only: enough to test the
/// reader's side of `#.`.
struct AddEval;

impl ReadContext for AddEval {
    fn eval(&mut self, form: Value) -> Result<Value, CallbackError> {
        let message = |m: &str| CallbackError::Message(m.to_string());
        let items = form.list_to_vec().ok_or(message("not a list"))?;
        let sum = items[1..]
            .iter()
            .map(|v| match v {
                Value::Fixnum(n) => Ok(*n),
                _ => Err(message("not a number")),
            })
            .sum::<Result<i64, CallbackError>>()?;
        Ok(Value::Fixnum(sum))
    }
}

fn describe(r: Result<Option<Value>, ReadError>) -> String {
    match r {
        Ok(Some(v)) => prin1_to_string(&v),
        Ok(None) => "<eof>".to_string(),
        Err(e) => format!("!{:?} {}:{}", e.kind, e.line, e.column),
    }
}

fn read1(src: &str) -> String {
    describe(Reader::new(src, None).read(&mut AddEval))
}

fn check(rows: &[(&str, &str)]) {
    // The standard symbols the rows use, as the evaluator defines them.
    for name in ["CAR", "LAMBDA"] {
        package::cl_sym(name);
    }
    let mut failures = Vec::new();
    for (src, want) in rows {
        let got = read1(src);
        if &got != want {
            failures.push(format!("{src:?}: got {got}, want {want}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn set_global(name: &str, v: Value) {
    *package::cl_sym(name).value.borrow_mut() = Some(v);
}

#[test]
fn character_syntax_6_1() {
    check(&[
        ("  \t\r\x0c\nfoo", "FOO"),
        ("foo(bar)", "FOO"),
        ("foo'bar", "FOO"),
        ("foo;bar", "FOO"),
        ("foo\"bar\"", "FOO"),
        ("foo`bar", "FOO"),
        ("a#b", "|A#B|"),
        ("1#||#2", "|1##2|"),
        ("\\foo", "|fOO|"),
        ("\\(", "|(|"),
        ("|a b(c|", "|a b(c|"),
        ("|a\\|b|", "|a\\|b|"),
        ("[a]{b}!?$%&*+-<=>@^_~", "[A]{B}!?$%&*+-<=>@^_~"),
        ("a\x08b", "!Syntax 1:2"),
        ("a\x7fb", "!Syntax 1:2"),
        ("a\\\x7fb", "|A\x7fB|"),
    ]);
}

#[test]
fn tokens_to_numbers_6_2() {
    check(&[
        ("42", "42"),
        ("-7", "-7"),
        ("+5", "5"),
        ("1.", "1"),
        ("-12.", "-12"),
        ("2/4", "1/2"),
        ("4/2", "2"),
        ("-6/4", "-3/2"),
        ("1/0", "!Syntax 1:1"),
        (".5", "0.5"),
        ("-.5", "-0.5"),
        ("1.5", "1.5"),
        ("1e3", "1000.0"),
        ("1.5d0", "1.5d0"),
        ("1.5D0", "1.5d0"),
        ("1.5f0", "1.5"),
        ("1.5s0", "1.5"),
        ("1.5l0", "1.5d0"),
        ("6.02E23", "6.02e23"),
        ("1e39", "!Syntax 1:1"),
        ("1d39", "1.0d39"),
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
        ("-9223372036854775809", "-9223372036854775809"),
        ("+", "+"),
        ("-", "-"),
        ("1+", "1+"),
        ("1-", "1-"),
        ("...x", "...X"),
        ("a.b", "A.B"),
        (".b", ".B"),
        ("1a", "|1A|"),
        ("1.2.3", "|1.2.3|"),
        ("123||", "|123|"),
        ("123\\4", "|1234|"),
    ]);
}

#[test]
fn read_base_6_2() {
    set_global("*READ-BASE*", Value::Fixnum(16));
    check(&[
        ("ff", "255"),
        ("10.", "10"),
        ("1.5", "1.5"),
        ("g", "G"),
        ("1/a", "1/10"),
    ]);
    set_global("*READ-BASE*", Value::Fixnum(10));
}

#[test]
fn read_default_float_format_6_2() {
    set_global(
        "*READ-DEFAULT-FLOAT-FORMAT*",
        Value::Symbol(package::cl_sym("DOUBLE-FLOAT")),
    );
    check(&[("1.5", "1.5"), ("1.5f0", "1.5f0"), ("1.5d0", "1.5")]);
    let v = Reader::new("0.1", None).read(&mut NoEval);
    assert!(matches!(v, Ok(Some(Value::Double(_)))));
    set_global(
        "*READ-DEFAULT-FLOAT-FORMAT*",
        Value::Symbol(package::cl_sym("SINGLE-FLOAT")),
    );
    let v = Reader::new("0.1", None).read(&mut NoEval);
    assert!(matches!(v, Ok(Some(Value::Single(_)))));
}

#[test]
fn symbols_packages_case_6_3() {
    check(&[
        ("foo", "FOO"),
        ("Foo", "FOO"),
        ("FOO", "FOO"),
        ("|Foo|", "|Foo|"),
        ("F\\oo", "|FoO|"),
        ("a|b|c", "|AbC|"),
        ("||", "||"),
        (":foo", ":FOO"),
        (":|a b|", ":|a b|"),
        ("keyword:foo", ":FOO"),
        ("cl:car", "CAR"),
        ("common-lisp:car", "CAR"),
        ("cl::car", "CAR"),
        ("cl-user::x", "X"),
        ("cl:no-such-symbol-here", "!Package 1:1"),
        ("no-such-package:x", "!Package 1:1"),
        ("no-such-package::x", "!Package 1:1"),
        ("cl-user:car", "!Package 1:1"),
        ("#:foo", "#:FOO"),
        ("#:|foo|", "#:|foo|"),
        ("#:a:b", "!Syntax 1:3"),
        ("::a", "!Syntax 1:1"),
        ("a:", "!Syntax 1:1"),
        ("a::", "!Syntax 1:1"),
        ("a:b:c", "!Syntax 1:1"),
        ("a:::b", "!Syntax 1:1"),
        (":1", "!Syntax 1:1"),
        ("cl:123", "!Syntax 1:1"),
        ("|a:b|", "|a:b|"),
        ("a\\:b", "|A:B|"),
        ("sendletter::foo", "SENDLETTER::FOO"),
    ]);
}

#[test]
fn external_symbol_of_another_package_6_3() {
    let pkg = package::find_package("SENDLETTER").expect("SENDLETTER package");
    let sym = package::intern_in("SEND-IT", &pkg);
    package::export(&sym, &pkg);
    check(&[
        ("sendletter:send-it", "SENDLETTER:SEND-IT"),
        ("sendletter::send-it", "SENDLETTER:SEND-IT"),
    ]);
}

#[test]
fn uninterned_symbols_are_fresh_6_3() {
    let mut r = Reader::new("#:g #:g", None);
    let a = r.read(&mut NoEval).ok().flatten();
    let b = r.read(&mut NoEval).ok().flatten();
    match (a, b) {
        (Some(a), Some(b)) => assert!(!a.eq(&b)),
        other => panic!("expected two symbols, got {other:?}"),
    }
}

#[test]
fn dots_6_4() {
    check(&[
        ("(a . b)", "(A . B)"),
        ("(a b . c)", "(A B . C)"),
        ("(a . (b c))", "(A B C)"),
        ("(a b . (c))", "(A B C)"),
        ("(a . ;c\n b)", "(A . B)"),
        ("(a . #|c|# b)", "(A . B)"),
        ("(a . b #|c|#)", "(A . B)"),
        ("(a . #+(or) x b)", "(A . B)"),
        (".", "!Syntax 1:1"),
        ("..", "!Syntax 1:1"),
        ("...", "!Syntax 1:1"),
        ("(1 ..)", "!Syntax 1:4"),
        ("(1 .. 2)", "!Syntax 1:4"),
        ("( . 1)", "!Syntax 1:3"),
        ("(a . )", "!Syntax 1:6"),
        ("(a .)", "!Syntax 1:5"),
        ("(a . b c)", "!Syntax 1:8"),
        ("(a . b . c)", "!Syntax 1:8"),
        ("#(1 . 2)", "!Syntax 1:5"),
        ("\\.", "|.|"),
        (".||", "|.|"),
        (".\\.", "|..|"),
        ("(1 .5)", "(1 0.5)"),
        ("(a .b)", "(A .B)"),
        ("#+(or) (a . b c . d)", "<eof>"),
        ("#+(or) (. .. ...) 1", "1"),
    ]);
}

#[test]
fn macro_characters_6_5() {
    check(&[
        ("(a b c)", "(A B C)"),
        ("()", "NIL"),
        ("( )", "NIL"),
        ("(a (b (c)) d)", "(A (B (C)) D)"),
        (")", "!Syntax 1:1"),
        ("  )", "!Syntax 1:3"),
        ("'x", "'X"),
        ("'(a b)", "'(A B)"),
        ("''x", "''X"),
        ("; comment\n;;; more\n  x ; end", "X"),
        ("\"abc\"", "\"abc\""),
        ("\"a\\\"b\"", "\"a\\\"b\""),
        ("\"a\\\\b\"", "\"a\\\\b\""),
        ("\"a\\nb\"", "\"anb\""),
        ("\"a\nb|c\"", "\"a\nb|c\""),
        ("`x", "`X"),
        ("`(a ,b ,@c)", "`(A ,B ,@C)"),
        ("`(a ,.b)", "`(A ,@B)"),
        ("`(a `(b ,,c))", "`(A `(B ,,C))"),
        ("`#(1 ,x)", "`#(1 ,X)"),
        ("`(a . ,b)", "`(A . ,B)"),
        ("`,x", "`,X"),
        (",x", "!Syntax 1:1"),
        (",1", "!Syntax 1:1"),
        ("(a ,b)", "!Syntax 1:4"),
        ("`(a ,,b)", "!Syntax 1:6"),
        ("`,@x", "!Syntax 1:1"),
        ("`(a . ,@x)", "!Syntax 1:7"),
    ]);
}

#[test]
fn quote_and_backquote_representation_6_5() {
    let show_raw = |src: &str| {
        let v = Reader::new(src, None).read(&mut NoEval).ok().flatten();
        let v = v.map(|v| (v.car(), v.cdr().car()));
        v.map(|(op, arg)| {
            let s = op.as_symbol().expect("operator symbol");
            let home = s.package.borrow().as_ref().map(|p| p.name.clone());
            (home, s.name.clone(), prin1_to_string(&arg))
        })
    };
    let sym = |p: &str, n: &str, a: &str| Some((Some(p.to_string()), n.to_string(), a.to_string()));
    assert_eq!(show_raw("'x"), sym("COMMON-LISP", "QUOTE", "X"));
    assert_eq!(show_raw("#'f"), sym("COMMON-LISP", "FUNCTION", "F"));
    assert_eq!(show_raw("`x"), sym("SENDLETTER", "QUASIQUOTE", "X"));
    assert_eq!(show_raw("`(,x)"), sym("SENDLETTER", "QUASIQUOTE", "(,X)"));
}

#[test]
fn sharpsign_6_6() {
    check(&[
        ("#\\a", "#\\a"),
        ("#\\A", "#\\A"),
        ("#\\Space", "#\\ "),
        ("#\\space", "#\\ "),
        ("#\\SPACE", "#\\ "),
        ("#\\Newline", "#\\Newline"),
        ("#\\newline", "#\\Newline"),
        ("#\\Linefeed", "#\\Newline"),
        ("#\\Tab", "#\\Tab"),
        ("#\\Return", "#\\Return"),
        ("#\\Page", "#\\Page"),
        ("#\\Backspace", "#\\Backspace"),
        ("#\\Rubout", "#\\Rubout"),
        ("#\\Null", "#\\Nul"),
        ("#\\Nul", "#\\Nul"),
        ("#\\Escape", "#\\Esc"),
        ("#\\Bell", "#\\Bel"),
        ("#\\U+41", "#\\A"),
        ("#\\u41", "#\\A"),
        ("#\\(", "#\\("),
        ("#\\)", "#\\)"),
        ("#\\;", "#\\;"),
        ("#\\\"", "#\\\""),
        ("#\\ ", "#\\ "),
        ("#\\a)", "#\\a"),
        ("#\\\\", "#\\\\"),
        ("#\\foo", "!Syntax 1:1"),
        ("#\\", "!EndOfFile 1:1"),
        ("#'f", "#'F"),
        ("#'(lambda (x) x)", "#'(LAMBDA (X) X)"),
        ("#(a b c)", "#(A B C)"),
        ("#()", "#()"),
        ("#(1 #(2) \"s\")", "#(1 #(2) \"s\")"),
        ("#3(a b)", "#(A B B)"),
        ("#2(a b c)", "!Syntax 1:1"),
        ("#| a #| b |# c |# 1", "1"),
        ("x#| c |#", "|X# c #|"),
        ("#|x|#y", "Y"),
        ("#| a #| b |# c", "!EndOfFile 1:1"),
        ("#+sendletter 1 2", "1"),
        ("#-sendletter 1 2", "2"),
        ("#+SENDLETTER 1 2", "1"),
        ("#+:allegro 1 2", "1"),
        ("#+sbcl 1 2", "2"),
        ("#+(or) (no-such-pkg:x 1/0 ..) 3", "3"),
        ("#+(and) 7", "7"),
        ("#-(or) 7", "7"),
        ("#+(not sbcl) 1 2", "1"),
        ("#+(and unix (or sbcl allegro)) 1 2", "1"),
        ("#+nil 1 2", "2"),
        ("#+a #+b x y z", "Z"),
        ("#+unix #+b x y z", "Y"),
        ("(a #+(or) b)", "(A)"),
        ("(#+(or) a)", "NIL"),
        ("#+(or) #.(error) 1", "1"),
        ("#+(or) #\\no-such-name 1", "1"),
        ("#+(or) (#s(x) #*101 #c(1 2) #2a((1)) #1=x #1#) 1", "1"),
        ("#+(or)", "!EndOfFile 1:1"),
        ("#+(bogus x) 1", "!Syntax 1:1"),
        ("#.(+ 1 2)", "3"),
        ("#p\"/tmp/x\"", "#P\"/tmp/x\""),
        ("#P\"/tmp/x.lisp\"", "#P\"/tmp/x.lisp\""),
        ("#p 1", "!Syntax 1:1"),
        ("#xFF", "255"),
        ("#XfF", "255"),
        ("#x-1/1c", "-1/28"),
        ("#b101", "5"),
        ("#b-101", "-5"),
        ("#o17", "15"),
        ("#3r12", "5"),
        ("#36rZZ", "1295"),
        ("#x", "!Syntax 1:1"),
        ("#xg", "!Syntax 1:1"),
        ("#b2", "!Syntax 1:1"),
        ("#r1", "!Syntax 1:1"),
        ("#37r1", "!Syntax 1:1"),
        ("#x1/0", "!Syntax 1:1"),
        ("#*0101", "#*0101"),
        ("#*", "#*"),
        ("#3*1", "#*111"),
        ("#*012", "!Syntax 1:3"),
        ("#c(1 2)", "#C(1 2)"),
        ("#c(1 0)", "1"),
        ("#c(1)", "!Syntax 1:1"),
        ("#2a((1 2) (3 4))", "#2A((1 2) (3 4))"),
        ("#0a5", "#0A5"),
        ("#2a((1 2) (3))", "!Syntax 1:1"),
        ("#s(point x 1)", "!Syntax 1:1"),
        ("#1=(a . #1#)", "!Syntax 1:1"),
        ("#<foo>", "!Syntax 1:1"),
        ("# x", "!Syntax 1:1"),
        ("#)", "!Syntax 1:1"),
        ("#!", "!Syntax 1:1"),
        ("#?", "!Syntax 1:1"),
        ("#[", "!Syntax 1:1"),
        ("#{", "!Syntax 1:1"),
        ("#", "!EndOfFile 1:1"),
    ]);
}

#[test]
fn features_variable_is_consulted_6_6() {
    set_global(
        "*FEATURES*",
        Value::list([Value::Symbol(package::keyword("SBCL"))]),
    );
    check(&[("#+sbcl 1 2", "1"), ("#+sendletter 1 2", "2")]);
    *package::cl_sym("*FEATURES*").value.borrow_mut() = None;
    check(&[("#+sbcl 1 2", "2"), ("#+sendletter 1 2", "1")]);
}

#[test]
fn read_eval_false_6_6() {
    set_global("*READ-EVAL*", Value::Nil);
    check(&[
        ("#.(+ 1 2)", "!Syntax 1:1"),
        ("#p\"/tmp/x\"", "#P\"/tmp/x\""),
        ("#+(or) #.(+ 1 2) 4", "4"),
    ]);
    set_global("*READ-EVAL*", package::t());
    check(&[("#.(+ 1 2)", "3")]);
}

#[test]
fn sharp_dot_without_evaluator_6_6() {
    let err = Reader::new("#.(+ 1 2)", None).read(&mut NoEval);
    let err = err.expect_err("reader error");
    assert_eq!(err.kind, ReadErrorKind::Syntax);
    assert!(err.message.contains("not available"), "{}", err.message);
}

#[test]
fn end_of_input_6_7() {
    check(&[
        ("", "<eof>"),
        ("   ; only a comment", "<eof>"),
        ("#| only a comment |#", "<eof>"),
        ("#+(or) skipped", "<eof>"),
        ("(a b", "!EndOfFile 1:1"),
        ("(a (b", "!EndOfFile 1:4"),
        ("x (a\n  (b c)\n", "X"),
        ("\"abc", "!EndOfFile 1:1"),
        ("#| ...", "!EndOfFile 1:1"),
        ("'", "!EndOfFile 1:1"),
        ("#'", "!EndOfFile 1:1"),
        ("#(", "!EndOfFile 1:1"),
        ("`", "!EndOfFile 1:1"),
        ("`(a ,", "!EndOfFile 1:5"),
        ("#\\", "!EndOfFile 1:1"),
        ("|abc", "!EndOfFile 1:1"),
        ("abc\\", "!EndOfFile 1:4"),
        ("(a . ", "!EndOfFile 1:1"),
        ("\n\n  (defun f ()\n    (list 1", "!EndOfFile 4:5"),
    ]);
}

#[test]
fn eof_message_names_the_opener_6_7() {
    let e = Reader::new("\n  (a b", Some("mail.lisp"))
        .read(&mut NoEval)
        .expect_err("end of file");
    assert_eq!(e.kind, ReadErrorKind::EndOfFile);
    assert_eq!((e.line, e.column), (2, 3));
    assert_eq!(
        e.to_string(),
        "mail.lisp:2:3: end of file inside a list opened at line 2, column 3"
    );
    let e = Reader::new("\"abc", None)
        .read(&mut NoEval)
        .expect_err("eof");
    assert_eq!(
        e.to_string(),
        "1:1: end of file inside a string opened at line 1, column 1"
    );
}

#[test]
fn reads_one_form_at_a_time_6_7() {
    // The second form is interned in the package current when it is read.
    let mut r = Reader::new("(a)\n  foo\n\"s\" bar", Some("f.lisp"));
    let mut forms = Vec::new();
    loop {
        match r.read(&mut NoEval) {
            Ok(Some(v)) => forms.push((v, r.form_start(), r.offset())),
            Ok(None) => break,
            Err(e) => panic!("{e}"),
        }
        if forms.len() == 1 {
            package::set_current_package(package::find_package("SENDLETTER").expect("package"));
        }
    }
    package::set_current_package(package::user_package());
    let forms: Vec<_> = forms
        .into_iter()
        .map(|(v, s, o)| (prin1_to_string(&v), s, o))
        .collect();
    assert_eq!(
        forms,
        vec![
            ("(A)".to_string(), (1, 1), 3),
            ("SENDLETTER::FOO".to_string(), (2, 3), 10),
            ("\"s\"".to_string(), (3, 1), 13),
            ("SENDLETTER::BAR".to_string(), (3, 5), 17),
        ]
    );
}

#[test]
fn position_columns_count_characters() {
    let e = Reader::new("\"é\" )", None).read(&mut NoEval);
    assert!(e.is_ok());
    let mut r = Reader::new("\"é\" )", None);
    let _ = r.read(&mut NoEval);
    let e = r.read(&mut NoEval).expect_err("unmatched paren");
    assert_eq!((e.line, e.column), (1, 5));
}

/// The reader recurses once per nesting level and stops at `MAX_DEPTH`;
/// that fits the 8 MB main-thread stack even in debug builds (the default
/// test thread has only 2 MB, so this test makes an 8 MB one).
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let run = || {
        let src = format!("{}{}", "(".repeat(10_000), ")".repeat(10_000));
        let e = Reader::new(&src, None)
            .read(&mut NoEval)
            .expect_err("too deep");
        assert_eq!(e.kind, ReadErrorKind::Syntax);
        assert!(e.message.contains("nesting too deep"), "{}", e.message);
        let src = "'".repeat(10_000) + "x";
        assert!(Reader::new(&src, None).read(&mut NoEval).is_err());
        let src = "#(".repeat(10_000);
        assert!(Reader::new(&src, None).read(&mut NoEval).is_err());
        let n = sendletter::reader::MAX_DEPTH - 1;
        let ok = format!("{}{}", "(".repeat(n), ")".repeat(n));
        assert!(Reader::new(&ok, None).read(&mut NoEval).is_ok());
    };
    let t = std::thread::Builder::new().stack_size(8 << 20).spawn(run);
    assert!(t.expect("spawn").join().is_ok());
}

#[test]
fn long_lists_read_and_drop() {
    let src = format!("({})", "1 ".repeat(200_000));
    let v = Reader::new(&src, None).read(&mut NoEval).ok().flatten();
    assert_eq!(
        v.and_then(|v| v.list_to_vec()).map(|v| v.len()),
        Some(200_000)
    );
}

/// 6.8: the quick conformance table, row by row.
#[test]
fn quick_conformance_table_6_8() {
    check(&[
        ("foo", "FOO"),
        ("Foo", "FOO"),
        ("\\foo", "|fOO|"),
        ("|foo|", "|foo|"),
        (":key", ":KEY"),
        ("cl:car", "CAR"),
        ("cl-user::x", "X"),
        ("1.", "1"),
        (".5", "0.5"),
        ("1/2", "1/2"),
        ("2/4", "1/2"),
        ("1e0", "1.0"),
        ("1+", "1+"),
        ("+", "+"),
        ("-5", "-5"),
        ("123||", "|123|"),
        ("(a . b)", "(A . B)"),
        ("(a b . (c))", "(A B C)"),
        (".", "!Syntax 1:1"),
        ("..", "!Syntax 1:1"),
        ("( . a)", "!Syntax 1:3"),
        ("(a . b c)", "!Syntax 1:8"),
        ("(a .)", "!Syntax 1:5"),
        ("#(1 . 2)", "!Syntax 1:5"),
        ("\\.", "|.|"),
        ("(1 .5)", "(1 0.5)"),
        ("\"a\\\"b\"", "\"a\\\"b\""),
        ("\"a\\nb\"", "\"anb\""),
        ("#\\a", "#\\a"),
        ("#\\Space", "#\\ "),
        ("#\\newline", "#\\Newline"),
        ("#\\(", "#\\("),
        ("'x", "'X"),
        ("#'f", "#'F"),
        ("`(a ,b ,@c)", "`(A ,B ,@C)"),
        (",x", "!Syntax 1:1"),
        ("#(1 2)", "#(1 2)"),
        ("#()", "#()"),
        ("#| a #| b |# c |# 1", "1"),
        ("1#||#2", "|1##2|"),
        ("#+(or) (x:y 1/0) 7", "7"),
        ("#-(or) 7", "7"),
        ("#+(and) 7", "7"),
        ("#.(+ 1 2)", "3"),
        ("#p\"/tmp/x\"", "#P\"/tmp/x\""),
        ("#xFF", "255"),
        ("#b-101", "-5"),
        ("#3r12", "5"),
        ("(a b", "!EndOfFile 1:1"),
        ("\"abc", "!EndOfFile 1:1"),
        ("#| …", "!EndOfFile 1:1"),
        ("'", "!EndOfFile 1:1"),
        (")", "!Syntax 1:1"),
        ("a:b:c", "!Syntax 1:1"),
        ("::a", "!Syntax 1:1"),
        ("a:", "!Syntax 1:1"),
    ]);
    // The table's finer points: the types behind the printed forms.
    let one = |src: &str| Reader::new(src, None).read(&mut AddEval).ok().flatten();
    assert!(matches!(one("\"a\\\"b\""), Some(Value::String(s)) if *s.borrow() == "a\"b"));
    assert!(matches!(one("\"a\\nb\""), Some(Value::String(s)) if *s.borrow() == "anb"));
    assert!(matches!(one("#\\Space"), Some(Value::Char(' '))));
    assert!(matches!(one("#\\newline"), Some(Value::Char('\n'))));
    assert!(matches!(one("#(1 2)"), Some(Value::Vector(v)) if v.borrow().len() == 2));
    assert!(matches!(one("#p\"/tmp/x\""), Some(Value::Pathname(_))));
    assert!(matches!(one(":key"), Some(Value::Symbol(s)) if s.is_keyword()));
    assert!(matches!(one("()"), Some(Value::Nil)));
    assert!(matches!(one("nil"), Some(Value::Nil)));
    assert!(matches!(one("1+"), Some(Value::Symbol(_))));
    set_global("*READ-EVAL*", Value::Nil);
    assert!(matches!(one("#p\"/tmp/x\""), Some(Value::Pathname(_))));
    set_global("*READ-EVAL*", package::t());
}

mod properties {
    use super::*;
    use num_bigint::BigInt;
    use proptest::prelude::*;

    fn atom() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i64>().prop_map(Value::Fixnum),
            any::<i128>().prop_map(|n| Value::integer(BigInt::from(n))),
            (any::<i32>(), 1..1000i32)
                .prop_map(|(n, d)| Value::ratio(n.into(), d.into()).unwrap_or(Value::Nil)),
            any::<f32>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::Single),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::Double),
            any::<char>().prop_map(Value::Char),
            ".{0,8}".prop_map(Value::string),
            "[a-zA-Z0-9+./:|\\\\ ()#;-]{0,6}"
                .prop_map(|n| package::sym_value(package::intern_in(&n, &package::user_package()))),
            "[a-z0-9.:]{0,6}".prop_map(|n| Value::Symbol(package::keyword(&n))),
            "[A-Z]{1,6}".prop_map(|n| Value::Symbol(std::rc::Rc::new(
                sendletter::eval::value::Symbol::new(&n)
            ))),
        ]
    }

    fn form() -> impl Strategy<Value = Value> {
        atom().prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::list),
                (prop::collection::vec(inner.clone(), 1..4), inner.clone())
                    .prop_map(|(items, tail)| Value::list_with_tail(items, tail)),
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::vector),
                inner.prop_map(|v| Value::list([Value::Symbol(package::cl_sym("QUOTE")), v])),
            ]
        })
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(src in ".{0,40}") {
            let mut r = Reader::new(&src, None);
            for _ in 0..50 {
                match r.read(&mut NoEval) {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }

        #[test]
        fn lisp_like_text_never_panics(src in "[()'`,@#|\\\\\";a-c1.:+ \n-]{0,40}") {
            let mut r = Reader::new(&src, None);
            for _ in 0..50 {
                match r.read(&mut NoEval) {
                    Ok(Some(_)) => {}
                    _ => break,
                }
            }
        }

        #[test]
        fn printed_forms_read_back(v in form()) {
            let printed = prin1_to_string(&v);
            let back = Reader::new(&printed, None).read(&mut NoEval);
            let reprinted = match back {
                Ok(Some(b)) => prin1_to_string(&b),
                other => format!("{other:?}"),
            };
            prop_assert_eq!(printed, reprinted);
        }
    }
}

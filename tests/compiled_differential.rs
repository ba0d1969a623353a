//! The analysed evaluator (`eval::compile` + `eval::exec`) against the
//! plain interpreter: random programs over the compiled special forms,
//! macros, closures, non-local exits and fixnum/bignum arithmetic must
//! give the same values (all of them) and the same errors either way.

use proptest::prelude::*;

/// Run `src` in a fresh interpreter on its own thread (the package
/// registry is per thread, so definitions never leak between runs).
fn run(src: String, analyse: bool) -> String {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut it = sendletter::toplevel::new_interp();
            it.set_stack_budget(128 << 20);
            it.analyse = analyse;
            match sendletter::toplevel::load_source(&mut it, &src, None) {
                Ok(v) => sendletter::printer::prin1_to_string(&v),
                Err(e) => format!("error: {}", e.describe()),
            }
        })
        .expect("spawn")
        .join()
        .unwrap_or_else(|_| "panicked".to_string())
}

const VARS: [&str; 3] = ["a", "b", "c"];

fn var() -> impl Strategy<Value = String> {
    prop::sample::select(&VARS[..]).prop_map(str::to_string)
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        (-5i64..20).prop_map(|n| n.to_string()),
        Just("4611686018427387903".to_string()),
        Just("9223372036854775807".to_string()),
        Just("-9223372036854775808".to_string()),
        Just("1/2".to_string()),
        Just("2.5".to_string()),
        Just("nil".to_string()),
        Just("t".to_string()),
        Just("'(1 2 3)".to_string()),
        Just(":k".to_string()),
    ]
}

/// Expressions over the variables `a`, `b`, `c` (always bound) and the
/// functions `f1` (one argument) and `f2` (two), of which `calls` may be
/// called (none, `f2`, or both), so no program recurses without end.
fn expr(calls: u8) -> impl Strategy<Value = String> {
    let leaf = prop_oneof![literal(), var()];
    leaf.prop_recursive(4, 48, 4, move |e| {
        let e2 = (e.clone(), e.clone());
        let e3 = (e.clone(), e.clone(), e.clone());
        prop_oneof![
            (
                prop::sample::select(&["+", "-", "*", "<", ">", "=", "<=", "max"][..]),
                e2.clone()
            )
                .prop_map(|(op, (x, y))| format!("({op} {x} {y})")),
            (
                prop::sample::select(&["1+", "1-", "car", "null", "consp"][..]),
                e.clone()
            )
                .prop_map(|(op, x)| format!("({op} {x})")),
            e3.clone().prop_map(|(x, y, z)| format!("(if {x} {y} {z})")),
            e2.clone().prop_map(|(x, y)| format!("(when {x} {y})")),
            e2.clone().prop_map(|(x, y)| format!("(unless {x} {y})")),
            e3.clone()
                .prop_map(|(x, y, z)| format!("(cond ({x} {y}) (t {z}))")),
            e3.clone()
                .prop_map(|(x, y, z)| format!("(and {x} {y} {z})")),
            e3.clone().prop_map(|(x, y, z)| format!("(or {x} {y} {z})")),
            (var(), e2.clone()).prop_map(|(v, (x, y))| format!("(let (({v} {x})) {y})")),
            (var(), var(), e3.clone())
                .prop_map(|(v, w, (x, y, z))| format!("(let* (({v} {x}) ({w} {y})) {z})")),
            (var(), e2.clone()).prop_map(|(v, (x, y))| format!("(progn (setq {v} {x}) {y})")),
            (var(), e2.clone()).prop_map(|(v, (x, y))| format!("(progn (incf {v} {x}) {y})")),
            e3.clone()
                .prop_map(|(x, y, z)| format!("(block b (when {x} (return-from b {y})) {z})")),
            (var(), 0u8..4, e.clone()).prop_map(|(v, n, x)| format!(
                "(let ((acc 0)) (dotimes ({v} {n} acc) (setq acc (+ acc {x}))))"
            )),
            (var(), e2.clone()).prop_map(|(v, (x, y))| format!(
                "(dolist ({v} (list 1 {x} 3) {v}) (when (eql {v} {y}) (return :found)))"
            )),
            (var(), e2.clone()).prop_map(|(v, (x, y))| format!("(funcall (lambda ({v}) {x}) {y})")),
            (var(), e.clone()).prop_map(|(v, x)| format!(
                "(let ((fs nil)) (dotimes ({v} 3) (push (lambda () {x}) fs)) \
                 (mapcar #'funcall fs))"
            )),
            e2.clone()
                .prop_map(|(x, y)| format!("(multiple-value-list (values {x} {y}))")),
            e3.clone().prop_map(|(x, y, z)| format!(
                "(multiple-value-list (if {x} (values {y} {z}) (floor 7 2)))"
            )),
            e.clone().prop_map(move |x| match calls {
                2 => format!("(f1 {x})"),
                1 => format!("(f2 {x} 1)"),
                _ => format!("(list {x})"),
            }),
            e2.clone().prop_map(move |(x, y)| match calls {
                0 => format!("(cons {x} {y})"),
                _ => format!("(f2 {x} {y})"),
            }),
            e.clone().prop_map(|x| format!(
                "(let ((n 0)) (tagbody top (when (< n 3) (setq n (1+ n)) (go top))) (list n {x}))"
            )),
            e.clone()
                .prop_map(|x| format!("(macrolet ((twice (y) `(list ,y ,y))) (twice {x}))")),
            e.clone()
                .prop_map(|x| format!("(loop for i below 3 collect (list i {x}))")),
            e.clone().prop_map(|x| format!(
                "(handler-case {x} (type-error (c) (list :type-error (type-error-datum c))))"
            )),
            e2.clone()
                .prop_map(|(x, y)| format!("(catch 'tag (throw 'tag {x}) {y})")),
            e2.clone()
                .prop_map(|(x, y)| format!("(let ((*s* {x})) (list (read-s) {y}))")),
            e2.clone().prop_map(|(x, y)| format!(
                "(let ((log nil)) (list (catch 'u (unwind-protect (throw 'u {x}) \
                 (push {y} log))) log))"
            )),
            e2.clone()
                .prop_map(|(x, y)| format!("(flet ((g (a) (list a {x}))) (g {y}))")),
            e.clone().prop_map(|x| format!(
                "(labels ((down (n) (if (<= n 0) {x} (down (1- n))))) (down 3))"
            )),
            e2.clone().prop_map(|(x, y)| format!(
                "(let ((cell (list {x} 2))) (setf (car cell) {y}) (incf (cadr cell)) cell)"
            )),
            e2.clone().prop_map(|(x, y)| format!(
                "(multiple-value-bind (q r) (floor (if (integerp {x}) {x} 7) 3) (list q r {y}))"
            )),
            e.clone()
                .prop_map(|x| format!("(case {x} ((1 2 3) :small) ((nil) :nil) (t :other))")),
            e.clone()
                .prop_map(|x| format!("(format nil \"~a/~s\" {x} {x})")),
            e2.clone().prop_map(|(x, y)| format!(
                "(let ((box (list {x}))) (symbol-macrolet ((sm (car box))) \
                 (setq sm {y}) (list sm box)))"
            )),
            e.clone().prop_map(|x| format!(
                "(block outer (mapc (lambda (v) (when (eql v 2) \
                 (return-from outer (list :at v {x})))) '(1 2 3)) :none)"
            )),
            e.clone().prop_map(|x| format!(
                "(let ((h (make-hash-table))) \
                 (incf (gethash {x} h 10)) (push 1 (gethash :l h)) \
                 (list (gethash {x} h) (gethash :l h)))"
            )),
        ]
    })
}

fn program() -> impl Strategy<Value = String> {
    (expr(0), expr(1), expr(2)).prop_map(|(f2_body, f1_body, main)| {
        format!(
            "(defvar *s* :global)\n\
             (defun read-s () *s*)\n\
             (defun f2 (a b) (let ((c 1)) {f2_body}))\n\
             (defun f1 (a) (let ((b 2) (c 3)) {f1_body}))\n\
             (let ((a 3) (b -7) (c 100)) (multiple-value-list {main}))\n"
        )
    })
}

proptest! {
    // 256 cases by default; more with PROPTEST_CASES=n.

    #[test]
    fn analysed_and_interpreted_agree(src in program()) {
        let compiled = run(src.clone(), true);
        let interpreted = run(src.clone(), false);
        prop_assert_eq!(&compiled, &interpreted, "program:\n{}", src);
        prop_assert!(compiled != "panicked", "program:\n{}", src);
    }
}

#[test]
fn the_switch_changes_how_code_runs() {
    // The same program through both paths: a macro redefined after a
    // function used it is seen only by the interpreter (which expands at
    // each first use), so the differential test above compares two
    // different evaluators, not one.
    let src = "(defmacro m () 1) (defun g () (m)) (g) (defmacro m () 2) (g)".to_string();
    assert_eq!(run(src.clone(), true), "1");
    assert_eq!(run(src, false), "2");
}

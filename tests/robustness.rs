//! Hostile programs: each ends in a Lisp error or a correct answer, never
//! a crash, a hang or an abort.

use std::process::Command;
use std::time::{Duration, Instant};

fn run(src: &str) -> (i32, String, String, Duration) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("r.lisp");
    std::fs::write(&path, src).expect("write");
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg(&path)
        .output()
        .expect("run");
    let code = out.status.code().unwrap_or(-1);
    (
        code,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        t.elapsed(),
    )
}

#[test]
fn infinite_recursion_is_a_catchable_storage_condition() {
    let (code, out, err, _) = run("(defun f (n) (+ 1 (f n)))
(handler-case (f 1) (storage-condition () (format t \"stack exhausted~%\")))
(format t \"still running~%\")");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "stack exhausted\nstill running\n");
}

#[test]
fn unhandled_infinite_recursion_exits_1_with_a_message() {
    let (code, _, err, _) = run("(defun f (n) (+ 1 (f n)))\n(f 1)\n");
    assert_eq!(code, 1);
    assert!(
        // Placed at the innermost form: the recursive call in F.
        err.contains("STORAGE-CONDITION") && err.contains(":1:19"),
        "{err}"
    );
}

#[test]
fn a_100000_element_list() {
    let (code, out, err, _) = run("(let ((l (make-list 100000 :initial-element 1)))
  (format t \"~d ~d ~d~%\" (length l) (reduce #'+ l) (length (reverse (mapcar #'1+ l)))))
(let ((l (loop for i below 100000 collect i)))
  (format t \"~d~%\" (length (sort l #'>))))");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "100000 100000 100000\n100000\n");
}

#[test]
fn forms_nested_10000_deep_are_a_reader_error() {
    let src = format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000));
    let (code, _, err, _) = run(&src);
    assert_eq!(code, 1);
    assert!(
        err.contains("reader error") && err.contains("deep"),
        "{err}"
    );
}

#[test]
fn data_nested_10000_deep_is_built_and_printed() {
    let (code, out, err, _) = run("(let ((x nil)) (dotimes (i 10000) (setf x (list x))) (format t \"~d~%\" (length (prin1-to-string x))))");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "20003\n");
}

#[test]
fn a_100_mb_string() {
    let (code, out, err, _) = run(
        "(let ((s (make-string (* 100 1024 1024) :initial-element #\\a)))
  (format t \"~d ~a~%\" (length s) (char s (1- (length s)))))",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "104857600 a\n");
}

#[test]
fn circular_lists_given_to_length_and_print() {
    let (code, out, err, t) = run("(let ((l (list 1 2 3)))
  (setf (cdr (last l)) l)
  (handler-case (length l) (error (c) (format t \"length: ~a~%\" (type-of c))))
  (let ((s (prin1-to-string l)))
    (format t \"printed ~a~%\" (< (length s) 1000))))");
    assert_eq!(code, 0, "{err}");
    assert!(t < Duration::from_secs(10));
    assert!(
        out.starts_with("length: ") && out.ends_with("printed T\n"),
        "{out}"
    );
}

#[test]
fn malformed_special_forms_and_places_are_errors_not_crashes() {
    // Each as a top-level form, inside a function body (analysed when
    // defined) and inside a lambda made at run time.
    let forms = [
        "(setf (gethash) 1)",
        "(incf (gethash))",
        "(setf (aref) 1)",
        "(setf (nth) 1)",
        "(setf (char) 1)",
        "(push 1 (gethash))",
        "(let ((1 2)) 3)",
        "(setq 1 2)",
        "(dolist (x 5) x)",
        "(dotimes (i :a) i)",
        "(return-from nowhere 1)",
        "(funcall (lambda (&optional (x (car 5))) x))",
    ];
    for form in forms {
        for wrapped in [
            form.to_string(),
            format!("(defun f () {form}) (f)"),
            format!("(funcall (lambda () {form}))"),
        ] {
            let (code, _, err, _) = run(&wrapped);
            assert_eq!(code, 1, "{wrapped}: {err}");
            assert!(err.contains("unhandled"), "{wrapped}: {err}");
            assert!(!err.contains("panicked"), "{wrapped}: {err}");
        }
    }
}

#[test]
fn exits_used_after_their_extent_are_control_errors() {
    // A closure that outlives its block or tagbody: the exit is gone
    // (CLHS 5.2), a catchable control-error, interpreted or compiled.
    let (code, out, err, _) = run("
(defun escaped-return () (funcall (block b (lambda () (return-from b 1)))))
(defun escaped-go () (let (k) (tagbody (setq k (lambda () (go gone))) gone) (funcall k)))
(print (handler-case (escaped-return) (control-error () :return-caught)))
(print (handler-case (escaped-go) (control-error () :go-caught)))
(print (handler-case (eval '(funcall (block b (lambda () (return-from b 1)))))
         (control-error () :interpreted-caught)))
");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "\n:RETURN-CAUGHT \n:GO-CAUGHT \n:INTERPRETED-CAUGHT ");
}

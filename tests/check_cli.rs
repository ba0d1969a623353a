//! `sendletter --check`: static findings with positions, the exit status,
//! no false errors on the project's own scripts, and the same findings on
//! stderr before a run that goes ahead.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_sendletter");

fn script(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.lisp");
    std::fs::write(&path, text).expect("write");
    (dir, path)
}

fn run(args: &[&str], dir: &Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run sendletter")
}

fn check(text: &str) -> (String, i32) {
    let (d, p) = script(text);
    let o = run(&["--check", p.to_str().expect("utf-8")], d.path());
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout).replace(p.to_str().expect("utf-8"), "s.lisp");
    (out, o.status.code().expect("exited"))
}

#[test]
fn findings_name_the_place_of_the_innermost_form() {
    let (out, status) = check(
        "(defun send-all (people)\n  (dolist (p people)\n    (send-letter \"localhost\" \"me@example.com\" p \"hi\"\n                 :subjct \"x\")\n    (sendd-letter p)\n    (print undefined-thing)))\n",
    );
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("s.lisp:3:5: error: send-letter: unknown keyword argument :SUBJCT; the valid keywords are :CC")
            && out.contains("did you mean :SUBJECT?"),
        "{out}"
    );
    assert!(
        out.contains("s.lisp:5:5: error: undefined function sendd-letter"),
        "{out}"
    );
    assert!(
        out.contains("s.lisp:6:5: error: undefined variable UNDEFINED-THING"),
        "{out}"
    );
}

#[test]
fn argument_counts_servers_and_addresses() {
    let (out, status) = check(
        "(defun two (a b) (list a b))\n(two 1)\n(car 1 2)\n(send-letter \"localhost:25x\" \"Me <me@example.com>\" nil \"m\")\n(send-letter \"h\" \"a@b\" \"c@d\" :subject \"s\")\n",
    );
    assert_eq!(status, 1, "{out}");
    assert!(
        out.contains("s.lisp:2:1: error: two called with 1 argument, but it takes 2"),
        "{out}"
    );
    assert!(
        out.contains("s.lisp:3:1: error: car called with 2 arguments, but it takes 1"),
        "{out}"
    );
    assert!(
        out.contains("s.lisp:4:1: error: send-letter: bad server \"localhost:25x\""),
        "{out}"
    );
    assert!(
        out.contains("from address \"Me <me@example.com>\" is not a bare address"),
        "{out}"
    );
    assert!(out.contains("to is NIL"), "{out}");
    assert!(
        out.contains("s.lisp:5:1: error: send-letter: the message argument"),
        "{out}"
    );
}

#[test]
fn valid_scripts_have_no_findings() {
    // Later definitions, macros, specials, packages, if*, CLOS, structs,
    // labels, loop, handler-case, destructuring.
    let (out, status) = check(
        r#"
(defmacro with-greeting ((var name) &body body) `(let ((,var (format nil "Hello ~a" ,name))) ,@body))
(defvar *count* 0)
(defstruct (person (:conc-name p-)) name (mail "x@example.com"))
(defclass note () ((text :initarg :text :accessor note-text)))
(defmethod describe-note ((n note)) (note-text n))
(defun main () (helper 1 :scale 2) (incf *count*))
(defun helper (x &key (scale 1)) (* x scale))
(defun dyn () (declare (special *late*)) *late*)
(defun uses-struct (p) (p-name p) (p-mail p) (make-person :name "a") (person-p p) (copy-person p))
(labels ((f (n) (if (zerop n) 0 (f (1- n))))) (f 3))
(loop for i from 1 to 3 collect i)
(if* (> 1 0) then (print 1) else (print 2))
(handler-case (error "x") (error (e) (princ-to-string e)))
(destructuring-bind (a &optional (b a)) '(1) (list a b))
(with-greeting (g "you") (print g))
(when (fboundp 'maybe-later) (maybe-later))
(describe-note (make-instance 'note :text "t"))
(send-letter '("localhost" :port 2525 :starttls t) "me@example.com" '("a@example.com") "m" :cc "b@example.com")
(net.post-office:send-letter "localhost" "" "a@example.com" "m")
(multiple-value-bind (q r) (floor 7 2) (list q r))
(flet ((g (&rest xs) xs)) (g 1 2 3))
(let ((s (make-string-output-stream))) (format s "x") (get-output-stream-string s))
(setq *recipients* '("a@example.com"))
(setf *subject* "s")
(send-letter "localhost" "me@example.com" *recipients* "m" :subject *subject*)
(defun opt (&optional (x 1 x-p) &aux (y (list x x-p))) y)
(opt)
"#,
    );
    assert_eq!(out, "", "no findings expected");
    assert_eq!(status, 0);
}

#[test]
fn a_loaded_file_makes_undefined_names_warnings() {
    let (out, status) = check("(load \"other.lisp\")\n(from-other 1)\n");
    assert!(
        out.contains("s.lisp:2:1: warning: undefined function from-other"),
        "{out}"
    );
    assert_eq!(status, 0, "{out}");
}

#[test]
fn a_reader_error_is_a_finding() {
    let (out, status) = check("(print 1)\n(print (list 1\n");
    assert_eq!(status, 1);
    assert!(
        out.contains("s.lisp:2:8: error: reader error: end of file inside a list"),
        "{out}"
    );
}

#[test]
fn check_runs_nothing() {
    let (d, p) =
        script("(with-open-file (s \"made\" :direction :output) (print 1 s))\n(print 2)\n");
    let o = run(&["--check", p.to_str().expect("utf-8")], d.path());
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    assert!(!d.path().join("made").exists(), "the script did not run");
}

#[test]
fn the_findings_go_to_stderr_before_a_run_that_goes_ahead() {
    let (d, p) = script("(print 1)\n(when nil (sendd-letter))\n");
    let path = p.to_str().expect("utf-8");
    let o = run(&[path], d.path());
    assert_eq!(o.status.code(), Some(0), "a good run keeps its status");
    assert_eq!(String::from_utf8_lossy(&o.stdout), "\n1 ");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err,
        format!("sendletter: {path}:2:11: error: undefined function sendd-letter\n")
    );
    let o = run(&["--no-check", path], d.path());
    assert!(
        o.stderr.is_empty(),
        "--no-check: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn check_without_a_script_is_a_usage_error() {
    let o = run(&["--check", "-e", "(print 1)"], Path::new("."));
    assert_eq!(o.status.code(), Some(2));
}

/// Every script the project ships or runs: no error-level finding.
#[test]
fn no_false_errors_on_the_projects_scripts() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["examples", "tests/conformance"] {
        collect(&root.join(dir), &mut files);
    }
    assert!(files.len() > 10, "found the scripts: {}", files.len());
    let mut bad = String::new();
    for f in &files {
        let o = run(&["--check", f.to_str().expect("utf-8")], root);
        let out = String::from_utf8_lossy(&o.stdout);
        for line in out.lines().filter(|l| l.contains(": error: ")) {
            bad.push_str(line);
            bad.push('\n');
        }
    }
    assert!(bad.is_empty(), "false errors:\n{bad}");
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "lisp") {
            out.push(p);
        }
    }
}

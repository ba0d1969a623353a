//! The command line, run through the real binary: scripts, `-e`, standard
//! input, script arguments, exit codes, error messages with positions,
//! `#!` lines, `--help`, and a closed standard output.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_sendletter");

/// Run the binary with `args` and `stdin` as standard input.
fn run_with(args: &[&str], stdin: &str, dir: &Path) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sendletter");
    let mut input = child.stdin.take().expect("stdin is piped");
    input.write_all(stdin.as_bytes()).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait for sendletter")
}

fn run(args: &[&str]) -> Output {
    run_with(args, "", Path::new("."))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A script file `name` with `text` in a fresh directory.
fn script(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write script");
    (dir, path)
}

fn status(o: &Output) -> i32 {
    o.status.code().expect("exited, not killed by a signal")
}

#[test]
fn script_output_and_status_0() {
    let (_d, p) = script(
        "hello.lisp",
        "(format t \"hello ~a~%\" \"world\")\n(print (list 1 2))\n",
    );
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!(stdout(&o), "hello world\n\n(1 2) ");
    assert_eq!(stderr(&o), "");
    assert_eq!(status(&o), 0);
}

#[test]
fn shebang_line_is_skipped_and_lines_still_count() {
    let (_d, p) = script(
        "run.lisp",
        "#!/usr/bin/env sendletter\n(format t \"ran~%\")\n(no-such-function-here)\n",
    );
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!(stdout(&o), "ran\n");
    assert!(
        stderr(&o).contains("run.lisp:3:1: unhandled UNDEFINED-FUNCTION"),
        "{}",
        stderr(&o)
    );
    assert_eq!(status(&o), 1);
}

#[test]
fn several_evals_run_in_order_before_the_script() {
    let o = run(&["-e", "(format t \"a\")", "--eval", "(format t \"b~%\")"]);
    assert_eq!(stdout(&o), "ab\n");
    assert_eq!(status(&o), 0);

    let (_d, p) = script("uses-var.lisp", "(format t \"~a~%\" *from-eval*)\n");
    let o = run(&["-e", "(defvar *from-eval* 42)", p.to_str().unwrap()]);
    assert_eq!(stdout(&o), "42\n");
    assert_eq!(status(&o), 0);
}

#[test]
fn script_from_a_pipe_and_from_dash() {
    let dir = tempfile::tempdir().expect("temp dir");
    let o = run_with(&[], "(format t \"piped~%\")", dir.path());
    assert_eq!(stdout(&o), "piped\n");
    assert_eq!(status(&o), 0);

    let o = run_with(
        &["-", "x"],
        "#!ignored\n(format t \"dash ~s~%\" (rest (sys:command-line-arguments)))",
        dir.path(),
    );
    assert_eq!(stdout(&o), "dash (\"x\")\n");
    assert_eq!(status(&o), 0);
}

#[test]
fn script_arguments_reach_the_script() {
    let (_d, p) = script(
        "args.lisp",
        "(format t \"~s~%\" (rest (sys:command-line-arguments)))\n",
    );
    // Arguments after the script are the script's, even ones like -e.
    let o = run(&[p.to_str().unwrap(), "alpha", "-e", "beta gamma"]);
    assert_eq!(stdout(&o), "(\"alpha\" \"-e\" \"beta gamma\")\n");
    assert_eq!(status(&o), 0);
}

#[test]
fn exit_codes() {
    let o = run(&["-e", "(+ 1 2)"]);
    assert_eq!(status(&o), 0);
    let o = run(&["-e", "(error \"boom\")"]);
    assert_eq!(status(&o), 1);
    let o = run(&["-e", "(exit 3)", "-e", "(format t \"not reached\")"]);
    assert_eq!(status(&o), 3);
    assert_eq!(stdout(&o), "");
    let o = run(&["-e", "(format t \"flushed\") (exit 0)"]);
    assert_eq!((status(&o), stdout(&o)), (0, "flushed".to_string()));
    let (_d, p) = script(
        "exit.lisp",
        "(format t \"before~%\")\n(exit 7)\n(error \"no\")\n",
    );
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!((status(&o), stdout(&o)), (7, "before\n".to_string()));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["--no-such-option"][..],
        &["-e"],
        &["--connect-to", "nonsense"],
    ] {
        let o = run(args);
        assert_eq!(status(&o), 2, "{args:?}");
        let err = stderr(&o);
        assert!(err.starts_with("sendletter: "), "{err}");
        assert!(err.contains("sendletter --help"), "{err}");
        assert_eq!(stdout(&o), "");
    }
}

#[test]
fn missing_script_file() {
    let o = run(&["/nonexistent/dir/script.lisp"]);
    assert_eq!(status(&o), 1);
    assert_eq!(
        stderr(&o),
        "sendletter: cannot read /nonexistent/dir/script.lisp: No such file or directory\n"
    );
}

#[test]
fn reader_error_names_the_unclosed_opener() {
    let (_d, p) = script("open.lisp", "(format t \"first~%\")\n\n  (+ 1\n  2\n");
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!(stdout(&o), "first\n", "forms before the bad one ran");
    let err = stderr(&o);
    let want = format!("sendletter: {}:3:3: reader error: ", p.display());
    assert!(err.starts_with(&want), "{err}");
    assert!(err.contains("end of file"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(status(&o), 1);
}

#[test]
fn runtime_error_has_position_condition_and_backtrace() {
    let (_d, p) = script(
        "bt.lisp",
        "(format t \"start~%\")\n(defun inner () (undefined-helper 1))\n(defun outer () (inner))\n\n  (outer)\n(format t \"not reached~%\")\n",
    );
    let o = run(&[p.to_str().unwrap()]);
    assert_eq!(stdout(&o), "start\n");
    assert_eq!(
        stderr(&o),
        format!(
            // The finding of the check before the run, then the run's error.
            // The run's error is placed at the innermost form it left.
            "sendletter: {p}:2:17: error: undefined function undefined-helper\n\
             sendletter: {p}:2:17: unhandled UNDEFINED-FUNCTION: The function \
             COMMON-LISP-USER::UNDEFINED-HELPER is undefined.\n\
             backtrace: INNER at {p}:2:17 <- OUTER at {p}:3:17\n",
            p = p.display()
        )
    );
    assert_eq!(status(&o), 1);
}

#[test]
fn error_in_eval_and_simple_error_report() {
    let o = run(&[
        "-e",
        "(defun f (x) (error \"bad value ~a\" x))",
        "-e",
        "(f 42)",
    ]);
    assert_eq!(
        stderr(&o),
        // The innermost form the error left: the call of error in F.
        "sendletter: <eval 1>:1:14: unhandled SIMPLE-ERROR: bad value 42\n\
         backtrace: F at <eval 1>:1:14\n"
    );
    assert_eq!(status(&o), 1);
    // SBCL's multi-line reports are joined into the one message line.
    let o = run(&["-e", "(defun g (x) (car x))", "-e", "(g 5)"]);
    assert_eq!(
        stderr(&o),
        // The innermost form: `(car x)` in G's definition, a primitive.
        "sendletter: <eval 1>:1:14: unhandled TYPE-ERROR: The value 5 is not of type LIST\n\
         backtrace: G at <eval 1>:1:14\n"
    );
    assert_eq!(status(&o), 1);
}

#[test]
fn help_and_version() {
    let o = run(&["--help"]);
    let out = stdout(&o);
    assert_eq!(status(&o), 0);
    for needle in [
        "USAGE",
        "--eval",
        "--sink",
        "--connect-to",
        "EXIT STATUS",
        "(exit N)",
    ] {
        assert!(out.contains(needle), "--help lacks {needle}");
    }
    let o = run(&["-V"]);
    assert_eq!(
        stdout(&o),
        format!("sendletter {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(status(&o), 0);
}

/// `sendletter -e '(loop (print 1))' | head -1`: when the reader of
/// standard output goes away the program ends quietly with status 0.
#[test]
fn broken_pipe_ends_quietly() {
    let mut child = Command::new(BIN)
        .args(["-e", "(loop (print 1))"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn sendletter");
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut first = [0u8; 3];
    out.read_exact(&mut first).expect("read the first value");
    assert_eq!(&first, b"\n1 ");
    drop(out);
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr is piped")
        .read_to_string(&mut err)
        .expect("read stderr");
    let st = child.wait().expect("wait");
    assert_eq!(err, "", "no message on a closed pipe");
    assert_eq!(st.code(), Some(0), "{st:?}");
}

#[test]
fn each_backtrace_frame_names_the_call_it_is_in() {
    // Every frame stands at the call it was executing: INNER at the
    // primitive that failed, MIDDLE at its call of INNER (not the start
    // of its body or the LIST around it), recursion collapsed past the
    // innermost frame, a builtin (MAPCAR) without a place.
    let (_d, p) = script(
        "frames.lisp",
        "(defun inner (x)\n  (let ((y (* x 2)))\n    (car y)))\n\
         (defun middle (x)\n  (list 1\n        (inner x)))\n\
         (defun down (n)\n  (if (= n 0)\n      (middle 5)\n      (+ 1 (down (1- n)))))\n\
         (defun top () (mapcar (lambda (x) (down x)) '(3)))\n(top)\n",
    );
    let o = run(&["--no-check", p.to_str().unwrap()]);
    assert_eq!(
        stderr(&o),
        format!(
            "sendletter: {p}:3:5: unhandled TYPE-ERROR: The value 10 is not of type LIST\n\
             backtrace: INNER at {p}:3:5 <- MIDDLE at {p}:6:9 <- DOWN at {p}:9:7 \
             <- DOWN (x3) at {p}:10:12 <- LAMBDA at {p}:11:35 <- MAPCAR <- TOP at {p}:11:15\n",
            p = p.display()
        )
    );
    assert_eq!(status(&o), 1);
    // A handled error inside a call leaves the frame back in the call
    // around it: the later error is placed at the second call, not the first.
    let (_d2, p2) = script(
        "after.lisp",
        "(defun risky () (error \"no\"))\n(defun boom (x) (car x))\n\
         (defun run-it ()\n  (ignore-errors (risky))\n  (boom 7))\n(run-it)\n",
    );
    let o = run(&["--no-check", p2.to_str().unwrap()]);
    assert!(
        stderr(&o).ends_with(&format!(
            "backtrace: BOOM at {p}:2:17 <- RUN-IT at {p}:5:3\n",
            p = p2.display()
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_error_names_the_line_of_the_innermost_form() {
    let (d, p) = script(
        "nested.lisp",
        "(defun inner (x)\n  (let ((y (* x 2)))\n    (list y\n          (send-letter \"localhost\" \"me@example.com\"\n                       nil \"hi\"))))\n(defun outer () (inner 1))\n\n(outer)\n",
    );
    let sink = d.path().join("out");
    let o = run(&[
        "--no-check",
        "--sink",
        sink.to_str().unwrap(),
        p.to_str().unwrap(),
    ]);
    let err = stderr(&o);
    assert!(
        err.starts_with(&format!(
            "sendletter: {}:4:11: unhandled SIMPLE-TYPE-ERROR: send-letter: to (the 3rd argument)",
            p.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "backtrace: INNER at {p}:4:11 <- OUTER at {p}:6:17",
            p = p.display()
        )),
        "{err}"
    );
    // A handled error leaves no stale place for a later one.
    let (_d2, p2) = script(
        "later.lisp",
        "(ignore-errors\n  (car 1))\n(defun g (x)\n  (error \"late ~a\" x))\n(g 2)\n",
    );
    let o = run(&["--no-check", p2.to_str().unwrap()]);
    assert!(
        stderr(&o).starts_with(&format!(
            "sendletter: {}:4:3: unhandled SIMPLE-ERROR: late 2",
            p2.display()
        )),
        "{}",
        stderr(&o)
    );
}

/// An error signalled by a primitive (`car`, arithmetic) is placed at that
/// call, not at the call around it.
#[test]
fn an_error_in_a_primitive_points_at_its_own_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.lisp");
    std::fs::write(
        &path,
        "(defun f (x)\n  (let ((y 1))\n    (list y\n          (car x))))\n(print (f 5))\n",
    )
    .expect("write");
    let o = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg(&path)
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("p.lisp:4:11: unhandled TYPE-ERROR"), "{err}");
}

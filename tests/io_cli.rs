//! The I/O and system builtins seen from the command line: exit status,
//! script arguments, a closed standard output, error reports that SBCL
//! words differently (so they cannot be transcripts).

use std::io::Read;
use std::process::{Command, Stdio};

fn sendletter() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sendletter"))
}

/// Run `-e EXPR`; (status, stdout, stderr).
fn eval(expr: &str) -> (Option<i32>, String, String) {
    let out = sendletter()
        .args(["-e", expr])
        .output()
        .expect("run sendletter");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn exit_sets_the_status() {
    assert_eq!(eval("(exit)").0, Some(0));
    assert_eq!(eval("(exit 3)").0, Some(3));
    assert_eq!(eval("(excl:exit 4 :quiet t)").0, Some(4));
    assert_eq!(eval("(exit :code 5)").0, Some(5));
    // Output written before exit is not lost.
    let (status, out, _) = eval("(princ \"bye\") (exit 2)");
    assert_eq!((status, out.as_str()), (Some(2), "bye"));
}

#[test]
fn unwind_protect_cleanups_run_on_exit() {
    let (status, out, _) = eval("(unwind-protect (exit 7) (princ \"cleanup\"))");
    assert_eq!((status, out.as_str()), (Some(7), "cleanup"));
}

#[test]
fn script_arguments_follow_the_script_name() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("args.lisp");
    std::fs::write(
        &script,
        "(format t \"~s ~s ~s\" (rest (sys:command-line-arguments)) (sys:command-line-argument 2) (sys:command-line-argument 5))",
    )
    .expect("write script");
    let out = sendletter()
        .arg(&script)
        .args(["one", "two words"])
        .output()
        .expect("run");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "(\"one\" \"two words\") \"two words\" NIL"
    );
}

#[test]
fn a_closed_standard_output_ends_the_script_quietly() {
    let mut child = sendletter()
        .args(["-e", "(dotimes (i 1000000) (print i))"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    let mut stdout = child.stdout.take().expect("stdout");
    stdout.read_exact(&mut first).expect("some output");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn format_errors_name_the_directive_and_position() {
    let (status, _, err) = eval("(format nil \"abc ~q\")");
    assert_eq!(status, Some(1));
    assert!(
        err.contains("error in FORMAT: unknown directive ~Q (at position 4)"),
        "{err}"
    );
    let (_, _, err) = eval("(format nil \"~{~a\" '(1))");
    assert!(
        err.contains("no matching closing directive ~} for ~{"),
        "{err}"
    );
    let (_, _, err) = eval("(format nil \"~a ~a\" 1)");
    assert!(
        err.contains("no more arguments for ~A (at position 3)"),
        "{err}"
    );
}

#[test]
fn file_errors_report_the_pathname_and_the_system_message() {
    let (_, out, _) =
        eval("(handler-case (open \"/nonexistent-sendletter/x\") (file-error (c) (princ c)))");
    assert_eq!(
        out,
        "error opening #P\"/nonexistent-sendletter/x\": No such file or directory"
    );
}

#[test]
fn shell_command_output_keeps_its_place() {
    let (status, out, _) = eval(
        "(princ \"before \") (excl:run-shell-command \"printf inside\") (princ \" after\") \
         (princ (excl:run-shell-command #(\"/bin/sh\" \"sh\" \"-c\" \"exit 6\")))",
    );
    assert_eq!((status, out.as_str()), (Some(0), "before inside after6"));
}

#[test]
fn shell_command_streams_and_wait_nil() {
    let (_, out, _) = eval(
        "(multiple-value-bind (s e pid) (excl:run-shell-command \"echo hi; echo there\" :output :stream :wait nil) \
           (declare (ignore e)) \
           (format t \"~a|~a|~a|\" (read-line s) (read-line s) (integerp pid)) \
           (close s) \
           (princ (sys:reap-os-subprocess :pid pid)))",
    );
    assert_eq!(out, "hi|there|T|0");
    let (_, out, _) = eval(
        "(let ((pid (excl:run-shell-command \"exit 2\" :wait nil))) (princ (sys:reap-os-subprocess :pid pid :wait t)))",
    );
    assert_eq!(out, "2");
}

#[test]
fn getenv_reads_and_sets_the_environment_of_commands() {
    let (_, out, _) = eval(
        "(setf (sys:getenv \"SL_CLI_VAR\") \"v1\") (princ (sys:getenv \"SL_CLI_VAR\")) \
         (finish-output) (excl:run-shell-command \"printf \\\" $SL_CLI_VAR\\\"\") \
         (setf (sys:getenv \"SL_CLI_VAR\") nil) (princ (sys:getenv \"SL_CLI_VAR\"))",
    );
    assert_eq!(out, "v1 v1NIL");
}

#[test]
fn require_of_the_mail_modules_succeeds() {
    let (status, out, _) = eval("(require :smtp) (require :mime) (princ (require :smtp))");
    assert_eq!((status, out.as_str()), (Some(0), "NIL"));
}

#[test]
fn time_reports_on_trace_output() {
    let (status, out, err) = eval("(princ (time (+ 1 2)))");
    assert_eq!((status, out.as_str()), (Some(0), "3"));
    assert!(err.contains("seconds of real time"), "{err}");
}

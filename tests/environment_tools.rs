//! The environment tools of CLHS 25.2 in sendletter's own documented
//! formats (docs/lisp.md), run as scripts with standard input a pipe:
//! `y-or-n-p` and `yes-or-no-p`, `room`, `ed`, `step`, `inspect`,
//! `apropos`, `describe` of what SBCL words differently, `trace` of
//! unknown names, `quit`.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Run `script` (given on the command line with `-e`) with `input` on
/// standard input.
fn run(script: &str, input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args(["-e", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sendletter");
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().expect("sendletter output")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn questions_read_answers_from_standard_input_and_ask_again() {
    let o = run(
        "(print (y-or-n-p \"Send ~D letters?\" 3)) (print (yes-or-no-p \"Really?\"))",
        "maybe\nY\ny\nyes\n",
    );
    assert_eq!(
        stdout(&o),
        "Send 3 letters? (y or n) \n\
         Please type \"y\" for yes or \"n\" for no.\n\
         Send 3 letters? (y or n) \n\
         \n\
         T \n\
         Really? (yes or no) \n\
         Please type \"yes\" for yes or \"no\" for no.\n\
         Really? (yes or no) \n\
         \n\
         T ",
        "stderr: {}",
        stderr(&o)
    );
    assert!(o.status.success());
}

#[test]
fn a_question_at_the_end_of_input_is_an_end_of_file_error() {
    let o = run("(y-or-n-p \"Go?\")", "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("unhandled END-OF-FILE"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn room_reports_real_memory_and_symbol_figures() {
    let o = run("(room)", "");
    let out = stdout(&o);
    let resident: u64 = out
        .lines()
        .find_map(|l| l.strip_prefix("Resident memory:"))
        .and_then(|r| r.split_whitespace().next())
        .map(|n| n.replace(',', ""))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no resident figure in {out:?}"));
    // A real process is at least a megabyte and far below a terabyte.
    assert!((1_000..1_000_000_000).contains(&resident), "{out}");
    assert!(out.contains("Symbols:"), "{out}");
    let verbose = stdout(&run("(room t)", ""));
    assert!(verbose.contains("COMMON-LISP\n"), "{verbose}");
}

#[test]
fn ed_says_it_is_not_provided_and_step_evaluates_its_form() {
    let o = run("(ed \"x.lisp\")", "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no built-in editor"), "{}", stderr(&o));
    // CLHS step: without a stepper the form is evaluated, its values returned.
    let o = run(
        "(print (multiple-value-list (step (values (+ 1 2) 4))))",
        "",
    );
    assert_eq!(stdout(&o), "\n(3 4) ");
}

#[test]
fn inspect_off_a_terminal_describes_and_returns_the_object() {
    let o = run("(print (inspect '(1 2)))", "");
    assert_eq!(stdout(&o), "(1 2)\n  [list]\n\n(1 2) ");
}

#[test]
fn apropos_prints_values_and_fbound_marks() {
    let o = run(
        "(defvar *zq-var* 1) (defun zq-fn ()) (apropos \"ZQ-\" :cl-user)",
        "",
    );
    assert_eq!(stdout(&o), "*ZQ-VAR* = 1\nZQ-FN (fbound)\n");
}

#[test]
fn describe_hash_tables_functions_and_symbols_in_sendletters_format() {
    let o = run(
        "(defun area (w h) \"W times H.\" (* w h)) \
         (let ((h (make-hash-table :test 'equal))) (setf (gethash \"a\" h) 1) (describe h)) \
         (describe #'area) (describe 'area)",
        "",
    );
    assert_eq!(
        stdout(&o),
        "#<HASH-TABLE :TEST EQUAL :COUNT 1>\n  [hash-table]\n\nTest: EQUAL\nCount: 1\nEntries:\n  \"a\" -> 1\n\
         #<FUNCTION AREA>\n  [compiled function]\n\nLambda-list: (W H)\nDocumentation:\n  W times H.\n\
         COMMON-LISP-USER::AREA\n  [symbol]\n\nAREA names a compiled function:\n  Lambda-list: (W H)\n  Documentation:\n    W times H.\n"
    );
}

#[test]
fn trace_warns_about_names_it_cannot_trace() {
    let o = run("(print (trace no-such-fn when))", "");
    assert_eq!(stdout(&o), "\nNIL ");
    let err = stderr(&o);
    assert!(
        err.contains("NO-SUCH-FN is undefined, not tracing."),
        "{err}"
    );
    assert!(err.contains("WHEN is a macro, not tracing."), "{err}");
}

#[test]
fn quit_is_exit() {
    assert_eq!(run("(quit 6)", "").status.code(), Some(6));
    assert_eq!(run("(quit)", "").status.code(), Some(0));
}

#[test]
fn time_reports_the_bytes_a_form_allocated() {
    let consed = |form: &str| -> u64 {
        let o = run(&format!("(time {form})"), "");
        let err = stderr(&o);
        err.lines()
            .find_map(|l| l.trim().strip_suffix(" bytes consed"))
            .map(|n| n.replace(',', ""))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no bytes consed line in {err:?}"))
    };
    // A list of 100,000 conses takes at least 16 bytes a cons; a form
    // that allocates nothing of its own reports far less.
    let list = consed("(length (make-list 100000))");
    assert!(list >= 1_600_000, "{list}");
    let small = consed("(+ 1 2)");
    assert!(small < list / 10, "{small} vs {list}");
}

#[test]
fn a_question_returns_one_value() {
    let o = run("(print (multiple-value-list (y-or-n-p \"Go?\")))", "y\n");
    assert_eq!(stdout(&o), "Go? (y or n) \n\n(T) ");
}

#[test]
fn dribble_says_it_is_not_provided_and_checks_its_arguments() {
    let o = run("(dribble \"session.log\")", "");
    assert!(
        stderr(&o).contains("DRIBBLE is not provided"),
        "{}",
        stderr(&o)
    );
    let o = run("(dribble \"session.log\" nil)", "");
    assert!(stderr(&o).contains("PROGRAM-ERROR"), "{}", stderr(&o));
}

#[test]
fn a_traced_generic_function_prints_its_calls_and_takes_new_methods() {
    let o = run(
        "(defgeneric area (s)) (trace area) (defmethod area ((s t)) 7) (print (area 1))",
        "",
    );
    assert_eq!(stdout(&o), "\n7 ");
    assert_eq!(stderr(&o), "  0: (AREA 1)\n  0: AREA returned 7\n");
}

#[test]
fn describing_a_builtin_shows_its_lambda_list_without_interning_its_words() {
    let o = run(
        "(describe #'net.post-office:send-letter) \
         (print (find-symbol \"ATTACHMENTS\" :cl-user))",
        "",
    );
    let out = stdout(&o);
    assert!(
        out.contains("Lambda-list: (SERVER FROM TO MESSAGE &KEY CC BCC SUBJECT"),
        "{out}"
    );
    assert!(out.ends_with("\nNIL "), "{out}");
}

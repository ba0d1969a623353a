//! The REPL through a pseudo-terminal: multi-line input, errors and
//! recovery, `*`, history across runs, Ctrl-C, Tab completion, exit codes.
//!
//! Symbols are typed in lower case, so an upper-case word in the output
//! can only come from the printer, not from the echo of the input.

use std::path::Path;
use std::process::Command;

use rexpect::process::WaitStatus;
use rexpect::session::{spawn_command, PtySession};

const PROMPT: &str = "CL-USER> ";
const ENTER: &str = "\r";

/// Start the REPL on a terminal with `history` as its history file.
fn start(history: &Path) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sendletter"));
    cmd.env("SENDLETTER_HISTORY", history)
        .env("TERM", "xterm")
        .env_remove("XDG_STATE_HOME");
    start_command(cmd)
}

fn start_command(cmd: Command) -> PtySession {
    let mut p = spawn_command(cmd, Some(10_000)).expect("spawn the REPL on a pty");
    p.exp_string(PROMPT).expect("first prompt");
    p
}

fn send(p: &mut PtySession, keys: &str) {
    p.send(keys).expect("send keys");
    p.flush().expect("flush keys");
}

/// Type `keys`, press Enter, wait for `want` in the output and then for
/// the next prompt; returns the output before `want`. (Waiting for the
/// prompt alone is not enough: rustyline redraws it while editing.)
fn eval(p: &mut PtySession, keys: &str, want: &str) -> String {
    send(p, keys);
    send(p, ENTER);
    let before = p
        .exp_string(want)
        .unwrap_or_else(|e| panic!("{want:?} after {keys:?}: {e}"));
    p.exp_string(PROMPT).expect("prompt after the output");
    before
}

fn exit_status(p: &mut PtySession) -> i32 {
    p.exp_eof().expect("end of output");
    match p.process().wait().expect("wait for the REPL") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("REPL did not exit normally: {other:?}"),
    }
}

fn history_file() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    // A directory that does not exist yet: the REPL creates it.
    let path = dir.path().join("state").join("history");
    (dir, path)
}

#[test]
fn multi_line_form_continues_until_complete() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    send(&mut p, "(values 'first");
    send(&mut p, ENTER);
    send(&mut p, "  'second");
    send(&mut p, ENTER);
    send(&mut p, "  (+ 1");
    send(&mut p, ENTER);
    eval(&mut p, "2))", "FIRST\r\nSECOND\r\n3\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn error_is_reported_and_the_next_form_works() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    eval(
        &mut p,
        "(no-such-function-xyz 1)",
        "sendletter: <repl>:1:1: unhandled UNDEFINED-FUNCTION: \
         The function COMMON-LISP-USER::NO-SUCH-FUNCTION-XYZ is undefined.\r\n",
    );
    eval(&mut p, "(values 'recovered)", "RECOVERED\r\n");
    // A reader error is reported too, and does not end the REPL.
    eval(&mut p, "#<", "<repl>:3:1: reader error");
    eval(&mut p, "'still-here", "STILL-HERE\r\n");
    send(&mut p, "(exit 4)");
    send(&mut p, ENTER);
    assert_eq!(exit_status(&mut p), 4);
}

#[test]
fn star_holds_the_last_value_and_output_comes_first() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    eval(&mut p, "'star-value", "STAR-VALUE\r\n");
    eval(&mut p, "(symbol-name *)", "\"STAR-VALUE\"\r\n");
    eval(
        &mut p,
        "(list ** (length /) +)",
        "(STAR-VALUE 1 (SYMBOL-NAME *))\r\n",
    );
    // What the form prints appears before its value, each on its own line.
    eval(
        &mut p,
        "(progn (princ \"printed\") 'returned)",
        "\r\nprinted\r\nRETURNED\r\n",
    );
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn history_survives_a_restart() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    eval(&mut p, "'remembered-form", "REMEMBERED-FORM\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
    let saved = std::fs::read_to_string(&h).expect("history file written");
    assert!(saved.contains("'remembered-form"), "{saved:?}");

    let mut p = start(&h);
    // Up arrow recalls the form; Enter evaluates it again.
    eval(&mut p, "\x1b[A", "REMEMBERED-FORM\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn ctrl_c_abandons_the_input_and_stays() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    send(&mut p, "(values 'abandoned");
    send(&mut p, ENTER);
    send(&mut p, "'more");
    p.send_control('c').expect("send Ctrl-C");
    p.exp_string(PROMPT).expect("a fresh prompt after Ctrl-C");
    let out = eval(&mut p, "'after-interrupt", "AFTER-INTERRUPT\r\n");
    assert!(!out.contains("ABANDONED"), "{out:?}");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn tab_completes_symbol_names() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    // SYMBOL-NAME is the only symbol starting with SYMBOL-NA.
    send(&mut p, "(symbol-na\t");
    p.exp_string("symbol-name").expect("completed name echoed");
    eval(&mut p, " 'tabbed)", "\"TABBED\"\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn prompt_follows_the_current_package() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    eval(
        &mut p,
        "(defpackage :repl-test-pkg (:use :cl) (:nicknames :rtp))",
        "#<PACKAGE \"REPL-TEST-PKG\">\r\n",
    );
    send(&mut p, "(in-package :repl-test-pkg)");
    send(&mut p, ENTER);
    p.exp_string("RTP> ")
        .expect("prompt with the shortest nickname");
    send(&mut p, "'sym");
    send(&mut p, ENTER);
    p.exp_string("SYM\r\n").expect("value in the new package");
    p.exp_string("RTP> ").expect("prompt");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn history_defaults_to_the_xdg_state_directory() {
    let state = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sendletter"));
    cmd.env("XDG_STATE_HOME", state.path())
        .env("TERM", "xterm")
        .env_remove("SENDLETTER_HISTORY");
    let mut p = start_command(cmd);
    eval(&mut p, "'in-xdg-state", "IN-XDG-STATE\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
    let path = state.path().join("sendletter").join("history");
    let saved = std::fs::read_to_string(&path).expect("history under XDG_STATE_HOME");
    assert!(saved.contains("'in-xdg-state"), "{saved:?}");
}

//! The REPL through a pseudo-terminal: multi-line input, errors and
//! recovery, `*`, history across runs, Ctrl-C, Tab completion, exit codes;
//! break levels and their restarts, colon commands, keyword completion,
//! `trace`.
//!
//! Symbols are typed in lower case, so an upper-case word in the output
//! can only come from the printer, not from the echo of the input.

mod common;

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use common::open_pty;

const PROMPT: &str = "CL-USER> ";
const ENTER: &str = "\r";
/// How long any one wait for output may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// A program on a pseudo-terminal: keys go in, and its output is searched
/// as it arrives.
struct Pty {
    child: Child,
    master: File,
    /// Output read but not yet consumed by `expect`.
    pending: Vec<u8>,
    eof: bool,
}

impl Pty {
    fn spawn(mut cmd: Command) -> io::Result<Pty> {
        let (master, slave) = open_pty()?;
        cmd.stdin(Stdio::from(slave.try_clone()?))
            .stdout(Stdio::from(slave.try_clone()?))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec. The
        // child gets its own session with the pty as controlling terminal,
        // as under a terminal emulator.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn()?;
        // `cmd` still holds the slave side; the master sees the end of
        // output only once the child's copies are the last ones.
        drop(cmd);
        Ok(Pty {
            child,
            master: File::from(master),
            pending: Vec::new(),
            eof: false,
        })
    }

    fn send(&mut self, keys: &str) -> io::Result<()> {
        self.master.write_all(keys.as_bytes())
    }

    /// Waits for `needle` in the output and consumes the output up to and
    /// including it; returns what came before it.
    fn expect(&mut self, needle: &str) -> Result<String, String> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(at) = find(&self.pending, needle.as_bytes()) {
                let before = String::from_utf8_lossy(&self.pending[..at]).into_owned();
                self.pending.drain(..at + needle.len());
                return Ok(before);
            }
            if self.eof {
                return Err(format!("end of output; got {:?}", self.got()));
            }
            self.read_more(deadline)?;
        }
    }

    /// Waits for the end of the output; returns all of it not yet consumed.
    fn expect_eof(&mut self) -> Result<String, String> {
        let deadline = Instant::now() + TIMEOUT;
        while !self.eof {
            self.read_more(deadline)?;
        }
        let rest = self.got();
        self.pending.clear();
        Ok(rest)
    }

    fn wait(&mut self) -> io::Result<ExitStatus> {
        self.child.wait()
    }

    fn got(&self) -> String {
        String::from_utf8_lossy(&self.pending).into_owned()
    }

    /// Adds what output is there to `pending`, waiting for some until
    /// `deadline`.
    fn read_more(&mut self, deadline: Instant) -> Result<(), String> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("timed out; got {:?}", self.got()));
        }
        let mut fd = libc::pollfd {
            fd: self.master.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX).max(1);
        // SAFETY: one valid pollfd, and 1 is its count.
        if unsafe { libc::poll(&mut fd, 1, ms) } <= 0 {
            // Nothing yet, or interrupted: the caller's loop comes back.
            return Ok(());
        }
        let mut chunk = [0; 4096];
        match self.master.read(&mut chunk) {
            Ok(0) => self.eof = true,
            Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
            // Linux reports the closed slave side as EIO.
            Err(e) if e.raw_os_error() == Some(libc::EIO) => self.eof = true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("reading the pty: {e}")),
        }
        Ok(())
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // A failed test must not leave its REPL behind.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Start the REPL on a terminal with `history` as its history file.
fn start(history: &Path) -> Pty {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sendletter"));
    cmd.env("SENDLETTER_HISTORY", history)
        .env("TERM", "xterm")
        .env_remove("XDG_STATE_HOME");
    start_command(cmd)
}

fn start_command(cmd: Command) -> Pty {
    let mut p = Pty::spawn(cmd).expect("spawn the REPL on a pty");
    p.expect(PROMPT).expect("first prompt");
    p
}

fn send(p: &mut Pty, keys: &str) {
    p.send(keys).expect("send keys");
}

/// Type `keys`, press Enter, wait for `want` in the output and then for
/// the next prompt; returns the output before `want`. (Waiting for the
/// prompt alone is not enough: rustyline redraws it while editing.)
fn eval(p: &mut Pty, keys: &str, want: &str) -> String {
    send(p, keys);
    send(p, ENTER);
    let before = p
        .expect(want)
        .unwrap_or_else(|e| panic!("{want:?} after {keys:?}: {e}"));
    p.expect(PROMPT).expect("prompt after the output");
    before
}

fn exit_status(p: &mut Pty) -> i32 {
    p.expect_eof().expect("end of output");
    let status = p.wait().expect("wait for the REPL");
    status
        .code()
        .unwrap_or_else(|| panic!("REPL did not exit normally: {status:?}"))
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
    // As a person types: after the line editor is back for the second
    // line. Keys sent while it is between lines arrive with the terminal
    // in cooked mode, where Ctrl-C is a signal rather than a key.
    std::thread::sleep(std::time::Duration::from_millis(300));
    send(&mut p, "'more");
    send(&mut p, "\x03");
    // The editor leaving the abandoned input (bracketed paste off), then
    // the fresh prompt: the prompt alone also appears in the redraws of
    // the input, and keys typed before the editor is back are dropped.
    p.expect("\x1b[?2004l").expect("the abandoned input ends");
    p.expect(PROMPT).expect("a fresh prompt after Ctrl-C");
    let out = eval(&mut p, "'after-interrupt", "AFTER-INTERRUPT\r\n");
    assert!(!out.contains("ABANDONED"), "{out:?}");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

/// Ctrl-C while a form runs interrupts it and returns to the prompt, in
/// interpreted top-level loops, compiled functions and `sleep`; a
/// `handler-case` for `error` does not swallow it; cleanups run; the
/// REPL's state survives.
#[test]
fn ctrl_c_interrupts_a_running_form() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    eval(&mut p, "(defvar *cleaned* nil)", "*CLEANED*\r\n");
    eval(
        &mut p,
        "(defun spin () (handler-case (loop) (error () 'swallowed)))",
        "SPIN\r\n",
    );
    let runaway = [
        "(unwind-protect (spin) (setq *cleaned* 'yes))",
        "(loop for i from 0)",
        "(dotimes (i most-positive-fixnum))",
        "(sleep 1000)",
    ];
    for form in runaway {
        send(&mut p, form);
        send(&mut p, ENTER);
        // Let the form start running before the interrupt.
        std::thread::sleep(std::time::Duration::from_millis(300));
        send(&mut p, "\x03");
        let out = p
            .expect("INTERACTIVE-INTERRUPT")
            .unwrap_or_else(|e| panic!("{form}: no interrupt report: {e}"));
        assert!(!out.contains("SWALLOWED"), "{form}: {out:?}");
        p.expect(PROMPT).expect("a prompt after the interrupt");
    }
    eval(&mut p, "*cleaned*", "YES\r\n");
    eval(&mut p, "(+ 1 2)", "3\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn tab_completes_symbol_names() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    // SYMBOL-NAME is the only symbol starting with SYMBOL-NA.
    send(&mut p, "(symbol-na\t");
    p.expect("symbol-name").expect("completed name echoed");
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
    p.expect("RTP> ")
        .expect("prompt with the shortest nickname");
    send(&mut p, "'sym");
    send(&mut p, ENTER);
    p.expect("SYM\r\n").expect("value in the new package");
    p.expect("RTP> ").expect("prompt");
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

#[test]
fn a_dry_run_says_so_in_the_banner() {
    let (d, h) = history_file();
    let sink = d.path().join("out");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sendletter"));
    cmd.arg("--sink")
        .arg(&sink)
        .env("SENDLETTER_HISTORY", &h)
        .env("TERM", "xterm")
        .env_remove("XDG_STATE_HOME");
    let mut p = Pty::spawn(cmd).expect("spawn the REPL on a pty");
    let banner = p.expect(PROMPT).expect("first prompt");
    assert!(
        banner.contains(&format!(
            "Dry run (--sink): letters are written to {}; nothing is sent.",
            sink.display()
        )),
        "{banner}"
    );
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

/// The prompt of break level `n`.
fn level_prompt(n: usize) -> String {
    format!("[{n}] {PROMPT}")
}

/// Wait until the line editor has handed over the line just entered
/// (bracketed paste is switched off then), so a later prompt is a fresh
/// one, not a redraw of the line being edited.
fn line_done(p: &mut Pty) {
    p.expect("\x1b[?2004l").expect("the input line ends");
}

/// Wait for the next prompt and say whether it is the top level's (the
/// text before `CL-USER> ` does not end in a break level's `[N] `).
fn at_top_level(p: &mut Pty) -> bool {
    let before = p.expect(PROMPT).expect("a prompt");
    !before.trim_end_matches(' ').ends_with(']')
}

#[test]
fn an_error_enters_a_break_level_whose_restarts_are_chosen_by_number() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    // The user's own restart, with its report, chosen by typing its number.
    send(
        &mut p,
        "(restart-case (error \"no route\") (try-later () :report \"Try later.\" 'later))",
    );
    send(&mut p, ENTER);
    p.expect("unhandled SIMPLE-ERROR: no route")
        .expect("the error");
    p.expect(" 0: [TRY-LATER] Try later.")
        .expect("the restart listed");
    p.expect(" 1: [RESET] Return to the top level.")
        .expect("the way back");
    p.expect(&level_prompt(1)).expect("break level 1");
    send(&mut p, "0");
    send(&mut p, ENTER);
    p.expect("LATER\r\n").expect("the restart's value");
    assert!(
        at_top_level(&mut p),
        "back at the top level after the restart"
    );
    // use-value without an :interactive function asks for a form.
    send(
        &mut p,
        "(+ 1 (restart-case (error \"need a number\") (use-value (v) v)))",
    );
    send(&mut p, ENTER);
    p.expect(" 0: [USE-VALUE]").expect("use-value listed");
    p.expect(&level_prompt(1)).expect("break level 1");
    send(&mut p, ":continue 0");
    send(&mut p, ENTER);
    p.expect("Enter a form to be evaluated: ")
        .expect("asked for the value");
    send(&mut p, "(* 6 7)");
    send(&mut p, ENTER);
    p.expect("43\r\n").expect("the form went on with the value");
    assert!(at_top_level(&mut p));
    // store-value from check-type: the place gets the new value.
    send(&mut p, "(let ((n \"x\")) (check-type n integer) (* n 2))");
    send(&mut p, ENTER);
    p.expect(" 0: [STORE-VALUE] Supply a new value for N.")
        .expect("store-value listed with SBCL's report");
    p.expect(&level_prompt(1)).expect("break level 1");
    send(&mut p, "0");
    send(&mut p, ENTER);
    p.expect("Enter a form to be evaluated: ")
        .expect("asked for the value");
    send(&mut p, "21");
    send(&mut p, ENTER);
    p.expect("42\r\n")
        .expect("check-type went on with the stored value");
    assert!(at_top_level(&mut p));
    // cerror's restart reports its continue-format-control with the
    // arguments, as SBCL's menu does.
    send(
        &mut p,
        "(progn (cerror \"Retry with ~a.\" \"~a failed\" 'fetch) :went-on)",
    );
    send(&mut p, ENTER);
    p.expect(" 0: [CONTINUE] Retry with FETCH.")
        .expect("continue listed with its report");
    p.expect(&level_prompt(1)).expect("break level 1");
    send(&mut p, "0");
    send(&mut p, ENTER);
    p.expect(":WENT-ON\r\n").expect("cerror returned");
    assert!(at_top_level(&mut p));
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn break_levels_nest_and_pop_reset_and_ctrl_d_leave_them() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    send(&mut p, "(error \"first\")");
    send(&mut p, ENTER);
    p.expect(&level_prompt(1)).expect("level 1");
    // Lisp still works inside a break level.
    send(&mut p, "(list 'inside)");
    send(&mut p, ENTER);
    p.expect("(INSIDE)\r\n").expect("evaluated at level 1");
    p.expect(&level_prompt(1)).expect("still level 1");
    send(&mut p, "(error \"second\")");
    send(&mut p, ENTER);
    p.expect(" 0: [POP] Return to break level 1.")
        .expect("the way to level 1");
    p.expect(&level_prompt(2)).expect("level 2");
    send(&mut p, ":pop");
    send(&mut p, ENTER);
    p.expect(&level_prompt(1)).expect("back to level 1");
    send(&mut p, "(error \"third\")");
    send(&mut p, ENTER);
    p.expect(&level_prompt(2)).expect("level 2 again");
    send(&mut p, ":reset");
    send(&mut p, ENTER);
    line_done(&mut p);
    assert!(at_top_level(&mut p), ":reset goes to the top level");
    send(&mut p, "(error \"fourth\")");
    send(&mut p, ENTER);
    p.expect(&level_prompt(1)).expect("level 1");
    // Ctrl-D leaves the break level, not the REPL.
    send(&mut p, "\x04");
    line_done(&mut p);
    assert!(at_top_level(&mut p), "Ctrl-D pops a break level");
    eval(&mut p, "(list 'alive)", "(ALIVE)\r\n");
    send(&mut p, ":pop");
    send(&mut p, ENTER);
    p.expect("Already at the top level.")
        .expect(":pop at the top");
    send(&mut p, ":exit 5");
    send(&mut p, ENTER);
    assert_eq!(exit_status(&mut p), 5);
}

#[test]
fn colon_commands_load_change_directory_show_history_and_backtrace() {
    let (_d, h) = history_file();
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("defs.lisp"),
        "(defun loaded-fn (x) (/ 10 x))\n(defun caller (x)\n  (list 1 (loaded-fn x)))\n",
    )
    .expect("write defs.lisp");
    let mut p = start(&h);
    send(&mut p, ":help");
    send(&mut p, ENTER);
    p.expect(":zoom").expect("help lists :zoom");
    p.expect(PROMPT).expect("prompt");
    let where_to = dir.path().display().to_string();
    send(&mut p, &format!(":cd {where_to}"));
    send(&mut p, ENTER);
    p.expect(&format!("{where_to}\r\n"))
        .expect(":cd prints the new directory");
    p.expect(PROMPT).expect("prompt");
    send(&mut p, ":pwd");
    send(&mut p, ENTER);
    p.expect(&format!("{where_to}\r\n")).expect(":pwd");
    p.expect(PROMPT).expect("prompt");
    // :ld reads a file relative to the new directory.
    send(&mut p, ":ld defs.lisp");
    send(&mut p, ENTER);
    line_done(&mut p);
    p.expect(PROMPT).expect("prompt after :ld");
    eval(&mut p, "(loaded-fn 5)", "2\r\n");
    // :zoom shows the functions active at the last error.
    send(&mut p, "(caller 0)");
    send(&mut p, ENTER);
    p.expect("DIVISION-BY-ZERO").expect("the error");
    p.expect(&level_prompt(1)).expect("level 1");
    send(&mut p, ":zoom");
    send(&mut p, ENTER);
    p.expect("  0: LOADED-FN")
        .expect("the backtrace names the function");
    // Each frame stands at the call it is executing in the loaded file.
    p.expect("  1: CALLER at ").expect("the caller's frame");
    p.expect("defs.lisp:3:11\r\n")
        .expect("the call of LOADED-FN in CALLER");
    p.expect(&level_prompt(1)).expect("level 1");
    send(&mut p, ":history 2");
    send(&mut p, ENTER);
    p.expect("1: :zoom").expect("the history, oldest first");
    p.expect("2: :history 2")
        .expect("the history includes itself");
    p.expect(&level_prompt(1)).expect("level 1");
    // A keyword that is no command is Lisp.
    send(&mut p, ":reset");
    send(&mut p, ENTER);
    line_done(&mut p);
    assert!(at_top_level(&mut p));
    eval(&mut p, ":subject", ":SUBJECT\r\n");
    send(&mut p, "(quit 3)");
    send(&mut p, ENTER);
    assert_eq!(exit_status(&mut p), 3);
}

#[test]
fn tab_completes_keywords_not_yet_interned() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    // No form has named :REPLY-TO yet: it comes from send-letter's
    // lambda list.
    send(&mut p, "(list :reply-t\t");
    p.expect(":reply-to").expect("completed keyword echoed");
    eval(&mut p, ")", "(:REPLY-TO)\r\n");
    send(&mut p, "(list :startt\t");
    p.expect(":starttls")
        .expect("server-form keyword completed");
    eval(&mut p, ")", "(:STARTTLS)\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn trace_prints_calls_and_returns_at_the_repl() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    eval(&mut p, "(defun twice (x) (* 2 x))", "TWICE\r\n");
    eval(&mut p, "(trace twice)", "(TWICE)\r\n");
    send(&mut p, "(twice 21)");
    send(&mut p, ENTER);
    p.expect("  0: (TWICE 21)\r\n").expect("the call");
    p.expect("  0: TWICE returned 42\r\n").expect("the return");
    p.expect("42\r\n").expect("the value");
    p.expect(PROMPT).expect("prompt");
    eval(&mut p, "(untrace)", "(TWICE)\r\n");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

#[test]
fn inspect_on_a_terminal_walks_into_parts_and_returns_the_object() {
    let (_d, h) = history_file();
    let mut p = start(&h);
    send(&mut p, "(inspect (list 'top (list 'inner 'part)))");
    send(&mut p, ENTER);
    p.expect("  1. element 1: (INNER PART)\r\n")
        .expect("the parts listed");
    p.expect("> ").expect("the inspector's prompt");
    send(&mut p, "1");
    send(&mut p, ENTER);
    p.expect("  0. element 0: INNER\r\n")
        .expect("the part inspected");
    p.expect("> ").expect("the inspector's prompt");
    send(&mut p, "q");
    send(&mut p, ENTER);
    // The value is the object inspected, and only it.
    let before = p.expect(PROMPT).expect("back at the REPL");
    assert!(before.contains("(TOP (INNER PART))\r\n"), "{before:?}");
    assert!(!before.contains("\"q\""), "{before:?}");
    send(&mut p, "\x04");
    assert_eq!(exit_status(&mut p), 0);
}

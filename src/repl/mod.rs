//! The interactive REPL (rustyline): the prompt names the current package,
//! Enter continues the input while a form is incomplete, Tab completes
//! symbol names, history persists in a file. Each form's values print with
//! `prin1`, one per line; `*`, `**`, `***`, `+`, `++`, `+++`, `/`, `//`,
//! `///` and `-` follow CLHS 25.1.1. An error no handler takes enters a
//! break level (`[1] CL-USER> `) that lists the restarts; Allegro's colon
//! commands (`commands.rs`) work at every level.

mod commands;
mod complete;

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Editor};

use crate::cli::error_line;
use crate::eval::backtrace::BacktraceFrame;
use crate::eval::interp::SourcePos;
use crate::eval::package::{self, cl_sym, Package};
use crate::eval::stream::Stream;
use crate::eval::{Interp, LResult, Unwind, UnwindKind, Value};
use crate::reader::Reader;
use crate::toplevel::{self, EvalCtx, ScriptError};

pub use complete::{complete_symbol, is_incomplete, LispHelper};

/// The name errors in REPL input are reported under.
const REPL_FILE: &str = "<repl>";

/// The line editor and what the session keeps across break levels.
struct Session {
    ed: Editor<LispHelper, FileHistory>,
    history: Option<PathBuf>,
    /// Lines entered so far, so positions in errors count across inputs.
    lines_before: usize,
}

thread_local! {
    static SESSION: RefCell<Option<Session>> = const { RefCell::new(None) };
    /// The break level: 0 at the top level, N inside the Nth nested error.
    static LEVEL: Cell<usize> = const { Cell::new(0) };
    /// A break level already showed the error now unwinding through it.
    static REPORTED: Cell<bool> = const { Cell::new(false) };
    /// `:reset`: every break level leaves until the top level.
    static RESET: Cell<bool> = const { Cell::new(false) };
    /// The backtrace of the last error, for `:zoom`.
    static LAST_BACKTRACE: RefCell<Vec<BacktraceFrame>> = const { RefCell::new(Vec::new()) };
}

/// Break levels deeper than this are not entered: the error unwinds.
const MAX_LEVEL: usize = 16;

/// Run the REPL until end of input; returns the exit status.
pub fn run(it: &mut Interp) -> i32 {
    init_variables();
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(false)
        // Output ends at column 0 (see `fresh_line`), so rustyline need
        // not ask the terminal where the cursor is.
        .check_cursor_position(false);
    let config = match config.history_ignore_dups(true) {
        Ok(c) => c.build(),
        Err(_) => Config::default(),
    };
    let mut ed: Editor<LispHelper, FileHistory> = match Editor::with_config(config) {
        Ok(ed) => ed,
        Err(e) => {
            error_line(&format!("cannot start the REPL: {e}"));
            return 1;
        }
    };
    ed.set_helper(Some(LispHelper));
    let history = history_path();
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        // A missing file is the normal first run.
        let _ = ed.load_history(path);
    }
    SESSION.with(|s| {
        *s.borrow_mut() = Some(Session {
            ed,
            history,
            lines_before: 0,
        })
    });
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "sendletter {} REPL. Ctrl-D or (exit) leaves; :help lists the commands.",
            env!("CARGO_PKG_VERSION")
        );
        if let Some(dir) = crate::builtins::routing::routing(it).sink {
            let _ = writeln!(
                out,
                "Dry run (--sink): letters are written to {}; nothing is sent.",
                dir.display()
            );
        }
        let _ = out.flush();
    }
    // Ctrl-C while a form runs interrupts it (`eval::interrupt`); while
    // typing, the line editor sees it as a key.
    crate::eval::interrupt::catch_sigint();
    crate::eval::condition::DEBUGGER.with(|d| d.set(Some(break_loop)));
    let end = repl_loop(it, 0, Value::Nil);
    crate::eval::condition::DEBUGGER.with(|d| d.set(None));
    save_history();
    match end {
        LoopEnd::Exit(code) => code,
        // Only break levels leave or unwind.
        LoopEnd::Leave | LoopEnd::Unwind(_) => 0,
    }
}

/// How a read-eval-print loop ended.
enum LoopEnd {
    /// `(exit N)`, `:exit N`, Ctrl-D at the top level, a terminal failure.
    Exit(i32),
    /// A break level was left (`:pop`, `:reset`, Ctrl-D).
    Leave,
    /// A restart was chosen, or a form threw past this break level.
    Unwind(Unwind),
}

/// What one input asked for.
pub(crate) enum Outcome {
    Continue,
    Exit(i32),
    Pop,
    Reset,
    Unwind(Unwind),
}

enum Input {
    Text(String),
    Interrupted,
    Eof,
    Failed(String),
}

fn read_input(prompt: &str) -> Input {
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        let Some(session) = s.as_mut() else {
            return Input::Eof;
        };
        match session.ed.readline(prompt) {
            Ok(text) => {
                if !text.trim().is_empty() {
                    let _ = session.ed.add_history_entry(text.as_str());
                    if let Some(path) = &session.history {
                        let _ = session.ed.save_history(path);
                    }
                }
                Input::Text(text)
            }
            // Ctrl-C: abandon this input, stay in the REPL.
            Err(ReadlineError::Interrupted) => Input::Interrupted,
            Err(ReadlineError::Eof) => Input::Eof,
            Err(e) => Input::Failed(format!("terminal error: {e}")),
        }
    })
}

/// One line typed at `prompt` (for a restart's value); `None` when the
/// user pressed Ctrl-C or Ctrl-D instead.
pub(crate) fn ask_line(prompt: &str) -> Option<String> {
    SESSION.with(|s| {
        let mut s = s.borrow_mut();
        s.as_mut()?.ed.readline(prompt).ok()
    })
}

fn save_history() {
    SESSION.with(|s| {
        if let Some(session) = s.borrow_mut().as_mut() {
            if let Some(path) = &session.history {
                let _ = session.ed.save_history(path);
            }
        }
    });
}

/// The last `n` history entries, oldest first, for `:history`.
pub(crate) fn history_entries(n: usize) -> Vec<String> {
    SESSION.with(|s| {
        let s = s.borrow();
        let Some(session) = s.as_ref() else {
            return Vec::new();
        };
        let all: Vec<String> = session.ed.history().iter().cloned().collect();
        let skip = all.len().saturating_sub(n);
        all.into_iter().skip(skip).collect()
    })
}

pub(crate) fn last_backtrace() -> Vec<BacktraceFrame> {
    LAST_BACKTRACE.with(|b| b.borrow().clone())
}

/// Read, evaluate and print at break level `level` (0: the top level)
/// until the user leaves it. `restarts` is the list of restarts of the
/// level's error (NIL at the top level).
fn repl_loop(it: &mut Interp, level: usize, restarts: Value) -> LoopEnd {
    let mark = it.dyn_mark();
    loop {
        fresh_line();
        toplevel::flush_output(it);
        let text = match read_input(&prompt_at(level)) {
            Input::Text(text) => text,
            Input::Interrupted => continue,
            Input::Eof => {
                let _ = writeln!(std::io::stdout());
                return if level == 0 {
                    LoopEnd::Exit(0)
                } else {
                    LoopEnd::Leave
                };
            }
            Input::Failed(e) => {
                error_line(&e);
                return LoopEnd::Exit(1);
            }
        };
        crate::eval::interrupt::clear();
        let lines_before = SESSION.with(|s| s.borrow().as_ref().map_or(0, |s| s.lines_before));
        SESSION.with(|s| {
            if let Some(session) = s.borrow_mut().as_mut() {
                session.lines_before += text.lines().count().max(1);
            }
        });
        let outcome = match commands::parse(&text, level > 0) {
            Some(cmd) => commands::run(it, cmd, level, &restarts, lines_before),
            None => eval_input(it, &text, lines_before, level),
        };
        crate::eval::interrupt::clear();
        // Whatever an error left behind, the next form starts clean.
        it.unbind_to(mark);
        match outcome {
            Outcome::Continue => {}
            Outcome::Exit(code) => {
                fresh_line();
                toplevel::flush_output(it);
                return LoopEnd::Exit(code);
            }
            Outcome::Pop if level > 0 => return LoopEnd::Leave,
            Outcome::Reset if level > 0 => {
                RESET.set(true);
                return LoopEnd::Leave;
            }
            Outcome::Pop | Outcome::Reset => say("Already at the top level."),
            Outcome::Unwind(u) => return LoopEnd::Unwind(u),
        }
        if RESET.get() {
            if level > 0 {
                return LoopEnd::Leave;
            }
            RESET.set(false);
        }
    }
}

/// A line on standard output.
pub(crate) fn say(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// The debugger hook (`eval::condition::DEBUGGER`): an error no handler
/// took enters a break level inside the error's dynamic extent, as
/// Allegro's and SBCL's REPLs do. The level lists the restarts; choosing
/// one unwinds to it, `:pop` unwinds the error to the level above.
fn break_loop(it: &mut Interp, condition: &Value) -> LResult<()> {
    let is_interrupt =
        matches!(condition, Value::Struct(o) if o.class.name.name == "INTERACTIVE-INTERRUPT");
    let level = LEVEL.get() + 1;
    if is_interrupt || level > MAX_LEVEL || SESSION.with(|s| s.borrow().is_none()) {
        return Ok(());
    }
    LAST_BACKTRACE.with(|b| *b.borrow_mut() = it.error_backtrace.clone());
    let pos = it.toplevel_pos.clone();
    let report = toplevel::unwind_to_error(it, Unwind::Error(condition.clone()), pos);
    fresh_line();
    toplevel::flush_output(it);
    error_line(&report.describe());
    let restarts = it
        .call_named(&cl_sym("COMPUTE-RESTARTS"), std::slice::from_ref(condition))
        .unwrap_or(Value::Nil);
    print_restarts(it, level, &restarts);
    LEVEL.set(level);
    let end = repl_loop(it, level, restarts);
    LEVEL.set(level - 1);
    match end {
        LoopEnd::Leave => {
            REPORTED.set(true);
            Ok(())
        }
        LoopEnd::Exit(code) => Err(Unwind::Exit(code)),
        LoopEnd::Unwind(u) => Err(u),
    }
}

/// The menu of a break level, on standard error after the error line:
/// the Lisp restarts innermost first, then the ways back up.
fn print_restarts(it: &mut Interp, level: usize, restarts: &Value) {
    let mut text = String::from("Restarts (type the number, or :continue N; :help for more):\n");
    let mut n = 0;
    for r in restarts.iter() {
        let name = it
            .call_named(&cl_sym("RESTART-NAME"), std::slice::from_ref(&r))
            .map(|v| crate::printer::princ_to_string(&v))
            .unwrap_or_default();
        let report = it
            .call_named(&cl_sym("PRINC-TO-STRING"), std::slice::from_ref(&r))
            .map(|v| crate::printer::princ_to_string(&v))
            .unwrap_or_default();
        let report = commands::restart_text(&name, &report);
        text.push_str(&format!(" {n}: [{name}] {report}\n"));
        n += 1;
    }
    if level > 1 {
        text.push_str(&format!(
            " {n}: [POP] Return to break level {}.\n",
            level - 1
        ));
        n += 1;
    }
    text.push_str(&format!(" {n}: [RESET] Return to the top level.\n"));
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// The history file: `$SENDLETTER_HISTORY`, else
/// `$XDG_STATE_HOME/sendletter/history`, else
/// `~/.local/state/sendletter/history` (XDG Base Directory spec: relative
/// paths in the variable are ignored).
pub fn history_path() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(p) = var("SENDLETTER_HISTORY") {
        return Some(PathBuf::from(p));
    }
    let state = match var("XDG_STATE_HOME").map(PathBuf::from) {
        Some(d) if d.is_absolute() => d,
        _ => PathBuf::from(var("HOME")?).join(".local").join("state"),
    };
    Some(state.join("sendletter").join("history"))
}

/// `CL-USER> `: the package's conventional short name, as SLIME and
/// Allegro show it.
pub fn prompt() -> String {
    format!("{}> ", prompt_name(&package::current_package()))
}

/// Inside a break level the prompt shows it, as Allegro's: `[1] CL-USER> `.
fn prompt_at(level: usize) -> String {
    match level {
        0 => prompt(),
        n => format!("[{n}] {}", prompt()),
    }
}

fn prompt_name(p: &Rc<Package>) -> String {
    let name = p.name();
    match name.as_str() {
        "COMMON-LISP-USER" => return "CL-USER".into(),
        "COMMON-LISP" => return "CL".into(),
        _ => {}
    }
    let nicks = p.nicknames.borrow();
    std::iter::once(&name)
        .chain(nicks.iter())
        .min_by_key(|n| n.chars().count())
        .cloned()
        .unwrap_or_else(|| name.clone())
}

/// The REPL variables of CLHS 25.1.1, declared special and NIL.
fn init_variables() {
    for name in ["*", "**", "***", "+", "++", "+++", "/", "//", "///", "-"] {
        let s = cl_sym(name);
        s.special.set(true);
        let mut cell = s.value.borrow_mut();
        if cell.is_none() {
            *cell = Some(Value::Nil);
        }
    }
}

fn set_var(name: &str, v: Value) {
    *cl_sym(name).value.borrow_mut() = Some(v);
}

fn get_var(name: &str) -> Value {
    cl_sym(name).value.borrow().clone().unwrap_or(Value::Nil)
}

/// After a form returned `values`: shift the history variables.
fn record(form: Value, values: &[Value]) {
    for (to, from) in [("+++", "++"), ("++", "+"), ("///", "//"), ("//", "/")] {
        set_var(to, get_var(from));
    }
    for (to, from) in [("***", "**"), ("**", "*")] {
        set_var(to, get_var(from));
    }
    set_var("+", form);
    set_var("/", Value::list(values.iter().cloned()));
    set_var("*", values.first().cloned().unwrap_or(Value::Nil));
}

/// Read and evaluate each form of one input, printing its values. An
/// error ends the input (the rest is not evaluated).
pub(crate) fn eval_input(
    it: &mut Interp,
    text: &str,
    lines_before: usize,
    level: usize,
) -> Outcome {
    let mut reader = Reader::new(text, Some(REPL_FILE));
    loop {
        let read = {
            let mut ctx = EvalCtx(it);
            reader.read(&mut ctx)
        };
        let form = match read {
            Ok(Some(form)) => form,
            Ok(None) => return Outcome::Continue,
            Err(mut e) => {
                e.line += lines_before;
                let error = match crate::builtins::streams::take_reader_unwind(&e) {
                    Some(u) => toplevel::unwind_to_error(
                        it,
                        u,
                        SourcePos {
                            file: Some(REPL_FILE.to_string()),
                            line: e.line,
                            column: e.column,
                        },
                    ),
                    None => ScriptError::Read(e),
                };
                if let ScriptError::Exit(code) = error {
                    return Outcome::Exit(code);
                }
                report(it, &error);
                return Outcome::Continue;
            }
        };
        let (line, column) = reader.form_start();
        let pos = SourcePos {
            file: Some(REPL_FILE.to_string()),
            line: line + lines_before,
            column,
        };
        set_var("-", form.clone());
        let saved = std::mem::replace(&mut it.toplevel_pos, pos);
        let r = it.eval_toplevel_form(&form);
        let pos = std::mem::replace(&mut it.toplevel_pos, saved);
        match r {
            Ok(v) => {
                let values = it.take_values(v);
                print_values(&values);
                record(form, &values);
            }
            Err(u) => return unwound(it, u, pos, level),
        }
    }
}

/// An input's evaluation was cut short by `u`.
pub(crate) fn unwound(it: &mut Interp, u: Unwind, pos: SourcePos, level: usize) -> Outcome {
    match u.kind() {
        UnwindKind::Exit(code) => return Outcome::Exit(*code),
        // A break level already showed this error.
        UnwindKind::Error(_) if REPORTED.replace(false) => return Outcome::Continue,
        // A restart or exit point outside this break level.
        UnwindKind::Restart { .. }
        | UnwindKind::Throw { .. }
        | UnwindKind::ReturnFrom { .. }
        | UnwindKind::Go { .. }
            if level > 0 =>
        {
            return Outcome::Unwind(u)
        }
        _ => {}
    }
    let e = toplevel::unwind_to_error(it, u, pos);
    if let ScriptError::Lisp(l) = &e {
        LAST_BACKTRACE.with(|b| *b.borrow_mut() = l.backtrace.clone());
    }
    report(it, &e);
    Outcome::Continue
}

/// The stream `*standard-output*` names, if it is one.
fn stream_var(name: &str) -> Option<Rc<Stream>> {
    match cl_sym(name).value.borrow().clone() {
        Some(Value::Stream(s)) => Some(s),
        _ => None,
    }
}

/// `prin1` each value on its own line, after the form's own output.
fn print_values(values: &[Value]) {
    fresh_line();
    let Some(out) = stream_var("*STANDARD-OUTPUT*") else {
        return;
    };
    for v in values {
        let _ = out.write_str(&crate::printer::prin1_to_string(v));
        let _ = out.write_str("\n");
    }
    let _ = out.flush();
}

/// Print an error on standard error, after what the form printed.
fn report(it: &Interp, e: &ScriptError) {
    fresh_line();
    toplevel::flush_output(it);
    error_line(&e.describe());
}

/// Start a new line on standard output and error if either was left
/// mid-line (`fresh-line`), so the prompt starts at column 0.
fn fresh_line() {
    for name in ["*STANDARD-OUTPUT*", "*ERROR-OUTPUT*"] {
        if let Some(s) = stream_var(name) {
            if s.column.get() != 0 {
                let _ = s.write_str("\n");
            }
            let _ = s.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_names() {
        let _it = toplevel::new_interp();
        assert_eq!(prompt_name(&package::user_package()), "CL-USER");
        assert_eq!(prompt_name(&package::cl_package()), "CL");
        let p = package::make_package("PROMPT-TEST-PACKAGE", &["PTP".into(), "PT".into()])
            .expect("fresh package");
        assert_eq!(prompt_name(&p), "PT");
        assert_eq!(prompt_name(&package::keyword_package()), "KEYWORD");
    }

    #[test]
    fn history_variables_shift() {
        let _it = toplevel::new_interp();
        init_variables();
        record(Value::Fixnum(10), &[Value::Fixnum(1)]);
        record(Value::Fixnum(20), &[Value::Fixnum(2), Value::Fixnum(3)]);
        record(Value::Fixnum(30), &[]);
        assert!(!get_var("*").truthy());
        assert!(matches!(get_var("**"), Value::Fixnum(2)));
        assert!(matches!(get_var("***"), Value::Fixnum(1)));
        assert!(matches!(get_var("+"), Value::Fixnum(30)));
        assert!(matches!(get_var("+++"), Value::Fixnum(10)));
        assert!(!get_var("/").truthy());
        assert!(matches!(get_var("//"), Value::Cons(_)));
    }
}

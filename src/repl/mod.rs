//! The interactive REPL (rustyline): the prompt names the current package,
//! Enter continues the input while a form is incomplete, Tab completes
//! symbol names, history persists in a file. Each form's values print with
//! `prin1`, one per line; `*`, `**`, `***`, `+`, `++`, `+++`, `/`, `//`,
//! `///` and `-` follow CLHS 25.1.1. An error prints its report and returns
//! to the prompt.

mod complete;

use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use rustyline::config::Config;
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{CompletionType, Editor};

use crate::cli::error_line;
use crate::eval::interp::SourcePos;
use crate::eval::package::{self, cl_sym, Package};
use crate::eval::stream::Stream;
use crate::eval::{Interp, Value};
use crate::reader::Reader;
use crate::toplevel::{self, EvalCtx, ScriptError};

pub use complete::{complete_symbol, is_incomplete, LispHelper};

/// The name errors in REPL input are reported under.
const REPL_FILE: &str = "<repl>";

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
    let save = |ed: &mut Editor<LispHelper, FileHistory>| {
        if let Some(path) = &history {
            let _ = ed.save_history(path);
        }
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(
            out,
            "sendletter {} REPL. Ctrl-D or (exit) leaves.",
            env!("CARGO_PKG_VERSION")
        );
        let _ = out.flush();
    }
    // Ctrl-C while a form runs interrupts it (`eval::interrupt`); while
    // typing, the line editor sees it as a key.
    crate::eval::interrupt::catch_sigint();
    let base_mark = it.dyn_mark();
    // Lines entered so far, so positions in errors count across inputs.
    let mut lines_before = 0;
    loop {
        fresh_line();
        toplevel::flush_output(it);
        match ed.readline(&prompt()) {
            Ok(text) => {
                if !text.trim().is_empty() {
                    let _ = ed.add_history_entry(text.as_str());
                    save(&mut ed);
                }
                crate::eval::interrupt::clear();
                let exit = eval_input(it, &text, lines_before);
                crate::eval::interrupt::clear();
                lines_before += text.lines().count().max(1);
                // Whatever an error left behind, the next form starts clean.
                it.unbind_to(base_mark);
                if let Some(code) = exit {
                    fresh_line();
                    toplevel::flush_output(it);
                    return code;
                }
            }
            // Ctrl-C: abandon this input, stay in the REPL.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => {
                let _ = writeln!(std::io::stdout());
                save(&mut ed);
                return 0;
            }
            Err(e) => {
                error_line(&format!("terminal error: {e}"));
                save(&mut ed);
                return 1;
            }
        }
    }
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

fn prompt_name(p: &Rc<Package>) -> String {
    match p.name.as_str() {
        "COMMON-LISP-USER" => return "CL-USER".into(),
        "COMMON-LISP" => return "CL".into(),
        _ => {}
    }
    let nicks = p.nicknames.borrow();
    std::iter::once(&p.name)
        .chain(nicks.iter())
        .min_by_key(|n| n.chars().count())
        .cloned()
        .unwrap_or_else(|| p.name.clone())
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
/// error ends the input (the rest is not evaluated). `Some(code)` when the
/// program should exit.
fn eval_input(it: &mut Interp, text: &str, lines_before: usize) -> Option<i32> {
    let mut reader = Reader::new(text, Some(REPL_FILE));
    loop {
        let read = {
            let mut ctx = EvalCtx(it);
            reader.read(&mut ctx)
        };
        let form = match read {
            Ok(Some(form)) => form,
            Ok(None) => return None,
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
                    return Some(code);
                }
                report(it, &error);
                return None;
            }
        };
        let (line, column) = reader.form_start();
        let pos = SourcePos {
            file: Some(REPL_FILE.to_string()),
            line: line + lines_before,
            column,
        };
        set_var("-", form.clone());
        match toplevel::eval_toplevel(it, &form, pos) {
            Ok(v) => {
                let values = it.take_values(v);
                print_values(&values);
                record(form, &values);
            }
            Err(ScriptError::Exit(code)) => return Some(code),
            Err(e) => {
                report(it, &e);
                return None;
            }
        }
    }
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

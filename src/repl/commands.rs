//! Allegro's top-level colon commands at the REPL prompt (`:help`,
//! `:exit`, `:ld`, `:cd`, `:pwd`, `:reset`, `:pop`, `:zoom`, `:history`,
//! `:continue`), and, inside a break level, a bare number choosing a
//! restart. Any other input starting with `:` is Lisp (a keyword).

use super::{eval_input, history_entries, last_backtrace, say, Outcome};
use crate::eval::package::cl_sym;
use crate::eval::{Interp, Value};

/// A parsed command.
pub(crate) struct Command {
    name: &'static str,
    args: Vec<String>,
}

/// The commands, with what `:help` says of them.
const COMMANDS: &[(&str, &str, &str)] = &[
    ("help", "", "list these commands"),
    ("exit", "[N]", "leave sendletter with status N (default 0)"),
    ("ld", "FILE...", "load each FILE"),
    (
        "cd",
        "[DIR]",
        "change the working directory (default: your home)",
    ),
    ("pwd", "", "print the working directory"),
    (
        "continue",
        "[N]",
        "in a break level: invoke restart N (default 0)",
    ),
    ("pop", "", "leave this break level for the one above"),
    ("reset", "", "leave every break level for the top level"),
    ("zoom", "", "the backtrace of the last error"),
    ("history", "[N]", "the last N inputs (default 20)"),
];

/// Allegro's abbreviations.
const ALIASES: &[(&str, &str)] = &[("cont", "continue"), ("bt", "zoom"), ("hist", "history")];

/// The command `text` is, if it is one. In a break level a lone number
/// is `:continue N`.
pub(crate) fn parse(text: &str, in_break: bool) -> Option<Command> {
    let trimmed = text.trim();
    if in_break && !trimmed.is_empty() && trimmed.chars().all(|c| c.is_ascii_digit()) {
        return Some(Command {
            name: "continue",
            args: vec![trimmed.to_string()],
        });
    }
    let rest = trimmed.strip_prefix(':')?;
    let mut words = rest.split_whitespace();
    let word = words.next()?.to_lowercase();
    let word = ALIASES
        .iter()
        .find(|(a, _)| *a == word)
        .map_or(word.as_str(), |(_, full)| full);
    let name = COMMANDS.iter().find(|(n, _, _)| *n == word)?.0;
    Some(Command {
        name,
        args: words.map(str::to_string).collect(),
    })
}

pub(crate) fn run(
    it: &mut Interp,
    cmd: Command,
    level: usize,
    restarts: &Value,
    lines_before: usize,
) -> Outcome {
    match cmd.name {
        "help" => {
            let mut text = String::from("Commands (at the prompt; any other input is Lisp):\n");
            for (name, args, what) in COMMANDS {
                text.push_str(&format!("  :{:<18} {what}\n", format!("{name} {args}")));
            }
            text.push_str("In a break level, a number alone invokes that restart.");
            say(&text);
            Outcome::Continue
        }
        "exit" => match cmd.args.first().map(|a| a.parse::<i32>()) {
            None => Outcome::Exit(0),
            Some(Ok(n)) => Outcome::Exit(n),
            Some(Err(_)) => {
                say(":exit takes an exit status, a number.");
                Outcome::Continue
            }
        },
        "ld" => {
            if cmd.args.is_empty() {
                say(":ld needs a file name.");
                return Outcome::Continue;
            }
            for file in &cmd.args {
                let form = format!(
                    "(load {})",
                    crate::printer::prin1_to_string(&Value::string(file.as_str()))
                );
                match eval_input(it, &form, lines_before, level) {
                    Outcome::Continue => {}
                    other => return other,
                }
            }
            Outcome::Continue
        }
        "cd" => {
            let dir = match cmd.args.first() {
                Some(d) => std::path::PathBuf::from(d),
                None => match std::env::var_os("HOME") {
                    Some(h) => h.into(),
                    None => {
                        say(":cd needs a directory (HOME is not set).");
                        return Outcome::Continue;
                    }
                },
            };
            match std::env::set_current_dir(&dir) {
                Ok(()) => print_cwd(),
                Err(e) => say(&format!("cannot change to {}: {e}", dir.display())),
            }
            Outcome::Continue
        }
        "pwd" => {
            print_cwd();
            Outcome::Continue
        }
        "pop" => Outcome::Pop,
        "reset" => Outcome::Reset,
        "zoom" => {
            let frames = last_backtrace();
            if frames.is_empty() {
                say("No backtrace: no error yet, or it happened at the top level of a form.");
            } else {
                let text: Vec<String> = frames
                    .iter()
                    .enumerate()
                    .map(|(i, f)| format!("  {i}: {f}"))
                    .collect();
                say(&text.join("\n"));
            }
            Outcome::Continue
        }
        "history" => {
            let n = cmd.args.first().and_then(|a| a.parse().ok()).unwrap_or(20);
            let entries = history_entries(n);
            let text: Vec<String> = entries
                .iter()
                .enumerate()
                .map(|(i, e)| format!("  {}: {e}", i + 1))
                .collect();
            if !text.is_empty() {
                say(&text.join("\n"));
            }
            Outcome::Continue
        }
        "continue" => choose_restart(it, &cmd.args, level, restarts),
        _ => Outcome::Continue,
    }
}

fn print_cwd() {
    match std::env::current_dir() {
        Ok(d) => say(&d.display().to_string()),
        Err(e) => say(&format!("the working directory is unknown: {e}")),
    }
}

/// `:continue N`: the Nth entry of the break level's menu — a Lisp
/// restart, invoked interactively (CLHS invoke-restart-interactively, so
/// `use-value` and `store-value` ask for their value), or one of the ways
/// back up after them.
fn choose_restart(it: &mut Interp, args: &[String], level: usize, restarts: &Value) -> Outcome {
    if level == 0 {
        say("No restarts here: :continue works in a break level, after an error.");
        return Outcome::Continue;
    }
    let n = match args.first().map(|a| a.parse::<usize>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            say(":continue takes a restart's number.");
            return Outcome::Continue;
        }
    };
    let lisp: Vec<Value> = restarts.iter().collect();
    if let Some(r) = lisp.get(n) {
        let invoked = match value_to_ask_for(it, r) {
            Some(Ok(value)) => it.call_named(&cl_sym("INVOKE-RESTART"), &[r.clone(), value]),
            Some(Err(u)) => Err(u),
            None => it.call_named(
                &cl_sym("INVOKE-RESTART-INTERACTIVELY"),
                std::slice::from_ref(r),
            ),
        };
        return match invoked {
            // A restart transfers control; a normal return is not expected.
            Ok(_) => Outcome::Continue,
            Err(u) => {
                let pos = it.toplevel_pos.clone();
                super::unwound(it, u, pos, level)
            }
        };
    }
    let extra = n - lisp.len();
    match (extra, level > 1) {
        (0, true) => Outcome::Pop,
        (0, false) | (1, true) => Outcome::Reset,
        _ => {
            say(&format!("There is no restart {n}."));
            Outcome::Continue
        }
    }
}

/// `use-value` and `store-value` take the value to use; when the restart
/// has no `:interactive` function to ask for it, ask here, as SBCL's
/// debugger does: a form, read and evaluated. `None` for other restarts.
fn value_to_ask_for(it: &mut Interp, r: &Value) -> Option<crate::eval::LResult<Value>> {
    if crate::builtins::core::restart_has_interactive(r) {
        return None;
    }
    let name = it
        .call_named(&cl_sym("RESTART-NAME"), std::slice::from_ref(r))
        .ok()?;
    let wanted = matches!(&name, Value::Symbol(s) if s.home_is_cl() && (s.name == "USE-VALUE" || s.name == "STORE-VALUE"));
    if !wanted {
        return None;
    }
    let text = super::ask_line("Enter a form to be evaluated: ")?;
    Some((|| {
        let form = it.call_named(&cl_sym("READ-FROM-STRING"), &[Value::string(text)])?;
        let form = it
            .take_values(form)
            .into_iter()
            .next()
            .unwrap_or(Value::Nil);
        it.call_named(&cl_sym("EVAL"), &[form])
    })())
}

/// A restart's menu text: its report, or what the standard restarts do.
pub(crate) fn restart_text(name: &str, report: &str) -> String {
    if !report.starts_with("#<") {
        return report.to_string();
    }
    match name {
        "CONTINUE" => "Continue.".into(),
        "ABORT" => "Abort.".into(),
        "USE-VALUE" => "Use a value instead (asks for a form).".into(),
        "STORE-VALUE" => "Store a new value and retry (asks for a form).".into(),
        "MUFFLE-WARNING" => "Ignore the warning.".into(),
        other => format!("Invoke the restart {other}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_and_numbers_are_told_from_lisp() {
        assert_eq!(parse(":help", false).map(|c| c.name), Some("help"));
        assert_eq!(
            parse("  :EXIT 3 ", false).map(|c| (c.name, c.args)),
            Some(("exit", vec!["3".to_string()]))
        );
        assert_eq!(parse(":cont 1", true).map(|c| c.name), Some("continue"));
        assert_eq!(
            parse("2", true).map(|c| c.args),
            Some(vec!["2".to_string()])
        );
        // At the top level a number is Lisp, and so is an unknown keyword.
        assert!(parse("2", false).is_none());
        assert!(parse(":subject", false).is_none());
        assert!(parse("(exit)", false).is_none());
    }
}

//! Command-line interface: flags are parsed into a [`Config`] first, then
//! run. Exit codes: 0 success, 1 an unhandled Lisp error or a reader error
//! in the script, 2 a usage error; `(exit n)` exits with n.

use std::io::{IsTerminal, Read};

use crate::eval::package::cl_sym;
use crate::eval::Value;
use crate::toplevel::{self, ScriptError};

pub const USAGE: &str = "\
sendletter - run Allegro Common Lisp send-letter mail scripts

USAGE:
    sendletter [OPTIONS] [SCRIPT.lisp [ARGS...]]
    sendletter [OPTIONS] -e EXPR [-e EXPR...]
    sendletter [OPTIONS] -            (read the script from standard input)
    sendletter                        (interactive REPL on a terminal)

OPTIONS:
    -e, --eval EXPR         Evaluate EXPR and print nothing (repeatable;
                            runs before SCRIPT)
        --sink DIR          Dry run: write every delivery to DIR as
                            NNNNNN.eml + NNNNNN.json; connect to nothing,
                            run no program
        --connect-to H:P:H2:P2
                            Connect to H2:P2 wherever a script names H:P
                            (TLS verification and EHLO still use H; repeatable)
    -v, --verbose           Trace every SMTP command and reply on stderr
                            (credentials redacted)
    -h, --help              Print this help
    -V, --version           Print the version

Inside the script, (sys:command-line-arguments) returns ARGS.

EXIT STATUS:
    0   the script ran to the end
    1   an unhandled Lisp error or a reader error (message on stderr with
        file:line:col)
    2   usage error (bad option)
    N   the script called (exit N)
";

/// Validated command-line settings.
#[derive(Debug, Default)]
pub struct Config {
    pub evals: Vec<String>,
    pub script: Option<String>,
    pub script_args: Vec<String>,
    pub sink: Option<String>,
    pub connect_to: Vec<String>,
    pub verbose: bool,
    pub help: bool,
    pub version: bool,
}

/// Parse arguments (without the program name).
pub fn parse_args(args: &[String]) -> Result<Config, String> {
    let mut c = Config::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let mut value = |name: &str| -> Result<String, String> {
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match a.as_str() {
            "-e" | "--eval" => c.evals.push(value(a)?),
            "--sink" => c.sink = Some(value(a)?),
            "--connect-to" => c.connect_to.push(value(a)?),
            "-v" | "--verbose" => c.verbose = true,
            "-h" | "--help" => c.help = true,
            "-V" | "--version" => c.version = true,
            "--" => {
                i += 1;
                if i < args.len() {
                    c.script = Some(args[i].clone());
                    c.script_args = args[i + 1..].to_vec();
                }
                break;
            }
            s if s.starts_with("--eval=") => c.evals.push(s["--eval=".len()..].to_string()),
            s if s.starts_with("--sink=") => c.sink = Some(s["--sink=".len()..].to_string()),
            s if s.starts_with("--connect-to=") => {
                c.connect_to.push(s["--connect-to=".len()..].to_string())
            }
            s if s.starts_with('-') && s != "-" => return Err(format!("unknown option {s}")),
            _ => {
                c.script = Some(a.clone());
                c.script_args = args[i + 1..].to_vec();
                break;
            }
        }
        i += 1;
    }
    for spec in &c.connect_to {
        if crate::builtins::routing::parse_connect_to(spec).is_none() {
            return Err(format!(
                "--connect-to wants HOST:PORT:HOST2:PORT2, got {spec}"
            ));
        }
    }
    Ok(c)
}

/// Run the configuration; returns the process exit status.
pub fn run(config: Config) -> i32 {
    if config.help {
        print!("{USAGE}");
        return 0;
    }
    if config.version {
        println!("sendletter {}", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    let mut it = toplevel::new_interp();
    it.set_stack_budget(crate::STACK_SIZE - crate::eval::interp::STACK_RESERVE);
    crate::builtins::system::set_command_line(&config.script, &config.script_args);
    crate::builtins::routing::configure(
        &mut it,
        config.sink.as_deref(),
        &config.connect_to,
        config.verbose,
    );
    let status = run_inner(&mut it, &config);
    toplevel::flush_output(&it);
    status
}

fn run_inner(it: &mut crate::eval::Interp, config: &Config) -> i32 {
    for (n, e) in config.evals.iter().enumerate() {
        let name = format!("<eval {}>", n + 1);
        if let Err(e) = toplevel::load_source(it, e, Some(&name)) {
            return report(it, e);
        }
    }
    let source = match config.script.as_deref() {
        Some("-") => read_stdin(),
        Some(path) => match std::fs::read(path) {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => {
                eprintln!("sendletter: cannot read {path}: {e}");
                return 1;
            }
        },
        None if !config.evals.is_empty() => return 0,
        None if std::io::stdin().is_terminal() => return crate::repl::run(it),
        None => read_stdin(),
    };
    let source = match source {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sendletter: cannot read standard input: {e}");
            return 1;
        }
    };
    let file = config
        .script
        .as_deref()
        .filter(|s| *s != "-")
        .unwrap_or("<stdin>");
    if let Some(Value::Nil) | None = cl_sym("*LOAD-PATHNAME*").value.borrow().clone() {}
    *cl_sym("*LOAD-PATHNAME*").value.borrow_mut() = Some(Value::Pathname(std::rc::Rc::new(
        crate::eval::value::Pathname::parse(file),
    )));
    *cl_sym("*LOAD-TRUENAME*").value.borrow_mut() = Some(Value::Pathname(std::rc::Rc::new(
        crate::eval::value::Pathname::parse(file),
    )));
    match toplevel::load_source(it, skip_shebang(&source), Some(file)) {
        Ok(_) => 0,
        Err(e) => report(it, e),
    }
}

fn read_stdin() -> std::io::Result<String> {
    let mut buf = Vec::new();
    std::io::stdin().read_to_end(&mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// A `#!` first line is blanked (keeping the line count for positions).
fn skip_shebang(src: &str) -> &str {
    if src.starts_with("#!") {
        match src.find('\n') {
            Some(i) => &src[i..],
            None => "",
        }
    } else {
        src
    }
}

fn report(it: &crate::eval::Interp, e: ScriptError) -> i32 {
    toplevel::flush_output(it);
    match e {
        ScriptError::Exit(code) => code,
        other => {
            eprintln!("sendletter: {}", other.describe());
            1
        }
    }
}

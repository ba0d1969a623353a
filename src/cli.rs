//! Command-line interface: flags are parsed into a [`Config`] first, then
//! run. Exit codes: 0 success, 1 an unhandled Lisp error or a reader error
//! in the script, 2 a usage error; `(exit n)` exits with n.
//!
//! Everything this module writes goes through `writeln!` on a locked
//! handle with the error ignored, never `print!`: a closed standard output
//! or error must not panic.

use std::io::{IsTerminal, Read, Write};
use std::rc::Rc;

use crate::eval::encoding::{decode_source, Encoding};
use crate::eval::package::cl_sym;
use crate::eval::value::Pathname;
use crate::eval::{Interp, Value};
use crate::toplevel::{self, ScriptError};

/// Exit status of a usage error (bad option, missing option value).
pub const EXIT_USAGE: i32 = 2;

/// Exit status of an internal error (a panic in sendletter itself), as
/// `--help` and docs/cli.md say.
pub const EXIT_INTERNAL: i32 = 70;

pub const USAGE: &str = "\
sendletter - run Allegro Common Lisp send-letter mail scripts

USAGE:
    sendletter [OPTIONS] SCRIPT.lisp [ARGS...]
    sendletter [OPTIONS] -e EXPR [-e EXPR...] [SCRIPT.lisp [ARGS...]]
    sendletter [OPTIONS] - [ARGS...]   (read the script from standard input)
    COMMAND | sendletter [OPTIONS]     (likewise, when stdin is not a terminal)
    sendletter                         (interactive REPL on a terminal)

OPTIONS:
    -e, --eval EXPR         Evaluate the forms in EXPR, printing nothing
                            (repeatable; run in order, before SCRIPT)
        --sink DIR          Dry run: write every delivery to DIR as
                            NNNNNN.eml + NNNNNN.json (numbering continues
                            after files already there, never overwriting
                            one); connect to nothing, run no program
        --connect-to H:P:H2:P2
                            Connect to H2:P2 wherever a script names H:P
                            (TLS verification and EHLO still use H; repeatable)
        --read-only         Reading mail changes nothing: IMAP mailboxes are
                            opened with EXAMINE, and deleting, expunging,
                            copying, flag changes and mailbox creation,
                            renaming or deletion are errors
    -v, --verbose           Trace every SMTP command and reply on stderr
                            (credentials redacted)
        --dkim 'DOMAIN SELECTOR KEY-FILE [canon=C] [expire=T]'
                            DKIM-sign letters from DOMAIN (and its
                            subdomains) with the PEM key in KEY-FILE
                            (repeatable; see docs/security.md)
        --dkim-config FILE  DKIM entries, one such line each, per sender
                            domain; these options replace the environment's
                            $SENDLETTER_DKIM and $SENDLETTER_DKIM_CONFIG
        --check             Check SCRIPT without running it: undefined
                            functions and variables, wrong argument counts,
                            unknown keywords, malformed server forms, addresses
                            that are not bare; FILE:LINE:COL each; status 1
                            if one is an error (the same findings go to
                            stderr before every run)
        --no-check          Do not print those findings before running
    -h, --help              Print this help
    -V, --version           Print the version
    --                      End of options: the next argument is SCRIPT

A first line starting with #! in SCRIPT is skipped, so scripts can be
executable (#!/usr/bin/env sendletter). Inside the script,
(sys:command-line-arguments) returns the program name followed by ARGS,
as Allegro CL's does for the words after --.

REPL: Enter evaluates once the form is complete; Tab completes symbol
names; Up/Down walk the history ($SENDLETTER_HISTORY, default
$XDG_STATE_HOME/sendletter/history); Ctrl-C abandons the input; Ctrl-D or
(exit) leaves.

EXIT STATUS:
    0   the script ran to the end (also when standard output was closed
        early, as by `| head`)
    1   an unhandled Lisp error or a reader error, reported on stderr as
        `sendletter: FILE:LINE:COL: ...` with the position of the
        top-level form; or the script cannot be read
    2   usage error (unknown option, missing option value, a --sink
        path that is not a usable folder)
    N   the script called (exit N)
    70  an internal error in sendletter itself (please report it)

DOCUMENTATION:
    man sendletter (docs/sendletter.1; README.md says how to install it),
    and in the source tree docs/cli.md (this command line), docs/api.md
    (send-letter and its family), docs/security.md (TLS, credentials)
";

/// Validated command-line settings.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Config {
    /// `-e` expressions, in order.
    pub evals: Vec<String>,
    /// The script path; `-` means standard input.
    pub script: Option<String>,
    /// Arguments after the script, for `sys:command-line-arguments`.
    pub script_args: Vec<String>,
    pub sink: Option<String>,
    pub connect_to: Vec<String>,
    pub read_only: bool,
    pub verbose: bool,
    /// `--dkim` entries, in order.
    pub dkim: Vec<String>,
    /// `--dkim-config FILE`.
    pub dkim_config: Option<String>,
    pub help: bool,
    pub version: bool,
    /// `--check`: report the static findings of the script, run nothing.
    pub check: bool,
    /// `--no-check`: no findings on stderr before the script runs.
    pub no_check: bool,
}

/// Parse arguments (without the program name). Options must come before
/// the script; everything after the script belongs to it. `Err` is a usage
/// error message (exit status [`EXIT_USAGE`]).
pub fn parse_args(args: &[String]) -> Result<Config, String> {
    let mut c = Config::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        // `--name=value` and `--name value` alike.
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        let takes_value = matches!(
            flag,
            "-e" | "--eval" | "--sink" | "--connect-to" | "--dkim" | "--dkim-config"
        );
        let value = if takes_value {
            match inline {
                Some(v) => Some(v),
                None => {
                    i += 1;
                    match args.get(i) {
                        Some(v) => Some(v.clone()),
                        None => return Err(format!("option {flag} needs a value")),
                    }
                }
            }
        } else {
            if inline.is_some() {
                return Err(format!("option {flag} takes no value"));
            }
            None
        };
        match (flag, value) {
            ("-e" | "--eval", Some(v)) => c.evals.push(v),
            ("--sink", Some(v)) => {
                if v.is_empty() {
                    return Err("--sink needs a directory".into());
                }
                c.sink = Some(v)
            }
            ("--connect-to", Some(v)) => {
                if crate::builtins::routing::parse_connect_to(&v).is_none() {
                    return Err(format!(
                        "--connect-to wants HOST:PORT:HOST2:PORT2, got '{v}'"
                    ));
                }
                c.connect_to.push(v)
            }
            ("--dkim", Some(v)) => {
                if let Err(e) = crate::mail::dkim::config::parse_entry(&v, None)
                    .and_then(|e| e.ok_or_else(|| "an empty entry".to_string()))
                {
                    return Err(format!("--dkim '{v}': {e}"));
                }
                c.dkim.push(v)
            }
            ("--dkim-config", Some(v)) => c.dkim_config = Some(v),
            ("--read-only", _) => c.read_only = true,
            ("-v" | "--verbose", _) => c.verbose = true,
            ("--check", _) => c.check = true,
            ("--no-check", _) => c.no_check = true,
            ("-h" | "--help", _) => c.help = true,
            ("-V" | "--version", _) => c.version = true,
            ("--", _) => {
                if let Some(script) = args.get(i + 1) {
                    c.script = Some(script.clone());
                    c.script_args = args[i + 2..].to_vec();
                }
                break;
            }
            (s, _) if s.starts_with('-') && s != "-" => {
                return Err(format!("unknown option '{s}'"))
            }
            _ => {
                c.script = Some(a.to_string());
                c.script_args = args[i + 1..].to_vec();
                break;
            }
        }
        i += 1;
    }
    Ok(c)
}

/// Run the configuration on a stack of `stack_size` bytes switched to by
/// the caller (`None`: the thread's own stack, of unknown size); returns
/// the process exit status.
pub fn run(config: Config, stack_size: Option<usize>) -> i32 {
    if config.help {
        let _ = std::io::stdout().lock().write_all(USAGE.as_bytes());
        return 0;
    }
    if config.version {
        let _ = writeln!(
            std::io::stdout().lock(),
            "sendletter {}",
            env!("CARGO_PKG_VERSION")
        );
        return 0;
    }
    if let Some(dir) = config.sink.as_deref() {
        if let Err(message) = crate::builtins::smtp::sink::prepare_dir(std::path::Path::new(dir)) {
            error_line(&message);
            return EXIT_USAGE;
        }
    }
    let keyring = match dkim_keyring(&config) {
        Ok(k) => k,
        Err(message) => {
            error_line(&message);
            return EXIT_USAGE;
        }
    };
    let mut it = toplevel::new_interp();
    crate::builtins::smtp::dkim::configure(&mut it, keyring);
    if let Some(size) = stack_size {
        let budget = crate::stack::budget(size);
        it.set_stack_budget(budget);
        it.max_depth = crate::stack::max_depth(size);
        // Rust recursion over data (equal, copy-tree, ...) stops at the
        // same depth as Lisp recursion.
        crate::eval::depth::set_budget(budget);
    }
    crate::builtins::system::set_command_line(&config.script, &config.script_args);
    crate::builtins::routing::configure(
        &mut it,
        config.sink.as_deref(),
        &config.connect_to,
        config.verbose,
    );
    crate::builtins::routing::set_read_only(&mut it, config.read_only);
    if let (true, Some(dir)) = (config.verbose, config.sink.as_deref()) {
        let _ = writeln!(
            std::io::stderr().lock(),
            ";; dry run (--sink {dir}): every delivery is written to that folder; nothing is sent"
        );
    }
    let status = run_inner(&mut it, &config);
    toplevel::flush_output(&it);
    status
}

/// The DKIM signers: `--dkim` and `--dkim-config` when given, else
/// `$SENDLETTER_DKIM` (entries separated by newlines or `;`) and
/// `$SENDLETTER_DKIM_CONFIG`. Every key is loaded now, so a missing or
/// unprotected key stops the run before the script starts.
fn dkim_keyring(config: &Config) -> Result<crate::mail::dkim::Keyring, String> {
    use crate::mail::dkim::config::{parse_entry, parse_file};
    let from_options = !config.dkim.is_empty() || config.dkim_config.is_some();
    let (lines, file, origin) = if from_options {
        (config.dkim.clone(), config.dkim_config.clone(), "--dkim")
    } else {
        let lines = std::env::var("SENDLETTER_DKIM")
            .map(|v| v.split(['\n', ';']).map(str::to_string).collect())
            .unwrap_or_default();
        let file = std::env::var("SENDLETTER_DKIM_CONFIG")
            .ok()
            .filter(|f| !f.is_empty());
        (lines, file, "SENDLETTER_DKIM")
    };
    let mut entries = Vec::new();
    for line in &lines {
        if let Some(entry) =
            parse_entry(line, None).map_err(|e| format!("{origin} '{line}': {e}"))?
        {
            entries.push(entry);
        }
    }
    if let Some(file) = file {
        entries.extend(parse_file(std::path::Path::new(&file))?);
    }
    crate::mail::dkim::Keyring::load(entries)
}

/// Where the script text comes from.
enum Source<'a> {
    Stdin,
    File(&'a str),
}

fn run_inner(it: &mut Interp, config: &Config) -> i32 {
    if config.check && config.script.is_none() {
        error_line("--check needs a SCRIPT (or - for standard input)");
        let _ = writeln!(std::io::stderr().lock(), "Try 'sendletter --help'.");
        return EXIT_USAGE;
    }
    // With --check too: `-e` sets up what the script expects (a
    // `defparameter` it reads), as the run would have it.
    for (n, e) in config.evals.iter().enumerate() {
        let name = format!("<eval {}>", n + 1);
        if let Err(e) = toplevel::load_source(it, e, Some(&name)) {
            return report(it, e);
        }
    }
    let source = match config.script.as_deref() {
        Some("-") => Source::Stdin,
        Some(path) => Source::File(path),
        // `-e` alone: standard input stays for the expressions to read.
        None if !config.evals.is_empty() => return 0,
        None if std::io::stdin().is_terminal() => return crate::repl::run(it),
        None => Source::Stdin,
    };
    let (text, file) = match source {
        Source::Stdin => match read_stdin() {
            Ok(t) => (t, "<stdin>"),
            Err(e) => {
                error_line(&format!("cannot read standard input: {}", io_message(&e)));
                return 1;
            }
        },
        Source::File(path) => match std::fs::read(path) {
            Ok(bytes) => {
                set_load_pathname(path);
                // Strict UTF-8, a leading byte-order mark skipped: a script
                // in another encoding stops here instead of running with
                // U+FFFD in its strings.
                match decode_source(&bytes, Encoding::Utf8, path) {
                    Ok(text) => (text, path),
                    Err(msg) => {
                        error_line(&msg);
                        return 1;
                    }
                }
            }
            Err(e) => {
                error_line(&format!("cannot read {path}: {}", io_message(&e)));
                return 1;
            }
        },
    };
    let text = skip_shebang(&text);
    if config.check {
        return check_only(it, text, file);
    }
    if !config.no_check {
        // The same findings as --check, before the script runs; the run
        // goes ahead (a finding may be in code that is never reached).
        let findings =
            crate::check::check_source(it, text, Some(file), crate::check::Mode::BeforeRun);
        let mut err = std::io::stderr().lock();
        for f in &findings {
            let _ = writeln!(err, "sendletter: {f}");
        }
    }
    match toplevel::load_source(it, text, Some(file)) {
        Ok(_) => 0,
        Err(e) => report(it, e),
    }
}

/// `--check`: the findings on standard output; status 1 when one is an
/// error, else 0.
fn check_only(it: &mut Interp, text: &str, file: &str) -> i32 {
    let findings = crate::check::check_source(it, text, Some(file), crate::check::Mode::Check);
    let mut out = std::io::stdout().lock();
    for f in &findings {
        let _ = writeln!(out, "{f}");
    }
    i32::from(crate::check::has_error(&findings))
}

/// `*load-pathname*` and `*load-truename*` while a script file runs
/// (CLHS `load`).
fn set_load_pathname(path: &str) {
    let truename = std::fs::canonicalize(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string());
    for (var, p) in [("*LOAD-PATHNAME*", path), ("*LOAD-TRUENAME*", &truename)] {
        *cl_sym(var).value.borrow_mut() = Some(Value::Pathname(Rc::new(Pathname::parse(p))));
    }
}

fn read_stdin() -> std::io::Result<String> {
    let mut buf = Vec::new();
    std::io::stdin().read_to_end(&mut buf)?;
    decode_source(&buf, Encoding::Utf8, "<stdin>")
        .map_err(|msg| std::io::Error::new(std::io::ErrorKind::InvalidData, msg))
}

/// An I/O error without Rust's "(os error N)" suffix.
fn io_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// A `#!` first line is blanked (keeping the newline, so line numbers in
/// error messages stay those of the file).
pub fn skip_shebang(src: &str) -> &str {
    if src.starts_with("#!") {
        match src.find('\n') {
            Some(i) => &src[i..],
            None => "",
        }
    } else {
        src
    }
}

/// Write `sendletter: MESSAGE` on standard error.
pub fn error_line(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "sendletter: {msg}");
}

/// Report a failed run on standard error; returns the exit status.
fn report(it: &Interp, e: ScriptError) -> i32 {
    toplevel::flush_output(it);
    match e {
        ScriptError::Exit(code) => code,
        // The reader of our output went away (`| head`): the error is a
        // consequence of that, not news for the user.
        ScriptError::Lisp(_) if stdout_is_broken() => 0,
        other => {
            error_line(&other.describe());
            1
        }
    }
}

/// Is standard output a pipe whose reading end is closed? (`poll` reports
/// `POLLERR` on such a pipe.)
fn stdout_is_broken() -> bool {
    let mut fd = libc::pollfd {
        fd: 1,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    n == 1 && fd.revents & libc::POLLERR != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn script_and_its_arguments() {
        let c = parse_args(&args(&["-v", "s.lisp", "-e", "x", "--help"])).unwrap();
        assert!(c.verbose);
        assert_eq!(c.script.as_deref(), Some("s.lisp"));
        assert_eq!(c.script_args, args(&["-e", "x", "--help"]));
        assert!(c.evals.is_empty() && !c.help);
    }

    #[test]
    fn evals_in_order_and_equals_forms() {
        let c = parse_args(&args(&["-e", "(a)", "--eval=(b)", "--eval", "(c)"])).unwrap();
        assert_eq!(c.evals, args(&["(a)", "(b)", "(c)"]));
        assert_eq!(c.script, None);
    }

    #[test]
    fn dash_is_stdin_and_double_dash_ends_options() {
        let c = parse_args(&args(&["-", "a"])).unwrap();
        assert_eq!(c.script.as_deref(), Some("-"));
        assert_eq!(c.script_args, args(&["a"]));
        let c = parse_args(&args(&["--", "-weird.lisp", "-v"])).unwrap();
        assert_eq!(c.script.as_deref(), Some("-weird.lisp"));
        assert_eq!(c.script_args, args(&["-v"]));
        assert!(!c.verbose);
    }

    #[test]
    fn routing_flags() {
        let c = parse_args(&args(&[
            "--sink",
            "out",
            "--connect-to=a:25:b:2525",
            "--connect-to",
            "[::1]:25:localhost:2525",
            "--read-only",
        ]))
        .unwrap();
        assert!(c.read_only);
        assert_eq!(c.sink.as_deref(), Some("out"));
        assert_eq!(c.connect_to.len(), 2);
    }

    #[test]
    fn usage_errors() {
        for bad in [
            &["-x"][..],
            &["--eval"],
            &["-e"],
            &["--sink"],
            &["--connect-to", "a:25"],
            &["--connect-to", "a:x:b:25"],
            &["--verbose=yes"],
            &["--bogus", "s.lisp"],
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn shebang_keeps_line_numbers() {
        assert_eq!(skip_shebang("#!/usr/bin/env sendletter\n(x)"), "\n(x)");
        assert_eq!(skip_shebang("#!only"), "");
        assert_eq!(skip_shebang("(x)\n#!"), "(x)\n#!");
    }

    #[test]
    fn os_error_suffix_dropped() {
        let e = std::io::Error::from_raw_os_error(libc::ENOENT);
        assert_eq!(io_message(&e), "No such file or directory");
    }
}

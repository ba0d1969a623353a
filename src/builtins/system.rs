//! Allegro's system functions: `sys:getenv`, `sys:command-line-arguments`,
//! `excl:run-shell-command`, `exit`, `load`, `require`; and the standard
//! environment functions (CLHS 25): time, `sleep`, machine and
//! implementation names.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufReader, BufWriter};
use std::os::fd::OwnedFd;
use std::process::{Child, Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::args::{self, type_err};
use super::files::{file_error, to_pathname, UNIX_EPOCH_UT};
use super::streams::{read_object, EvalCtx};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::interp::SourcePos;
use crate::eval::package::{cl_sym, t};
use crate::eval::stream::{InputBuffer, Stream, StreamKind};
use crate::eval::{Interp, LResult, Unwind, Value};

thread_local! {
    /// Processes started with `:wait nil`, by pid, for `sys:reap-os-subprocess`.
    static CHILDREN: RefCell<HashMap<u32, Child>> = RefCell::new(HashMap::new());
    static START: Instant = Instant::now();
}

/// Record the command line for `sys:command-line-arguments`: the
/// program name, then the words after the script name.
pub fn set_command_line(_script: &Option<String>, args: &[String]) {
    let all: Vec<String> = std::env::args().collect();
    let program = all
        .first()
        .cloned()
        .unwrap_or_else(|| "sendletter".to_string());
    super::allegro::command_line::set(program, all, args.to_vec());
}

pub const BUILTINS: &[BuiltinDef] = &[
    def!("SYSTEM" : "GETENV", "(name)", 1, 1, getenv, "The value of environment variable NAME, or NIL. SETF-able."),
    def!("SENDLETTER" : "%SETENV", "(name value)", 2, 2, setenv, "Set (or with NIL, remove) an environment variable."),
    def!("EXCL" : "RUN-SHELL-COMMAND", "(command &key input output error-output wait if-output-exists environment directory)", 1, MANY, run_shell_command, "Run COMMAND (a string for /bin/sh, or a vector #(program argv0 args...)); returns the exit status, or with :output :stream or :wait nil the stream(s) and process id."),
    def!("SYSTEM" : "REAP-OS-SUBPROCESS", "(&key pid wait)", 0, MANY, reap_os_subprocess, "Wait for a process started with :wait nil; returns its exit status and pid."),
    def!("EXCL" : "EXIT", "(&optional status &key code no-unwind quiet abort)", 0, MANY, exit, "End the script with exit status STATUS (default 0)."),
    def!("EXCL" : "QUIT", "(&optional status &key code no-unwind quiet abort)", 0, MANY, exit, "The same as EXIT, under the name SBCL's REPL users type."),
    def!("EXCL" : "GC", "(&optional full)", 0, 1, gc, "Garbage collection: nothing to do (reference counting)."),
    def!(
        "LOAD",
        "(filespec &key verbose print if-does-not-exist external-format)",
        1,
        MANY,
        load,
        "Read and evaluate the forms of a Lisp file."
    ),
    def!(
        "REQUIRE",
        "(module &optional pathnames)",
        1,
        2,
        require,
        "Load MODULE unless already provided; sendletter's built-in modules (:smtp, :mime, :osi, :regexp2, :test, ...) are provided on request."
    ),
    def!(
        "PROVIDE",
        "(module)",
        1,
        1,
        provide,
        "Record MODULE as loaded in *MODULES*."
    ),
    def!("SLEEP", "(seconds)", 1, 1, sleep, "Pause for SECONDS."),
    def!(
        "GET-UNIVERSAL-TIME",
        "()",
        0,
        0,
        get_universal_time,
        "Seconds since 1900-01-01 00:00 UTC."
    ),
    def!(
        "GET-DECODED-TIME",
        "()",
        0,
        0,
        get_decoded_time,
        "The current local time as nine values, as DECODE-UNIVERSAL-TIME."
    ),
    def!(
        "DECODE-UNIVERSAL-TIME",
        "(universal-time &optional time-zone)",
        1,
        2,
        decode_universal_time,
        "Second, minute, hour, date, month, year, day of week (0 = Monday), daylight-p, zone."
    ),
    def!(
        "ENCODE-UNIVERSAL-TIME",
        "(second minute hour date month year &optional time-zone)",
        6,
        7,
        encode_universal_time,
        "The universal time of a decoded time."
    ),
    def!(
        "GET-INTERNAL-REAL-TIME",
        "()",
        0,
        0,
        get_internal_real_time,
        "Elapsed time in internal time units (microseconds)."
    ),
    def!(
        "GET-INTERNAL-RUN-TIME",
        "()",
        0,
        0,
        get_internal_run_time,
        "Processor time used, in internal time units (microseconds)."
    ),
    def!(
        "MACHINE-INSTANCE",
        "()",
        0,
        0,
        machine_instance,
        "The host name."
    ),
    def!(
        "MACHINE-TYPE",
        "()",
        0,
        0,
        machine_type,
        "The processor type."
    ),
    def!("MACHINE-VERSION", "()", 0, 0, machine_version, "NIL."),
    def!(
        "SOFTWARE-TYPE",
        "()",
        0,
        0,
        software_type,
        "The operating system name."
    ),
    def!("SOFTWARE-VERSION", "()", 0, 0, software_version, "NIL."),
    def!(
        "LISP-IMPLEMENTATION-TYPE",
        "()",
        0,
        0,
        lisp_implementation_type,
        "\"sendletter\"."
    ),
    def!(
        "LISP-IMPLEMENTATION-VERSION",
        "()",
        0,
        0,
        lisp_implementation_version,
        "The sendletter version."
    ),
    def!("SENDLETTER" : "%TIME-REPORT", "(start-real start-run &optional start-consed)", 2, 3, time_report, "Print TIME's report to *TRACE-OUTPUT*."),
    def!("SENDLETTER" : "%BYTES-CONSED", "()", 0, 0, bytes_consed, "Bytes allocated since start-up."),
];

// ----- environment and command line -------------------------------------------------

fn getenv(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    Ok(match std::env::var_os(&name) {
        Some(v) => Value::string(v.to_string_lossy().to_string()),
        None => Value::Nil,
    })
}

/// `(setf (sys:getenv name) value)`: a setf function, as if by
/// `(defun (setf sys:getenv) (value name) (%setenv name value))`.
pub fn install_setf(it: &mut Interp) {
    let Some(sys) = crate::eval::package::find_package("SYSTEM") else {
        return;
    };
    let getenv = crate::eval::package::intern_external("GETENV", &sys);
    let f = Value::Function(Rc::new(crate::eval::value::Function::Builtin(
        crate::eval::value::Builtin {
            name: getenv.clone(),
            min_args: 2,
            max_args: Some(2),
            f: |it, a| setenv(it, &[a[1].clone(), a[0].clone()]),
        },
    )));
    it.setf_functions
        .insert(crate::eval::interp::SymKey(getenv), f);
}

fn setenv(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    if name.is_empty() || name.contains(['=', '\0']) {
        let msg = format!("invalid environment variable name {name:?}");
        return it.simple_error(msg);
    }
    match &a[1] {
        Value::Nil => std::env::remove_var(&name),
        v => {
            let value = args::designator(it, v)?;
            if value.contains('\0') {
                return it.simple_error("an environment variable's value cannot contain NUL");
            }
            std::env::set_var(&name, value);
        }
    }
    Ok(a[1].clone())
}

// ----- processes ----------------------------------------------------------------------

/// A stream over a pipe to or from a child process.
fn pipe_stream(fd: OwnedFd, output: bool) -> Value {
    let file = std::fs::File::from(fd);
    let kind = if output {
        StreamKind::FileOut(BufWriter::new(file))
    } else {
        StreamKind::FileIn(InputBuffer::new(BufReader::new(file)))
    };
    Value::Stream(Rc::new(Stream::new(kind)))
}

fn is_kw(v: &Value, name: &str) -> bool {
    matches!(v, Value::Symbol(s) if s.is_keyword() && s.name == name)
}

/// Where a child's standard stream goes: inherit (NIL), a pipe
/// (`:stream`), or a file.
fn redirect(
    it: &mut Interp,
    v: Option<&Value>,
    output: bool,
    append: bool,
) -> LResult<Option<Stdio>> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(v) if is_kw(v, "STREAM") => Ok(Some(Stdio::piped())),
        Some(v) => {
            let path = to_pathname(it, v)?.namestring();
            let f = if output {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .append(append)
                    .truncate(!append)
                    .open(&path)
            } else {
                std::fs::File::open(&path)
            };
            match f {
                Ok(f) => Ok(Some(Stdio::from(f))),
                Err(e) => file_error(it, "error opening", &path, &e),
            }
        }
    }
}

fn run_shell_command(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "INPUT",
            "OUTPUT",
            "ERROR-OUTPUT",
            "WAIT",
            "IF-INPUT-DOES-NOT-EXIST",
            "IF-OUTPUT-EXISTS",
            "IF-ERROR-OUTPUT-EXISTS",
            "ENVIRONMENT",
            "DIRECTORY",
            "SEPARATE-STREAMS",
            "SHOW-WINDOW",
            "UID",
            "GID",
            "INITGROUPS-USER",
        ],
        "RUN-SHELL-COMMAND",
    )?;
    let mut cmd = command_of(it, &a[0], "RUN-SHELL-COMMAND")?;
    let append = |name: &str| args::kw(&kws, name).is_some_and(|v| is_kw(&v, "APPEND"));
    let input = args::kw(&kws, "INPUT");
    let output = args::kw(&kws, "OUTPUT");
    let error_output = args::kw(&kws, "ERROR-OUTPUT");
    if let Some(s) = redirect(it, input.as_ref(), false, false)? {
        cmd.stdin(s);
    }
    if let Some(s) = redirect(it, output.as_ref(), true, append("IF-OUTPUT-EXISTS"))? {
        cmd.stdout(s);
    }
    match &error_output {
        Some(v) if is_kw(v, "OUTPUT") => {
            // Standard error joins standard output: only for file targets.
        }
        other => {
            if let Some(s) = redirect(it, other.as_ref(), true, append("IF-ERROR-OUTPUT-EXISTS"))? {
                cmd.stderr(s);
            }
        }
    }
    if let Some(d) = args::kw(&kws, "DIRECTORY").filter(Value::truthy) {
        let dir = to_pathname(it, &d)?.namestring();
        cmd.current_dir(dir);
    }
    if let Some(env) = args::kw(&kws, "ENVIRONMENT") {
        for pair in args::list(it, &env)? {
            let k = args::designator(it, &pair.car())?;
            let v = args::designator(it, &pair.cdr())?;
            cmd.env(k, v);
        }
    }
    // Our buffered output must come before the command's.
    crate::toplevel::flush_output(it);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let msg = format!("RUN-SHELL-COMMAND: cannot run the command: {e}");
            return it.simple_error(msg);
        }
    };
    let pid = child.id();
    let streams = input.as_ref().is_some_and(|v| is_kw(v, "STREAM"))
        || output.as_ref().is_some_and(|v| is_kw(v, "STREAM"))
        || error_output.as_ref().is_some_and(|v| is_kw(v, "STREAM"));
    let wait = args::kw(&kws, "WAIT").is_none_or(|v| v.truthy()) && !streams;
    if wait {
        return match child.wait() {
            Ok(status) => Ok(Value::Fixnum(exit_status(status))),
            Err(e) => it.simple_error(format!("RUN-SHELL-COMMAND: {e}")),
        };
    }
    let to_child = child
        .stdin
        .take()
        .map(|s| pipe_stream(OwnedFd::from(s), true));
    let from_child = child
        .stdout
        .take()
        .map(|s| pipe_stream(OwnedFd::from(s), false));
    let errors = child
        .stderr
        .take()
        .map(|s| pipe_stream(OwnedFd::from(s), false));
    CHILDREN.with(|c| c.borrow_mut().insert(pid, child));
    let pid = Value::Fixnum(pid as i64);
    if !streams {
        // Allegro: :wait nil returns the process id.
        return Ok(pid);
    }
    // Allegro returns the stream to read (or write), the error stream, the pid.
    let first = from_child.or(to_child).unwrap_or(Value::Nil);
    Ok(it.values(vec![first, errors.unwrap_or(Value::Nil), pid]))
}

/// The status a shell reports: the exit code, or 128 + signal.
fn exit_status(status: std::process::ExitStatus) -> i64 {
    use std::os::unix::process::ExitStatusExt;
    match status.code() {
        Some(c) => c as i64,
        None => 128 + status.signal().unwrap_or(0) as i64,
    }
}

fn reap_os_subprocess(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(it, a, &["PID", "WAIT"], "REAP-OS-SUBPROCESS")?;
    let wait = args::kw(&kws, "WAIT").is_none_or(|v| v.truthy());
    let pid = match args::kw(&kws, "PID") {
        Some(v) if v.truthy() => Some(args::index(it, &v)? as u32),
        _ => CHILDREN.with(|c| c.borrow().keys().next().copied()),
    };
    let Some(pid) = pid else {
        return Ok(Value::Nil);
    };
    let Some(mut child) = CHILDREN.with(|c| c.borrow_mut().remove(&pid)) else {
        return Ok(Value::Nil);
    };
    let status = if wait {
        child.wait().ok()
    } else {
        match child.try_wait() {
            Ok(Some(s)) => Some(s),
            _ => {
                CHILDREN.with(|c| c.borrow_mut().insert(pid, child));
                return Ok(Value::Nil);
            }
        }
    };
    match status {
        Some(s) => Ok(it.values(vec![
            Value::Fixnum(exit_status(s)),
            Value::Fixnum(pid as i64),
        ])),
        None => Ok(Value::Nil),
    }
}

fn exit(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    // (exit n), (exit :code n) as SBCL, (exit n :quiet t) as Allegro.
    let (status, rest) = match a.first() {
        Some(Value::Symbol(s)) if s.is_keyword() => (None, a),
        Some(v) => (Some(v.clone()), &a[1..]),
        None => (None, a),
    };
    let kws = args::keywords(
        it,
        rest,
        &["CODE", "NO-UNWIND", "QUIET", "ABORT", "TIMEOUT"],
        "EXIT",
    )?;
    let status = status.or_else(|| args::kw(&kws, "CODE"));
    let code = match status {
        None | Some(Value::Nil) => 0,
        Some(Value::Fixnum(n)) => n as i32,
        Some(other) => return type_err(it, &other, "INTEGER"),
    };
    Err(Unwind::Exit(code))
}

fn gc(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Nil)
}

// ----- load, require ------------------------------------------------------------------

/// Read the forms of `src` one at a time and hand each to `f`, with the
/// source position of the form current while it runs.
pub(crate) fn each_form(
    it: &mut Interp,
    src: &str,
    file: &str,
    f: &mut dyn FnMut(&mut Interp, &Value) -> LResult<()>,
) -> LResult<()> {
    let mut reader = crate::reader::Reader::new(src, Some(file));
    loop {
        let form = {
            let mut ctx = EvalCtx(it);
            // A loaded file is source: its lists' places serve error
            // reports and backtraces (reader/positions.rs).
            match crate::reader::positions::record(|| reader.read(&mut ctx)) {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(()),
                Err(e) => {
                    if let Some(u) = super::streams::take_reader_unwind(&e) {
                        return Err(u);
                    }
                    let msg = e.to_string();
                    let kind = if e.kind == crate::reader::ReadErrorKind::EndOfFile {
                        "END-OF-FILE"
                    } else {
                        "READER-ERROR"
                    };
                    let c = it.make_error(kind, &msg);
                    return it.err(c);
                }
            }
        };
        let (line, column) = reader.form_start();
        let saved = std::mem::replace(
            &mut it.toplevel_pos,
            SourcePos {
                file: Some(file.to_string()),
                line,
                column,
            },
        );
        let r = f(it, &form);
        it.toplevel_pos = saved;
        r?;
    }
}

/// How `load` reports what it does (CLHS load: `:verbose`, `:print`).
struct LoadReport {
    verbose: bool,
    print: bool,
}

impl LoadReport {
    fn new(kws: &[(String, Value)]) -> LoadReport {
        let flag = |key: &str, var: &str| match args::kw(kws, key) {
            Some(v) => v.truthy(),
            None => cl_sym(var)
                .value
                .borrow()
                .as_ref()
                .is_some_and(|v| v.truthy()),
        };
        LoadReport {
            verbose: flag("VERBOSE", "*LOAD-VERBOSE*"),
            print: flag("PRINT", "*LOAD-PRINT*"),
        }
    }

    fn line(&self, it: &mut Interp, text: &str) -> LResult<()> {
        let out = super::streams::out_stream(it, None)?;
        let fresh = if out.output_column() > 0 { "\n" } else { "" };
        super::streams::write_text(it, &out, &format!("{fresh};; {text}\n"))
    }

    /// Evaluate one top-level form, printing its values with `:print`.
    fn eval(&self, it: &mut Interp, form: &Value, compiled: bool) -> LResult<()> {
        let v = if compiled {
            super::compile_file::load_toplevel(it, form)?
        } else {
            it.eval_toplevel_form(form)?
        };
        if self.print {
            let vals = it.take_values(v);
            let text: Vec<String> = vals.iter().map(crate::printer::prin1_to_string).collect();
            self.line(it, &text.join(", "))?;
        }
        Ok(())
    }
}

/// Bind what `load` binds around a file's forms (CLHS load: `*readtable*`
/// and `*package*`, `*load-pathname*`, `*load-truename*`), run `body`,
/// and restore them.
fn with_load_bindings(
    it: &mut Interp,
    pathname: Value,
    truename: Value,
    body: impl FnOnce(&mut Interp) -> LResult<()>,
) -> LResult<()> {
    let mark = it.dyn_mark();
    it.bind_special(&cl_sym("*LOAD-PATHNAME*"), pathname);
    it.bind_special(&cl_sym("*LOAD-TRUENAME*"), truename);
    let current = |name: &str| cl_sym(name).value.borrow().clone().unwrap_or(Value::Nil);
    let saved_pkg = crate::eval::package::current_package();
    it.bind_special(&cl_sym("*PACKAGE*"), current("*PACKAGE*"));
    it.bind_special(&cl_sym("*READTABLE*"), current("*READTABLE*"));
    let r = body(it);
    it.unbind_to(mark);
    crate::eval::package::set_current_package(saved_pkg);
    r
}

fn load(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &["VERBOSE", "PRINT", "IF-DOES-NOT-EXIST", "EXTERNAL-FORMAT"],
        "LOAD",
    )?;
    let report = LoadReport::new(&kws);
    if let Value::Stream(s) = &a[0] {
        // Loading from a stream: read and evaluate each form.
        let s = s.clone();
        if report.verbose {
            report.line(
                it,
                &format!("loading {}", crate::printer::prin1_to_string(&a[0])),
            )?;
        }
        let (pathname, truename) = match &s.path {
            Some(p) => {
                let p = Value::Pathname(Rc::new(crate::eval::value::Pathname::parse(p)));
                (p.clone(), p)
            }
            None => (Value::Nil, Value::Nil),
        };
        with_load_bindings(it, pathname, truename, |it| {
            while let Some(form) = read_object(it, &s)? {
                report.eval(it, &form, false)?;
            }
            Ok(())
        })?;
        return Ok(t());
    }
    let p = to_pathname(it, &a[0])?;
    let mut path = super::files::native(it, &a[0])?;
    if !std::path::Path::new(&path).is_file() && p.kind.is_none() {
        let with_type = format!("{path}.lisp");
        if std::path::Path::new(&with_type).is_file() {
            path = with_type;
        }
    }
    let encoding = super::files::external_format(it, args::kw(&kws, "EXTERNAL-FORMAT").as_ref())?;
    let src = match std::fs::read(&path) {
        Ok(b) => match crate::eval::encoding::decode_source(&b, encoding, &path) {
            Ok(text) => text,
            Err(msg) => {
                let c = it.make_error("SIMPLE-ERROR", &msg);
                return it.err(c);
            }
        },
        Err(e) => {
            if e.kind() == std::io::ErrorKind::NotFound
                && args::kw(&kws, "IF-DOES-NOT-EXIST").is_some_and(|v| v.is_nil())
            {
                return Ok(Value::Nil);
            }
            return file_error(it, "error opening", &path, &e);
        }
    };
    let (src, compiled) = match super::compile_file::compiled_body(&src) {
        Some(body) => (body.to_string(), true),
        None => (src, false),
    };
    let src = match src.strip_prefix("#!") {
        Some(rest) => rest
            .find('\n')
            .map(|i| &rest[i..])
            .unwrap_or("")
            .to_string(),
        None => src,
    };
    let pathname = Value::Pathname(Rc::new(crate::eval::value::Pathname::parse(&path)));
    let truename = match std::fs::canonicalize(&path) {
        Ok(t) => Value::Pathname(Rc::new(crate::eval::value::Pathname::parse(
            &t.to_string_lossy(),
        ))),
        Err(_) => pathname.clone(),
    };
    if report.verbose {
        report.line(
            it,
            &format!("loading {}", crate::printer::prin1_to_string(&truename)),
        )?;
    }
    with_load_bindings(it, pathname, truename, |it| {
        each_form(it, &src, &path, &mut |it, form| {
            report.eval(it, form, compiled)
        })
    })?;
    Ok(t())
}

fn modules_sym() -> crate::eval::Sym {
    let s = cl_sym("*MODULES*");
    if s.value.borrow().is_none() {
        s.special.set(true);
        *s.value.borrow_mut() = Some(Value::Nil);
    }
    s
}

fn module_name(it: &mut Interp, v: &Value) -> LResult<String> {
    args::designator(it, v)
}

fn provided(name: &str) -> bool {
    let s = modules_sym();
    let mods = s.value.borrow().clone().unwrap_or(Value::Nil);
    mods.iter()
        .any(|m| matches!(&m, Value::String(x) if x.borrow().eq_ignore_ascii_case(name)))
}

fn provide(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = module_name(it, &a[0])?;
    if !provided(&name) {
        let s = modules_sym();
        let mods = s.value.borrow().clone().unwrap_or(Value::Nil);
        *s.value.borrow_mut() = Some(Value::cons(Value::string(name), mods));
    }
    Ok(t())
}

fn require(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = module_name(it, &a[0])?;
    if provided(&name) {
        return Ok(Value::Nil);
    }
    if super::allegro::modules::is_provided(&name) {
        super::allegro::modules::load_builtin(it, &name)?;
        provide(it, &a[..1])?;
        return Ok(t());
    }
    match a.get(1) {
        Some(paths) if paths.truthy() => {
            let files = if paths.is_list() {
                args::list(it, paths)?
            } else {
                vec![paths.clone()]
            };
            for f in files {
                load(it, &[f])?;
            }
            Ok(t())
        }
        _ => super::allegro::modules::not_provided(it, &name),
    }
}

// ----- time ----------------------------------------------------------------------------

fn sleep(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let secs = match &a[0] {
        Value::Fixnum(_)
        | Value::Bignum(_)
        | Value::Ratio(_)
        | Value::Single(_)
        | Value::Double(_) => crate::eval::types::number_f64(&a[0]),
        other => return type_err(it, other, "(REAL 0)"),
    };
    if secs.is_nan() || secs < 0.0 || !secs.is_finite() {
        return type_err(it, &a[0], "(REAL 0)");
    }
    crate::toplevel::flush_output(it);
    // In slices, so that Ctrl-C at the REPL ends the wait (`eval::interrupt`).
    let end = Instant::now() + Duration::from_secs_f64(secs.min(1e9));
    loop {
        it.check_interrupt()?;
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(Value::Nil);
        }
        std::thread::sleep(left.min(Duration::from_millis(100)));
    }
}

fn unix_now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(_) => 0,
    }
}

fn get_universal_time(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Fixnum(unix_now() + UNIX_EPOCH_UT))
}

/// The local UTC offset in seconds east and whether DST is in effect, at
/// Unix time `t`.
fn local_offset(t: i64) -> (i64, bool) {
    let tt = t as libc::time_t;
    // SAFETY: an all-zero `tm` is a valid value for localtime_r to fill.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call.
    let ok = !unsafe { libc::localtime_r(&tt, &mut tm) }.is_null();
    if ok {
        (tm.tm_gmtoff, tm.tm_isdst > 0)
    } else {
        (0, false)
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A CL time zone (hours west of Greenwich, a rational) in seconds west.
fn zone_seconds(it: &mut Interp, v: &Value) -> LResult<i64> {
    match v {
        Value::Fixnum(h) => Ok(h * 3600),
        Value::Ratio(_) | Value::Single(_) | Value::Double(_) => {
            Ok((crate::eval::types::number_f64(v) * 3600.0).round() as i64)
        }
        other => type_err(it, other, "(RATIONAL -24 24)"),
    }
}

/// A zone in seconds west as CL's hours-west value.
fn zone_value(secs_west: i64) -> Value {
    if secs_west % 3600 == 0 {
        Value::Fixnum(secs_west / 3600)
    } else {
        Value::ratio(secs_west.into(), 3600.into()).unwrap_or(Value::Fixnum(0))
    }
}

fn decode(it: &mut Interp, ut: i64, tz: Option<&Value>) -> LResult<Value> {
    let unix = ut - UNIX_EPOCH_UT;
    let (west, dst) = match tz {
        Some(z) => (zone_seconds(it, z)?, false),
        None => {
            let (east, dst) = local_offset(unix);
            // CL's zone excludes daylight saving time.
            (-(east - if dst { 3600 } else { 0 }), dst)
        }
    };
    let local = unix - west + if dst { 3600 } else { 0 };
    let days = local.div_euclid(86400);
    let secs = local.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday; CL counts Monday as 0.
    let dow = (days + 3).rem_euclid(7);
    Ok(it.values(vec![
        Value::Fixnum(secs % 60),
        Value::Fixnum(secs / 60 % 60),
        Value::Fixnum(secs / 3600),
        Value::Fixnum(d),
        Value::Fixnum(m),
        Value::Fixnum(y),
        Value::Fixnum(dow),
        Value::bool(dst),
        zone_value(west),
    ]))
}

fn get_decoded_time(it: &mut Interp, _a: &[Value]) -> LResult<Value> {
    decode(it, unix_now() + UNIX_EPOCH_UT, None)
}

fn decode_universal_time(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let ut = args::int(it, &a[0])?;
    decode(it, ut, a.get(1).filter(|v| v.truthy()))
}

fn encode_universal_time(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut f = [0i64; 6];
    for (i, slot) in f.iter_mut().enumerate() {
        *slot = args::int(it, &a[i])?;
    }
    let [sec, min, hour, date, month, mut year] = f;
    if (0..100).contains(&year) {
        // Two-digit years: within 50 years of the current year (CLHS 25.1.4.1).
        let (now_year, _, _) = civil_from_days(unix_now().div_euclid(86400));
        let century = now_year - now_year % 100;
        year += century;
        if year > now_year + 50 {
            year -= 100;
        } else if year <= now_year - 50 {
            year += 100;
        }
    }
    let local = days_from_civil(year, month, date) * 86400 + hour * 3600 + min * 60 + sec;
    let unix = match a.get(6).filter(|v| v.truthy()) {
        Some(z) => local + zone_seconds(it, z)?,
        None => {
            // The offset in effect at that local time.
            let (east, _) = local_offset(local);
            let guess = local - east;
            let (east2, _) = local_offset(guess);
            local - east2
        }
    };
    Ok(Value::Fixnum(unix + UNIX_EPOCH_UT))
}

fn get_internal_real_time(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Fixnum(
        START.with(|s| s.elapsed().as_micros() as i64),
    ))
}

fn run_time_micros() -> i64 {
    // SAFETY: an all-zero rusage is valid for getrusage to fill.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pointer is valid for the call.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0;
    }
    let tv = |t: libc::timeval| t.tv_sec * 1_000_000 + t.tv_usec;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn get_internal_run_time(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Fixnum(run_time_micros()))
}

fn time_report(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let real0 = args::int(it, &a[0])?;
    let run0 = args::int(it, &a[1])?;
    let real = START.with(|s| s.elapsed().as_micros() as i64) - real0;
    let run = run_time_micros() - run0;
    let mut text = format!(
        "Evaluation took:\n  {:.3} seconds of real time\n  {:.3} seconds of total run time\n",
        real as f64 / 1e6,
        run as f64 / 1e6
    );
    if let Some(start) = a.get(2) {
        let start = args::int(it, start)?;
        let now = crate::alloc_count::allocated() as i64;
        text.push_str(&format!(
            "  {} bytes consed\n",
            super::environment::grouped(now.wrapping_sub(start).max(0) as u64)
        ));
    }
    let s = super::streams::special_stream(it, "*TRACE-OUTPUT*")?;
    super::streams::write_text(it, &s, &text)?;
    Ok(Value::Nil)
}

/// The allocation counter (`alloc_count`), a fixnum on 64-bit hosts.
fn bytes_consed(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Fixnum(
        (crate::alloc_count::allocated() & (i64::MAX as u64 >> 2)) as i64,
    ))
}

// ----- names --------------------------------------------------------------------------

fn machine_instance(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::string(crate::host::name().unwrap_or("localhost")))
}

fn machine_type(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::string(match std::env::consts::ARCH {
        "x86_64" => "X86-64".to_string(),
        "aarch64" => "ARM64".to_string(),
        other => other.to_uppercase(),
    }))
}

fn machine_version(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Nil)
}

fn software_type(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    let os = std::env::consts::OS;
    let mut name = os.to_string();
    if let Some(first) = name.get(..1) {
        name = format!("{}{}", first.to_uppercase(), &os[1..]);
    }
    Ok(Value::string(name))
}

fn software_version(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::Nil)
}

fn lisp_implementation_type(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::string("sendletter"))
}

fn lisp_implementation_version(_: &mut Interp, _a: &[Value]) -> LResult<Value> {
    Ok(Value::string(env!("CARGO_PKG_VERSION")))
}

/// The process a command designator names (Allegro's run-shell-command
/// and excl.osi:command-output): a string runs under `/bin/sh -c`; a
/// vector `#("program" "argv0" "arg1" ...)` runs the program with that
/// argv (the second element is argv[0]); a list `("program" "arg1" ...)`
/// runs the program with those arguments.
pub(crate) fn command_of(it: &mut Interp, designator: &Value, who: &str) -> LResult<Command> {
    Ok(match designator {
        Value::String(s) => {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(s.borrow().as_str());
            c
        }
        Value::Vector(v) => {
            let items = v.borrow().clone();
            let mut strs = Vec::new();
            for item in &items {
                strs.push(args::string(it, item)?);
            }
            let Some(program) = strs.first() else {
                return it.simple_error(format!("{who}: the command vector is empty"));
            };
            let mut c = Command::new(program);
            {
                use std::os::unix::process::CommandExt;
                if let Some(argv0) = strs.get(1) {
                    c.arg0(argv0);
                }
            }
            c.args(strs.iter().skip(2));
            c
        }
        Value::Cons(_) => {
            let items = args::list(it, designator)?;
            let mut strs = Vec::new();
            for item in &items {
                strs.push(args::string(it, item)?);
            }
            let Some((program, rest)) = strs.split_first() else {
                return it.simple_error(format!("{who}: the command list is empty"));
            };
            let mut c = Command::new(program);
            c.args(rest);
            c
        }
        other => return type_err(it, other, "(OR STRING SIMPLE-VECTOR LIST)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1000, 0, 1, 365, 10957, 20000, 50000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(days_from_civil(2000, 3, 1), 11017);
    }
}

//! Running Lisp source: the read-eval loop over a file or string, the
//! standard environment a script starts in, and how unhandled errors are
//! reported (file:line:col of the top-level form, condition, backtrace).

use std::rc::Rc;

use crate::eval::interp::SourcePos;
use crate::eval::package::{self, cl_sym, keyword};
use crate::eval::stream::{InputBuffer, Stream, StreamKind};
use crate::eval::{Interp, Unwind, UnwindKind, Value};
use crate::reader::{ReadError, Reader};

/// Why running source stopped early.
pub enum ScriptError {
    /// The text could not be read.
    Read(ReadError),
    /// An error no handler took.
    Lisp(Box<UnhandledError>),
    /// `(exit code)`.
    Exit(i32),
}

/// An error that reached the top level.
pub struct UnhandledError {
    pub condition: Value,
    /// The condition's class name, e.g. `SIMPLE-ERROR`.
    pub type_name: String,
    /// The condition's report (CLHS 9.1.3).
    pub report: String,
    /// Where the top-level form being evaluated starts.
    pub pos: SourcePos,
    /// The functions active at the error, innermost first, each with
    /// the place of the call it was in.
    pub backtrace: Vec<crate::eval::backtrace::BacktraceFrame>,
}

impl ScriptError {
    /// The text printed on standard error for this failure, after the
    /// program name: `FILE:LINE:COL: unhandled TYPE: report`, then, when
    /// the error came from inside functions, `backtrace: INNER <- OUTER`.
    pub fn describe(&self) -> String {
        match self {
            ScriptError::Read(e) => format!(
                "{}:{}:{}: reader error: {}",
                e.file.as_deref().unwrap_or("<input>"),
                e.line,
                e.column,
                e.message
            ),
            ScriptError::Lisp(e) => {
                let UnhandledError {
                    type_name,
                    report,
                    pos,
                    backtrace,
                    ..
                } = &**e;
                // One line, as `FILE:LINE:COL: message` tools expect; SBCL's
                // reports break lines (`The value~%  5~%is not of type...`).
                let report: Vec<&str> = report
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect();
                let mut s = format!("{pos}: unhandled {type_name}: {}", report.join(" "));
                // The frame of ERROR itself says nothing the report does not.
                let frames = match backtrace.split_first() {
                    Some((first, rest)) if first.name == "ERROR" => rest,
                    _ => &backtrace[..],
                };
                if !frames.is_empty() {
                    s.push_str("\nbacktrace: ");
                    let lines: Vec<String> = frames.iter().map(ToString::to_string).collect();
                    s.push_str(&lines.join(" <- "));
                }
                s
            }
            ScriptError::Exit(code) => format!("exit {code}"),
        }
    }
}

pub use crate::builtins::streams::EvalCtx;

/// Make a fresh interpreter with builtins, standard streams and variables.
pub fn new_interp() -> Interp {
    let mut it = Interp::new();
    crate::builtins::install(&mut it);
    let set = |name: &str, v: Value| {
        let s = cl_sym(name);
        s.special.set(true);
        *s.value.borrow_mut() = Some(v);
    };
    let stdout = Value::Stream(Rc::new(Stream::new(StreamKind::Stdout)));
    let stderr = Value::Stream(Rc::new(Stream::new(StreamKind::Stderr)));
    let stdin = Value::Stream(Rc::new(Stream::new(StreamKind::Stdin(InputBuffer::new(
        Box::new(std::io::BufReader::new(std::io::stdin())),
    )))));
    set("*STANDARD-OUTPUT*", stdout.clone());
    set("*ERROR-OUTPUT*", stderr.clone());
    set("*TRACE-OUTPUT*", stderr.clone());
    set("*DEBUG-IO*", stderr);
    set("*STANDARD-INPUT*", stdin.clone());
    if let (Value::Stream(i), Value::Stream(o)) = (&stdin, &stdout) {
        let terminal = Value::Stream(Rc::new(Stream::new(StreamKind::TwoWay(
            i.clone(),
            o.clone(),
        ))));
        set("*TERMINAL-IO*", terminal.clone());
        // Questions (`y-or-n-p`) are asked on standard output and answered
        // on standard input, as SBCL's *query-io* is the terminal.
        set("*QUERY-IO*", terminal);
    }
    set("*PACKAGE*", Value::Package(package::user_package()));
    set("*READ-EVAL*", package::t());
    set("*READ-BASE*", Value::Fixnum(10));
    set(
        "*READ-DEFAULT-FLOAT-FORMAT*",
        Value::Symbol(cl_sym("SINGLE-FLOAT")),
    );
    set("*READ-SUPPRESS*", Value::Nil);
    // A copy: the standard readtable itself stays unmodified (CLHS 2.1.1.2).
    set(
        "*READTABLE*",
        crate::reader::readtable::readtable_value(crate::reader::Readtable::standard()),
    );
    set("*PRINT-BASE*", Value::Fixnum(10));
    set("*PRINT-RADIX*", Value::Nil);
    set("*PRINT-ESCAPE*", package::t());
    set("*PRINT-READABLY*", Value::Nil);
    set("*PRINT-PRETTY*", package::t());
    set("*PRINT-CASE*", Value::Symbol(keyword("UPCASE")));
    set("*PRINT-CIRCLE*", Value::Nil);
    set("*PRINT-LENGTH*", Value::Nil);
    set("*PRINT-LEVEL*", Value::Nil);
    set("*PRINT-LINES*", Value::Nil);
    set("*PRINT-RIGHT-MARGIN*", Value::Nil);
    set("*PRINT-MISER-WIDTH*", Value::Nil);
    set("*PRINT-GENSYM*", package::t());
    set("*PRINT-ARRAY*", package::t());
    set(
        "*PRINT-PPRINT-DISPATCH*",
        crate::builtins::pprint_dispatch::initial_table(),
    );
    set("*BREAK-ON-SIGNALS*", Value::Nil);
    set("*DEBUGGER-HOOK*", Value::Nil);
    set("*LOAD-PATHNAME*", Value::Nil);
    set("*LOAD-TRUENAME*", Value::Nil);
    set("*COMPILE-FILE-PATHNAME*", Value::Nil);
    set("*COMPILE-FILE-TRUENAME*", Value::Nil);
    // SBCL's defaults (CLHS 24.2).
    set("*LOAD-VERBOSE*", Value::Nil);
    set("*LOAD-PRINT*", Value::Nil);
    set("*COMPILE-VERBOSE*", package::t());
    set("*COMPILE-PRINT*", Value::Nil);
    set(
        "*DEFAULT-PATHNAME-DEFAULTS*",
        Value::Pathname(Rc::new(crate::eval::value::Pathname::parse(""))),
    );
    set("*RANDOM-STATE*", Value::Nil);
    set("*GENSYM-COUNTER*", Value::Fixnum(1));
    set("*MODULES*", Value::Nil);
    let features = crate::builtins::allegro::features::initial_features();
    set(
        "*FEATURES*",
        Value::list(features.iter().map(|f| Value::Symbol(keyword(f)))),
    );
    for (name, v) in [
        ("MOST-POSITIVE-FIXNUM", Value::Fixnum((1 << 62) - 1)),
        ("MOST-NEGATIVE-FIXNUM", Value::Fixnum(-(1 << 62))),
        ("PI", Value::Double(std::f64::consts::PI)),
        (
            "LAMBDA-LIST-KEYWORDS",
            Value::list(
                [
                    "&ALLOW-OTHER-KEYS",
                    "&AUX",
                    "&BODY",
                    "&ENVIRONMENT",
                    "&KEY",
                    "&OPTIONAL",
                    "&REST",
                    "&WHOLE",
                ]
                .map(|n| Value::Symbol(cl_sym(n))),
            ),
        ),
        ("CALL-ARGUMENTS-LIMIT", Value::Fixnum(4611686018427387903)),
        (
            "LAMBDA-PARAMETERS-LIMIT",
            Value::Fixnum(4611686018427387903),
        ),
        ("MULTIPLE-VALUES-LIMIT", Value::Fixnum(4611686018427387903)),
        ("ARRAY-DIMENSION-LIMIT", Value::Fixnum(4611686018427387901)),
        ("ARRAY-RANK-LIMIT", Value::Fixnum(129)),
        ("ARRAY-TOTAL-SIZE-LIMIT", Value::Fixnum(4611686018427387901)),
        ("CHAR-CODE-LIMIT", Value::Fixnum(1114112)),
        ("INTERNAL-TIME-UNITS-PER-SECOND", Value::Fixnum(1_000_000)),
    ] {
        let s = cl_sym(name);
        *s.value.borrow_mut() = Some(v);
        s.constant.set(true);
    }
    for (name, v) in crate::builtins::numbers::bytes::BOOLE_CONSTANTS {
        let s = cl_sym(name);
        *s.value.borrow_mut() = Some(Value::Fixnum(v));
        s.constant.set(true);
    }
    for (name, v) in float_constants() {
        let s = cl_sym(&name);
        *s.value.borrow_mut() = Some(v);
        s.constant.set(true);
    }
    crate::builtins::install_prelude(&mut it);
    // Scripts start in CL-USER whatever the prelude's last in-package was.
    package::set_current_package(package::user_package());
    it
}

/// The float limits and epsilons (CLHS 12.1.6.2, MOST-POSITIVE-SHORT-FLOAT
/// and SHORT-FLOAT-EPSILON), with SBCL's values: short floats are single
/// floats and long floats double floats.
fn float_constants() -> Vec<(String, Value)> {
    let single = [
        ("MOST-POSITIVE", f32::MAX),
        ("MOST-NEGATIVE", f32::MIN),
        ("LEAST-POSITIVE", f32::from_bits(1)),
        ("LEAST-NEGATIVE", -f32::from_bits(1)),
        ("LEAST-POSITIVE-NORMALIZED", f32::MIN_POSITIVE),
        ("LEAST-NEGATIVE-NORMALIZED", -f32::MIN_POSITIVE),
    ];
    let double = [
        ("MOST-POSITIVE", f64::MAX),
        ("MOST-NEGATIVE", f64::MIN),
        ("LEAST-POSITIVE", f64::from_bits(1)),
        ("LEAST-NEGATIVE", -f64::from_bits(1)),
        ("LEAST-POSITIVE-NORMALIZED", f64::MIN_POSITIVE),
        ("LEAST-NEGATIVE-NORMALIZED", -f64::MIN_POSITIVE),
    ];
    let mut out = Vec::new();
    for (prefix, x) in single {
        for format in ["SHORT", "SINGLE"] {
            out.push((format!("{prefix}-{format}-FLOAT"), Value::Single(x)));
        }
    }
    for (prefix, x) in double {
        for format in ["DOUBLE", "LONG"] {
            out.push((format!("{prefix}-{format}-FLOAT"), Value::Double(x)));
        }
    }
    // The smallest e with (/= (+ 1 e) 1), and (/= (- 1 e) 1): one ulp
    // past half an ulp of 1.
    let (eps_s, neg_s) = (f32::from_bits(0x3380_0001), f32::from_bits(0x3300_0001));
    let (eps_d, neg_d) = (
        f64::from_bits(0x3CA0_0000_0000_0001),
        f64::from_bits(0x3C90_0000_0000_0001),
    );
    for format in ["SHORT", "SINGLE"] {
        out.push((format!("{format}-FLOAT-EPSILON"), Value::Single(eps_s)));
        out.push((
            format!("{format}-FLOAT-NEGATIVE-EPSILON"),
            Value::Single(neg_s),
        ));
    }
    for format in ["DOUBLE", "LONG"] {
        out.push((format!("{format}-FLOAT-EPSILON"), Value::Double(eps_d)));
        out.push((
            format!("{format}-FLOAT-NEGATIVE-EPSILON"),
            Value::Double(neg_d),
        ));
    }
    out
}

/// Read and evaluate every form of `src` in order, one at a time.
/// Returns the value of the last form.
pub fn load_source(it: &mut Interp, src: &str, file: Option<&str>) -> Result<Value, ScriptError> {
    let mut reader = Reader::new(src, file);
    let mut last = Value::Nil;
    loop {
        let form = {
            let mut ctx = EvalCtx(it);
            // Positions of the lists read, for errors (reader/positions.rs).
            match crate::reader::positions::record(|| reader.read(&mut ctx)) {
                Ok(Some(f)) => f,
                Ok(None) => return Ok(last),
                Err(e) => {
                    return Err(match crate::builtins::streams::take_reader_unwind(&e) {
                        Some(u) => {
                            let (line, column) = reader.form_start();
                            let pos = SourcePos {
                                file: file.map(str::to_string),
                                line,
                                column,
                            };
                            unwind_to_error(it, u, pos)
                        }
                        None => ScriptError::Read(e),
                    })
                }
            }
        };
        let (line, column) = reader.form_start();
        let pos = SourcePos {
            file: file.map(str::to_string),
            line,
            column,
        };
        last = eval_toplevel(it, &form, pos)?;
    }
}

/// Evaluate one top-level form read at `pos` (the position unhandled
/// errors name).
pub fn eval_toplevel(it: &mut Interp, form: &Value, pos: SourcePos) -> Result<Value, ScriptError> {
    let saved = std::mem::replace(&mut it.toplevel_pos, pos);
    let r = it.eval_toplevel_form(form);
    let pos = std::mem::replace(&mut it.toplevel_pos, saved);
    r.map_err(|u| unwind_to_error(it, u, pos))
}

/// Turn an unwind that escaped the top level into a report.
pub fn unwind_to_error(it: &mut Interp, u: Unwind, pos: SourcePos) -> ScriptError {
    // Only `Interp::raise` (which makes `Unwind::Error`) records the
    // backtrace; for anything else a recorded one is stale.
    if !matches!(u.kind(), UnwindKind::Error(_)) {
        it.error_backtrace.clear();
    }
    let condition = match u.into_kind() {
        UnwindKind::Exit(code) => return ScriptError::Exit(code),
        UnwindKind::Error(c) | UnwindKind::Signal(c) => c,
        UnwindKind::Throw { tag, .. } => {
            let msg = format!(
                "attempt to THROW to a tag that does not exist: {}",
                crate::printer::prin1_to_string(&tag)
            );
            it.make_error("CONTROL-ERROR", &msg)
        }
        UnwindKind::ReturnFrom { .. } | UnwindKind::Go { .. } => it.make_error(
            "CONTROL-ERROR",
            "attempt to RETURN-FROM or GO to an exit point that is no longer active",
        ),
        UnwindKind::HandlerCase { condition, .. } => condition,
        UnwindKind::Restart { .. } => {
            it.make_error("CONTROL-ERROR", "restart invoked outside its extent")
        }
    };
    // The innermost form read from source that the error left, rather
    // than the top-level form.
    let pos = match crate::reader::positions::error_place(&condition) {
        Some(p) => SourcePos {
            file: p.file.as_deref().map(str::to_string),
            line: p.line,
            column: p.column,
        },
        None => pos,
    };
    // The innermost frame stands at the form the error left in it.
    crate::eval::backtrace::refine_innermost(
        &mut it.error_backtrace,
        crate::reader::positions::error_place_and_depth(&condition),
    );
    let report = it
        .report_condition(&condition)
        .unwrap_or_else(|_| "(error while reporting the condition)".into());
    let type_name = match &condition {
        Value::Struct(o) => o.class.name.name.clone(),
        other => crate::printer::prin1_to_string(other),
    };
    ScriptError::Lisp(Box::new(UnhandledError {
        condition,
        type_name,
        report,
        pos,
        backtrace: std::mem::take(&mut it.error_backtrace),
    }))
}

/// Flush the standard output stream (at exit, and before error reports so
/// the two streams interleave sensibly).
pub fn flush_output(it: &Interp) {
    for name in ["*STANDARD-OUTPUT*", "*ERROR-OUTPUT*"] {
        if let Some(Value::Stream(s)) = cl_sym(name).value.borrow().clone() {
            let _ = s.flush();
        }
    }
    let _ = it;
    use std::io::Write;
    let _ = std::io::stdout().flush();
}

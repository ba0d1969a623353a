//! The printer's functions (CLHS 22.4): `prin1`, `princ`, `print`,
//! `write` and the `-to-string` forms, plus character and line output
//! (CLHS 21.2). Text comes from `crate::printer`; conditions printed
//! without escapes show their report (CLHS 9.1.3).

use std::cell::Cell;
use std::rc::Rc;

use super::args::{self, type_err};
use super::streams::{out_stream, write_text};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::{cl_sym, t};
use crate::eval::stream::Stream;
use crate::eval::{Interp, LResult, Value};
use crate::printer::pretty::Doc;
use crate::printer::{write_doc_checked, PrintFailure, PrintOptions};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("PRIN1", "(object &optional stream)", 1, 2, prin1, "Print OBJECT readably (with escapes)."),
    def!("PRINC", "(object &optional stream)", 1, 2, princ, "Print OBJECT for people (no escapes)."),
    def!("PRINT", "(object &optional stream)", 1, 2, print, "Newline, PRIN1 of OBJECT, then a space."),
    def!("PPRINT", "(object &optional stream)", 1, 2, pprint, "Newline, then OBJECT with escapes; no values."),
    def!("WRITE", "(object &key stream escape readably base radix pretty case circle level length lines array gensym right-margin miser-width pprint-dispatch)", 1, MANY, write, "Print OBJECT with printer variables given as keywords."),
    def!("PRIN1-TO-STRING", "(object)", 1, 1, prin1_to_string, "The PRIN1 text of OBJECT."),
    def!("PRINC-TO-STRING", "(object)", 1, 1, princ_to_string, "The PRINC text of OBJECT."),
    def!("WRITE-TO-STRING", "(object &key escape readably base radix pretty case circle level length lines array gensym right-margin miser-width pprint-dispatch)", 1, MANY, write_to_string_fn, "The WRITE text of OBJECT."),
    def!("WRITE-STRING", "(string &optional stream &key start end)", 1, MANY, write_string, "Write the characters of STRING."),
    def!("WRITE-LINE", "(string &optional stream &key start end)", 1, MANY, write_line, "Write STRING and a newline."),
    def!("WRITE-CHAR", "(character &optional stream)", 1, 2, write_char, "Write one character."),
    def!("TERPRI", "(&optional stream)", 0, 1, terpri, "Write a newline."),
    def!("FRESH-LINE", "(&optional stream)", 0, 1, fresh_line, "Write a newline unless at the start of a line; true if it wrote one."),
    def!("FINISH-OUTPUT", "(&optional stream)", 0, 1, finish_output, "Flush buffered output."),
    def!("FORCE-OUTPUT", "(&optional stream)", 0, 1, finish_output, "Flush buffered output."),
    def!("CLEAR-OUTPUT", "(&optional stream)", 0, 1, clear_output, "Discard buffered output (no-op)."),
];

/// The printer options from the current `*print-...*` variables.
pub fn options_from_globals() -> PrintOptions {
    PrintOptions::from_globals()
}

/// The printed text of `v` under `opts`; a condition printed without
/// escapes is its report.
pub fn text_with(it: &mut Interp, v: &Value, opts: &PrintOptions) -> LResult<String> {
    Ok(doc_with(it, v, opts)?.layout(0))
}

/// The printed text of `v` with the pretty printer's operations (when
/// `opts.pretty`), to be laid out where it is written. With
/// `*print-circle*` and no printing around this one, the object is
/// printed twice: once to find what is shared, once with labels.
pub fn doc_with(it: &mut Interp, v: &Value, opts: &PrintOptions) -> LResult<Doc> {
    if opts.circle && !crate::printer::circle::active() {
        return crate::printer::circle::with_detection(|_| doc_once(it, v, opts));
    }
    doc_once(it, v, opts)
}

thread_local! {
    /// The next object printed skips the pprint dispatch table at its
    /// top (`%pprint-standard`, the standard table's function).
    static UNDISPATCHED_ROOT: Cell<bool> = const { Cell::new(false) };
}

/// [`write_object`] with the standard layout for `v` itself, whatever
/// the pprint dispatch table says (its elements still dispatch).
pub fn write_object_undispatched(
    it: &mut Interp,
    stream: &Rc<Stream>,
    v: &Value,
    opts: &PrintOptions,
) -> LResult<()> {
    UNDISPATCHED_ROOT.with(|u| u.set(true));
    let r = write_object(it, stream, v, opts);
    UNDISPATCHED_ROOT.with(|u| u.set(false));
    r
}

fn doc_once(it: &mut Interp, v: &Value, opts: &PrintOptions) -> LResult<Doc> {
    let mut skip_root = UNDISPATCHED_ROOT.with(|u| u.replace(false));
    if !opts.escape && !opts.readably && Interp::condition_class(v).is_some() {
        return Ok(plain(it.report_condition(v)?));
    }
    if !opts.escape && !opts.readably {
        if let Some(report) = crate::builtins::core::restart_report(it, v) {
            return Ok(plain(report?));
        }
    }
    let mut ops = Vec::new();
    let mut text = String::new();
    let entries = if opts.pretty {
        super::pprint_dispatch::current_entries()
    } else {
        None
    };
    let clos = crate::clos::loaded(it);
    let failure = if entries.is_none() && !clos {
        write_doc_checked(&mut text, &mut ops, v, opts, None).err()
    } else {
        let opts = PrintOptions {
            dispatch: entries.is_some(),
            ..opts.clone()
        };
        let mut error = None;
        // The pprint dispatch table first (CLHS 22.2.1.4), then
        // print-object (CLHS 22.1.3.13).
        let mut ask = |x: &Value, o: &PrintOptions| -> Option<String> {
            if error.is_some() {
                return None;
            }
            let r = (|| -> LResult<Option<String>> {
                if let Some(entries) = &entries {
                    if o.pretty && !std::mem::take(&mut skip_root) {
                        if let Some(f) = super::pprint_dispatch::lookup(it, entries, x)? {
                            return super::pprint_dispatch::call_entry(it, &f, x, 0).map(Some);
                        }
                    }
                }
                if clos {
                    return crate::clos::hooks::print_object_text(it, x, o);
                }
                Ok(None)
            })();
            r.unwrap_or_else(|e| {
                error = Some(e);
                None
            })
        };
        let stopped = write_doc_checked(&mut text, &mut ops, v, &opts, Some(&mut ask)).err();
        if let Some(e) = error {
            return Err(e);
        }
        stopped
    };
    match failure {
        None => Ok(Doc { text, ops }),
        Some(PrintFailure::NotReadable(object)) => {
            let c = it.make_condition("PRINT-NOT-READABLE", &[("OBJECT", object)]);
            it.err(c)
        }
        Some(PrintFailure::TooLarge) => {
            drop(text);
            let c = it.make_error(
                "STORAGE-CONDITION",
                "Heap exhausted: the printed text does not fit in memory.",
            );
            it.err(c)
        }
    }
}

fn plain(text: String) -> Doc {
    Doc {
        text,
        ops: Vec::new(),
    }
}

/// Print `v` under `opts` to `stream`, laid out from its column (or
/// queued into it when it is a pretty stream).
pub fn write_object(
    it: &mut Interp,
    stream: &Rc<Stream>,
    v: &Value,
    opts: &PrintOptions,
) -> LResult<()> {
    let doc = doc_with(it, v, opts)?;
    super::streams::check_open(it, stream)?;
    match doc.write_to(stream) {
        Ok(()) => Ok(()),
        Err(e) => super::streams::io_failure(it, stream, e),
    }
}

fn prin1_options() -> PrintOptions {
    PrintOptions {
        escape: true,
        ..options_from_globals()
    }
}

fn princ_options() -> PrintOptions {
    PrintOptions {
        escape: false,
        readably: false,
        ..options_from_globals()
    }
}

/// `prin1` text (escapes on) under the current printer variables.
pub fn prin1_text(it: &mut Interp, v: &Value) -> LResult<String> {
    let opts = PrintOptions {
        escape: true,
        ..options_from_globals()
    };
    text_with(it, v, &opts)
}

/// `princ` text (escapes and readably off).
pub fn princ_text(it: &mut Interp, v: &Value) -> LResult<String> {
    let opts = PrintOptions {
        escape: false,
        readably: false,
        ..options_from_globals()
    };
    text_with(it, v, &opts)
}

fn prin1(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = out_stream(it, a.get(1))?;
    write_object(it, &s, &a[0], &prin1_options())?;
    Ok(a[0].clone())
}

fn princ(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = out_stream(it, a.get(1))?;
    write_object(it, &s, &a[0], &princ_options())?;
    Ok(a[0].clone())
}

fn print(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = out_stream(it, a.get(1))?;
    write_text(it, &s, "\n")?;
    write_object(it, &s, &a[0], &prin1_options())?;
    write_text(it, &s, " ")?;
    Ok(a[0].clone())
}

fn pprint(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = out_stream(it, a.get(1))?;
    write_text(it, &s, "\n")?;
    let opts = PrintOptions {
        pretty: true,
        ..prin1_options()
    };
    write_object(it, &s, &a[0], &opts)?;
    Ok(it.values(vec![]))
}

const WRITE_KEYS: &[&str] = &[
    "STREAM",
    "ESCAPE",
    "READABLY",
    "BASE",
    "RADIX",
    "PRETTY",
    "CASE",
    "CIRCLE",
    "LEVEL",
    "LENGTH",
    "LINES",
    "ARRAY",
    "GENSYM",
    "RIGHT-MARGIN",
    "MISER-WIDTH",
    "PPRINT-DISPATCH",
];

/// Run `f` with `*print-KEY*` bound to each of `write`'s keywords given
/// (CLHS 22.4: `write` binds the printer variables).
fn with_write_bindings<T>(
    it: &mut Interp,
    kws: &[(String, Value)],
    f: impl FnOnce(&mut Interp) -> LResult<T>,
) -> LResult<T> {
    let mark = it.dyn_mark();
    for (key, value) in kws {
        if key == "STREAM" {
            continue;
        }
        if key == "BASE" && !matches!(value, Value::Fixnum(b) if (2..=36).contains(b)) {
            it.unbind_to(mark);
            return type_err(it, value, "(INTEGER 2 36)");
        }
        let var = cl_sym(&format!("*PRINT-{key}*"));
        it.bind_special(&var, value.clone());
    }
    let r = f(it);
    it.unbind_to(mark);
    r
}

fn write(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(it, &a[1..], WRITE_KEYS, "WRITE")?;
    let s = out_stream(it, args::kw(&kws, "STREAM").as_ref())?;
    with_write_bindings(it, &kws, |it| {
        write_object(it, &s, &a[0], &options_from_globals())
    })?;
    Ok(a[0].clone())
}

fn prin1_to_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(prin1_text(it, &a[0])?))
}

fn princ_to_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(princ_text(it, &a[0])?))
}

fn write_to_string_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(it, &a[1..], WRITE_KEYS, "WRITE-TO-STRING")?;
    let text = with_write_bindings(it, &kws, |it| text_with(it, &a[0], &options_from_globals()))?;
    Ok(Value::string(text))
}

/// The `:start`/`:end` part of a string argument.
fn string_part(it: &mut Interp, a: &[Value], fname: &str) -> LResult<String> {
    let text = args::string(it, &a[0])?;
    let kws = args::keywords(it, a.get(2..).unwrap_or(&[]), &["START", "END"], fname)?;
    let n = text.chars().count();
    let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
    let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?.unwrap_or(n);
    if start > end || end > n {
        let msg = format!(
            "{fname}: the bounding indices {start} and {end} are bad for a string of length {n}"
        );
        let c = it.make_error("SIMPLE-ERROR", &msg);
        return it.err(c);
    }
    Ok(text.chars().skip(start).take(end - start).collect())
}

fn write_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = string_part(it, a, "WRITE-STRING")?;
    let s = out_stream(it, a.get(1))?;
    write_text(it, &s, &text)?;
    Ok(a[0].clone())
}

fn write_line(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut text = string_part(it, a, "WRITE-LINE")?;
    text.push('\n');
    let s = out_stream(it, a.get(1))?;
    write_text(it, &s, &text)?;
    Ok(a[0].clone())
}

fn write_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    let s = out_stream(it, a.get(1))?;
    write_text(it, &s, &c.to_string())?;
    Ok(a[0].clone())
}

fn terpri(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = out_stream(it, a.first())?;
    write_text(it, &s, "\n")?;
    Ok(Value::Nil)
}

/// Whether `s` is at the start of a line (`fresh-line`, `~&`).
pub fn at_line_start(s: &Rc<Stream>) -> bool {
    s.output_column() == 0
}

fn fresh_line(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = out_stream(it, a.first())?;
    if at_line_start(&s) {
        return Ok(Value::Nil);
    }
    write_text(it, &s, "\n")?;
    Ok(t())
}

fn finish_output(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = out_stream(it, a.first())?;
    if let Err(e) = s.flush() {
        return super::streams::io_failure(it, &s, e);
    }
    Ok(Value::Nil)
}

fn clear_output(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    out_stream(it, a.first())?;
    Ok(Value::Nil)
}

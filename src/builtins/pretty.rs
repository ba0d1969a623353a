//! The pretty printer's functions (CLHS 22.4): `pprint-newline`,
//! `pprint-indent`, `pprint-tab`, `pprint-fill`, `pprint-linear`,
//! `pprint-tabular`, and the runtime of `pprint-logical-block` (the macro
//! is in `macros.lisp`). The layout engine is `crate::printer::pretty`.

use std::cell::Cell;
use std::rc::Rc;

use super::args::type_err;
use super::printing::{options_from_globals, write_object};
use super::streams::out_stream;
use super::BuiltinDef;
use crate::def;
use crate::eval::stream::{Stream, StreamKind};
use crate::eval::{Interp, LResult, Value};
use crate::printer::circle;
use crate::printer::pretty::{NewlineKind, PrettyStream, TabKind};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("PPRINT-NEWLINE", "(kind &optional stream)", 1, 2, pprint_newline, "A conditional newline of KIND (:linear :fill :miser :mandatory) on a pretty-printing STREAM."),
    def!("PPRINT-INDENT", "(relative-to n &optional stream)", 2, 3, pprint_indent, "Set the indentation of the current logical block (:block or :current) from the next line break."),
    def!("PPRINT-TAB", "(kind colnum colinc &optional stream)", 3, 4, pprint_tab, "Tab as ~T would (:line :section :line-relative :section-relative) on a pretty-printing STREAM."),
    def!("PPRINT-FILL", "(stream list &optional colon-p at-sign-p)", 2, 4, pprint_fill, "Print LIST with fill-style newlines between elements."),
    def!("PPRINT-LINEAR", "(stream list &optional colon-p at-sign-p)", 2, 4, pprint_linear, "Print LIST with linear-style newlines between elements."),
    def!("PPRINT-TABULAR", "(stream list &optional colon-p at-sign-p tabsize)", 2, 5, pprint_tabular, "Print LIST in columns TABSIZE (16) wide."),
    def!("SENDLETTER" : "%CALL-LOGICAL-BLOCK", "(proc stream prefix per-line-p suffix &optional object)", 5, 6, call_logical_block, "Run PROC (list stream) inside a logical block: PPRINT-LOGICAL-BLOCK's runtime."),
    def!("SENDLETTER" : "%PPRINT-STRING", "(object &optional nil-ok)", 1, 2, pprint_string, "A logical block's prefix or suffix: OBJECT when it is a string, else a TYPE-ERROR."),
    def!("SENDLETTER" : "%PPRINT-LENGTH-CHECK", "(list count stream)", 3, 3, pprint_length_check, "PPRINT-POP's test: print `. tail` or `...` and return NIL, or return T."),
];

thread_local! {
    /// Logical blocks open around the current output (`*print-level*`).
    static LEVEL: Cell<usize> = const { Cell::new(0) };
}

/// How many logical blocks enclose the current output.
pub fn current_level() -> usize {
    LEVEL.with(Cell::get)
}

fn is_pretty(s: &Rc<Stream>) -> bool {
    matches!(&*s.kind.borrow(), StreamKind::Pretty(_))
}

fn print_pretty() -> bool {
    crate::eval::package::cl_var!("*PRINT-PRETTY*")
        .value
        .borrow()
        .as_ref()
        .is_some_and(|v| v.truthy())
}

/// Run `f` on the pretty stream `pretty` if it is one, else on a new one
/// over `target`, laid out and written when `f` is done (SBCL's
/// `with-pretty-stream`).
pub fn with_pretty_stream<T>(
    it: &mut Interp,
    target: &Rc<Stream>,
    f: impl FnOnce(&mut Interp, &Rc<Stream>) -> LResult<T>,
) -> LResult<T> {
    if is_pretty(target) {
        return f(it, target);
    }
    let ps = Rc::new(Stream::new(StreamKind::Pretty(Box::new(
        PrettyStream::new(target.clone()),
    ))));
    let r = f(it, &ps)?;
    let result = match &mut *ps.kind.borrow_mut() {
        StreamKind::Pretty(p) => {
            p.finish();
            p.take_error()
        }
        _ => Ok(()),
    };
    ps.open.set(false);
    match result {
        Ok(()) => Ok(r),
        Err(e) => super::streams::io_failure(it, target, e),
    }
}

/// Apply `f` to the pretty stream behind `s`, when it is one and
/// `*print-pretty*` is true (else the operation does nothing, CLHS 22.4).
fn on_pretty(s: &Rc<Stream>, f: impl FnOnce(&mut PrettyStream)) {
    if !print_pretty() {
        return;
    }
    if let StreamKind::Pretty(p) = &mut *s.kind.borrow_mut() {
        f(p);
    }
}

fn keyword_name(v: &Value) -> Option<&str> {
    match v {
        Value::Symbol(s)
            if s.package
                .borrow()
                .as_ref()
                .is_some_and(|p| p.name() == "KEYWORD") =>
        {
            Some(s.name.as_str())
        }
        _ => None,
    }
}

fn pprint_newline(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kind = match keyword_name(&a[0]) {
        Some("LINEAR") => NewlineKind::Linear,
        Some("FILL") => NewlineKind::Fill,
        Some("MISER") => NewlineKind::Miser,
        Some("MANDATORY") => NewlineKind::Mandatory,
        _ => return type_err(it, &a[0], "(MEMBER :LINEAR :FILL :MISER :MANDATORY)"),
    };
    let s = out_stream(it, a.get(1))?;
    on_pretty(&s, |p| p.enqueue_newline(kind));
    Ok(Value::Nil)
}

/// A real number truncated (`pprint-indent`'s N).
fn truncated(it: &mut Interp, v: &Value) -> LResult<i64> {
    match v {
        Value::Fixnum(n) => Ok(*n),
        Value::Single(f) => Ok(f.trunc() as i64),
        Value::Double(f) => Ok(f.trunc() as i64),
        Value::Ratio(r) => Ok(num_traits::ToPrimitive::to_i64(&r.to_integer()).unwrap_or(0)),
        other => type_err(it, other, "REAL"),
    }
}

fn pprint_indent(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let block = match keyword_name(&a[0]) {
        Some("BLOCK") => true,
        Some("CURRENT") => false,
        _ => return type_err(it, &a[0], "(MEMBER :BLOCK :CURRENT)"),
    };
    let n = truncated(it, &a[1])?;
    let s = out_stream(it, a.get(2))?;
    on_pretty(&s, |p| p.enqueue_indent(block, n));
    Ok(Value::Nil)
}

fn unsigned(it: &mut Interp, v: &Value) -> LResult<i64> {
    match v {
        Value::Fixnum(n) if *n >= 0 => Ok(*n),
        other => type_err(it, other, "UNSIGNED-BYTE"),
    }
}

fn pprint_tab(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kind = match keyword_name(&a[0]) {
        Some("LINE") => TabKind::Line,
        Some("LINE-RELATIVE") => TabKind::LineRelative,
        Some("SECTION") => TabKind::Section,
        Some("SECTION-RELATIVE") => TabKind::SectionRelative,
        _ => {
            return type_err(
                it,
                &a[0],
                "(MEMBER :LINE :SECTION :LINE-RELATIVE :SECTION-RELATIVE)",
            )
        }
    };
    let colnum = unsigned(it, &a[1])?;
    let colinc = unsigned(it, &a[2])?;
    let s = out_stream(it, a.get(3))?;
    on_pretty(&s, |p| p.enqueue_tab(kind, colnum, colinc));
    Ok(Value::Nil)
}

/// Write `v` as `write` would (the current printer variables).
pub fn output_object(it: &mut Interp, s: &Rc<Stream>, v: &Value) -> LResult<()> {
    write_object(it, s, v, &options_from_globals())
}

fn write_str(it: &mut Interp, s: &Rc<Stream>, text: &str) -> LResult<()> {
    super::streams::write_text(it, s, text)
}

/// Set the logical-block nesting depth (format's `~<...~:>`).
pub fn set_level(n: usize) {
    LEVEL.with(|l| l.set(n));
}

/// A printer limit (`*print-level*`, `*print-length*`), ignored when
/// printing readably (CLHS 22.1.3.1 ff., `*print-readably*`).
pub fn print_limit(var: crate::eval::value::Sym) -> Option<usize> {
    let readably = crate::eval::package::cl_var!("*PRINT-READABLY*")
        .value
        .borrow()
        .as_ref()
        .is_some_and(|v| v.truthy());
    if readably {
        return None;
    }
    match var.value.borrow().as_ref() {
        Some(Value::Fixnum(n)) if *n >= 0 => Some(*n as usize),
        _ => None,
    }
}

/// `*print-level*` unless printing readably.
pub fn print_level() -> Option<usize> {
    print_limit(crate::eval::package::cl_var!("*PRINT-LEVEL*"))
}

fn print_length() -> Option<i64> {
    print_limit(crate::eval::package::cl_var!("*PRINT-LENGTH*")).map(|n| n as i64)
}

/// A logical block on `stream` around `body` (SBCL's
/// `call-logical-block-printer`): a non-list object is just written;
/// past `*print-level*` the block is `#`.
#[allow(clippy::too_many_arguments)]
fn logical_block(
    it: &mut Interp,
    stream: &Rc<Stream>,
    object: Option<&Value>,
    prefix: Option<&str>,
    per_line: bool,
    suffix: &str,
    body: &mut dyn FnMut(&mut Interp, &Rc<Stream>) -> LResult<()>,
) -> LResult<()> {
    // *print-circle* at the outermost printing: once to find what is
    // shared, output thrown away, then for real (SBCL's
    // with-circularity-detection).
    if object.is_some_and(circle::candidate) && !circle::active() && print_circle() {
        let scratch = Rc::new(Stream::string_output());
        return circle::with_detection(|real| {
            let target = if real { stream } else { &scratch };
            logical_block(it, target, object, prefix, per_line, suffix, body)
        });
    }
    with_pretty_stream(it, stream, |it, ps| {
        if let Some(obj) = object {
            if !obj.is_list() {
                return output_object(it, ps, obj);
            }
            match circle::check(obj, true) {
                circle::Check::Print => {}
                circle::Check::Skip => return Ok(()),
                circle::Check::Refer(n) => return write_str(it, ps, &format!("#{n}#")),
                circle::Check::Define(n) => write_str(it, ps, &format!("#{n}="))?,
            }
        }
        let level = current_level();
        if print_level().is_some_and(|max| level >= max) {
            return write_str(it, ps, "#");
        }
        if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
            p.start_block(prefix, per_line, suffix);
        }
        LEVEL.with(|l| l.set(level + 1));
        let r = body(it, ps);
        LEVEL.with(|l| l.set(level));
        r?;
        if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
            p.end_block();
        }
        Ok(())
    })
}

fn string_or_nil(it: &mut Interp, v: &Value) -> LResult<Option<String>> {
    match v {
        Value::Nil => Ok(None),
        Value::String(s) => Ok(Some(s.borrow().clone())),
        other => match crate::builtins::sequences::shape::string_text(other) {
            Some(t) => Ok(Some(t)),
            None => type_err(it, other, "STRING"),
        },
    }
}

/// `pprint-logical-block`'s `:prefix`, `:per-line-prefix` and `:suffix`
/// must be strings (CLHS 22.4); SBCL lets a prefix be NIL (`nil-ok`).
fn pprint_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let nil_ok = a.get(1).is_some_and(Value::truthy);
    if a[0].is_nil() && nil_ok {
        return Ok(Value::Nil);
    }
    match crate::builtins::sequences::shape::string_text(&a[0]) {
        Some(_) => Ok(a[0].clone()),
        None => type_err(it, &a[0], "STRING"),
    }
}

fn call_logical_block(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let proc = a[0].clone();
    let stream = out_stream(it, Some(&a[1]))?;
    let prefix = string_or_nil(it, &a[2])?;
    let per_line = a[3].truthy();
    let suffix = string_or_nil(it, &a[4])?.unwrap_or_default();
    let object = a.get(5).cloned();
    logical_block(
        it,
        &stream,
        object.as_ref(),
        prefix.as_deref(),
        per_line,
        &suffix,
        &mut |it, ps| {
            let list = object.clone().unwrap_or(Value::Nil);
            it.apply(&proc, &[list, Value::Stream(ps.clone())])?;
            Ok(())
        },
    )?;
    Ok(Value::Nil)
}

/// `pprint-pop`'s check before taking the next element: a dotted tail is
/// written as `. tail`, `*print-length*` as `...`, a tail shared under
/// `*print-circle*` as `. #n#` (SBCL's `pprint-pop-helper`).
fn length_check(it: &mut Interp, list: &Value, count: i64, s: &Rc<Stream>) -> LResult<bool> {
    if !list.is_list() {
        write_str(it, s, ". ")?;
        output_object(it, s, list)?;
        return Ok(false);
    }
    if print_length() == Some(count) {
        write_str(it, s, "...")?;
        return Ok(false);
    }
    if count > 0
        && list.is_cons()
        && circle::active()
        && circle::check(list, false) != circle::Check::Print
    {
        write_str(it, s, ". ")?;
        output_object(it, s, list)?;
        return Ok(false);
    }
    Ok(true)
}

fn print_circle() -> bool {
    crate::eval::package::cl_var!("*PRINT-CIRCLE*")
        .value
        .borrow()
        .as_ref()
        .is_some_and(|v| v.truthy())
}

fn pprint_length_check(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let count = match a[1] {
        Value::Fixnum(n) => n,
        _ => 0,
    };
    let s = out_stream(it, Some(&a[2]))?;
    Ok(Value::bool(length_check(it, &a[0], count, &s)?))
}

/// `pprint-fill`, `pprint-linear` and `pprint-tabular`: the elements with
/// ` ` and a conditional newline (and a tab) between them.
fn pprint_list(
    it: &mut Interp,
    a: &[Value],
    kind: NewlineKind,
    tab: Option<i64>,
) -> LResult<Value> {
    let stream = out_stream(it, Some(&a[0]))?;
    let colon = a.get(2).is_none_or(|v| v.truthy());
    let (prefix, suffix) = if colon { ("(", ")") } else { ("", "") };
    let list = a[1].clone();
    logical_block(
        it,
        &stream,
        Some(&list),
        Some(prefix),
        false,
        suffix,
        &mut |it, ps| {
            let mut rest = list.clone();
            let mut count = 0;
            // The tortoise of a cycle check: a circular list ends in `...`
            // instead of printing for ever.
            let mut tortoise = list.clone();
            if rest.is_nil() {
                return Ok(());
            }
            loop {
                if !length_check(it, &rest, count, ps)? {
                    return Ok(());
                }
                if count > 0 && rest.eq(&tortoise) && !circle::active() {
                    return write_str(it, ps, "...");
                }
                if count % 2 == 1 {
                    tortoise = tortoise.cdr();
                }
                count += 1;
                let item = rest.car();
                rest = rest.cdr();
                output_object(it, ps, &item)?;
                if rest.is_nil() {
                    return Ok(());
                }
                write_str(it, ps, " ")?;
                if let Some(size) = tab {
                    on_pretty(ps, |p| p.enqueue_tab(TabKind::SectionRelative, 0, size));
                }
                on_pretty(ps, |p| p.enqueue_newline(kind));
            }
        },
    )?;
    Ok(Value::Nil)
}

fn pprint_fill(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    pprint_list(it, a, NewlineKind::Fill, None)
}

fn pprint_linear(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    pprint_list(it, a, NewlineKind::Linear, None)
}

fn pprint_tabular(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let size = match a.get(4) {
        None | Some(Value::Nil) => 16,
        Some(v) => unsigned(it, v)?,
    };
    pprint_list(it, a, NewlineKind::Fill, Some(size))
}

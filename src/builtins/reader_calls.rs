//! The reader's calls back into the evaluator: `#.` forms and reader macro
//! functions set from Lisp (CLHS 2.2 step 4, 23.2 `set-macro-character`).
//!
//! A reader macro function gets a string input stream over the rest of the
//! text being read; what it read from that stream is what the reader
//! skips. When Lisp unwinds (an error, `throw`, a `handler-case` exit) the
//! unwind is kept here and the reader's caller continues it, so the real
//! condition reaches the script rather than a "reader error" about it.

use std::cell::RefCell;
use std::rc::Rc;

use super::streams::{eof_error, reader_error, with_input};
use crate::eval::env::Env;
use crate::eval::stream::Stream;
use crate::eval::{Interp, LResult, Unwind, UnwindKind, Value};
use crate::reader::{
    is_whitespace, CallbackError, MacroCall, ReadContext, ReadError, ReadErrorKind, Reader,
};

thread_local! {
    /// The unwind behind the last [`ReadErrorKind::Unwound`] error.
    static PENDING: RefCell<Option<Unwind>> = const { RefCell::new(None) };
}

/// The unwind a reader error stands for, when Lisp code the reader called
/// unwound.
pub fn take_reader_unwind(e: &ReadError) -> Option<Unwind> {
    if e.kind != ReadErrorKind::Unwound {
        return None;
    }
    PENDING.with(|p| p.borrow_mut().take())
}

fn keep(u: Unwind) -> CallbackError {
    PENDING.with(|p| *p.borrow_mut() = Some(u));
    CallbackError::Unwound
}

/// The reader's evaluator: the interpreter.
pub struct EvalCtx<'a>(pub &'a mut Interp);

impl ReadContext for EvalCtx<'_> {
    fn eval(&mut self, form: Value) -> Result<Value, CallbackError> {
        let env = Env::default();
        self.0.eval(&form, &env).map_err(keep)
    }

    fn call_macro(
        &mut self,
        call: MacroCall<'_>,
        rest: &str,
    ) -> Result<(Option<Value>, usize), CallbackError> {
        let stream = Rc::new(Stream::string_input(rest));
        let s = Value::Stream(stream.clone());
        let args = match call.dispatch {
            None => vec![s, Value::Char(call.ch)],
            Some((sub, arg)) => vec![
                s,
                Value::Char(sub),
                arg.map_or(Value::Nil, |n| Value::Fixnum(n as i64)),
            ],
        };
        self.0.mv = None;
        match self.0.apply(call.function, &args) {
            Ok(v) => {
                let values = self.0.take_values(v);
                let used = stream.file_position().unwrap_or(0) as usize;
                Ok((values.into_iter().next(), used))
            }
            Err(u) if ran_out(&u, &stream) => Err(CallbackError::EndOfText),
            Err(u) => Err(keep(u)),
        }
    }
}

/// Did the macro function fail only because the text it was given ended
/// (so a caller reading a stream line by line should give it more)?
fn ran_out(u: &Unwind, stream: &Rc<Stream>) -> bool {
    let c = match u.kind() {
        UnwindKind::Error(c) | UnwindKind::Signal(c) => c,
        _ => return false,
    };
    let is_eof = Interp::condition_class(c).is_some_and(|k| k.name.name == "END-OF-FILE");
    is_eof
        && matches!(Interp::slot_by_name(c, "STREAM"), Value::Stream(s) if Rc::ptr_eq(&s, stream))
}

/// What [`read_stream`] reads.
#[derive(Clone, Copy)]
pub enum StreamRead {
    /// One object (`read`, `read-preserving-whitespace`); `None` at the
    /// end of the stream.
    Object { preserve: bool },
    /// Objects up to this character, as a list (`read-delimited-list`).
    Delimited(char),
    /// The standard macro of the first character, reached through the
    /// second.
    StdMacro(char, char),
    /// The dispatching character's macro, or its entry for a
    /// sub-character and argument.
    Dispatch(char, Option<(char, Option<usize>)>),
}

/// Run the reader over the text of an input stream. Lines are taken until
/// the reader has what it needs; what it did not use is pushed back.
/// `Ok(None)`: the stream ended before any object (only for
/// [`StreamRead::Object`]); `Ok(Some(None))`: a macro returned no values.
pub fn read_stream(
    it: &mut Interp,
    s: &Rc<Stream>,
    what: StreamRead,
) -> LResult<Option<Option<Value>>> {
    let mut buf = String::new();
    loop {
        let line = with_input(it, s, |b| b.read_line())?;
        let at_end = match line {
            Some((l, missing_newline)) => {
                buf.push_str(&l);
                if !missing_newline {
                    buf.push('\n');
                }
                missing_newline
            }
            None => true,
        };
        let mut r = Reader::new(&buf, None);
        let got = {
            let mut ctx = EvalCtx(it);
            match what {
                StreamRead::Object { preserve } => {
                    r.preserve_whitespace = preserve;
                    r.read(&mut ctx).map(|v| v.map(Some))
                }
                StreamRead::Delimited(close) => r
                    .read_delimited(&mut ctx, close)
                    .map(|items| Some(Some(Value::list(items)))),
                StreamRead::StdMacro(m, c) => r.run_std_macro(&mut ctx, m, c).map(Some),
                StreamRead::Dispatch(d, sub) => r.run_dispatch(&mut ctx, d, sub).map(Some),
            }
        };
        match got {
            Ok(Some(v)) => {
                let mut off = r.offset();
                // READ consumes one whitespace character after an object
                // (the reader already does after a token).
                if let StreamRead::Object { preserve: false } = what {
                    let before = buf.get(..off).and_then(|t| t.chars().next_back());
                    let after = buf.get(off..).and_then(|t| t.chars().next());
                    if let (Some(b), Some(a)) = (before, after) {
                        if !is_whitespace(b) && is_whitespace(a) {
                            off += a.len_utf8();
                        }
                    }
                }
                let rest = buf.get(off..).unwrap_or("").to_string();
                with_input(it, s, |b| {
                    b.unread_str(&rest);
                    Ok(())
                })?;
                return Ok(Some(v));
            }
            Ok(None) if at_end => return Ok(None),
            Ok(None) => {}
            Err(e) if e.is_eof() => {
                if at_end {
                    return eof_error(it, s);
                }
            }
            Err(e) => {
                if let Some(u) = take_reader_unwind(&e) {
                    return Err(u);
                }
                return reader_error(it, s, &e.message);
            }
        }
    }
}

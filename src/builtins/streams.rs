//! Streams (CLHS 21) and the reader's stream functions (CLHS 23.2):
//! string streams, character and byte input and output, `read`,
//! `read-from-string`, stream predicates and the shared helpers the
//! printing, format and file builtins use to reach a stream.

use std::io;
use std::rc::Rc;

use super::args::{self, type_err};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::{cl_sym, t};
use crate::eval::stream::{Element, Stream, StreamKind};
use crate::eval::{Interp, LResult, Unwind, Value};
use crate::reader::{ReadErrorKind, Reader};
use num_bigint::{BigInt, Sign};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("MAKE-STRING-INPUT-STREAM", "(string &optional start end)", 1, 3, make_string_input_stream, "An input stream reading the characters of STRING from START to END."),
    def!("MAKE-STRING-OUTPUT-STREAM", "(&key element-type)", 0, MANY, make_string_output_stream, "An output stream collecting characters; see GET-OUTPUT-STREAM-STRING."),
    def!("GET-OUTPUT-STREAM-STRING", "(stream)", 1, 1, get_output_stream_string, "The characters written to STREAM since the last call; clears them."),
    def!("STREAM-EXTERNAL-FORMAT", "(stream)", 1, 1, stream_external_format, "The external format of STREAM: a keyword such as :UTF-8 or :LATIN-1 for a character file stream, :DEFAULT otherwise."),
    def!("READ-LINE", "(&optional stream eof-error-p eof-value recursive-p)", 0, 4, read_line, "Read a line; second value true when it ended at end of file without a newline."),
    def!("READ-CHAR", "(&optional stream eof-error-p eof-value recursive-p)", 0, 4, read_char, "Read one character."),
    def!("READ-CHAR-NO-HANG", "(&optional stream eof-error-p eof-value recursive-p)", 0, 4, read_char, "Read one character (sendletter waits like READ-CHAR)."),
    def!("PEEK-CHAR", "(&optional peek-type stream eof-error-p eof-value recursive-p)", 0, 5, peek_char, "The next character without consuming it; PEEK-TYPE T skips whitespace, a character skips up to it."),
    def!("UNREAD-CHAR", "(character &optional stream)", 1, 2, unread_char, "Put CHARACTER back so that it is read next."),
    def!("READ-BYTE", "(stream &optional eof-error-p eof-value)", 1, 3, read_byte, "Read one octet from a binary stream."),
    def!("WRITE-BYTE", "(byte stream)", 2, 2, write_byte, "Write one octet to a binary stream."),
    def!("READ-SEQUENCE", "(sequence stream &key start end)", 2, MANY, read_sequence, "Fill SEQUENCE from STREAM; returns the index of the first element not filled."),
    def!("WRITE-SEQUENCE", "(sequence stream &key start end)", 2, MANY, write_sequence, "Write the elements of SEQUENCE to STREAM."),
    def!("READ", "(&optional stream eof-error-p eof-value recursive-p)", 0, 4, read, "Read one object with the Lisp reader."),
    def!("READ-FROM-STRING", "(string &optional eof-error-p eof-value &key start end preserve-whitespace)", 1, MANY, read_from_string, "Read one object from STRING; second value the index after it."),
    def!("LISTEN", "(&optional stream)", 0, 1, listen, "True if a character is available on STREAM."),
    def!("CLEAR-INPUT", "(&optional stream)", 0, 1, clear_input, "Discard pending input (no-op)."),
    def!("STREAMP", "(object)", 1, 1, streamp, "True if OBJECT is a stream."),
    def!("INPUT-STREAM-P", "(stream)", 1, 1, input_stream_p, "True if STREAM can be read from."),
    def!("OUTPUT-STREAM-P", "(stream)", 1, 1, output_stream_p, "True if STREAM can be written to."),
    def!("OPEN-STREAM-P", "(stream)", 1, 1, open_stream_p, "True if STREAM has not been closed."),
    def!("INTERACTIVE-STREAM-P", "(stream)", 1, 1, interactive_stream_p, "True if STREAM is standard input on a terminal."),
    def!("CLOSE", "(stream &key abort)", 1, MANY, close, "Close STREAM, flushing output."),
    def!("FILE-POSITION", "(stream &optional position)", 1, 2, file_position, "The position in STREAM, or set it."),
    def!("FILE-LENGTH", "(stream)", 1, 1, file_length, "The length of the file STREAM is open on."),
    def!("STREAM-ELEMENT-TYPE", "(stream)", 1, 1, stream_element_type, "CHARACTER or (UNSIGNED-BYTE 8)."),
    def!("MAKE-BROADCAST-STREAM", "(&rest streams)", 0, MANY, make_broadcast_stream, "An output stream writing to each of STREAMS (none: output is discarded)."),
    def!("BROADCAST-STREAM-STREAMS", "(broadcast-stream)", 1, 1, broadcast_stream_streams, "The streams a broadcast stream writes to."),
    def!("CONCATENATED-STREAM-STREAMS", "(concatenated-stream)", 1, 1, concatenated_stream_streams, "The input streams a concatenated stream has still to read, the current one first."),
    def!("MAKE-ECHO-STREAM", "(input-stream output-stream)", 2, 2, make_echo_stream, "A stream reading from INPUT-STREAM, copying what it reads to OUTPUT-STREAM, and writing to OUTPUT-STREAM."),
    def!("ECHO-STREAM-INPUT-STREAM", "(echo-stream)", 1, 1, echo_input, "The input side of an echo stream."),
    def!("ECHO-STREAM-OUTPUT-STREAM", "(echo-stream)", 1, 1, echo_output, "The output side of an echo stream."),
    def!("MAKE-SYNONYM-STREAM", "(symbol)", 1, 1, make_synonym_stream, "A stream that is, at each operation, the dynamic value of SYMBOL."),
    def!("SYNONYM-STREAM-SYMBOL", "(synonym-stream)", 1, 1, synonym_stream_symbol, "The symbol a synonym stream stands for."),
    def!("MAKE-TWO-WAY-STREAM", "(input-stream output-stream)", 2, 2, make_two_way_stream, "A stream reading from INPUT-STREAM and writing to OUTPUT-STREAM."),
    def!("MAKE-CONCATENATED-STREAM", "(&rest input-streams)", 0, MANY, make_concatenated_stream, "An input stream reading each of INPUT-STREAMS in turn."),
    def!("TWO-WAY-STREAM-INPUT-STREAM", "(stream)", 1, 1, two_way_input, "The input side of a two-way stream."),
    def!("TWO-WAY-STREAM-OUTPUT-STREAM", "(stream)", 1, 1, two_way_output, "The output side of a two-way stream."),
    def!("SENDLETTER" : "%STRING-APPEND", "(string text)", 2, 2, string_append, "Append TEXT to STRING in place (WITH-OUTPUT-TO-STRING with a string)."),
];

// ----- shared helpers -------------------------------------------------------

/// The current value of a standard stream variable, e.g. `*STANDARD-OUTPUT*`.
pub fn special_stream(it: &mut Interp, name: &str) -> LResult<Rc<Stream>> {
    let v = cl_sym(name).value.borrow().clone().unwrap_or(Value::Nil);
    match v {
        Value::Stream(s) => Ok(s),
        other => type_err(it, &other, "STREAM"),
    }
}

/// An output stream designator (CLHS 21.1.1.1.2): NIL is
/// `*standard-output*`, T is `*terminal-io*`.
pub fn out_stream(it: &mut Interp, d: Option<&Value>) -> LResult<Rc<Stream>> {
    match d {
        None | Some(Value::Nil) => special_stream(it, "*STANDARD-OUTPUT*"),
        Some(Value::Stream(s)) => Ok(s.clone()),
        Some(v) if v.is_sym(&it.s.t) => special_stream(it, "*TERMINAL-IO*"),
        Some(v) => type_err(it, v, "(OR STREAM BOOLEAN)"),
    }
}

/// An input stream designator: NIL is `*standard-input*`, T `*terminal-io*`.
pub fn in_stream(it: &mut Interp, d: Option<&Value>) -> LResult<Rc<Stream>> {
    match d {
        None | Some(Value::Nil) => special_stream(it, "*STANDARD-INPUT*"),
        Some(Value::Stream(s)) => Ok(s.clone()),
        Some(v) if v.is_sym(&it.s.t) => special_stream(it, "*TERMINAL-IO*"),
        Some(v) => type_err(it, v, "(OR STREAM BOOLEAN)"),
    }
}

/// A stream argument (no designators).
pub fn stream_arg(it: &mut Interp, v: &Value) -> LResult<Rc<Stream>> {
    match v {
        Value::Stream(s) => Ok(s.clone()),
        _ => type_err(it, v, "STREAM"),
    }
}

/// Operating on a closed stream is a `stream-error`.
pub fn check_open(it: &mut Interp, s: &Rc<Stream>) -> LResult<()> {
    if s.open.get() {
        return Ok(());
    }
    let c = stream_error(it, s, "The stream is closed.");
    it.err(c)
}

fn stream_error(it: &mut Interp, s: &Rc<Stream>, msg: &str) -> Value {
    it.make_condition(
        "STREAM-ERROR",
        &[
            ("STREAM", Value::Stream(s.clone())),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
            ("FORMAT-ARGUMENTS", Value::Nil),
        ],
    )
}

/// Turn an I/O failure into a Lisp error. A closed pipe on output (the
/// reader of our standard output went away, as with `| head`) ends the
/// process quietly with status 0 instead.
pub fn io_failure<T>(it: &mut Interp, s: &Rc<Stream>, e: io::Error) -> LResult<T> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        return Err(Unwind::Exit(0));
    }
    if e.kind() == io::ErrorKind::OutOfMemory {
        let c = it.make_error(
            "STORAGE-CONDITION",
            "Heap exhausted: the text written does not fit in memory.",
        );
        return it.err(c);
    }
    // Decoding and encoding errors name the file they happened in.
    let msg = match (&s.path, e.kind()) {
        (Some(path), io::ErrorKind::InvalidData) => format!("{path}: {e}"),
        _ => e.to_string(),
    };
    let c = stream_error(it, s, &msg);
    it.err(c)
}

/// Write text to a stream, tracking its column.
pub fn write_text(it: &mut Interp, s: &Rc<Stream>, text: &str) -> LResult<()> {
    check_open(it, s)?;
    if s.binary {
        let c = stream_error(it, s, "cannot write characters to a binary stream");
        return it.err(c);
    }
    match s.write_str(text) {
        Ok(()) => Ok(()),
        Err(e) => io_failure(it, s, e),
    }
}

/// `end-of-file` on `s`.
pub fn eof_error<T>(it: &mut Interp, s: &Rc<Stream>) -> LResult<T> {
    let c = it.make_condition("END-OF-FILE", &[("STREAM", Value::Stream(s.clone()))]);
    it.err(c)
}

/// Run an input operation on a stream, mapping I/O errors.
pub(crate) fn with_input<T>(
    it: &mut Interp,
    s: &Rc<Stream>,
    f: impl FnOnce(&mut dyn crate::eval::stream::InputOps) -> io::Result<T>,
) -> LResult<T> {
    check_open(it, s)?;
    match s.with_input(f) {
        Ok(v) => Ok(v),
        Err(e) => io_failure(it, s, e),
    }
}

fn opt(a: &[Value], i: usize) -> Option<&Value> {
    a.get(i)
}

/// The end-of-file protocol shared by the reading functions: signal, or
/// return EOF-VALUE.
pub(crate) fn at_eof(
    it: &mut Interp,
    s: &Rc<Stream>,
    eof_error_p: Option<&Value>,
    eof_value: Option<&Value>,
) -> LResult<Value> {
    if eof_error_p.is_none_or(|v| v.truthy()) {
        return eof_error(it, s);
    }
    Ok(eof_value.cloned().unwrap_or(Value::Nil))
}

fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\u{c}')
}

// ----- string streams ---------------------------------------------------------

fn make_string_input_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::string(it, &a[0])?;
    let chars: Vec<char> = s.chars().collect();
    let start = args::opt_index(it, a.get(1))?.unwrap_or(0);
    let end = args::opt_index(it, a.get(2))?.unwrap_or(chars.len());
    if start > end || end > chars.len() {
        let msg = format!(
            "the bounding indices {start} and {end} are bad for a string of length {}",
            chars.len()
        );
        let c = it.make_error("SIMPLE-ERROR", &msg);
        return it.err(c);
    }
    let text: String = chars[start..end].iter().collect();
    Ok(Value::Stream(Rc::new(Stream::string_input(&text))))
}

fn make_string_output_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    args::keywords(it, a, &["ELEMENT-TYPE"], "MAKE-STRING-OUTPUT-STREAM")?;
    Ok(Value::Stream(Rc::new(Stream::string_output())))
}

fn get_output_stream_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    match s.take_string() {
        Some(text) => Ok(Value::string(text)),
        None => type_err(it, &a[0], "STRING-OUTPUT-STREAM"),
    }
}

fn string_append(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = args::string(it, &a[1])?;
    match &a[0] {
        Value::String(s) => {
            s.borrow_mut().push_str(&text);
            Ok(a[0].clone())
        }
        other => type_err(it, other, "STRING"),
    }
}

// ----- character input --------------------------------------------------------

fn read_line(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = in_stream(it, opt(a, 0))?;
    match with_input(it, &s, |b| b.read_line())? {
        Some((line, missing_newline)) => {
            Ok(it.values(vec![Value::string(line), Value::bool(missing_newline)]))
        }
        None => {
            let v = at_eof(it, &s, opt(a, 1), opt(a, 2))?;
            Ok(it.values(vec![v, t()]))
        }
    }
}

fn read_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = in_stream(it, opt(a, 0))?;
    match with_input(it, &s, |b| b.read_char())? {
        Some(c) => Ok(Value::Char(c)),
        None => at_eof(it, &s, opt(a, 1), opt(a, 2)),
    }
}

fn peek_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = in_stream(it, opt(a, 1))?;
    // An echo stream echoes what is read, not what is peeked at: with
    // nothing unread on it, peek at its input stream (characters skipped
    // to reach a peek type are read, and echoed).
    let echo_input = match &*s.kind.borrow() {
        StreamKind::Echo(i, _, pb) if pb.is_empty() && a.first().is_none_or(|v| v.is_nil()) => {
            Some(i.clone())
        }
        _ => None,
    };
    let s = match echo_input {
        Some(i) if s.open.get() => i,
        _ => s,
    };
    let peek_type = a.first().cloned().unwrap_or(Value::Nil);
    let target = match &peek_type {
        Value::Nil => None,
        Value::Char(c) => Some(Some(*c)),
        _ => Some(None),
    };
    // CLHS peek-char: whitespace[2] is what the current readtable says.
    let readtable = crate::reader::readtable::current_readtable();
    let is_whitespace = |c: char| readtable.kind(c) == crate::reader::readtable::Kind::Whitespace;
    let found = with_input(it, &s, |b| loop {
        let Some(c) = b.read_char()? else {
            return Ok(None);
        };
        let stop = match target {
            None => true,
            Some(None) => !is_whitespace(c),
            Some(Some(t)) => c == t,
        };
        if stop {
            b.unread_char(c);
            return Ok(Some(c));
        }
    })?;
    match found {
        Some(c) => Ok(Value::Char(c)),
        None => at_eof(it, &s, opt(a, 2), opt(a, 3)),
    }
}

fn unread_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    let s = in_stream(it, opt(a, 1))?;
    with_input(it, &s, |b| {
        b.unread_char(c);
        Ok(())
    })?;
    Ok(Value::Nil)
}

fn listen(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = in_stream(it, opt(a, 0))?;
    if !s.open.get() || !s.is_input() {
        return Ok(Value::Nil);
    }
    let c = with_input(it, &s, |b| {
        let c = b.read_char()?;
        if let Some(c) = c {
            b.unread_char(c);
        }
        Ok(c)
    })?;
    Ok(Value::bool(c.is_some()))
}

fn clear_input(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    in_stream(it, opt(a, 0))?;
    Ok(Value::Nil)
}

// ----- bytes and sequences ------------------------------------------------------

fn read_byte(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    match read_element(it, &s)? {
        Some(v) => Ok(v),
        None => at_eof(it, &s, opt(a, 1), opt(a, 2)),
    }
}

/// One integer element of a binary stream: its octets, least significant
/// first; `None` at end of file (a partial element at the end is dropped).
fn read_element(it: &mut Interp, s: &Rc<Stream>) -> LResult<Option<Value>> {
    // A character stream gives its octets (as before element types).
    let element = s.input_element();
    let width = element.width() as usize;
    let bytes = with_input(it, s, |b| {
        let mut out = Vec::with_capacity(width);
        while out.len() < width {
            match b.read_byte()? {
                Some(x) => out.push(x),
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    })?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let n = match element {
        Element::Signed(_) => BigInt::from_signed_bytes_le(&bytes),
        _ => BigInt::from_bytes_le(Sign::Plus, &bytes),
    };
    Ok(Some(Value::integer(n)))
}

/// The octets of one integer element, checked against the element type.
fn element_octets(it: &mut Interp, s: &Rc<Stream>, v: &Value) -> LResult<Vec<u8>> {
    let element = s.output_element();
    let expected = crate::builtins::streams::element_type(element);
    let n = match v {
        Value::Fixnum(n) => BigInt::from(*n),
        Value::Bignum(b) => (**b).clone(),
        _ => return type_err_value(it, v, expected),
    };
    let width = element.width() as usize;
    let bits = 8 * width as u64;
    let fits = match element {
        Element::Unsigned(_) => n.sign() != Sign::Minus && n.bits() <= bits,
        Element::Signed(_) => {
            let limit = BigInt::from(1) << (bits - 1);
            n >= -limit.clone() && n < limit
        }
        Element::Character => false,
    };
    if !fits {
        return type_err_value(it, v, expected);
    }
    let mut out = match element {
        Element::Signed(_) => n.to_signed_bytes_le(),
        _ => n.to_bytes_le().1,
    };
    let fill = if n.sign() == Sign::Minus { 0xFF } else { 0 };
    out.resize(width, fill);
    Ok(out)
}

fn type_err_value<T>(it: &mut Interp, v: &Value, expected: Value) -> LResult<T> {
    let c = it.make_condition(
        "TYPE-ERROR",
        &[("DATUM", v.clone()), ("EXPECTED-TYPE", expected)],
    );
    it.err(c)
}

fn write_byte(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[1])?;
    let bytes = element_octets(it, &s, &a[0])?;
    check_open(it, &s)?;
    if let Err(e) = s.write_bytes(&bytes) {
        return io_failure(it, &s, e);
    }
    Ok(a[0].clone())
}

/// `:start`/`:end` of a sequence function, checked against `len`.
fn bounds(it: &mut Interp, rest: &[Value], len: usize, fname: &str) -> LResult<(usize, usize)> {
    let kws = args::keywords(it, rest, &["START", "END"], fname)?;
    // CLHS 17.1.1: a start index is an integer; only the end may be NIL.
    if let Some(Value::Nil) = args::kw(&kws, "START") {
        return type_err(it, &Value::Nil, "UNSIGNED-BYTE");
    }
    let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
    let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?.unwrap_or(len);
    if start > end || end > len {
        let msg = format!("{fname}: the bounding indices {start} and {end} are bad for a sequence of length {len}");
        let c = it.make_error("SIMPLE-ERROR", &msg);
        return it.err(c);
    }
    Ok((start, end))
}

fn seq_len(v: &Value) -> Option<usize> {
    match v {
        Value::String(s) => Some(s.borrow().chars().count()),
        Value::Vector(v) => Some(v.borrow().len()),
        Value::Bytes(b) => Some(b.borrow().len()),
        Value::Array(a) if a.rank() == 1 => Some(a.length()),
        Value::Nil | Value::Cons(_) => v.list_to_vec().map(|l| l.len()),
        _ => None,
    }
}

fn read_sequence(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(len) = seq_len(&a[0]) else {
        return type_err(it, &a[0], "SEQUENCE");
    };
    let s = stream_arg(it, &a[1])?;
    let (start, end) = bounds(it, &a[2..], len, "READ-SEQUENCE")?;
    let mut got: Vec<Value> = Vec::new();
    let binary = s.input_element() != Element::Character;
    for _ in start..end {
        let v = if binary {
            read_element(it, &s)?
        } else {
            with_input(it, &s, |b| b.read_char())?.map(Value::Char)
        };
        match v {
            Some(v) => got.push(v),
            None => break,
        }
    }
    let n = got.len();
    match &a[0] {
        Value::String(st) => {
            let mut chars: Vec<char> = st.borrow().chars().collect();
            for (i, v) in got.into_iter().enumerate() {
                if let Value::Char(c) = v {
                    chars[start + i] = c;
                }
            }
            *st.borrow_mut() = chars.into_iter().collect();
        }
        Value::Vector(vec) => {
            let mut vec = vec.borrow_mut();
            for (i, v) in got.into_iter().enumerate() {
                vec[start + i] = v;
            }
        }
        Value::Bytes(bytes) => {
            for (i, v) in got.into_iter().enumerate() {
                let b = match v {
                    Value::Fixnum(b @ 0..=255) => b as u8,
                    other => return type_err(it, &other, "(UNSIGNED-BYTE 8)"),
                };
                bytes.borrow_mut()[start + i] = b;
            }
        }
        arr @ Value::Array(_) => {
            for (i, v) in got.into_iter().enumerate() {
                crate::builtins::sequences::shape::rm_set(it, arr, start + i, v)?;
            }
        }
        list => {
            let mut cur = list.clone();
            for _ in 0..start {
                cur = cur.cdr();
            }
            for v in got {
                if let Value::Cons(c) = &cur {
                    *c.car.borrow_mut() = v;
                }
                cur = cur.cdr();
            }
        }
    }
    Ok(Value::Fixnum((start + n) as i64))
}

fn write_sequence(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(len) = seq_len(&a[0]) else {
        return type_err(it, &a[0], "SEQUENCE");
    };
    let s = stream_arg(it, &a[1])?;
    let (start, end) = bounds(it, &a[2..], len, "WRITE-SEQUENCE")?;
    check_open(it, &s)?;
    let binary = s.output_element() != Element::Character;
    let items: Vec<Value> = match &a[0] {
        Value::String(st) => {
            if !binary {
                let text: String = st.borrow().chars().skip(start).take(end - start).collect();
                write_text(it, &s, &text)?;
                return Ok(a[0].clone());
            }
            st.borrow().chars().map(Value::Char).collect()
        }
        Value::Bytes(b) if s.output_element() == Element::Unsigned(1) => {
            let bytes: Vec<u8> = b.borrow()[start..end].to_vec();
            if let Err(e) = s.write_bytes(&bytes) {
                return io_failure(it, &s, e);
            }
            return Ok(a[0].clone());
        }
        Value::Bytes(b) => b
            .borrow()
            .iter()
            .map(|x| Value::Fixnum(i64::from(*x)))
            .collect(),
        Value::Vector(v) => v.borrow().clone(),
        arr @ Value::Array(_) => {
            crate::builtins::sequences::shape::vector_items(arr).unwrap_or_default()
        }
        other => other.iter().collect(),
    };
    let mut text = String::new();
    let mut bytes = Vec::new();
    for v in &items[start..end] {
        match v {
            Value::Char(c) if !binary => text.push(*c),
            _ if binary => bytes.extend(element_octets(it, &s, v)?),
            _ => return type_err(it, v, "CHARACTER"),
        }
    }
    if binary {
        if let Err(e) = s.write_bytes(&bytes) {
            return io_failure(it, &s, e);
        }
    } else {
        write_text(it, &s, &text)?;
    }
    Ok(a[0].clone())
}

// ----- the reader on streams --------------------------------------------------

pub use super::reader_calls::{take_reader_unwind, EvalCtx};

/// What one reader call on a text produced.
enum ReadOutcome {
    /// The object and the byte offset after it.
    Form(Value, usize),
    /// Only whitespace and comments.
    Empty,
    /// The text ends inside an object.
    Incomplete,
    Error(String),
    /// Lisp code the reader called unwound.
    Unwind(crate::eval::Unwind),
}

fn read_one(it: &mut Interp, text: &str, preserve: bool) -> ReadOutcome {
    let mut r = Reader::new(text, None);
    r.preserve_whitespace = preserve;
    let mut ctx = EvalCtx(it);
    match r.read(&mut ctx) {
        Ok(Some(v)) if preserve => ReadOutcome::Form(v, r.offset()),
        Ok(Some(v)) => {
            // Like SBCL's READ, consume one whitespace character after the
            // object (the reader already does after a token).
            let off = r.offset();
            let before = text.get(..off).and_then(|t| t.chars().next_back());
            let after = text.get(off..).and_then(|t| t.chars().next());
            let skip = match (before, after) {
                (Some(b), Some(a)) if !is_whitespace(b) && is_whitespace(a) => a.len_utf8(),
                _ => 0,
            };
            ReadOutcome::Form(v, off + skip)
        }
        Ok(None) => ReadOutcome::Empty,
        Err(e) if e.kind == ReadErrorKind::EndOfFile => ReadOutcome::Incomplete,
        Err(e) => match take_reader_unwind(&e) {
            Some(u) => ReadOutcome::Unwind(u),
            None => ReadOutcome::Error(e.message),
        },
    }
}

pub(crate) fn reader_error<T>(it: &mut Interp, s: &Rc<Stream>, msg: &str) -> LResult<T> {
    let c = it.make_condition(
        "READER-ERROR",
        &[
            ("STREAM", Value::Stream(s.clone())),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
            ("FORMAT-ARGUMENTS", Value::Nil),
        ],
    );
    it.err(c)
}

/// Read one object from a stream (`read`); `None` at end of file before
/// any object.
pub fn read_object(it: &mut Interp, s: &Rc<Stream>) -> LResult<Option<Value>> {
    let got = super::reader_calls::read_stream(
        it,
        s,
        super::reader_calls::StreamRead::Object { preserve: false },
    )?;
    Ok(got.flatten())
}

fn read(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = in_stream(it, opt(a, 0))?;
    match read_object(it, &s)? {
        Some(v) => Ok(v),
        None => at_eof(it, &s, opt(a, 1), opt(a, 2)),
    }
}

fn read_from_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = args::string(it, &a[0])?;
    let kws = args::keywords(
        it,
        a.get(3..).unwrap_or(&[]),
        &["START", "END", "PRESERVE-WHITESPACE"],
        "READ-FROM-STRING",
    )?;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let nchars = chars.len();
    let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
    let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?.unwrap_or(nchars);
    if start > end || end > nchars {
        let msg = format!("READ-FROM-STRING: the bounding indices {start} and {end} are bad for a string of length {nchars}");
        let c = it.make_error("SIMPLE-ERROR", &msg);
        return it.err(c);
    }
    let byte = |i: usize| chars.get(i).map(|(b, _)| *b).unwrap_or(text.len());
    let sub = &text[byte(start)..byte(end)];
    let stream = |rest: &str| Rc::new(Stream::string_input(rest));
    let preserve = args::kw(&kws, "PRESERVE-WHITESPACE").is_some_and(|v| v.truthy());
    match read_one(it, sub, preserve) {
        ReadOutcome::Form(v, off) => {
            let used = sub.get(..off).unwrap_or(sub).chars().count();
            Ok(it.values(vec![v, Value::Fixnum((start + used) as i64)]))
        }
        ReadOutcome::Empty => {
            let s = stream(sub);
            let v = at_eof(it, &s, opt(a, 1), opt(a, 2))?;
            Ok(it.values(vec![v, Value::Fixnum(end as i64)]))
        }
        ReadOutcome::Incomplete => {
            let s = stream(sub);
            eof_error(it, &s)
        }
        ReadOutcome::Error(msg) => {
            let s = stream(sub);
            reader_error(it, &s, &msg)
        }
        ReadOutcome::Unwind(u) => Err(u),
    }
}

// ----- predicates and stream objects ------------------------------------------

fn streamp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(a[0], Value::Stream(_))))
}

fn input_stream_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    Ok(Value::bool(s.is_input()))
}

fn output_stream_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    Ok(Value::bool(s.is_output()))
}

/// `(stream-external-format stream)` (CLHS 21.2): the encoding of a
/// character file stream; other streams hold characters, not bytes.
fn stream_external_format(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    let file = matches!(
        &*s.kind.borrow(),
        StreamKind::FileIn(_) | StreamKind::FileOut(_) | StreamKind::FileIo(_)
    ) && s.path.is_some();
    let name = if file && !s.binary {
        s.encoding.keyword()
    } else {
        "DEFAULT"
    };
    Ok(Value::Symbol(crate::eval::package::keyword(name)))
}

fn open_stream_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    Ok(Value::bool(s.open.get()))
}

fn interactive_stream_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use std::io::IsTerminal;
    let s = stream_arg(it, &a[0])?;
    let tty = match &*s.kind.borrow() {
        StreamKind::Stdin(_) => io::stdin().is_terminal(),
        StreamKind::TwoWay(i, _) => {
            matches!(&*i.kind.borrow(), StreamKind::Stdin(_)) && io::stdin().is_terminal()
        }
        _ => false,
    };
    Ok(Value::bool(tty))
}

fn close(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    args::keywords(it, &a[1..], &["ABORT"], "CLOSE")?;
    if !s.open.get() {
        return Ok(t());
    }
    let r = s.flush();
    s.open.set(false);
    // Dropping the file handle (or the stream a part stream reads) now,
    // not when the last reference goes.
    let is_file = matches!(
        &*s.kind.borrow(),
        StreamKind::FileIn(_)
            | StreamKind::FileOut(_)
            | StreamKind::FileIo(_)
            | StreamKind::Reader(_)
    );
    if is_file {
        *s.kind.borrow_mut() = StreamKind::Null;
    }
    if let Err(e) = r {
        return io_failure(it, &s, e);
    }
    Ok(t())
}

/// The stream `file-position` and `file-length` act on: a broadcast
/// stream's last component (CLHS make-broadcast-stream); `None` for a
/// broadcast stream without components, whose answers are 0.
fn positioned(s: Rc<Stream>) -> Option<Rc<Stream>> {
    let mut s = s;
    for _ in 0..MAX_STREAM_NESTING {
        let next = match &*s.kind.borrow() {
            StreamKind::Broadcast(v) => match v.last() {
                // (`file-position` and `file-length` of the last component.)
                Some(last) => last.clone(),
                None => return None,
            },
            StreamKind::Null if s.path.is_none() => return None,
            _ => break,
        };
        s = next;
    }
    Some(s)
}

/// Broadcast streams within broadcast streams are followed this far.
const MAX_STREAM_NESTING: usize = 64;

fn file_position(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(s) = positioned(stream_arg(it, &a[0])?) else {
        return Ok(Value::Fixnum(0));
    };
    match a.get(1) {
        None => Ok(s
            .file_position()
            .map(|p| Value::Fixnum(p as i64))
            .unwrap_or(Value::Nil)),
        Some(p) => {
            check_open(it, &s)?;
            let pos = match p {
                Value::Symbol(k) if k.is_keyword() && k.name == "START" => 0,
                Value::Symbol(k) if k.is_keyword() && k.name == "END" => {
                    s.file_length().unwrap_or(0)
                }
                _ => args::index(it, p)? as u64,
            };
            match s.set_file_position(pos) {
                Ok(done) => Ok(Value::bool(done)),
                Err(e) => io_failure(it, &s, e),
            }
        }
    }
}

fn file_length(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(s) = positioned(stream_arg(it, &a[0])?) else {
        return Ok(Value::Fixnum(0));
    };
    match s.file_length() {
        Some(n) => Ok(Value::Fixnum(n as i64)),
        None => type_err(it, &a[0], "FILE-STREAM"),
    }
}

/// `character`, `(unsigned-byte 8*N)` or `(signed-byte 8*N)`.
pub fn element_type(element: Element) -> Value {
    let (name, n) = match element {
        Element::Character => return Value::Symbol(cl_sym("CHARACTER")),
        Element::Unsigned(n) => ("UNSIGNED-BYTE", n),
        Element::Signed(n) => ("SIGNED-BYTE", n),
    };
    Value::list([Value::Symbol(cl_sym(name)), Value::Fixnum(8 * i64::from(n))])
}

fn stream_element_type(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    let element = if s.is_input() {
        s.input_element()
    } else {
        s.output_element()
    };
    Ok(element_type(element))
}

/// CLHS make-broadcast-stream: every argument must be an output stream.
fn make_broadcast_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut streams = Vec::with_capacity(a.len());
    for v in a {
        let s = stream_arg(it, v)?;
        if !s.is_output() {
            return type_err(it, v, "(SATISFIES OUTPUT-STREAM-P)");
        }
        streams.push(s);
    }
    Ok(Value::Stream(Rc::new(Stream::new(StreamKind::Broadcast(
        streams,
    )))))
}

fn broadcast_stream_streams(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    let streams = match &*s.kind.borrow() {
        StreamKind::Broadcast(v) => Some(v.clone()),
        StreamKind::Null => Some(vec![]),
        _ => None,
    };
    match streams {
        Some(v) => Ok(Value::list(v.into_iter().map(Value::Stream))),
        None => type_err(it, &a[0], "BROADCAST-STREAM"),
    }
}

fn concatenated_stream_streams(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    let streams = match &*s.kind.borrow() {
        StreamKind::Concatenated(v, _) => Some(v.clone()),
        _ => None,
    };
    match streams {
        Some(v) => Ok(Value::list(v.into_iter().map(Value::Stream))),
        None => type_err(it, &a[0], "CONCATENATED-STREAM"),
    }
}

fn make_echo_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = stream_arg(it, &a[0])?;
    if !i.is_input() {
        return type_err(it, &a[0], "(SATISFIES INPUT-STREAM-P)");
    }
    let o = stream_arg(it, &a[1])?;
    if !o.is_output() {
        return type_err(it, &a[1], "(SATISFIES OUTPUT-STREAM-P)");
    }
    Ok(Value::Stream(Rc::new(Stream::new(StreamKind::Echo(
        i,
        o,
        Vec::new(),
    )))))
}

fn echo_side(it: &mut Interp, v: &Value, input: bool) -> LResult<Value> {
    let s = stream_arg(it, v)?;
    let side = match &*s.kind.borrow() {
        StreamKind::Echo(i, o, _) => Some(if input { i.clone() } else { o.clone() }),
        _ => None,
    };
    match side {
        Some(x) => Ok(Value::Stream(x)),
        None => type_err(it, v, "ECHO-STREAM"),
    }
}

fn echo_input(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    echo_side(it, &a[0], true)
}

fn echo_output(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    echo_side(it, &a[0], false)
}

fn make_synonym_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let sym = args::symbol(it, &a[0])?;
    Ok(Value::Stream(Rc::new(Stream::new(StreamKind::Synonym(
        sym,
    )))))
}

fn synonym_stream_symbol(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    let sym = match &*s.kind.borrow() {
        StreamKind::Synonym(sym) => Some(sym.clone()),
        _ => None,
    };
    match sym {
        Some(sym) => Ok(crate::eval::package::sym_value(sym)),
        None => type_err(it, &a[0], "SYNONYM-STREAM"),
    }
}

fn make_two_way_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = stream_arg(it, &a[0])?;
    if !i.is_input() {
        return type_err(it, &a[0], "(SATISFIES INPUT-STREAM-P)");
    }
    let o = stream_arg(it, &a[1])?;
    if !o.is_output() {
        return type_err(it, &a[1], "(SATISFIES OUTPUT-STREAM-P)");
    }
    Ok(Value::Stream(Rc::new(Stream::new(StreamKind::TwoWay(
        i, o,
    )))))
}

/// CLHS make-concatenated-stream: the streams are read in turn, as the
/// result is read.
fn make_concatenated_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut streams = Vec::with_capacity(a.len());
    for v in a {
        let s = stream_arg(it, v)?;
        if !s.is_input() {
            return type_err(it, v, "(SATISFIES INPUT-STREAM-P)");
        }
        streams.push(s);
    }
    Ok(Value::Stream(Rc::new(Stream::new(
        StreamKind::Concatenated(streams, Vec::new()),
    ))))
}

fn two_way_input(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    let side = match &*s.kind.borrow() {
        StreamKind::TwoWay(i, _) => Some(i.clone()),
        _ => None,
    };
    match side {
        Some(i) => Ok(Value::Stream(i)),
        None => type_err(it, &a[0], "TWO-WAY-STREAM"),
    }
}

fn two_way_output(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = stream_arg(it, &a[0])?;
    let side = match &*s.kind.borrow() {
        StreamKind::TwoWay(_, o) => Some(o.clone()),
        _ => None,
    };
    match side {
        Some(o) => Ok(Value::Stream(o)),
        None => type_err(it, &a[0], "TWO-WAY-STREAM"),
    }
}

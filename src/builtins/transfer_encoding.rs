//! Allegro's transfer-encoding helpers (`mime-transfer-encoding.cl`):
//! quoted-printable and base64 between streams and on octet vectors, and
//! the part streams behind `with-part-stream` and
//! `with-decoded-part-body-stream`. The coding itself is
//! `mail::mime::{encode, decode}`; this file is the Lisp face.

use std::cell::RefCell;
use std::io::{BufReader, Read};
use std::rc::Rc;

use super::args::{self, type_err};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::encoding::Encoding;
use crate::eval::stream::{InputBuffer, Stream, StreamKind, StreamReader};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::mail::mime::decode::{self, BodyDecoder, DecodingReader, QpDecoder};
use crate::mail::mime::encode::QpEncoder;
use crate::mail::mime_parse;
use crate::printer::prin1_to_string;

pub const BUILTINS: &[BuiltinDef] = &[
    def!("NET.POST-OFFICE" : "QP-ENCODE-STREAM", "(instream outstream &key (wrap-at 72))", 2, MANY, qp_encode_stream, "Write the octets of INSTREAM to OUTSTREAM as quoted-printable text, soft line breaks near column WRAP-AT (NIL: none)."),
    def!("NET.POST-OFFICE" : "QP-DECODE-STREAM", "(instream outstream &key count)", 2, MANY, qp_decode_stream, "Decode the quoted-printable text of INSTREAM (at most COUNT bytes) onto OUTSTREAM as octets. Returns T."),
    def!("NET.POST-OFFICE" : "QP-DECODE-USB8", "(in out &key (start1 0) (end1 (length in)) (start2 0) end2 underscores-are-spaces)", 2, MANY, qp_decode_usb8, "Decode the quoted-printable octets of IN into OUT (a new vector when NIL; may be IN). Two values: OUT and the index after the last octet stored."),
    def!("NET.POST-OFFICE" : "QP-DECODE-STRING", "(string &key (start 0) end (return :string) (external-format :default) underscores-are-spaces)", 1, MANY, qp_decode_string, "Decode quoted-printable STRING; a string in EXTERNAL-FORMAT, or the octets with :return :usb8."),
    def!("NET.POST-OFFICE" : "BASE64-ENCODE-STREAM", "(instream outstream &key (wrap-at 72))", 2, MANY, base64_encode_stream, "Write the octets of INSTREAM to OUTSTREAM in base64, lines of WRAP-AT characters (NIL: one line)."),
    def!("NET.POST-OFFICE" : "BASE64-DECODE-STREAM", "(instream outstream &key count (error-p t))", 2, MANY, base64_decode_stream, "Decode the base64 text of INSTREAM (at most COUNT bytes) onto OUTSTREAM as octets; with ERROR-P NIL, characters outside the alphabet are skipped."),
    def!("SENDLETTER" : "%PART-STREAM", "(part instream header)", 3, 3, part_stream, "An input stream of PART's bytes read from INSTREAM (headers too when HEADER)."),
    def!("SENDLETTER" : "%DECODED-PART-BODY-STREAM", "(part instream)", 2, 2, decoded_part_body_stream, "An input stream of PART's body read from INSTREAM, transfer-decoded, in the part's charset."),
];

/// Column of soft breaks / line length from `:wrap-at` (default 72; NIL:
/// none; a positive integer).
fn wrap_at(it: &mut Interp, kws: &[(String, Value)], fname: &str) -> LResult<Option<usize>> {
    match args::kw(kws, "WRAP-AT") {
        None => Ok(Some(72)),
        Some(Value::Nil) => Ok(None),
        Some(Value::Fixnum(n)) if n > 0 => Ok(Some(n as usize)),
        Some(other) => {
            let msg = format!(
                "{fname}: :wrap-at must be a positive integer or NIL, not {}",
                prin1_to_string(&other)
            );
            it.simple_error(msg)
        }
    }
}

fn input_stream(it: &mut Interp, v: &Value) -> LResult<Rc<Stream>> {
    match v {
        Value::Stream(s) if s.is_input() && s.open.get() => Ok(s.clone()),
        other => type_err(it, other, "(AND STREAM (SATISFIES INPUT-STREAM-P))"),
    }
}

fn output_stream(it: &mut Interp, v: &Value) -> LResult<Rc<Stream>> {
    match v {
        Value::Stream(s) if s.is_output() && s.open.get() => Ok(s.clone()),
        other => type_err(it, other, "(AND STREAM (SATISFIES OUTPUT-STREAM-P))"),
    }
}

/// `:count`: NIL or a non-negative integer of bytes.
fn count(it: &mut Interp, kws: &[(String, Value)]) -> LResult<Option<u64>> {
    Ok(args::opt_index(it, args::kw(kws, "COUNT").as_ref())?.map(|n| n as u64))
}

/// Pumps INSTREAM (at most `limit` bytes) through `code` onto OUTSTREAM.
fn pump(
    it: &mut Interp,
    input: &Rc<Stream>,
    output: &Rc<Stream>,
    limit: Option<u64>,
    mut code: impl FnMut(Option<&[u8]>, &mut Vec<u8>),
) -> LResult<()> {
    let mut reader = StreamReader(input.clone()).take(limit.unwrap_or(u64::MAX));
    let mut chunk = vec![0u8; 64 * 1024];
    let mut out = Vec::new();
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) => return super::streams::io_failure(it, input, e),
        };
        out.clear();
        code((n > 0).then(|| &chunk[..n]), &mut out);
        if let Err(e) = output.write_bytes(&out) {
            return super::streams::io_failure(it, output, e);
        }
        if n == 0 {
            return Ok(());
        }
    }
}

fn qp_encode_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(it, &a[2..], &["WRAP-AT"], "QP-ENCODE-STREAM")?;
    let wrap = wrap_at(it, &kws, "QP-ENCODE-STREAM")?;
    let (input, output) = (input_stream(it, &a[0])?, output_stream(it, &a[1])?);
    let mut enc = QpEncoder::with_wrap_at(wrap);
    pump(it, &input, &output, None, |chunk, out| match chunk {
        Some(c) => enc.encode(c, out),
        None => enc.finish(out),
    })?;
    Ok(Value::Nil)
}

fn decode_stream(
    it: &mut Interp,
    a: &[Value],
    mut dec: BodyDecoder,
    limit: Option<u64>,
) -> LResult<()> {
    let (input, output) = (input_stream(it, &a[0])?, output_stream(it, &a[1])?);
    pump(it, &input, &output, limit, |chunk, out| match chunk {
        Some(c) => dec.decode(c, out),
        None => dec.finish(out),
    })
}

fn qp_decode_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(it, &a[2..], &["COUNT"], "QP-DECODE-STREAM")?;
    let limit = count(it, &kws)?;
    decode_stream(
        it,
        a,
        BodyDecoder::for_encoding(Some("quoted-printable")),
        limit,
    )?;
    Ok(crate::eval::package::t())
}

fn base64_decode_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(it, &a[2..], &["COUNT", "ERROR-P"], "BASE64-DECODE-STREAM")?;
    let limit = count(it, &kws)?;
    let strict = args::kw(&kws, "ERROR-P").is_none_or(|v| v.truthy());
    if !strict {
        decode_stream(it, a, BodyDecoder::for_encoding(Some("base64")), limit)?;
        return Ok(crate::eval::package::t());
    }
    // Strict: the whole text is checked before anything is written, so a
    // bad character never leaves half a decoding behind.
    let input = input_stream(it, &a[0])?;
    let output = output_stream(it, &a[1])?;
    let mut text = Vec::new();
    let mut reader = StreamReader(input.clone()).take(limit.unwrap_or(u64::MAX));
    if let Err(e) = reader.read_to_end(&mut text) {
        return super::streams::io_failure(it, &input, e);
    }
    if let Some(bad) = decode::base64_invalid_char(&text) {
        let msg = format!(
            "BASE64-DECODE-STREAM: the character {:?} (code {bad}) is not base64",
            char::from(bad)
        );
        return it.simple_error(msg);
    }
    let out = decode::decode_all(BodyDecoder::for_encoding(Some("base64")), &text);
    if let Err(e) = output.write_bytes(&out) {
        return super::streams::io_failure(it, &output, e);
    }
    Ok(crate::eval::package::t())
}

fn base64_encode_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use base64::Engine as _;
    let kws = args::keywords(it, &a[2..], &["WRAP-AT"], "BASE64-ENCODE-STREAM")?;
    let wrap = wrap_at(it, &kws, "BASE64-ENCODE-STREAM")?;
    let (input, output) = (input_stream(it, &a[0])?, output_stream(it, &a[1])?);
    // Groups of three octets encode independently, so each piece is
    // encoded as it arrives; a remainder waits for the next piece.
    let mut held: Vec<u8> = Vec::new();
    let mut column = 0usize;
    let engine = &base64::engine::general_purpose::STANDARD;
    let mut emit = |text: &str, out: &mut Vec<u8>| {
        for &b in text.as_bytes() {
            if wrap.is_some_and(|w| column >= w) {
                out.push(b'\n');
                column = 0;
            }
            out.push(b);
            column += 1;
        }
    };
    pump(it, &input, &output, None, |chunk, out| match chunk {
        Some(c) => {
            held.extend_from_slice(c);
            let whole = held.len() - held.len() % 3;
            let text = engine.encode(&held[..whole]);
            held.drain(..whole);
            emit(&text, out);
        }
        None => {
            let text = engine.encode(&held);
            held.clear();
            emit(&text, out);
            out.push(b'\n');
        }
    })?;
    Ok(Value::Nil)
}

/// The octets of an `(unsigned-byte 8)` vector.
fn octet_vector(it: &mut Interp, v: &Value) -> LResult<Rc<RefCell<Vec<u8>>>> {
    match v {
        Value::Bytes(b) => Ok(b.clone()),
        other => type_err(it, other, "(SIMPLE-ARRAY (UNSIGNED-BYTE 8) (*))"),
    }
}

fn bad_bounds<T>(it: &mut Interp, fname: &str, what: &str) -> LResult<T> {
    let msg = format!("{fname}: {what}");
    it.simple_error(msg)
}

fn qp_decode_usb8(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    const F: &str = "QP-DECODE-USB8";
    let kws = args::keywords(
        it,
        &a[2..],
        &["START1", "END1", "START2", "END2", "UNDERSCORES-ARE-SPACES"],
        F,
    )?;
    let input = octet_vector(it, &a[0])?;
    let in_len = input.borrow().len();
    let start1 = args::opt_index(it, args::kw(&kws, "START1").as_ref())?.unwrap_or(0);
    let end1 = args::opt_index(it, args::kw(&kws, "END1").as_ref())?.unwrap_or(in_len);
    if start1 > end1 || end1 > in_len {
        return bad_bounds(
            it,
            F,
            "start1 must be at most end1, and end1 at most IN's length",
        );
    }
    let decoded = {
        let mut d =
            QpDecoder::new(args::kw(&kws, "UNDERSCORES-ARE-SPACES").is_some_and(|v| v.truthy()));
        let mut out = Vec::with_capacity(end1 - start1);
        d.decode(&input.borrow()[start1..end1], &mut out);
        d.finish(&mut out);
        out
    };
    let output = match &a[1] {
        Value::Nil => Rc::new(RefCell::new(vec![0u8; in_len])),
        other => octet_vector(it, other)?,
    };
    let out_len = output.borrow().len();
    let start2 = args::opt_index(it, args::kw(&kws, "START2").as_ref())?.unwrap_or(0);
    let end2 = args::opt_index(it, args::kw(&kws, "END2").as_ref())?.unwrap_or(out_len);
    if start2 > end2 || end2 > out_len {
        return bad_bounds(
            it,
            F,
            "start2 must be at most end2, and end2 at most OUT's length",
        );
    }
    // As Allegro: the room is checked against the input's length, so that
    // decoding in place (OUT = IN) is always safe.
    if end2 - start2 < end1 - start1 {
        return bad_bounds(it, F, "Not enough room in output array");
    }
    let end = start2 + decoded.len();
    output.borrow_mut()[start2..end].copy_from_slice(&decoded);
    Ok(it.values(vec![Value::Bytes(output), Value::Fixnum(end as i64)]))
}

fn qp_decode_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    const F: &str = "QP-DECODE-STRING";
    let kws = args::keywords(
        it,
        &a[1..],
        &[
            "START",
            "END",
            "RETURN",
            "EXTERNAL-FORMAT",
            "UNDERSCORES-ARE-SPACES",
        ],
        F,
    )?;
    let text: Vec<char> = match &a[0] {
        Value::String(s) => s.borrow().chars().collect(),
        other => return type_err(it, other, "STRING"),
    };
    let start = args::opt_index(it, args::kw(&kws, "START").as_ref())?.unwrap_or(0);
    let end = args::opt_index(it, args::kw(&kws, "END").as_ref())?.unwrap_or(text.len());
    if start > end || end > text.len() {
        return bad_bounds(it, F, "the bounding indices are bad for the string");
    }
    // The string's characters as Latin-1 octets, as Allegro converts them.
    let octets: Vec<u8> = text[start..end]
        .iter()
        .map(|&c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
        .collect();
    let mut d =
        QpDecoder::new(args::kw(&kws, "UNDERSCORES-ARE-SPACES").is_some_and(|v| v.truthy()));
    let mut out = Vec::with_capacity(octets.len());
    d.decode(&octets, &mut out);
    d.finish(&mut out);
    match args::kw(&kws, "RETURN") {
        Some(Value::Symbol(s)) if s.name == "USB8" => {
            return Ok(Value::Bytes(Rc::new(RefCell::new(out))))
        }
        None => {}
        Some(Value::Symbol(s)) if s.name == "STRING" => {}
        Some(other) => {
            let msg = format!(
                "{F}: :return must be :string or :usb8, not {}",
                prin1_to_string(&other)
            );
            return it.simple_error(msg);
        }
    }
    let format = match args::kw(&kws, "EXTERNAL-FORMAT") {
        None => "utf-8".to_string(),
        Some(Value::Symbol(s)) if s.name == "DEFAULT" => "utf-8".to_string(),
        Some(Value::Symbol(s)) => s.name.to_string(),
        Some(Value::String(s)) => s.borrow().to_string(),
        Some(other) => return type_err(it, &other, "(OR SYMBOL STRING)"),
    };
    match crate::mail::header_text::decode_charset(&format, &out) {
        Ok(s) => Ok(Value::string(s)),
        Err(_) => {
            let msg = format!("{F}: no external format named {format}");
            it.simple_error(msg)
        }
    }
}

fn parsed_part(it: &mut Interp, v: &Value) -> LResult<Rc<mime_parse::ParsedPart>> {
    match super::mime_parsed::parsed_of(v) {
        Some(p) => Ok(p),
        None => type_err(it, v, "MIME-PART-PARSED"),
    }
}

fn reader_stream(reader: Box<dyn std::io::BufRead>, encoding: Encoding) -> Value {
    let mut stream = Stream::new(StreamKind::Reader(InputBuffer::with_encoding(
        reader, encoding,
    )));
    stream.encoding = encoding;
    Value::Stream(Rc::new(stream))
}

/// `with-part-stream`: the part's bytes (its headers too with HEADER), read
/// from INSTREAM where the caller positioned it, in INSTREAM's encoding.
fn part_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let part = parsed_part(it, &a[0])?;
    let input = input_stream(it, &a[1])?;
    let size = if a[2].truthy() {
        part.headers_size + part.body_size
    } else {
        part.body_size
    };
    let encoding = input.encoding;
    let reader = BufReader::new(StreamReader(input).take(size));
    Ok(reader_stream(Box::new(reader), encoding))
}

/// `with-decoded-part-body-stream`: the body, transfer-decoded, as
/// characters of the part's charset (Latin-1 when it names none or one not
/// known, as Allegro).
fn decoded_part_body_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let part = parsed_part(it, &a[0])?;
    let input = input_stream(it, &a[1])?;
    let charset = part
        .parameters
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("charset"))
        .map(|(_, v)| mime_parse::dequote(v))
        .unwrap_or_else(|| "us-ascii".to_string());
    let body = StreamReader(input).take(part.body_size);
    let decoded = DecodingReader::new(body, BodyDecoder::for_encoding(Some(&part.encoding)));
    let (reader, encoding): (Box<dyn std::io::BufRead>, Encoding) =
        match decode::charset_conversion(&charset) {
            Some(enc) => (
                Box::new(BufReader::new(decode::CharsetReader::new(decoded, enc))),
                Encoding::Utf8,
            ),
            None if matches!(
                charset.trim().to_ascii_lowercase().as_str(),
                "utf-8" | "utf8"
            ) =>
            {
                (Box::new(BufReader::new(decoded)), Encoding::Utf8)
            }
            None => (Box::new(BufReader::new(decoded)), Encoding::Latin1),
        };
    Ok(reader_stream(reader, encoding))
}

//! Streaming body decoders (RFC 2045 §6.7, §6.8) with Allegro's
//! leniency: quoted-printable passes an invalid `=XY` through as it is, and
//! base64 skips whatever is not in its alphabet (`base64-decode-stream`
//! with `:error-p nil`). Mail in the wild is often slightly broken; a
//! reader that refused it would lose the letter.
//!
//! Like the encoders, each decoder takes input in pieces of any size and
//! carries only a few bytes between them.

use std::io::{self, Read};

/// A transfer decoding applied to a body while it streams.
#[derive(Debug)]
pub enum BodyDecoder {
    Base64(Base64Decoder),
    QuotedPrintable(QpDecoder),
    /// 7bit, 8bit, binary or any other name: bytes as they are.
    Raw,
}

impl BodyDecoder {
    /// The decoder for a `Content-Transfer-Encoding` value
    /// (case-insensitive, surrounding blanks ignored).
    pub fn for_encoding(encoding: Option<&str>) -> Self {
        match encoding.map(str::trim) {
            Some(e) if e.eq_ignore_ascii_case("base64") => {
                BodyDecoder::Base64(Base64Decoder::default())
            }
            Some(e) if e.eq_ignore_ascii_case("quoted-printable") => {
                BodyDecoder::QuotedPrintable(QpDecoder::default())
            }
            _ => BodyDecoder::Raw,
        }
    }

    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match self {
            BodyDecoder::Base64(d) => d.decode(input, out),
            BodyDecoder::QuotedPrintable(d) => d.decode(input, out),
            BodyDecoder::Raw => out.extend_from_slice(input),
        }
    }

    /// Flushes what is held back at the end of the input.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match self {
            BodyDecoder::Base64(d) => d.finish(out),
            BodyDecoder::QuotedPrintable(d) => d.finish(out),
            BodyDecoder::Raw => {}
        }
    }
}

/// Base64: four alphabet characters make three bytes; anything else (line
/// ends, padding, junk) is skipped. A final group of two or three
/// characters gives one or two bytes; a lone final character is dropped.
#[derive(Debug, Default)]
pub struct Base64Decoder {
    bits: u32,
    count: u8,
}

impl Base64Decoder {
    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &c in input {
            let Some(v) = sextet(c) else { continue };
            self.bits = (self.bits << 6) | u32::from(v);
            self.count += 1;
            if self.count == 4 {
                out.extend_from_slice(&self.bits.to_be_bytes()[1..]);
                self.bits = 0;
                self.count = 0;
            }
        }
    }

    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match self.count {
            2 => out.push((self.bits >> 4) as u8),
            3 => out.extend_from_slice(&((self.bits >> 2) as u16).to_be_bytes()),
            _ => {}
        }
        self.bits = 0;
        self.count = 0;
    }
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Quoted-printable as Allegro's `qp-decode-stream`: `=XY` (either case) is
/// a byte, `=` before CR LF, LF or CR a soft line break, an invalid or
/// truncated `=…` kept as it is. With `underscores_are_spaces`, `_` is a
/// space (RFC 2047 §4.2's Q encoding).
#[derive(Debug, Default)]
pub struct QpDecoder {
    /// The `=` and up to one byte after it, waiting for the rest.
    held: Option<Option<u8>>,
    pub underscores_are_spaces: bool,
}

impl QpDecoder {
    /// A decoder for RFC 2047 Q text too when `underscores_are_spaces`.
    pub fn new(underscores_are_spaces: bool) -> Self {
        QpDecoder {
            held: None,
            underscores_are_spaces,
        }
    }

    pub fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &b in input {
            self.byte(b, out);
        }
    }

    fn byte(&mut self, b: u8, out: &mut Vec<u8>) {
        match self.held.take() {
            None => match b {
                b'=' => self.held = Some(None),
                b'_' if self.underscores_are_spaces => out.push(b' '),
                _ => out.push(b),
            },
            Some(None) => match b {
                b'\n' => {}
                _ => self.held = Some(Some(b)),
            },
            // `=` CR: a soft break; the LF after it belongs to the break.
            Some(Some(b'\r')) => {
                if b != b'\n' {
                    self.byte(b, out);
                }
            }
            Some(Some(high)) => match (hex(high), hex(b)) {
                (Some(h), Some(l)) => out.push(h << 4 | l),
                _ => out.extend_from_slice(&[b'=', high, b]),
            },
        }
    }

    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match self.held.take() {
            None | Some(Some(b'\r')) => {}
            Some(None) => out.push(b'='),
            Some(Some(high)) => out.extend_from_slice(&[b'=', high]),
        }
    }
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// The first character of base64 text that is neither in the alphabet nor
/// white space nor padding (`base64-decode-stream` with `:error-p t`).
pub fn base64_invalid_char(text: &[u8]) -> Option<u8> {
    text.iter()
        .copied()
        .find(|&c| sextet(c).is_none() && !matches!(c, b'=' | b' ' | b'\t' | b'\r' | b'\n'))
}

/// Text in a MIME charset read as UTF-8, converted as it streams (a part
/// body in Shift_JIS, KOI8-R, ISO-8859-2…).
pub struct CharsetReader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    start: usize,
    done: bool,
}

/// The conversion a charset needs: `None` for Latin-1 and US-ASCII (read
/// byte for byte, as Allegro does), UTF-8 (nothing to convert) and names
/// the Encoding Standard does not know.
pub fn charset_conversion(charset: &str) -> Option<&'static encoding_rs::Encoding> {
    let name = charset.trim().to_ascii_lowercase();
    if matches!(
        name.as_str(),
        "us-ascii" | "ascii" | "iso-8859-1" | "latin1" | "latin-1" | "utf-8" | "utf8"
    ) {
        return None;
    }
    encoding_rs::Encoding::for_label(name.as_bytes()).filter(|&e| e != encoding_rs::REPLACEMENT)
}

impl<R: Read> CharsetReader<R> {
    pub fn new(inner: R, encoding: &'static encoding_rs::Encoding) -> Self {
        CharsetReader {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            input: Vec::new(),
            output: Vec::new(),
            start: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for CharsetReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.start == self.output.len() && !self.done {
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            let last = n == 0;
            self.input.extend_from_slice(&chunk[..n]);
            self.output.clear();
            self.start = 0;
            let room = self
                .decoder
                .max_utf8_buffer_length(self.input.len())
                .unwrap_or(self.input.len() * 4 + 16);
            self.output.resize(room, 0);
            let (_, read, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input, &mut self.output, last);
            self.output.truncate(written);
            self.input.drain(..read);
            self.done = last;
        }
        let n = buf.len().min(self.output.len() - self.start);
        buf[..n].copy_from_slice(&self.output[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

/// Decodes a whole buffer (`qp-decode-string`, `qp-decode-usb8`).
pub fn decode_all(mut decoder: BodyDecoder, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    decoder.decode(input, &mut out);
    decoder.finish(&mut out);
    out
}

/// A reader of decoded bytes over a reader of encoded ones, for a part body
/// read as a stream (`with-decoded-part-body-stream`).
pub struct DecodingReader<R> {
    inner: R,
    decoder: BodyDecoder,
    decoded: Vec<u8>,
    start: usize,
    done: bool,
}

impl<R: Read> DecodingReader<R> {
    pub fn new(inner: R, decoder: BodyDecoder) -> Self {
        DecodingReader {
            inner,
            decoder,
            decoded: Vec::new(),
            start: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.start == self.decoded.len() && !self.done {
            self.decoded.clear();
            self.start = 0;
            let mut chunk = [0u8; 8192];
            let n = self.inner.read(&mut chunk)?;
            if n == 0 {
                self.decoder.finish(&mut self.decoded);
                self.done = true;
            } else {
                self.decoder.decode(&chunk[..n], &mut self.decoded);
            }
        }
        let n = buf.len().min(self.decoded.len() - self.start);
        buf[..n].copy_from_slice(&self.decoded[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn qp(input: &[u8]) -> Vec<u8> {
        decode_all(BodyDecoder::for_encoding(Some("Quoted-Printable")), input)
    }

    #[test]
    fn qp_hex_soft_breaks_and_invalid_escapes() {
        assert_eq!(qp(b"caf=C3=A9 =3d"), "café =".as_bytes());
        assert_eq!(qp(b"soft=\r\nbreak=\nhere=\rnow"), b"softbreakherenow");
        assert_eq!(qp(b"a=ZZb"), b"a=ZZb");
        assert_eq!(qp(b"end="), b"end=");
        assert_eq!(qp(b"end=4"), b"end=4");
        assert_eq!(qp(b"under_score"), b"under_score");
        let mut d = QpDecoder::new(true);
        let mut out = Vec::new();
        d.decode(b"a_b", &mut out);
        assert_eq!(out, b"a b");
    }

    #[test]
    fn decoding_does_not_depend_on_how_input_is_split() {
        let text = b"l=C3=A9gende =\r\nsuite=0D=0A=ZZ fin=";
        let whole = qp(text);
        for cut in 0..text.len() {
            let mut d = BodyDecoder::for_encoding(Some("quoted-printable"));
            let mut out = Vec::new();
            d.decode(&text[..cut], &mut out);
            d.decode(&text[cut..], &mut out);
            d.finish(&mut out);
            assert_eq!(out, whole, "cut at {cut}");
        }
        let b64 = b"SGVs\r\nbG8s IHdv*cmxk\nIQ==";
        for cut in 0..b64.len() {
            let mut d = BodyDecoder::for_encoding(Some("BASE64"));
            let mut out = Vec::new();
            d.decode(&b64[..cut], &mut out);
            d.decode(&b64[cut..], &mut out);
            d.finish(&mut out);
            assert_eq!(out, b"Hello, world!", "cut at {cut}");
        }
    }

    #[test]
    fn base64_short_final_groups() {
        let d = || BodyDecoder::for_encoding(Some("base64"));
        assert_eq!(decode_all(d(), b"YQ=="), b"a");
        assert_eq!(decode_all(d(), b"YWI="), b"ab");
        assert_eq!(decode_all(d(), b"YWJj"), b"abc");
        assert_eq!(decode_all(d(), b"YWJjZ"), b"abc");
    }

    #[test]
    fn charset_reader_converts_across_reads() {
        let sjis: &[u8] = &[0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea];
        let enc = charset_conversion("Shift_JIS").unwrap();
        let mut r = CharsetReader::new(sjis.chain(&b"!"[..]), enc);
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "日本語!");
        assert!(charset_conversion("latin1").is_none());
        assert!(charset_conversion("UTF-8").is_none());
        assert!(charset_conversion("x-klingon").is_none());
        assert_eq!(base64_invalid_char(b"YW Jj\r\n=="), None);
        assert_eq!(base64_invalid_char(b"YW*Jj"), Some(b'*'));
    }

    #[test]
    fn reader_streams_decoded_bytes() {
        let src: &[u8] = b"=48=65llo=\n, qp";
        let mut r = DecodingReader::new(src, BodyDecoder::for_encoding(Some("quoted-printable")));
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, "Hello, qp");
    }
}

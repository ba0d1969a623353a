//! Streaming body encoders (RFC 2045 §6.7, §6.8).
//!
//! Each encoder is fed input in pieces of any size and appends its output
//! to a caller's buffer; state carried between pieces is a few bytes, so
//! memory does not grow with the body.

use base64::Engine as _;

/// Input bytes per base64 line: 54 bytes give 72 characters.
pub const BASE64_LINE_INPUT: usize = 54;
const BASE64_LINE_CHARS: usize = 72;

/// Column after which quoted-printable inserts a soft break. As in
/// Allegro's `qp-encode-stream`, the limit is checked before each token, so
/// a line may reach 74 characters plus `=`, within RFC 2045 §6.7 rule 5's 76.
pub const QP_WRAP_AT: usize = 72;

/// A transfer encoding applied to a body while it streams.
#[derive(Debug)]
pub enum BodyEncoder {
    /// RFC 2045 §6.8 base64.
    Base64(Base64Encoder),
    /// RFC 2045 §6.7 quoted-printable.
    QuotedPrintable(QpEncoder),
    /// 7bit, 8bit, binary or any other name: bytes copied as they are.
    Raw,
}

impl BodyEncoder {
    /// The encoder for a `Content-Transfer-Encoding` value (case-insensitive).
    pub fn for_encoding(encoding: Option<&str>) -> Self {
        match encoding {
            Some(e) if e.eq_ignore_ascii_case("base64") => {
                BodyEncoder::Base64(Base64Encoder::default())
            }
            Some(e) if e.eq_ignore_ascii_case("quoted-printable") => {
                BodyEncoder::QuotedPrintable(QpEncoder::default())
            }
            _ => BodyEncoder::Raw,
        }
    }

    /// Encodes `input`, appending to `out`.
    pub fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        match self {
            BodyEncoder::Base64(enc) => enc.encode(input, out),
            BodyEncoder::QuotedPrintable(enc) => enc.encode(input, out),
            BodyEncoder::Raw => out.extend_from_slice(input),
        }
    }

    /// Flushes what is held back at the end of the input.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        match self {
            BodyEncoder::Base64(enc) => enc.finish(out),
            BodyEncoder::QuotedPrintable(enc) => enc.finish(out),
            BodyEncoder::Raw => {}
        }
    }
}

/// Base64 in lines of 72 characters, each ending with a newline, the last
/// one too (Allegro's `base64-encode-stream` output shape).
#[derive(Debug)]
pub struct Base64Encoder {
    carry: [u8; BASE64_LINE_INPUT],
    carry_len: usize,
}

impl Default for Base64Encoder {
    fn default() -> Self {
        Base64Encoder {
            carry: [0; BASE64_LINE_INPUT],
            carry_len: 0,
        }
    }
}

impl Base64Encoder {
    /// Encodes `input`; a partial line is held until more input or
    /// [`finish`](Self::finish).
    pub fn encode(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        if self.carry_len > 0 {
            let take = (BASE64_LINE_INPUT - self.carry_len).min(input.len());
            self.carry[self.carry_len..self.carry_len + take].copy_from_slice(&input[..take]);
            self.carry_len += take;
            input = &input[take..];
            if self.carry_len < BASE64_LINE_INPUT {
                return;
            }
            let line = self.carry;
            encode_lines(&line, out);
            self.carry_len = 0;
        }
        let whole = input.len() - input.len() % BASE64_LINE_INPUT;
        encode_lines(&input[..whole], out);
        let rest = &input[whole..];
        self.carry[..rest.len()].copy_from_slice(rest);
        self.carry_len = rest.len();
    }

    /// Writes the last, short line (padded), if any.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.carry_len > 0 {
            let line = self.carry;
            encode_lines(&line[..self.carry_len], out);
            self.carry_len = 0;
        }
    }
}

/// Encodes whole lines of input (the last may be short), each output line
/// followed by a newline.
fn encode_lines(input: &[u8], out: &mut Vec<u8>) {
    let engine = &base64::engine::general_purpose::STANDARD;
    for line in input.chunks(BASE64_LINE_INPUT) {
        let start = out.len();
        out.resize(start + BASE64_LINE_CHARS + 1, 0);
        // The buffer always fits a full line, so this cannot fail; should
        // it, the line is dropped rather than panicking.
        let written = engine
            .encode_slice(line, &mut out[start..start + BASE64_LINE_CHARS])
            .unwrap_or(0);
        out.truncate(start + written);
        out.push(b'\n');
    }
}

/// What quoted-printable holds back until it sees the next byte.
#[derive(Debug, Default, Clone, Copy)]
enum Deferred {
    #[default]
    Nothing,
    /// A CR: dropped before LF, else encoded as `=0D`.
    Cr,
    /// A space or tab: encoded at the end of a line or the input
    /// (RFC 2045 §6.7 rule 3), else literal.
    Blank(u8),
}

/// Quoted-printable per RFC 2045 §6.7, following Allegro's `qp-encode-stream`:
/// bytes 33–60 and 62–126 literal, everything else `=XX` (upper-case hex),
/// LF a hard line break, CR LF → LF, blanks before a line end encoded, a
/// soft break `=` before a token once the column reaches 72.
/// Unlike Allegro, a deferred tab is encoded as `=09`, not `=20`.
#[derive(Debug)]
pub struct QpEncoder {
    column: usize,
    deferred: Deferred,
    /// The column of soft breaks; `None`: no soft breaks (`:wrap-at nil`).
    wrap_at: Option<usize>,
}

impl Default for QpEncoder {
    fn default() -> Self {
        QpEncoder::with_wrap_at(Some(QP_WRAP_AT))
    }
}

impl QpEncoder {
    /// An encoder breaking lines at `wrap_at` (`qp-encode-stream`'s
    /// `:wrap-at`).
    pub fn with_wrap_at(wrap_at: Option<usize>) -> Self {
        QpEncoder {
            column: 0,
            deferred: Deferred::Nothing,
            wrap_at,
        }
    }

    /// Encodes `input`, appending to `out`.
    pub fn encode(&mut self, input: &[u8], out: &mut Vec<u8>) {
        for &byte in input {
            self.flush_deferred(Some(byte), out);
            match byte {
                33..=60 | 62..=126 => self.token(&[byte], out),
                b'\r' => self.deferred = Deferred::Cr,
                b' ' | b'\t' => self.deferred = Deferred::Blank(byte),
                b'\n' => {
                    out.push(b'\n');
                    self.column = 0;
                }
                _ => self.hex(byte, out),
            }
        }
    }

    /// Flushes a held-back CR or blank at the end of the input.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.flush_deferred(None, out);
    }

    fn flush_deferred(&mut self, next: Option<u8>, out: &mut Vec<u8>) {
        match std::mem::take(&mut self.deferred) {
            Deferred::Nothing => {}
            Deferred::Cr => {
                if next != Some(b'\n') {
                    self.hex(b'\r', out);
                }
            }
            Deferred::Blank(blank) => {
                if matches!(next, None | Some(b'\n') | Some(b'\r')) {
                    self.hex(blank, out);
                } else {
                    self.token(&[blank], out);
                }
            }
        }
    }

    fn hex(&mut self, byte: u8, out: &mut Vec<u8>) {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let token = [
            b'=',
            HEX[usize::from(byte >> 4)],
            HEX[usize::from(byte & 0xf)],
        ];
        self.token(&token, out);
    }

    fn token(&mut self, token: &[u8], out: &mut Vec<u8>) {
        if self.wrap_at.is_some_and(|w| self.column >= w) {
            out.extend_from_slice(b"=\n");
            self.column = 0;
        }
        out.extend_from_slice(token);
        self.column += token.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(pieces: &[&[u8]]) -> String {
        let mut enc = Base64Encoder::default();
        let mut out = Vec::new();
        for p in pieces {
            enc.encode(p, &mut out);
        }
        enc.finish(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    fn qp(input: &[u8]) -> String {
        let mut enc = QpEncoder::default();
        let mut out = Vec::new();
        enc.encode(input, &mut out);
        enc.finish(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn base64_lines_are_72_columns_and_end_with_newline() {
        let data: Vec<u8> = (0..=255).collect();
        let out = b64(&[&data]);
        let lines: Vec<&str> = out.split_terminator('\n').collect();
        assert!(out.ends_with('\n'));
        assert!(lines[..lines.len() - 1].iter().all(|l| l.len() == 72));
        let joined: String = lines.concat();
        assert_eq!(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .ok(),
            Some(data)
        );
    }

    #[test]
    fn base64_output_does_not_depend_on_piece_boundaries() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = b64(&[&data]);
        let (a, rest) = data.split_at(13);
        let (b, c) = rest.split_at(100);
        assert_eq!(b64(&[a, b, c]), whole);
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(b64(&bytes), whole);
    }

    #[test]
    fn base64_of_nothing_is_nothing() {
        assert_eq!(b64(&[]), "");
    }

    #[test]
    fn qp_encodes_equals_and_trailing_blanks() {
        assert_eq!(qp(b"a=b"), "a=3Db");
        assert_eq!(qp(b"end \nnext\t\nlast "), "end=20\nnext=09\nlast=20");
        assert_eq!(qp(b"a b"), "a b");
    }

    #[test]
    fn qp_drops_cr_before_lf_and_encodes_bare_cr() {
        assert_eq!(qp(b"a\r\nb\rc"), "a\nb=0Dc");
    }

    #[test]
    fn qp_encodes_non_ascii_upper_hex() {
        assert_eq!(qp("ü".as_bytes()), "=C3=BC");
    }

    #[test]
    fn qp_soft_breaks_at_72_columns() {
        let out = qp(&[b'x'; 100]);
        assert_eq!(out, format!("{}=\n{}", "x".repeat(72), "x".repeat(28)));
        for line in qp(&[0xff; 100]).lines() {
            assert!(line.len() <= 76);
        }
    }
}

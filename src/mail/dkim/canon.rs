//! DKIM canonicalization (RFC 6376 §3.4): `simple` and `relaxed`, for
//! header fields and for the body. The body is canonicalized as a stream,
//! a piece at a time, so a 256 MiB attachment needs no more memory than a
//! line of text: nothing is buffered but a count of pending line ends and
//! one pending space.

use std::fmt;

/// One of the two canonicalization algorithms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canon {
    /// RFC 6376 §3.4.1 / §3.4.3: bytes as they are.
    Simple,
    /// RFC 6376 §3.4.2 / §3.4.4: white space tolerant.
    Relaxed,
}

impl Canon {
    fn as_str(self) -> &'static str {
        match self {
            Canon::Simple => "simple",
            Canon::Relaxed => "relaxed",
        }
    }

    fn parse(s: &str) -> Option<Canon> {
        match s.trim() {
            s if s.eq_ignore_ascii_case("simple") => Some(Canon::Simple),
            s if s.eq_ignore_ascii_case("relaxed") => Some(Canon::Relaxed),
            _ => None,
        }
    }
}

/// The `c=` pair: header and body canonicalization.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Canonicalization {
    /// For the signed header fields.
    pub header: Canon,
    /// For the body.
    pub body: Canon,
}

impl Default for Canonicalization {
    /// `relaxed/relaxed`: survives the re-folding and white-space changes
    /// MTAs make, which `simple` does not.
    fn default() -> Self {
        Canonicalization {
            header: Canon::Relaxed,
            body: Canon::Relaxed,
        }
    }
}

impl Canonicalization {
    /// `relaxed/simple`, or `relaxed` / `simple` for both sides (unlike the
    /// `c=` tag, where a lone name leaves the body `simple`: configuration
    /// says what it means, the tag is always written in full).
    pub fn parse(text: &str) -> Option<Canonicalization> {
        match text.split_once('/') {
            Some((h, b)) => Some(Canonicalization {
                header: Canon::parse(h)?,
                body: Canon::parse(b)?,
            }),
            None => {
                let both = Canon::parse(text)?;
                Some(Canonicalization {
                    header: both,
                    body: both,
                })
            }
        }
    }
}

impl fmt::Display for Canonicalization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.header.as_str(), self.body.as_str())
    }
}

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// One header field (name, colon, value, folds and the final CRLF) in the
/// form that is hashed (RFC 6376 §3.4.1, §3.4.2). `field` is the field as
/// transmitted, with CRLF line ends; the result ends with CRLF.
pub fn header_field(canon: Canon, field: &[u8]) -> Vec<u8> {
    match canon {
        Canon::Simple => field.to_vec(),
        Canon::Relaxed => {
            let Some(colon) = field.iter().position(|&b| b == b':') else {
                return field.to_vec();
            };
            let (name, value) = (&field[..colon], &field[colon + 1..]);
            // The name in lower case, white space before the colon dropped.
            let mut out: Vec<u8> = name
                .iter()
                .filter(|&&b| !is_wsp(b))
                .map(u8::to_ascii_lowercase)
                .collect();
            out.push(b':');
            // Unfold, turn each run of white space into one space, drop
            // white space at both ends of the value.
            let mut pending_space = false;
            let mut started = false;
            for &b in value {
                match b {
                    b'\r' | b'\n' => {}
                    b if is_wsp(b) => pending_space = started,
                    b => {
                        if pending_space {
                            out.push(b' ');
                            pending_space = false;
                        }
                        out.push(b);
                        started = true;
                    }
                }
            }
            out.extend_from_slice(b"\r\n");
            out
        }
    }
}

/// Canonical output is gathered into pieces of this size before it goes to
/// the sink: one hash update per piece, not one per line.
const OUT_PIECE: usize = 64 * 1024;

/// The body canonicalizer (RFC 6376 §3.4.3, §3.4.4): takes the body in
/// pieces of any size (CRLF line ends, as transmitted) and hands the
/// canonical bytes to a sink, typically a hash.
pub struct BodyCanon {
    canon: Canon,
    /// Line ends seen since the last content byte: written only if more
    /// content follows (trailing empty lines are ignored).
    pending_lines: u64,
    /// A white-space run not yet written (relaxed: one space, or nothing
    /// at the end of a line).
    pending_space: bool,
    /// The last byte was a CR that may start a CRLF.
    pending_cr: bool,
    /// Some content byte has been written.
    any_content: bool,
    /// Canonical bytes not yet given to the sink.
    out: Vec<u8>,
}

impl BodyCanon {
    /// A canonicalizer for an empty body so far.
    pub fn new(canon: Canon) -> Self {
        BodyCanon {
            canon,
            pending_lines: 0,
            pending_space: false,
            pending_cr: false,
            any_content: false,
            out: Vec::new(),
        }
    }

    /// Canonicalizes the next piece of the body.
    pub fn update(&mut self, mut data: &[u8], sink: &mut dyn FnMut(&[u8])) {
        while let Some((&b, rest)) = data.split_first() {
            if self.pending_cr {
                self.pending_cr = false;
                if b == b'\n' {
                    self.pending_lines += 1;
                    self.pending_space = false;
                    data = rest;
                    continue;
                }
                // A CR on its own is content.
                self.content(b"\r", sink);
            }
            match b {
                b'\r' => {
                    self.pending_cr = true;
                    data = rest;
                }
                b' ' | b'\t' if self.canon == Canon::Relaxed => {
                    self.pending_space = true;
                    data = rest;
                }
                _ => {
                    // A run of plain bytes at once (the common case),
                    // found with memchr: this is the hot loop of signing.
                    let run = match self.canon {
                        Canon::Simple => memchr::memchr(b'\r', data),
                        Canon::Relaxed => memchr::memchr3(b'\r', b' ', b'\t', data),
                    }
                    .unwrap_or(data.len());
                    self.content(&data[..run], sink);
                    data = &data[run..];
                }
            }
        }
        self.flush(sink);
    }

    fn emit(&mut self, bytes: &[u8], sink: &mut dyn FnMut(&[u8])) {
        self.out.extend_from_slice(bytes);
        if self.out.len() >= OUT_PIECE {
            self.flush(sink);
        }
    }

    fn flush(&mut self, sink: &mut dyn FnMut(&[u8])) {
        if !self.out.is_empty() {
            sink(&self.out);
            self.out.clear();
        }
    }

    fn content(&mut self, bytes: &[u8], sink: &mut dyn FnMut(&[u8])) {
        for _ in 0..self.pending_lines {
            self.emit(b"\r\n", sink);
        }
        self.pending_lines = 0;
        if self.pending_space {
            self.emit(b" ", sink);
            self.pending_space = false;
        }
        self.emit(bytes, sink);
        self.any_content = true;
    }

    /// Ends the body: the last non-empty line gets its CRLF; an empty body
    /// is one CRLF in `simple`, nothing in `relaxed`.
    pub fn finish(mut self, sink: &mut dyn FnMut(&[u8])) {
        if self.pending_cr {
            self.pending_cr = false;
            self.content(b"\r", sink);
        }
        if self.any_content || self.canon == Canon::Simple {
            self.emit(b"\r\n", sink);
        }
        self.flush(sink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(canon: Canon, pieces: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut c = BodyCanon::new(canon);
        for p in pieces {
            c.update(p, &mut |b| out.extend_from_slice(b));
        }
        c.finish(&mut |b| out.extend_from_slice(b));
        out
    }

    /// RFC 6376 §3.4.5's example.
    #[test]
    fn rfc_6376_example() {
        let text = b" C \r\nD \t E\r\n\r\n\r\n";
        assert_eq!(body(Canon::Relaxed, &[text]), b" C\r\nD E\r\n");
        assert_eq!(body(Canon::Simple, &[text]), b" C \r\nD \t E\r\n");
        let h = header_field(Canon::Relaxed, b"A: X\r\n");
        assert_eq!(h, b"a:X\r\n");
        let h = header_field(Canon::Relaxed, b"B : Y\t\r\n\tZ  \r\n");
        assert_eq!(h, b"b:Y Z\r\n");
        assert_eq!(header_field(Canon::Simple, b"B : Y\r\n"), b"B : Y\r\n");
    }

    #[test]
    fn empty_bodies() {
        assert_eq!(body(Canon::Simple, &[]), b"\r\n");
        assert_eq!(body(Canon::Simple, &[b"\r\n\r\n"]), b"\r\n");
        assert_eq!(body(Canon::Relaxed, &[]), b"");
        assert_eq!(body(Canon::Relaxed, &[b" \r\n\t\r\n"]), b"");
    }

    #[test]
    fn inner_empty_lines_and_unterminated_last_line() {
        assert_eq!(body(Canon::Relaxed, &[b"a\r\n\r\nb"]), b"a\r\n\r\nb\r\n");
        assert_eq!(body(Canon::Simple, &[b"a \r\n \r\nb"]), b"a \r\n \r\nb\r\n");
        assert_eq!(body(Canon::Relaxed, &[b"a \r\n \r\nb"]), b"a\r\n\r\nb\r\n");
        assert_eq!(body(Canon::Relaxed, &[b"x\ry\r\n"]), b"x\ry\r\n");
    }

    #[test]
    fn piece_boundaries_do_not_matter() {
        let input: &[u8] = b"a \t b\r\n\r\n c\r\r\n\t\r\nd  \r\n\r\n";
        for canon in [Canon::Simple, Canon::Relaxed] {
            let whole = body(canon, &[input]);
            for split in 0..=input.len() {
                let (x, y) = input.split_at(split);
                assert_eq!(body(canon, &[x, y]), whole, "{canon:?} split at {split}");
            }
            let bytes: Vec<&[u8]> = input.chunks(1).collect();
            assert_eq!(body(canon, &bytes), whole);
        }
    }

    #[test]
    fn many_empty_lines_before_content_are_all_kept() {
        let mut input = b"a".to_vec();
        input.extend(b"\r\n".repeat(100_000));
        input.extend(b"b\r\n\r\n");
        let expect = &input[..input.len() - 2];
        assert_eq!(body(Canon::Simple, &[&input]), expect);
        assert_eq!(body(Canon::Relaxed, &[&input]), expect);
        assert_eq!(body(Canon::Relaxed, &[b"a  \r\n\r\n"]), b"a\r\n");
    }

    #[test]
    fn canonicalization_names() {
        let c = Canonicalization::parse("relaxed/simple").unwrap();
        assert_eq!(c.to_string(), "relaxed/simple");
        assert_eq!(
            Canonicalization::parse("simple").unwrap().to_string(),
            "simple/simple"
        );
        assert_eq!(Canonicalization::default().to_string(), "relaxed/relaxed");
        assert!(Canonicalization::parse("loose").is_none());
        assert!(Canonicalization::parse("relaxed/").is_none());
    }
}

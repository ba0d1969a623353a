//! `parse-mime-structure` (Allegro's mime-parse.cl, spec §1.3): the MIME
//! tree of a message read from a stream, with each part's headers, type,
//! sizes and positions — not its content, so a message of any size is
//! parsed in bounded memory. Lines are read with a cap: only the start of
//! a body line is kept (enough to see a boundary), header blocks are cut
//! at [`MAX_HEADER_BYTES`], nesting stops at [`MAX_DEPTH`].

use std::io::{self, BufRead};

/// Bytes of one line kept (a boundary is at most 70 characters, RFC 2046 §5.1.1).
const KEPT: usize = 1024;
/// Bytes of one header line kept.
const MAX_HEADER_LINE: usize = 64 * 1024;
/// Header bytes kept per part; the rest are counted, not stored.
pub const MAX_HEADER_BYTES: usize = 1 << 20;
/// Multiparts nested deeper are read as opaque bodies.
pub const MAX_DEPTH: usize = 50;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedPart {
    /// In order; continuation lines joined by a newline, their leading
    /// white space kept.
    pub headers: Vec<(String, String)>,
    pub content_type: String,
    pub subtype: String,
    /// `(name, value)` with values still quoted (Allegro: use `mime-dequote`).
    pub parameters: Vec<(String, String)>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub encoding: String,
    /// The boundary that ends this part: its parent's.
    pub boundary: Option<String>,
    pub headers_size: u64,
    pub body_size: u64,
    pub lines: u64,
    pub position: u64,
    pub body_position: u64,
    pub parts: Vec<ParsedPart>,
    pub message: Option<Box<ParsedPart>>,
}

/// Why parsing of a part stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Eof,
    /// `--boundary--`
    CloseBoundary,
    /// `--boundary`
    Boundary,
    /// `From ` in mbox mode.
    MboxFrom,
}

struct Line {
    head: Vec<u8>,
    len: u64,
}

struct Lines<R> {
    r: R,
    pos: u64,
    back: Option<Line>,
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self, keep: usize) -> io::Result<Option<Line>> {
        if let Some(l) = self.back.take() {
            return Ok(Some(l));
        }
        let mut head = Vec::new();
        let mut len = 0u64;
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Ok((len > 0).then_some(Line { head, len }));
            }
            let (take, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            let room = keep.saturating_sub(head.len()).min(take);
            head.extend_from_slice(&buf[..room]);
            self.r.consume(take);
            len += take as u64;
            self.pos += take as u64;
            if done {
                return Ok(Some(Line { head, len }));
            }
        }
    }

    fn unread(&mut self, l: Line) {
        self.back = Some(l);
    }

    /// The position of the next line to read.
    fn position(&self) -> u64 {
        self.pos - self.back.as_ref().map_or(0, |l| l.len)
    }
}

fn trim_eol(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

fn text(b: &[u8]) -> String {
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => b.iter().map(|&c| char::from(c)).collect(),
    }
}

/// Is `line` `--boundary` or `--boundary--` of one of `open` (innermost last)?
fn boundary_kind(line: &[u8], open: &[String]) -> Option<(usize, Stop)> {
    let rest = line.strip_prefix(b"--")?;
    for (i, b) in open.iter().enumerate().rev() {
        if let Some(after) = rest.strip_prefix(b.as_bytes()) {
            let after = trim_eol(after);
            if after.starts_with(b"--") {
                return Some((i, Stop::CloseBoundary));
            }
            if after.iter().all(|c| *c == b' ' || *c == b'\t') {
                return Some((i, Stop::Boundary));
            }
        }
    }
    None
}

/// Parse one message from `r`, positioned at its first header; `None`
/// when the input ends before any header. Returns the part, why it
/// stopped and the position after it.
pub fn parse_mime_structure<R: BufRead>(
    r: R,
    mbox: bool,
) -> io::Result<Option<(ParsedPart, Stop, u64)>> {
    let mut lines = Lines {
        r,
        pos: 0,
        back: None,
    };
    let first = lines.next(KEPT)?;
    let Some(first) = first else {
        return Ok(None);
    };
    lines.unread(first);
    let mut p = Parser {
        lines,
        open: Vec::new(),
        mbox,
    };
    let (part, stop) = p.part(0, false)?;
    let end = p.lines.position();
    Ok(Some((part, stop, end)))
}

struct Parser<R> {
    lines: Lines<R>,
    open: Vec<String>,
    mbox: bool,
}

/// `name` of the parameter list, dequoted.
fn param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| dequote(v))
}

/// One level of `"…"` and backslash escapes removed.
pub fn dequote(s: &str) -> String {
    let Some(inner) = s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return s.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `type/subtype; a=b; c="d;e"` → (type, subtype, parameters).
fn content_type(v: &str) -> (String, String, Vec<(String, String)>) {
    let mut pieces = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in v.chars() {
        if escaped {
            cur.push(c);
            escaped = false;
            continue;
        }
        match c {
            '\\' if quoted => {
                cur.push(c);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            ';' if !quoted => pieces.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    pieces.push(cur);
    let mut it = pieces.into_iter();
    let ty = it.next().unwrap_or_default();
    let (t, s) = ty.trim().split_once('/').unwrap_or((ty.trim(), ""));
    let params = it
        .filter_map(|p| {
            let (n, v) = p.split_once('=')?;
            Some((n.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    (
        t.trim().to_ascii_lowercase(),
        s.trim().to_ascii_lowercase(),
        params,
    )
}

impl<R: BufRead> Parser<R> {
    /// Header lines up to the blank line; a malformed line ends them and
    /// is left for the body. Also stops at an open boundary.
    fn headers(&mut self) -> io::Result<Vec<(String, String)>> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut kept = 0usize;
        while let Some(l) = self.lines.next(MAX_HEADER_LINE)? {
            let body = trim_eol(&l.head);
            if body.is_empty() {
                return Ok(out);
            }
            if boundary_kind(&l.head, &self.open).is_some()
                || (self.mbox && l.head.starts_with(b"From "))
            {
                self.lines.unread(l);
                return Ok(out);
            }
            if body[0] == b' ' || body[0] == b'\t' {
                if let Some(last) = out.last_mut() {
                    if kept < MAX_HEADER_BYTES {
                        last.1.push('\n');
                        last.1.push_str(&text(body));
                        kept += body.len();
                    }
                    continue;
                }
            }
            let name_end = body
                .iter()
                .position(|&c| c == b':' || c == b' ' || c == b'\t')
                .unwrap_or(body.len());
            let colon = body[name_end..]
                .iter()
                .position(|&c| c != b' ' && c != b'\t');
            match colon.map(|i| name_end + i) {
                Some(i) if body[i] == b':' && name_end > 0 => {
                    if kept < MAX_HEADER_BYTES {
                        let value = &body[i + 1..];
                        let value = &value[value
                            .iter()
                            .take_while(|c| **c == b' ' || **c == b'\t')
                            .count()..];
                        out.push((text(&body[..name_end]), text(value)));
                        kept += body.len();
                    }
                }
                _ => {
                    self.lines.unread(l);
                    return Ok(out);
                }
            }
        }
        Ok(out)
    }

    fn part(&mut self, depth: usize, in_digest: bool) -> io::Result<(ParsedPart, Stop)> {
        let mut p = ParsedPart {
            position: self.lines.position(),
            boundary: self.open.last().cloned(),
            ..Default::default()
        };
        p.headers = self.headers()?;
        p.body_position = self.lines.position();
        p.headers_size = p.body_position - p.position;
        let header = |name: &str| {
            p.headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let (t, s, params) = match header("Content-Type") {
            Some(v) => content_type(&v.replace('\n', " ")),
            None if in_digest => ("message".into(), "rfc822".into(), vec![]),
            None => (
                "text".into(),
                "plain".into(),
                vec![("charset".into(), "us-ascii".into())],
            ),
        };
        p.id = header("Content-Id");
        p.description = header("Content-Description");
        p.encoding = header("Content-Transfer-Encoding")
            .map(|e| e.trim().to_string())
            .unwrap_or_else(|| "7bit".into());
        p.content_type = t;
        p.subtype = s;
        p.parameters = params;
        if p.content_type == "multipart" && depth < MAX_DEPTH {
            // No boundary parameter: the parent's (Allegro).
            let boundary = param(&p.parameters, "boundary").or_else(|| p.boundary.clone());
            if let Some(b) = boundary.filter(|b| !b.is_empty()) {
                let stop = self.multipart(&mut p, b, depth)?;
                return Ok((p, stop));
            }
        }
        if p.content_type == "message" && p.subtype == "rfc822" && depth < MAX_DEPTH {
            let (inner, stop) = self.part(depth + 1, false)?;
            p.body_size = self.lines.position() - p.body_position;
            p.lines = inner.lines;
            p.message = Some(Box::new(inner));
            return Ok((p, stop));
        }
        let stop = self.body(&mut p)?;
        Ok((p, stop))
    }

    /// Body lines up to an open boundary (or `From ` in mbox mode).
    fn body(&mut self, p: &mut ParsedPart) -> io::Result<Stop> {
        loop {
            let Some(l) = self.lines.next(KEPT)? else {
                p.body_size = self.lines.position() - p.body_position;
                return Ok(Stop::Eof);
            };
            if let Some((_, kind)) = boundary_kind(&l.head, &self.open) {
                p.body_size = self.lines.position() - l.len - p.body_position;
                self.lines.unread(l);
                return Ok(kind);
            }
            if self.mbox && l.head.starts_with(b"From ") {
                p.body_size = self.lines.position() - l.len - p.body_position;
                self.lines.unread(l);
                return Ok(Stop::MboxFrom);
            }
            p.lines += 1;
        }
    }

    fn multipart(
        &mut self,
        p: &mut ParsedPart,
        boundary: String,
        depth: usize,
    ) -> io::Result<Stop> {
        let digest = p.subtype == "digest";
        self.open.push(boundary);
        let mine = self.open.len() - 1;
        // Preamble, up to our first boundary.
        let mut stop = Stop::Eof;
        while let Some(l) = self.lines.next(KEPT)? {
            match boundary_kind(&l.head, &self.open) {
                Some((i, Stop::Boundary)) if i == mine => {
                    stop = self.children(p, mine, digest, depth)?;
                    break;
                }
                Some((i, Stop::CloseBoundary)) if i == mine => {
                    stop = Stop::CloseBoundary;
                    break;
                }
                Some(_) => {
                    self.lines.unread(l);
                    self.open.pop();
                    p.body_size = self.lines.position() - p.body_position;
                    return Ok(Stop::Boundary);
                }
                None => {}
            }
        }
        self.open.pop();
        // Epilogue: up to the parent's boundary, or the end.
        if stop == Stop::CloseBoundary {
            let mut tail = ParsedPart {
                body_position: self.lines.position(),
                ..Default::default()
            };
            stop = self.body(&mut tail)?;
        }
        p.body_size = self.lines.position() - p.body_position;
        Ok(stop)
    }

    /// The parts after a boundary line, to the close boundary.
    fn children(
        &mut self,
        p: &mut ParsedPart,
        mine: usize,
        digest: bool,
        depth: usize,
    ) -> io::Result<Stop> {
        loop {
            let (child, stop) = self.part(depth + 1, digest)?;
            p.parts.push(child);
            match stop {
                Stop::Eof | Stop::MboxFrom => return Ok(stop),
                _ => {}
            }
            // The line that stopped the child is a boundary: whose?
            let Some(l) = self.lines.next(KEPT)? else {
                return Ok(Stop::Eof);
            };
            match boundary_kind(&l.head, &self.open) {
                Some((i, Stop::Boundary)) if i == mine => continue,
                Some((i, Stop::CloseBoundary)) if i == mine => return Ok(Stop::CloseBoundary),
                _ => {
                    // An outer boundary: this multipart ends unclosed.
                    self.lines.unread(l);
                    return Ok(Stop::Boundary);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> (ParsedPart, Stop, u64) {
        parse_mime_structure(s.as_bytes(), false).unwrap().unwrap()
    }

    const MSG: &str = "From: a@b\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhello\r\nworld\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--XX--\r\nepilogue\r\n";

    #[test]
    fn a_multipart_tree_with_sizes_and_positions() {
        let (top, stop, end) = parse(MSG);
        assert_eq!(stop, Stop::Eof);
        assert_eq!(end, MSG.len() as u64);
        assert_eq!(
            (top.content_type.as_str(), top.subtype.as_str()),
            ("multipart", "mixed")
        );
        assert_eq!(
            top.parameters,
            [("boundary".to_string(), "\"XX\"".to_string())]
        );
        assert_eq!(top.parts.len(), 2);
        let text = &top.parts[0];
        assert_eq!(text.subtype, "plain");
        assert_eq!(text.boundary.as_deref(), Some("XX"));
        let body =
            &MSG[text.body_position as usize..(text.body_position + text.body_size) as usize];
        assert_eq!(body, "hello\r\nworld\r\n");
        assert_eq!(text.lines, 2);
        assert_eq!(text.encoding, "7bit");
        let m = &top.parts[1];
        let inner = m.message.as_ref().unwrap();
        assert_eq!(
            inner.headers,
            [("Subject".to_string(), "inner".to_string())]
        );
        assert_eq!(inner.lines, 1);
        assert_eq!(top.headers_size, 59);
    }

    #[test]
    fn defaults_folding_and_malformed_headers() {
        let (p, _, _) = parse("Subject: a\n  b\nnot a header\nbody\n");
        assert_eq!(p.headers, [("Subject".to_string(), "a\n  b".to_string())]);
        assert_eq!(
            p.parameters,
            [("charset".to_string(), "us-ascii".to_string())]
        );
        assert_eq!(p.lines, 2, "the malformed line is body");
        assert!(parse_mime_structure(&b""[..], false).unwrap().is_none());
    }

    #[test]
    fn hostile_structures_stay_bounded() {
        // Unclosed multiparts, missing boundaries, deep nesting.
        let mut deep = String::new();
        for i in 0..200 {
            deep.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"
            ));
        }
        let (p, _, _) = parse(&deep);
        let mut d = 0;
        let mut cur = &p;
        while let Some(c) = cur.parts.first() {
            cur = c;
            d += 1;
        }
        assert!(d <= MAX_DEPTH, "{d}");
        for s in [
            "Content-Type: multipart/mixed\n\n--\n",
            "Content-Type: multipart/mixed; boundary=\n\nx\n",
            "Content-Type: multipart/mixed; boundary=a\n\n--a\n--a\n--a--",
            "Content-Type: message/rfc822\n\n",
            "Content-Type: ;;;\"\n\n",
        ] {
            let _ = parse(s);
        }
    }

    #[test]
    fn a_long_line_is_not_kept_whole() {
        let big = "x".repeat(5_000_000);
        let msg = format!("Subject: s\n\n{big}\n");
        let (p, _, end) = parse(&msg);
        assert_eq!(p.body_size, 5_000_001);
        assert_eq!(end, msg.len() as u64);
    }

    #[test]
    fn mbox_stops_at_from() {
        let (p, stop, end) =
            parse_mime_structure(&b"Subject: 1\n\nbody\nFrom someone\nSubject: 2\n"[..], true)
                .unwrap()
                .unwrap();
        assert_eq!(stop, Stop::MboxFrom);
        assert_eq!(p.lines, 1);
        assert_eq!(end, 17, "the From line is left for the next message");
    }
}

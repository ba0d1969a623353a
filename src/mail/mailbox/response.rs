//! IMAP responses (RFC 3501 §7, §9), socket-free: [`frame`] finds where
//! one whole response ends in received bytes (its lines and the literals
//! they announce), [`parse`] turns that frame into a [`Response`].
//!
//! Everything a server says is bounded before it is believed: a line
//! without an end, a literal size larger than the limit (a `{2147483648}`
//! is refused when its line arrives, before any byte of it is awaited),
//! nesting deeper than the limit, parentheses that do not balance, a
//! quoted string without its closing quote. A literal that announces more
//! than the server sends is waited for only as long as the caller's
//! deadline allows (the transport's job).

use std::fmt;

/// Size and shape limits of one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// One line of text (between literals), CRLF included.
    pub max_line: usize,
    /// One literal.
    pub max_literal: u64,
    /// The whole response: lines and literals.
    pub max_response: u64,
    /// Nesting of parenthesised lists.
    pub max_depth: usize,
}

/// Default: a letter of up to 256 MiB in one literal; lines of 8 MiB (a
/// `* SEARCH` answer for a million messages fits).
pub const DEFAULT_LIMITS: Limits = Limits {
    max_line: 8 << 20,
    max_literal: 256 << 20,
    max_response: 300 << 20,
    max_depth: 64,
};

impl Default for Limits {
    fn default() -> Self {
        DEFAULT_LIMITS
    }
}

/// Why a response was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResponseError {
    /// Larger than a limit (`:response-too-large`).
    TooLarge(String),
    /// Malformed (`:unexpected`).
    Malformed(String),
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::TooLarge(s) | ResponseError::Malformed(s) => f.write_str(s),
        }
    }
}

/// How many bytes at the start of `buf` make one whole response, or
/// `None` when more must be read first.
pub fn frame(buf: &[u8], limits: &Limits) -> Result<Option<usize>, ResponseError> {
    let mut pos = 0usize;
    loop {
        let rest = &buf[pos..];
        let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
            if rest.len() > limits.max_line {
                return Err(too_long_line(limits));
            }
            return Ok(None);
        };
        if lf + 1 > limits.max_line {
            return Err(too_long_line(limits));
        }
        let line = strip_cr(&rest[..lf]);
        let end_of_line = pos + lf + 1;
        match literal_size(line)? {
            None => return Ok(Some(end_of_line)),
            Some(n) => {
                if n > limits.max_literal {
                    return Err(ResponseError::TooLarge(format!(
                        "the server announced a literal of {n} bytes, more than the limit of {} bytes",
                        limits.max_literal
                    )));
                }
                let total = (end_of_line as u64).saturating_add(n);
                if total > limits.max_response {
                    return Err(ResponseError::TooLarge(format!(
                        "the server's response exceeds the limit of {} bytes",
                        limits.max_response
                    )));
                }
                // `total` ≤ max_response, which the caller can hold in memory.
                let total = usize::try_from(total).map_err(|_| {
                    ResponseError::TooLarge("the response is too large for this machine".into())
                })?;
                if buf.len() < total {
                    return Ok(None);
                }
                pos = total;
            }
        }
    }
}

fn too_long_line(limits: &Limits) -> ResponseError {
    ResponseError::TooLarge(format!(
        "the server sent a line longer than {} bytes",
        limits.max_line
    ))
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A line ending in `{N}` (or `{N+}`, RFC 7888) announces N bytes.
fn literal_size(line: &[u8]) -> Result<Option<u64>, ResponseError> {
    let Some(inner) = line.strip_suffix(b"}") else {
        return Ok(None);
    };
    let Some(open) = inner.iter().rposition(|&b| b == b'{') else {
        return Ok(None);
    };
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Ok(None);
    }
    if digits.len() > 19 {
        return Err(ResponseError::TooLarge(format!(
            "the server announced a literal of {} bytes",
            String::from_utf8_lossy(digits)
        )));
    }
    // At most 19 digits: fits in u64.
    let mut n: u64 = 0;
    for d in digits {
        n = n.saturating_mul(10).saturating_add(u64::from(d - b'0'));
    }
    Ok(Some(n))
}

/// One value inside a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// An atom: `\Seen`, `FLAGS`, `BODY[]<0>`, `BODY[HEADER.FIELDS (TO)]`.
    Atom(String),
    /// A number that fits in 64 bits.
    Number(u64),
    /// A quoted string or a literal, CRs removed (Allegro drops every CR).
    Text(String),
    /// `NIL`.
    Nil,
    /// A parenthesised list.
    List(Vec<Item>),
}

/// The status of a status response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Ok,
    No,
    Bad,
    Bye,
    Preauth,
}

impl Status {
    fn from_atom(a: &str) -> Option<Status> {
        Some(match a.to_ascii_uppercase().as_str() {
            "OK" => Status::Ok,
            "NO" => Status::No,
            "BAD" => Status::Bad,
            "BYE" => Status::Bye,
            "PREAUTH" => Status::Preauth,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Status::Ok => "OK",
            Status::No => "NO",
            Status::Bad => "BAD",
            Status::Bye => "BYE",
            Status::Preauth => "PREAUTH",
        }
    }
}

/// One whole response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `+ text`: the server waits for more of the command.
    Continuation(String),
    /// `TAG OK …`, `* NO …`, `* BYE …`: `tag` is `None` when untagged;
    /// `code` is the text inside `[…]` (RFC 3501 §7.1).
    Status {
        tag: Option<String>,
        status: Status,
        code: Option<String>,
        text: String,
    },
    /// Untagged data: `* 3 EXISTS`, `* 1 FETCH (…)`, `* LIST …`, `* SEARCH 1 2`.
    Data {
        number: Option<u64>,
        name: String,
        items: Vec<Item>,
    },
}

/// Parse one frame (as found by [`frame`]).
pub fn parse(frame: &[u8], limits: &Limits) -> Result<Response, ResponseError> {
    let mut p = Parser {
        s: frame,
        pos: 0,
        limits,
    };
    if let Some(rest) = frame.strip_prefix(b"+") {
        let text = text_of(strip_line_end(rest));
        return Ok(Response::Continuation(text.trim_start().to_string()));
    }
    let tag = p
        .word()
        .ok_or_else(|| malformed("an empty response line"))?;
    let tagged = tag != "*";
    p.space()?;
    let first = p
        .word()
        .ok_or_else(|| malformed("a response without a status or data name"))?;
    if let Some(status) = Status::from_atom(&first) {
        let (code, text) = p.code_and_text()?;
        return Ok(Response::Status {
            tag: tagged.then_some(tag),
            status,
            code,
            text,
        });
    }
    if tagged {
        return Err(malformed(&format!(
            "tagged response {tag} {first} is neither OK, NO nor BAD"
        )));
    }
    let (number, name) = match parse_number(&first) {
        Some(n) => {
            p.space()?;
            let name = p
                .word()
                .ok_or_else(|| malformed("a number without a data name"))?;
            (Some(n), name)
        }
        None => (None, first),
    };
    let items = p.items_to_end()?;
    Ok(Response::Data {
        number,
        name: name.to_ascii_uppercase(),
        items,
    })
}

/// Parse the items of a response code such as `PERMANENTFLAGS (\Seen \*)`.
pub fn parse_items(text: &str, limits: &Limits) -> Result<Vec<Item>, ResponseError> {
    let mut p = Parser {
        s: text.as_bytes(),
        pos: 0,
        limits,
    };
    p.items_to_end()
}

fn malformed(what: &str) -> ResponseError {
    ResponseError::Malformed(format!("malformed response from the server: {what}"))
}

fn parse_number(a: &str) -> Option<u64> {
    if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    a.parse().ok()
}

fn strip_line_end(s: &[u8]) -> &[u8] {
    let s = s.strip_suffix(b"\n").unwrap_or(s);
    s.strip_suffix(b"\r").unwrap_or(s)
}

/// Server text: UTF-8 when it is, else Latin-1 (every byte a character),
/// so no byte is lost or replaced; CRs removed as Allegro does.
pub fn text_of(bytes: &[u8]) -> String {
    let s = match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    };
    if s.contains('\r') {
        s.replace('\r', "")
    } else {
        s
    }
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    limits: &'a Limits,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        matches!(self.peek(), None | Some(b'\r') | Some(b'\n'))
    }

    fn space(&mut self) -> Result<(), ResponseError> {
        if self.peek() == Some(b' ') {
            self.pos += 1;
            Ok(())
        } else if self.at_end() {
            Err(malformed("the line ends too early"))
        } else {
            Err(malformed("a space was expected"))
        }
    }

    /// Up to the next space or line end.
    fn word(&mut self) -> Option<String> {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if matches!(b, b' ' | b'\r' | b'\n') {
                break;
            }
            self.pos += 1;
        }
        (self.pos > start).then(|| text_of(&self.s[start..self.pos]))
    }

    /// ` [CODE] text` after a status.
    fn code_and_text(&mut self) -> Result<(Option<String>, String), ResponseError> {
        if self.peek() == Some(b' ') {
            self.pos += 1;
        }
        let mut code = None;
        if self.peek() == Some(b'[') {
            let rest = &self.s[self.pos + 1..];
            let close = rest
                .iter()
                .position(|&b| b == b']' || b == b'\n')
                .filter(|&i| rest[i] == b']')
                .ok_or_else(|| malformed("a response code without its closing ]"))?;
            code = Some(text_of(&rest[..close]));
            self.pos += close + 2;
            if self.peek() == Some(b' ') {
                self.pos += 1;
            }
        }
        let start = self.pos;
        let end = self.s[start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.s.len(), |i| start + i);
        let text = text_of(strip_line_end(&self.s[start..end]));
        Ok((code, text))
    }

    fn items_to_end(&mut self) -> Result<Vec<Item>, ResponseError> {
        let mut items = Vec::new();
        loop {
            while self.peek() == Some(b' ') {
                self.pos += 1;
            }
            if self.at_end() {
                if self.pos < self.s.len()
                    && self.s[self.pos..] != *b"\r\n"
                    && self.s[self.pos..] != *b"\n"
                {
                    return Err(malformed("data after the end of the line"));
                }
                return Ok(items);
            }
            if self.peek() == Some(b')') {
                return Err(malformed("unbalanced parentheses: a ) without its ("));
            }
            items.push(self.item(0)?);
        }
    }

    fn item(&mut self, depth: usize) -> Result<Item, ResponseError> {
        match self.peek() {
            Some(b'(') => {
                if depth >= self.limits.max_depth {
                    return Err(ResponseError::TooLarge(format!(
                        "the server's response nests lists deeper than {}",
                        self.limits.max_depth
                    )));
                }
                self.pos += 1;
                let mut list = Vec::new();
                loop {
                    while self.peek() == Some(b' ') {
                        self.pos += 1;
                    }
                    match self.peek() {
                        Some(b')') => {
                            self.pos += 1;
                            return Ok(Item::List(list));
                        }
                        None | Some(b'\r') | Some(b'\n') => {
                            return Err(malformed("unbalanced parentheses: a ( without its )"))
                        }
                        _ => list.push(self.item(depth + 1)?),
                    }
                }
            }
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal(),
            _ => self.atom(),
        }
    }

    fn quoted(&mut self) -> Result<Item, ResponseError> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') => {
                    return Err(malformed("a quoted string without its closing quote"))
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Item::Text(text_of(&out)));
                }
                Some(b'\\') => {
                    let next = self.s.get(self.pos + 1).copied();
                    match next {
                        Some(c @ (b'"' | b'\\')) => out.push(c),
                        _ => return Err(malformed("a bad escape in a quoted string")),
                    }
                    self.pos += 2;
                }
                Some(b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }

    fn literal(&mut self) -> Result<Item, ResponseError> {
        let rest = &self.s[self.pos..];
        let close = rest
            .iter()
            .position(|&b| b == b'}')
            .ok_or_else(|| malformed("a { without its }"))?;
        let size = literal_size(&rest[..=close])?
            .ok_or_else(|| malformed("a literal size that is not a number"))?;
        let mut after = self.pos + close + 1;
        match (self.s.get(after), self.s.get(after + 1)) {
            (Some(b'\r'), Some(b'\n')) => after += 2,
            (Some(b'\n'), _) => after += 1,
            _ => return Err(malformed("a literal size not at the end of its line")),
        }
        let end = usize::try_from(size)
            .ok()
            .and_then(|n| after.checked_add(n))
            .filter(|&e| e <= self.s.len())
            .ok_or_else(|| malformed("a literal shorter than announced"))?;
        self.pos = end;
        Ok(Item::Text(text_of(&self.s[after..end])))
    }

    /// An atom; a `[` opens a section read to its `]` with spaces and
    /// parentheses inside (`BODY[HEADER.FIELDS (SUBJECT)]<0>`).
    fn atom(&mut self) -> Result<Item, ResponseError> {
        let start = self.pos;
        let mut brackets = 0usize;
        while let Some(b) = self.peek() {
            match b {
                b'\r' | b'\n' => break,
                b'[' => brackets += 1,
                b']' if brackets > 0 => brackets -= 1,
                b' ' | b'(' | b')' | b'"' | b'{' if brackets == 0 => break,
                _ => {}
            }
            self.pos += 1;
        }
        if brackets > 0 {
            return Err(malformed("a [ without its ]"));
        }
        if self.pos == start {
            return Err(malformed("an unexpected character"));
        }
        let text = text_of(&self.s[start..self.pos]);
        if text.eq_ignore_ascii_case("NIL") {
            return Ok(Item::Nil);
        }
        Ok(match parse_number(&text) {
            Some(n) => Item::Number(n),
            None => Item::Atom(text),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(bytes: &[u8]) -> Result<Response, ResponseError> {
        let l = Limits::default();
        let n = frame(bytes, &l)?.expect("a whole response");
        assert_eq!(n, bytes.len(), "the frame is the whole input");
        parse(&bytes[..n], &l)
    }

    #[test]
    fn greeting_and_tagged_status() {
        assert_eq!(
            one(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n").unwrap(),
            Response::Status {
                tag: None,
                status: Status::Ok,
                code: Some("CAPABILITY IMAP4rev1 STARTTLS".into()),
                text: "Dovecot ready.".into()
            }
        );
        assert_eq!(
            one(b"t01 NO [NONEXISTENT] Mailbox doesn't exist: my\r\n").unwrap(),
            Response::Status {
                tag: Some("t01".into()),
                status: Status::No,
                code: Some("NONEXISTENT".into()),
                text: "Mailbox doesn't exist: my".into()
            }
        );
    }

    #[test]
    fn fetch_with_literal_envelope_and_sections() {
        let r = one(b"* 2 FETCH (FLAGS (\\Seen) UID 2 ENVELOPE (\"Thu, 1 Jan 2026\" \"=?utf-8?q?caf=C3=A9?=\" ((\"Al\" NIL \"alice\" \"example.org\")) NIL NIL NIL NIL NIL NIL \"<1@x>\") BODY[1] {6}\r\nab\r\ncd BODY[HEADER.FIELDS (SUBJECT)] \"x\")\r\n").unwrap();
        let Response::Data {
            number,
            name,
            items,
        } = r
        else {
            panic!("data expected")
        };
        assert_eq!((number, name.as_str()), (Some(2), "FETCH"));
        let Item::List(l) = &items[0] else { panic!() };
        assert_eq!(l[0], Item::Atom("FLAGS".into()));
        assert_eq!(l[1], Item::List(vec![Item::Atom("\\Seen".into())]));
        assert_eq!(l[3], Item::Number(2));
        assert_eq!(l[6], Item::Atom("BODY[1]".into()));
        assert_eq!(l[7], Item::Text("ab\ncd".into()), "CRs removed");
        assert_eq!(l[8], Item::Atom("BODY[HEADER.FIELDS (SUBJECT)]".into()));
        let Item::List(env) = &l[5] else { panic!() };
        assert_eq!(env[1], Item::Text("=?utf-8?q?caf=C3=A9?=".into()));
        assert_eq!(env[4], Item::Nil);
    }

    #[test]
    fn frame_waits_for_the_literal_and_the_rest_of_the_line() {
        let l = Limits::default();
        let whole = b"* 1 FETCH (BODY[] {5}\r\nhello)\r\n* 2 EXISTS\r\n";
        for cut in 0..31 {
            assert_eq!(frame(&whole[..cut], &l).unwrap(), None, "cut at {cut}");
        }
        assert_eq!(frame(whole, &l).unwrap(), Some(31));
        assert_eq!(frame(&whole[31..], &l).unwrap(), Some(12));
    }

    #[test]
    fn a_huge_literal_is_refused_before_it_arrives() {
        let l = Limits::default();
        let e = frame(b"* 1 FETCH (BODY[] {2147483648}\r\n", &l).unwrap_err();
        assert!(matches!(e, ResponseError::TooLarge(_)), "{e}");
        let e = frame(b"* 1 FETCH (BODY[] {99999999999999999999999}\r\n", &l).unwrap_err();
        assert!(matches!(e, ResponseError::TooLarge(_)), "{e}");
    }

    #[test]
    fn an_endless_line_is_refused() {
        let l = Limits {
            max_line: 100,
            ..Limits::default()
        };
        assert_eq!(frame(&[b'x'; 100], &l).unwrap(), None);
        assert!(matches!(
            frame(&[b'x'; 101], &l),
            Err(ResponseError::TooLarge(_))
        ));
        let mut long = vec![b'x'; 200];
        long.push(b'\n');
        assert!(matches!(frame(&long, &l), Err(ResponseError::TooLarge(_))));
    }

    #[test]
    fn the_whole_response_is_bounded_across_literals() {
        let l = Limits {
            max_literal: 10,
            max_response: 30,
            ..Limits::default()
        };
        let r = b"* 1 FETCH (A {10}\r\n0123456789 B {10}\r\n0123456789)\r\n";
        assert!(matches!(frame(r, &l), Err(ResponseError::TooLarge(_))));
    }

    #[test]
    fn hostile_shapes_are_errors_not_panics() {
        for bad in [
            &b"* 1 FETCH (FLAGS (\\Seen)\r\n"[..],
            b"* 1 FETCH FLAGS \\Seen))\r\n",
            b"* LIST (\\Noselect) \"/ \"\"\r\n",
            b"* OK [UIDVALIDITY 3 no close\r\n",
            b"t01 MAYBE done\r\n",
            b"* 1 FETCH (BODY[1 x)\r\n",
            b"\r\n",
            b"*\r\n",
            b"* 1\r\n",
            b"* X \"a\\q\"\r\n",
        ] {
            let l = Limits::default();
            let n = frame(bad, &l).unwrap().unwrap();
            assert!(
                parse(&bad[..n], &l).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn a_literal_that_lies_short_is_caught_by_the_parser() {
        // The frame is whole by its own account; the parser is handed less.
        let l = Limits::default();
        assert!(parse(b"* 1 FETCH (BODY[] {50}\r\nshort)\r\n", &l).is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let l = Limits {
            max_depth: 8,
            ..Limits::default()
        };
        let mut s = b"* X ".to_vec();
        s.extend(std::iter::repeat_n(b'(', 9));
        s.extend(std::iter::repeat_n(b')', 9));
        s.extend_from_slice(b"\r\n");
        assert!(matches!(parse(&s, &l), Err(ResponseError::TooLarge(_))));
        let mut deep = b"* X ".to_vec();
        deep.extend(std::iter::repeat_n(b'(', 100_000));
        deep.extend_from_slice(b"\r\n");
        assert!(parse(&deep, &Limits::default()).is_err());
    }

    #[test]
    fn latin1_bytes_survive() {
        let Response::Data { items, .. } = one(b"* X \"caf\xe9\"\r\n").unwrap() else {
            panic!()
        };
        assert_eq!(items, vec![Item::Text("caf\u{e9}".into())]);
    }

    #[test]
    fn continuation_and_search() {
        assert_eq!(
            one(b"+ go ahead\r\n").unwrap(),
            Response::Continuation("go ahead".into())
        );
        assert_eq!(
            one(b"* SEARCH 1 2 30\r\n").unwrap(),
            Response::Data {
                number: None,
                name: "SEARCH".into(),
                items: vec![Item::Number(1), Item::Number(2), Item::Number(30)]
            }
        );
    }
}

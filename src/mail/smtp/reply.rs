//! SMTP replies (RFC 5321 §4.2): parsing from buffered bytes, sans I/O.

use std::fmt;

/// Largest reply we accept; a longer one is an error, not unbounded memory.
pub const MAX_REPLY_LEN: usize = 64 * 1024;

/// Most characters of a malformed line quoted in [`ReplyError::Malformed`]:
/// enough to recognise it, without a 64 KiB error message.
const QUOTE_LEN: usize = 100;

/// One complete (possibly multi-line) reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl Reply {
    /// A reply with `code` and the text of each line (after `NNN-`/`NNN `).
    pub fn new(code: u16, lines: Vec<String>) -> Self {
        Reply { code, lines }
    }

    /// The three-digit code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The text of each line, without the code and separator.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// 2yz: positive completion.
    pub fn is_positive(&self) -> bool {
        (200..300).contains(&self.code)
    }

    /// 3yz: positive intermediate (354 to DATA, 334 in AUTH).
    pub fn is_intermediate(&self) -> bool {
        (300..400).contains(&self.code)
    }

    /// 4yz: transient failure.
    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// The enhanced status code (RFC 3463) at the start of the first line,
    /// e.g. `5.1.1`.
    pub fn enhanced_status(&self) -> Option<&str> {
        let first = self.lines.first()?;
        let word = first.split(' ').next()?;
        let mut parts = word.split('.');
        let class = parts.next()?;
        let ok = matches!(class, "2" | "4" | "5")
            && parts
                .by_ref()
                .take(2)
                .filter(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
                .count()
                == 2
            && parts.next().is_none();
        ok.then_some(word)
    }
}

/// The reply as the server sent it: `250-first` ... `250 last`, lines
/// joined with LF, no final line end.
impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            let sep = if i == last { ' ' } else { '-' };
            // Zero-padded: a (non-conforming) "050" reply is quoted as sent.
            if line.is_empty() && i == last {
                write!(f, "{:03}", self.code)?;
            } else {
                write!(f, "{:03}{}{}", self.code, sep, line)?;
            }
        }
        Ok(())
    }
}

/// Why bytes could not be parsed as a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// A line that does not start with three digits, or a continuation
    /// line with another code. Holds the start of the line.
    Malformed(String),
    /// More than [`MAX_REPLY_LEN`] bytes without the end of the reply.
    TooLong,
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplyError::Malformed(line) => write!(f, "malformed reply line {line:?}"),
            ReplyError::TooLong => write!(f, "reply longer than {MAX_REPLY_LEN} bytes"),
        }
    }
}

/// Parse one reply from the start of `buf`. `Ok(None)` means more bytes are
/// needed; `Ok(Some((reply, n)))` means the reply used the first `n` bytes.
///
/// Lines end with CRLF or a bare LF. `NNN-text` continues, `NNN text` or a
/// bare `NNN` ends the reply (RFC 5321 §4.2.1).
pub fn parse_reply(buf: &[u8]) -> Result<Option<(Reply, usize)>, ReplyError> {
    let mut pos = 0;
    let mut code = None;
    let mut lines = Vec::new();
    loop {
        let Some(nl) = buf[pos..].iter().position(|&b| b == b'\n') else {
            if buf.len() > MAX_REPLY_LEN {
                return Err(ReplyError::TooLong);
            }
            return Ok(None);
        };
        let end = pos + nl;
        if end + 1 > MAX_REPLY_LEN {
            return Err(ReplyError::TooLong);
        }
        let mut line = &buf[pos..end];
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        let (this_code, last, rest) = split_line(line).ok_or_else(|| malformed(line))?;
        match code {
            None => code = Some(this_code),
            Some(c) if c != this_code => return Err(malformed(line)),
            Some(_) => {}
        }
        lines.push(String::from_utf8_lossy(rest).into_owned());
        pos = end + 1;
        if last {
            let code = code.unwrap_or(this_code);
            return Ok(Some((Reply::new(code, lines), pos)));
        }
    }
}

fn malformed(line: &[u8]) -> ReplyError {
    let text = String::from_utf8_lossy(line);
    let mut quoted: String = text.chars().take(QUOTE_LEN).collect();
    if quoted.len() < text.len() {
        quoted.push_str("...");
    }
    ReplyError::Malformed(quoted)
}

/// `NNN-rest` → (NNN, false, rest); `NNN rest` or `NNN` → (NNN, true, rest).
fn split_line(line: &[u8]) -> Option<(u16, bool, &[u8])> {
    let digits = line.get(..3)?;
    if !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    match line.get(3) {
        None => Some((code, true, &[])),
        Some(b' ') => Some((code, true, &line[4..])),
        Some(b'-') => Some((code, false, &line[4..])),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(s: &str) -> Reply {
        let (r, n) = parse_reply(s.as_bytes()).unwrap().unwrap();
        assert_eq!(n, s.len());
        r
    }

    #[test]
    fn single_line() {
        let r = one("250 OK\r\n");
        assert_eq!(r.code(), 250);
        assert_eq!(r.lines(), ["OK"]);
        assert_eq!(r.to_string(), "250 OK");
    }

    #[test]
    fn multi_line_with_bare_lf_and_bare_final_code() {
        let r = one("250-mx.example\n250-PIPELINING\r\n250\r\n");
        assert_eq!(r.lines(), ["mx.example", "PIPELINING", ""]);
        assert_eq!(r.to_string(), "250-mx.example\n250-PIPELINING\n250");
    }

    #[test]
    fn incomplete_needs_more() {
        assert_eq!(parse_reply(b"250-a\r\n250 b"), Ok(None));
        assert_eq!(parse_reply(b""), Ok(None));
    }

    #[test]
    fn leaves_following_bytes() {
        let (r, n) = parse_reply(b"220 go\r\nEVIL\r\n").unwrap().unwrap();
        assert_eq!(r.code(), 220);
        assert_eq!(n, 8);
    }

    #[test]
    fn malformed_lines() {
        assert!(matches!(
            parse_reply(b"hello\r\n"),
            Err(ReplyError::Malformed(_))
        ));
        assert!(matches!(
            parse_reply(b"250xOK\r\n"),
            Err(ReplyError::Malformed(_))
        ));
        assert!(matches!(
            parse_reply(b"250-a\r\n251 b\r\n"),
            Err(ReplyError::Malformed(_))
        ));
    }

    #[test]
    fn codes_below_100_print_with_three_digits() {
        // Found by fuzz/fuzz_targets/reply_parser.rs: "050" printed as "50".
        assert_eq!(one("050 odd\r\n").to_string(), "050 odd");
        assert_eq!(one("007\r\n").to_string(), "007");
    }

    #[test]
    fn malformed_line_quoted_briefly() {
        let mut line = b"junk ".to_vec();
        line.resize(50_000, b'j');
        line.extend_from_slice(b"\r\n");
        let Err(ReplyError::Malformed(q)) = parse_reply(&line) else {
            panic!("not malformed")
        };
        assert_eq!(q, format!("junk {}...", "j".repeat(QUOTE_LEN - 5)));
    }

    #[test]
    fn too_long_is_an_error_before_the_line_ends() {
        let mut big = b"250 ".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_REPLY_LEN + 10));
        assert_eq!(parse_reply(&big), Err(ReplyError::TooLong));
    }

    #[test]
    fn long_line_within_limit() {
        let s = format!("250 {}\r\n", "y".repeat(2500));
        assert_eq!(one(&s).lines()[0].len(), 2500);
    }

    #[test]
    fn enhanced_status() {
        assert_eq!(
            one("550 5.1.1 no such user\r\n").enhanced_status(),
            Some("5.1.1")
        );
        assert_eq!(one("250 OK\r\n").enhanced_status(), None);
        assert_eq!(one("250 2.0.0\r\n").enhanced_status(), Some("2.0.0"));
        assert_eq!(one("550 5.1\r\n").enhanced_status(), None);
    }
}

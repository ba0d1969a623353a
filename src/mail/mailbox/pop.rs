//! The POP3 dialogue (RFC 1939, STLS from RFC 2595) as Allegro's imap.cl
//! speaks it: `user`/`pass`, `stat`, `RETR`, `TOP`, `UIDL`, `DELE`, `RSET`,
//! `QUIT`. Socket-free: it runs over any [`Channel`].
//!
//! A status line is bounded ([`MAX_STATUS_LINE`]), a multi-line answer
//! by the caller's limit (`:response-too-large`, Allegro's
//! `array-total-size-limit`); dot-unstuffing and CR removal as Allegro.

use super::channel::{self, Channel};
use super::error::{redact, Identifier, PoError};
use super::response::text_of;

/// RFC 2449 §4 allows 512 octets; servers add text: allow more, not endless.
pub const MAX_STATUS_LINE: usize = 64 * 1024;

/// The default limit of one multi-line answer (a letter).
pub const DEFAULT_MAX_ANSWER: usize = 256 << 20;

pub struct PopSession<C: Channel> {
    chan: C,
    rbuf: Vec<u8>,
    max_answer: usize,
    pub message_count: u64,
    trace: Option<Vec<String>>,
    secrets: Vec<String>,
    closed: bool,
}

impl<C: Channel> PopSession<C> {
    /// Read the greeting, which must be `+OK`.
    pub fn open(chan: C, max_answer: usize, tracing: bool) -> Result<Self, PoError> {
        let mut s = PopSession {
            chan,
            rbuf: Vec::new(),
            max_answer,
            message_count: 0,
            trace: tracing.then(Vec::new),
            secrets: Vec::new(),
            closed: false,
        };
        s.chan.arm("the server's greeting");
        let line = s.read_line("the server's greeting")?;
        if !line.starts_with("+OK") {
            return Err(PoError::new(
                Identifier::ErrorResponse,
                "the server's greeting is not +OK",
            )
            .with_server(line));
        }
        Ok(s)
    }

    pub fn take_trace(&mut self) -> Vec<String> {
        self.trace.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn note_trace(&mut self, line: String) {
        if let Some(t) = self.trace.as_mut() {
            t.push(redact(&line, &self.secrets));
        }
    }

    fn read_line(&mut self, what: &str) -> Result<String, PoError> {
        loop {
            if let Some(lf) = self.rbuf.iter().position(|&b| b == b'\n') {
                let raw: Vec<u8> = self.rbuf.drain(..=lf).collect();
                let line = text_of(&raw[..lf]);
                self.note_trace(format!("from server: {line}"));
                return Ok(line);
            }
            if self.rbuf.len() > MAX_STATUS_LINE {
                self.closed = true;
                return Err(PoError::new(
                    Identifier::ResponseTooLarge,
                    format!("the server sent a line longer than {MAX_STATUS_LINE} bytes"),
                ));
            }
            channel::fill(&mut self.chan, &mut self.rbuf, what)
                .inspect_err(|_| self.closed = true)?;
        }
    }

    /// Send one command, read its status line: the text after `+OK`, or
    /// `:error-response` with the server's text after `-ERR`.
    pub fn command(&mut self, text: &str) -> Result<String, PoError> {
        if self.closed {
            return Err(PoError::new(
                Identifier::ServerShutdownConnection,
                "the connection is closed",
            ));
        }
        if text.contains(['\r', '\n', '\0']) {
            return Err(PoError::new(
                Identifier::SyntaxError,
                "a POP argument contains a line break or NUL",
            ));
        }
        self.note_trace(text.to_string());
        let verb = text.split(' ').next().unwrap_or("").to_string();
        let what = format!("the reply to {verb}");
        channel::send(&mut self.chan, format!("{text}\r\n").as_bytes(), &what)
            .inspect_err(|_| self.closed = true)?;
        self.chan.arm(&what);
        let line = self.read_line(&what)?;
        // Allegro compares "+OK" case-sensitively.
        match line.strip_prefix("+OK") {
            Some(rest) => Ok(rest.trim_start().to_string()),
            None => Err(PoError::new(
                Identifier::ErrorResponse,
                format!("pop {} failed", verb.to_ascii_lowercase()),
            )
            .with_server(redact(
                line.trim_start_matches("-ERR").trim(),
                &self.secrets,
            ))),
        }
    }

    /// The body of a multi-line answer: up to `.` alone on a line, `..`
    /// unstuffed, every CR dropped, lines ended by `\n`.
    fn multi_line(&mut self, what: &str) -> Result<String, PoError> {
        let mut out: Vec<u8> = Vec::new();
        let mut scanned = 0usize;
        loop {
            while let Some(off) = self.rbuf[scanned..].iter().position(|&b| b == b'\n') {
                let lf = scanned + off;
                let mut line = &self.rbuf[..lf];
                line = line.strip_suffix(b"\r").unwrap_or(line);
                if line == b"." {
                    self.rbuf.drain(..=lf);
                    return Ok(text_of(&out));
                }
                let line = line.strip_prefix(b".").unwrap_or(line);
                if out.len() + line.len() + 1 > self.max_answer {
                    self.closed = true;
                    return Err(PoError::new(
                        Identifier::ResponseTooLarge,
                        format!(
                            "the server's answer is larger than the limit of {} bytes",
                            self.max_answer
                        ),
                    ));
                }
                out.extend(line.iter().filter(|&&b| b != b'\r'));
                out.push(b'\n');
                self.rbuf.drain(..=lf);
                scanned = 0;
            }
            scanned = self.rbuf.len();
            if self.rbuf.len() > self.max_answer {
                self.closed = true;
                return Err(PoError::new(
                    Identifier::ResponseTooLarge,
                    format!(
                        "the server sent a line longer than the limit of {} bytes",
                        self.max_answer
                    ),
                ));
            }
            channel::fill(&mut self.chan, &mut self.rbuf, what)
                .inspect_err(|_| self.closed = true)?;
        }
    }

    /// A command with a multi-line answer.
    pub fn command_multi(&mut self, text: &str) -> Result<String, PoError> {
        self.command(text)?;
        let what = format!(
            "the rest of the reply to {}",
            text.split(' ').next().unwrap_or("")
        );
        self.multi_line(&what)
    }

    /// STLS (RFC 2595 §4), only when CAPA offers it.
    pub fn stls(&mut self) -> Result<(), PoError> {
        let caps = match self.command_multi("CAPA") {
            Ok(c) => c,
            Err(e) if e.identifier == Identifier::ErrorResponse => String::new(),
            Err(e) => return Err(e),
        };
        if !caps.lines().any(|l| l.trim().eq_ignore_ascii_case("STLS")) {
            return Err(channel::tls_not_offered("STLS"));
        }
        self.command("STLS")?;
        channel::upgrade_after_ok(&mut self.chan, &self.rbuf, &mut self.closed, "STLS", "+OK")
    }

    /// `user U`, `pass P`, then `stat`.
    pub fn login(
        &mut self,
        user: &str,
        password: &str,
        host: &str,
        allow_insecure: bool,
    ) -> Result<(), PoError> {
        channel::check_login_allowed(&self.chan, host, allow_insecure)?;
        self.secrets.push(password.to_string());
        self.command(&format!("user {user}"))?;
        self.command(&format!("pass {password}"))?;
        self.stat()?;
        Ok(())
    }

    /// `stat`: sets and returns the message count.
    pub fn stat(&mut self) -> Result<u64, PoError> {
        let text = self.command("stat")?;
        let n = text
            .split_whitespace()
            .next()
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| {
                PoError::new(Identifier::Unexpected, "a STAT reply without a count")
                    .with_server(text.clone())
            })?;
        self.message_count = n;
        Ok(n)
    }

    /// `UIDL n`: the id.
    pub fn uidl_one(&mut self, n: u64) -> Result<String, PoError> {
        let text = self.command(&format!("UIDL {n}"))?;
        let mut words = text.split_whitespace();
        match (words.next(), words.next()) {
            (Some(_), Some(id)) => Ok(id.to_string()),
            _ => Err(
                PoError::new(Identifier::Unexpected, "a malformed UIDL reply").with_server(text),
            ),
        }
    }

    /// `UIDL`: `(message number, id)` for each message.
    pub fn uidl_all(&mut self) -> Result<Vec<(u64, String)>, PoError> {
        let body = self.command_multi("UIDL")?;
        let mut out = Vec::new();
        for line in body.lines() {
            let mut w = line.split_whitespace();
            match (w.next().and_then(|n| n.parse().ok()), w.next()) {
                (Some(n), Some(id)) => out.push((n, id.to_string())),
                _ => {
                    return Err(
                        PoError::new(Identifier::Unexpected, "a malformed UIDL line")
                            .with_server(line),
                    )
                }
            }
        }
        Ok(out)
    }

    /// `QUIT`, errors ignored.
    pub fn quit(&mut self) {
        if !self.closed {
            let _ = self.command("QUIT");
        }
        self.closed = true;
    }
}

#[cfg(test)]
mod tests {
    use super::super::channel::script::Scripted;
    use super::*;

    fn session(server: &str) -> PopSession<Scripted> {
        PopSession::open(Scripted::new(server), 1 << 20, true).unwrap()
    }

    #[test]
    fn login_stat_retr_unstuffs_and_drops_crs() {
        let mut s = session(
            "+OK Dovecot ready.\r\n+OK\r\n+OK Logged in.\r\n+OK 2 599\r\n\
             +OK 24 octets\r\nSubject: x\r\n\r\n..dot line\r\nend\r\n.\r\n",
        );
        s.login("me", "secret", "127.0.0.1", false).unwrap();
        assert_eq!(s.message_count, 2);
        assert_eq!(
            s.command_multi("RETR 2").unwrap(),
            "Subject: x\n\n.dot line\nend\n"
        );
        assert_eq!(
            s.chan.written_text(),
            "user me\r\npass secret\r\nstat\r\nRETR 2\r\n"
        );
        let trace = s.take_trace().join("\n");
        assert!(
            trace.contains("pass <redacted>") && !trace.contains("secret"),
            "{trace}"
        );
    }

    #[test]
    fn err_is_an_error_response_with_the_server_text() {
        let mut s = session("+OK hi\r\n-ERR Message is deleted.\r\n");
        let e = s.command_multi("RETR 1").unwrap_err();
        assert_eq!(e.identifier, Identifier::ErrorResponse);
        assert_eq!(e.server_string, "Message is deleted.");
    }

    #[test]
    fn a_bad_greeting_is_refused() {
        let e = PopSession::open(Scripted::new("-ERR go away\r\n"), 1024, false)
            .err()
            .unwrap();
        assert_eq!(e.identifier, Identifier::ErrorResponse);
    }

    #[test]
    fn uidl_both_forms() {
        let mut s = session("+OK\r\n+OK 1 000000016b11127b\r\n+OK\r\n1 a\r\n2 0042\r\n.\r\n");
        assert_eq!(s.uidl_one(1).unwrap(), "000000016b11127b");
        assert_eq!(
            s.uidl_all().unwrap(),
            [(1, "a".to_string()), (2, "0042".to_string())]
        );
        let mut s = session("+OK\r\n+OK\r\nnot a line\r\n.\r\n");
        assert_eq!(s.uidl_all().unwrap_err().identifier, Identifier::Unexpected);
    }

    #[test]
    fn endless_answers_and_lines_are_bounded() {
        let mut big = String::from("+OK\r\n+OK\r\n");
        for _ in 0..2000 {
            big.push_str("0123456789\r\n");
        }
        let mut s = PopSession::open(Scripted::new(&big), 1000, false).unwrap();
        assert_eq!(
            s.command_multi("RETR 1").unwrap_err().identifier,
            Identifier::ResponseTooLarge
        );
        let mut s = PopSession::open(Scripted::new("+OK\r\n+OK\r\n"), 1000, false).unwrap();
        s.chan.input.extend(std::iter::repeat_n(b'x', 5000));
        assert_eq!(
            s.command_multi("RETR 1").unwrap_err().identifier,
            Identifier::ResponseTooLarge
        );
        let mut s = session("+OK\r\n");
        s.chan
            .input
            .extend(std::iter::repeat_n(b'x', MAX_STATUS_LINE + 10));
        assert_eq!(
            s.stat().unwrap_err().identifier,
            Identifier::ResponseTooLarge
        );
    }

    #[test]
    fn a_stall_mid_answer_is_a_timeout() {
        let mut chan = Scripted::new("+OK\r\n+OK\r\nline one\r\nline");
        chan.stall_after = Some(20);
        let mut s = PopSession::open(chan, 1024, false).unwrap();
        assert_eq!(
            s.command_multi("RETR 1").unwrap_err().identifier,
            Identifier::Timeout
        );
    }

    #[test]
    fn stls_must_be_offered_and_clean() {
        let mut s = session("+OK\r\n+OK\r\nUSER\r\nUIDL\r\n.\r\n");
        assert_eq!(s.stls().unwrap_err().identifier, Identifier::TlsFailed);
        assert!(!s.chan.tls);
        let mut s = session("+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK Begin TLS\r\n");
        s.stls().unwrap();
        assert!(s.chan.tls);
        let mut s = session("+OK\r\n+OK\r\nSTLS\r\n.\r\n+OK Begin TLS\r\n+OK injected\r\n");
        assert_eq!(s.stls().unwrap_err().identifier, Identifier::TlsFailed);
    }

    #[test]
    fn clear_text_password_to_a_remote_host_is_refused() {
        let mut s = session("+OK\r\n");
        s.chan.peer = Some("192.0.2.7".parse().unwrap());
        assert_eq!(
            s.login("me", "pw", "pop.example", false)
                .unwrap_err()
                .identifier,
            Identifier::InsecureLogin
        );
        assert!(s.chan.written.is_empty());
    }
}

//! The IMAP dialogue (RFC 3501) as Allegro's imap.cl speaks it: lower-case
//! verbs, tags `t01`…`t07` in a cycle, `login`, `list "" ""` for the
//! separator. Socket-free: it runs over any [`Channel`]. Untagged replies
//! update [`MailboxState`] as they arrive; those Allegro signals as
//! conditions (`:problem`, `:unknown-ok`, `:unknown-untagged`) are kept as
//! [`Notice`]s for the Lisp layer to signal.
//!
//! Differences from imap.cl, for safety: mailbox names and credentials are
//! sent as quoted strings (Allegro sends them raw), a line break or NUL in
//! any argument is refused, STARTTLS that the server does not offer is an
//! error, and the password is not sent in clear to a host that is not
//! loopback unless the caller allows it.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::channel::{self, Channel};
use super::error::{redact, Identifier, PoError};
use super::response::{self, Item, Limits, Response, ResponseError, Status};

/// What the server told us about the selected mailbox (and the separator
/// from `list "" ""`). Allegro's defaults: 0, NIL, "".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailboxState {
    pub name: String,
    pub separator: Option<String>,
    pub message_count: u64,
    pub recent_messages: u64,
    pub flags: Vec<String>,
    pub permanent_flags: Vec<String>,
    pub uidvalidity: u64,
    pub uidnext: u64,
    pub first_unseen: u64,
}

/// An untagged reply Allegro signals as a (non-error) `po-condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub identifier: NoticeKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// `* NO …`
    Problem,
    /// `* OK [CODE …]` with a code we do not use.
    UnknownOk,
    /// Anything else unrequested.
    UnknownUntagged,
}

impl NoticeKind {
    pub fn keyword(self) -> &'static str {
        match self {
            NoticeKind::Problem => "PROBLEM",
            NoticeKind::UnknownOk => "UNKNOWN-OK",
            NoticeKind::UnknownUntagged => "UNKNOWN-UNTAGGED",
        }
    }
}

/// One entry of a `LIST` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListEntry {
    pub flags: Vec<String>,
    pub separator: Option<String>,
    pub name: String,
}

/// Allegro's tags: one process-wide cycle `t01`…`t07`.
fn next_tag() -> String {
    static TAG: AtomicUsize = AtomicUsize::new(0);
    let n = TAG.fetch_add(1, Ordering::Relaxed) % 7 + 1;
    format!("t{n:02}")
}

/// `s` as an IMAP quoted string (RFC 3501 §4.3); a line break or NUL
/// cannot be sent in one and is refused.
pub fn quote(s: &str, what: &str) -> Result<String, PoError> {
    if s.contains(['\r', '\n', '\0']) {
        return Err(PoError::new(
            Identifier::SyntaxError,
            format!("the {what} contains a line break or NUL, which IMAP cannot carry"),
        ));
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    Ok(out)
}

/// Refuse command text (message sets, search keys, fetch items) that
/// would end the command early and start another.
pub fn check_command_text(s: &str, what: &str) -> Result<(), PoError> {
    if s.contains(['\r', '\n', '\0']) {
        return Err(PoError::new(
            Identifier::SyntaxError,
            format!("the {what} contains a line break or NUL: {s:?}"),
        ));
    }
    Ok(())
}

/// One IMAP connection.
pub struct ImapSession<C: Channel> {
    chan: C,
    rbuf: Vec<u8>,
    limits: Limits,
    pub mailbox: MailboxState,
    pub notices: Vec<Notice>,
    trace: Option<Vec<String>>,
    secrets: Vec<String>,
    closed: bool,
}

impl<C: Channel> ImapSession<C> {
    /// Read the greeting (an untagged OK or PREAUTH).
    pub fn open(chan: C, limits: Limits, tracing: bool) -> Result<Self, PoError> {
        let mut s = ImapSession {
            chan,
            rbuf: Vec::new(),
            limits,
            mailbox: MailboxState::default(),
            notices: Vec::new(),
            trace: tracing.then(Vec::new),
            secrets: Vec::new(),
            closed: false,
        };
        s.chan.arm("the server's greeting");
        match s.read_response("the server's greeting")? {
            Response::Status {
                tag: None,
                status: Status::Ok | Status::Preauth,
                ..
            } => Ok(s),
            Response::Status {
                tag: None,
                status: Status::Bye,
                text,
                ..
            } => Err(PoError::new(
                Identifier::ServerShutdownConnection,
                "the server refused the connection",
            )
            .with_server(text)),
            other => Err(PoError::new(
                Identifier::ErrorResponse,
                "the server's greeting is not an untagged OK",
            )
            .with_server(describe(&other))),
        }
    }

    /// Trace lines gathered since the last call (`*debug-imap*`).
    pub fn take_trace(&mut self) -> Vec<String> {
        self.trace.as_mut().map(std::mem::take).unwrap_or_default()
    }

    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    pub fn is_tls(&self) -> bool {
        self.chan.is_tls()
    }

    pub fn is_closed(&self) -> bool {
        self.closed
    }

    fn note_trace(&mut self, line: String) {
        if let Some(t) = self.trace.as_mut() {
            t.push(redact(&line, &self.secrets));
        }
    }

    fn read_response(&mut self, what: &str) -> Result<Response, PoError> {
        loop {
            match response::frame(&self.rbuf, &self.limits) {
                Ok(Some(n)) => {
                    let frame: Vec<u8> = self.rbuf.drain(..n).collect();
                    if self.trace.is_some() {
                        self.note_trace(format!("from server: {}", trace_text(&frame)));
                    }
                    return response::parse(&frame, &self.limits)
                        .map_err(|e| self.response_error(e, &frame));
                }
                Ok(None) => {}
                Err(e) => {
                    self.rbuf.clear();
                    self.closed = true;
                    return Err(self.response_error(e, &[]));
                }
            }
            if let Err(e) = channel::fill(&mut self.chan, &mut self.rbuf, what) {
                self.closed = true;
                return Err(e);
            }
        }
    }

    fn response_error(&self, e: ResponseError, frame: &[u8]) -> PoError {
        let server = trace_text(frame);
        match e {
            ResponseError::TooLarge(m) => PoError::new(Identifier::ResponseTooLarge, m),
            ResponseError::Malformed(m) => PoError::new(Identifier::Unexpected, m),
        }
        .with_server(redact(&server, &self.secrets))
    }

    /// Send `TAG text` and read to the tagged reply; return the untagged
    /// data replies named in `wanted` (others update the state or become
    /// notices). A tagged NO/BAD is `:error-response` "imap VERB failed".
    pub fn command(&mut self, text: &str, wanted: &[&str]) -> Result<Vec<Response>, PoError> {
        if self.closed {
            return Err(PoError::new(
                Identifier::ServerShutdownConnection,
                "the connection is closed",
            ));
        }
        let tag = next_tag();
        let line = format!("{tag} {text}\r\n");
        self.note_trace(format!("{tag} {text}"));
        let verb = text.split(' ').next().unwrap_or("").to_string();
        let what = format!("the reply to {}", redact(&verb, &self.secrets));
        channel::send(&mut self.chan, line.as_bytes(), &what)
            .inspect_err(|_| self.closed = true)?;
        self.chan.arm(&what);
        let mut data = Vec::new();
        loop {
            let r = self.read_response(&what)?;
            match r {
                Response::Status {
                    tag: Some(t),
                    status,
                    text: server,
                    code,
                } => {
                    if t != tag {
                        return Err(PoError::new(
                            Identifier::ErrorResponse,
                            format!("received tag {t:?} out of order"),
                        )
                        .with_server(server));
                    }
                    if status == Status::Ok {
                        return Ok(data);
                    }
                    let full = match code {
                        Some(c) => format!("[{c}] {server}"),
                        None => server,
                    };
                    return Err(PoError::new(
                        Identifier::ErrorResponse,
                        format!("imap {} failed", verb.to_ascii_lowercase()),
                    )
                    .with_server(redact(&full, &self.secrets)));
                }
                Response::Continuation(t) => {
                    return Err(PoError::new(
                        Identifier::Unexpected,
                        "the server asked for a continuation we never announced",
                    )
                    .with_server(t))
                }
                Response::Status {
                    tag: None,
                    status: Status::Bye,
                    text,
                    ..
                } => {
                    self.closed = true;
                    if verb.eq_ignore_ascii_case("logout") {
                        return Ok(data);
                    }
                    return Err(PoError::new(
                        Identifier::ServerShutdownConnection,
                        "the server shut down the connection (* BYE)",
                    )
                    .with_server(text));
                }
                Response::Status {
                    tag: None,
                    status,
                    code,
                    text,
                } => self.untagged_status(status, code, text),
                Response::Data {
                    number,
                    name,
                    items,
                } => {
                    if wanted.contains(&name.as_str()) {
                        data.push(Response::Data {
                            number,
                            name,
                            items,
                        });
                    } else {
                        self.untagged_data(number, &name, &items);
                    }
                }
            }
        }
    }

    fn untagged_status(&mut self, status: Status, code: Option<String>, text: String) {
        match status {
            Status::Ok => {
                let Some(code) = code else { return };
                let (key, rest) = code.split_once(' ').unwrap_or((code.as_str(), ""));
                let number = rest.trim().parse::<u64>().ok();
                match (key.to_ascii_uppercase().as_str(), number) {
                    ("UNSEEN", Some(n)) => self.mailbox.first_unseen = n,
                    ("UIDVALIDITY", Some(n)) => self.mailbox.uidvalidity = n,
                    ("UIDNEXT", Some(n)) => self.mailbox.uidnext = n,
                    ("PERMANENTFLAGS", _) => {
                        let items = response::parse_items(rest, &self.limits).unwrap_or_default();
                        if let Some(Item::List(l)) = items.first() {
                            self.mailbox.permanent_flags = flag_names(l);
                        }
                    }
                    _ => self.notices.push(Notice {
                        identifier: NoticeKind::UnknownOk,
                        text: format!("[{code}] {text}"),
                    }),
                }
            }
            Status::No => self.notices.push(Notice {
                identifier: NoticeKind::Problem,
                text,
            }),
            _ => self.notices.push(Notice {
                identifier: NoticeKind::UnknownUntagged,
                text: format!("{} {text}", status.name()),
            }),
        }
    }

    fn untagged_data(&mut self, number: Option<u64>, name: &str, items: &[Item]) {
        match (name, number) {
            ("EXISTS", Some(n)) => self.mailbox.message_count = n,
            ("RECENT", Some(n)) => self.mailbox.recent_messages = n,
            ("EXPUNGE", Some(_)) => {
                self.mailbox.message_count = self.mailbox.message_count.saturating_sub(1)
            }
            ("FLAGS", None) => {
                if let Some(Item::List(l)) = items.first() {
                    self.mailbox.flags = flag_names(l);
                }
            }
            _ => self.notices.push(Notice {
                identifier: NoticeKind::UnknownUntagged,
                text: match number {
                    Some(n) => format!("{n} {name}"),
                    None => name.to_string(),
                },
            }),
        }
    }

    /// STARTTLS (RFC 3501 §6.2.1), only when CAPABILITY offers it.
    pub fn starttls(&mut self) -> Result<(), PoError> {
        let caps = self.command("CAPABILITY", &["CAPABILITY"])?;
        let offered = caps.iter().any(|r| match r {
            Response::Data { items, .. } => items
                .iter()
                .any(|i| matches!(i, Item::Atom(a) if a.eq_ignore_ascii_case("STARTTLS"))),
            _ => false,
        });
        if !offered {
            return Err(channel::tls_not_offered("STARTTLS"));
        }
        self.command("STARTTLS", &[])?;
        channel::upgrade_after_ok(
            &mut self.chan,
            &self.rbuf,
            &mut self.closed,
            "STARTTLS",
            "OK",
        )
    }

    /// `login USER PASSWORD`, then `list "" ""` for the separator.
    pub fn login(
        &mut self,
        user: &str,
        password: &str,
        host: &str,
        allow_insecure: bool,
    ) -> Result<(), PoError> {
        channel::check_login_allowed(&self.chan, host, allow_insecure)?;
        let quoted = quote(password, "password")?;
        self.secrets.push(password.to_string());
        // A server may echo the argument as sent, escapes included.
        self.secrets.push(quoted[1..quoted.len() - 1].to_string());
        let text = format!("login {} {quoted}", quote(user, "user name")?);
        self.command(&text, &[])?;
        let list = self.list("", "")?;
        self.mailbox.separator = list.first().and_then(|e| e.separator.clone());
        Ok(())
    }

    /// `list "REF" "PATTERN"`, in the server's order.
    pub fn list(&mut self, reference: &str, pattern: &str) -> Result<Vec<ListEntry>, PoError> {
        let text = format!(
            "list {} {}",
            quote(reference, "reference")?,
            quote(pattern, "pattern")?
        );
        let mut out = Vec::new();
        for r in self.command(&text, &["LIST"])? {
            let Response::Data { items, .. } = r else {
                continue;
            };
            let [Item::List(flags), sep, name, ..] = items.as_slice() else {
                return Err(PoError::new(
                    Identifier::Unexpected,
                    "a malformed LIST reply",
                ));
            };
            let separator = match sep {
                Item::Text(s) | Item::Atom(s) => Some(s.clone()),
                _ => None,
            };
            let name = match name {
                Item::Text(s) | Item::Atom(s) => s.clone(),
                Item::Number(n) => n.to_string(),
                _ => String::new(),
            };
            out.push(ListEntry {
                flags: flag_names(flags),
                separator,
                name,
            });
        }
        Ok(out)
    }

    /// `select NAME` (or `examine NAME`, read-only: RFC 3501 §6.3.2);
    /// failure is `:problem` "imap mailbox select failed".
    pub fn select(&mut self, name: &str, examine: bool) -> Result<(), PoError> {
        let verb = if examine { "examine" } else { "select" };
        let text = format!("{verb} {}", quote(name, "mailbox name")?);
        self.command(&text, &[]).map_err(|e| {
            if e.identifier == Identifier::ErrorResponse {
                PoError {
                    identifier: Identifier::Problem,
                    message: "imap mailbox select failed".into(),
                    ..e
                }
            } else {
                e
            }
        })?;
        self.mailbox.name = name.to_string();
        Ok(())
    }

    /// `[uid ]fetch SET ITEMS`: `(message number, item list)` in server order.
    pub fn fetch(
        &mut self,
        set: &str,
        items: &str,
        uid: bool,
    ) -> Result<Vec<(u64, Vec<Item>)>, PoError> {
        check_command_text(set, "message set")?;
        check_command_text(items, "fetch items")?;
        let text = format!("{}fetch {set} {items}", if uid { "uid " } else { "" });
        let replies = self.command(&text, &["FETCH"]).map_err(|e| {
            if e.identifier == Identifier::ErrorResponse {
                PoError {
                    identifier: Identifier::Problem,
                    message: "imap mailbox fetch failed".into(),
                    ..e
                }
            } else {
                e
            }
        })?;
        Ok(fetch_lists(replies))
    }

    /// `[uid ]store SET ITEM VALUE`: the untagged FETCH replies.
    pub fn store(
        &mut self,
        set: &str,
        item: &str,
        value: &str,
        uid: bool,
    ) -> Result<Vec<(u64, Vec<Item>)>, PoError> {
        check_command_text(set, "message set")?;
        check_command_text(value, "flag list")?;
        let text = format!(
            "{}store {set} {item} {value}",
            if uid { "uid " } else { "" }
        );
        Ok(fetch_lists(self.command(&text, &["FETCH"])?))
    }

    /// `[uid ]search KEYS`: the numbers of every SEARCH reply.
    pub fn search(&mut self, keys: &str, uid: bool) -> Result<Vec<u64>, PoError> {
        check_command_text(keys, "search expression")?;
        let text = format!("{}search {keys}", if uid { "uid " } else { "" });
        let mut out = Vec::new();
        for r in self.command(&text, &["SEARCH"])? {
            if let Response::Data { items, .. } = r {
                for i in items {
                    match i {
                        Item::Number(n) => out.push(n),
                        other => {
                            return Err(PoError::new(
                                Identifier::Unexpected,
                                format!("a SEARCH reply with a non-number: {other:?}"),
                            ))
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// `expunge`: the message numbers of the EXPUNGE replies, in order.
    pub fn expunge(&mut self) -> Result<Vec<u64>, PoError> {
        let mut out = Vec::new();
        for r in self.command("expunge", &["EXPUNGE"])? {
            if let Response::Data {
                number: Some(n), ..
            } = r
            {
                self.mailbox.message_count = self.mailbox.message_count.saturating_sub(1);
                out.push(n);
            }
        }
        Ok(out)
    }

    /// `[uid ]copy SET "DEST"`.
    pub fn copy(&mut self, set: &str, destination: &str, uid: bool) -> Result<(), PoError> {
        check_command_text(set, "message set")?;
        let text = format!(
            "{}copy {set} {}",
            if uid { "uid " } else { "" },
            quote(destination, "mailbox name")?
        );
        self.command(&text, &[]).map(drop)
    }

    /// `create`, `delete`, `rename`, `close`, `noop`: a verb and quoted names.
    pub fn simple(&mut self, verb: &str, names: &[&str]) -> Result<(), PoError> {
        let mut text = verb.to_string();
        for n in names {
            text.push(' ');
            text.push_str(&quote(n, "mailbox name")?);
        }
        self.command(&text, &[]).map(drop)
    }

    /// `logout`, errors ignored; the caller closes the socket.
    pub fn logout(&mut self) {
        if !self.closed {
            let _ = self.command("logout", &[]);
        }
        self.closed = true;
    }
}

fn fetch_lists(replies: Vec<Response>) -> Vec<(u64, Vec<Item>)> {
    replies
        .into_iter()
        .filter_map(|r| match r {
            Response::Data {
                number: Some(n),
                mut items,
                ..
            } => match items.pop() {
                Some(Item::List(l)) if items.is_empty() => Some((n, l)),
                _ => None,
            },
            _ => None,
        })
        .collect()
}

/// The atoms of a flag list.
pub fn flag_names(items: &[Item]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Atom(a) | Item::Text(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

/// A frame for traces and errors: its text, long literals shortened.
fn trace_text(frame: &[u8]) -> String {
    const SHOWN: usize = 2000;
    let text = response::text_of(frame);
    let text = text.trim_end_matches('\n');
    if text.len() <= SHOWN {
        return text.to_string();
    }
    let mut cut = SHOWN;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}… [{} more bytes]", &text[..cut], text.len() - cut)
}

fn describe(r: &Response) -> String {
    match r {
        Response::Continuation(t) => format!("+ {t}"),
        Response::Status { status, text, .. } => format!("{} {text}", status.name()),
        Response::Data { name, .. } => name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::channel::script::Scripted;
    use super::*;

    const GREETING: &str = "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n";

    fn session(server: &str) -> ImapSession<Scripted> {
        ImapSession::open(Scripted::new(server), Limits::default(), true).unwrap()
    }

    /// Run `f` against a server that answers every command OK with `untagged` first.
    fn answer_each<T>(
        untagged: &[&str],
        f: impl FnOnce(&mut ImapSession<Scripted>) -> T,
    ) -> (T, String) {
        // Tags are process-wide and tests run in parallel: the scripted
        // server answers with whatever tag the client used (`retag`).
        let mut s = session(GREETING);
        let mut replies = String::new();
        for u in untagged {
            replies.push_str(u);
        }
        s.chan.input.extend(replies.bytes());
        s.chan.input.extend(b"TAG OK done\r\n".iter());
        s.chan.retag = true;
        let r = f(&mut s);
        let w = s.chan.written_text();
        (r, w)
    }

    #[test]
    fn select_updates_the_mailbox() {
        let ((), w) = answer_each(
            &[
                "* FLAGS (\\Answered \\Seen)\r\n",
                "* OK [PERMANENTFLAGS (\\Seen \\*)] Flags permitted.\r\n",
                "* 3 EXISTS\r\n",
                "* 1 RECENT\r\n",
                "* OK [UIDVALIDITY 1700000000] UIDs valid\r\n",
                "* OK [UIDNEXT 4] Predicted next UID\r\n",
                "* OK [HIGHESTMODSEQ 5] Highest\r\n",
            ],
            |s| {
                s.select("INBOX", false).unwrap();
                assert_eq!(s.mailbox.message_count, 3);
                assert_eq!(s.mailbox.recent_messages, 1);
                assert_eq!(s.mailbox.uidvalidity, 1_700_000_000);
                assert_eq!(s.mailbox.uidnext, 4);
                assert_eq!(s.mailbox.flags, ["\\Answered", "\\Seen"]);
                assert_eq!(s.mailbox.permanent_flags, ["\\Seen", "\\*"]);
                let n = s.take_notices();
                assert_eq!(n.len(), 1);
                assert_eq!(n[0].identifier, NoticeKind::UnknownOk);
            },
        );
        assert!(w.ends_with(" select \"INBOX\"\r\n"), "{w}");
    }

    #[test]
    fn a_failed_select_is_a_problem() {
        let mut s = session(GREETING);
        s.chan
            .input
            .extend(b"TAG NO Mailbox doesn't exist: nope\r\n".iter());
        s.chan.retag = true;
        let e = s.select("nope", false).unwrap_err();
        assert_eq!(e.identifier, Identifier::Problem);
        assert_eq!(e.server_string, "Mailbox doesn't exist: nope");
    }

    #[test]
    fn fetch_returns_each_message_in_server_order() {
        let (r, w) = answer_each(
            &[
                "* 1 FETCH (UID 7 BODY[] {5}\r\nab\r\nc)\r\n",
                "* 2 FETCH (UID 8 FLAGS (\\Seen))\r\n",
            ],
            |s| s.fetch("1:2", "(uid body[])", false).unwrap(),
        );
        assert!(w.ends_with(" fetch 1:2 (uid body[])\r\n"), "{w}");
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].0, 1);
        assert_eq!(r[0].1[3], Item::Text("ab\nc".into()));
        assert_eq!(r[1].0, 2);
    }

    #[test]
    fn bye_in_the_middle_is_a_shutdown() {
        let mut s = session(GREETING);
        s.chan.input.extend(b"* BYE going away\r\n".iter());
        let e = s.command("noop", &[]).unwrap_err();
        assert_eq!(e.identifier, Identifier::ServerShutdownConnection);
        assert!(s.is_closed());
        assert!(s.command("noop", &[]).is_err());
    }

    #[test]
    fn a_stall_is_a_timeout_and_eof_a_shutdown() {
        let mut s = session(GREETING);
        s.chan
            .input
            .extend(b"* 1 FETCH (BODY[] {100}\r\nonly a few".iter());
        s.chan.stall_after = Some(20);
        let e = s.fetch("1", "body[]", false).unwrap_err();
        assert_eq!(e.identifier, Identifier::Timeout, "{e}");
        let mut s = session(GREETING);
        s.chan
            .input
            .extend(b"* 1 FETCH (BODY[] {100}\r\nshort".iter());
        let e = s.fetch("1", "body[]", false).unwrap_err();
        assert_eq!(e.identifier, Identifier::ServerShutdownConnection, "{e}");
    }

    #[test]
    fn a_huge_literal_is_refused_at_once() {
        let mut s = session(GREETING);
        s.chan
            .input
            .extend(b"* 1 FETCH (BODY[] {2147483648}\r\n".iter());
        s.chan.stall_after = Some(40);
        let e = s.fetch("1", "body[]", false).unwrap_err();
        assert_eq!(e.identifier, Identifier::ResponseTooLarge, "{e}");
    }

    #[test]
    fn a_tag_out_of_order_is_an_error_response() {
        let mut s = session(GREETING);
        s.chan.input.extend(b"zz9 OK what\r\n".iter());
        let e = s.command("noop", &[]).unwrap_err();
        assert_eq!(e.identifier, Identifier::ErrorResponse);
        assert!(e.message.contains("out of order"), "{e}");
    }

    #[test]
    fn login_quotes_and_redacts_and_refuses_clear_text_to_remote_hosts() {
        let mut s = session(GREETING);
        s.chan.peer = Some("192.0.2.1".parse().unwrap());
        let e = s.login("me", "pw", "mail.example", false).unwrap_err();
        assert_eq!(e.identifier, Identifier::InsecureLogin);
        assert!(s.chan.written.is_empty(), "nothing sent");

        let mut s = session(GREETING);
        s.chan
            .input
            .extend(b"TAG NO [AUTHENTICATIONFAILED] bad pass \"se\\\\cr et\"\r\n".iter());
        s.chan.retag = true;
        let e = s.login("me", "se\\cr et", "localhost", false).unwrap_err();
        assert!(s
            .chan
            .written_text()
            .ends_with(" login \"me\" \"se\\\\cr et\"\r\n"));
        assert!(!e.server_string.contains("cr et"), "{e:?}");
        let trace = s.take_trace().join("\n");
        assert!(
            !trace.contains("se\\\\cr et") && trace.contains("<redacted>"),
            "{trace}"
        );
    }

    #[test]
    fn starttls_not_offered_is_an_error() {
        let mut s = session("* OK hi\r\n");
        s.chan
            .input
            .extend(b"* CAPABILITY IMAP4rev1\r\nTAG OK done\r\n".iter());
        s.chan.retag = true;
        let e = s.starttls().unwrap_err();
        assert_eq!(e.identifier, Identifier::TlsFailed);
        assert!(!s.chan.tls);
    }

    #[test]
    fn starttls_with_injected_data_is_refused() {
        let mut s = session("* OK hi\r\n");
        s.chan.input.extend(
            b"* CAPABILITY IMAP4rev1 STARTTLS\r\nTAG OK done\r\nTAG OK go\r\n* 9 EXISTS\r\n".iter(),
        );
        s.chan.retag = true;
        let e = s.starttls().unwrap_err();
        assert_eq!(e.identifier, Identifier::TlsFailed, "{e}");
    }

    #[test]
    fn arguments_that_would_inject_commands_are_refused() {
        let mut s = session(GREETING);
        assert_eq!(
            s.select("INBOX\r\nt02 delete x", false)
                .unwrap_err()
                .identifier,
            Identifier::SyntaxError
        );
        assert_eq!(
            s.search("ALL\r\nx", false).unwrap_err().identifier,
            Identifier::SyntaxError
        );
        assert!(s.chan.written.is_empty());
    }

    #[test]
    fn quoting() {
        assert_eq!(quote("a \"b\" \\c", "x").unwrap(), "\"a \\\"b\\\" \\\\c\"");
        assert!(quote("a\nb", "x").is_err());
    }
}

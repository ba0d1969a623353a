//! The SMTP dialogue (behaviour §6, §7, §11), written against the [`Wire`]
//! trait so it never touches a socket itself: the transport supplies
//! replies, sends command batches, upgrades to TLS and streams content.

use std::net::IpAddr;

use super::auth::{self, Exchange};
use super::command::Command;
use super::error::{ErrorKind, SmtpError};
use super::redact::Secrets;
use super::reply::Reply;
use super::server::{Credentials, Envelope, Server, TlsMode};
use crate::mail::wire::MessageSource;

/// Which time limit applies to a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Any reply (RFC 5321 §4.5.3.2: 5 minutes).
    Reply,
    /// The reply to the end of data (10 minutes).
    DataEnd,
    /// A courtesy QUIT on the error path: short, nothing depends on it.
    Courtesy,
}

/// What the dialogue needs from a connection.
pub(crate) trait Wire {
    /// Write the commands in one write and one flush.
    fn send(&mut self, batch: &[Command]) -> Result<(), SmtpError>;
    /// Read the next reply; `after` names the command it answers.
    fn read_reply(&mut self, after: Option<&Command>, wait: Wait) -> Result<Reply, SmtpError>;
    /// Upgrade to TLS after a 220 to STARTTLS. Must fail when bytes sent
    /// by the server after the 220 are already buffered.
    fn start_tls(&mut self) -> Result<(), SmtpError>;
    /// Stream the message content with the wire encoding, final `.` included.
    fn send_content(&mut self, message: &mut dyn MessageSource) -> Result<(), SmtpError>;
    /// The connection is encrypted.
    fn is_tls(&self) -> bool;
    /// The server's address (for the credentials policy).
    fn peer_ip(&self) -> IpAddr;
    /// Our socket's address (for the EHLO address literal).
    fn local_ip(&self) -> IpAddr;
}

/// ESMTP extensions advertised in the EHLO reply (RFC 5321 §4.1.1.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// RFC 3207.
    pub starttls: bool,
    /// RFC 4954 mechanisms, upper case, from `AUTH` and the old `AUTH=` lines.
    pub auth: Vec<String>,
    /// RFC 2920.
    pub pipelining: bool,
    /// RFC 1870 limit (0 = no limit stated).
    pub size: Option<u64>,
    /// RFC 6152.
    pub eight_bit_mime: bool,
    /// RFC 6531.
    pub smtputf8: bool,
}

impl Capabilities {
    /// Parse an EHLO reply; the first line is the server's greeting.
    pub fn parse(reply: &Reply) -> Self {
        let mut caps = Capabilities::default();
        for line in reply.lines().iter().skip(1) {
            let mut words = line.split_ascii_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            let keyword = keyword.to_ascii_uppercase();
            // The pre-RFC 4954 form is "AUTH=LOGIN PLAIN".
            if let Some(first) = keyword.strip_prefix("AUTH=") {
                caps.add_mechanisms(std::iter::once(first).chain(words));
                continue;
            }
            match keyword.as_str() {
                "STARTTLS" => caps.starttls = true,
                "AUTH" => caps.add_mechanisms(words),
                "PIPELINING" => caps.pipelining = true,
                "SIZE" => caps.size = Some(words.next().and_then(|n| n.parse().ok()).unwrap_or(0)),
                "8BITMIME" => caps.eight_bit_mime = true,
                "SMTPUTF8" => caps.smtputf8 = true,
                _ => {}
            }
        }
        caps
    }

    fn add_mechanisms<'a>(&mut self, words: impl Iterator<Item = &'a str>) {
        for w in words {
            let m = w.to_ascii_uppercase();
            if !m.is_empty() && !self.auth.contains(&m) {
                self.auth.push(m);
            }
        }
    }
}

/// Greeting, EHLO/HELO, STARTTLS and AUTH: up to the point where a mail
/// transaction (or VRFY) can start.
///
/// Every secret sent during AUTH is added to `secrets` before it is sent,
/// so a reply echoing it can be redacted.
pub(crate) fn open<W: Wire>(
    w: &mut W,
    server: &Server,
    credentials: Option<&Credentials>,
    secrets: &Secrets,
) -> Result<Capabilities, SmtpError> {
    let greeting = w.read_reply(None, Wait::Reply)?;
    if !greeting.is_positive() {
        return Err(SmtpError::greeting(greeting));
    }
    let name = client_name(server, w.local_ip());
    let mut caps = hello(w, &name)?;

    let wants_tls = matches!(server.tls, TlsMode::StartTls | TlsMode::StartTlsIfAvailable);
    if wants_tls && !w.is_tls() {
        if caps.starttls {
            let cmd = Command::StartTls;
            w.send(std::slice::from_ref(&cmd))?;
            let reply = w.read_reply(Some(&cmd), Wait::Reply)?;
            if reply.code() != 220 {
                return Err(polite(w, SmtpError::refused(ErrorKind::Tls, &cmd, reply)));
            }
            w.start_tls()?;
            // RFC 3207 §4.2: forget everything learnt before TLS.
            caps = hello(w, &name)?;
        } else if server.tls == TlsMode::StartTls {
            let e = SmtpError::new(
                ErrorKind::Tls,
                format!(
                    "the server {} does not offer STARTTLS; use :starttls :if-available to \
                     continue without encryption",
                    server.host
                ),
            );
            return Err(polite(w, e));
        }
    }

    if let Some(creds) = credentials {
        if let Err(e) = authenticate(w, server, &caps, creds, secrets) {
            return Err(polite(w, e));
        }
    }
    Ok(caps)
}

/// MAIL, RCPT..., DATA, content, end of data, QUIT (RFC 5321 §3.3).
pub(crate) fn transaction<W: Wire>(
    w: &mut W,
    caps: &Capabilities,
    envelope: &Envelope,
    message: &mut dyn MessageSource,
) -> Result<(), SmtpError> {
    let smtputf8 = envelope.needs_smtputf8();
    if smtputf8 && !caps.smtputf8 {
        let e = SmtpError::new(
            ErrorKind::RejectedMessage,
            "an address is not ASCII and the server does not offer SMTPUTF8 (RFC 6531)",
        );
        return Err(polite(w, e));
    }
    // Without 8BITMIME the content goes as it is: nothing better exists
    // (the MIME writer avoids raw 8-bit bytes unless asked).
    let mut batch = vec![Command::Mail {
        from: envelope.from.clone(),
        smtputf8,
        body_8bit: envelope.eight_bit && caps.eight_bit_mime,
    }];
    batch.extend(envelope.recipients.iter().map(|r| Command::Rcpt(r.clone())));
    batch.push(Command::Data);

    if caps.pipelining {
        envelope_pipelined(w, &batch)?;
    } else {
        for cmd in &batch {
            w.send(std::slice::from_ref(cmd))?;
            let reply = w.read_reply(Some(cmd), Wait::Reply)?;
            if !accepted(cmd, &reply) {
                let closing = reply.code() == 421;
                let e = refusal(cmd, reply);
                return Err(if closing { e } else { abandon(w, e) });
            }
        }
    }

    w.send_content(message)?;
    let end = w.read_reply(Some(&Command::Data), Wait::DataEnd)?;
    if !end.is_positive() {
        let closing = end.code() == 421;
        let e = SmtpError::message_not_sent(end);
        return Err(if closing { e } else { polite(w, e) });
    }
    // Accepted: a failing QUIT no longer matters (behaviour §6.8).
    let quit = Command::Quit;
    if w.send(std::slice::from_ref(&quit)).is_ok() {
        let _ = w.read_reply(Some(&quit), Wait::Courtesy);
    }
    Ok(())
}

/// RFC 2920: MAIL, every RCPT and DATA in one write, then every reply in
/// order. The first refusal wins; any refusal aborts (all or nothing).
fn envelope_pipelined<W: Wire>(w: &mut W, batch: &[Command]) -> Result<(), SmtpError> {
    w.send(batch)?;
    let mut failure: Option<SmtpError> = None;
    for cmd in batch {
        let reply = match w.read_reply(Some(cmd), Wait::Reply) {
            Ok(r) => r,
            Err(e) => return Err(failure.unwrap_or(e)),
        };
        if *cmd == Command::Data && reply.code() == 354 {
            if let Some(f) = failure {
                // The server waits for content after a partial acceptance;
                // closing without the final "." makes it discard the
                // transaction (RFC 5321 §4.1.1.4), so nobody gets the mail.
                return Err(f);
            }
        }
        let closing = reply.code() == 421;
        if !accepted(cmd, &reply) && failure.is_none() {
            failure = Some(refusal(cmd, reply));
        }
        if closing {
            break;
        }
    }
    match failure {
        Some(f) if f.code() == Some(421) => Err(f),
        Some(f) => Err(abandon(w, f)),
        None => Ok(()),
    }
}

fn accepted(cmd: &Command, reply: &Reply) -> bool {
    match cmd {
        Command::Data => reply.code() == 354,
        _ => reply.is_positive(),
    }
}

fn refusal(cmd: &Command, reply: Reply) -> SmtpError {
    let kind = match cmd {
        Command::Rcpt(_) => ErrorKind::RejectedRecipient,
        _ => ErrorKind::RejectedMessage,
    };
    SmtpError::refused(kind, cmd, reply)
}

/// After a refusal in the transaction: RSET, then QUIT; their replies do
/// not change the outcome.
fn abandon<W: Wire>(w: &mut W, e: SmtpError) -> SmtpError {
    let rset = Command::Rset;
    if w.send(std::slice::from_ref(&rset)).is_ok()
        && w.read_reply(Some(&rset), Wait::Courtesy).is_ok()
    {
        return polite(w, e);
    }
    e
}

/// Send QUIT on the way out when the connection is still in step;
/// return the original error either way.
fn polite<W: Wire>(w: &mut W, e: SmtpError) -> SmtpError {
    let usable = !matches!(
        e.kind(),
        ErrorKind::Io | ErrorKind::Timeout | ErrorKind::Protocol | ErrorKind::Interrupted
    ) && e.code() != Some(421);
    if usable {
        let quit = Command::Quit;
        if w.send(std::slice::from_ref(&quit)).is_ok() {
            let _ = w.read_reply(Some(&quit), Wait::Courtesy);
        }
    }
    e
}

/// EHLO, falling back to HELO (no extensions) on a refusal (RFC 5321 §4.1.4).
fn hello<W: Wire>(w: &mut W, name: &str) -> Result<Capabilities, SmtpError> {
    let ehlo = Command::Ehlo(name.to_string());
    w.send(std::slice::from_ref(&ehlo))?;
    let reply = w.read_reply(Some(&ehlo), Wait::Reply)?;
    if reply.is_positive() {
        return Ok(Capabilities::parse(&reply));
    }
    if reply.code() == 421 {
        return Err(SmtpError::refused(ErrorKind::Connect, &ehlo, reply));
    }
    let helo = Command::Helo(name.to_string());
    w.send(std::slice::from_ref(&helo))?;
    let reply = w.read_reply(Some(&helo), Wait::Reply)?;
    if reply.is_positive() {
        Ok(Capabilities::default())
    } else {
        Err(polite(
            w,
            SmtpError::refused(ErrorKind::Connect, &helo, reply),
        ))
    }
}

/// AUTH (RFC 4954) with the mechanism chosen per behaviour §7.
fn authenticate<W: Wire>(
    w: &mut W,
    server: &Server,
    caps: &Capabilities,
    creds: &Credentials,
    secrets: &Secrets,
) -> Result<(), SmtpError> {
    let (tls, peer) = (w.is_tls(), w.peer_ip());
    if !auth::credentials_allowed(tls, peer, &server.host, server.allow_insecure_auth) {
        return Err(auth::insecure_error());
    }
    let mechanism = auth::choose_mechanism(&caps.auth, server.auth)?;
    let mut exchange = Exchange::new(mechanism, creds);
    exchange.secrets().for_each(|s| secrets.add(&s));
    let start = Command::Auth {
        mechanism: mechanism.name(),
        initial: exchange.initial_response(),
    };
    let mut cmd = start.clone();
    // A handful of round trips is plenty for every mechanism we speak.
    for _ in 0..5 {
        w.send(std::slice::from_ref(&cmd))?;
        let reply = w.read_reply(Some(&start), Wait::Reply)?;
        match reply.code() {
            200..=299 => return Ok(()),
            334 => {
                let challenge = reply.lines().first().map(String::as_str).unwrap_or("");
                cmd = Command::AuthResponse(exchange.respond(challenge)?);
                exchange.secrets().for_each(|s| secrets.add(&s));
            }
            _ => return Err(SmtpError::auth_failed(&start, reply)),
        }
    }
    Err(
        SmtpError::new(ErrorKind::Auth, "the server kept sending AUTH challenges")
            .with_command(&start),
    )
}

/// §11: `VRFY user`; on 550, `VRFY user@host`; 550 again → false.
pub(crate) fn verify<W: Wire>(w: &mut W, user: &str, full: &str) -> Result<bool, SmtpError> {
    let mut result = true;
    for (i, what) in [user, full].into_iter().enumerate() {
        let cmd = Command::Vrfy(what.to_string());
        w.send(std::slice::from_ref(&cmd))?;
        let reply = w.read_reply(Some(&cmd), Wait::Reply)?;
        if reply.code() != 550 {
            break;
        }
        if i == 1 {
            result = false;
        }
    }
    let quit = Command::Quit;
    if w.send(std::slice::from_ref(&quit)).is_ok() {
        let _ = w.read_reply(Some(&quit), Wait::Courtesy);
    }
    Ok(result)
}

/// The EHLO argument: `client_name`, else the local host name when fully
/// qualified, else the address literal of our socket (RFC 5321 §4.1.3).
pub(crate) fn client_name(server: &Server, local: IpAddr) -> String {
    if let Some(name) = &server.client_name {
        return name.clone();
    }
    if let Some(host) = crate::host::name() {
        let valid = host.contains('.')
            && !host.starts_with('.')
            && !host.ends_with('.')
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        if valid {
            return host.to_string();
        }
    }
    address_literal(local)
}

/// `[192.0.2.1]` or `[IPv6:2001:db8::1]` (RFC 5321 §4.1.3).
pub fn address_literal(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("[{v4}]"),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("[{v4}]"),
            None => format!("[IPv6:{v6}]"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::smtp::reply::parse_reply;

    fn reply(s: &str) -> Reply {
        parse_reply(s.as_bytes()).unwrap().unwrap().0
    }

    #[test]
    fn capabilities() {
        let caps = Capabilities::parse(&reply(
            "250-mx Hello\r\n250-SIZE 10485760\r\n250-8BITMIME\r\n250-pipelining\r\n\
             250-AUTH PLAIN LOGIN\r\n250-AUTH=LOGIN CRAM-MD5\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n",
        ));
        assert!(caps.starttls && caps.pipelining && caps.eight_bit_mime && caps.smtputf8);
        assert_eq!(caps.size, Some(10485760));
        assert_eq!(caps.auth, ["PLAIN", "LOGIN", "CRAM-MD5"]);
    }

    #[test]
    fn greeting_line_is_not_a_capability() {
        let caps = Capabilities::parse(&reply("250 STARTTLS\r\n"));
        assert!(!caps.starttls);
    }

    /// A scripted peer: replies in order, then an error of `last` kind.
    struct Scripted {
        replies: Vec<&'static str>,
        last: ErrorKind,
        sent: Vec<String>,
    }

    impl Wire for Scripted {
        fn send(&mut self, batch: &[Command]) -> Result<(), SmtpError> {
            self.sent.extend(batch.iter().map(|c| c.trace_text()));
            Ok(())
        }
        fn read_reply(&mut self, _: Option<&Command>, _: Wait) -> Result<Reply, SmtpError> {
            if self.replies.is_empty() {
                return Err(SmtpError::new(self.last, "no more"));
            }
            Ok(reply(self.replies.remove(0)))
        }
        fn start_tls(&mut self) -> Result<(), SmtpError> {
            Ok(())
        }
        fn send_content(&mut self, _: &mut dyn MessageSource) -> Result<(), SmtpError> {
            Ok(())
        }
        fn is_tls(&self) -> bool {
            true
        }
        fn peer_ip(&self) -> IpAddr {
            IpAddr::from([127, 0, 0, 1])
        }
        fn local_ip(&self) -> IpAddr {
            IpAddr::from([127, 0, 0, 1])
        }
    }

    /// Ctrl-C in the middle of AUTH ends the session at once: no QUIT
    /// (whose courtesy wait the user asked not to sit through).
    #[test]
    fn an_interrupted_wait_sends_no_quit() {
        for (last, quit) in [(ErrorKind::Interrupted, false), (ErrorKind::Auth, true)] {
            let mut w = Scripted {
                replies: vec!["220 hi\r\n", "250-mx\r\n250 AUTH PLAIN\r\n"],
                last,
                sent: Vec::new(),
            };
            let server = Server {
                client_name: Some("client.test".into()),
                ..Server::new("127.0.0.1", 25)
            };
            let e = open(
                &mut w,
                &server,
                Some(&Credentials::new("u", "p")),
                &Secrets::default(),
            )
            .unwrap_err();
            assert_eq!(e.kind(), last);
            assert_eq!(
                w.sent.last().is_some_and(|c| c == "QUIT"),
                quit,
                "{:?}",
                w.sent
            );
        }
    }

    #[test]
    fn literals() {
        assert_eq!(address_literal("127.0.0.1".parse().unwrap()), "[127.0.0.1]");
        assert_eq!(address_literal("::1".parse().unwrap()), "[IPv6:::1]");
        assert_eq!(
            address_literal("::ffff:10.0.0.1".parse().unwrap()),
            "[10.0.0.1]"
        );
    }
}

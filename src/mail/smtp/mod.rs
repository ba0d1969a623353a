//! The SMTP engine: deliver one message to one server, or ask a server
//! whether it knows an address. Knows nothing of Lisp.
//!
//! - [`server`]: what to connect to (host, port, TLS, timeouts, AUTH choice)
//! - [`reply`], [`command`]: the protocol units, sans I/O
//! - `session`: the dialogue, written against a small transport trait
//! - `transport`: blocking TCP + rustls; `socket`: the deadline (and
//!   Ctrl-C) every read and write obeys; `tls`: rustls configuration
//! - [`auth`]: SASL mechanisms and the credentials policy
//! - [`error`], [`trace`]: failures and the session trace
//!
//! The content encoding is in [`crate::mail::wire`], the `:program`
//! transport in [`crate::mail::program`].

pub mod auth;
pub mod command;
pub mod error;
pub(crate) mod redact;
pub mod reply;
pub mod server;
pub(crate) mod session;
pub(crate) mod socket;
pub(crate) mod tls;
pub mod trace;
pub(crate) mod transport;

pub use error::{ErrorKind, SmtpError};
pub use reply::Reply;
pub use server::{
    AuthMechanism, Credentials, Envelope, Server, Timeouts, TlsMode, TlsOptions, TlsVersion,
};
pub use session::{address_literal, Capabilities};
pub use trace::{Trace, TraceEvent};

pub use crate::mail::wire::MessageSource;

use transport::Connection;

/// Deliver one message: connect, EHLO, STARTTLS and AUTH as configured,
/// MAIL, one RCPT per recipient, DATA, the content, QUIT.
///
/// Returns `Ok(())` only when the server accepted the message. Any refused
/// recipient aborts the whole transaction before the content is sent.
pub fn deliver(
    server: &Server,
    credentials: Option<&Credentials>,
    envelope: &Envelope,
    message: &mut dyn MessageSource,
    trace: Option<&mut dyn Trace>,
) -> Result<(), SmtpError> {
    check_envelope(envelope)?;
    check_client_name(server)?;
    // A server may echo what AUTH sent: the trace and the error must not.
    let secrets = redact::Secrets::default();
    if let Some(c) = credentials {
        secrets.add(&c.password);
    }
    let mut redacting;
    let trace = match trace {
        Some(inner) => {
            redacting = redact::Redacting::new(inner, secrets.clone());
            Some(&mut redacting as &mut dyn Trace)
        }
        None => None,
    };
    let result = Connection::open(server, trace).and_then(|mut conn| {
        let caps = session::open(&mut conn, server, credentials, &secrets)?;
        session::transaction(&mut conn, &caps, envelope, message)
    });
    result.map_err(|e| e.redacted(&secrets))
}

/// Allegro's `test-email-address` (behaviour §11): ask the address's host
/// with `VRFY`. `Ok(false)` when the address has `@` first or last, when
/// the host cannot be reached, or when both `VRFY user` and
/// `VRFY user@host` get 550; `Ok(true)` otherwise.
///
/// The host part may be `host:port`. `template` supplies everything else
/// (timeouts, TLS, `connect_to`); its host and port are replaced.
pub fn test_email_address(template: &Server, address: &str) -> Result<bool, SmtpError> {
    let Some((user, host)) = address_shape(address)? else {
        return Ok(false);
    };
    let (name, port) = split_host_port(host);
    let server = Server {
        host: name.to_string(),
        port: port.unwrap_or(25),
        ..template.clone()
    };
    let full = format!("{user}@{host}");
    // Ctrl-C is not an answer about the address.
    let mut conn = match Connection::open(&server, None) {
        Ok(c) => c,
        Err(e) if e.kind() == ErrorKind::Interrupted => return Err(e),
        Err(_) => return Ok(false),
    };
    match session::open(&mut conn, &server, None, &redact::Secrets::default()) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::Interrupted => return Err(e),
        Err(_) => return Ok(false),
    }
    session::verify(&mut conn, user, &full)
}

/// What `test-email-address` judges before connecting (behaviour §11),
/// shared with the dry run so both judge alike: an error for an empty
/// address or one with a line break or NUL; `None` (the answer NIL) for
/// `@` first or last; else the user and the host (`localhost` when there
/// is no `@`).
pub fn address_shape(address: &str) -> Result<Option<(&str, &str)>, SmtpError> {
    if address.is_empty() {
        return Err(SmtpError::new(
            ErrorKind::BadArgument,
            "mail address should be a non-empty string: \"\"",
        ));
    }
    if address.contains(['\r', '\n', '\0']) {
        return Err(SmtpError::new(
            ErrorKind::BadArgument,
            format!("mail address contains a line break or NUL: {address:?}"),
        ));
    }
    Ok(match address.split_once('@') {
        None => Some((address, "localhost")),
        Some(("", _)) | Some((_, "")) => None,
        Some((user, host)) => Some((user, host)),
    })
}

/// `host:NNN` → (host, Some(NNN)), as the server string form of §2.
fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some((h, p)) = s.rsplit_once(':') {
        if !h.is_empty()
            && !h.contains(':')
            && !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
        {
            if let Ok(port) = p.parse() {
                return (h, Some(port));
            }
        }
    }
    (s, None)
}

/// Refuse what would corrupt the command stream (behaviour §3.2).
fn check_envelope(envelope: &Envelope) -> Result<(), SmtpError> {
    if envelope.recipients.is_empty() {
        return Err(SmtpError::new(ErrorKind::BadArgument, "no recipients"));
    }
    check_address("from", &envelope.from, true)?;
    for r in &envelope.recipients {
        check_address("recipient", r, false)?;
    }
    Ok(())
}

fn check_address(what: &str, address: &str, may_be_empty: bool) -> Result<(), SmtpError> {
    if address.is_empty() && !may_be_empty {
        return Err(SmtpError::new(
            ErrorKind::BadArgument,
            format!("empty {what} address"),
        ));
    }
    if address
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'))
    {
        return Err(SmtpError::new(
            ErrorKind::BadArgument,
            format!("bad {what} address {address:?}: it must not contain white space, line breaks, control characters, < or >"),
        ));
    }
    Ok(())
}

fn check_client_name(server: &Server) -> Result<(), SmtpError> {
    match &server.client_name {
        Some(n) if n.is_empty() || n.chars().any(|c| c.is_whitespace() || c.is_control()) => Err(
            SmtpError::new(ErrorKind::BadArgument, format!("bad :client-name {n:?}")),
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_split() {
        assert_eq!(
            split_host_port("mx.example:2525"),
            ("mx.example", Some(2525))
        );
        assert_eq!(split_host_port("mx.example"), ("mx.example", None));
        assert_eq!(split_host_port("::1"), ("::1", None));
    }

    #[test]
    fn envelope_checks() {
        let ok = Envelope {
            from: String::new(),
            recipients: vec!["a@b".into()],
            eight_bit: false,
        };
        assert!(check_envelope(&ok).is_ok());
        for bad in ["a b@c", "a@b\r\nRCPT TO:<x@y>", "<a@b>", ""] {
            let e = Envelope {
                recipients: vec![bad.into()],
                ..ok.clone()
            };
            assert_eq!(
                check_envelope(&e).unwrap_err().kind(),
                ErrorKind::BadArgument,
                "{bad:?}"
            );
        }
    }
}

//! The one error type of the mail engine.

use std::fmt;
use std::io;

use super::command::Command;
use super::reply::Reply;

/// What kind of failure an [`SmtpError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Name resolution, TCP connect, or a greeting that was not 2xx.
    Connect,
    /// TLS set-up, handshake or certificate failure; STARTTLS not offered.
    Tls,
    /// The server broke the protocol (malformed or oversized reply,
    /// unexpected close, data injected after STARTTLS, ...).
    Protocol,
    /// Authentication refused or impossible.
    Auth,
    /// A recipient was refused (nothing was delivered).
    RejectedRecipient,
    /// The sender, the DATA command or the content was refused.
    RejectedMessage,
    /// A time limit ran out.
    Timeout,
    /// Other I/O failure, including reading the message source.
    Io,
    /// A bad argument, found before connecting.
    BadArgument,
    /// The `:program` transport exited with a failure status.
    ProgramFailed,
    /// Ctrl-C at the REPL ended a wait (`eval::interrupt`); the interrupt
    /// is still pending for the evaluator to signal.
    Interrupted,
}

/// How the message is worded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    /// `SMTP transaction failed.  We said: "...", and the server replied: "..."`
    Transaction,
    /// `initial connect failed: "..."`
    Greeting,
    /// `message not sent: "..."`
    MessageNotSent,
    /// `SMTP authentication failed: ...`
    AuthFailed,
    /// A free text.
    Text(String),
}

/// A failed delivery, with the command we sent and the server's reply when
/// there was one. Never carries a password or an AUTH payload.
#[derive(Debug)]
pub struct SmtpError {
    kind: ErrorKind,
    shape: Shape,
    command: Option<String>,
    reply: Option<Reply>,
    exit_status: Option<i32>,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl SmtpError {
    /// An error described by `message` alone.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        SmtpError {
            kind,
            shape: Shape::Text(message.into()),
            command: None,
            reply: None,
            exit_status: None,
            source: None,
        }
    }

    /// A refusal: the server answered `command` with `reply`.
    pub(crate) fn refused(kind: ErrorKind, command: &Command, reply: Reply) -> Self {
        SmtpError {
            kind,
            shape: Shape::Transaction,
            command: Some(command.error_text()),
            reply: Some(reply),
            exit_status: None,
            source: None,
        }
    }

    pub(crate) fn greeting(reply: Reply) -> Self {
        SmtpError {
            shape: Shape::Greeting,
            reply: Some(reply),
            ..SmtpError::new(ErrorKind::Connect, "")
        }
    }

    pub(crate) fn message_not_sent(reply: Reply) -> Self {
        SmtpError {
            shape: Shape::MessageNotSent,
            command: Some(".".to_string()),
            reply: Some(reply),
            ..SmtpError::new(ErrorKind::RejectedMessage, "")
        }
    }

    pub(crate) fn auth_failed(command: &Command, reply: Reply) -> Self {
        SmtpError {
            shape: Shape::AuthFailed,
            command: Some(command.error_text()),
            reply: Some(reply),
            ..SmtpError::new(ErrorKind::Auth, "")
        }
    }

    pub(crate) fn program_failed(status: Option<i32>, message: String) -> Self {
        SmtpError {
            exit_status: status,
            ..SmtpError::new(ErrorKind::ProgramFailed, message)
        }
    }

    /// An I/O failure while doing `what`.
    pub(crate) fn io(kind: ErrorKind, what: impl Into<String>, err: io::Error) -> Self {
        SmtpError {
            shape: Shape::Text(format!("{}: {err}", what.into())),
            source: Some(Box::new(err)),
            ..SmtpError::new(kind, "")
        }
    }

    /// Attach the command this error happened after.
    pub(crate) fn with_command(mut self, command: &Command) -> Self {
        self.command = Some(command.error_text());
        self
    }

    /// This error with every secret in its text, command and reply
    /// replaced by `<redacted>` (a server may echo an AUTH response).
    pub(crate) fn redacted(mut self, secrets: &super::redact::Secrets) -> Self {
        if let Shape::Text(text) = &self.shape {
            self.shape = Shape::Text(secrets.redact(text));
        }
        self.command = self.command.map(|c| secrets.redact(&c));
        self.reply = self.reply.map(|r| secrets.redact_reply(&r));
        if self
            .source
            .as_ref()
            .is_some_and(|e| secrets.shows_any(&format!("{e} {e:?}")))
        {
            self.source = None;
        }
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The server's reply code, when a reply caused the error.
    pub fn code(&self) -> Option<u16> {
        self.reply.as_ref().map(Reply::code)
    }

    /// The command we sent (AUTH payloads never included).
    pub fn command(&self) -> Option<&str> {
        self.command.as_deref()
    }

    /// The server's whole reply text, lines joined by LF.
    pub fn reply(&self) -> Option<String> {
        self.reply.as_ref().map(Reply::to_string)
    }

    /// The enhanced status code of the reply (RFC 3463), e.g. `5.1.1`.
    pub fn enhanced_status(&self) -> Option<&str> {
        self.reply.as_ref().and_then(Reply::enhanced_status)
    }

    /// The exit status of a failed `:program` (None when killed by a signal).
    pub fn exit_status(&self) -> Option<i32> {
        self.exit_status
    }

    /// A 4yz reply: trying again later may succeed.
    pub fn is_transient(&self) -> bool {
        self.reply.as_ref().is_some_and(Reply::is_transient)
    }
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reply = self
            .reply
            .as_ref()
            .map(Reply::to_string)
            .unwrap_or_default();
        match &self.shape {
            Shape::Transaction => write!(
                f,
                "SMTP transaction failed.  We said: {:?}, and the server replied: {:?}",
                self.command.as_deref().unwrap_or(""),
                reply
            ),
            Shape::Greeting => write!(f, "initial connect failed: {reply:?}"),
            Shape::MessageNotSent => write!(f, "message not sent: {reply:?}"),
            Shape::AuthFailed => write!(f, "SMTP authentication failed: {reply}"),
            Shape::Text(text) => match (&self.command, &self.reply) {
                (Some(cmd), None) => write!(f, "{text} (after {cmd:?})"),
                _ => f.write_str(text),
            },
        }
    }
}

impl std::error::Error for SmtpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e.as_ref() as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allegro_shape() {
        let e = SmtpError::refused(
            ErrorKind::RejectedRecipient,
            &Command::Rcpt("x@y".into()),
            Reply::new(550, vec!["5.1.1 no such user".into()]),
        );
        assert_eq!(
            e.to_string(),
            r#"SMTP transaction failed.  We said: "RCPT TO:<x@y>", and the server replied: "550 5.1.1 no such user""#
        );
        assert_eq!(e.code(), Some(550));
        assert_eq!(e.command(), Some("RCPT TO:<x@y>"));
        assert_eq!(e.enhanced_status(), Some("5.1.1"));
        assert!(!e.is_transient());
    }

    #[test]
    fn transient() {
        let e = SmtpError::refused(
            ErrorKind::RejectedRecipient,
            &Command::Rcpt("x@y".into()),
            Reply::new(451, vec!["later".into()]),
        );
        assert!(e.is_transient());
    }
}

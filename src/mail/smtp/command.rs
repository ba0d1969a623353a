//! Commands we send. `Display` gives the exact bytes on the wire, CRLF
//! included; [`Command::trace_text`] gives the form shown in traces and
//! errors, with AUTH payloads redacted.

use std::fmt;

/// One SMTP command (RFC 5321 §4.1.1, RFC 3207, RFC 4954).
#[derive(Clone, PartialEq, Eq)]
pub enum Command {
    /// `EHLO name`.
    Ehlo(String),
    /// `HELO name`.
    Helo(String),
    /// `STARTTLS` (RFC 3207).
    StartTls,
    /// `AUTH MECH [initial-response]` (RFC 4954 §4).
    Auth {
        /// Mechanism name.
        mechanism: &'static str,
        /// Base64 initial response; secret.
        initial: Option<String>,
    },
    /// A base64 line answering a 334 challenge; secret.
    AuthResponse(String),
    /// `MAIL FROM:<addr>` with optional parameters.
    Mail {
        /// Reverse-path, without brackets.
        from: String,
        /// Add `SMTPUTF8` (RFC 6531 §3.4).
        smtputf8: bool,
        /// Add `BODY=8BITMIME` (RFC 6152).
        body_8bit: bool,
    },
    /// `RCPT TO:<addr>`.
    Rcpt(String),
    /// `DATA`.
    Data,
    /// `RSET`.
    Rset,
    /// `QUIT`.
    Quit,
    /// `VRFY string`.
    Vrfy(String),
}

impl Command {
    /// The command as shown in traces and errors: no CRLF, secrets redacted.
    pub fn trace_text(&self) -> String {
        match self {
            Command::Auth {
                mechanism,
                initial: Some(_),
            } => format!("AUTH {mechanism} <redacted>"),
            Command::AuthResponse(_) => "<redacted>".to_string(),
            other => {
                let s = other.to_string();
                s.trim_end_matches("\r\n").to_string()
            }
        }
    }

    /// The command named in an error: like `trace_text`, and an AUTH
    /// exchange is named by its `AUTH MECH` line only.
    pub(crate) fn error_text(&self) -> String {
        match self {
            Command::Auth { mechanism, .. } => format!("AUTH {mechanism}"),
            other => other.trace_text(),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Command::Ehlo(name) => write!(f, "EHLO {name}\r\n"),
            Command::Helo(name) => write!(f, "HELO {name}\r\n"),
            Command::StartTls => f.write_str("STARTTLS\r\n"),
            Command::Auth {
                mechanism,
                initial: None,
            } => write!(f, "AUTH {mechanism}\r\n"),
            Command::Auth {
                mechanism,
                initial: Some(ir),
            } => {
                // RFC 4954 §4: an empty initial response is sent as "=".
                let ir = if ir.is_empty() { "=" } else { ir };
                write!(f, "AUTH {mechanism} {ir}\r\n")
            }
            Command::AuthResponse(line) => write!(f, "{line}\r\n"),
            Command::Mail {
                from,
                smtputf8,
                body_8bit,
            } => {
                write!(f, "MAIL FROM:<{from}>")?;
                if *body_8bit {
                    f.write_str(" BODY=8BITMIME")?;
                }
                if *smtputf8 {
                    f.write_str(" SMTPUTF8")?;
                }
                f.write_str("\r\n")
            }
            Command::Rcpt(to) => write!(f, "RCPT TO:<{to}>\r\n"),
            Command::Data => f.write_str("DATA\r\n"),
            Command::Rset => f.write_str("RSET\r\n"),
            Command::Quit => f.write_str("QUIT\r\n"),
            Command::Vrfy(what) => write!(f, "VRFY {what}\r\n"),
        }
    }
}

// Debug must not leak AUTH payloads either.
impl fmt::Debug for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Command({:?})", self.trace_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_bytes() {
        let mail = Command::Mail {
            from: "a@b".into(),
            smtputf8: true,
            body_8bit: true,
        };
        assert_eq!(
            mail.to_string(),
            "MAIL FROM:<a@b> BODY=8BITMIME SMTPUTF8\r\n"
        );
        assert_eq!(Command::Rcpt("x@y".into()).to_string(), "RCPT TO:<x@y>\r\n");
        assert_eq!(
            Command::Mail {
                from: String::new(),
                smtputf8: false,
                body_8bit: false
            }
            .to_string(),
            "MAIL FROM:<>\r\n"
        );
    }

    #[test]
    fn auth_payloads_are_redacted() {
        let auth = Command::Auth {
            mechanism: "PLAIN",
            initial: Some("AGFsaWNlAHMzY3JldA==".into()),
        };
        assert_eq!(auth.to_string(), "AUTH PLAIN AGFsaWNlAHMzY3JldA==\r\n");
        assert_eq!(auth.trace_text(), "AUTH PLAIN <redacted>");
        assert_eq!(auth.error_text(), "AUTH PLAIN");
        assert!(!format!("{auth:?}").contains("AGFs"));
        assert_eq!(
            Command::AuthResponse("c2VjcmV0".into()).trace_text(),
            "<redacted>"
        );
    }
}

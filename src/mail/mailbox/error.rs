//! Failures of the IMAP and POP clients, named by Allegro's
//! `po-condition-identifier` keywords (imap.cl, spec §1.1) so the Lisp
//! layer can signal the `po-error` a script expects.

use std::fmt;

/// Allegro's identifiers, plus the few this client adds for the checks
/// Allegro does not make (TLS, refused cleartext passwords, connecting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identifier {
    /// A command's tagged NO/BAD that Allegro reports as a failure of the
    /// operation (select, fetch).
    Problem,
    /// Tagged NO/BAD, POP `-ERR`, a bad greeting, a tag out of order.
    ErrorResponse,
    /// A malformed argument (search form, message set, name).
    SyntaxError,
    /// A response that cannot be parsed.
    Unexpected,
    /// `* BYE`, or the connection was closed or broken.
    ServerShutdownConnection,
    /// No complete response within the time limit.
    Timeout,
    /// A response (or literal) larger than the limit.
    ResponseTooLarge,
    /// Ours: name resolution or TCP connect failed.
    ConnectFailed,
    /// Ours: TLS set-up, handshake or certificate failure; STARTTLS asked
    /// for and not offered.
    TlsFailed,
    /// Ours: the password would go in clear to a host that is not loopback.
    InsecureLogin,
    /// Ours: Ctrl-C ended a wait (the interrupt is still pending).
    Interrupted,
    /// Ours: a change refused under `--read-only`.
    ReadOnly,
}

impl Identifier {
    /// The keyword's name, as `po-condition-identifier` returns it.
    pub fn keyword(self) -> &'static str {
        match self {
            Identifier::Problem => "PROBLEM",
            Identifier::ErrorResponse => "ERROR-RESPONSE",
            Identifier::SyntaxError => "SYNTAX-ERROR",
            Identifier::Unexpected => "UNEXPECTED",
            Identifier::ServerShutdownConnection => "SERVER-SHUTDOWN-CONNECTION",
            Identifier::Timeout => "TIMEOUT",
            Identifier::ResponseTooLarge => "RESPONSE-TOO-LARGE",
            Identifier::ConnectFailed => "CONNECT-FAILED",
            Identifier::TlsFailed => "TLS-FAILED",
            Identifier::InsecureLogin => "INSECURE-LOGIN",
            Identifier::Interrupted => "INTERRUPTED",
            Identifier::ReadOnly => "READ-ONLY",
        }
    }
}

/// One failure: what kind, our words, and the server's text if it said
/// something (`po-condition-server-string`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoError {
    pub identifier: Identifier,
    pub message: String,
    pub server_string: String,
}

impl PoError {
    pub fn new(identifier: Identifier, message: impl Into<String>) -> Self {
        PoError {
            identifier,
            message: message.into(),
            server_string: String::new(),
        }
    }

    /// With the server's text attached.
    pub fn with_server(mut self, text: impl Into<String>) -> Self {
        self.server_string = text.into();
        self
    }

    /// Replace every secret in the message and the server text.
    pub fn redacted(mut self, secrets: &[String]) -> Self {
        self.message = redact(&self.message, secrets);
        self.server_string = redact(&self.server_string, secrets);
        self
    }
}

/// What replaces a secret in traces and errors.
pub const REDACTED: &str = "<redacted>";

/// `text` with every non-empty secret replaced, longest first.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut sorted: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for s in sorted {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REDACTED);
        }
    }
    out
}

impl fmt::Display for PoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PoError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_longest_first() {
        let secrets = vec!["se".to_string(), "secret".to_string()];
        assert_eq!(redact("login me secret", &secrets), "login me <redacted>");
        let e = PoError::new(Identifier::ErrorResponse, "pass secret")
            .with_server("bad secret")
            .redacted(&secrets);
        assert!(!e.message.contains("secret") && !e.server_string.contains("secret"));
    }
}

//! What to connect to and how: the server description, credentials and
//! envelope. Plain data with public fields, so the Lisp layer can fill them
//! from a server form field by field.

use std::path::PathBuf;
use std::time::Duration;

/// How TLS is used on the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain TCP for the whole session.
    #[default]
    None,
    /// TLS from the first byte (`:ssl t`, port 465 style; RFC 8314).
    Implicit,
    /// STARTTLS (RFC 3207); an error when the server does not offer it.
    StartTls,
    /// STARTTLS when offered, plaintext otherwise (`:starttls :if-available`).
    StartTlsIfAvailable,
}

/// Lowest TLS version accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsVersion {
    /// TLS 1.2 or 1.3.
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

/// TLS client options (Allegro's `:ca-file`, `:verify`, ... keywords).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// Extra PEM bundle of trusted CA certificates, added to the system store.
    pub ca_file: Option<PathBuf>,
    /// Directory of extra PEM CA certificates.
    pub ca_directory: Option<PathBuf>,
    /// Client certificate chain (PEM); needs `key`.
    pub certificate: Option<PathBuf>,
    /// Private key of the client certificate (PEM).
    pub key: Option<PathBuf>,
    /// Verify the server certificate (default true).
    pub verify: bool,
    /// Lowest accepted protocol version.
    pub min_version: TlsVersion,
    /// Name used for SNI and certificate verification instead of the host.
    pub server_name: Option<String>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            ca_file: None,
            ca_directory: None,
            certificate: None,
            key: None,
            verify: true,
            min_version: TlsVersion::Tls12,
            server_name: None,
        }
    }
}

/// A SASL mechanism we can use (RFC 4954).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMechanism {
    /// RFC 4616.
    Plain,
    /// The de-facto LOGIN mechanism (draft-murchison-sasl-login).
    Login,
    /// RFC 2195.
    CramMd5,
    /// Google/Microsoft OAuth2 bearer token; the password is the token.
    Xoauth2,
}

impl AuthMechanism {
    /// The name used in `AUTH` commands and EHLO replies.
    pub fn name(self) -> &'static str {
        match self {
            AuthMechanism::Plain => "PLAIN",
            AuthMechanism::Login => "LOGIN",
            AuthMechanism::CramMd5 => "CRAM-MD5",
            AuthMechanism::Xoauth2 => "XOAUTH2",
        }
    }
}

/// Default limits of RFC 5321 §4.5.3.2 (and a connect limit of our own).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Limit for each reply (RFC 5321 §4.5.3.2: 5 minutes).
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// Limit for the reply to the end of data (RFC 5321 §4.5.3.2.6: 10 minutes).
pub const DATA_END_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Time limits of one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP connect (and each address tried).
    pub connect: Duration,
    /// Each reply, and each write.
    pub reply: Duration,
    /// The reply after the final `.`.
    pub data_end: Duration,
}

/// An SMTP server and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// Host name or IPv4/IPv6 literal (brackets optional). Also the name
    /// verified in the server certificate unless `tls_options.server_name`.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// TLS options, used for implicit TLS and STARTTLS alike.
    pub tls_options: TlsOptions,
    /// One limit for connect and every reply (`:timeout`); `None` = defaults.
    pub timeout: Option<Duration>,
    /// Force this mechanism instead of choosing among the advertised ones.
    pub auth: Option<AuthMechanism>,
    /// EHLO/HELO argument; default: the local host name when fully
    /// qualified, else the address literal of the local socket.
    pub client_name: Option<String>,
    /// Allow credentials over plaintext to a non-loopback host.
    pub allow_insecure_auth: bool,
    /// Connect the socket to this address instead of `host`:`port`; `host`
    /// is still used for certificate verification and SNI.
    pub connect_to: Option<(String, u16)>,
}

impl Default for Server {
    fn default() -> Self {
        Server {
            host: "localhost".to_string(),
            port: 25,
            tls: TlsMode::None,
            tls_options: TlsOptions::default(),
            timeout: None,
            auth: None,
            client_name: None,
            allow_insecure_auth: false,
            connect_to: None,
        }
    }
}

impl Server {
    /// A server at `host`:`port` with every other setting at its default.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Server {
            host: host.into(),
            port,
            ..Server::default()
        }
    }

    /// The time limits in force: `timeout` for all, else the defaults.
    pub fn timeouts(&self) -> Timeouts {
        match self.timeout {
            Some(t) => Timeouts {
                connect: t,
                reply: t,
                data_end: t,
            },
            None => Timeouts {
                connect: CONNECT_TIMEOUT,
                reply: REPLY_TIMEOUT,
                data_end: DATA_END_TIMEOUT,
            },
        }
    }

    /// The host without IPv6 brackets.
    pub(crate) fn bare_host(&self) -> &str {
        strip_brackets(&self.host)
    }
}

pub(crate) fn strip_brackets(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// A login and a password (or OAuth2 token for XOAUTH2).
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Login name.
    pub user: String,
    /// Password, or the bearer token for XOAUTH2.
    pub password: String,
}

impl Credentials {
    /// Credentials from a login and a password.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }
}

// Never print the password, not even in debug output.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The SMTP envelope (RFC 5321 §2.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// Reverse-path; `""` is the null path `<>`.
    pub from: String,
    /// Forward-paths, in order, duplicates kept.
    pub recipients: Vec<String>,
    /// The content holds raw 8-bit bytes (asks for `BODY=8BITMIME`).
    pub eight_bit: bool,
}

impl Envelope {
    /// True when an address is not ASCII, so SMTPUTF8 is needed (RFC 6531).
    pub fn needs_smtputf8(&self) -> bool {
        !self.from.is_ascii() || self.recipients.iter().any(|r| !r.is_ascii())
    }
}

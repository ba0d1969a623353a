//! SASL for SMTP AUTH (RFC 4954): choosing a mechanism, the credentials
//! policy, and each mechanism's exchange, sans I/O.

use std::net::IpAddr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use md5::Md5;

use super::error::{ErrorKind, SmtpError};
use super::server::{AuthMechanism, Credentials};

/// Default preference among advertised mechanisms (behaviour §7).
const PREFERENCE: [AuthMechanism; 3] = [
    AuthMechanism::Plain,
    AuthMechanism::Login,
    AuthMechanism::CramMd5,
];

/// May credentials be sent on this connection? Only over TLS, with the
/// explicit opt-in, or in clear when both the server we were asked for
/// (`host`) and the socket's peer are this machine. A loopback peer alone
/// is not enough: with a `connect_to` override (or a local forwarder) the
/// credentials meant for a remote host would leave the machine in clear.
pub fn credentials_allowed(tls: bool, peer: IpAddr, host: &str, allow_insecure: bool) -> bool {
    tls || allow_insecure || (is_loopback(peer) && names_loopback(host))
}

/// `localhost`, a `*.localhost` name (RFC 6761 §6.3), or a loopback
/// address literal (brackets allowed).
fn names_loopback(host: &str) -> bool {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let name = bare.strip_suffix('.').unwrap_or(bare).to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    let literal = name.strip_prefix("ipv6:").unwrap_or(&name);
    literal.parse::<IpAddr>().is_ok_and(is_loopback)
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// The error when [`credentials_allowed`] says no.
pub(crate) fn insecure_error() -> SmtpError {
    SmtpError::new(
        ErrorKind::Auth,
        "refusing to send credentials over an unencrypted connection: use :ssl t \
         or :starttls t, or :allow-insecure-auth t to send them in clear",
    )
}

/// Pick the mechanism: the forced one if the server offers it, else the
/// first of PLAIN, LOGIN, CRAM-MD5 that it offers. XOAUTH2 only when forced.
pub fn choose_mechanism(
    offered: &[String],
    forced: Option<AuthMechanism>,
) -> Result<AuthMechanism, SmtpError> {
    let offers = |m: AuthMechanism| offered.iter().any(|o| o.eq_ignore_ascii_case(m.name()));
    if offered.is_empty() {
        return Err(SmtpError::new(
            ErrorKind::Auth,
            "credentials were given but the server offers no AUTH (many servers offer it \
             only after TLS: try :starttls t or :ssl t)",
        ));
    }
    let list = offered.join(" ");
    match forced {
        Some(m) if offers(m) => Ok(m),
        Some(m) => Err(SmtpError::new(
            ErrorKind::Auth,
            format!("the server does not offer AUTH {} (it offers: {list})", m.name()),
        )),
        None => PREFERENCE.into_iter().find(|&m| offers(m)).ok_or_else(|| {
            SmtpError::new(
                ErrorKind::Auth,
                format!("no usable AUTH mechanism: the server offers {list}; we support PLAIN, LOGIN, CRAM-MD5 (and XOAUTH2 with :auth :xoauth2)"),
            )
        }),
    }
}

/// One mechanism's side of the exchange.
pub struct Exchange<'c> {
    mechanism: AuthMechanism,
    credentials: &'c Credentials,
    step: u8,
    bad_challenges: u8,
    /// Every secret sent so far beyond the password: the base64 strings
    /// and a CRAM-MD5 digest.
    sent: Vec<String>,
}

impl<'c> Exchange<'c> {
    /// Start `mechanism` with `credentials`.
    pub fn new(mechanism: AuthMechanism, credentials: &'c Credentials) -> Self {
        let mut x = Exchange {
            mechanism,
            credentials,
            step: 0,
            bad_challenges: 0,
            sent: Vec::new(),
        };
        if let Some(initial) = x.initial_response() {
            x.sent.push(initial);
        }
        x
    }

    /// What a server must never be seen echoing: the password (an XOAUTH2
    /// token), its base64, and everything this exchange has sent so far.
    pub fn secrets(&self) -> impl Iterator<Item = String> + '_ {
        let password = &self.credentials.password;
        [password.clone(), B64.encode(password)]
            .into_iter()
            .chain(self.sent.iter().cloned())
    }

    /// The base64 initial response sent with `AUTH` (RFC 4954 §4), if any.
    pub fn initial_response(&self) -> Option<String> {
        let c = self.credentials;
        match self.mechanism {
            // RFC 4616 §2: [authzid] NUL authcid NUL passwd
            AuthMechanism::Plain => Some(B64.encode(format!("\0{}\0{}", c.user, c.password))),
            AuthMechanism::Xoauth2 => Some(B64.encode(format!(
                "user={}\x01auth=Bearer {}\x01\x01",
                c.user, c.password
            ))),
            AuthMechanism::Login | AuthMechanism::CramMd5 => None,
        }
    }

    /// Answer a 334 challenge (the reply text after `334 `), base64.
    pub fn respond(&mut self, challenge: &str) -> Result<String, SmtpError> {
        let decoded = match B64.decode(challenge.trim()) {
            Ok(bytes) => bytes,
            // Tolerated once, as Allegro does for Amazon SES.
            Err(_) if self.bad_challenges == 0 => {
                self.bad_challenges += 1;
                Vec::new()
            }
            Err(e) => {
                return Err(SmtpError::new(
                    ErrorKind::Auth,
                    format!("failed to decode the server's AUTH challenge {challenge:?}: {e}"),
                ))
            }
        };
        self.step += 1;
        let c = self.credentials;
        let answer = match (self.mechanism, self.step) {
            // Never parse LOGIN prompts: the first is the user, the second the password.
            (AuthMechanism::Login, 1) => B64.encode(&c.user),
            (AuthMechanism::Login, 2) => B64.encode(&c.password),
            (AuthMechanism::CramMd5, 1) => {
                let answer = cram_md5(&c.user, &c.password, &decoded);
                if let Some((_, digest)) = answer.rsplit_once(' ') {
                    self.sent.push(digest.to_string());
                }
                B64.encode(answer)
            }
            // XOAUTH2 failure: the 334 carries a JSON error; an empty line
            // makes the server send the final 535.
            (AuthMechanism::Xoauth2, _) => String::new(),
            // PLAIN after an empty 334 (server ignored the initial response).
            (AuthMechanism::Plain, 1) if decoded.is_empty() => {
                self.initial_response().unwrap_or_default()
            }
            _ => {
                return Err(SmtpError::new(
                    ErrorKind::Auth,
                    format!(
                        "unexpected AUTH {} challenge from the server",
                        self.mechanism.name()
                    ),
                ))
            }
        };
        self.sent.push(answer.clone());
        Ok(answer)
    }
}

/// RFC 2195: `user SP hex(HMAC-MD5(password, challenge))`.
pub fn cram_md5(user: &str, password: &str, challenge: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Md5>::new_from_slice(password.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(challenge);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{user} {hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn rfc2195_example() {
        let challenge = B64
            .decode("PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+")
            .unwrap();
        assert_eq!(challenge, b"<1896.697170952@postoffice.reston.mci.net>");
        let answer = cram_md5("tim", "tanstaaftanstaaf", &challenge);
        assert_eq!(answer, "tim b913a602c7eda7a495b4e6e7334d3890");
        assert_eq!(
            B64.encode(answer),
            "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"
        );
    }

    #[test]
    fn choice() {
        use AuthMechanism::*;
        assert_eq!(
            choose_mechanism(&offered("LOGIN PLAIN"), None).unwrap(),
            Plain
        );
        assert_eq!(
            choose_mechanism(&offered("CRAM-MD5 LOGIN"), None).unwrap(),
            Login
        );
        assert_eq!(
            choose_mechanism(&offered("cram-md5"), None).unwrap(),
            CramMd5
        );
        assert_eq!(
            choose_mechanism(&offered("PLAIN XOAUTH2"), Some(Xoauth2)).unwrap(),
            Xoauth2
        );
        assert!(choose_mechanism(&offered("XOAUTH2"), None).is_err());
        assert!(choose_mechanism(&offered("PLAIN"), Some(CramMd5)).is_err());
        assert!(choose_mechanism(&[], None).is_err());
    }

    #[test]
    fn policy() {
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let lo6: IpAddr = "::1".parse().unwrap();
        let far: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(credentials_allowed(false, lo, "127.0.0.1", false));
        assert!(credentials_allowed(false, lo, "localhost", false));
        assert!(credentials_allowed(false, lo6, "[::1]", false));
        assert!(credentials_allowed(false, lo6, "LocalHost.", false));
        assert!(credentials_allowed(false, lo, "mx.localhost", false));
        assert!(!credentials_allowed(false, far, "192.0.2.1", false));
        assert!(!credentials_allowed(false, far, "localhost", false));
        assert!(credentials_allowed(true, far, "mx.example.com", false));
        assert!(credentials_allowed(false, far, "mx.example.com", true));
    }

    #[test]
    fn loopback_peer_alone_is_not_enough() {
        // `connect_to` (or a local forwarder) to 127.0.0.1 for a remote name.
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        for host in [
            "mx.example.com",
            "192.0.2.1",
            "localhost.example.com",
            "[10.0.0.1]",
        ] {
            assert!(!credentials_allowed(false, lo, host, false), "{host}");
        }
    }

    #[test]
    fn login_ignores_prompt_text_and_tolerates_one_bad_challenge() {
        let c = Credentials::new("alice", "s3cret");
        let mut x = Exchange::new(AuthMechanism::Login, &c);
        assert_eq!(x.initial_response(), None);
        assert_eq!(x.respond("not base64!").unwrap(), B64.encode("alice"));
        assert!(x.respond("still not base64!").is_err());
    }

    #[test]
    fn every_string_sent_is_a_secret() {
        let c = Credentials::new("alice", "s3cret");
        let mut x = Exchange::new(AuthMechanism::CramMd5, &c);
        let answer = x.respond(&B64.encode("<1.2@host>")).unwrap();
        let secrets: Vec<String> = x.secrets().collect();
        assert!(secrets.contains(&"s3cret".to_string()));
        assert!(secrets.contains(&B64.encode("s3cret")));
        assert!(secrets.contains(&answer));
        let hex = cram_md5("alice", "s3cret", b"<1.2@host>");
        assert!(secrets.iter().any(|s| hex.ends_with(&format!(" {s}"))));
        let plain = Exchange::new(AuthMechanism::Plain, &c);
        assert!(plain.secrets().any(|s| s == "AGFsaWNlAHMzY3JldA=="));
    }

    #[test]
    fn plain_and_xoauth2_initial_responses() {
        let c = Credentials::new("alice", "s3cret");
        assert_eq!(
            Exchange::new(AuthMechanism::Plain, &c)
                .initial_response()
                .unwrap(),
            "AGFsaWNlAHMzY3JldA=="
        );
        let x = Exchange::new(AuthMechanism::Xoauth2, &c)
            .initial_response()
            .unwrap();
        assert_eq!(
            B64.decode(x).unwrap(),
            b"user=alice\x01auth=Bearer s3cret\x01\x01"
        );
    }
}

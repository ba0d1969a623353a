//! What the IMAP and POP dialogues need of a connection: bytes in and out
//! under a deadline, and an upgrade to TLS. The real one is
//! [`super::link::Link`]; tests script a server in memory.

use std::io::{self, Read, Write};
use std::net::IpAddr;

use super::error::{Identifier, PoError};

pub trait Channel: Read + Write {
    /// Reads and writes from now on must finish within the time limit;
    /// `what` names the wait in errors.
    fn arm(&mut self, what: &str);
    /// The time limit, in words (`"30 s"`), for errors.
    fn limit_text(&self) -> String;
    /// Switch to TLS now (STARTTLS/STLS accepted).
    fn start_tls(&mut self) -> Result<(), PoError>;
    fn is_tls(&self) -> bool;
    fn peer_ip(&self) -> IpAddr;
}

/// A read or write failure, named as Allegro would.
pub fn io_error(chan: &dyn Channel, what: &str, e: &io::Error) -> PoError {
    if crate::mail::smtp::socket::is_interrupted(e) {
        return PoError::new(
            Identifier::Interrupted,
            format!("interrupted (Ctrl-C) while waiting for {what}"),
        );
    }
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => PoError::new(
            Identifier::Timeout,
            format!("timed out after {} waiting for {what}", chan.limit_text()),
        ),
        io::ErrorKind::InvalidData if chan.is_tls() => PoError::new(
            Identifier::TlsFailed,
            format!("TLS failure while waiting for {what}: {e}"),
        ),
        _ => PoError::new(
            Identifier::ServerShutdownConnection,
            format!("{what}: {e}; most likely the server shut down the connection"),
        ),
    }
}

/// Read more bytes into `buf` (at most `chunk` at a time).
pub fn fill(chan: &mut dyn Channel, buf: &mut Vec<u8>, what: &str) -> Result<(), PoError> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match chan.read(&mut chunk) {
            Ok(0) => {
                return Err(PoError::new(
                    Identifier::ServerShutdownConnection,
                    format!("the server closed the connection while we waited for {what}"),
                ))
            }
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(());
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io_error(chan, what, &e)),
        }
    }
}

/// Send `bytes` whole.
pub fn send(chan: &mut dyn Channel, bytes: &[u8], what: &str) -> Result<(), PoError> {
    chan.arm(what);
    let r = chan.write_all(bytes).and_then(|_| chan.flush());
    r.map_err(|e| io_error(chan, what, &e))
}

/// The password may go only over TLS or to loopback, unless the script
/// allowed it in the host list (the rule SMTP AUTH follows too).
pub fn check_login_allowed(
    chan: &dyn Channel,
    host: &str,
    allow_insecure: bool,
) -> Result<(), PoError> {
    if crate::mail::smtp::auth::credentials_allowed(
        chan.is_tls(),
        chan.peer_ip(),
        host,
        allow_insecure,
    ) {
        return Ok(());
    }
    Err(PoError::new(
        Identifier::InsecureLogin,
        format!(
            "refusing to send the password in clear to {host}: use (\"{host}\" :ssl t) or \
             (\"{host}\" :starttls t), or allow it with :allow-insecure-auth t in the host list"
        ),
    ))
}

/// STARTTLS (RFC 3501 §6.2.1) or STLS (RFC 2595 §4) was asked for but the
/// capabilities do not list it: fail rather than go on in clear.
pub fn tls_not_offered(command: &str) -> PoError {
    PoError::new(
        Identifier::TlsFailed,
        format!(
            "{command} was asked for but the server does not offer it; nothing was sent in clear"
        ),
    )
}

/// Upgrade to TLS after the server accepted `command`. Bytes already
/// buffered after its OK came in clear and could be injected
/// (CVE-2011-0411), so they end the session instead.
pub fn upgrade_after_ok(
    chan: &mut dyn Channel,
    buffered: &[u8],
    closed: &mut bool,
    command: &str,
    ok: &str,
) -> Result<(), PoError> {
    if !buffered.is_empty() {
        *closed = true;
        return Err(PoError::new(
            Identifier::TlsFailed,
            format!(
                "the server sent data after its {ok} to {command} (possible response injection)"
            ),
        ));
    }
    chan.start_tls()
}

#[cfg(test)]
pub mod script {
    //! A scripted server for dialogue tests: answers are queued bytes,
    //! what the client writes is kept.
    use super::*;
    use std::collections::VecDeque;

    #[derive(Default)]
    pub struct Scripted {
        pub input: VecDeque<u8>,
        pub written: Vec<u8>,
        pub tls: bool,
        pub peer: Option<IpAddr>,
        /// After this many more bytes are read, reads time out.
        pub stall_after: Option<usize>,
        /// Each command written puts its tag in place of the next `TAG`
        /// of the queued answers (tags are process-wide, so unknown).
        pub retag: bool,
    }

    impl Scripted {
        pub fn new(server: &str) -> Self {
            Scripted {
                input: server.bytes().collect(),
                ..Default::default()
            }
        }
        pub fn written_text(&self) -> String {
            String::from_utf8_lossy(&self.written).into_owned()
        }
    }

    impl Read for Scripted {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let mut n = buf.len().min(self.input.len());
            if self.retag {
                // Answers wait for the command that gives them their tag.
                let input: Vec<u8> = self.input.iter().copied().collect();
                if let Some(i) = input.windows(4).position(|w| w == b"TAG ") {
                    if i == 0 {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "no command yet"));
                    }
                    n = n.min(i);
                }
            }
            if let Some(left) = self.stall_after.as_mut() {
                if *left == 0 {
                    return Err(io::Error::new(io::ErrorKind::TimedOut, "stalled"));
                }
                n = n.min(*left);
                *left -= n;
            }
            for b in buf.iter_mut().take(n) {
                *b = self.input.pop_front().unwrap_or(0);
            }
            Ok(n)
        }
    }

    impl Write for Scripted {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.written.extend_from_slice(buf);
            if self.retag {
                let tag: Vec<u8> = buf.iter().take_while(|&&b| b != b' ').copied().collect();
                let input: Vec<u8> = self.input.iter().copied().collect();
                if tag.len() == 3 {
                    if let Some(i) = input.windows(4).position(|w| w == b"TAG ") {
                        for (k, b) in tag.iter().enumerate() {
                            self.input[i + k] = *b;
                        }
                    }
                }
            }
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Channel for Scripted {
        fn arm(&mut self, _: &str) {}
        fn limit_text(&self) -> String {
            "1 s".into()
        }
        fn start_tls(&mut self) -> Result<(), PoError> {
            self.tls = true;
            Ok(())
        }
        fn is_tls(&self) -> bool {
            self.tls
        }
        fn peer_ip(&self) -> IpAddr {
            self.peer.unwrap_or(IpAddr::from([127, 0, 0, 1]))
        }
    }
}

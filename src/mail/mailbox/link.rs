//! The real [`Channel`]: TCP (or `--connect-to`'s address), rustls for
//! implicit TLS and STARTTLS/STLS, and the SMTP engine's deadline socket
//! under both, so a server that stalls or drips bytes cannot hold a wait
//! past the time limit, and Ctrl-C ends it.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use rustls::{ClientConnection, StreamOwned};

use super::channel::Channel;
use super::error::{Identifier, PoError};
use crate::mail::smtp::server::strip_brackets;
use crate::mail::smtp::socket::{is_interrupted, Socket};
use crate::mail::smtp::transport::{connect_interruptibly, secs};
use crate::mail::smtp::{tls, ErrorKind, SmtpError, TlsOptions};

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The host as the script named it (verified in the certificate).
    pub host: String,
    pub port: u16,
    /// TLS from the first byte.
    pub implicit_tls: bool,
    pub tls_options: TlsOptions,
    /// Each wait (connect, every response, every write).
    pub timeout: Duration,
    /// `--connect-to`: the address actually dialled.
    pub connect_to: Option<(String, u16)>,
}

enum Stream {
    Plain(Socket<'static>),
    Tls(Box<StreamOwned<ClientConnection, Socket<'static>>>),
}

pub struct Link {
    stream: Option<Stream>,
    timeout: Duration,
    peer: SocketAddr,
    host: String,
    tls_options: TlsOptions,
}

fn from_smtp(e: SmtpError) -> PoError {
    let id = match e.kind() {
        ErrorKind::Timeout => Identifier::Timeout,
        ErrorKind::Tls => Identifier::TlsFailed,
        ErrorKind::Interrupted => Identifier::Interrupted,
        ErrorKind::BadArgument => Identifier::SyntaxError,
        _ => Identifier::ConnectFailed,
    };
    PoError::new(id, e.to_string())
}

impl Link {
    pub fn open(ep: &Endpoint) -> Result<Link, PoError> {
        let (host, port) = match &ep.connect_to {
            Some((h, p)) => (strip_brackets(h).to_string(), *p),
            None => (strip_brackets(&ep.host).to_string(), ep.port),
        };
        let (tcp, peer) =
            connect_interruptibly(&host, port, ep.timeout, &mut None).map_err(from_smtp)?;
        let _ = tcp.set_nodelay(true);
        let mut link = Link {
            stream: Some(Stream::Plain(Socket::new(tcp, None))),
            timeout: ep.timeout,
            peer,
            host: strip_brackets(&ep.host).to_string(),
            tls_options: ep.tls_options.clone(),
        };
        if ep.implicit_tls {
            link.upgrade(true)?;
        }
        Ok(link)
    }

    fn upgrade(&mut self, implicit: bool) -> Result<(), PoError> {
        let config = tls::client_config(&self.tls_options).map_err(from_smtp)?;
        let name = tls::server_name(&self.host, &self.tls_options).map_err(from_smtp)?;
        let mut socket = match self.stream.take() {
            Some(Stream::Plain(s)) => s,
            other => {
                self.stream = other;
                return Ok(());
            }
        };
        socket.set_deadline(self.timeout, "the TLS handshake");
        let conn = ClientConnection::new(config, name)
            .map_err(|e| from_smtp(tls::tls_error("set-up", e)))?;
        let mut tls = StreamOwned::new(conn, socket);
        while tls.conn.is_handshaking() {
            if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                if matches!(
                    e.kind(),
                    io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock
                ) {
                    return Err(PoError::new(
                        Identifier::Timeout,
                        format!("TLS handshake timed out after {}", secs(self.timeout)),
                    ));
                }
                if is_interrupted(&e) {
                    return Err(PoError::new(
                        Identifier::Interrupted,
                        "interrupted (Ctrl-C) during the TLS handshake",
                    ));
                }
                return Err(from_smtp(tls::handshake_error(&self.host, implicit, e)));
            }
        }
        self.stream = Some(Stream::Tls(Box::new(tls)));
        Ok(())
    }

    fn socket(&mut self) -> Option<&mut Socket<'static>> {
        match self.stream.as_mut()? {
            Stream::Plain(s) => Some(s),
            Stream::Tls(t) => Some(&mut t.sock),
        }
    }
}

fn lost() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "the connection was lost")
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.stream.as_mut() {
            Some(Stream::Plain(s)) => s.read(buf),
            Some(Stream::Tls(s)) => s.read(buf),
            None => Err(lost()),
        }
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.stream.as_mut() {
            Some(Stream::Plain(s)) => s.write(buf),
            Some(Stream::Tls(s)) => s.write(buf),
            None => Err(lost()),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self.stream.as_mut() {
            Some(Stream::Plain(s)) => s.flush(),
            Some(Stream::Tls(s)) => s.flush(),
            None => Err(lost()),
        }
    }
}

impl Channel for Link {
    fn arm(&mut self, what: &str) {
        let limit = self.timeout;
        if let Some(s) = self.socket() {
            s.set_deadline(limit, what);
        }
    }
    fn limit_text(&self) -> String {
        secs(self.timeout)
    }
    fn start_tls(&mut self) -> Result<(), PoError> {
        self.upgrade(false)
    }
    fn is_tls(&self) -> bool {
        matches!(self.stream, Some(Stream::Tls(_)))
    }
    fn peer_ip(&self) -> IpAddr {
        self.peer.ip()
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        // Best effort close_notify (RFC 8446 §6.1).
        if let Some(Stream::Tls(tls)) = self.stream.as_mut() {
            tls.sock.set_deadline(Duration::from_secs(1), "");
            tls.conn.send_close_notify();
            while tls.conn.wants_write() {
                if tls.conn.write_tls(&mut tls.sock).is_err() {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::mailbox::imap::ImapSession;
    use crate::mail::mailbox::response::Limits;
    use std::net::TcpListener;
    use std::time::Instant;

    #[test]
    fn a_silent_server_times_out_within_the_limit() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let keep = std::thread::spawn(move || {
            l.accept().map(|(s, _)| {
                std::thread::sleep(Duration::from_millis(1500));
                drop(s)
            })
        });
        let ep = Endpoint {
            host: "127.0.0.1".into(),
            port,
            implicit_tls: false,
            tls_options: TlsOptions::default(),
            timeout: Duration::from_millis(400),
            connect_to: None,
        };
        let t = Instant::now();
        let link = Link::open(&ep).unwrap();
        let e = ImapSession::open(link, Limits::default(), false)
            .err()
            .unwrap();
        assert_eq!(e.identifier, Identifier::Timeout, "{e}");
        assert!(
            t.elapsed() < Duration::from_millis(1200),
            "{:?}",
            t.elapsed()
        );
        let _ = keep.join();
    }
}

//! A minimal SMTP client: the raw loopback limit for sending letters. It
//! speaks the same dialogue sendletter does (EHLO, pipelined MAIL/RCPT/DATA,
//! content, QUIT) with a fixed letter of about the same size, and checks
//! only the first digit of each reply.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A letter shaped like the one the bench script sends through sendletter.
pub const LETTER: &[u8] = b"From: sender@example.com\r\n\
To: rcpt@example.com\r\n\
Subject: bench\r\n\
Date: Sun, 29 Nov 2026 02:38:54 +0000\r\n\
Message-ID: <1795919934.25885.0.9b7527330c13ea4e@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain;\r\n    charset=\"utf-8\"\r\n\
Content-Transfer-Encoding: 7bit\r\n\
\r\n\
Hello, this is a benchmark letter.\r\n";

/// A TLS client configuration trusting the CA in `ca_pem` (made once and
/// shared by every connection, so sessions can be resumed).
pub fn tls_config(ca_pem: &[u8]) -> Result<Arc<ClientConfig>, String> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        roots
            .add(cert.map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

struct Session<S> {
    s: S,
    inb: Vec<u8>,
}

impl<S: Read + Write> Session<S> {
    /// Read one complete (possibly multi-line) reply; its code's first digit.
    fn reply(&mut self) -> io::Result<u8> {
        let mut chunk = [0u8; 4096];
        loop {
            // A reply ends with a line whose fourth byte is a space.
            let mut start = 0;
            while let Some(p) = self.inb[start..].iter().position(|&b| b == b'\n') {
                let line = &self.inb[start..start + p + 1];
                if line.len() < 4 || line[3] != b'-' {
                    let first = line.first().copied().unwrap_or(b'5');
                    self.inb.drain(..start + p + 1);
                    return Ok(first);
                }
                start += p + 1;
            }
            let n = self.s.read(&mut chunk)?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed"));
            }
            self.inb.extend_from_slice(&chunk[..n]);
        }
    }

    fn expect(&mut self, digit: u8) -> io::Result<()> {
        let got = self.reply()?;
        if got != digit {
            return Err(io::Error::other(format!(
                "expected a {}xx reply, got {}xx",
                digit as char, got as char
            )));
        }
        Ok(())
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.s.write_all(bytes)?;
        self.s.flush()
    }

    /// One transaction: pipelined envelope, then the content.
    fn letter(&mut self) -> io::Result<()> {
        self.send(b"MAIL FROM:<sender@example.com>\r\nRCPT TO:<rcpt@example.com>\r\nDATA\r\n")?;
        self.expect(b'2')?;
        self.expect(b'2')?;
        self.expect(b'3')?;
        let mut content = Vec::with_capacity(LETTER.len() + 8);
        content.extend_from_slice(LETTER);
        content.extend_from_slice(b".\r\n");
        self.send(&content)?;
        self.expect(b'2')
    }
}

fn open(addr: SocketAddr, tls: Option<&Arc<ClientConfig>>) -> io::Result<Box<dyn ReadWrite>> {
    let tcp = TcpStream::connect(addr)?;
    tcp.set_nodelay(true)?;
    Ok(match tls {
        None => Box::new(tcp),
        Some(config) => {
            let name = ServerName::try_from("localhost").map_err(io::Error::other)?;
            let conn = ClientConnection::new(config.clone(), name).map_err(io::Error::other)?;
            Box::new(StreamOwned::new(conn, tcp))
        }
    })
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

fn start(
    addr: SocketAddr,
    tls: Option<&Arc<ClientConfig>>,
) -> io::Result<Session<Box<dyn ReadWrite>>> {
    let mut s = Session {
        s: open(addr, tls)?,
        inb: Vec::with_capacity(4096),
    };
    s.expect(b'2')?;
    s.send(b"EHLO localhost\r\n")?;
    s.expect(b'2')?;
    Ok(s)
}

fn quit<S: Read + Write>(mut s: Session<S>) -> io::Result<()> {
    s.send(b"QUIT\r\n")?;
    s.expect(b'2')
}

/// Send `count` letters to `addr`, a new connection for each (or one
/// connection for all with `reuse`).
pub fn send_letters(
    addr: SocketAddr,
    count: u64,
    reuse: bool,
    tls: Option<&Arc<ClientConfig>>,
) -> io::Result<()> {
    if reuse {
        let mut s = start(addr, tls)?;
        for _ in 0..count {
            s.letter()?;
        }
        return quit(s);
    }
    for _ in 0..count {
        let mut s = start(addr, tls)?;
        s.letter()?;
        quit(s)?;
    }
    Ok(())
}

/// Ask the bench sink for its counters (`XSTATS`): the reply text.
pub fn sink_stats(addr: SocketAddr) -> io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.write_all(b"XSTATS\r\nQUIT\r\n")?;
    let mut text = String::new();
    s.read_to_string(&mut text)?;
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("250 sessions="))
        .map(|rest| format!("sessions={rest}"))
        .unwrap_or_default())
}

//! A minimal SMTP sink: answers every command at once, advertises
//! PIPELINING and 8BITMIME, discards message content while counting letters
//! and bytes. Plain TCP or implicit TLS with a certificate from an
//! in-process CA. One thread per connection.
//!
//! Replies are buffered and written only when the sink needs more input,
//! so a pipelined batch (RFC 2920) gets its replies in one write.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// Counters shared by every connection.
#[derive(Default, Debug)]
pub struct Stats {
    pub sessions: AtomicU64,
    pub letters: AtomicU64,
    /// Message content bytes, as received (dot-stuffed, CRLF).
    pub bytes: AtomicU64,
}

/// A server certificate for `localhost` and 127.0.0.1 and the CA that
/// signed it (the client trusts `ca_pem`).
pub struct Pki {
    pub ca_pem: String,
    pub server_config: Arc<ServerConfig>,
}

/// Make a CA and a `localhost` certificate signed by it.
pub fn pki() -> Result<Pki, String> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose};
    let e = |e: rcgen::Error| e.to_string();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(e)?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "sendletter bench CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(e)?;
    let ca = ca_params.self_signed(&ca_key).map_err(e)?;
    let leaf_params =
        CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])
            .map_err(e)?;
    let leaf_key = KeyPair::generate().map_err(e)?;
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).map_err(e)?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let certs: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| e.to_string())?;
    Ok(Pki {
        ca_pem: ca.pem(),
        server_config: Arc::new(config),
    })
}

/// A bound, not yet serving, sink.
pub struct Sink {
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    pub stats: Arc<Stats>,
}

impl Sink {
    /// Bind to `127.0.0.1:port` (0 = any free port).
    pub fn bind(port: u16, tls: Option<Arc<ServerConfig>>) -> io::Result<Sink> {
        Ok(Sink {
            listener: TcpListener::bind(("127.0.0.1", port))?,
            tls,
            stats: Arc::new(Stats::default()),
        })
    }

    pub fn addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accept connections forever, each on its own thread.
    pub fn serve(self) {
        for conn in self.listener.incoming() {
            let Ok(tcp) = conn else { continue };
            let stats = self.stats.clone();
            let tls = self.tls.clone();
            std::thread::spawn(move || {
                let _ = tcp.set_nodelay(true);
                stats.sessions.fetch_add(1, Ordering::Relaxed);
                let _ = match tls {
                    Some(config) => match ServerConnection::new(config) {
                        Ok(c) => session(StreamOwned::new(c, tcp), &stats),
                        Err(_) => Ok(()),
                    },
                    None => session(tcp, &stats),
                };
            });
        }
    }

    /// Serve on a background thread; returns the address and the counters.
    pub fn spawn(self) -> io::Result<(SocketAddr, Arc<Stats>)> {
        let addr = self.addr()?;
        let stats = self.stats.clone();
        std::thread::spawn(move || self.serve());
        Ok((addr, stats))
    }
}

/// Input buffer, pending replies and the stream of one session.
struct Conn<S> {
    s: S,
    inb: Vec<u8>,
    lo: usize,
    hi: usize,
    out: Vec<u8>,
}

impl<S: Read + Write> Conn<S> {
    /// Send the pending replies, then read more input. `Ok(false)` at EOF.
    fn fill(&mut self) -> io::Result<bool> {
        if !self.out.is_empty() {
            self.s.write_all(&self.out)?;
            self.s.flush()?;
            self.out.clear();
        }
        if self.lo == self.hi {
            self.lo = 0;
            self.hi = 0;
        } else if self.hi == self.inb.len() {
            self.inb.copy_within(self.lo..self.hi, 0);
            self.hi -= self.lo;
            self.lo = 0;
            if self.hi == self.inb.len() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "line too long"));
            }
        }
        let n = self.s.read(&mut self.inb[self.hi..])?;
        self.hi += n;
        Ok(n > 0)
    }

    /// Consume message content up to and including `CRLF.CRLF`; returns
    /// the number of bytes consumed.
    fn data(&mut self) -> io::Result<u64> {
        // Matched prefix of "\r\n.\r\n"; content starts as if after CRLF.
        let mut st = 2u8;
        let mut count = 0u64;
        loop {
            while self.lo < self.hi {
                if st == 0 {
                    // Fast path: skip to the next line end.
                    let rest = &self.inb[self.lo..self.hi];
                    match rest.iter().position(|&b| b == b'\n') {
                        Some(p) => {
                            self.lo += p + 1;
                            count += p as u64 + 1;
                            st = 2;
                        }
                        None => {
                            count += rest.len() as u64;
                            self.lo = self.hi;
                        }
                    }
                    continue;
                }
                let b = self.inb[self.lo];
                self.lo += 1;
                count += 1;
                st = match (st, b) {
                    (2, b'.') => 3,
                    (3, b'\r') => 4,
                    (4, b'\n') => return Ok(count),
                    (_, b'\n') => 2,
                    _ => 0,
                };
            }
            if !self.fill()? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in DATA",
                ));
            }
        }
    }
}

/// One SMTP session until QUIT or EOF.
pub fn session<S: Read + Write>(s: S, stats: &Stats) -> io::Result<()> {
    let mut c = Conn {
        s,
        inb: vec![0; 64 * 1024],
        lo: 0,
        hi: 0,
        out: b"220 localhost bench sink ESMTP\r\n".to_vec(),
    };
    loop {
        let Some(nl) = c.inb[c.lo..c.hi].iter().position(|&b| b == b'\n') else {
            if !c.fill()? {
                return Ok(());
            }
            continue;
        };
        let mut verb = [0u8; 4];
        for (d, s) in verb.iter_mut().zip(&c.inb[c.lo..c.lo + nl]) {
            *d = s.to_ascii_uppercase();
        }
        c.lo += nl + 1;
        match &verb {
            b"EHLO" => c.out.extend_from_slice(
                b"250-localhost\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            ),
            b"HELO" => c.out.extend_from_slice(b"250 localhost\r\n"),
            b"MAIL" | b"RCPT" | b"RSET" | b"NOOP" => c.out.extend_from_slice(b"250 OK\r\n"),
            b"DATA" => {
                c.out.extend_from_slice(b"354 go ahead\r\n");
                let n = c.data()?;
                stats.letters.fetch_add(1, Ordering::Relaxed);
                stats.bytes.fetch_add(n, Ordering::Relaxed);
                c.out.extend_from_slice(b"250 OK queued\r\n");
            }
            b"QUIT" => {
                c.out.extend_from_slice(b"221 bye\r\n");
                c.s.write_all(&c.out)?;
                return c.s.flush();
            }
            // Not SMTP: the counters, for the bench script.
            b"XSTA" => {
                let line = format!(
                    "250 sessions={} letters={} bytes={}\r\n",
                    stats.sessions.load(Ordering::Relaxed),
                    stats.letters.load(Ordering::Relaxed),
                    stats.bytes.load(Ordering::Relaxed)
                );
                c.out.extend_from_slice(line.as_bytes());
            }
            _ => c.out.extend_from_slice(b"502 not implemented\r\n"),
        }
    }
}

//! A scripted SMTP server on loopback for the engine's tests: it plays a
//! list of steps (send canned bytes, read client lines, switch to TLS) and
//! records every byte the client sent, TLS or not, so tests can assert the
//! client's exact bytes. Shared by the session, TLS, fault and attack tests.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use sendletter::mail::smtp::Server;

/// One step of the server's script.
pub enum Step {
    /// Write these bytes.
    Send(String),
    /// Write these bytes, which need not be UTF-8.
    Raw(Vec<u8>),
    /// Read at least this many bytes of whatever the client sends.
    Bytes(usize),
    /// Fix our receive buffer at 256 KiB (no autotuning), so a client
    /// writing to a server that reads nothing blocks soon.
    SmallWindow,
    /// Read this many CRLF-terminated lines from the client.
    Lines(usize),
    /// Read message content up to and including the `.` line.
    Data,
    /// Do the server side of a TLS handshake; later steps run inside TLS.
    Tls,
    /// Read `n` bytes, then wait `every`, `times` times: a server that
    /// takes the content a trickle at a time.
    Trickle {
        n: usize,
        every: Duration,
        times: usize,
    },
    /// Wait.
    Sleep(Duration),
    /// Close the connection now.
    Close,
}

/// Read one command line, then send `reply`.
pub fn on_line(reply: &str) -> [Step; 2] {
    [Step::Lines(1), Step::Send(reply.to_string())]
}

pub fn send(s: &str) -> Step {
    Step::Send(s.to_string())
}

enum FStream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ServerConnection, TcpStream>>),
}

impl FStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            FStream::Plain(s) => s.read(buf),
            FStream::Tls(s) => s.read(buf),
        }
    }
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            FStream::Plain(s) => s.write_all(b).and_then(|_| s.flush()),
            FStream::Tls(s) => s.write_all(b).and_then(|_| s.flush()),
        }
    }
}

/// A running fake server.
pub struct FakeServer {
    pub addr: SocketAddr,
    handle: JoinHandle<Vec<Vec<u8>>>,
}

impl FakeServer {
    /// Serve one connection with `steps`, plain TCP.
    pub fn start(steps: Vec<Step>) -> Self {
        Self::start_with_tls(steps, None)
    }

    /// Serve one connection; `Step::Tls` uses `tls`.
    pub fn start_with_tls(steps: Vec<Step>, tls: Option<Arc<ServerConfig>>) -> Self {
        let mut steps = Some(steps);
        Self::start_many(1, tls, move || steps.take().unwrap_or_default())
    }

    /// Serve `count` connections one after another, each with a fresh
    /// script from `script`.
    pub fn start_many(
        count: usize,
        tls: Option<Arc<ServerConfig>>,
        mut script: impl FnMut() -> Vec<Step> + Send + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let handle = thread::spawn(move || {
            (0..count)
                .map(|_| {
                    let (sock, _) = listener.accept().expect("accept");
                    sock.set_read_timeout(Some(Duration::from_secs(10))).ok();
                    sock.set_nodelay(true).ok();
                    run(sock, script(), tls.clone())
                })
                .collect()
        });
        FakeServer { addr, handle }
    }

    /// A server description pointing here, with a fixed EHLO name.
    pub fn server(&self) -> Server {
        Server {
            client_name: Some("client.test".into()),
            timeout: Some(Duration::from_secs(5)),
            ..Server::new("127.0.0.1", self.addr.port())
        }
    }

    /// Everything the client sent (`<TLS>` marks the handshake).
    pub fn transcript(self) -> String {
        String::from_utf8_lossy(&self.transcript_bytes()).into_owned()
    }

    /// Everything the client sent, as bytes (all connections, in order).
    pub fn transcript_bytes(self) -> Vec<u8> {
        self.handle.join().expect("fake server thread").concat()
    }

    /// How many connections were served.
    pub fn connections(self) -> usize {
        self.handle.join().expect("fake server thread").len()
    }
}

fn run(sock: TcpStream, steps: Vec<Step>, tls: Option<Arc<ServerConfig>>) -> Vec<u8> {
    let mut stream = FStream::Plain(sock);
    let mut pending: Vec<u8> = Vec::new();
    let mut record: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 65536];
    // Read until `pred` finds the end in `pending`; move those bytes to `record`.
    let mut fill = |stream: &mut FStream,
                    pending: &mut Vec<u8>,
                    record: &mut Vec<u8>,
                    end: &dyn Fn(&[u8]) -> Option<usize>|
     -> bool {
        loop {
            if let Some(n) = end(pending) {
                record.extend(pending.drain(..n));
                return true;
            }
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => {
                    record.append(pending);
                    return false;
                }
                Ok(n) => pending.extend_from_slice(&chunk[..n]),
            }
        }
    };
    for step in steps {
        match step {
            Step::Send(s) => {
                if stream.write_all(s.as_bytes()).is_err() {
                    break;
                }
            }
            Step::Raw(b) => {
                if stream.write_all(&b).is_err() {
                    record.extend_from_slice(b"<SEND FAILED>");
                    return record;
                }
            }
            Step::Bytes(n) => {
                let end = move |b: &[u8]| (b.len() >= n).then_some(n);
                if !fill(&mut stream, &mut pending, &mut record, &end) {
                    return record;
                }
            }
            Step::Lines(n) => {
                let end = move |b: &[u8]| {
                    let mut seen = 0;
                    for (i, &c) in b.iter().enumerate() {
                        if c == b'\n' {
                            seen += 1;
                            if seen == n {
                                return Some(i + 1);
                            }
                        }
                    }
                    None
                };
                if !fill(&mut stream, &mut pending, &mut record, &end) {
                    return record;
                }
            }
            Step::Data => {
                let end = |b: &[u8]| {
                    if b.starts_with(b".\r\n") {
                        return Some(3);
                    }
                    b.windows(5).position(|w| w == b"\r\n.\r\n").map(|p| p + 5)
                };
                if !fill(&mut stream, &mut pending, &mut record, &end) {
                    return record;
                }
            }
            Step::Tls => {
                assert!(
                    pending.is_empty(),
                    "client sent bytes before the TLS handshake"
                );
                let FStream::Plain(sock) = stream else {
                    panic!("TLS twice")
                };
                let config = tls.clone().expect("a TLS config for Step::Tls");
                let conn = ServerConnection::new(config).expect("server connection");
                let mut s = StreamOwned::new(conn, sock);
                while s.conn.is_handshaking() {
                    if s.conn.complete_io(&mut s.sock).is_err() {
                        record.extend_from_slice(b"<TLS FAILED>");
                        return record;
                    }
                }
                record.extend_from_slice(b"<TLS>");
                stream = FStream::Tls(Box::new(s));
            }
            Step::SmallWindow => {
                if let FStream::Plain(sock) = &stream {
                    shrink_receive_buffer(sock);
                }
            }
            Step::Trickle { n, every, times } => {
                let mut buf = vec![0u8; n];
                for _ in 0..times {
                    let got = stream.read(&mut buf).unwrap_or(0);
                    if got == 0 {
                        return record;
                    }
                    record.extend_from_slice(&buf[..got]);
                    thread::sleep(every);
                }
            }
            Step::Sleep(d) => thread::sleep(d),
            Step::Close => return record,
        }
    }
    // Whatever else the client sends until it closes.
    let never = |_: &[u8]| None;
    fill(&mut stream, &mut pending, &mut record, &never);
    record
}

fn shrink_receive_buffer(sock: &TcpStream) {
    use std::os::fd::AsRawFd;
    let size: libc::c_int = 256 * 1024;
    // SAFETY: a valid socket descriptor and a pointer to a c_int of the
    // length given.
    let rc = unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(rc, 0, "setsockopt SO_RCVBUF");
}

/// Fail if `text` shows `password` in clear or in any base64 form a SASL
/// exchange could carry (PLAIN, LOGIN, XOAUTH2).
pub fn assert_no_secret(password: &str, text: &str) {
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine as _;
    let forms = [
        password.to_string(),
        B64.encode(password),
        B64.encode(format!("\0alice\0{password}")),
        B64.encode(format!("user=alice\x01auth=Bearer {password}\x01\x01")),
    ];
    for f in forms {
        assert!(!text.contains(&f), "secret {f:?} shown in: {text}");
    }
}

/// A CA and a `localhost`/127.0.0.1 certificate made in-process.
pub struct Pki {
    /// The CA certificate, PEM, in a temporary file.
    pub ca_file: tempfile::NamedTempFile,
    pub server_config: Arc<ServerConfig>,
}

/// What is wrong with the server certificate of [`pki_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cert {
    /// Signed by the CA, names `localhost` and 127.0.0.1, valid now.
    Good,
    /// Signed by the CA, but expired last year.
    Expired,
    /// Names `localhost`, but signed by itself, not by the CA.
    SelfSigned,
    /// Signed by the CA, valid, but for `other.example` only.
    WrongHost,
}

pub fn pki() -> Pki {
    pki_with(Cert::Good)
}

pub fn pki_with(kind: Cert) -> Pki {
    use rcgen::{
        date_time_ymd, BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "sendletter test CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().expect("ca key");
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");

    let names = match kind {
        Cert::WrongHost => vec!["other.example".to_string()],
        _ => vec!["localhost".to_string(), "127.0.0.1".to_string()],
    };
    let mut leaf_params = CertificateParams::new(names).expect("leaf params");
    if kind == Cert::Expired {
        leaf_params.not_before = date_time_ymd(2020, 1, 1);
        leaf_params.not_after = date_time_ymd(2021, 1, 1);
    }
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = match kind {
        Cert::SelfSigned => leaf_params.self_signed(&leaf_key),
        _ => leaf_params.signed_by(&leaf_key, &ca, &ca_key),
    }
    .expect("leaf cert");

    let mut ca_file = tempfile::NamedTempFile::new().expect("tempfile");
    ca_file.write_all(ca.pem().as_bytes()).expect("write ca");

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let certs: Vec<CertificateDer<'static>> = vec![leaf.der().clone()];
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server config");
    Pki {
        ca_file,
        server_config: Arc::new(config),
    }
}

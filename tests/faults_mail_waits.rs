//! The mail engine's waits (issue 13, items 5, 6, 9, 15): every wait has
//! a deadline that a peer cannot stretch by dripping bytes, TLS included;
//! `:program` delivery waits for the program's own exit and has a limit;
//! Ctrl-C at the REPL ends a network or program wait; certificate failures
//! say what is wrong in plain words. Loopback only, seconds each.

mod common;

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use common::{on_line, open_pty, pki, pki_with, send, Cert, FakeServer, Step};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use sendletter::mail::program::{self, ProgramCommand};
use sendletter::mail::smtp::{
    self, Envelope, ErrorKind, Server, SmtpError, TlsMode, TlsOptions, TraceEvent,
};

/// The limit the network cases run with, and how much later than it an
/// error may come on a loaded machine.
const TIMEOUT: Duration = Duration::from_secs(1);
const SLACK: Duration = Duration::from_millis(1200);
/// The drip: one byte this often, which a per-read socket timeout of
/// `TIMEOUT` never notices.
const DRIP: Duration = Duration::from_millis(150);

fn envelope() -> Envelope {
    Envelope {
        from: "me@example.com".into(),
        recipients: vec!["a@x.org".into()],
        eight_bit: false,
    }
}

/// Implicit TLS to `port` on loopback, certificate not checked (the
/// dripping servers are about time, not trust).
fn tls_server(port: u16) -> Server {
    Server {
        client_name: Some("client.test".into()),
        timeout: Some(TIMEOUT),
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            verify: false,
            ..TlsOptions::default()
        },
        ..Server::new("127.0.0.1", port)
    }
}

/// Deliver and return the error and how long it took; no panic allowed.
fn timed(server: &Server, message: &[u8]) -> (Result<(), SmtpError>, Duration, String) {
    let mut trace = Vec::new();
    let start = Instant::now();
    let mut sink = |ev: &TraceEvent| trace.push(ev.to_string());
    let r = smtp::deliver(
        server,
        None,
        &envelope(),
        &mut &message[..],
        Some(&mut sink),
    );
    (r, start.elapsed(), trace.join("\n"))
}

/// Write `bytes` one at a time, `DRIP` apart, for at most `budget`; stop
/// when the client has gone.
fn drip(sock: &mut TcpStream, bytes: &[u8], budget: Duration) {
    let end = Instant::now() + budget;
    for b in bytes {
        if Instant::now() > end || sock.write_all(std::slice::from_ref(b)).is_err() {
            return;
        }
        thread::sleep(DRIP);
    }
}

/// A TLS server on loopback run by `serve` on its own thread.
fn tls_peer(
    serve: impl FnOnce(TcpStream, Arc<ServerConfig>) + Send + 'static,
) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let config = pki().server_config;
    let handle = thread::spawn(move || {
        let (sock, _) = listener.accept().expect("accept");
        sock.set_read_timeout(Some(Duration::from_secs(10))).ok();
        sock.set_nodelay(true).ok();
        serve(sock, config);
    });
    (port, handle)
}

/// The encrypted bytes rustls has queued, taken out instead of sent.
fn queued(conn: &mut ServerConnection) -> Vec<u8> {
    let mut out = Vec::new();
    while conn.wants_write() {
        if conn.write_tls(&mut out).is_err() {
            break;
        }
    }
    out
}

fn read_line(tls: &mut StreamOwned<ServerConnection, TcpStream>) -> Option<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while !line.ends_with(b"\n") {
        match tls.read(&mut b) {
            Ok(1) => line.push(b[0]),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&line).into_owned())
}

fn read_data(tls: &mut StreamOwned<ServerConnection, TcpStream>) -> Option<()> {
    while read_line(tls)? != ".\r\n" {}
    Some(())
}

// --- item 5: TLS time limits ----------------------------------------------

#[test]
fn a_dripped_tls_handshake_ends_at_the_time_limit() {
    let (port, peer) = tls_peer(|mut sock, config| {
        let mut conn = ServerConnection::new(config).expect("server connection");
        // Take the ClientHello, then send our whole flight a byte at a time.
        while conn.is_handshaking() && !conn.wants_write() {
            match conn.read_tls(&mut sock) {
                Ok(0) | Err(_) => return,
                Ok(_) => {
                    if conn.process_new_packets().is_err() {
                        return;
                    }
                }
            }
        }
        let flight = queued(&mut conn);
        drip(&mut sock, &flight, Duration::from_secs(6));
    });
    // Long enough for the trace to announce the wait (after 1 s).
    let limit = Duration::from_millis(1500);
    let server = Server {
        timeout: Some(limit),
        ..tls_server(port)
    };
    let (r, took, trace) = timed(&server, b"Subject: x\n\nbody\n");
    let e = r.expect_err("a handshake that never finishes in time must fail");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(e.to_string(), "TLS handshake timed out after 1.5 s");
    assert!(took < limit + SLACK, "took {took:?}");
    assert!(
        trace.contains(";; waiting for the TLS handshake (time limit 1.5 s)…"),
        "{trace}"
    );
    peer.join().expect("server thread");
}

/// The end-of-data reply of a TLS session, dripped: a whole record takes
/// seconds to arrive, each byte well within a per-read timeout.
#[test]
fn a_dripped_tls_reply_ends_at_the_time_limit() {
    let (port, server) = tls_peer(|sock, config| {
        let conn = ServerConnection::new(config).expect("server connection");
        let mut tls = StreamOwned::new(conn, sock);
        let say = |tls: &mut StreamOwned<ServerConnection, TcpStream>, text: &str| {
            tls.write_all(text.as_bytes())
                .and_then(|_| tls.flush())
                .is_ok()
        };
        if !say(&mut tls, "220 drip.test ESMTP\r\n") {
            return;
        }
        for reply in [
            "250 drip.test\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "354 go\r\n",
        ] {
            if read_line(&mut tls).is_none() || !say(&mut tls, reply) {
                return;
            }
        }
        if read_data(&mut tls).is_none() {
            return;
        }
        let _ = tls
            .conn
            .writer()
            .write_all(b"250 2.0.0 queued as 12345\r\n");
        let record = queued(&mut tls.conn);
        drip(&mut tls.sock, &record, Duration::from_secs(8));
    });
    let (r, took, _) = timed(&tls_server(port), b"Subject: x\n\nbody\n");
    let e = r.expect_err("a reply that never arrives in time must fail");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        e.to_string(),
        "timed out after 1 s waiting for the reply to \"DATA\" (after \"DATA\")"
    );
    assert!(took < TIMEOUT + SLACK, "took {took:?}");
    server.join().expect("server thread");
}

/// A server that reads the TLS content slowly: each socket write makes
/// progress, but no 64 KiB piece is taken within the limit.
#[test]
fn a_slow_reader_over_tls_ends_at_the_time_limit() {
    // Set when the client has given up: the server then stops reading
    // (the kernel would otherwise go on handing it the buffered MiBs).
    let done = Arc::new(AtomicBool::new(false));
    let client_done = done.clone();
    let (port, server) = tls_peer(move |sock, config| {
        shrink_receive_buffer(&sock);
        let conn = ServerConnection::new(config).expect("server connection");
        let mut tls = StreamOwned::new(conn, sock);
        let say = |tls: &mut StreamOwned<ServerConnection, TcpStream>, text: &str| {
            tls.write_all(text.as_bytes())
                .and_then(|_| tls.flush())
                .is_ok()
        };
        if !say(&mut tls, "220 slow.test ESMTP\r\n") {
            return;
        }
        for reply in [
            "250 slow.test\r\n",
            "250 ok\r\n",
            "250 ok\r\n",
            "354 go\r\n",
        ] {
            if read_line(&mut tls).is_none() || !say(&mut tls, reply) {
                return;
            }
        }
        // 4 KiB of the encrypted stream every 200 ms: 20 KiB/s.
        let mut buf = vec![0u8; 4096];
        let end = Instant::now() + Duration::from_secs(10);
        while Instant::now() < end && !done.load(Ordering::Relaxed) {
            match tls.sock.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(_) => thread::sleep(Duration::from_millis(200)),
            }
        }
    });
    let big = vec![b'q'; 16 << 20];
    let (r, took, _) = timed(&tls_server(port), &big);
    client_done.store(true, Ordering::Relaxed);
    let e = r.expect_err("content the server does not take in time must fail");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        e.to_string(),
        "sending the message timed out after 1 s (after \"DATA\")"
    );
    // The kernel takes a few MiB before the first piece blocks.
    assert!(took < Duration::from_millis(4500), "took {took:?}");
    server.join().expect("server thread");
}

fn shrink_receive_buffer(sock: &TcpStream) {
    let size: libc::c_int = 64 * 1024;
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

// --- item 15: what a TLS failure says ---------------------------------------

#[test]
fn a_self_signed_certificate_is_explained_with_the_options_that_help() {
    let pki = pki_with(Cert::SelfSigned);
    let fake = FakeServer::start_with_tls(vec![Step::Tls], Some(pki.server_config.clone()));
    let server = Server {
        host: "localhost".into(),
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            ca_file: Some(pki.ca_file.path().to_path_buf()),
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    let (r, _, _) = timed(&server, b"x\n");
    let e = r.expect_err("an untrusted certificate must be refused");
    assert_eq!(e.kind(), ErrorKind::Tls);
    assert_eq!(
        e.to_string(),
        "TLS: handshake with localhost failed: certificate not trusted (self-signed / unknown \
         issuer): give the CA certificate that signed it with :ca-file (or :ca-directory), or \
         skip the check with :verify nil (not recommended)"
    );
    assert_eq!(fake.transcript(), "<TLS FAILED>");
}

/// The case as first reported: a self-signed server certificate with the
/// same (default) name as a CA the client trusts, but another key type.
/// webpki then reports `UnsupportedSignatureAlgorithmForPublicKeyContext`
/// — which is still "not trusted" to the user.
#[test]
fn a_self_signed_certificate_named_like_a_trusted_ca_is_not_trusted() {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate_for(&rcgen::PKCS_ED25519).expect("ca key");
    let ca = ca_params.self_signed(&ca_key).expect("ca cert");
    let leaf_params = CertificateParams::new(vec!["localhost".to_string()]).expect("leaf");
    let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("leaf key");
    let leaf = leaf_params.self_signed(&leaf_key).expect("leaf cert");
    let mut ca_file = tempfile::NamedTempFile::new().expect("tempfile");
    ca_file.write_all(ca.pem().as_bytes()).expect("write ca");
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(leaf.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
            )
            .expect("server config");
    let fake = FakeServer::start_with_tls(vec![Step::Tls], Some(Arc::new(config)));
    let server = Server {
        host: "localhost".into(),
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            ca_file: Some(ca_file.path().to_path_buf()),
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    let (r, _, _) = timed(&server, b"x\n");
    let e = r.expect_err("an untrusted certificate must be refused");
    assert_eq!(e.kind(), ErrorKind::Tls);
    assert!(
        e.to_string()
            .contains("certificate not trusted (self-signed / unknown issuer)"),
        "{e}"
    );
    drop(fake.transcript());
}

#[test]
fn a_plain_server_on_a_tls_port_hints_at_starttls() {
    let fake = FakeServer::start(vec![send("220 plain.test ESMTP\r\n")]);
    let server = Server {
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            verify: false,
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    let (r, _, _) = timed(&server, b"x\n");
    let e = r.expect_err("plain SMTP is not TLS");
    assert_eq!(e.kind(), ErrorKind::Tls);
    let text = e.to_string();
    assert!(
        text.starts_with("TLS: handshake with 127.0.0.1 failed: the server did not answer in TLS")
            && text.contains("use :starttls t instead of :ssl t"),
        "{text}"
    );
    drop(fake.transcript());
}

#[test]
fn a_silent_greeting_on_port_465_hints_at_ssl() {
    let fake = FakeServer::start(vec![Step::Sleep(Duration::from_secs(2))]);
    let server = Server {
        timeout: Some(TIMEOUT),
        port: 465,
        connect_to: Some(("127.0.0.1".into(), fake.addr.port())),
        ..fake.server()
    };
    let (r, _, _) = timed(&server, b"x\n");
    let e = r.expect_err("no greeting");
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        e.to_string(),
        "timed out after 1 s waiting for the server's greeting (port 465 usually expects TLS \
         from the start: use :ssl t)"
    );
    drop(fake.transcript());
}

// --- item 9 (engine side): -v says what it waits for ------------------------

#[test]
fn a_slow_greeting_is_announced_in_the_trace() {
    let mut steps = vec![
        Step::Sleep(Duration::from_millis(1300)),
        send("220 slow.test ESMTP\r\n"),
    ];
    steps.extend(on_line("250 slow.test\r\n"));
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        steps.extend(on_line(r));
    }
    steps.push(Step::Data);
    steps.push(send("250 queued\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let out = sendletter(
        &["-v", "-e", &format!(
            "(net.post-office:send-letter '(\"127.0.0.1\" :port {} :timeout 5) \"me@example.com\" \"a@x.org\" \"hi\")",
            fake.addr.port()
        )],
        Duration::from_secs(10),
    );
    assert!(out.status.success(), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(";; waiting for the server's greeting (time limit 5 s)…\n220 slow.test"),
        "{}",
        out.stderr
    );
    // Replies that come at once are not announced.
    assert_eq!(
        out.stderr.matches(";; waiting").count(),
        1,
        "{}",
        out.stderr
    );
    drop(fake.transcript());
}

// --- item 6: :program waits ---------------------------------------------------

fn sh(line: &str) -> ProgramCommand {
    ProgramCommand::Argv(vec!["/bin/sh".into(), "-c".into(), line.into()])
}

#[test]
fn a_program_leaving_a_background_child_returns_at_its_own_exit() {
    let start = Instant::now();
    program::deliver(
        &sh("cat >/dev/null; sleep 6 & exit 0"),
        &mut &b"To: x@y\n\nhi\n"[..],
    )
    .expect("exit status 0 is success");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_program_that_never_exits_is_killed_at_the_limit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_file = dir.path().join("pid");
    let line = format!(
        "echo $$ > '{}'; cat >/dev/null; exec sleep 30",
        pid_file.display()
    );
    let start = Instant::now();
    let e = program::deliver_within(&sh(&line), &mut &b"hi\n"[..], TIMEOUT).unwrap_err();
    assert!(start.elapsed() < TIMEOUT + SLACK, "{:?}", start.elapsed());
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(
        e.to_string()
            .ends_with("did not finish within 1 s; it was killed and the message is not sent"),
        "{e}"
    );
    assert_gone(&pid_file);
}

/// The program whose pid is in `pid_file` is no longer running.
fn assert_gone(pid_file: &std::path::Path) {
    let pid: libc::pid_t = std::fs::read_to_string(pid_file)
        .expect("pid file")
        .trim()
        .parse()
        .expect("pid");
    // SAFETY: signal 0 only checks that the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    assert!(!alive, "program {pid} still running");
}

#[test]
fn program_timeout_from_lisp() {
    let script = r#"
(handler-case
    (net.post-office:send-letter
     '(:program "/bin/sh" "-c" "cat >/dev/null; exec sleep 30" :timeout 0.5)
     "me@example.com" "a@x.org" "hi")
  (net.post-office:smtp-error (e) (format t "caught: ~a~%" e)))
(handler-case
    (net.post-office:send-letter '(:program "/bin/true" :timeout -1) "me@example.com" "a@x.org" "hi")
  (error (e) (format t "refused: ~a~%" e)))
(handler-case
    (net.post-office:send-letter '("127.0.0.1" :port 1 :timeout 1d300) "me@example.com" "a@x.org" "hi")
  (error (e) (format t "refused too: ~a~%" e)))
"#;
    let start = Instant::now();
    let out = sendletter(&["-e", script], Duration::from_secs(10));
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
    assert!(
        out.stdout.contains(
            "caught: the program \"/bin/sh -c cat >/dev/null; exec sleep 30\" did not finish \
             within 0.5 s; it was killed"
        ),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        out.stdout
            .contains(":timeout must be a positive number of seconds"),
        "{}",
        out.stdout
    );
    // Too long for a Duration: refused, not a panic.
    assert!(
        out.stdout.contains(
            "refused too: send-letter: bad server (\"127.0.0.1\" :PORT 1 :TIMEOUT 1.0d300): \
             :timeout must be a positive number of seconds (at most a year)"
        ),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
}

#[test]
fn verbose_notes_a_long_program_run() {
    let script = r#"(net.post-office:send-letter '(:program "/bin/sh" "-c" "cat >/dev/null; sleep 1.3") "me@example.com" "a@x.org" "hi")"#;
    let out = sendletter(&["-v", "-e", script], Duration::from_secs(10));
    assert!(out.status.success(), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        ";; waiting for the program \"/bin/sh -c cat >/dev/null; sleep 1.3\" to finish (time \
         limit 600 s)…\n"
    );
}

struct Output {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
}

/// Run sendletter with `args`, killed if it takes longer than `limit`.
fn sendletter(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run sendletter");
    let end = Instant::now() + limit;
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    Output {
        status: out.status,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// --- item 9: Ctrl-C at the REPL ends a mail wait -----------------------------

const PROMPT: &str = "CL-USER> ";

/// The REPL on a pseudo-terminal (as in tests/repl.rs, reduced).
struct Repl {
    child: Child,
    master: std::fs::File,
    pending: Vec<u8>,
}

impl Repl {
    fn start(history: &std::path::Path) -> Repl {
        let (master, slave) = open_pty().expect("pty");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sendletter"));
        cmd.env("SENDLETTER_HISTORY", history)
            .env("TERM", "xterm")
            .env_remove("XDG_STATE_HOME")
            .stdin(Stdio::from(slave.try_clone().expect("dup")))
            .stdout(Stdio::from(slave.try_clone().expect("dup")))
            .stderr(Stdio::from(slave));
        // SAFETY: only async-signal-safe calls between fork and exec; the
        // child gets its own session with the pty as controlling terminal.
        unsafe {
            cmd.pre_exec(|| {
                if libc::setsid() == -1 || libc::ioctl(0, libc::TIOCSCTTY, 0) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn the REPL");
        drop(cmd);
        let mut r = Repl {
            child,
            master: std::fs::File::from(master),
            pending: Vec::new(),
        };
        r.expect(PROMPT, Duration::from_secs(10))
            .expect("first prompt");
        r
    }

    fn send(&mut self, keys: &str) {
        self.master.write_all(keys.as_bytes()).expect("keys");
    }

    /// Wait up to `limit` for `needle`; return the output before it.
    fn expect(&mut self, needle: &str, limit: Duration) -> Result<String, String> {
        let end = Instant::now() + limit;
        loop {
            if let Some(at) = self
                .pending
                .windows(needle.len())
                .position(|w| w == needle.as_bytes())
            {
                let before = String::from_utf8_lossy(&self.pending[..at]).into_owned();
                self.pending.drain(..at + needle.len());
                return Ok(before);
            }
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(String::from_utf8_lossy(&self.pending).into_owned());
            }
            let mut fd = libc::pollfd {
                fd: self.master.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = left.as_millis().clamp(1, 60_000) as i32;
            // SAFETY: one valid pollfd, and 1 is its count.
            if unsafe { libc::poll(&mut fd, 1, ms) } <= 0 {
                continue;
            }
            let mut chunk = [0u8; 4096];
            match self.master.read(&mut chunk) {
                Ok(0) => return Err("end of output".into()),
                Ok(n) => self.pending.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading the pty: {e}")),
            }
        }
    }
}

impl Drop for Repl {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How the interrupt reaches the REPL.
#[derive(Clone, Copy)]
enum CtrlC {
    /// Typed at the terminal: SIGINT to the whole foreground process
    /// group, a `:program` included.
    Key,
    /// SIGINT to the REPL's process alone.
    Signal,
}

/// Type `form`, let it start waiting, interrupt: the interrupt is reported
/// within a second and the REPL is back at its prompt.
fn interrupt(repl: &mut Repl, form: &str, how: CtrlC) -> Duration {
    repl.send(form);
    repl.send("\r");
    thread::sleep(Duration::from_millis(600));
    let start = Instant::now();
    match how {
        CtrlC::Key => repl.send("\x03"),
        // SAFETY: signalling our own child process.
        CtrlC::Signal => unsafe {
            libc::kill(repl.child.id() as libc::pid_t, libc::SIGINT);
        },
    }
    let out = repl
        .expect("INTERACTIVE-INTERRUPT", Duration::from_secs(5))
        .unwrap_or_else(|got| panic!("{form}: no interrupt report; got {got:?}"));
    let took = start.elapsed();
    assert!(!out.contains("SMTP-ERROR"), "{form}: {out:?}");
    repl.expect(PROMPT, Duration::from_secs(5))
        .expect("a prompt after the interrupt");
    took
}

/// A listening socket whose accept queue is full: a connect to it hangs.
struct FullListener {
    port: u16,
    _fd: OwnedFd,
    _queued: Option<TcpStream>,
}

fn full_listener() -> FullListener {
    // SAFETY: a new socket, owned at once; bind and listen get a valid
    // sockaddr_in of the length given; getsockname writes within it.
    let (fd, port) = unsafe {
        let raw = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        assert!(raw >= 0, "socket");
        let fd = OwnedFd::from_raw_fd(raw);
        let mut addr: libc::sockaddr_in = std::mem::zeroed();
        addr.sin_family = libc::AF_INET as libc::sa_family_t;
        addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
        let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
        let p = (&addr as *const libc::sockaddr_in).cast();
        assert_eq!(libc::bind(raw, p, len), 0, "bind");
        assert_eq!(libc::listen(raw, 0), 0, "listen");
        let mut len = len;
        let p = (&mut addr as *mut libc::sockaddr_in).cast();
        assert_eq!(libc::getsockname(raw, p, &mut len), 0, "getsockname");
        (fd, u16::from_be(addr.sin_port))
    };
    let target = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let queued = TcpStream::connect_timeout(&target, Duration::from_secs(1)).ok();
    // Linux drops SYNs to a listener whose accept queue is full.
    let hangs = TcpStream::connect_timeout(&target, Duration::from_millis(300)).is_err();
    assert!(hangs, "a connect to a full accept queue was answered");
    FullListener {
        port,
        _fd: fd,
        _queued: queued,
    }
}

#[test]
fn connecting_to_a_full_queue_times_out_at_the_limit() {
    let full = full_listener();
    let server = Server {
        timeout: Some(TIMEOUT),
        ..Server::new("127.0.0.1", full.port)
    };
    let (r, took, _) = timed(&server, b"x\n");
    let e = r.expect_err("no connection");
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
    assert_eq!(
        e.to_string(),
        format!("connecting to 127.0.0.1:{} timed out after 1 s", full.port)
    );
    assert!(took < TIMEOUT + SLACK, "{took:?}");
}

#[test]
fn ctrl_c_ends_a_wait_for_a_silent_server_and_a_program() {
    let history = tempfile::NamedTempFile::new().expect("history file");
    // A server that accepts and never speaks (the default greeting limit
    // is 5 minutes), another that stops in the middle of the TLS handshake.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = silent.local_addr().expect("addr").port();
    let dir = tempfile::tempdir().expect("tempdir");
    let pid_file = dir.path().join("pid");
    let mut repl = Repl::start(history.path());

    let greeting = format!(
        "(net.post-office:send-letter '(\"127.0.0.1\" :port {port}) \"me@example.com\" \"a@x.org\" \"hi\")"
    );
    let handshake = format!(
        "(net.post-office:send-letter '(\"127.0.0.1\" :port {port} :ssl t) \"me@example.com\" \"a@x.org\" \"hi\")"
    );
    let program = format!(
        "(net.post-office:send-letter '(:program \"/bin/sh\" \"-c\" \"echo $$ > '{}'; exec sleep 60\") \"me@example.com\" \"a@x.org\" \"hi\")",
        pid_file.display()
    );
    let mut cases = vec![
        (greeting.as_str(), CtrlC::Key),
        (&handshake, CtrlC::Key),
        (&program, CtrlC::Key),
        (&program, CtrlC::Signal),
    ];
    // A connect that hangs: the listener's queue is full, so the kernel
    // drops our SYNs (the connect limit is 30 s).
    let full = full_listener();
    let connect = format!(
        "(net.post-office:send-letter '(\"127.0.0.1\" :port {}) \"me@example.com\" \"a@x.org\" \"hi\")",
        full.port
    );
    cases.push((&connect, CtrlC::Key));
    for (form, how) in cases {
        let took = interrupt(&mut repl, form, how);
        assert!(took < Duration::from_secs(1), "{form}: took {took:?}");
        if form == program {
            assert_gone(&pid_file);
        }
    }
    // The REPL still works, and a later wait is not cut short by the old
    // interrupt.
    repl.send("(+ 1 2)\r");
    repl.expect("3\r\n", Duration::from_secs(5)).expect("3");
    drop(silent);
}

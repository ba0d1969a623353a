//! The blocking transport: TCP (TCP_NODELAY), rustls, per-reply deadlines
//! (enforced by [`Socket`] under TLS too), one write and one flush per
//! command batch.

use std::io::{self, BufWriter, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};

use super::command::Command;
use super::error::{ErrorKind, SmtpError};
use super::reply::{parse_reply, Reply, MAX_REPLY_LEN};
use super::server::{strip_brackets, Server, Timeouts, TlsMode, TlsOptions};
use super::session::{Wait, Wire};
use super::socket::{is_interrupted, Socket, ANNOUNCE_AFTER};
use super::tls;
use super::trace::{Trace, TraceEvent};
use crate::eval::interrupt::{self, POLL_SLICE};
use crate::mail::wire::{encode_message, MessageSource, Mode};

/// Longest wait for a courtesy QUIT on the error path.
const COURTESY_TIMEOUT: Duration = Duration::from_secs(10);

/// The message content is written in pieces of at most this size, each of
/// which the server must take within the time limit.
const CONTENT_CHUNK: usize = 64 * 1024;

enum Stream<'t> {
    Plain(Socket<'t>),
    Tls(Box<StreamOwned<ClientConnection, Socket<'t>>>),
}

impl Read for Stream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

impl<'t> Stream<'t> {
    fn socket(&mut self) -> &mut Socket<'t> {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => &mut s.sock,
        }
    }
}

/// A connected SMTP client socket.
pub(crate) struct Connection<'t> {
    /// `None` only while being upgraded to TLS, or after a failed upgrade.
    stream: Option<Stream<'t>>,
    /// Received bytes not yet parsed into a reply.
    rbuf: Vec<u8>,
    timeouts: Timeouts,
    peer: SocketAddr,
    local: SocketAddr,
    /// The port the server was named with (before any `connect_to`).
    port: u16,
    tls_host: String,
    tls_options: TlsOptions,
}

impl<'t> Connection<'t> {
    /// Connect to the server (or its `connect_to` override); with implicit
    /// TLS, also do the handshake.
    pub(crate) fn open(
        server: &Server,
        mut trace: Option<&'t mut dyn Trace>,
    ) -> Result<Self, SmtpError> {
        let timeouts = server.timeouts();
        let (host, port) = match &server.connect_to {
            Some((h, p)) => (strip_brackets(h), *p),
            None => (server.bare_host(), server.port),
        };
        let (tcp, peer) = connect_interruptibly(host, port, timeouts.connect, &mut trace)?;
        // Nagle plus delayed ACK would cost ~40 ms per round trip.
        let _ = tcp.set_nodelay(true);
        let io_err = |e| SmtpError::io(ErrorKind::Connect, "socket set-up failed", e);
        let local = tcp.local_addr().map_err(io_err)?;
        let mut conn = Connection {
            stream: Some(Stream::Plain(Socket::new(tcp, trace))),
            rbuf: Vec::new(),
            timeouts,
            peer,
            local,
            port: server.port,
            tls_host: server.bare_host().to_string(),
            tls_options: server.tls_options.clone(),
        };
        conn.note(&format!("connected to {peer}"));
        if server.tls == TlsMode::Implicit {
            conn.upgrade(true)?;
        }
        Ok(conn)
    }

    fn note(&mut self, text: &str) {
        if let Some(s) = self.stream.as_mut() {
            s.socket().trace(&TraceEvent::Note(text));
        }
    }

    /// Wrap the socket in TLS and finish the handshake now, so a failure is
    /// reported as a TLS error. The whole handshake must finish within the
    /// reply limit, however the peer spaces its bytes.
    fn upgrade(&mut self, implicit: bool) -> Result<(), SmtpError> {
        let config = tls::client_config(&self.tls_options)?;
        let name = tls::server_name(&self.tls_host, &self.tls_options)?;
        let mut socket = match self.stream.take() {
            Some(Stream::Plain(socket)) => socket,
            other => {
                self.stream = other;
                return Ok(());
            }
        };
        let limit = self.timeouts.reply;
        socket.set_deadline(limit, "the TLS handshake");
        let conn = ClientConnection::new(config, name).map_err(|e| tls::tls_error("set-up", e))?;
        let mut tls = StreamOwned::new(conn, socket);
        while tls.conn.is_handshaking() {
            if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                if is_timeout(&e) {
                    return Err(SmtpError::new(
                        ErrorKind::Timeout,
                        format!("TLS handshake timed out after {}", secs(limit)),
                    ));
                }
                if is_interrupted(&e) {
                    return Err(interrupted_error("the TLS handshake"));
                }
                return Err(tls::handshake_error(&self.tls_host, implicit, e));
            }
        }
        let version = tls
            .conn
            .protocol_version()
            .map(|v| format!("{v:?}"))
            .unwrap_or_default();
        let suite = tls
            .conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default();
        self.stream = Some(Stream::Tls(Box::new(tls)));
        self.note(&format!("TLS established: {version} {suite}"));
        Ok(())
    }

    fn timeout_error(&self, after: Option<&Command>, limit: Duration) -> SmtpError {
        // A TLS-first server (RFC 8314 §3.3, port 465) waits for our
        // ClientHello while we wait for its greeting.
        let hint = if after.is_none() && !self.is_tls() && self.port == 465 {
            " (port 465 usually expects TLS from the start: use :ssl t)"
        } else {
            ""
        };
        let e = SmtpError::new(
            ErrorKind::Timeout,
            format!(
                "timed out after {} waiting for {}{hint}",
                secs(limit),
                waiting_for(after)
            ),
        );
        match after {
            Some(c) => e.with_command(c),
            None => e,
        }
    }

    fn io_error(&self, what: &str, e: io::Error, after: Option<&Command>) -> SmtpError {
        let kind = if e.kind() == io::ErrorKind::InvalidData && self.is_tls() {
            ErrorKind::Tls
        } else {
            ErrorKind::Io
        };
        let err = SmtpError::io(kind, what, e);
        match after {
            Some(c) => err.with_command(c),
            None => err,
        }
    }
}

/// What a reply wait is for, in errors and the trace.
fn waiting_for(after: Option<&Command>) -> String {
    match after {
        Some(c) => format!("the reply to {:?}", c.error_text()),
        None => "the server's greeting".to_string(),
    }
}

/// The error of a wait ended by Ctrl-C (`eval::interrupt`).
fn interrupted_error(what: &str) -> SmtpError {
    SmtpError::new(
        ErrorKind::Interrupted,
        format!("interrupted (Ctrl-C) while waiting for {what}"),
    )
}

/// Resolve and connect. When Ctrl-C is caught (the REPL), this runs on a
/// helper thread while the caller waits in slices, since neither the
/// resolver nor `connect_timeout` can be cut short; the thread ends by
/// itself within the connect limit (per address) and drops what it got.
pub(crate) fn connect_interruptibly(
    host: &str,
    port: u16,
    limit: Duration,
    trace: &mut Option<&mut dyn Trace>,
) -> Result<(TcpStream, SocketAddr), SmtpError> {
    if !interrupt::caught() {
        return connect(host, port, limit);
    }
    let (tx, rx) = mpsc::channel();
    let owned_host = host.to_string();
    let spawned = thread::Builder::new()
        .name("smtp-connect".into())
        .spawn(move || {
            let _ = tx.send(connect(&owned_host, port, limit));
        });
    if spawned.is_err() {
        return connect(host, port, limit);
    }
    let started = Instant::now();
    let mut announced = false;
    loop {
        if interrupt::pending() {
            return Err(interrupted_error(&format!(
                "the connection to {host}:{port}"
            )));
        }
        match rx.recv_timeout(POLL_SLICE) {
            Ok(result) => return result,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(SmtpError::new(
                    ErrorKind::Connect,
                    format!("cannot connect to {host}:{port}: the connecting thread failed"),
                ))
            }
        }
        if !announced && started.elapsed() >= ANNOUNCE_AFTER {
            announced = true;
            if let Some(t) = trace.as_mut() {
                let text = format!(
                    "waiting for the connection to {host}:{port} (time limit {} per address)…",
                    secs(limit)
                );
                t.event(&TraceEvent::Note(&text));
            }
        }
    }
}

/// Resolve `host` and connect to the first address that answers.
fn connect(host: &str, port: u16, limit: Duration) -> Result<(TcpStream, SocketAddr), SmtpError> {
    let addrs = (host, port).to_socket_addrs().map_err(|e| {
        SmtpError::io(
            ErrorKind::Connect,
            format!("cannot resolve the mail server {host:?}"),
            e,
        )
    })?;
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, limit) {
            Ok(s) => return Ok((s, addr)),
            Err(e) => last = Some(e),
        }
    }
    Err(match last {
        Some(e) if is_timeout(&e) => SmtpError::new(
            ErrorKind::Timeout,
            format!(
                "connecting to {host}:{port} timed out after {}",
                secs(limit)
            ),
        ),
        Some(e) => SmtpError::io(
            ErrorKind::Connect,
            format!("cannot connect to {host}:{port}"),
            e,
        ),
        None => SmtpError::new(
            ErrorKind::Connect,
            format!("no address found for the mail server {host:?}"),
        ),
    })
}

impl Wire for Connection<'_> {
    fn send(&mut self, batch: &[Command]) -> Result<(), SmtpError> {
        let mut bytes = String::new();
        let limit = self.timeouts.reply;
        let stream = self.stream.as_mut().ok_or_else(lost_in_upgrade)?;
        let socket = stream.socket();
        for cmd in batch {
            bytes.push_str(&cmd.to_string());
            socket.trace(&TraceEvent::Command(&cmd.trace_text()));
        }
        socket.set_deadline(limit, "the server to take our commands");
        let result = stream
            .write_all(bytes.as_bytes())
            .and_then(|_| stream.flush());
        result.map_err(|e| {
            if is_timeout(&e) {
                SmtpError::new(
                    ErrorKind::Timeout,
                    format!("sending timed out after {}", secs(limit)),
                )
            } else if is_interrupted(&e) {
                interrupted_error("the server to take our commands")
            } else {
                self.io_error("sending to the server failed", e, batch.first())
            }
        })
    }

    fn read_reply(&mut self, after: Option<&Command>, wait: Wait) -> Result<Reply, SmtpError> {
        let limit = match wait {
            Wait::Reply => self.timeouts.reply,
            Wait::DataEnd => self.timeouts.data_end,
            Wait::Courtesy => self.timeouts.reply.min(COURTESY_TIMEOUT),
        };
        // One deadline for the whole reply, however many reads (and TLS
        // records) it takes.
        let mut armed = false;
        // Replies are short; a small buffer is cleared quickly for each one.
        let mut chunk = [0u8; 2048];
        loop {
            match parse_reply(&self.rbuf) {
                Ok(Some((reply, used))) => {
                    self.rbuf.drain(..used);
                    if let Some(s) = self.stream.as_mut() {
                        s.socket().trace(&TraceEvent::Reply(&reply));
                    }
                    return Ok(reply);
                }
                Ok(None) => {}
                Err(e) => {
                    self.rbuf.clear();
                    let err = SmtpError::new(
                        ErrorKind::Protocol,
                        format!("bad reply from the server: {e}"),
                    );
                    return Err(match after {
                        Some(c) => err.with_command(c),
                        None => err,
                    });
                }
            }
            let stream = self.stream.as_mut().ok_or_else(lost_in_upgrade)?;
            if !armed {
                armed = true;
                let socket = stream.socket();
                // The description is only read by the trace.
                let what = if socket.tracing() {
                    waiting_for(after)
                } else {
                    String::new()
                };
                socket.set_deadline(limit, what);
            }
            match stream.read(&mut chunk) {
                Ok(0) => {
                    let e = SmtpError::new(ErrorKind::Protocol, "the server closed the connection");
                    return Err(match after {
                        Some(c) => e.with_command(c),
                        None => e,
                    });
                }
                Ok(n) => {
                    debug_assert!(self.rbuf.len() <= MAX_REPLY_LEN + chunk.len());
                    self.rbuf.extend_from_slice(&chunk[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) => return Err(self.timeout_error(after, limit)),
                Err(e) if is_interrupted(&e) => return Err(interrupted_error(&waiting_for(after))),
                Err(e) => return Err(self.io_error("reading from the server failed", e, after)),
            }
        }
    }

    fn start_tls(&mut self) -> Result<(), SmtpError> {
        // RFC 3207 §6 and CVE-2011-0411: bytes after the 220 were sent in
        // clear and could be injected; treating them as replies inside TLS
        // would let an attacker speak for the server.
        if !self.rbuf.is_empty() {
            self.rbuf.clear();
            return Err(SmtpError::new(
                ErrorKind::Protocol,
                "the server sent data after its 220 reply to STARTTLS (possible response \
                 injection); session aborted",
            ));
        }
        self.upgrade(false)
    }

    fn send_content(&mut self, message: &mut dyn MessageSource) -> Result<(), SmtpError> {
        let limit = self.timeouts.reply;
        let stream = self.stream.as_mut().ok_or_else(lost_in_upgrade)?;
        let out = BufWriter::with_capacity(
            CONTENT_CHUNK,
            ChunkDeadline {
                stream: &mut *stream,
                limit,
            },
        );
        let sent = encode_message(message, out, Mode::Smtp);
        match sent {
            Ok(n) => {
                self.note(&format!("sent {n} bytes of message content"));
                Ok(())
            }
            Err(e) if is_timeout(&e) => Err(SmtpError::new(
                ErrorKind::Timeout,
                format!("sending the message timed out after {}", secs(limit)),
            )
            .with_command(&Command::Data)),
            Err(e) if is_interrupted(&e) => {
                Err(interrupted_error("the server to take the message")
                    .with_command(&Command::Data))
            }
            Err(e) => Err(self.io_error("sending the message failed", e, Some(&Command::Data))),
        }
    }

    fn is_tls(&self) -> bool {
        matches!(self.stream, Some(Stream::Tls(_)))
    }

    fn peer_ip(&self) -> IpAddr {
        self.peer.ip()
    }

    fn local_ip(&self) -> IpAddr {
        self.local.ip()
    }
}

impl Drop for Connection<'_> {
    fn drop(&mut self) {
        // Best effort close_notify (RFC 8446 §6.1); the socket closes anyway.
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

fn lost_in_upgrade() -> SmtpError {
    SmtpError::new(
        ErrorKind::Tls,
        "the connection was lost in a failed TLS upgrade",
    )
}

/// The content writer: RFC 5321 §4.5.3.2.5 gives each TCP send of the
/// data block its own limit. A socket write timeout alone restarts at every
/// partial write, so a server taking a byte now and then would hold the
/// session open for ever; here each piece of up to [`CONTENT_CHUNK`] bytes
/// must be taken whole within `limit` — TLS records included: the piece is
/// flushed through rustls under the same deadline.
struct ChunkDeadline<'s, 't> {
    stream: &'s mut Stream<'t>,
    limit: Duration,
}

impl Write for ChunkDeadline<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let piece = &buf[..buf.len().min(CONTENT_CHUNK)];
        let what = "the server to take the message";
        self.stream.socket().set_deadline(self.limit, what);
        let mut done = 0;
        while done < piece.len() {
            match self.stream.write(&piece[done..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.stream.flush()?;
        Ok(done)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream
            .socket()
            .set_deadline(self.limit, "the server to take the message");
        self.stream.flush()
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

pub(crate) fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

//! The blocking transport: TCP (TCP_NODELAY), rustls, per-reply deadlines,
//! one write and one flush per command batch.

use std::io::{self, BufWriter, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use rustls::{ClientConnection, StreamOwned};

use super::command::Command;
use super::error::{ErrorKind, SmtpError};
use super::reply::{parse_reply, Reply, MAX_REPLY_LEN};
use super::server::{strip_brackets, Server, Timeouts, TlsMode, TlsOptions};
use super::session::{Wait, Wire};
use super::tls;
use super::trace::{Trace, TraceEvent};
use crate::mail::wire::{encode_message, MessageSource, Mode};

/// Longest wait for a courtesy QUIT on the error path.
const COURTESY_TIMEOUT: Duration = Duration::from_secs(10);

/// The message content is written in pieces of at most this size, each of
/// which the server must take within the time limit.
const CONTENT_CHUNK: usize = 64 * 1024;

enum Stream {
    Plain(TcpStream),
    Tls(Box<StreamOwned<ClientConnection, TcpStream>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
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

impl Stream {
    fn tcp(&self) -> &TcpStream {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(s) => s.get_ref(),
        }
    }
}

/// A connected SMTP client socket.
pub(crate) struct Connection<'t> {
    /// `None` only while being upgraded to TLS, or after a failed upgrade.
    stream: Option<Stream>,
    /// Received bytes not yet parsed into a reply.
    rbuf: Vec<u8>,
    armed: Armed,
    timeouts: Timeouts,
    peer: SocketAddr,
    local: SocketAddr,
    tls_host: String,
    tls_options: TlsOptions,
    trace: Option<&'t mut dyn Trace>,
}

impl<'t> Connection<'t> {
    /// Connect to the server (or its `connect_to` override); with implicit
    /// TLS, also do the handshake.
    pub(crate) fn open(
        server: &Server,
        trace: Option<&'t mut dyn Trace>,
    ) -> Result<Self, SmtpError> {
        let timeouts = server.timeouts();
        let (host, port) = match &server.connect_to {
            Some((h, p)) => (strip_brackets(h), *p),
            None => (server.bare_host(), server.port),
        };
        let addrs = (host, port).to_socket_addrs().map_err(|e| {
            SmtpError::io(
                ErrorKind::Connect,
                format!("cannot resolve the mail server {host:?}"),
                e,
            )
        })?;
        let mut last = None;
        let mut tcp = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeouts.connect) {
                Ok(s) => {
                    tcp = Some((s, addr));
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let (tcp, peer) = match (tcp, last) {
            (Some(connected), _) => connected,
            (None, Some(e)) if is_timeout(&e) => {
                return Err(SmtpError::new(
                    ErrorKind::Timeout,
                    format!(
                        "connecting to {host}:{port} timed out after {}",
                        secs(timeouts.connect)
                    ),
                ))
            }
            (None, Some(e)) => {
                return Err(SmtpError::io(
                    ErrorKind::Connect,
                    format!("cannot connect to {host}:{port}"),
                    e,
                ))
            }
            (None, None) => {
                return Err(SmtpError::new(
                    ErrorKind::Connect,
                    format!("no address found for the mail server {host:?}"),
                ))
            }
        };
        // Nagle plus delayed ACK would cost ~40 ms per round trip.
        let _ = tcp.set_nodelay(true);
        let io_err = |e| SmtpError::io(ErrorKind::Connect, "socket set-up failed", e);
        let local = tcp.local_addr().map_err(io_err)?;
        let mut conn = Connection {
            stream: Some(Stream::Plain(tcp)),
            rbuf: Vec::new(),
            armed: Armed::default(),
            timeouts,
            peer,
            local,
            tls_host: server.bare_host().to_string(),
            tls_options: server.tls_options.clone(),
            trace,
        };
        conn.note(&format!("connected to {peer}"));
        if server.tls == TlsMode::Implicit {
            conn.upgrade()?;
        }
        Ok(conn)
    }

    fn note(&mut self, text: &str) {
        if let Some(t) = self.trace.as_mut() {
            t.event(&TraceEvent::Note(text));
        }
    }

    /// Wrap the socket in TLS and finish the handshake now, so a failure is
    /// reported as a TLS error.
    fn upgrade(&mut self) -> Result<(), SmtpError> {
        let config = tls::client_config(&self.tls_options)?;
        let name = tls::server_name(&self.tls_host, &self.tls_options)?;
        let tcp = match self.stream.take() {
            Some(Stream::Plain(tcp)) => tcp,
            other => {
                self.stream = other;
                return Ok(());
            }
        };
        let limit = self.timeouts.reply;
        self.armed.read(&tcp, limit);
        self.armed.write(&tcp, limit);
        let conn = ClientConnection::new(config, name).map_err(|e| tls::tls_error("set-up", e))?;
        let mut tls = StreamOwned::new(conn, tcp);
        while tls.conn.is_handshaking() {
            if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                if is_timeout(&e) {
                    return Err(SmtpError::new(
                        ErrorKind::Timeout,
                        format!("TLS handshake timed out after {}", secs(limit)),
                    ));
                }
                return Err(tls::tls_error(
                    format!("handshake with {} failed", self.tls_host),
                    e,
                ));
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
        let what = match after {
            Some(c) => format!("the reply to {:?}", c.error_text()),
            None => "the server's greeting".to_string(),
        };
        let e = SmtpError::new(
            ErrorKind::Timeout,
            format!("timed out after {} waiting for {what}", secs(limit)),
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

impl Wire for Connection<'_> {
    fn send(&mut self, batch: &[Command]) -> Result<(), SmtpError> {
        let mut bytes = String::new();
        for cmd in batch {
            bytes.push_str(&cmd.to_string());
            if let Some(t) = self.trace.as_mut() {
                t.event(&TraceEvent::Command(&cmd.trace_text()));
            }
        }
        let limit = self.timeouts.reply;
        let stream = self.stream.as_mut().ok_or_else(lost_in_upgrade)?;
        self.armed.write(stream.tcp(), limit);
        let result = stream
            .write_all(bytes.as_bytes())
            .and_then(|_| stream.flush());
        result.map_err(|e| {
            if is_timeout(&e) {
                SmtpError::new(
                    ErrorKind::Timeout,
                    format!("sending timed out after {}", secs(limit)),
                )
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
        let deadline = Instant::now() + limit;
        // Replies are short; a small buffer is cleared quickly for each one.
        let mut chunk = [0u8; 2048];
        loop {
            match parse_reply(&self.rbuf) {
                Ok(Some((reply, used))) => {
                    self.rbuf.drain(..used);
                    if let Some(t) = self.trace.as_mut() {
                        t.event(&TraceEvent::Reply(&reply));
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
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.timeout_error(after, limit));
            }
            let stream = self.stream.as_mut().ok_or_else(lost_in_upgrade)?;
            self.armed.read(stream.tcp(), left);
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
                // The socket's timeout may end a little before the deadline
                // (see `Armed::read`): the loop then waits for the rest.
                Err(e) if is_timeout(&e) && Instant::now() < deadline => {}
                Err(e) if is_timeout(&e) => return Err(self.timeout_error(after, limit)),
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
        self.upgrade()
    }

    fn send_content(&mut self, message: &mut dyn MessageSource) -> Result<(), SmtpError> {
        let limit = self.timeouts.reply;
        let stream = self.stream.as_mut().ok_or_else(lost_in_upgrade)?;
        let out = BufWriter::with_capacity(
            CONTENT_CHUNK,
            ChunkDeadline {
                stream: &mut *stream,
                armed: &mut self.armed,
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
            let _ = tls.sock.set_write_timeout(Some(Duration::from_secs(1)));
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

/// A deadline may be overrun by this much rather than set the socket's
/// timeout again: most re-arms are within microseconds of the value already
/// set, and each is a system call (two per reply read, one per write).
const REARM_SLACK: Duration = Duration::from_millis(20);

/// The socket timeouts last set on the connection's socket.
#[derive(Default)]
struct Armed {
    read: Option<Duration>,
    write: Option<Duration>,
}

impl Armed {
    /// Set the read timeout to `want`, unless the one set is within
    /// [`REARM_SLACK`] of it: each reply's deadline is a few microseconds
    /// after the last one's. `read_reply` goes on reading until its own
    /// deadline, so a timeout a little short does no harm.
    fn read(&mut self, tcp: &TcpStream, want: Duration) {
        let close = self.read.is_some_and(|a| a.abs_diff(want) <= REARM_SLACK);
        if !close {
            let _ = tcp.set_read_timeout(Some(want));
            self.read = Some(want);
        }
    }

    /// Set the write timeout to `want`, unless the one set is no shorter
    /// and at most [`REARM_SLACK`] longer (a write timing out is an error).
    fn write(&mut self, tcp: &TcpStream, want: Duration) {
        if needs_rearm(self.write, want) {
            let _ = tcp.set_write_timeout(Some(want));
            self.write = Some(want);
        }
    }
}

fn needs_rearm(armed: Option<Duration>, want: Duration) -> bool {
    match armed {
        Some(a) => a < want || a - want > REARM_SLACK,
        None => true,
    }
}

/// The content writer: RFC 5321 §4.5.3.2.5 gives each TCP send of the
/// data block its own limit. A socket write timeout alone restarts at every
/// partial write, so a server taking a byte now and then would hold the
/// session open for ever; here each piece of up to [`CONTENT_CHUNK`] bytes
/// must be taken whole within `limit`.
struct ChunkDeadline<'s> {
    stream: &'s mut Stream,
    armed: &'s mut Armed,
    limit: Duration,
}

impl Write for ChunkDeadline<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let piece = &buf[..buf.len().min(CONTENT_CHUNK)];
        let deadline = Instant::now() + self.limit;
        let mut done = 0;
        while done < piece.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            self.armed.write(self.stream.tcp(), left);
            match self.stream.write(&piece[done..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => done += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(done)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.armed.write(self.stream.tcp(), self.limit);
        self.stream.flush()
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn secs(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_set_again_only_when_they_would_end_too_early_or_late() {
        let s = Duration::from_secs;
        let ms = Duration::from_millis;
        assert!(needs_rearm(None, s(300)));
        assert!(!needs_rearm(Some(s(300)), s(300)));
        // Time has passed since the timeout was set: a little is tolerated.
        assert!(!needs_rearm(Some(s(300)), s(300) - ms(5)));
        assert!(needs_rearm(Some(s(300)), s(300) - ms(50)));
        // Never a timeout shorter than asked for.
        assert!(needs_rearm(Some(s(30)), s(300)));
        assert!(needs_rearm(Some(s(300) - ms(1)), s(300)));
    }
}

//! The client socket under both plain TCP and rustls: every read and write
//! is bounded by one absolute deadline, set by the transport before each
//! reply, command batch, content piece or TLS handshake.
//!
//! A socket timeout alone restarts at every byte received, so a peer that
//! drips a TLS record (or the handshake) one byte at a time would hold the
//! session open for as long as it likes: rustls reads until a whole record
//! is there. Here each read and write first checks the deadline, and waits
//! in slices of at most [`POLL_SLICE`] so that Ctrl-C at the REPL
//! (`eval::interrupt`) ends the wait too. A wait that lasts longer than
//! [`ANNOUNCE_AFTER`] is noted in the trace (`-v`), saying what for.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::trace::{Trace, TraceEvent};
use crate::eval::interrupt::{self, POLL_SLICE};

/// After this long without progress, the trace says what we wait for.
pub(crate) const ANNOUNCE_AFTER: Duration = Duration::from_secs(1);

/// A socket timeout is set again only when it is off by more than this
/// (each change is a system call; most waits use the same slice).
const REARM_SLACK: Duration = Duration::from_millis(5);

/// The marker inside the `io::Error` of a wait ended by Ctrl-C. (Not
/// `ErrorKind::Interrupted`: std and rustls retry on that.)
#[derive(Debug)]
pub(crate) struct WaitInterrupted;

impl std::fmt::Display for WaitInterrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted (Ctrl-C)")
    }
}

impl std::error::Error for WaitInterrupted {}

/// The error a read or write returns when Ctrl-C ended its wait.
pub(crate) fn interrupted() -> io::Error {
    io::Error::other(WaitInterrupted)
}

/// Was `e` made by [`interrupted`]?
pub(crate) fn is_interrupted(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<WaitInterrupted>())
}

/// `now + limit`, or a century from now when that is past the clock's
/// range (a limit given as `Duration::MAX` means "no limit").
pub(crate) fn deadline_after(now: Instant, limit: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 86_400);
    now.checked_add(limit.min(CENTURY)).unwrap_or(now)
}

/// The error a read or write returns when the deadline has passed.
fn deadline_passed() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "the time limit ran out")
}

/// A TCP stream whose reads and writes end at a deadline.
pub(crate) struct Socket<'t> {
    tcp: TcpStream,
    deadline: Instant,
    /// When the current wait started, and what it is for (for the trace).
    started: Instant,
    waiting_for: String,
    announced: bool,
    read_timeout: Option<Duration>,
    write_timeout: Option<Duration>,
    trace: Option<&'t mut dyn Trace>,
}

impl<'t> Socket<'t> {
    pub(crate) fn new(tcp: TcpStream, trace: Option<&'t mut dyn Trace>) -> Self {
        let now = Instant::now();
        Socket {
            tcp,
            deadline: now,
            started: now,
            waiting_for: String::new(),
            announced: false,
            read_timeout: None,
            write_timeout: None,
            trace,
        }
    }

    /// Reads and writes from now on must finish within `limit`; `what`
    /// (e.g. "the server's greeting") names the wait in the trace.
    pub(crate) fn set_deadline(&mut self, limit: Duration, what: impl Into<String>) {
        let now = Instant::now();
        self.deadline = deadline_after(now, limit);
        self.started = now;
        self.announced = false;
        self.waiting_for = what.into();
    }

    /// Send `event` to the trace, if there is one.
    pub(crate) fn trace(&mut self, event: &TraceEvent<'_>) {
        if let Some(t) = self.trace.as_mut() {
            t.event(event);
        }
    }

    pub(crate) fn tracing(&self) -> bool {
        self.trace.is_some()
    }

    /// How long the next blocking call may wait: the rest of the deadline,
    /// at most one slice. An error once the deadline has passed or Ctrl-C
    /// is pending.
    fn next_slice(&mut self) -> io::Result<Duration> {
        if interrupt::pending() {
            return Err(interrupted());
        }
        let now = Instant::now();
        let left = self.deadline.saturating_duration_since(now);
        if left.is_zero() {
            return Err(deadline_passed());
        }
        if !self.announced && now.duration_since(self.started) >= ANNOUNCE_AFTER {
            self.announced = true;
            if self.trace.is_some() && !self.waiting_for.is_empty() {
                let text = format!(
                    "waiting for {} (time limit {})…",
                    self.waiting_for,
                    super::transport::secs(self.deadline.duration_since(self.started))
                );
                self.trace(&TraceEvent::Note(&text));
            }
        }
        // Never 0: the OS would take that as "no timeout".
        Ok(left.min(POLL_SLICE).max(Duration::from_millis(1)))
    }
}

/// Set a socket timeout when the one set is off by more than the slack.
fn arm(
    armed: &mut Option<Duration>,
    want: Duration,
    set: impl FnOnce(Option<Duration>) -> io::Result<()>,
) {
    if armed.is_some_and(|a| a.abs_diff(want) <= REARM_SLACK) {
        return;
    }
    if set(Some(want)).is_ok() {
        *armed = Some(want);
    }
}

/// The socket timed out (or a signal cut the call short): try again.
fn is_retry(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}

impl Read for Socket<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let slice = self.next_slice()?;
            let tcp = &self.tcp;
            arm(&mut self.read_timeout, slice, |t| tcp.set_read_timeout(t));
            match self.tcp.read(buf) {
                Err(e) if is_retry(&e) => {}
                done => return done,
            }
        }
    }
}

impl Write for Socket<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            let slice = self.next_slice()?;
            let tcp = &self.tcp;
            arm(&mut self.write_timeout, slice, |t| tcp.set_write_timeout(t));
            // A write that times out after a partial send returns that
            // count, so retrying never sends a byte twice.
            match self.tcp.write(buf) {
                Err(e) if is_retry(&e) => {}
                done => return done,
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (s, _) = l.accept().unwrap();
        (c, s)
    }

    #[test]
    fn a_dripping_peer_cannot_extend_the_deadline() {
        let (c, mut s) = pair();
        let drip = std::thread::spawn(move || {
            for _ in 0..30 {
                if s.write_all(b"x").is_err() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        });
        let mut sock = Socket::new(c, None);
        sock.set_deadline(Duration::from_millis(400), "test bytes");
        let start = Instant::now();
        let mut buf = [0u8; 1];
        let mut got = 0;
        let err = loop {
            match sock.read(&mut buf) {
                Ok(n) => got += n,
                Err(e) => break e,
            }
        };
        let took = start.elapsed();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        assert!(got >= 2, "some bytes arrived before the deadline: {got}");
        assert!(took < Duration::from_millis(700), "took {took:?}");
        drop(sock);
        drip.join().unwrap();
    }

    #[test]
    fn the_wait_is_announced_once_in_the_trace() {
        let (c, _s) = pair();
        let mut notes = Vec::new();
        let mut trace = |e: &TraceEvent<'_>| notes.push(e.to_string());
        let mut sock = Socket::new(c, Some(&mut trace));
        sock.set_deadline(ANNOUNCE_AFTER + Duration::from_millis(300), "the greeting");
        let e = sock.read(&mut [0u8; 8]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        drop(sock);
        assert_eq!(
            notes,
            [";; waiting for the greeting (time limit 1.3 s)…"],
            "{notes:?}"
        );
    }

    #[test]
    fn an_endless_limit_does_not_overflow_the_clock() {
        let now = Instant::now();
        assert!(deadline_after(now, Duration::MAX) > now + Duration::from_secs(86_400));
    }

    #[test]
    fn interrupted_is_recognised_and_not_an_io_interrupt() {
        let e = interrupted();
        assert!(is_interrupted(&e));
        assert_ne!(e.kind(), io::ErrorKind::Interrupted);
        assert!(!is_interrupted(&deadline_passed()));
    }
}

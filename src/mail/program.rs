//! The `:program` transport (behaviour §8): pipe the message, with the
//! same bytes as SMTP DATA, into a command such as `sendmail -t`.
//!
//! Every wait is bounded: the whole run (writing the message and waiting
//! for the exit) has a time limit, after which the program is killed; the
//! wait ends at the program's own exit, not at the end of its output (a
//! background child it leaves behind may hold the pipes for as long as it
//! likes); and Ctrl-C at the REPL (`eval::interrupt`) ends it too. The
//! pipes are served from this thread with `poll(2)`, so no helper thread
//! can be left behind blocked on a pipe.

use std::io::{self, BufWriter, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::smtp::socket::{deadline_after, interrupted, is_interrupted, ANNOUNCE_AFTER};
use super::smtp::transport::secs;
use super::smtp::{ErrorKind, SmtpError, Trace, TraceEvent};
use super::wire::{encode_message, MessageSource, Mode};
use crate::eval::interrupt::{self, POLL_SLICE};

/// Most bytes of the program's stderr kept for the error message; the rest
/// is read and dropped so the program never blocks on a full pipe.
const STDERR_KEEP: usize = 16 * 1024;

/// The time limit of a run when none is given: the longest wait of SMTP
/// (RFC 5321 §4.5.3.2.6, the reply to the end of data: 10 minutes).
pub const PROGRAM_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Once the program has exited, at most this much output still in the
/// pipes is read (all it wrote is there by then; more can only come from
/// a child it left running).
const DRAIN_AFTER_EXIT: usize = 1 << 20;

/// The program to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramCommand {
    /// A command line run by `/bin/sh -c`.
    Shell(String),
    /// A program and its arguments, run directly (no shell).
    Argv(Vec<String>),
}

impl ProgramCommand {
    fn command(&self) -> Result<Command, SmtpError> {
        match self {
            ProgramCommand::Shell(line) => {
                let mut c = Command::new("/bin/sh");
                c.arg("-c").arg(line);
                Ok(c)
            }
            ProgramCommand::Argv(argv) => {
                let (prog, args) = argv.split_first().ok_or_else(|| {
                    SmtpError::new(
                        ErrorKind::BadArgument,
                        "Bad program argument: an empty list.",
                    )
                })?;
                let mut c = Command::new(prog);
                c.args(args);
                Ok(c)
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            ProgramCommand::Shell(line) => line.clone(),
            ProgramCommand::Argv(argv) => argv.join(" "),
        }
    }
}

/// [`deliver_within`] the default limit, [`PROGRAM_TIMEOUT`].
pub fn deliver(cmd: &ProgramCommand, message: &mut dyn MessageSource) -> Result<(), SmtpError> {
    deliver_within(cmd, message, PROGRAM_TIMEOUT)
}

/// [`deliver_traced`] without a trace.
pub fn deliver_within(
    cmd: &ProgramCommand,
    message: &mut dyn MessageSource,
    limit: Duration,
) -> Result<(), SmtpError> {
    deliver_traced(cmd, message, limit, None)
}

/// Run the program with the message on its standard input: CRLF line ends,
/// dot-stuffed, final `.` line. Exit status 0 is success; anything else is
/// an error carrying the status and the start of stderr. A program still
/// running after `limit` is killed (a `Timeout` error). A run that takes
/// longer than a second is noted in `trace`.
pub fn deliver_traced(
    cmd: &ProgramCommand,
    message: &mut dyn MessageSource,
    limit: Duration,
    trace: Option<&mut dyn Trace>,
) -> Result<(), SmtpError> {
    let started = Instant::now();
    let mut clock = Clock {
        started,
        deadline: deadline_after(started, limit),
        limit,
        announced: false,
        what: cmd.describe(),
        trace,
    };
    let mut child = cmd
        .command()?
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            SmtpError::io(
                ErrorKind::ProgramFailed,
                format!("cannot run {:?}", cmd.describe()),
                e,
            )
        })?;
    let mut out = Outputs {
        stdout: child.stdout.take(),
        stderr: child.stderr.take(),
        kept: Vec::new(),
    };
    out.each_fd(set_nonblocking);

    let written = match child.stdin.take() {
        Some(stdin) => {
            set_nonblocking(stdin.as_raw_fd());
            let mut writer = BufWriter::new(Pump {
                stdin,
                child: &mut child,
                out: &mut out,
                clock: &mut clock,
            });
            let written = encode_message(message, &mut writer, Mode::Smtp).map(|_| ());
            // On success everything is flushed; on failure what is left is
            // dropped rather than written (and maybe waited for).
            drop(writer.into_parts());
            written
        }
        None => Ok(()),
    };
    // stdin is closed here (dropped with the Pump): the program sees EOF.

    let failed_source = match written {
        // The program stopped reading (it exited early): its status decides.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => None,
        Err(e) if is_interrupted(&e) => return Err(stop(&mut child, cmd, Ended::Interrupted)),
        Err(e) if e.kind() == io::ErrorKind::TimedOut => {
            return Err(stop(&mut child, cmd, Ended::Timeout(limit)))
        }
        Err(e) => Some(e),
        Ok(()) => None,
    };
    if failed_source.is_some() {
        // Never let the program deliver a truncated message.
        let _ = child.kill();
    }
    let status = match wait_for_exit(&mut child, &mut out, &mut clock) {
        Ok(status) => status,
        Err(Waited::Failed(e)) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(SmtpError::io(
                ErrorKind::ProgramFailed,
                format!("waiting for {:?} failed", cmd.describe()),
                e,
            ));
        }
        Err(Waited::Interrupted) => return Err(stop(&mut child, cmd, Ended::Interrupted)),
        Err(Waited::Timeout) => return Err(stop(&mut child, cmd, Ended::Timeout(limit))),
    };
    // Ctrl-C at a terminal reaches the program too (same process group):
    // its death by that signal is the interrupt, not a failed delivery.
    if !status.success() && interrupt::pending() {
        return Err(stop(&mut child, cmd, Ended::Interrupted));
    }
    out.drain(DRAIN_AFTER_EXIT);
    let err_text = String::from_utf8_lossy(&out.kept).trim_end().to_string();
    drop(out);

    if let Some(e) = failed_source {
        return Err(SmtpError::io(
            ErrorKind::Io,
            format!("writing the message to {:?} failed", cmd.describe()),
            e,
        ));
    }
    if status.success() {
        return Ok(());
    }
    let how = match status.code() {
        Some(code) => format!("exit status {code}"),
        None => describe_signal(status),
    };
    Err(SmtpError::program_failed(
        status.code(),
        format!(
            "external program failed to send email ({:?}: {how}): {err_text:?}",
            cmd.describe()
        ),
    ))
}

/// The run's deadline, and the note in the trace when it lasts.
struct Clock<'t> {
    started: Instant,
    deadline: Instant,
    limit: Duration,
    announced: bool,
    /// The command, as in errors.
    what: String,
    trace: Option<&'t mut dyn Trace>,
}

impl Clock<'_> {
    /// Time left before the deadline (zero once it has passed); says in
    /// the trace, once, what a long wait is for.
    fn left(&mut self) -> Duration {
        let now = Instant::now();
        if !self.announced && now.duration_since(self.started) >= ANNOUNCE_AFTER {
            self.announced = true;
            if let Some(t) = self.trace.as_mut() {
                let text = format!(
                    "waiting for the program {:?} to finish (time limit {})…",
                    self.what,
                    secs(self.limit)
                );
                t.event(&TraceEvent::Note(&text));
            }
        }
        self.deadline.saturating_duration_since(now)
    }
}

/// Why a run was cut short.
enum Ended {
    Timeout(Duration),
    Interrupted,
}

/// Kill the program, reap it, and say why.
fn stop(child: &mut Child, cmd: &ProgramCommand, why: Ended) -> SmtpError {
    let _ = child.kill();
    let _ = child.wait();
    match why {
        Ended::Timeout(limit) => SmtpError::new(
            ErrorKind::Timeout,
            format!(
                "the program {:?} did not finish within {}; it was killed and the message \
                 is not sent",
                cmd.describe(),
                secs(limit)
            ),
        ),
        Ended::Interrupted => SmtpError::new(
            ErrorKind::Interrupted,
            format!(
                "interrupted (Ctrl-C) while waiting for the program {:?}; it was stopped",
                cmd.describe()
            ),
        ),
    }
}

enum Waited {
    Timeout,
    Interrupted,
    Failed(io::Error),
}

/// Wait for the program's own exit, reading its output meanwhile.
fn wait_for_exit(
    child: &mut Child,
    out: &mut Outputs,
    clock: &mut Clock<'_>,
) -> Result<ExitStatus, Waited> {
    // Once both pipes are closed only the exit is left to wait for; it
    // usually follows at once, so poll for it briefly at first.
    let mut pause = Duration::from_millis(1);
    loop {
        if let Some(status) = child.try_wait().map_err(Waited::Failed)? {
            return Ok(status);
        }
        if interrupt::pending() {
            return Err(Waited::Interrupted);
        }
        let left = clock.left();
        if left.is_zero() {
            return Err(Waited::Timeout);
        }
        if out.is_open() {
            out.wait_and_drain(None, left.min(POLL_SLICE));
        } else {
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(POLL_SLICE / 2);
        }
    }
}

/// The program's standard output (read and dropped) and standard error
/// (the start kept for the error message).
struct Outputs {
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    kept: Vec<u8>,
}

impl Outputs {
    fn each_fd(&self, mut f: impl FnMut(RawFd)) {
        if let Some(s) = &self.stdout {
            f(s.as_raw_fd());
        }
        if let Some(s) = &self.stderr {
            f(s.as_raw_fd());
        }
    }

    fn is_open(&self) -> bool {
        self.stdout.is_some() || self.stderr.is_some()
    }

    /// Wait up to `slice` for output (or, with `stdin`, room to write),
    /// then read what is there.
    fn wait_and_drain(&mut self, stdin: Option<RawFd>, slice: Duration) {
        let mut fds = Vec::with_capacity(3);
        if let Some(fd) = stdin {
            fds.push(pollfd(fd, libc::POLLOUT));
        }
        self.each_fd(|fd| fds.push(pollfd(fd, libc::POLLIN)));
        poll(&mut fds, slice);
        // Bounded, so a program writing without pause cannot keep us here.
        self.drain(256 * 1024);
    }

    /// Read what the pipes hold now, up to about `budget` bytes; close a
    /// pipe at its end.
    fn drain(&mut self, budget: usize) {
        let mut buf = [0u8; 8192];
        let mut taken = 0;
        if let Some(s) = &mut self.stdout {
            if read_available(s, &mut buf, budget, &mut taken, |_| {}) {
                self.stdout = None;
            }
        }
        let kept = &mut self.kept;
        if let Some(s) = &mut self.stderr {
            let keep = |b: &[u8]| {
                let room = STDERR_KEEP.saturating_sub(kept.len());
                kept.extend_from_slice(&b[..b.len().min(room)]);
            };
            if read_available(s, &mut buf, budget, &mut taken, keep) {
                self.stderr = None;
            }
        }
    }
}

/// Read from a non-blocking pipe until it would block, its end, or the
/// budget is spent; true at its end (or on an error: nothing more will
/// come from it).
fn read_available(
    r: &mut impl Read,
    buf: &mut [u8],
    budget: usize,
    taken: &mut usize,
    mut keep: impl FnMut(&[u8]),
) -> bool {
    while *taken < budget {
        match r.read(buf) {
            Ok(0) => return true,
            Ok(n) => {
                *taken += n;
                keep(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
    false
}

/// The program's standard input, written without ever blocking for
/// longer than a slice: while the pipe is full the program's output is
/// read (it may be waiting for that), and the deadline, Ctrl-C and the
/// program's exit are checked.
struct Pump<'a, 't> {
    stdin: ChildStdin,
    child: &'a mut Child,
    out: &'a mut Outputs,
    clock: &'a mut Clock<'t>,
}

impl Write for Pump<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        loop {
            match self.stdin.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                done => return done,
            }
            if interrupt::pending() {
                return Err(interrupted());
            }
            let left = self.clock.left();
            if left.is_zero() {
                return Err(io::ErrorKind::TimedOut.into());
            }
            // The program is gone, but something it left running holds
            // the pipe without reading: nobody will take the rest.
            if self.child.try_wait()?.is_some() {
                return Err(io::ErrorKind::BrokenPipe.into());
            }
            let fd = self.stdin.as_raw_fd();
            self.out.wait_and_drain(Some(fd), left.min(POLL_SLICE));
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn pollfd(fd: RawFd, events: libc::c_short) -> libc::pollfd {
    libc::pollfd {
        fd,
        events,
        revents: 0,
    }
}

/// `poll(2)` for at most `slice`; an error or EINTR counts as an event
/// (the caller reads without blocking and comes back).
fn poll(fds: &mut [libc::pollfd], slice: Duration) {
    let ms = slice.as_millis().clamp(1, i32::MAX as u128) as libc::c_int;
    // SAFETY: `fds` is a valid, exclusively borrowed array of pollfd of
    // the length given.
    unsafe {
        libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, ms);
    }
}

fn set_nonblocking(fd: RawFd) {
    // SAFETY: fcntl on a descriptor we own (a pipe end of the child);
    // only the O_NONBLOCK status flag is changed.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
        }
    }
}

fn describe_signal(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(sig) => format!("killed by signal {sig}"),
        None => format!("{status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(line: &str) -> ProgramCommand {
        ProgramCommand::Argv(vec!["/bin/sh".into(), "-c".into(), line.into()])
    }

    #[test]
    fn a_background_child_holding_the_pipes_is_not_waited_for() {
        let start = Instant::now();
        deliver(&sh("cat >/dev/null; sleep 5 & exit 0"), &mut &b"hi\n"[..]).unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn a_program_that_never_exits_is_killed_at_the_limit() {
        let start = Instant::now();
        let e = deliver_within(
            &sh("cat >/dev/null; exec sleep 30"),
            &mut &b"hi\n"[..],
            Duration::from_millis(500),
        )
        .unwrap_err();
        let took = start.elapsed();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(
            e.to_string()
                .contains("did not finish within 0.5 s; it was killed"),
            "{e}"
        );
        assert!(took < Duration::from_millis(1500), "{took:?}");
    }

    #[test]
    fn a_long_run_is_noted_in_the_trace() {
        let mut notes = Vec::new();
        let mut trace = |e: &TraceEvent<'_>| notes.push(e.to_string());
        deliver_traced(
            &sh("cat >/dev/null; sleep 1.3"),
            &mut &b"hi\n"[..],
            Duration::from_secs(5),
            Some(&mut trace),
        )
        .unwrap();
        assert_eq!(
            notes,
            [
                ";; waiting for the program \"/bin/sh -c cat >/dev/null; sleep 1.3\" to finish \
             (time limit 5 s)…"
            ]
        );
    }

    #[test]
    fn a_program_that_never_reads_is_killed_at_the_limit() {
        let big = vec![b'x'; 4 << 20];
        let start = Instant::now();
        let e = deliver_within(
            &sh("exec sleep 30"),
            &mut &big[..],
            Duration::from_millis(500),
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Timeout, "{e}");
        assert!(start.elapsed() < Duration::from_millis(1500));
    }

    #[test]
    fn stderr_is_kept_and_a_flood_of_output_does_not_block() {
        let big = vec![b'y'; 1 << 20];
        let e = deliver(
            &sh("head -c 3000000 /dev/zero; cat >/dev/null; echo 'queue full' >&2; exit 75"),
            &mut &big[..],
        )
        .unwrap_err();
        assert_eq!(e.exit_status(), Some(75));
        assert!(
            e.to_string().ends_with("exit status 75): \"queue full\""),
            "{e}"
        );
    }
}

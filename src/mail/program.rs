//! The `:program` transport (behaviour §8): pipe the message, with the
//! same bytes as SMTP DATA, into a command such as `sendmail -t`.

use std::io::{self, BufWriter, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::{self, JoinHandle};

use super::smtp::{ErrorKind, SmtpError};
use super::wire::{encode_message, MessageSource, Mode};

/// Most bytes of the program's stderr kept for the error message; the rest
/// is read and dropped so the program never blocks on a full pipe.
const STDERR_KEEP: usize = 16 * 1024;

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

/// Run the program with the message on its standard input: CRLF line ends,
/// dot-stuffed, final `.` line. Exit status 0 is success; anything else is
/// an error carrying the status and the start of stderr.
pub fn deliver(cmd: &ProgramCommand, message: &mut dyn MessageSource) -> Result<(), SmtpError> {
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

    // Drain both outputs in threads: a program that writes a lot before
    // reading its input must not deadlock against us.
    let stdout = child.stdout.take().map(|s| drain(s, 0));
    let stderr = child.stderr.take().map(|s| drain(s, STDERR_KEEP));

    let written = match child.stdin.take() {
        Some(stdin) => encode_message(message, BufWriter::new(stdin), Mode::Smtp).map(|_| ()),
        None => Ok(()),
    };
    // stdin is closed here (dropped with the BufWriter): the program sees EOF.

    let failed_source = match written {
        // The program stopped reading (it exited early): its status decides.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => None,
        Err(e) => Some(e),
        Ok(()) => None,
    };
    if failed_source.is_some() {
        // Never let the program deliver a truncated message.
        let _ = child.kill();
    }
    let status = wait(&mut child, cmd)?;
    let _ = stdout.map(JoinHandle::join);
    let err_text = stderr
        .and_then(|h| h.join().ok())
        .map(|b| String::from_utf8_lossy(&b).trim_end().to_string())
        .unwrap_or_default();

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

fn wait(child: &mut Child, cmd: &ProgramCommand) -> Result<ExitStatus, SmtpError> {
    child.wait().map_err(|e| {
        SmtpError::io(
            ErrorKind::ProgramFailed,
            format!("waiting for {:?} failed", cmd.describe()),
            e,
        )
    })
}

/// Read `r` to EOF on a thread, keeping at most `keep` bytes.
fn drain<R: Read + Send + 'static>(mut r: R, keep: usize) -> JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    let room = keep.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        kept
    })
}

fn describe_signal(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(sig) => format!("killed by signal {sig}"),
        None => format!("{status}"),
    }
}

//! The `:program` transport: bytes on stdin, exit status, stderr, no
//! deadlock, no zombie.

use std::fs;
use std::path::PathBuf;

use sendletter::mail::program::{self, ProgramCommand};
use sendletter::mail::smtp::ErrorKind;

fn fake_sendmail() -> String {
    let p: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "scripts",
        "test-servers",
        "fake_sendmail.sh",
    ]
    .iter()
    .collect();
    p.to_string_lossy().into_owned()
}

#[test]
fn argv_gets_the_smtp_bytes_without_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let cmd = ProgramCommand::Argv(vec![
        "env".into(),
        format!("FAKE_SENDMAIL_DIR={}", dir.path().display()),
        fake_sendmail(),
        "-t".into(),
        "a b; echo not a shell".into(),
    ]);
    program::deliver(&cmd, &mut &b"To: x@y\n\n.dot\nlast"[..]).unwrap();
    let eml = fs::read(dir.path().join("001.eml")).unwrap();
    assert_eq!(eml, b"To: x@y\r\n\r\n..dot\r\nlast\r\n.\r\n");
    let args = fs::read_to_string(dir.path().join("001.args")).unwrap();
    assert_eq!(args, "-t\na b; echo not a shell\n");
}

#[test]
fn shell_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cmd = ProgramCommand::Shell(format!("cat > '{}'", out.display()));
    program::deliver(&cmd, &mut &b"hi\n"[..]).unwrap();
    assert_eq!(fs::read(out).unwrap(), b"hi\r\n.\r\n");
}

#[test]
fn failure_status_and_stderr() {
    let cmd = ProgramCommand::Shell("cat >/dev/null; echo 'queue full' >&2; exit 75".into());
    let e = program::deliver(&cmd, &mut &b"x\n"[..]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ProgramFailed);
    assert_eq!(e.exit_status(), Some(75));
    assert!(e.to_string().contains("queue full"), "{e}");
    assert!(e.to_string().contains("exit status 75"), "{e}");
}

#[test]
fn early_exit_is_judged_by_status_not_broken_pipe() {
    let big = vec![b'x'; 8 << 20];
    program::deliver(&ProgramCommand::Shell("exit 0".into()), &mut &big[..]).unwrap();
    let e = program::deliver(&ProgramCommand::Shell("exit 3".into()), &mut &big[..]).unwrap_err();
    assert_eq!(e.exit_status(), Some(3));
}

#[test]
fn chatty_program_does_not_deadlock() {
    // Writes far more than a pipe buffer to both outputs before reading.
    let cmd = ProgramCommand::Shell(
        "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2; cat >/dev/null".into(),
    );
    let big = vec![b'y'; 4 << 20];
    program::deliver(&cmd, &mut &big[..]).unwrap();
    let cmd = ProgramCommand::Shell("head -c 3000000 /dev/zero >&2; exit 1".into());
    let e = program::deliver(&cmd, &mut &big[..]).unwrap_err();
    assert!(
        e.to_string().len() < 20_000 * 6,
        "stderr capture is bounded"
    );
}

#[test]
fn missing_program_and_empty_argv() {
    let e = program::deliver(
        &ProgramCommand::Argv(vec!["/nonexistent/sendmail".into()]),
        &mut &b"x"[..],
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ProgramFailed);
    let e = program::deliver(&ProgramCommand::Argv(vec![]), &mut &b"x"[..]).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadArgument);
}

//! Leak checks: a thousand deliveries, failing and succeeding, must leave
//! the process with the same open file descriptors and threads (within a
//! small constant), and `:program` deliveries must leave no child process.
//!
//! The checks read process-wide counters, so the tests in this file take a
//! lock and run one at a time; no other test shares this binary.

mod common;

use std::fs;
use std::sync::Mutex;
use std::time::Duration;

use common::{on_line, pki, send, FakeServer, Step};
use sendletter::mail::program::{self, ProgramCommand};
use sendletter::mail::smtp::{self, Envelope, ErrorKind, Server, TlsMode, TlsOptions};

const ROUNDS: usize = 1000;
/// Allowed growth: the fake server's listening and accepted sockets, and
/// slack for the runtime.
const SLACK: usize = 4;

static SERIAL: Mutex<()> = Mutex::new(());

fn open_fds() -> usize {
    fs::read_dir("/proc/self/fd").unwrap().count()
}

fn threads() -> usize {
    let status = fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Counts before and after `rounds` calls of `f`, after a short warm-up
/// (lazily built state such as the system certificate store).
fn measure(rounds: usize, mut f: impl FnMut(usize)) -> ((usize, usize), (usize, usize)) {
    for i in 0..3 {
        f(i);
    }
    let before = (open_fds(), threads());
    for i in 3..rounds {
        f(i);
    }
    let after = (open_fds(), threads());
    (before, after)
}

fn assert_no_growth(what: &str, before: (usize, usize), after: (usize, usize)) {
    eprintln!(
        "{what}: fds {} -> {}, threads {} -> {}",
        before.0, after.0, before.1, after.1
    );
    assert!(
        after.0 <= before.0 + SLACK,
        "{what}: fds {before:?} -> {after:?}"
    );
    assert!(
        after.1 <= before.1 + SLACK,
        "{what}: threads {before:?} -> {after:?}"
    );
}

fn envelope() -> Envelope {
    Envelope {
        from: "me@example.com".into(),
        recipients: vec!["a@x.org".into()],
        eight_bit: false,
    }
}

fn accepting() -> Vec<Step> {
    let mut v = vec![send("220 fake.test ESMTP\r\n")];
    v.extend(on_line("250-fake.test\r\n250 PIPELINING\r\n"));
    v.push(Step::Lines(3));
    v.push(send("250 ok\r\n250 ok\r\n354 go\r\n"));
    v.push(Step::Data);
    v.push(send("250 queued\r\n"));
    v.extend(on_line("221 bye\r\n"));
    v
}

fn refusing() -> Vec<Step> {
    let mut v = vec![send("220 fake.test ESMTP\r\n")];
    v.extend(on_line("250 fake.test\r\n"));
    v.extend(on_line("250 ok\r\n"));
    v.extend(on_line("550 5.1.1 no such user\r\n"));
    v.extend(on_line("250 reset\r\n"));
    v.extend(on_line("221 bye\r\n"));
    v
}

fn server(fake: &FakeServer) -> Server {
    Server {
        timeout: Some(Duration::from_secs(2)),
        ..fake.server()
    }
}

#[test]
fn smtp_deliveries_leak_no_fds_or_threads() {
    let _serial = SERIAL.lock().unwrap();
    let ok = FakeServer::start_many(ROUNDS, None, accepting);
    let bad = FakeServer::start_many(ROUNDS, None, refusing);
    let (ok_server, bad_server) = (server(&ok), server(&bad));
    let (before, after) = measure(ROUNDS, |_| {
        smtp::deliver(&ok_server, None, &envelope(), &mut &b"hi\n"[..], None).unwrap();
        let e = smtp::deliver(&bad_server, None, &envelope(), &mut &b"hi\n"[..], None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RejectedRecipient);
    });
    assert_no_growth("smtp", before, after);
    assert_eq!(ok.connections(), ROUNDS);
    assert_eq!(bad.connections(), ROUNDS);
}

#[test]
fn tls_deliveries_and_failed_handshakes_leak_nothing() {
    let _serial = SERIAL.lock().unwrap();
    const TLS_ROUNDS: usize = 200;
    let pki = pki();
    let script = || {
        let mut v = vec![Step::Tls];
        v.extend(accepting());
        v
    };
    let ok = FakeServer::start_many(TLS_ROUNDS, Some(pki.server_config.clone()), script);
    let tls_server = |fake: &FakeServer, ca: bool| Server {
        host: "localhost".into(),
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            ca_file: ca.then(|| pki.ca_file.path().to_path_buf()),
            ..TlsOptions::default()
        },
        ..server(fake)
    };
    let good = tls_server(&ok, true);
    // Unknown CA: every handshake fails.
    let bad_fake = FakeServer::start_many(TLS_ROUNDS, Some(pki.server_config.clone()), || {
        vec![Step::Tls]
    });
    let bad = tls_server(&bad_fake, false);
    let (before, after) = measure(TLS_ROUNDS, |_| {
        smtp::deliver(&good, None, &envelope(), &mut &b"hi\n"[..], None).unwrap();
        let e = smtp::deliver(&bad, None, &envelope(), &mut &b"hi\n"[..], None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Tls);
    });
    assert_no_growth("tls", before, after);
    assert_eq!(ok.connections(), TLS_ROUNDS);
    assert_eq!(bad_fake.connections(), TLS_ROUNDS);
}

#[test]
fn program_deliveries_leak_nothing_and_leave_no_zombies() {
    let _serial = SERIAL.lock().unwrap();
    let cat = ProgramCommand::Argv(vec!["cat".into()]);
    let fail = ProgramCommand::Shell("cat >/dev/null; echo refused >&2; exit 75".into());
    let missing = ProgramCommand::Argv(vec!["/nonexistent/sendmail".into()]);
    let (before, after) = measure(ROUNDS / 2, |i| {
        program::deliver(&cat, &mut &b"To: x@y\n\nhi\n"[..]).unwrap();
        let e = program::deliver(&fail, &mut &b"To: x@y\n\nhi\n"[..]).unwrap_err();
        assert_eq!(e.exit_status(), Some(75));
        if i % 10 == 0 {
            program::deliver(&missing, &mut &b"x"[..]).unwrap_err();
        }
    });
    assert_no_growth("program", before, after);
    // Every child was reaped: waiting for any child finds none.
    // SAFETY: waitpid with a null status pointer and WNOHANG only queries.
    let rc = unsafe { libc::waitpid(-1, std::ptr::null_mut(), libc::WNOHANG) };
    let errno = std::io::Error::last_os_error().raw_os_error();
    assert_eq!((rc, errno), (-1, Some(libc::ECHILD)), "a child is left");
}

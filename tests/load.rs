//! Against the benchmark's local SMTP sink: one process sends 10,000
//! letters (a new connection each, as Allegro does) and all must arrive with
//! neither memory nor open file descriptors growing; `-v` traces the
//! dialogue; `test-email-address` asks the routed host.

// The benchmark's SMTP sink: counts letters, advertises PIPELINING.
#[allow(dead_code)]
#[path = "../bench/sink/src/sink.rs"]
mod sink;

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const LETTERS: usize = 10_000;

fn status_kib(pid: u32, field: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn ten_thousand_letters_in_one_process() {
    let (addr, stats) = sink::Sink::bind(0, None)
        .and_then(sink::Sink::spawn)
        .expect("sink");
    let port = addr.port();
    let count = &stats.letters;
    let script = format!(
        "(dotimes (i {LETTERS})
  (send-letter \"localhost\" \"me@example.com\" (format nil \"user~d@example.com\" i)
               (format nil \"Letter number ~d.~%\" i) :subject \"load\"))
(format t \"done~%\")"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("load.lisp");
    std::fs::write(&path, script).expect("write");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--connect-to")
        .arg(format!("localhost:25:127.0.0.1:{port}"))
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let pid = child.id();
    let deadline = Instant::now() + Duration::from_secs(600);
    let mut early: Option<(u64, usize)> = None;
    let mut late = (0u64, 0usize);
    loop {
        let n = count.load(Ordering::SeqCst) as usize;
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        let sample = (status_kib(pid, "VmRSS:"), open_fds(pid));
        if n >= 1_000 && early.is_none() {
            early = Some(sample);
        }
        if n >= LETTERS - 500 && sample.0 > 0 {
            late = (late.0.max(sample.0), late.1.max(sample.1));
        }
        assert!(
            Instant::now() < deadline,
            "the load run took too long ({n} letters)"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("output");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "done\n");
    assert_eq!(
        count.load(Ordering::SeqCst) as usize,
        LETTERS,
        "every letter reaches the sink"
    );
    let (rss_early, fds_early) = early.expect("sampled after 1,000 letters");
    assert!(late.0 > 0, "sampled near the end");
    assert!(
        late.0 <= rss_early + 4 * 1024,
        "memory grew from {rss_early} KiB to {} KiB",
        late.0
    );
    assert!(
        late.1 <= fds_early + 1,
        "file descriptors grew from {fds_early} to {}",
        late.1
    );
}

#[test]
fn verbose_flag_traces_the_dialogue_on_stderr() {
    let (addr, stats) = sink::Sink::bind(0, None)
        .and_then(sink::Sink::spawn)
        .expect("sink");
    let port = addr.port();
    let count = &stats.letters;
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("-v")
        .arg("--connect-to")
        .arg(format!("localhost:25:127.0.0.1:{port}"))
        .arg("-e")
        .arg("(require :smtp) (send-letter \"localhost\" \"me@example.com\" \"you@example.com\" \"hi\")")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("to smtp command: \"MAIL FROM:<me@example.com>\""),
        "{err}"
    );
    assert!(err.contains("354"), "{err}");
    assert!(out.stdout.is_empty());
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn test_email_address_asks_the_routed_host_and_judges_shapes() {
    let (addr, _) = sink::Sink::bind(0, None)
        .and_then(sink::Sink::spawn)
        .expect("sink");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--connect-to")
        .arg(format!("localhost:25:127.0.0.1:{}", addr.port()))
        .arg("-e")
        .arg(
            "(format t \"~a ~a ~a ~a~%\"
               (test-email-address \"user@localhost\")
               (test-email-address \"@localhost\")
               (test-email-address \"user@\")
               (test-email-address \"user@localhost:1\"))
             (handler-case (test-email-address \"\")
               (error (c) (format t \"~a~%\" (typep c 'type-error))))",
        )
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The sink answers VRFY with 502, which is not a 550 refusal: T.
    // An unreachable host (port 1) is NIL, not an error.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "T NIL NIL NIL\nT\n");
}

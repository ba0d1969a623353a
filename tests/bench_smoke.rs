//! Every benchmark of `scripts/bench`, reduced to run in seconds: it runs
//! and its output is sane. Nothing here is timed. The sink and the minimal
//! client are the bench crate's own files (`bench/sink/src`), run
//! in-process. The Python comparisons run when `python3` is present.

#[allow(dead_code)]
#[path = "../bench/sink/src/client.rs"]
mod client;
#[allow(dead_code)]
#[path = "../bench/sink/src/sink.rs"]
mod sink;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::Ordering;
use std::sync::Arc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sendletter(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run sendletter")
}

fn ok(out: &Output, what: &str) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{what}: {}\nstdout: {stdout}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The Python interpreter, if there is one.
fn python() -> Option<PathBuf> {
    let out = Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn plain_sink() -> (SocketAddr, Arc<sink::Stats>) {
    sink::Sink::bind(0, None)
        .and_then(|s| s.spawn())
        .expect("start sink")
}

fn connect_to(addr: SocketAddr, port: u16) -> String {
    format!("localhost:{port}:127.0.0.1:{}", addr.port())
}

#[test]
fn startup_benchmark_commands_run() {
    ok(&sendletter(&["-e", "(+ 1 2)"]), "sendletter -e");
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = dir.path().join("empty.lisp");
    std::fs::write(&empty, "").expect("write");
    ok(
        &sendletter(&[empty.to_str().expect("path")]),
        "empty script",
    );
}

#[test]
fn letters_reach_the_sink_from_sendletter_the_client_and_python() {
    let (addr, stats) = plain_sink();
    let out = sendletter(&[
        "-e",
        "(defparameter *letters* 20)",
        "--connect-to",
        &connect_to(addr, 25),
        "bench/lisp/letters.lisp",
    ]);
    ok(&out, "letters.lisp");
    assert_eq!(stats.letters.load(Ordering::Relaxed), 20);
    assert_eq!(
        stats.sessions.load(Ordering::Relaxed),
        20,
        "a connection each"
    );

    client::send_letters(addr, 5, false, None).expect("client, new connections");
    client::send_letters(addr, 5, true, None).expect("client, one connection");
    assert_eq!(stats.letters.load(Ordering::Relaxed), 30);
    let reported = client::sink_stats(addr).expect("XSTATS");
    assert!(reported.contains("letters=30"), "{reported}");

    if let Some(py) = python() {
        for extra in [&[][..], &["--reuse"][..]] {
            let out = Command::new(&py)
                .args(["bench/py/letters.py", "--port", &addr.port().to_string()])
                .args(["--count", "3"])
                .args(extra)
                .current_dir(root())
                .output()
                .expect("python");
            ok(&out, "letters.py");
        }
        assert_eq!(stats.letters.load(Ordering::Relaxed), 36);
    }
}

#[test]
fn sink_folder_gets_one_file_pair_per_letter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = sendletter(&[
        "-e",
        "(defparameter *letters* 20)",
        "--sink",
        dir.path().to_str().expect("path"),
        "bench/lisp/letters.lisp",
    ]);
    ok(&out, "letters.lisp --sink");
    let eml = std::fs::read_dir(dir.path())
        .expect("read sink dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .count();
    assert_eq!(eml, 20);
}

fn write_attachment(dir: &Path, mib: usize) -> PathBuf {
    let path = dir.join("attachment.bin");
    // Bytes of every value, so base64 has no shortcut.
    let data: Vec<u8> = (0..mib * 1024 * 1024)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
        .collect();
    std::fs::write(&path, data).expect("write attachment");
    path
}

#[test]
fn big_attachment_is_streamed_to_the_sink() {
    let (addr, stats) = plain_sink();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_attachment(dir.path(), 2);
    let set_file = format!("(defparameter *file* {:?})", file.to_str().expect("path"));
    let out = sendletter(&[
        "-e",
        &set_file,
        "--connect-to",
        &connect_to(addr, 25),
        "bench/lisp/bigattach.lisp",
    ]);
    ok(&out, "bigattach.lisp");
    assert_eq!(stats.letters.load(Ordering::Relaxed), 1);
    let base64_size = (2 * 1024 * 1024) / 3 * 4;
    assert!(stats.bytes.load(Ordering::Relaxed) > base64_size);

    if let Some(py) = python() {
        let out = Command::new(&py)
            .arg("bench/py/bigattach.py")
            .arg(addr.port().to_string())
            .arg(&file)
            .current_dir(root())
            .output()
            .expect("python");
        ok(&out, "bigattach.py");
        assert_eq!(stats.letters.load(Ordering::Relaxed), 2);
    }
}

#[test]
fn interpreter_workloads_print_what_sbcl_prints() {
    // Reduced sizes; the expected text is SBCL's for the same sizes.
    let cases = [
        ("fib", "15", "\n610 "),
        ("strings", "100", "\n290 \n24890 "),
        ("sort", "1000", "\n(339727 2146181055 1000) "),
        ("hash", "2000", "\n(1000 2) \n(300 1) "),
        ("bignum", "3000", "\n(2536 T 673054663) "),
        ("clos", "1000", "\n(135930 100) "),
    ];
    for (name, n, expected) in cases {
        let set_n = format!("(defparameter *n* {n})");
        let script = format!("bench/lisp/{name}.lisp");
        let out = sendletter(&["-e", &set_n, &script]);
        assert_eq!(ok(&out, &script), expected, "{script}");
    }
    if let Some(py) = python() {
        for name in ["fib", "strings", "sort", "hash", "clos"] {
            let out = Command::new(&py)
                .arg(format!("bench/py/{name}.py"))
                .current_dir(root())
                .output()
                .expect("python");
            assert!(!ok(&out, name).is_empty());
        }
    }
}

#[test]
fn tls_letters_reach_the_tls_sink() {
    let pki = sink::pki().expect("pki");
    let (addr, stats) = sink::Sink::bind(0, Some(pki.server_config))
        .and_then(|s| s.spawn())
        .expect("start TLS sink");
    let dir = tempfile::tempdir().expect("tempdir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write CA");
    let set_ca = format!("(defparameter *ca-file* {:?})", ca.to_str().expect("path"));
    let out = sendletter(&[
        "-e",
        "(defparameter *letters* 3)",
        "-e",
        &set_ca,
        "--connect-to",
        &connect_to(addr, 465),
        "bench/lisp/tls-letters.lisp",
    ]);
    ok(&out, "tls-letters.lisp");
    assert_eq!(stats.letters.load(Ordering::Relaxed), 3);

    let config = client::tls_config(pki.ca_pem.as_bytes()).expect("client TLS config");
    client::send_letters(addr, 2, false, Some(&config)).expect("TLS client");
    assert_eq!(stats.letters.load(Ordering::Relaxed), 5);

    if let Some(py) = python() {
        let out = Command::new(&py)
            .args(["bench/py/letters.py", "--port", &addr.port().to_string()])
            .args(["--count", "2", "--ca", ca.to_str().expect("path")])
            .current_dir(root())
            .output()
            .expect("python");
        ok(&out, "letters.py --ca");
        assert_eq!(stats.letters.load(Ordering::Relaxed), 7);
    }
}

/// `scripts/bench dkim`: letters and a stream attachment, signed with the
/// test keys the benchmark uses, into a dry-run sink.
#[test]
fn dkim_benchmark_commands_sign() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let mut keys = Vec::new();
    for name in ["rsa2048-pkcs1.pem", "ed25519.pem"] {
        let key = dir.path().join(name);
        std::fs::copy(root().join("tests/files/dkim").join(name), &key).expect("copy key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        keys.push(key);
    }
    let file = dir.path().join("attachment.bin");
    std::fs::write(&file, vec![7u8; 300_000]).expect("write");
    let file_form = format!("(defparameter *file* {:?})", file.to_string_lossy());
    for (i, key) in keys.iter().enumerate() {
        let sink = dir.path().join(format!("sink{i}"));
        let entry = format!("example.com bench {}", key.display());
        let sink_arg = sink.to_str().expect("path");
        ok(
            &sendletter(&[
                "--dkim",
                &entry,
                "-e",
                "(defparameter *letters* 3)",
                "--sink",
                sink_arg,
                "bench/lisp/letters.lisp",
            ]),
            "signed letters",
        );
        ok(
            &sendletter(&[
                "--dkim",
                &entry,
                "-e",
                &file_form,
                "--sink",
                sink_arg,
                "bench/lisp/bigstream.lisp",
            ]),
            "signed stream attachment",
        );
        for n in 1..=4 {
            let eml = std::fs::read_to_string(sink.join(format!("{n:06}.eml"))).expect("eml");
            assert!(
                eml.starts_with("DKIM-Signature: v=1;"),
                "{n}: {}",
                &eml[..80]
            );
        }
    }
}

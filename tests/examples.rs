//! Every script in `examples/` runs with `--sink` (no server, no program)
//! and makes the deliveries it promises.

use std::path::PathBuf;
use std::process::Command;

fn run_example(name: &str) -> (String, Vec<serde_json::Value>) {
    let (status, out, records) = run_example_with(name, &[]);
    assert!(status.success(), "{name}: {status}");
    (out, records)
}

/// Run an example with script arguments: its exit status, output and
/// sink records.
fn run_example_with(
    name: &str,
    args: &[&str],
) -> (std::process::ExitStatus, String, Vec<serde_json::Value>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let sink = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--sink")
        .arg(sink.path())
        .arg(name)
        .args(args)
        .current_dir(&dir)
        .env("SMTP_PASSWORD", "example-password")
        .output()
        .expect("run sendletter");
    if !args.is_empty() || !out.status.success() {
        eprintln!("{name}: {}", String::from_utf8_lossy(&out.stderr));
    }
    let mut records = Vec::new();
    for n in 1.. {
        let p = sink.path().join(format!("{n:06}.json"));
        let Ok(text) = std::fs::read_to_string(&p) else {
            break;
        };
        records.push(serde_json::from_str(&text).expect("valid json"));
        assert!(p.with_extension("eml").exists());
    }
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        records,
    )
}

/// The Allegro-style script: options from with-command-line-arguments,
/// log lines found with match-re, if* branches.
#[test]
fn log_alert_mails_the_errors_to_every_to_option() {
    let (status, out, r) = run_example_with(
        "log-alert.lisp",
        &[
            "--to",
            "ops@example.com",
            "--to=oncall@example.com",
            "-s",
            "Backup",
            "data/server.log",
        ],
    );
    assert!(status.success());
    assert_eq!(
        out,
        "sent \"[ALERT] Backup: 2 errors in server.log\" to ops@example.com, oncall@example.com\n"
    );
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0]["rcpt_tos"],
        serde_json::json!(["ops@example.com", "oncall@example.com"])
    );
}

#[test]
fn log_alert_refuses_bad_options_and_addresses() {
    let (status, _, r) = run_example_with("log-alert.lisp", &["--to", "nobody", "data/server.log"]);
    assert_eq!(status.code(), Some(2));
    assert!(r.is_empty());
    let (status, _, r) = run_example_with("log-alert.lisp", &["--bogus", "data/server.log"]);
    assert_eq!(status.code(), Some(1));
    assert!(r.is_empty());
    let (status, out, r) = run_example_with(
        "log-alert.lisp",
        &["--to", "ops@example.com", "data/notes.txt"],
    );
    assert!(status.success());
    assert_eq!(out, "no errors in data/notes.txt\n");
    assert!(r.is_empty());
}

#[test]
fn plain_letter() {
    let (out, r) = run_example("plain-letter.lisp");
    assert_eq!(out, "sent\n");
    assert_eq!(r.len(), 1);
    assert_eq!(r[0]["rcpt_tos"], serde_json::json!(["you@example.com"]));
}

#[test]
fn attachments() {
    let (_, r) = run_example("attachments.lisp");
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0]["rcpt_tos"],
        serde_json::json!([
            "boss@example.com",
            "team@example.com",
            "archive@example.com"
        ])
    );
}

#[test]
fn html_alternative() {
    let (_, r) = run_example("html-alternative.lisp");
    assert_eq!(r.len(), 1);
}

#[test]
fn starttls_auth_takes_the_password_from_the_environment() {
    let (_, r) = run_example("starttls-auth.lisp");
    assert_eq!(r[0]["server"]["tls"], "starttls");
    assert_eq!(r[0]["auth_user"], "me");
}

#[test]
fn mail_merge_skips_bad_lines() {
    let (out, r) = run_example("mail-merge.lisp");
    assert_eq!(r.len(), 2);
    assert!(
        out.contains("skipped: bad line: \"Bob,bob-at-example.com,3.00\""),
        "{out}"
    );
    assert!(out.ends_with("2 sent, 1 skipped\n"), "{out}");
}

#[test]
fn sendmail_program() {
    let (_, r) = run_example("sendmail-program.lisp");
    assert_eq!(r[0]["transport"], "program");
    assert_eq!(
        r[0]["program"],
        serde_json::json!(["/usr/sbin/sendmail", "-t", "-i"])
    );
}

#[test]
fn a_second_run_into_the_same_sink_continues_the_numbering() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let sink = tempfile::tempdir().expect("tempdir");
    for _ in 0..2 {
        let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
            .arg("--sink")
            .arg(sink.path())
            .arg("plain-letter.lisp")
            .current_dir(&dir)
            .output()
            .expect("run sendletter");
        assert!(out.status.success());
    }
    for n in ["000001", "000002"] {
        assert!(sink.path().join(format!("{n}.eml")).exists(), "{n}.eml");
        assert!(sink.path().join(format!("{n}.json")).exists(), "{n}.json");
    }
}

/// The DKIM example and its configuration lines sign its letters, with
/// the test keys standing in for the ones the comments tell how to make.
#[test]
fn dkim_report_is_signed_by_the_example_configuration() {
    use std::os::unix::fs::PermissionsExt;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().expect("tempdir");
    let w = work.path();
    std::fs::create_dir_all(w.join("dkim/keys")).unwrap();
    std::fs::create_dir_all(w.join("data")).unwrap();
    for (from, to) in [
        ("examples/dkim-report.lisp", "dkim-report.lisp"),
        ("examples/dkim/dkim.conf", "dkim/dkim.conf"),
        ("examples/data/report.csv", "data/report.csv"),
        (
            "tests/files/dkim/rsa2048-pkcs1.pem",
            "dkim/keys/example.com.pem",
        ),
        (
            "tests/files/dkim/ed25519.pem",
            "dkim/keys/example.org-ed25519.pem",
        ),
    ] {
        std::fs::copy(root.join(from), w.join(to)).unwrap();
        if to.ends_with(".pem") {
            std::fs::set_permissions(w.join(to), std::fs::Permissions::from_mode(0o600)).unwrap();
        }
    }
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args([
            "--dkim-config",
            "dkim/dkim.conf",
            "--sink",
            "out",
            "dkim-report.lisp",
        ])
        .current_dir(w)
        .env_remove("SENDLETTER_DKIM")
        .env_remove("SENDLETTER_DKIM_CONFIG")
        .output()
        .expect("run sendletter");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "sent\n");
    let first = |n: u32| {
        let text = std::fs::read_to_string(w.join(format!("out/{n:06}.eml"))).unwrap();
        text.lines().next().unwrap_or_default().to_string()
    };
    assert_eq!(
        first(1),
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=mail2026;"
    );
    assert_eq!(
        first(2),
        "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org; s=ed2026;"
    );
}

#[test]
fn clos_notifications_render_through_generic_functions() {
    let (out, r) = run_example("clos-notifications.lisp");
    assert_eq!(
        out,
        "sent #<INVOICE-DUE to ann@example.com>\n\
         sent #<PASSWORD-RESET to bob@example.com>\n\
         sent #<URGENT-INVOICE to cy@example.com>\n"
    );
    assert_eq!(r.len(), 3);
    assert_eq!(r[2]["rcpt_tos"], serde_json::json!(["cy@example.com"]));
}

//! Every script in `examples/` runs with `--sink` (no server, no program)
//! and makes the deliveries it promises.

use std::path::PathBuf;
use std::process::Command;

fn run_example(name: &str) -> (String, Vec<serde_json::Value>) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let sink = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--sink")
        .arg(sink.path())
        .arg(name)
        .current_dir(&dir)
        .env("SMTP_PASSWORD", "example-password")
        .output()
        .expect("run sendletter");
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut records = Vec::new();
    for n in 1.. {
        let p = sink.path().join(format!("{n:06}.json"));
        let Ok(text) = std::fs::read_to_string(&p) else {
            break;
        };
        records.push(serde_json::from_str(&text).expect("valid json"));
        assert!(p.with_extension("eml").exists());
    }
    (String::from_utf8_lossy(&out.stdout).into_owned(), records)
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

//! send-letter from Lisp against real servers (aiosmtpd and Exim, started
//! by `scripts/test` through `scripts/test-servers/ci_smtp_up.sh`): the
//! documented examples run unchanged with `--connect-to`, and what each
//! server stored must equal what `--sink` wrote (modulo Date, Message-ID and
//! boundaries); `:program` delivery through Exim's `sendmail -t`; Lisp error
//! handling of refusals. Without `SENDLETTER_SMTP_ENV` these tests fail
//! (set `SENDLETTER_SKIP_INTEROP=1` to skip them in quick local runs).

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// The servers' stores are shared: one test at a time.
static SERVERS: Mutex<()> = Mutex::new(());

struct Env(HashMap<String, String>);

impl Env {
    fn get(&self, k: &str) -> String {
        self.0
            .get(k)
            .cloned()
            .unwrap_or_else(|| panic!("{k} missing from smtp.env"))
    }
}

fn env() -> Option<Env> {
    let path = match std::env::var("SENDLETTER_SMTP_ENV") {
        Ok(p) => p,
        Err(_) if std::env::var("SENDLETTER_SKIP_INTEROP").as_deref() == Ok("1") => return None,
        Err(_) => panic!("SENDLETTER_SMTP_ENV is not set: run the tests via scripts/test, which starts the servers (or set SENDLETTER_SKIP_INTEROP=1 to skip)"),
    };
    let text = fs::read_to_string(&path).expect("smtp.env readable");
    Some(Env(text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()))
}

fn conformance_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance")
}

fn sendletter(dir: &Path, args: &[String], e: &Env) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args(args)
        .current_dir(dir)
        .env("SSL_CERT_FILE", e.get("SMTP_CA"))
        .output()
        .expect("run sendletter")
}

fn files(dir: &Path, ext: &str) -> BTreeSet<PathBuf> {
    fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| ext.is_empty() || p.extension().is_some_and(|x| x == ext))
                .collect()
        })
        .unwrap_or_default()
}

/// Mask what differs between two renderings of the same letter.
fn normalise(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut boundaries = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("boundary=\"") {
        let after = &rest[i + 10..];
        if let Some(j) = after.find('"') {
            boundaries.push(after[..j].to_string());
        }
        rest = after;
    }
    let mut out = text.clone();
    for (n, b) in boundaries.iter().enumerate() {
        out = out.replace(b.as_str(), &format!("<boundary-{}>", n + 1));
    }
    out.lines()
        .map(|l| {
            if l.starts_with("Date: ") {
                "Date: <date>".to_string()
            } else if l.starts_with("Message-ID: ") {
                "Message-ID: <id>".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Exim prepends trace headers (Return-path, Envelope-to, Delivery-date,
/// Received): keep the message from the first line the sink's copy has.
fn strip_exim_trace(stored: &str, first_line: &str) -> String {
    match stored.find(&format!("\n{first_line}")) {
        Some(i) => stored[i + 1..].to_string(),
        None => stored.to_string(),
    }
}

const CASES: &[&str] = &[
    "01-seed-attachment",
    "02-server-cons-port",
    "03-server-colon-port",
    "04-server-long-form-ssl",
    "05-server-long-form-starttls",
    "08-cc-bcc-subject-headers",
    "09-fold-51-addresses",
    "10-attachments-in-order",
    "11-mime-alternative-message",
    "13-send-smtp-raw",
    "15-non-ascii",
    "17-user-date-and-message-id",
    "19-loop-over-recipients",
];

fn routes(plain: &str, tls: &str) -> Vec<String> {
    [
        format!("localhost:25:127.0.0.1:{plain}"),
        format!("localhost:99:127.0.0.1:{plain}"),
        format!("mail.example.com:2525:127.0.0.1:{plain}"),
        format!("smtp.example.com:465:127.0.0.1:{tls}"),
        format!("smtp.example.com:587:127.0.0.1:{plain}"),
        format!("mx.example.com:25:127.0.0.1:{plain}"),
    ]
    .into_iter()
    .flat_map(|r| ["--connect-to".to_string(), r])
    .collect()
}

/// Run a documented case with its hosts routed to a real server.
fn run_routed(case: &str, plain: &str, tls: &str, e: &Env) -> Result<(), String> {
    let mut args = routes(plain, tls);
    args.push(format!("{case}.lisp"));
    let out = sendletter(&conformance_dir(), &args, e);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{case}: exit {:?}: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// The messages `--sink` writes for a case, normalised, with envelopes.
fn sink_case(case: &str, e: &Env) -> Vec<(serde_json::Value, String)> {
    let sink = tempfile::tempdir().expect("tempdir");
    let out = sendletter(
        &conformance_dir(),
        &[
            "--sink".into(),
            sink.path().display().to_string(),
            format!("{case}.lisp"),
        ],
        e,
    );
    assert!(
        out.status.success(),
        "{case} --sink: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    files(sink.path(), "json")
        .into_iter()
        .map(|j| {
            let json: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(&j).expect("json")).expect("valid json");
            let eml = fs::read_to_string(j.with_extension("eml")).expect("eml");
            (json, normalise(&eml))
        })
        .collect()
}

#[test]
fn documented_examples_store_on_aiosmtpd_what_the_sink_shows() {
    let Some(e) = env() else { return };
    let _lock = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    let store = PathBuf::from(e.get("AIO_MAILDIR"));
    let mut failures = Vec::new();
    for case in CASES {
        let expected = sink_case(case, &e);
        let before = files(&store, "json");
        if let Err(f) = run_routed(case, &e.get("AIO_PORT"), &e.get("AIO_TLS_PORT"), &e) {
            failures.push(f);
            continue;
        }
        let new: Vec<PathBuf> = files(&store, "json").difference(&before).cloned().collect();
        if new.len() != expected.len() {
            failures.push(format!(
                "{case}: server stored {} messages, sink has {}",
                new.len(),
                expected.len()
            ));
            continue;
        }
        for (path, (sink_json, sink_eml)) in new.iter().zip(&expected) {
            let stored: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(path).expect("json")).expect("valid");
            let eml = fs::read_to_string(path.with_extension("eml")).expect("eml");
            if stored["mail_from"] != sink_json["mail_from"]
                || stored["rcpt_tos"] != sink_json["rcpt_tos"]
            {
                failures.push(format!(
                    "{case}: envelope differs: server {stored} sink {sink_json}"
                ));
            }
            if sink_json["auth_user"].is_string() && stored["auth_user"] != sink_json["auth_user"] {
                failures.push(format!(
                    "{case}: not authenticated as {}: {stored}",
                    sink_json["auth_user"]
                ));
            }
            let got = normalise(&eml);
            if got != *sink_eml {
                failures.push(format!(
                    "{case}: stored message differs\n--- sink\n{sink_eml}\n--- server\n{got}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn documented_examples_store_in_exim_maildir_what_the_sink_shows() {
    let Some(e) = env() else { return };
    let _lock = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    let maildir = PathBuf::from(e.get("EXIM_MAILDIR"));
    let mut failures = Vec::new();
    // Exim, a production MTA, refuses a sender without a domain (case 01's
    // bare "jkf"); aiosmtpd takes it.
    for case in CASES.iter().filter(|c| !c.starts_with("01-")) {
        let expected = sink_case(case, &e);
        let before = files(&maildir, "");
        if let Err(f) = run_routed(case, &e.get("EXIM_PORT"), &e.get("EXIM_TLS_PORT"), &e) {
            failures.push(f);
            continue;
        }
        // Exim stores one file per distinct recipient; delivery is
        // immediate but happens in another process: wait for all of them.
        let want: usize = expected
            .iter()
            .map(|(j, _)| {
                let rcpts = j["rcpt_tos"].as_array().cloned().unwrap_or_default();
                rcpts
                    .iter()
                    .filter_map(|r| r.as_str())
                    .collect::<BTreeSet<_>>()
                    .len()
            })
            .sum();
        let mut new: Vec<PathBuf> = Vec::new();
        for _ in 0..100 {
            new = files(&maildir, "").difference(&before).cloned().collect();
            if new.len() >= want {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        if new.len() != want {
            failures.push(format!(
                "{case}: Exim stored {} files, expected {want}",
                new.len()
            ));
            continue;
        }
        for path in &new {
            let stored = fs::read_to_string(path).expect("maildir file");
            let matched = expected.iter().any(|(_, sink_eml)| {
                let first = sink_eml.lines().next().unwrap_or("");
                normalise(&strip_exim_trace(&stored, first)).trim_end() == sink_eml.trim_end()
            });
            if !matched {
                failures.push(format!(
                    "{case}: {} matches no sink message\n--- stored\n{stored}\n--- sink\n{}",
                    path.display(),
                    expected
                        .iter()
                        .map(|x| x.1.clone())
                        .collect::<Vec<_>>()
                        .join("\n---\n")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn run_script(e: &Env, script: &str, extra: &[String]) -> Output {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("script.lisp");
    fs::write(&path, script).expect("write script");
    let mut args = extra.to_vec();
    args.push(path.display().to_string());
    sendletter(dir.path(), &args, e)
}

#[test]
fn program_delivery_through_exim_sendmail_reaches_to_and_bcc() {
    let Some(e) = env() else { return };
    let _lock = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    let maildir = PathBuf::from(e.get("EXIM_MAILDIR"));
    let before = files(&maildir, "");
    let script = format!(
        "(send-letter '(:program . (\"/usr/sbin/sendmail\" \"-C\" \"{}\" \"-t\" \"-i\")) \"me@example.com\" \"you@example.com\" \"Piped.\" :bcc \"hidden@example.com\" :subject \"via exim\")\n",
        e.get("EXIM_CONF")
    );
    let out = run_script(&e, &script, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut new = Vec::new();
    for _ in 0..100 {
        new = files(&maildir, "")
            .difference(&before)
            .cloned()
            .collect::<Vec<_>>();
        if new.len() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(new.len(), 2, "one copy for To, one for Bcc");
    let mut envelope_to = Vec::new();
    for p in &new {
        let text = fs::read_to_string(p).expect("maildir file");
        assert!(text.contains("Subject: via exim"), "{text}");
        assert!(!text.contains("\nBcc:"), "sendmail -t strips Bcc: {text}");
        if let Some(l) = text.lines().find(|l| l.starts_with("Envelope-to: ")) {
            envelope_to.push(l.to_string());
        }
    }
    envelope_to.sort();
    assert_eq!(
        envelope_to,
        [
            "Envelope-to: hidden@example.com",
            "Envelope-to: you@example.com"
        ]
    );
}

#[test]
fn lisp_handler_case_sees_smtp_error_code_of_a_refused_recipient() {
    let Some(e) = env() else { return };
    let _lock = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    let store = PathBuf::from(e.get("AIO_MAILDIR"));
    let before = files(&store, "json");
    let script = "(handler-case
    (send-letter \"localhost\" \"me@example.com\" '(\"ok@example.com\" \"reject-me@example.com\") \"hi\")
  (net.post-office:smtp-error (c)
    (format t \"~a ~a ~a~%\" (type-of c) (net.post-office:smtp-error-code c)
            (net.post-office:smtp-error-command c))))
(handler-case
    (send-letter \"localhost\" \"me@example.com\" \"ok@example.com\" \"x\" :attachments \"no-such-file.pdf\")
  (file-error (c) (format t \"file-error ~a~%\" (pathname-name (file-error-pathname c)))))
";
    let out = run_script(
        &e,
        script,
        &routes(&e.get("AIO_PORT"), &e.get("AIO_TLS_PORT")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "SMTP-ERROR 550 RCPT TO:<reject-me@example.com>\nfile-error no-such-file\n"
    );
    assert!(
        files(&store, "json").difference(&before).next().is_none(),
        "nothing may be delivered"
    );
}

#[test]
fn smtp_debug_trace_shows_the_dialogue_with_credentials_redacted() {
    let Some(e) = env() else { return };
    let _lock = SERVERS.lock().unwrap_or_else(|p| p.into_inner());
    let script = "(setf net.post-office::*smtp-debug* t)
(send-letter '(\"smtp.example.com\" :port 587 :starttls t) \"me@example.com\" \"you@example.com\" \"traced\"
             :login \"me\" :password \"secret\")
";
    let out = run_script(
        &e,
        script,
        &routes(&e.get("AIO_PORT"), &e.get("AIO_TLS_PORT")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let trace = String::from_utf8_lossy(&out.stdout);
    assert!(trace.contains("to smtp command: \"STARTTLS\""), "{trace}");
    assert!(trace.contains("<redacted>"), "{trace}");
    // AUTH PLAIN's payload would be base64 of "\0me\0secret".
    assert!(
        !trace.contains("AG1lAHNlY3JldA") && !trace.contains("secret"),
        "{trace}"
    );
}

#[test]
fn program_exit_status_becomes_a_lisp_error() {
    let Some(e) = env() else { return };
    let script = "(handler-case
    (send-letter '(:program . (\"/bin/sh\" \"-c\" \"cat >/dev/null; echo deferred >&2; exit 75\")) \"me@example.com\" \"you@example.com\" \"x\")
  (error (c) (format t \"~a~%~a~%\" (type-of c) c)))
";
    let out = run_script(&e, script, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("SMTP-ERROR\n"), "{text}");
    assert!(text.contains("75") && text.contains("deferred"), "{text}");
}

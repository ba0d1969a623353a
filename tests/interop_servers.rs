//! Interop against real servers (aiosmtpd and Exim) on loopback.
//!
//! The servers are started by `scripts/test-servers/ci_smtp_up.sh WORKDIR`,
//! which writes `WORKDIR/smtp.env`; `scripts/test` runs it and sets
//! `SENDLETTER_SMTP_ENV=WORKDIR/smtp.env` before `cargo test`. By hand:
//!
//! ```sh
//! scripts/test-servers/ci_smtp_up.sh /tmp/sl-smtp
//! SENDLETTER_SMTP_ENV=/tmp/sl-smtp/smtp.env cargo test --test interop_servers
//! scripts/test-servers/ci_smtp_down.sh /tmp/sl-smtp
//! ```
//!
//! Without `SENDLETTER_SMTP_ENV` every test fails (so CI never passes
//! without having talked to a real server), unless `SENDLETTER_SKIP_INTEROP=1`.
//!
//! Every delivery is checked on the server side: aiosmtpd's
//! `NNNNNN.eml`/`.json` (envelope, TLS, AUTH user, exact bytes) and Exim's
//! Maildir (Return-path, Envelope-to, Received line, bytes with LF ends).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use sendletter::mail::smtp::{
    self, AuthMechanism, Credentials, Envelope, ErrorKind, Server, TlsMode, TlsOptions, TraceEvent,
};

struct Env(HashMap<String, String>);

impl Env {
    fn get(&self, key: &str) -> String {
        self.0
            .get(key)
            .cloned()
            .unwrap_or_else(|| panic!("{key} missing from smtp.env"))
    }
    fn port(&self, key: &str) -> u16 {
        self.get(key)
            .parse()
            .unwrap_or_else(|_| panic!("{key} is not a port"))
    }
    fn creds(&self) -> Credentials {
        Credentials::new(self.get("SMTP_USER"), self.get("SMTP_PASS"))
    }
}

fn env() -> Option<Env> {
    let path = match std::env::var("SENDLETTER_SMTP_ENV") {
        Ok(p) => p,
        Err(_) if std::env::var("SENDLETTER_SKIP_INTEROP").as_deref() == Ok("1") => {
            eprintln!("interop tests skipped: SENDLETTER_SKIP_INTEROP=1");
            return None;
        }
        Err(_) => panic!(
            "SENDLETTER_SMTP_ENV is not set: run the tests via scripts/test, which starts the \
             real SMTP servers (scripts/test-servers/ci_smtp_up.sh WORKDIR) and points \
             SENDLETTER_SMTP_ENV at WORKDIR/smtp.env; set SENDLETTER_SKIP_INTEROP=1 to skip"
        ),
    };
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let map = text
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Some(Env(map))
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Aiosmtpd,
    Exim,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Plain,
    StartTls,
    Implicit,
}

fn server(env: &Env, kind: Kind, mode: Mode) -> Server {
    let (plain, tls) = match kind {
        Kind::Aiosmtpd => ("AIO_PORT", "AIO_TLS_PORT"),
        Kind::Exim => ("EXIM_PORT", "EXIM_TLS_PORT"),
    };
    let (port, tls_mode) = match mode {
        Mode::Plain => (env.port(plain), TlsMode::None),
        Mode::StartTls => (env.port(plain), TlsMode::StartTls),
        Mode::Implicit => (env.port(tls), TlsMode::Implicit),
    };
    Server {
        tls: tls_mode,
        tls_options: TlsOptions {
            ca_file: Some(PathBuf::from(env.get("SMTP_CA"))),
            ..TlsOptions::default()
        },
        timeout: Some(Duration::from_secs(20)),
        client_name: Some("client.sendletter.test".into()),
        ..Server::new("localhost", port)
    }
}

fn token() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "t{}-{}-{}",
        std::process::id(),
        nanos,
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A message with lines that need dot-stuffing and no final newline.
fn message(token: &str) -> String {
    format!(
        "From: me@example.org\nTo: rcpt@example.com\nSubject: interop {token}\n\
         Message-ID: <{token}@sendletter.test>\n\nline one\n.leading dot\n..two dots\n.\nend without newline"
    )
}

fn envelope(rcpts: &[&str]) -> Envelope {
    Envelope {
        from: "me@example.org".into(),
        recipients: rcpts.iter().map(|s| s.to_string()).collect(),
        eight_bit: false,
    }
}

/// The stored file containing `token`, waiting up to `wait`.
fn find_stored(dir: &Path, token: &str, ext: Option<&str>, wait: Duration) -> Option<PathBuf> {
    find_all(dir, token, ext, 1, wait).into_iter().next()
}

/// The stored files containing `token`, waiting up to `wait` for `count`.
fn find_all(
    dir: &Path,
    token: &str,
    ext: Option<&str>,
    count: usize,
    wait: Duration,
) -> Vec<PathBuf> {
    let start = Instant::now();
    loop {
        let mut found = Vec::new();
        if let Ok(entries) = fs::read_dir(dir) {
            for e in entries.flatten() {
                let p = e.path();
                if ext.is_some_and(|x| p.extension().and_then(|s| s.to_str()) != Some(x)) {
                    continue;
                }
                let ready = match ext {
                    Some(_) => p.with_extension("json").exists(),
                    None => true,
                };
                if ready && fs::read_to_string(&p).is_ok_and(|t| t.contains(token)) {
                    found.push(p);
                }
            }
        }
        if found.len() >= count || start.elapsed() > wait {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

struct Expect<'a> {
    rcpts: &'a [&'a str],
    auth_user: Option<String>,
    tls: bool,
}

fn check_stored(env: &Env, kind: Kind, token: &str, expect: &Expect) {
    let msg = message(token);
    match kind {
        Kind::Aiosmtpd => {
            let dir = PathBuf::from(env.get("AIO_MAILDIR"));
            let eml = find_stored(&dir, token, Some("eml"), Duration::from_secs(10))
                .unwrap_or_else(|| panic!("aiosmtpd stored nothing for {token}"));
            let bytes = fs::read(&eml).unwrap();
            let want = format!("{}\r\n", msg.replace('\n', "\r\n"));
            assert_eq!(String::from_utf8_lossy(&bytes), want, "stored bytes");
            let meta: serde_json::Value =
                serde_json::from_str(&fs::read_to_string(eml.with_extension("json")).unwrap())
                    .unwrap();
            assert_eq!(meta["mail_from"], "me@example.org");
            assert_eq!(meta["rcpt_tos"], serde_json::json!(expect.rcpts));
            assert_eq!(meta["helo"], "client.sendletter.test");
            assert_eq!(meta["auth_user"], serde_json::json!(expect.auth_user));
            assert_eq!(!meta["tls"].is_null(), expect.tls, "tls: {}", meta["tls"]);
        }
        Kind::Exim => {
            // One Maildir file per recipient, each with its Envelope-to.
            let dir = PathBuf::from(env.get("EXIM_MAILDIR"));
            let files = find_all(
                &dir,
                token,
                None,
                expect.rcpts.len(),
                Duration::from_secs(10),
            );
            assert_eq!(
                files.len(),
                expect.rcpts.len(),
                "exim files for {token}: {files:?}"
            );
            let mut delivered_to = Vec::new();
            for file in files {
                let text = fs::read_to_string(&file).unwrap();
                let want = format!("\n{msg}\n");
                assert!(text.ends_with(&want), "stored bytes:\n{text}");
                assert!(
                    text.starts_with("Return-path: <me@example.org>\n"),
                    "{text}"
                );
                let to = text
                    .split("\nEnvelope-to: ")
                    .nth(1)
                    .and_then(|r| r.lines().next());
                delivered_to.push(to.unwrap_or_default().to_string());
                let received = text.split("\nReceived: ").nth(1).unwrap_or_default();
                assert!(
                    received.contains("helo=client.sendletter.test"),
                    "{received}"
                );
                assert_eq!(received.contains("(TLS1."), expect.tls, "{received}");
                match &expect.auth_user {
                    Some(u) => assert!(received.contains(&format!("(auth={u})")), "{received}"),
                    None => assert!(!received.contains("(auth="), "{received}"),
                }
            }
            delivered_to.sort();
            let mut want: Vec<String> = expect.rcpts.iter().map(|s| s.to_string()).collect();
            want.sort();
            assert_eq!(delivered_to, want);
        }
    }
}

fn assert_not_stored(env: &Env, kind: Kind, token: &str) {
    let (dir, ext) = match kind {
        Kind::Aiosmtpd => (env.get("AIO_MAILDIR"), Some("eml")),
        Kind::Exim => (env.get("EXIM_MAILDIR"), None),
    };
    let found = find_stored(Path::new(&dir), token, ext, Duration::from_millis(1500));
    assert!(
        found.is_none(),
        "{kind:?} stored a message that was refused: {found:?}"
    );
}

fn deliver_and_check(env: &Env, kind: Kind, mode: Mode, mech: Option<AuthMechanism>) {
    let mut server = server(env, kind, mode);
    server.auth = mech;
    let creds = env.creds();
    let t = token();
    let rcpts = ["rcpt@example.com", "second@example.net"];
    let result = smtp::deliver(
        &server,
        mech.map(|_| &creds),
        &envelope(&rcpts),
        &mut message(&t).as_bytes(),
        None,
    );
    if let Err(e) = result {
        panic!("{kind:?} {mode:?} {mech:?}: {e}");
    }
    let expect = Expect {
        rcpts: &rcpts,
        auth_user: mech.map(|_| creds.user.clone()),
        tls: mode != Mode::Plain,
    };
    check_stored(env, kind, &t, &expect);
}

const MECHS: [AuthMechanism; 3] = [
    AuthMechanism::Plain,
    AuthMechanism::Login,
    AuthMechanism::CramMd5,
];

#[test]
fn aiosmtpd_plain() {
    let Some(env) = env() else { return };
    deliver_and_check(&env, Kind::Aiosmtpd, Mode::Plain, None);
}

#[test]
fn aiosmtpd_starttls_each_mechanism() {
    let Some(env) = env() else { return };
    for m in MECHS {
        deliver_and_check(&env, Kind::Aiosmtpd, Mode::StartTls, Some(m));
    }
}

#[test]
fn aiosmtpd_implicit_tls_each_mechanism() {
    let Some(env) = env() else { return };
    for m in MECHS {
        deliver_and_check(&env, Kind::Aiosmtpd, Mode::Implicit, Some(m));
    }
}

#[test]
fn exim_plain_pipelined() {
    let Some(env) = env() else { return };
    deliver_and_check(&env, Kind::Exim, Mode::Plain, None);
}

#[test]
fn exim_starttls_each_mechanism() {
    let Some(env) = env() else { return };
    for m in MECHS {
        deliver_and_check(&env, Kind::Exim, Mode::StartTls, Some(m));
    }
}

#[test]
fn exim_implicit_tls_each_mechanism() {
    let Some(env) = env() else { return };
    for m in MECHS {
        deliver_and_check(&env, Kind::Exim, Mode::Implicit, Some(m));
    }
}

#[test]
fn wrong_password_is_an_auth_error() {
    let Some(env) = env() else { return };
    for kind in [Kind::Aiosmtpd, Kind::Exim] {
        for mode in [Mode::StartTls, Mode::Implicit] {
            let bad = Credentials::new(env.get("SMTP_USER"), "wrong-password");
            let t = token();
            let e = smtp::deliver(
                &server(&env, kind, mode),
                Some(&bad),
                &envelope(&["rcpt@example.com"]),
                &mut message(&t).as_bytes(),
                None,
            )
            .unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Auth, "{kind:?} {mode:?}: {e}");
            assert_eq!(e.code(), Some(535), "{kind:?} {mode:?}: {e}");
            assert!(!e.to_string().contains("wrong-password"));
        }
    }
}

#[test]
fn rejected_recipient_delivers_nothing() {
    let Some(env) = env() else { return };
    // Exim pipelines, so it answers DATA with 354: the client must then
    // close without the final dot. aiosmtpd does not pipeline.
    for kind in [Kind::Aiosmtpd, Kind::Exim] {
        let t = token();
        let e = smtp::deliver(
            &server(&env, kind, Mode::StartTls),
            Some(&env.creds()),
            &envelope(&["good@example.com", "reject-me@example.com"]),
            &mut message(&t).as_bytes(),
            None,
        )
        .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::RejectedRecipient, "{kind:?}: {e}");
        assert_eq!(e.code(), Some(550));
        assert_eq!(e.command(), Some("RCPT TO:<reject-me@example.com>"));
        assert_eq!(e.enhanced_status(), Some("5.1.1"));
        assert_not_stored(&env, kind, &t);
    }
}

#[test]
fn data_failure_is_an_error() {
    let Some(env) = env() else { return };
    let t = token();
    let e = smtp::deliver(
        &server(&env, Kind::Aiosmtpd, Mode::Plain),
        None,
        &envelope(&["datafail@example.com"]),
        &mut message(&t).as_bytes(),
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectedMessage, "{e}");
    assert_eq!(e.code(), Some(554));
    assert_not_stored(&env, Kind::Aiosmtpd, &t);
}

#[test]
fn tempfail_is_transient() {
    let Some(env) = env() else { return };
    let e = smtp::deliver(
        &server(&env, Kind::Exim, Mode::Plain),
        None,
        &envelope(&["tempfail@example.com"]),
        &mut message(&token()).as_bytes(),
        None,
    )
    .unwrap_err();
    assert!(e.is_transient(), "{e}");
    assert_eq!(e.code(), Some(451));
}

#[test]
fn certificate_for_another_name_is_refused() {
    let Some(env) = env() else { return };
    let mut s = server(&env, Kind::Exim, Mode::Implicit);
    s.tls_options.server_name = Some("mail.example.org".into());
    let e = smtp::deliver(
        &s,
        None,
        &envelope(&["rcpt@example.com"]),
        &mut &b"x"[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    // And without the test CA the system store does not trust it.
    let mut s = server(&env, Kind::Aiosmtpd, Mode::StartTls);
    s.tls_options.ca_file = None;
    let e = smtp::deliver(
        &s,
        None,
        &envelope(&["rcpt@example.com"]),
        &mut &b"x"[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
}

#[test]
fn test_email_address_against_aiosmtpd() {
    let Some(env) = env() else { return };
    let template = Server {
        timeout: Some(Duration::from_secs(10)),
        ..Server::default()
    };
    let addr = format!("bob@127.0.0.1:{}", env.port("AIO_PORT"));
    // aiosmtpd answers VRFY with 252: "cannot verify, will accept".
    assert!(smtp::test_email_address(&template, &addr).unwrap());
}

/// Prints the trace of a STARTTLS + AUTH delivery to Exim (run with
/// `--nocapture` to see it) and checks its shape.
#[test]
fn exim_starttls_auth_transcript() {
    let Some(env) = env() else { return };
    let t = token();
    let mut lines = Vec::new();
    let mut sink = |ev: &TraceEvent| lines.push(ev.to_string());
    smtp::deliver(
        &server(&env, Kind::Exim, Mode::StartTls),
        Some(&env.creds()),
        &envelope(&["rcpt@example.com"]),
        &mut message(&t).as_bytes(),
        Some(&mut sink),
    )
    .unwrap();
    let text = lines.join("\n");
    println!("{text}");
    for want in [
        "to smtp command: \"STARTTLS\"",
        ";; TLS established",
        "to smtp command: \"AUTH PLAIN <redacted>\"",
        "235 Authentication succeeded",
        "to smtp command: \"QUIT\"",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    assert!(!text.contains(&env.get("SMTP_PASS")));
    check_stored(
        &env,
        Kind::Exim,
        &t,
        &Expect {
            rcpts: &["rcpt@example.com"],
            auth_user: Some(env.get("SMTP_USER")),
            tls: true,
        },
    );
}

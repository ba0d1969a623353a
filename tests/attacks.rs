//! Attacks on the mail engine: STARTTLS response injection, SMTP smuggling
//! through the message body, credentials leaking (in clear, in traces, in
//! errors), and shell injection through the `:program` list form.

mod common;

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use common::{assert_no_secret, on_line, send, FakeServer, Step};
use sendletter::mail::program::{self, ProgramCommand};
use sendletter::mail::smtp::auth::credentials_allowed;
use sendletter::mail::smtp::{
    self, AuthMechanism, Credentials, Envelope, ErrorKind, Server, SmtpError, TlsMode, TraceEvent,
};

const PASSWORD: &str = "attack-pw-Qx7";
const GREETING: &str = "220 fake.test ESMTP\r\n";

fn creds() -> Credentials {
    Credentials::new("alice", PASSWORD)
}

fn envelope() -> Envelope {
    Envelope {
        from: "me@example.com".into(),
        recipients: vec!["a@x.org".into()],
        eight_bit: false,
    }
}

fn server_for(fake: &FakeServer) -> Server {
    Server {
        timeout: Some(Duration::from_secs(2)),
        ..fake.server()
    }
}

/// Deliver with the credentials and a trace; returns the result and the
/// trace, having checked that neither shows the password.
fn deliver_traced(server: &Server, message: &[u8]) -> (Result<(), SmtpError>, String) {
    let mut lines = Vec::new();
    let mut sink = |ev: &TraceEvent| lines.push(ev.to_string());
    let result = smtp::deliver(
        server,
        Some(&creds()),
        &envelope(),
        &mut &message[..],
        Some(&mut sink),
    );
    let trace = lines.join("\n");
    assert_no_secret(PASSWORD, &trace);
    if let Err(e) = &result {
        assert_no_secret(PASSWORD, &format!("{e}\n{e:?}"));
    }
    (result, trace)
}

// --- STARTTLS response injection (RFC 3207 §6, CVE-2011-0411) ------------

#[test]
fn starttls_response_injection_aborts_before_tls_and_auth() {
    for injected in [
        "220 go\r\n250 injected\r\n",
        "220 go\r\n2",
        "220-go\r\n220 ahead\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n",
        "220 go\r\n\r\n",
    ] {
        let mut s = vec![send(GREETING)];
        s.extend(on_line(
            "250-fake.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n",
        ));
        // The 220 and what follows it arrive in one write, before TLS.
        s.extend(on_line(injected));
        let fake = FakeServer::start(s);
        let server = Server {
            tls: TlsMode::StartTls,
            ..server_for(&fake)
        };
        let (result, _) = deliver_traced(&server, b"Subject: x\n\nhi\n");
        let e = result.expect_err(injected);
        assert_eq!(e.kind(), ErrorKind::Protocol, "{injected:?}: {e}");
        assert_eq!(
            e.to_string(),
            "the server sent data after its 220 reply to STARTTLS (possible response \
             injection); session aborted",
            "{injected:?}"
        );
        // Nothing after STARTTLS: no handshake, no AUTH, no QUIT in clear.
        assert_eq!(
            fake.transcript(),
            "EHLO client.test\r\nSTARTTLS\r\n",
            "{injected:?}"
        );
    }
}

// --- SMTP smuggling (CVE-2023-51764/5/6) ---------------------------------

/// The body lines a smuggler would want the server to see as a second
/// message after a fake end of data.
const SMUGGLED: &str = "MAIL FROM:<admin@bank.example>\r\nRCPT TO:<victim@x.org>\r\nDATA\r\n\
                        From: admin@bank.example\r\n\r\nsmuggled\r\n.\r\n";

#[test]
fn smuggling_payloads_reach_the_server_harmlessly() {
    // Each fake end of data, and what it must become on the wire.
    for (fake_end, wire) in [
        ("\n.\r\n", "\r\n..\r\n"),
        ("\r\n.\n", "\r\n..\r\n"),
        ("\r.\r\n", "\r\n..\r\n"),
        ("\n.\n", "\r\n..\r\n"),
        ("\r\n.\r\n", "\r\n..\r\n"),
        ("\r\n.\r", "\r\n..\r\n"),
        ("\r\n\r.\r\n", "\r\n\r\n..\r\n"),
        ("\n\r\n.\r\n", "\r\n\r\n..\r\n"),
    ] {
        let body = format!("Subject: s\n\nhello{fake_end}{SMUGGLED}end");
        let mut s = vec![send(GREETING)];
        s.extend(on_line("250-fake.test\r\n250 AUTH PLAIN\r\n"));
        s.extend(on_line("235 ok\r\n"));
        for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
            s.extend(on_line(r));
        }
        s.push(Step::Data);
        s.push(send("250 queued\r\n"));
        s.extend(on_line("221 bye\r\n"));
        let fake = FakeServer::start(s);
        let (result, _) = deliver_traced(&server_for(&fake), body.as_bytes());
        result.unwrap_or_else(|e| panic!("{fake_end:?}: {e}"));

        let stuffed_smuggle = SMUGGLED.replace("\r\n.\r\n", "\r\n..\r\n");
        let content = format!("Subject: s\r\n\r\nhello{wire}{stuffed_smuggle}end\r\n.\r\n");
        let t = fake.transcript_bytes();
        let data_at = t.windows(6).position(|w| w == b"DATA\r\n").unwrap() + 6;
        let (commands, rest) = t.split_at(data_at);
        assert!(commands.ends_with(b"MAIL FROM:<me@example.com>\r\nRCPT TO:<a@x.org>\r\nDATA\r\n"));
        assert_eq!(
            String::from_utf8_lossy(rest),
            format!("{content}QUIT\r\n"),
            "{fake_end:?}"
        );
        // Exactly one end of data, and no bare CR or LF anywhere.
        let content = content.as_bytes();
        let ends = content.windows(5).filter(|w| w == b"\r\n.\r\n").count();
        assert_eq!(ends, 1, "{fake_end:?}");
        assert!(no_bare_cr_or_lf(content), "{fake_end:?}");
        for line in content.split(|&b| b == b'\n') {
            if line.first() == Some(&b'.') && line != b".\r" {
                assert!(line.starts_with(b".."), "unstuffed {line:?}");
            }
        }
    }
}

fn no_bare_cr_or_lf(b: &[u8]) -> bool {
    b.iter().enumerate().all(|(i, &c)| match c {
        b'\r' => b.get(i + 1) == Some(&b'\n'),
        b'\n' => i > 0 && b[i - 1] == b'\r',
        _ => true,
    })
}

#[test]
fn smuggling_in_envelope_and_client_name_is_refused_before_connecting() {
    // Port 9 on loopback: nothing may be sent anywhere.
    let base = Server {
        client_name: Some("client.test".into()),
        timeout: Some(Duration::from_secs(1)),
        ..Server::new("127.0.0.1", 9)
    };
    let bad_envelopes = [
        ("a@x.org\r\nDATA", "me@example.com"),
        ("a@x.org\nRSET", "me@example.com"),
        ("a@x.org", "me@example.com>\r\nRCPT TO:<evil@y"),
        ("a@x.org\0", "me@example.com"),
    ];
    for (rcpt, from) in bad_envelopes {
        let env = Envelope {
            from: from.into(),
            recipients: vec![rcpt.into()],
            eight_bit: false,
        };
        let e = smtp::deliver(&base, None, &env, &mut &b"x"[..], None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadArgument, "{rcpt:?} {from:?}");
    }
    let server = Server {
        client_name: Some("client.test\r\nMAIL FROM:<x@y>".into()),
        ..base
    };
    let e = smtp::deliver(&server, None, &envelope(), &mut &b"x"[..], None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadArgument);
}

// --- credentials ---------------------------------------------------------

#[test]
fn credentials_policy() {
    let lo = "127.0.0.1".parse().unwrap();
    let far = "203.0.113.5".parse().unwrap();
    assert!(credentials_allowed(false, lo, "localhost", false));
    assert!(credentials_allowed(false, lo, "127.0.0.1", false));
    assert!(!credentials_allowed(false, far, "mx.example.com", false));
    assert!(!credentials_allowed(false, lo, "mx.example.com", false));
    assert!(credentials_allowed(true, far, "mx.example.com", false));
    assert!(credentials_allowed(false, far, "mx.example.com", true));
}

#[test]
fn no_credentials_in_clear_to_a_non_loopback_name_even_via_loopback() {
    // The socket goes to a loopback fake server, but the server we were
    // asked for is remote: AUTH must not be sent, nor anything after it.
    let mut s = vec![send(GREETING)];
    s.extend(on_line("250-fake.test\r\n250 AUTH PLAIN LOGIN\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let server = Server {
        host: "smtp.example.com".into(),
        connect_to: Some(("127.0.0.1".into(), fake.addr.port())),
        ..server_for(&fake)
    };
    let (result, _) = deliver_traced(&server, b"x");
    let e = result.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(
        e.to_string()
            .starts_with("refusing to send credentials over an unencrypted connection"),
        "{e}"
    );
    assert_eq!(fake.transcript(), "EHLO client.test\r\nQUIT\r\n");
}

#[test]
fn explicit_opt_in_allows_clear_credentials() {
    let mut s = vec![send(GREETING)];
    s.extend(on_line("250-fake.test\r\n250 AUTH PLAIN\r\n"));
    s.extend(on_line("235 ok\r\n"));
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        s.extend(on_line(r));
    }
    s.push(Step::Data);
    s.push(send("250 queued\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let server = Server {
        host: "smtp.example.com".into(),
        connect_to: Some(("127.0.0.1".into(), fake.addr.port())),
        allow_insecure_auth: true,
        ..server_for(&fake)
    };
    let (result, _) = deliver_traced(&server, b"x");
    result.unwrap();
    let ir = B64.encode(format!("\0alice\0{PASSWORD}"));
    assert!(fake.transcript().contains(&format!("AUTH PLAIN {ir}\r\n")));
}

/// Every AUTH exchange that can fail, each with the password; neither the
/// trace nor the error (Display or Debug) may show it in any form.
#[test]
fn credentials_never_in_traces_or_errors() {
    let cases: Vec<(Option<AuthMechanism>, Vec<&str>)> = vec![
        (None, vec!["535 5.7.8 bad credentials\r\n"]),
        (
            Some(AuthMechanism::Login),
            vec!["334 VXNlcm5hbWU6\r\n", "334 UGFzc3dvcmQ6\r\n", "535 no\r\n"],
        ),
        (Some(AuthMechanism::Login), vec!["334 !!\r\n", "334 ??\r\n"]),
        (
            Some(AuthMechanism::CramMd5),
            vec![
                "334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n",
                "535 no\r\n",
            ],
        ),
        (
            Some(AuthMechanism::Xoauth2),
            vec![
                "334 eyJzdGF0dXMiOiI0MDEifQ==\r\n",
                "535 5.7.8 token rejected\r\n",
            ],
        ),
        (
            None,
            vec!["334 \r\n", "334 \r\n", "334 \r\n", "334 \r\n", "334 \r\n"],
        ),
        (Some(AuthMechanism::Plain), vec!["454 4.7.0 try later\r\n"]),
    ];
    for (forced, replies) in cases {
        let mut s = vec![send(GREETING)];
        s.extend(on_line(
            "250-fake.test\r\n250 AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n",
        ));
        for r in &replies {
            s.extend(on_line(r));
        }
        s.extend(on_line("221 bye\r\n"));
        let fake = FakeServer::start(s);
        let server = Server {
            auth: forced,
            ..server_for(&fake)
        };
        // deliver_traced checks the trace and the error.
        let (result, trace) = deliver_traced(&server, b"x");
        let e = result.expect_err("AUTH must fail");
        assert_eq!(e.kind(), ErrorKind::Auth, "{forced:?} {replies:?}: {e}");
        assert!(
            trace.contains("<redacted>") || trace.contains("AUTH "),
            "{trace}"
        );
        drop(fake.transcript());
    }
}

// --- :program ----------------------------------------------------------

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
fn program_list_form_is_never_interpreted_by_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let pwned = dir.path().join("pwned");
    let p = pwned.display();
    let hostile = [
        format!("; touch {p}"),
        format!("$(touch {p})"),
        format!("`touch {p}`"),
        format!("&& touch {p}"),
        format!("| touch {p}"),
        format!("\ntouch {p}"),
        "*".to_string(),
        "$HOME".to_string(),
    ];
    let mut argv = vec![
        "env".to_string(),
        format!("FAKE_SENDMAIL_DIR={}", dir.path().display()),
        fake_sendmail(),
    ];
    argv.extend(hostile.iter().cloned());
    program::deliver(&ProgramCommand::Argv(argv), &mut &b"To: x@y\n\nhi\n"[..]).unwrap();
    assert!(!pwned.exists(), "a shell ran the arguments");
    let args = fs::read_to_string(dir.path().join("001.args")).unwrap();
    assert_eq!(args, format!("{}\n", hostile.join("\n")));

    // The program name itself is not split or expanded either.
    let e = program::deliver(
        &ProgramCommand::Argv(vec![format!("true; touch {p}")]),
        &mut &b"x"[..],
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ProgramFailed);
    assert!(!pwned.exists(), "a shell ran the program name");
}

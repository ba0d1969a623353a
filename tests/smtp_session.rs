//! Every session path against a scripted fake server on loopback; each
//! test asserts the exact bytes the client sent.

mod common;

use std::io::{self, Write};
use std::time::{Duration, Instant};

use common::{on_line, send, FakeServer, Step};
use sendletter::mail::smtp::{
    self, AuthMechanism, Credentials, Envelope, ErrorKind, TlsMode, TraceEvent,
};
use sendletter::mail::wire::WriteWith;

const GREETING: &str = "220 fake.test ESMTP\r\n";
const EHLO_PLAIN: &str = "250-fake.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n";
const EHLO_AUTH: &str =
    "250-fake.test\r\n250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n250 8BITMIME\r\n";

fn envelope(rcpts: &[&str]) -> Envelope {
    Envelope {
        from: "me@example.com".into(),
        recipients: rcpts.iter().map(|s| s.to_string()).collect(),
        eight_bit: false,
    }
}

fn script(parts: Vec<Vec<Step>>) -> Vec<Step> {
    parts.into_iter().flatten().collect()
}

/// Greeting + EHLO answered with `ehlo`.
fn opening(ehlo: &str) -> Vec<Step> {
    let mut v = vec![send(GREETING)];
    v.extend(on_line(ehlo));
    v
}

/// MAIL, RCPT(s), DATA, content, QUIT, all accepted.
fn accept_all(rcpts: usize) -> Vec<Step> {
    let mut v = Vec::new();
    v.extend(on_line("250 2.1.0 ok\r\n"));
    for _ in 0..rcpts {
        v.extend(on_line("250 2.1.5 ok\r\n"));
    }
    v.extend(on_line("354 go ahead\r\n"));
    v.push(Step::Data);
    v.push(send("250 2.0.0 queued\r\n"));
    v.extend(on_line("221 bye\r\n"));
    v
}

const MESSAGE: &[u8] = b"Subject: t\n\n.dot\nend";
const WIRE: &str = "Subject: t\r\n\r\n..dot\r\nend\r\n.\r\n";

#[test]
fn plain_delivery_exact_bytes() {
    let fake = FakeServer::start(script(vec![opening(EHLO_PLAIN), accept_all(2)]));
    let server = fake.server();
    smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org", "b@y.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert_eq!(
        fake.transcript(),
        format!(
            "EHLO client.test\r\nMAIL FROM:<me@example.com>\r\nRCPT TO:<a@x.org>\r\n\
             RCPT TO:<b@y.org>\r\nDATA\r\n{WIRE}QUIT\r\n"
        )
    );
}

#[test]
fn helo_fallback_when_ehlo_refused() {
    let mut steps = vec![send(GREETING)];
    steps.extend(on_line("502 5.5.1 EHLO not implemented\r\n"));
    steps.extend(on_line("250 fake.test\r\n"));
    steps.extend(accept_all(1));
    let fake = FakeServer::start(steps);
    smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert_eq!(
        fake.transcript(),
        format!(
            "EHLO client.test\r\nHELO client.test\r\nMAIL FROM:<me@example.com>\r\n\
             RCPT TO:<a@x.org>\r\nDATA\r\n{WIRE}QUIT\r\n"
        )
    );
}

#[test]
fn greeting_refused_is_a_connect_error() {
    let fake = FakeServer::start(vec![send("554 go away\r\n")]);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert_eq!(e.to_string(), "initial connect failed: \"554 go away\"");
    assert_eq!(fake.transcript(), "");
}

#[test]
fn starttls_required_but_not_offered_is_an_error() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let server = smtp::Server {
        tls: TlsMode::StartTls,
        ..fake.server()
    };
    let e = smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls);
    assert!(e.to_string().contains("does not offer STARTTLS"), "{e}");
    assert_eq!(fake.transcript(), "EHLO client.test\r\nQUIT\r\n");
}

#[test]
fn starttls_if_available_continues_in_plaintext() {
    let fake = FakeServer::start(script(vec![opening(EHLO_PLAIN), accept_all(1)]));
    let server = smtp::Server {
        tls: TlsMode::StartTlsIfAvailable,
        ..fake.server()
    };
    smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert!(fake
        .transcript()
        .starts_with("EHLO client.test\r\nMAIL FROM:"));
}

#[test]
fn starttls_response_injection_aborts() {
    let mut steps = opening("250-fake.test\r\n250 STARTTLS\r\n");
    // The 220 and an injected reply arrive in one segment, before TLS.
    steps.extend(on_line("220 go ahead\r\n250 injected\r\n"));
    let fake = FakeServer::start(steps);
    let server = smtp::Server {
        tls: TlsMode::StartTls,
        ..fake.server()
    };
    let e = smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.to_string().contains("injection"), "{e}");
    assert_eq!(fake.transcript(), "EHLO client.test\r\nSTARTTLS\r\n");
}

fn auth_session(auth_steps: Vec<Step>) -> FakeServer {
    FakeServer::start(script(vec![opening(EHLO_AUTH), auth_steps, accept_all(1)]))
}

fn creds() -> Credentials {
    Credentials::new("alice", "s3cret")
}

#[test]
fn auth_plain_with_initial_response() {
    let fake = auth_session(on_line("235 2.7.0 ok\r\n").into());
    smtp::deliver(
        &fake.server(),
        Some(&creds()),
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert!(fake
        .transcript()
        .starts_with("EHLO client.test\r\nAUTH PLAIN AGFsaWNlAHMzY3JldA==\r\nMAIL FROM:"));
}

#[test]
fn auth_login_does_not_read_prompts() {
    let steps = script(vec![
        on_line("334 VXNlciBOYW1lAA==\r\n").into(),
        on_line("334 UGFzc3dvcmQA\r\n").into(),
        on_line("235 ok\r\n").into(),
    ]);
    let fake = auth_session(steps);
    let server = smtp::Server {
        auth: Some(AuthMechanism::Login),
        ..fake.server()
    };
    smtp::deliver(
        &server,
        Some(&creds()),
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert!(fake
        .transcript()
        .starts_with("EHLO client.test\r\nAUTH LOGIN\r\nYWxpY2U=\r\nczNjcmV0\r\nMAIL FROM:"));
}

#[test]
fn auth_cram_md5_rfc2195_example() {
    let steps = script(vec![
        on_line("334 PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+\r\n").into(),
        on_line("235 ok\r\n").into(),
    ]);
    let fake = auth_session(steps);
    let server = smtp::Server {
        auth: Some(AuthMechanism::CramMd5),
        ..fake.server()
    };
    let tim = Credentials::new("tim", "tanstaaftanstaaf");
    smtp::deliver(
        &server,
        Some(&tim),
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert!(fake.transcript().starts_with(
        "EHLO client.test\r\nAUTH CRAM-MD5\r\ndGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw\r\nMAIL FROM:"
    ));
}

#[test]
fn auth_xoauth2_when_forced() {
    let fake = auth_session(on_line("235 ok\r\n").into());
    let server = smtp::Server {
        auth: Some(AuthMechanism::Xoauth2),
        ..fake.server()
    };
    let token = Credentials::new("alice@example.com", "ya29.token");
    smtp::deliver(
        &server,
        Some(&token),
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert!(fake.transcript().starts_with(
        "EHLO client.test\r\nAUTH XOAUTH2 dXNlcj1hbGljZUBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnRva2VuAQE=\r\nMAIL FROM:"
    ));
}

#[test]
fn auth_refused_535_names_no_secret() {
    let mut steps = opening(EHLO_AUTH);
    steps.extend(on_line("535 5.7.8 authentication failed\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        Some(&creds()),
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(e.code(), Some(535));
    assert_eq!(e.command(), Some("AUTH PLAIN"));
    assert_eq!(
        e.to_string(),
        "SMTP authentication failed: 535 5.7.8 authentication failed"
    );
    assert!(!format!("{e} {e:?}").contains("AGFsaWNl"));
    assert_eq!(
        fake.transcript(),
        "EHLO client.test\r\nAUTH PLAIN AGFsaWNlAHMzY3JldA==\r\nQUIT\r\n"
    );
}

#[test]
fn no_auth_offered_with_credentials_is_an_error() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        Some(&creds()),
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(e.to_string().contains("offers no AUTH"), "{e}");
    assert_eq!(fake.transcript(), "EHLO client.test\r\nQUIT\r\n");
}

#[test]
fn rejected_sender() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("550 5.7.1 sender rejected\r\n"));
    steps.extend(on_line("250 reset\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectedMessage);
    assert_eq!(e.command(), Some("MAIL FROM:<me@example.com>"));
    assert_eq!(
        fake.transcript(),
        "EHLO client.test\r\nMAIL FROM:<me@example.com>\r\nRSET\r\nQUIT\r\n"
    );
}

#[test]
fn rejected_recipient_aborts_everything() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("550 5.1.1 no such user\r\n"));
    steps.extend(on_line("250 reset\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org", "x@y", "c@z.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectedRecipient);
    assert_eq!(
        e.to_string(),
        "SMTP transaction failed.  We said: \"RCPT TO:<x@y>\", and the server replied: \"550 5.1.1 no such user\""
    );
    assert_eq!(e.enhanced_status(), Some("5.1.1"));
    assert!(!e.is_transient());
    assert_eq!(
        fake.transcript(),
        "EHLO client.test\r\nMAIL FROM:<me@example.com>\r\nRCPT TO:<a@x.org>\r\nRCPT TO:<x@y>\r\nRSET\r\nQUIT\r\n"
    );
}

#[test]
fn rejected_data_command() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("554 5.5.1 no valid recipients\r\n"));
    steps.extend(on_line("250 reset\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectedMessage);
    assert_eq!(e.command(), Some("DATA"));
    assert!(fake.transcript().ends_with("DATA\r\nRSET\r\nQUIT\r\n"));
}

#[test]
fn rejected_content_after_data() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("354 go\r\n"));
    steps.push(Step::Data);
    steps.push(send("554 5.6.0 content rejected\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectedMessage);
    assert_eq!(
        e.to_string(),
        "message not sent: \"554 5.6.0 content rejected\""
    );
    assert!(fake
        .transcript()
        .ends_with(&format!("DATA\r\n{WIRE}QUIT\r\n")));
}

#[test]
fn service_closing_421_mid_session() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("421 4.3.2 shutting down\r\n"));
    steps.push(Step::Close);
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.code(), Some(421));
    assert!(e.is_transient());
    // No RSET or QUIT to a server that is closing.
    assert_eq!(
        fake.transcript(),
        "EHLO client.test\r\nMAIL FROM:<me@example.com>\r\nRCPT TO:<a@x.org>\r\n"
    );
}

#[test]
fn quit_failing_after_acceptance_is_success() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("354 go\r\n"));
    steps.push(Step::Data);
    steps.push(send("250 queued\r\n"));
    steps.push(Step::Lines(1));
    steps.push(Step::Close);
    let fake = FakeServer::start(steps);
    smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert!(fake.transcript().ends_with("QUIT\r\n"));
}

const EHLO_PIPE: &str = "250-fake.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n";

#[test]
fn pipelining_sends_envelope_in_one_batch() {
    let mut steps = opening(EHLO_PIPE);
    // All four commands must be there before the server answers anything.
    steps.push(Step::Lines(4));
    steps.push(send("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n"));
    steps.push(Step::Data);
    steps.push(send("250 queued\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org", "b@y.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert_eq!(
        fake.transcript(),
        format!(
            "EHLO client.test\r\nMAIL FROM:<me@example.com>\r\nRCPT TO:<a@x.org>\r\nRCPT TO:<b@y.org>\r\n\
             DATA\r\n{WIRE}QUIT\r\n"
        )
    );
}

#[test]
fn pipelining_one_rejection_then_data_refused() {
    let mut steps = opening(EHLO_PIPE);
    steps.push(Step::Lines(4));
    steps.push(send(
        "250 ok\r\n550 5.1.1 unknown\r\n250 ok\r\n554 no valid recipients\r\n",
    ));
    steps.extend(on_line("250 reset\r\n"));
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["bad@x.org", "b@y.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectedRecipient);
    assert_eq!(e.command(), Some("RCPT TO:<bad@x.org>"));
    assert!(fake.transcript().ends_with("DATA\r\nRSET\r\nQUIT\r\n"));
}

#[test]
fn pipelining_one_rejection_then_354_sends_no_content() {
    let mut steps = opening(EHLO_PIPE);
    steps.push(Step::Lines(4));
    steps.push(send("250 ok\r\n250 ok\r\n550 5.1.1 unknown\r\n354 go\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org", "bad@y.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.command(), Some("RCPT TO:<bad@y.org>"));
    // Connection closed with no content and no final ".": nothing is delivered.
    assert!(fake
        .transcript()
        .ends_with("RCPT TO:<bad@y.org>\r\nDATA\r\n"));
}

#[test]
fn huge_reply_line_is_an_error() {
    let mut steps = vec![send(GREETING), Step::Lines(1)];
    steps.push(Step::Send(format!("250 {}\r\n", "x".repeat(100 * 1024))));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.to_string().contains("longer than"), "{e}");
}

#[test]
fn stalled_server_times_out() {
    let fake = FakeServer::start(vec![
        send(GREETING),
        Step::Lines(1),
        Step::Sleep(Duration::from_secs(3)),
    ]);
    let server = smtp::Server {
        timeout: Some(Duration::from_millis(300)),
        ..fake.server()
    };
    let start = Instant::now();
    let e = smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(e.command(), Some("EHLO client.test"));
}

#[test]
fn trickling_server_still_times_out() {
    // One byte every 100 ms never completes a reply: the limit is per reply.
    let mut steps = vec![];
    for b in "220 slow greeting".chars() {
        steps.push(Step::Send(b.to_string()));
        steps.push(Step::Sleep(Duration::from_millis(100)));
    }
    let fake = FakeServer::start(steps);
    let server = smtp::Server {
        timeout: Some(Duration::from_millis(500)),
        ..fake.server()
    };
    let start = Instant::now();
    let e = smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(start.elapsed() < Duration::from_millis(1500));
}

#[test]
fn smtputf8_and_8bitmime_parameters() {
    let ehlo = "250-fake.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";
    let fake = FakeServer::start(script(vec![opening(ehlo), accept_all(1)]));
    let env = Envelope {
        from: "josé@example.com".into(),
        recipients: vec!["a@x.org".into()],
        eight_bit: true,
    };
    smtp::deliver(&fake.server(), None, &env, &mut &MESSAGE[..], None).unwrap();
    assert!(fake
        .transcript()
        .contains("MAIL FROM:<josé@example.com> BODY=8BITMIME SMTPUTF8\r\n"));
}

#[test]
fn non_ascii_address_without_smtputf8_is_refused() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(steps);
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["müller@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("SMTPUTF8"), "{e}");
    assert_eq!(fake.transcript(), "EHLO client.test\r\nQUIT\r\n");
}

#[test]
fn failing_message_source_sends_no_final_dot() {
    let mut steps = opening(EHLO_PLAIN);
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("250 ok\r\n"));
    steps.extend(on_line("354 go\r\n"));
    let fake = FakeServer::start(steps);
    let mut source = WriteWith(|out: &mut dyn Write| {
        out.write_all(b"partial line\n")?;
        Err(io::Error::other("attachment vanished"))
    });
    let e = smtp::deliver(
        &fake.server(),
        None,
        &envelope(&["a@x.org"]),
        &mut source,
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(e.to_string().contains("attachment vanished"), "{e}");
    assert!(!fake.transcript().contains("\r\n.\r\n"));
}

#[test]
fn trace_shows_commands_and_replies_and_hides_secrets() {
    let fake = auth_session(on_line("235 ok\r\n").into());
    let mut lines = Vec::new();
    let mut sink = |ev: &TraceEvent| lines.push(ev.to_string());
    smtp::deliver(
        &fake.server(),
        Some(&creds()),
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        Some(&mut sink),
    )
    .unwrap();
    drop(fake.transcript());
    let all = lines.join("\n");
    assert!(
        all.contains("to smtp command: \"EHLO client.test\""),
        "{all}"
    );
    assert!(
        all.contains("to smtp command: \"AUTH PLAIN <redacted>\""),
        "{all}"
    );
    assert!(all.contains("235 ok"));
    assert!(all.contains("to smtp command: \"RCPT TO:<a@x.org>\""));
    assert!(
        !all.contains("AGFsaWNl") && !all.contains("s3cret"),
        "{all}"
    );
}

#[test]
fn bad_addresses_are_refused_before_connecting() {
    let server = smtp::Server::new("127.0.0.1", 1);
    let e = smtp::deliver(
        &server,
        None,
        &envelope(&["a@b\r\nDATA"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadArgument);
}

#[test]
fn connect_to_overrides_the_socket_address() {
    let fake = FakeServer::start(script(vec![opening(EHLO_PLAIN), accept_all(1)]));
    let server = smtp::Server {
        host: "mail.invalid".into(),
        connect_to: Some(("127.0.0.1".into(), fake.addr.port())),
        ..fake.server()
    };
    smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    assert!(fake.transcript().starts_with("EHLO client.test\r\n"));
}

#[test]
fn ehlo_name_defaults_to_an_address_literal_or_fqdn() {
    let fake = FakeServer::start(script(vec![opening(EHLO_PLAIN), accept_all(1)]));
    let server = smtp::Server {
        client_name: None,
        ..fake.server()
    };
    smtp::deliver(
        &server,
        None,
        &envelope(&["a@x.org"]),
        &mut &MESSAGE[..],
        None,
    )
    .unwrap();
    let t = fake.transcript();
    let first = t.lines().next().unwrap_or_default().to_string();
    assert!(
        first == "EHLO [127.0.0.1]" || (first.starts_with("EHLO ") && first.contains('.')),
        "{first}"
    );
}

mod test_email_address {
    use super::*;

    fn vrfy_server(replies: &[&str]) -> FakeServer {
        let mut steps = opening(EHLO_PLAIN);
        for r in replies {
            steps.extend(on_line(r));
        }
        steps.extend(on_line("221 bye\r\n"));
        FakeServer::start(steps)
    }

    fn template(fake: &FakeServer) -> smtp::Server {
        smtp::Server {
            connect_to: Some(("127.0.0.1".into(), fake.addr.port())),
            ..fake.server()
        }
    }

    #[test]
    fn two_550_is_false() {
        let fake = vrfy_server(&["550 no\r\n", "550 no\r\n"]);
        assert!(!smtp::test_email_address(&template(&fake), "bob@example.com").unwrap());
        assert_eq!(
            fake.transcript(),
            "EHLO client.test\r\nVRFY bob\r\nVRFY bob@example.com\r\nQUIT\r\n"
        );
    }

    #[test]
    fn other_replies_are_true() {
        let fake = vrfy_server(&["252 cannot verify\r\n"]);
        assert!(smtp::test_email_address(&template(&fake), "bob").unwrap());
        assert_eq!(
            fake.transcript(),
            "EHLO client.test\r\nVRFY bob\r\nQUIT\r\n"
        );
        let fake = vrfy_server(&["550 no\r\n", "251 forwarded\r\n"]);
        assert!(smtp::test_email_address(&template(&fake), "bob@example.com").unwrap());
    }

    #[test]
    fn syntax_and_reachability() {
        let t = smtp::Server::default();
        assert!(!smtp::test_email_address(&t, "@example.com").unwrap());
        assert!(!smtp::test_email_address(&t, "bob@").unwrap());
        assert_eq!(
            smtp::test_email_address(&t, "").unwrap_err().kind(),
            ErrorKind::BadArgument
        );
        // Nothing listens there: false, not an error.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        assert!(!smtp::test_email_address(&t, &format!("bob@127.0.0.1:{port}")).unwrap());
    }
}

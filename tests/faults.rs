//! Fault injection: every way a server (or the network) can misbehave,
//! against the scripted fake server on loopback. Each case asserts that
//! `deliver` returned `Err` without panicking, the error's kind and
//! message, that it came back within the configured time limit, and that
//! neither the error nor the trace shows the password.
//!
//! The table of faults and outcomes is in `docs/reliability.md`.

mod common;

use std::net::TcpListener;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use common::{on_line, pki_with, send, Cert, FakeServer, Pki, Step};
use sendletter::mail::smtp::{
    self, Credentials, Envelope, ErrorKind, Server, SmtpError, TlsMode, TlsOptions, TraceEvent,
};
use sendletter::mail::wire::MessageSource;

/// The limit every case runs with; each must fail within it (plus slack
/// for a loaded machine).
const TIMEOUT: Duration = Duration::from_secs(1);
const SLACK: Duration = Duration::from_millis(1500);
const PASSWORD: &str = "fault-pw-Zq81";

const GREETING: &str = "220 fake.test ESMTP\r\n";
const EHLO: &str = "250-fake.test\r\n250-AUTH PLAIN\r\n250 8BITMIME\r\n";
const EHLO_PIPELINING: &str = "250-fake.test\r\n250-PIPELINING\r\n250 AUTH PLAIN\r\n";
const MESSAGE: &[u8] = b"Subject: fault\n\nbody\n";
const MAIL: &str = "MAIL FROM:<me@example.com>\r\n";
const RCPT: &str = "RCPT TO:<a@x.org>\r\n";

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
        timeout: Some(TIMEOUT),
        ..fake.server()
    }
}

/// Greeting, EHLO answered with `ehlo`, AUTH PLAIN accepted.
fn opening(ehlo: &str) -> Vec<Step> {
    let mut v = vec![send(GREETING)];
    v.extend(on_line(ehlo));
    v.extend(on_line("235 2.7.0 ok\r\n"));
    v
}

/// The exact bytes the client sends for the opening.
fn opening_bytes() -> String {
    let ir = B64.encode(format!("\0alice\0{PASSWORD}"));
    format!("EHLO client.test\r\nAUTH PLAIN {ir}\r\n")
}

/// Run `deliver` with the credentials and a trace; no panic allowed.
fn attempt(
    server: &Server,
    message: &mut dyn MessageSource,
) -> (Result<(), SmtpError>, Duration, String) {
    let mut trace = Vec::new();
    let start = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(|| {
        let mut sink = |ev: &TraceEvent| trace.push(ev.to_string());
        smtp::deliver(
            server,
            Some(&creds()),
            &envelope(),
            message,
            Some(&mut sink),
        )
    }))
    .expect("deliver panicked");
    (result, start.elapsed(), trace.join("\n"))
}

/// Run a case that must fail, and check what every failure must satisfy.
fn fault_with(server: &Server, message: &mut dyn MessageSource) -> SmtpError {
    fault_within(server, message, server.timeout.unwrap_or(TIMEOUT) + SLACK)
}

/// As [`fault_with`], with an explicit bound on the elapsed time.
fn fault_within(server: &Server, message: &mut dyn MessageSource, bound: Duration) -> SmtpError {
    let (result, elapsed, trace) = attempt(server, message);
    let e = result.expect_err("deliver must return Err");
    assert!(elapsed < bound, "took {elapsed:?} (bound {bound:?}): {e}");
    common::assert_no_secret(PASSWORD, &format!("{e}\n{e:?}\n{trace}"));
    e
}

/// Content sends: the kernel keeps taking bytes for a moment after the
/// server stops reading, and the limit counts from the last 64 KiB piece
/// it took, so allow a little more than the limit.
const CONTENT_BOUND: Duration = Duration::from_millis(3 * 1000 + 1500);

fn fault(fake: &FakeServer) -> SmtpError {
    fault_with(&server_for(fake), &mut &MESSAGE[..])
}

/// `after "CMD"` as the engine words it.
fn after(cmd: &str) -> String {
    format!("(after {cmd:?})")
}

// --- connecting and greeting ---------------------------------------------

#[test]
fn connection_refused() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let server = Server {
        client_name: Some("client.test".into()),
        timeout: Some(TIMEOUT),
        ..Server::new("127.0.0.1", port)
    };
    let e = fault_with(&server, &mut &MESSAGE[..]);
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert_eq!(
        e.to_string(),
        format!("cannot connect to 127.0.0.1:{port}: Connection refused (os error 111)")
    );
    assert_eq!(e.code(), None);
}

#[test]
fn greeting_554() {
    let fake = FakeServer::start(vec![send("554 5.3.2 no service\r\n")]);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert_eq!(
        e.to_string(),
        "initial connect failed: \"554 5.3.2 no service\""
    );
    assert_eq!(e.code(), Some(554));
    assert_eq!(fake.transcript(), "");
}

#[test]
fn greeting_never_sent_times_out() {
    let fake = FakeServer::start(vec![Step::Sleep(TIMEOUT * 3)]);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        e.to_string(),
        "timed out after 1 s waiting for the server's greeting"
    );
}

#[test]
fn ehlo_500_then_helo() {
    // Refused EHLO falls back to HELO; HELO gives no extensions, so the
    // credentials cannot be used: a clear AUTH error, then QUIT.
    let mut s = vec![send(GREETING)];
    s.extend(on_line("500 5.5.1 what?\r\n"));
    s.extend(on_line("250 fake.test\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert!(
        e.to_string()
            .starts_with("credentials were given but the server offers no AUTH"),
        "{e}"
    );
    assert_eq!(
        fake.transcript(),
        "EHLO client.test\r\nHELO client.test\r\nQUIT\r\n"
    );
}

#[test]
fn ehlo_500_then_helo_500() {
    let mut s = vec![send(GREETING)];
    s.extend(on_line("500 5.5.1 what?\r\n"));
    s.extend(on_line("501 5.5.4 nor that\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Connect);
    assert_eq!(
        e.to_string(),
        "SMTP transaction failed.  We said: \"HELO client.test\", and the server replied: \"501 5.5.4 nor that\""
    );
}

// --- TLS -----------------------------------------------------------------

const EHLO_STARTTLS: &str = "250-fake.test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n";

fn starttls_server(fake: &FakeServer) -> Server {
    Server {
        host: "localhost".into(),
        tls: TlsMode::StartTls,
        ..server_for(fake)
    }
}

#[test]
fn starttls_advertised_then_refused_454() {
    let mut s = vec![send(GREETING)];
    s.extend(on_line(EHLO_STARTTLS));
    s.extend(on_line("454 4.7.0 TLS not available\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let e = fault_with(&starttls_server(&fake), &mut &MESSAGE[..]);
    assert_eq!(e.kind(), ErrorKind::Tls);
    assert_eq!(
        e.to_string(),
        "SMTP transaction failed.  We said: \"STARTTLS\", and the server replied: \"454 4.7.0 TLS not available\""
    );
    assert!(e.is_transient());
    // Never falls back to plaintext: no AUTH, no MAIL.
    assert_eq!(
        fake.transcript(),
        "EHLO client.test\r\nSTARTTLS\r\nQUIT\r\n"
    );
}

#[test]
fn tls_handshake_failure_garbage_after_220() {
    let mut s = vec![send(GREETING)];
    s.extend(on_line(EHLO_STARTTLS));
    s.extend(on_line("220 2.0.0 go ahead\r\n"));
    // Wait for the ClientHello, then answer in plaintext.
    s.push(Step::Bytes(1));
    s.push(send("this is not TLS at all\r\n"));
    s.push(Step::Close);
    let fake = FakeServer::start(s);
    let e = fault_with(&starttls_server(&fake), &mut &MESSAGE[..]);
    assert_eq!(e.kind(), ErrorKind::Tls);
    assert!(
        e.to_string()
            .starts_with("TLS: handshake with localhost failed: "),
        "{e}"
    );
    let t = fake.transcript();
    assert!(t.starts_with("EHLO client.test\r\nSTARTTLS\r\n"), "{t:?}");
    assert!(!t.contains("AUTH") && !t.contains("MAIL"), "{t:?}");
}

/// Implicit TLS to a server presenting a `kind` certificate, trusting the
/// test CA; `verify` as given.
fn tls_case(kind: Cert, verify: bool) -> (FakeServer, Server, Pki) {
    let pki = pki_with(kind);
    let mut s = vec![Step::Tls, send(GREETING)];
    if verify {
        s.truncate(1);
    } else {
        s.extend(on_line(EHLO));
        s.extend(on_line("235 ok\r\n"));
        s.extend(accept_all());
    }
    let fake = FakeServer::start_with_tls(s, Some(pki.server_config.clone()));
    let server = Server {
        host: "localhost".into(),
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            ca_file: Some(pki.ca_file.path().to_path_buf()),
            verify,
            ..TlsOptions::default()
        },
        ..server_for(&fake)
    };
    (fake, server, pki)
}

fn accept_all() -> Vec<Step> {
    let mut v = Vec::new();
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        v.extend(on_line(r));
    }
    v.push(Step::Data);
    v.push(send("250 queued\r\n"));
    v.extend(on_line("221 bye\r\n"));
    v
}

#[test]
fn bad_certificates_refused_unless_verify_is_off() {
    for (kind, why) in [
        (Cert::Expired, "the server's certificate has expired"),
        (
            Cert::SelfSigned,
            "certificate not trusted (self-signed / unknown issuer): give the CA certificate \
             that signed it with :ca-file",
        ),
        (
            Cert::WrongHost,
            "the server's certificate is not valid for the name \"localhost\" (it is for \
             other.example); :server-name",
        ),
    ] {
        let (fake, server, _pki) = tls_case(kind, true);
        let e = fault_with(&server, &mut &MESSAGE[..]);
        assert_eq!(e.kind(), ErrorKind::Tls, "{kind:?}: {e}");
        let text = e.to_string();
        assert!(
            text.starts_with("TLS: handshake with localhost failed: ") && text.contains(why),
            "{kind:?}: {text}"
        );
        // Nothing at all was sent inside the refused connection.
        assert_eq!(fake.transcript(), "<TLS FAILED>", "{kind:?}");

        let (fake, server, _pki) = tls_case(kind, false);
        let (result, _, _) = attempt(&server, &mut &MESSAGE[..]);
        result.unwrap_or_else(|e| panic!("{kind:?} with verify off: {e}"));
        assert!(fake.transcript().starts_with("<TLS>EHLO"), "{kind:?}");
    }
}

#[test]
fn good_certificate_accepted() {
    let (fake, mut server, _pki) = tls_case(Cert::Good, false);
    server.tls_options.verify = true;
    let (result, _, _) = attempt(&server, &mut &MESSAGE[..]);
    result.unwrap();
    assert!(fake.transcript().starts_with("<TLS>EHLO"));
}

// --- AUTH ----------------------------------------------------------------

#[test]
fn auth_refused_535() {
    let mut s = vec![send(GREETING)];
    s.extend(on_line(EHLO));
    s.extend(on_line("535 5.7.8 authentication credentials invalid\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Auth);
    assert_eq!(
        e.to_string(),
        "SMTP authentication failed: 535 5.7.8 authentication credentials invalid"
    );
    assert_eq!(e.command(), Some("AUTH PLAIN"));
    assert_eq!(fake.transcript(), format!("{}QUIT\r\n", opening_bytes()));
}

// --- 421 at every stage --------------------------------------------------

#[test]
fn service_closing_421_at_each_stage() {
    const R421: &str = "421 4.3.2 closing\r\n";
    let transaction = |done: &[&str]| -> Vec<Step> {
        let mut v = opening(EHLO);
        for r in done {
            v.extend(on_line(r));
        }
        v
    };
    let ehlo_421 = {
        let mut v = vec![send(GREETING)];
        v.extend(on_line(R421));
        v
    };
    let data_end_421 = {
        let mut v = transaction(&["250 ok\r\n", "250 ok\r\n", "354 go\r\n"]);
        v.push(Step::Data);
        v.push(send(R421));
        v
    };
    let cases: Vec<(&str, Vec<Step>, ErrorKind, String, String)> = vec![
        (
            "greeting",
            vec![send(R421)],
            ErrorKind::Connect,
            "initial connect failed: \"421 4.3.2 closing\"".into(),
            String::new(),
        ),
        (
            "EHLO",
            ehlo_421,
            ErrorKind::Connect,
            "SMTP transaction failed.  We said: \"EHLO client.test\", and the server replied: \"421 4.3.2 closing\"".into(),
            "EHLO client.test\r\n".into(),
        ),
        (
            "MAIL",
            transaction(&[R421]),
            ErrorKind::RejectedMessage,
            "SMTP transaction failed.  We said: \"MAIL FROM:<me@example.com>\", and the server replied: \"421 4.3.2 closing\"".into(),
            format!("{}{MAIL}", opening_bytes()),
        ),
        (
            "RCPT",
            transaction(&["250 ok\r\n", R421]),
            ErrorKind::RejectedRecipient,
            "SMTP transaction failed.  We said: \"RCPT TO:<a@x.org>\", and the server replied: \"421 4.3.2 closing\"".into(),
            format!("{}{MAIL}{RCPT}", opening_bytes()),
        ),
        (
            "DATA",
            transaction(&["250 ok\r\n", "250 ok\r\n", R421]),
            ErrorKind::RejectedMessage,
            "SMTP transaction failed.  We said: \"DATA\", and the server replied: \"421 4.3.2 closing\"".into(),
            format!("{}{MAIL}{RCPT}DATA\r\n", opening_bytes()),
        ),
        (
            "end of data",
            data_end_421,
            ErrorKind::RejectedMessage,
            "message not sent: \"421 4.3.2 closing\"".into(),
            format!(
                "{}{MAIL}{RCPT}DATA\r\nSubject: fault\r\n\r\nbody\r\n.\r\n",
                opening_bytes()
            ),
        ),
    ];
    for (stage, mut script, kind, message, sent) in cases {
        script.push(Step::Close);
        let fake = FakeServer::start(script);
        let e = fault(&fake);
        assert_eq!(e.kind(), kind, "{stage}: {e}");
        assert_eq!(e.to_string(), message, "{stage}");
        assert_eq!(e.code(), Some(421), "{stage}");
        assert!(e.is_transient(), "{stage}");
        // A closing server gets no RSET and no QUIT.
        assert_eq!(fake.transcript(), sent, "{stage}");
    }
}

// --- the connection closes at the worst moments ---------------------------

#[test]
fn closed_in_the_middle_of_a_multiline_reply() {
    let fake = FakeServer::start(vec![
        send(GREETING),
        Step::Lines(1),
        send("250-fake.test\r\n250-PIPELI"),
        Step::Close,
    ]);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(
        e.to_string(),
        format!(
            "the server closed the connection {}",
            after("EHLO client.test")
        )
    );
}

/// The kinds and messages of a connection that vanished while we were
/// writing or about to read: which one the OS reports first is a race.
fn assert_lost_connection(e: &SmtpError, what: &str) {
    let text = e.to_string();
    let ok = match e.kind() {
        ErrorKind::Protocol => {
            text == format!("the server closed the connection {}", after("DATA"))
        }
        ErrorKind::Io => {
            (text.starts_with("sending the message failed: ")
                || text.starts_with("reading from the server failed: "))
                && (text.contains("Connection reset by peer") || text.contains("Broken pipe"))
                && text.ends_with(&after("DATA"))
        }
        _ => false,
    };
    assert!(ok, "{what}: {:?} {text}", e.kind());
}

#[test]
fn closed_after_354() {
    let mut s = opening(EHLO);
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        s.extend(on_line(r));
    }
    s.push(Step::Close);
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_lost_connection(&e, "after 354");
}

#[test]
fn closed_in_the_middle_of_the_content() {
    let mut s = opening(EHLO);
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        s.extend(on_line(r));
    }
    s.push(Step::Bytes(64 * 1024));
    s.push(Step::Close);
    let fake = FakeServer::start(s);
    let mut big = vec![b'x'; 8 << 20];
    for i in (0..big.len()).step_by(100) {
        big[i] = b'\n';
    }
    let e = fault_within(&server_for(&fake), &mut &big[..], CONTENT_BOUND);
    assert_lost_connection(&e, "mid-content");
    assert!(!fake.transcript_bytes().ends_with(b"\r\n.\r\n"));
}

#[test]
fn closed_after_end_of_data_without_a_reply() {
    // The message may or may not have been taken: never report success.
    let mut s = opening(EHLO);
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        s.extend(on_line(r));
    }
    s.push(Step::Data);
    s.push(Step::Close);
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(
        e.to_string(),
        format!("the server closed the connection {}", after("DATA"))
    );
}

#[test]
fn silent_after_end_of_data_times_out() {
    let mut s = opening(EHLO);
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        s.extend(on_line(r));
    }
    s.push(Step::Data);
    s.push(Step::Sleep(TIMEOUT * 3));
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        e.to_string(),
        format!(
            "timed out after 1 s waiting for the reply to \"DATA\" {}",
            after("DATA")
        )
    );
}

// --- malformed replies ---------------------------------------------------

#[test]
fn ten_megabyte_reply_line_is_an_error_with_bounded_memory() {
    let mut line = b"250 ".to_vec();
    line.resize(10 << 20, b'x');
    line.extend_from_slice(b"\r\n");
    let fake = FakeServer::start(vec![send(GREETING), Step::Lines(1), Step::Raw(line)]);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert_eq!(
        e.to_string(),
        format!(
            "bad reply from the server: reply longer than 65536 bytes {}",
            after("EHLO client.test")
        )
    );
    // The client stopped reading long before the end: the server could not
    // push all 10 MB into the connection.
    assert!(fake.transcript().ends_with("<SEND FAILED>"));
}

#[test]
fn garbage_and_nul_bytes_in_replies() {
    let cases: [(&[u8], &str); 4] = [
        (b"\x00\x00\x00\r\n", "malformed reply line \"\\0\\0\\0\""),
        (
            b"\xff\xfe\x80garbage\r\n",
            "malformed reply line \"\u{fffd}\u{fffd}\u{fffd}garbage\"",
        ),
        (b"25\x000 ok\r\n", "malformed reply line \"25\\00 ok\""),
        (b"250\x00ok\r\n", "malformed reply line \"250\\0ok\""),
    ];
    for (greeting, why) in cases {
        let fake = FakeServer::start(vec![Step::Raw(greeting.to_vec())]);
        let e = fault(&fake);
        assert_eq!(e.kind(), ErrorKind::Protocol, "{greeting:?}");
        assert_eq!(
            e.to_string(),
            format!("bad reply from the server: {why}"),
            "{greeting:?}"
        );
    }
}

#[test]
fn nul_and_8bit_bytes_inside_reply_text_are_only_text() {
    let mut s = vec![Step::Raw(b"220 fake\x00\xff ESMTP\r\n".to_vec())];
    s.extend(on_line(EHLO));
    s.extend(on_line("235 ok\r\n"));
    s.push(Step::Lines(1));
    s.push(Step::Raw(b"250 \x00\x01\x02 ok \xc3\xa9\r\n".to_vec()));
    s.extend(on_line("250 ok\r\n"));
    s.extend(on_line("354 go\r\n"));
    s.push(Step::Data);
    s.push(send("250 queued\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let (result, _, trace) = attempt(&server_for(&fake), &mut &MESSAGE[..]);
    result.unwrap();
    assert!(trace.contains("250 \0\u{1}\u{2} ok é"), "{trace}");
    drop(fake.transcript());
}

#[test]
fn long_malformed_line_is_quoted_briefly() {
    let mut line = b"garbage ".to_vec();
    line.resize(60_000, b'g');
    line.extend_from_slice(b"\r\n");
    let fake = FakeServer::start(vec![Step::Raw(line)]);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Protocol);
    assert!(e.to_string().len() < 300, "{}", e.to_string().len());
}

// --- pipelining and fragmentation -----------------------------------------

fn pipelined(replies: Vec<Step>) -> FakeServer {
    let mut s = opening(EHLO_PIPELINING);
    s.push(Step::Lines(3));
    s.extend(replies);
    s.push(Step::Data);
    s.push(send("250 queued\r\n"));
    s.extend(on_line("221 bye\r\n"));
    FakeServer::start(s)
}

fn expect_delivered(fake: FakeServer) {
    let (result, _, _) = attempt(&server_for(&fake), &mut &MESSAGE[..]);
    result.unwrap();
    assert_eq!(
        fake.transcript(),
        format!(
            "{}{MAIL}{RCPT}DATA\r\nSubject: fault\r\n\r\nbody\r\n.\r\nQUIT\r\n",
            opening_bytes()
        )
    );
}

#[test]
fn pipelined_replies_all_at_once() {
    expect_delivered(pipelined(vec![send(
        "250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go\r\n",
    )]));
}

#[test]
fn pipelined_replies_one_by_one() {
    let mut v = Vec::new();
    for r in ["250 2.1.0 ok\r\n", "250 2.1.5 ok\r\n", "354 go\r\n"] {
        v.push(send(r));
        v.push(Step::Sleep(Duration::from_millis(30)));
    }
    expect_delivered(pipelined(v));
}

#[test]
fn pipelined_replies_byte_by_byte() {
    let all = "250-2.1.0 ok\r\n250 sender\r\n250 2.1.5 ok\r\n354 go\r\n";
    let v = all
        .bytes()
        .flat_map(|b| [Step::Raw(vec![b]), Step::Sleep(Duration::from_millis(1))])
        .collect();
    expect_delivered(pipelined(v));
}

#[test]
fn pipelined_refusal_arriving_with_the_other_replies() {
    let mut s = opening(EHLO_PIPELINING);
    s.push(Step::Lines(3));
    s.push(send(
        "250 ok\r\n550 5.1.1 no such user\r\n554 5.5.1 no valid recipients\r\n",
    ));
    s.extend(on_line("250 reset\r\n"));
    s.extend(on_line("221 bye\r\n"));
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::RejectedRecipient);
    assert_eq!(
        e.to_string(),
        "SMTP transaction failed.  We said: \"RCPT TO:<a@x.org>\", and the server replied: \"550 5.1.1 no such user\""
    );
    assert_eq!(
        fake.transcript(),
        format!("{}{MAIL}{RCPT}DATA\r\nRSET\r\nQUIT\r\n", opening_bytes())
    );
}

// --- a server that stops reading -------------------------------------------

#[test]
fn server_reading_nothing_during_data_times_out() {
    let mut s = vec![Step::SmallWindow];
    s.extend(opening(EHLO));
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        s.extend(on_line(r));
    }
    s.push(Step::Sleep(TIMEOUT * 4));
    let fake = FakeServer::start(s);
    let big = vec![b'y'; 16 << 20];
    let e = fault_within(&server_for(&fake), &mut &big[..], CONTENT_BOUND);
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        e.to_string(),
        "sending the message timed out after 1 s (after \"DATA\")"
    );
}

#[test]
fn server_trickling_the_content_times_out() {
    // 100 bytes every 100 ms: each socket write makes a little progress,
    // but no 64 KiB piece ever completes within the limit.
    let mut s = vec![Step::SmallWindow];
    s.extend(opening(EHLO));
    for r in ["250 ok\r\n", "250 ok\r\n", "354 go\r\n"] {
        s.extend(on_line(r));
    }
    s.push(Step::Trickle {
        n: 100,
        every: Duration::from_millis(100),
        times: 60,
    });
    let fake = FakeServer::start(s);
    // At this rate the 16 MiB would take hours.
    let big = vec![b'z'; 16 << 20];
    let e = fault_within(&server_for(&fake), &mut &big[..], CONTENT_BOUND);
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        e.to_string(),
        "sending the message timed out after 1 s (after \"DATA\")"
    );
}

#[test]
fn server_reading_nothing_during_commands_times_out() {
    // The commands fit in the socket buffers; the wait is for the reply.
    let mut s = opening(EHLO);
    s.push(Step::Sleep(TIMEOUT * 3));
    let fake = FakeServer::start(s);
    let e = fault(&fake);
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert_eq!(
        e.to_string(),
        format!(
            "timed out after 1 s waiting for the reply to \"MAIL FROM:<me@example.com>\" {}",
            after("MAIL FROM:<me@example.com>")
        )
    );
}

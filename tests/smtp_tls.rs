//! TLS paths against the fake server with an in-process CA (rcgen).

mod common;

use common::{on_line, pki, send, FakeServer, Step};
use sendletter::mail::smtp::{
    self, Credentials, Envelope, ErrorKind, TlsMode, TlsOptions, TlsVersion,
};

const MESSAGE: &[u8] = b"Subject: tls\n\nhello\n";

fn envelope() -> Envelope {
    Envelope {
        from: "me@example.com".into(),
        recipients: vec!["a@x.org".into()],
        eight_bit: false,
    }
}

fn transaction() -> Vec<Step> {
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
fn implicit_tls_verified_against_ca_file() {
    let pki = pki();
    let mut steps = vec![Step::Tls, send("220 tls.test ESMTP\r\n")];
    steps.extend(on_line("250-tls.test\r\n250 AUTH PLAIN\r\n"));
    steps.extend(on_line("235 ok\r\n"));
    steps.extend(transaction());
    let fake = FakeServer::start_with_tls(steps, Some(pki.server_config.clone()));
    let server = smtp::Server {
        host: "localhost".into(),
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            ca_file: Some(pki.ca_file.path().to_path_buf()),
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    let creds = Credentials::new("alice", "s3cret");
    smtp::deliver(&server, Some(&creds), &envelope(), &mut &MESSAGE[..], None).unwrap();
    assert!(fake
        .transcript()
        .starts_with("<TLS>EHLO client.test\r\nAUTH PLAIN AGFsaWNlAHMzY3JldA==\r\nMAIL FROM:"));
}

#[test]
fn starttls_then_ehlo_again_then_auth() {
    let pki = pki();
    let mut steps = vec![send("220 tls.test ESMTP\r\n")];
    steps.extend(on_line("250-tls.test\r\n250 STARTTLS\r\n"));
    steps.extend(on_line("220 go ahead\r\n"));
    steps.push(Step::Tls);
    steps.extend(on_line("250-tls.test\r\n250 AUTH LOGIN\r\n"));
    steps.extend(on_line("334 VXNlcm5hbWU6\r\n"));
    steps.extend(on_line("334 UGFzc3dvcmQ6\r\n"));
    steps.extend(on_line("235 ok\r\n"));
    steps.extend(transaction());
    let fake = FakeServer::start_with_tls(steps, Some(pki.server_config.clone()));
    let server = smtp::Server {
        tls: TlsMode::StartTls,
        tls_options: TlsOptions {
            ca_file: Some(pki.ca_file.path().to_path_buf()),
            min_version: TlsVersion::Tls13,
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    let creds = Credentials::new("alice", "s3cret");
    smtp::deliver(&server, Some(&creds), &envelope(), &mut &MESSAGE[..], None).unwrap();
    assert_eq!(
        fake.transcript(),
        "EHLO client.test\r\nSTARTTLS\r\n<TLS>EHLO client.test\r\nAUTH LOGIN\r\nYWxpY2U=\r\nczNjcmV0\r\n\
         MAIL FROM:<me@example.com>\r\nRCPT TO:<a@x.org>\r\nDATA\r\nSubject: tls\r\n\r\nhello\r\n.\r\nQUIT\r\n"
    );
}

#[test]
fn unknown_ca_is_a_tls_error() {
    let pki = pki();
    let steps = vec![Step::Tls];
    let fake = FakeServer::start_with_tls(steps, Some(pki.server_config.clone()));
    let server = smtp::Server {
        tls: TlsMode::Implicit,
        ..fake.server()
    };
    let e = smtp::deliver(&server, None, &envelope(), &mut &MESSAGE[..], None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    assert!(fake.transcript().contains("<TLS FAILED>"));
}

#[test]
fn wrong_server_name_is_a_tls_error() {
    let pki = pki();
    let fake = FakeServer::start_with_tls(vec![Step::Tls], Some(pki.server_config.clone()));
    let server = smtp::Server {
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            ca_file: Some(pki.ca_file.path().to_path_buf()),
            server_name: Some("mail.example.org".into()),
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    let e = smtp::deliver(&server, None, &envelope(), &mut &MESSAGE[..], None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
    drop(fake.transcript());
}

#[test]
fn verify_off_accepts_an_unknown_ca() {
    let pki = pki();
    let mut steps = vec![Step::Tls, send("220 tls.test ESMTP\r\n")];
    steps.extend(on_line("250 tls.test\r\n"));
    steps.extend(transaction());
    let fake = FakeServer::start_with_tls(steps, Some(pki.server_config.clone()));
    let server = smtp::Server {
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            verify: false,
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    smtp::deliver(&server, None, &envelope(), &mut &MESSAGE[..], None).unwrap();
    assert!(fake.transcript().starts_with("<TLS>EHLO"));
}

#[test]
fn plain_server_on_a_tls_port_fails_cleanly() {
    let fake = FakeServer::start(vec![send("220 plain.test ESMTP\r\n")]);
    let server = smtp::Server {
        tls: TlsMode::Implicit,
        tls_options: TlsOptions {
            verify: false,
            ..TlsOptions::default()
        },
        ..fake.server()
    };
    let e = smtp::deliver(&server, None, &envelope(), &mut &MESSAGE[..], None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Tls, "{e}");
}

//! Hostile cases for the mail data path: the `--sink` folder (planted
//! links, orphan files, concurrent writers, unusable paths), secrets echoed
//! by a server, header lines too long for RFC 5322, and control characters
//! in headers and addresses.

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_sendletter");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run sendletter")
}

/// A script sending `n` letters numbered in their subjects.
fn letters_script(n: usize, tag: &str) -> String {
    format!(
        "(dotimes (i {n}) (send-letter \"mx.example.com\" \"me@example.com\" \"you@example.com\" \
         \"body\" :subject (format nil \"{tag} ~d\" i)))"
    )
}

fn names(dir: &Path, ext: &str) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .expect("read sink")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(ext))
        .collect();
    v.sort();
    v
}

// --- --sink ----------------------------------------------------------------

#[test]
fn sink_does_not_follow_a_planted_symlink() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = dir.path().join("out");
    fs::create_dir(&sink).unwrap();
    let victim = dir.path().join("victim.txt");
    fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, sink.join("000001.eml")).unwrap();
    let o = run(&[
        "--sink",
        sink.to_str().unwrap(),
        "-e",
        &letters_script(1, "s"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "precious");
    assert!(fs::symlink_metadata(sink.join("000001.eml"))
        .unwrap()
        .file_type()
        .is_symlink());
    let eml = fs::read_to_string(sink.join("000002.eml")).expect("letter 2");
    assert!(eml.contains("Subject: s 0\r\n"));
    assert!(sink.join("000002.json").exists());
}

#[test]
fn sink_keeps_an_orphan_eml() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = dir.path();
    fs::write(sink.join("000001.eml"), "earlier letter").unwrap();
    let o = run(&[
        "--sink",
        sink.to_str().unwrap(),
        "-e",
        &letters_script(2, "o"),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        fs::read_to_string(sink.join("000001.eml")).unwrap(),
        "earlier letter"
    );
    assert_eq!(
        names(sink, ".eml"),
        ["000001.eml", "000002.eml", "000003.eml"]
    );
    assert_eq!(names(sink, ".json"), ["000002.json", "000003.json"]);
}

#[test]
fn concurrent_sink_writers_lose_no_letter() {
    const PROCS: usize = 3;
    const EACH: usize = 60;
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = dir.path().to_str().unwrap().to_string();
    let children: Vec<_> = (0..PROCS)
        .map(|p| {
            Command::new(BIN)
                .args([
                    "--sink",
                    &sink,
                    "-e",
                    &letters_script(EACH, &format!("p{p}")),
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn sendletter")
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().expect("wait");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let emls = names(dir.path(), ".eml");
    assert_eq!(emls.len(), PROCS * EACH);
    assert_eq!(names(dir.path(), ".json").len(), PROCS * EACH);
    let mut subjects: Vec<String> = emls
        .iter()
        .map(|n| {
            let text = fs::read_to_string(dir.path().join(n)).unwrap();
            let line = text.lines().find(|l| l.starts_with("Subject: ")).unwrap();
            line.to_string()
        })
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), PROCS * EACH, "every letter kept once");
}

#[test]
fn unusable_sink_path_is_a_usage_error_at_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("a-file");
    fs::write(&file, "").unwrap();
    let below = file.join("sub");
    for bad in [&file, &below] {
        // The script would print before any send: it must not run at all.
        let o = run(&["--sink", bad.to_str().unwrap(), "-e", "(princ \"ran\")"]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(o.stdout.is_empty(), "{bad:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains("--sink"), "{err}");
    }
    let fresh = dir.path().join("new/folder");
    let o = run(&["--sink", fresh.to_str().unwrap(), "-e", "(princ \"ran\")"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(fresh.is_dir());
}

// --- secrets echoed by the server -----------------------------------------

mod echo {
    use super::*;
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine as _;
    use common::{assert_no_secret, on_line, send, FakeServer, Step};
    use sendletter::mail::smtp::auth::cram_md5;
    use sendletter::mail::smtp::{
        self, AuthMechanism, Credentials, Envelope, ErrorKind, TraceEvent,
    };

    const PASSWORD: &str = "echo-pw-Zk4q";
    const CHALLENGE: &str = "<42.1@fake.test>";

    /// The strings a client sends for `mech`, and the server script that
    /// answers the last of them by echoing all of them (and the password).
    fn script(mech: AuthMechanism) -> (Vec<String>, Vec<Step>) {
        let mut sent = vec![];
        let mut s = vec![send("220 fake.test ESMTP\r\n")];
        s.extend(on_line(
            "250-fake.test\r\n250 AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2\r\n",
        ));
        match mech {
            AuthMechanism::Plain => sent.push(B64.encode(format!("\0alice\0{PASSWORD}"))),
            AuthMechanism::Xoauth2 => {
                sent.push(B64.encode(format!("user=alice\x01auth=Bearer {PASSWORD}\x01\x01")))
            }
            AuthMechanism::Login => {
                s.extend(on_line("334 VXNlcm5hbWU6\r\n"));
                s.extend(on_line("334 UGFzc3dvcmQ6\r\n"));
                sent.push(B64.encode("alice"));
                sent.push(B64.encode(PASSWORD));
            }
            AuthMechanism::CramMd5 => {
                s.extend(on_line(&format!("334 {}\r\n", B64.encode(CHALLENGE))));
                let answer = cram_md5("alice", PASSWORD, CHALLENGE.as_bytes());
                let digest = answer.rsplit_once(' ').unwrap().1.to_string();
                sent.push(B64.encode(&answer));
                sent.push(digest);
            }
        }
        let echoed = sent.join(" ");
        s.extend(on_line(&format!(
            "535-5.7.8 bad {echoed}\r\n535 5.7.8 you said {PASSWORD}\r\n"
        )));
        s.extend(on_line("221 bye\r\n"));
        (sent, s)
    }

    fn assert_clean(sent: &[String], text: &str) {
        assert_no_secret(PASSWORD, text);
        for secret in sent {
            assert!(
                !text.contains(secret.as_str()),
                "{secret:?} shown in: {text}"
            );
        }
        assert!(
            text.contains("<redacted>"),
            "the echo is shown, redacted: {text}"
        );
    }

    const ALL: [AuthMechanism; 4] = [
        AuthMechanism::Plain,
        AuthMechanism::Login,
        AuthMechanism::CramMd5,
        AuthMechanism::Xoauth2,
    ];

    #[test]
    fn engine_redacts_an_echoed_auth_response_in_error_and_trace() {
        for mech in ALL {
            let (sent, steps) = script(mech);
            let fake = FakeServer::start(steps);
            let server = sendletter::mail::smtp::Server {
                auth: Some(mech),
                ..fake.server()
            };
            let mut lines = Vec::new();
            let mut trace = |ev: &TraceEvent| lines.push(ev.to_string());
            let envelope = Envelope {
                from: "me@example.com".into(),
                recipients: vec!["a@x.org".into()],
                eight_bit: false,
            };
            let e = smtp::deliver(
                &server,
                Some(&Credentials::new("alice", PASSWORD)),
                &envelope,
                &mut &b"hi\n"[..],
                Some(&mut trace),
            )
            .expect_err("AUTH is refused");
            assert_eq!(e.kind(), ErrorKind::Auth, "{mech:?}");
            assert_eq!(e.code(), Some(535));
            let shown = format!("{e}\n{e:?}\n{}", e.reply().unwrap_or_default());
            assert_clean(&sent, &shown);
            assert_clean(&sent, &lines.join("\n"));
            fake.transcript();
        }
    }

    #[test]
    fn lisp_error_and_verbose_trace_redact_an_echoed_auth_response() {
        for (mech, key) in ALL
            .into_iter()
            .zip([":plain", ":login", ":cram-md5", ":xoauth2"])
        {
            let (sent, steps) = script(mech);
            let fake = FakeServer::start(steps);
            let script = format!(
                "(handler-case (send-letter '(\"127.0.0.1\" :port {} :auth {key} :timeout 5 \
                 :client-name \"client.test\") \"me@example.com\" \"a@x.org\" \"hi\" \
                 :login \"alice\" :password \"{PASSWORD}\") \
                 (net.post-office::smtp-error (e) (princ e) (terpri) \
                 (princ (net.post-office::smtp-error-reply e))))",
                fake.addr.port()
            );
            let o = run(&["-v", "-e", &script]);
            let out = String::from_utf8_lossy(&o.stdout);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(o.status.success(), "{mech:?}: {err}");
            assert!(out.contains("535"), "{mech:?}: {out}");
            assert_clean(&sent, &out);
            assert_clean(&sent, &err);
            fake.transcript();
        }
    }
}

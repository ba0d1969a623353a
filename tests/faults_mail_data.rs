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

// --- long header values (RFC 5322 §2.1.1) and control characters --------

mod headers {
    use super::*;
    use mail_parser::{HeaderName, MessageParser, MimeHeaders};

    /// Run `script` with `--sink`; the first letter's bytes.
    fn sink_letter(script: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().expect("tempdir");
        let o = run(&["--sink", dir.path().to_str().unwrap(), "-e", script]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        fs::read(dir.path().join("000001.eml")).expect("letter written")
    }

    /// Every line of the message within 998 octets.
    fn assert_lines_fit(raw: &[u8]) {
        let text = String::from_utf8_lossy(raw);
        for line in text.split("\r\n") {
            assert!(line.len() <= 998, "a {}-octet line", line.len());
        }
    }

    fn header_block(raw: &[u8]) -> String {
        let text = String::from_utf8_lossy(raw);
        text.split("\r\n\r\n")
            .next()
            .unwrap_or_default()
            .to_string()
    }

    #[test]
    fn a_5000_character_subject_header_and_reply_to_fit_and_round_trip() {
        let script = r#"(let ((s (make-string 5000 :initial-element #\S))
                  (x (make-string 5000 :initial-element #\x))
                  (r (format nil "~{~a~^, ~}" (loop for i below 200 collect (format nil "r~d@example.com" i)))))
              (send-letter "mx.example.com" "me@example.com" "you@example.com" "body"
                           :subject s :reply-to r
                           :headers (list (concatenate 'string "X-Long: " x)
                                          (format nil "X-Words: ~{~a~^ ~}" (loop repeat 400 collect "word")))))"#;
        let raw = sink_letter(script);
        assert_lines_fit(&raw);
        for line in header_block(&raw).split("\r\n") {
            assert!(line.len() <= 78, "soft limit kept: {} octets", line.len());
        }
        let m = MessageParser::default().parse(&raw).expect("parses");
        assert_eq!(m.subject(), Some("S".repeat(5000).as_str()));
        let reply_to = m.reply_to().expect("reply-to");
        assert_eq!(reply_to.iter().count(), 200);
        assert_eq!(
            reply_to.iter().last().and_then(|a| a.address()),
            Some("r199@example.com")
        );
        let custom = MessageParser::new()
            .header_text(HeaderName::Other("X-Long".into()))
            .header_text(HeaderName::Other("X-Words".into()))
            .parse(&raw)
            .expect("parses");
        let text = |name: &str| {
            custom
                .header(HeaderName::Other(name.to_string().into()))
                .and_then(|v| v.as_text())
                .map(str::to_string)
        };
        assert_eq!(text("X-Long"), Some("x".repeat(5000)));
        assert_eq!(text("X-Words"), Some(vec!["word"; 400].join(" ")));
    }

    #[test]
    fn long_file_name_description_and_parameters_fit_and_round_trip() {
        let script = r#"(let* ((n (concatenate 'string (make-string 5000 :initial-element #\n) ".txt"))
                   (d (make-string 5000 :initial-element #\d))
                   (p (make-string 5000 :initial-element #\p))
                   (part (make-mime-part :text "hello" :attachmentp t :name n :description d
                                         :parameters (list (cons "x-param" p))))
                   (top (make-mime-part :subparts (list (make-mime-part :text "body") part))))
              (send-letter "mx.example.com" "me@example.com" "you@example.com" top))"#;
        let raw = sink_letter(script);
        assert_lines_fit(&raw);
        let m = MessageParser::default().parse(&raw).expect("parses");
        let part = m.attachment(0).expect("the attachment");
        let name = format!("{}.txt", "n".repeat(5000));
        assert_eq!(part.attachment_name(), Some(name.as_str()));
        assert_eq!(part.content_description(), Some("d".repeat(5000).as_str()));
        let ct = part.content_type().expect("content type");
        assert_eq!(ct.attribute("x-param"), Some("p".repeat(5000).as_str()));
    }

    #[test]
    fn an_address_id_or_structured_header_that_cannot_fit_is_refused() {
        for (what, script) in [
            (
                "to",
                r#"(send-letter "mx.example.com" "me@example.com"
                     (concatenate 'string (make-string 5000 :initial-element #\a) "@example.com") "body")"#,
            ),
            (
                "id",
                r#"(make-mime-part :text "x" :id (make-string 5000 :initial-element #\i))"#,
            ),
            (
                "headers",
                r#"(send-letter "mx.example.com" "me@example.com" "you@example.com" "body"
                     :headers (concatenate 'string "References: <" (make-string 5000 :initial-element #\r) "@x>"))"#,
            ),
        ] {
            let dir = tempfile::tempdir().expect("tempdir");
            let o = run(&["--sink", dir.path().to_str().unwrap(), "-e", script]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{what}: {err}");
            assert!(err.contains("998"), "{what}: {err}");
            assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
        }
    }

    #[test]
    fn control_characters_are_refused_in_addresses_and_raw_lines() {
        let with = |ch: &str, s: &str| format!("(format nil \"{s}\" {ch})");
        for ch in [
            "(code-char 27)",
            "(code-char 11)",
            "(code-char 127)",
            "(code-char 133)",
        ] {
            for (argument, from, to, rest) in [
                (
                    "to",
                    "\"me@example.com\"".to_string(),
                    with(ch, "you~c@example.com"),
                    String::new(),
                ),
                (
                    "from",
                    with(ch, "m~ce@example.com"),
                    "\"you@example.com\"".to_string(),
                    String::new(),
                ),
                (
                    "cc",
                    "\"me@example.com\"".to_string(),
                    "\"you@example.com\"".to_string(),
                    format!(":cc {}", with(ch, "c~c@d")),
                ),
                (
                    "bcc",
                    "\"me@example.com\"".to_string(),
                    "\"you@example.com\"".to_string(),
                    format!(":bcc {}", with(ch, "b@d~c")),
                ),
                (
                    "headers",
                    "\"me@example.com\"".to_string(),
                    "\"you@example.com\"".to_string(),
                    format!(":headers {}", with(ch, "X-A: bell~c")),
                ),
            ] {
                let script =
                    format!("(send-letter \"mx.example.com\" {from} {to} \"body\" {rest})");
                let dir = tempfile::tempdir().expect("tempdir");
                let o = run(&["--sink", dir.path().to_str().unwrap(), "-e", &script]);
                let err = String::from_utf8_lossy(&o.stderr);
                assert_eq!(o.status.code(), Some(1), "{argument} {ch}: {err}");
                assert!(
                    err.contains(&format!("bad {argument}")),
                    "{argument}: {err}"
                );
                assert!(err.contains("control character U+"), "{argument}: {err}");
                assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
            }
        }
    }

    #[test]
    fn control_characters_in_header_text_are_encoded() {
        let script = r#"(send-letter "mx.example.com" "me@example.com" "you@example.com"
             (make-mime-part :text "x" :attachmentp t
                             :name (format nil "evil~c.txt" (code-char 27))
                             :description (format nil "bell~cring" (code-char 7))
                             :headers (list (cons "X-Tag" (format nil "del~c" (code-char 127)))))
             :subject (format nil "hi~c[2Jthere~cpage" (code-char 27) (code-char 12)))"#;
        let raw = sink_letter(script);
        let head = String::from_utf8_lossy(&raw);
        assert!(
            !head
                .chars()
                .any(|c| c.is_control() && c != '\r' && c != '\n'),
            "no raw control character: {head:?}"
        );
        let m = MessageParser::default().parse(&raw).expect("parses");
        assert_eq!(m.subject(), Some("hi\u{1b}[2Jthere\u{c}page"));
        let part = m.part(0).expect("part");
        assert_eq!(part.attachment_name(), Some("evil\u{1b}.txt"));
        assert_eq!(part.content_description(), Some("bell\u{7}ring"));
        let custom = MessageParser::new()
            .header_text(HeaderName::Other("X-Tag".into()))
            .parse(&raw)
            .expect("parses");
        let tag = custom
            .header(HeaderName::Other("X-Tag".into()))
            .and_then(|v| v.as_text());
        assert_eq!(tag, Some("del\u{7f}"));
    }
}

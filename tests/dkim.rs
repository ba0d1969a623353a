//! DKIM signing checked by an independent verifier (dkimpy, see
//! `tests/common/dkim.rs`): every algorithm and canonicalization, on the
//! dry-run sink, the SMTP path (dot-stuffed on the wire) and the
//! `:program` path; configured by `--dkim-config`, `--dkim`, the
//! environment and `net.post-office:*dkim*`. Tampered letters must fail,
//! so the verifier is shown to be checking. Keys are refused when others
//! may read them, and never shown.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::dkim::{unstuff, Keys};
use common::{on_line, send, FakeServer, Step};

const BIN: &str = env!("CARGO_BIN_EXE_sendletter");

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("SENDLETTER_DKIM")
        .env_remove("SENDLETTER_DKIM_CONFIG");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run sendletter")
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn lisp_string(p: &Path) -> String {
    format!("{:?}", p.to_string_lossy())
}

/// A script sending, from each of `froms`, a letter with a text file and
/// a binary stream attached, a non-ASCII folded subject, a long folded
/// header, 30 folded recipients, lines starting with dots, trailing
/// white space and trailing empty lines; and a raw `send-smtp` letter
/// whose body is a string stream.
fn letters_script(dir: &Path, server: &str, froms: &[&str]) -> PathBuf {
    letters_script_for(dir, server, froms, 30, "none")
}

/// [`letters_script`] with `recipients` To addresses and an `X-Run: tag`
/// header in every letter.
fn letters_script_for(
    dir: &Path,
    server: &str,
    froms: &[&str],
    recipients: usize,
    tag: &str,
) -> PathBuf {
    let text = dir.join("notes.txt");
    fs::write(&text, "first line\n.dotted line\n\n  indented   \nlast\n").unwrap();
    let binary = dir.join("data.bin");
    fs::write(
        &binary,
        (0..=255u8).cycle().take(70_000).collect::<Vec<_>>(),
    )
    .unwrap();
    let script = dir.join("letters.lisp");
    let froms: Vec<String> = froms.iter().map(|f| format!("{f:?}")).collect();
    fs::write(
        &script,
        format!(
            r#"
(defparameter *to* (loop for i below {recipients} collect (format nil "reader.number~d@example.org" i)))
(dolist (from '({froms}))
  (with-open-file (bin {binary} :element-type '(unsigned-byte 8))
    (send-letter {server} from *to*
                 (format nil "Dear reader,~%.a line starting with a dot~%..two dots~%trailing spaces   ~%tab	inside~%~%~%")
                 :subject "Grüße aus Köln — ünïcödé subject, long enough to be folded into several encoded words"
                 :cc "cc@example.net"
                 :headers (list (format nil "X-Long: ~{{~a~^ ~}}" (loop for i below 40 collect (format nil "word~d" i)))
                                "X-Run: {tag}")
                 :attachments (list {text} bin)))
  (send-smtp {server} from "raw@example.org"
             (format nil "From: ~a~%To: raw@example.org~%X-Run: {tag}~%Subject: raw letter~%~%" from)
             (make-string-input-stream (format nil "raw body~%.dot~%end~%"))))
"#,
            froms = froms.join(" "),
            binary = lisp_string(&binary),
            text = lisp_string(&text),
        ),
    )
    .unwrap();
    script
}

fn emls(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    files.sort();
    files
}

fn first_line(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    text.lines().next().unwrap_or_default().to_string()
}

/// Writes `text` next to `path` as a new file and returns its path.
fn variant(path: &Path, suffix: &str, text: &[u8]) -> PathBuf {
    let p = path.with_extension(format!("{suffix}.eml"));
    fs::write(&p, text).unwrap();
    p
}

fn replace_once(text: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = String::from_utf8_lossy(text);
    assert!(s.contains(from), "{from:?} not in the letter");
    s.replacen(from, to, 1).into_bytes()
}

/// (domain, selector, key, record, options)
const ENTRIES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "rr-rsa.example",
        "s1",
        "rsa2048-pkcs1.pem",
        "rsa2048.txt",
        "",
    ),
    (
        "ss-rsa.example",
        "s1",
        "rsa2048-pkcs8.pem",
        "rsa2048.txt",
        "canon=simple/simple",
    ),
    (
        "rs-rsa.example",
        "s3",
        "rsa3072-pkcs8.pem",
        "rsa3072.txt",
        "canon=relaxed/simple expire=1d",
    ),
    (
        "sr-rsa.example",
        "s1",
        "rsa2048-pkcs1.pem",
        "rsa2048.txt",
        "canon=simple/relaxed",
    ),
    // RFC 8301's smallest allowed RSA key (signed by the `rsa` crate).
    (
        "rr-rsa1024.example",
        "s4",
        "rsa1024-pkcs1.pem",
        "rsa1024.txt",
        "",
    ),
    (
        "rr-ed.example",
        "s2",
        "ed25519.pem",
        "ed25519.txt",
        "canon=relaxed/relaxed",
    ),
    (
        "ss-ed.example",
        "s2",
        "ed25519.pem",
        "ed25519.txt",
        "canon=simple",
    ),
];

#[test]
fn every_algorithm_and_canonicalization_verifies_and_tampering_fails() {
    let mut keys = Keys::new();
    let work = tempfile::tempdir().unwrap();
    let mut config = String::from("# test signers\n");
    for (domain, selector, key, record, options) in ENTRIES {
        config.push_str(&format!("{domain} {selector} {key} {options}\n"));
        keys.publish(selector, domain, record);
    }
    // Key files are named relative to the configuration file's folder.
    let config_file = keys.path("dkim.conf");
    fs::write(&config_file, config).unwrap();
    // Letters from a subdomain are signed by the parent's entry.
    let froms: Vec<String> = ENTRIES
        .iter()
        .map(|(d, ..)| format!("me@mail.{d}"))
        .collect();
    let froms: Vec<&str> = froms.iter().map(String::as_str).collect();
    let script = letters_script(work.path(), "\"localhost\"", &froms);
    let sink = work.path().join("sink");
    let out = run(
        &[
            "--sink",
            sink.to_str().unwrap(),
            "--dkim-config",
            config_file.to_str().unwrap(),
            script.to_str().unwrap(),
        ],
        &[],
    );
    ok(&out);
    let files = emls(&sink);
    assert_eq!(files.len(), 2 * ENTRIES.len());
    for (i, (domain, selector, key, _, options)) in ENTRIES.iter().enumerate() {
        for file in &files[2 * i..2 * i + 2] {
            let head = fs::read_to_string(file).unwrap();
            let algorithm = if key.starts_with("ed") {
                "ed25519-sha256"
            } else {
                "rsa-sha256"
            };
            let canon = if options.contains("relaxed/simple") {
                "relaxed/simple"
            } else if options.contains("simple/relaxed") {
                "simple/relaxed"
            } else if options.contains("simple") {
                "simple/simple"
            } else {
                "relaxed/relaxed"
            };
            assert_eq!(
                first_line(file),
                format!("DKIM-Signature: v=1; a={algorithm}; c={canon}; d={domain}; s={selector};")
            );
            assert_eq!(head.contains(" x="), options.contains("expire"), "{head}");
            let h = head.split("h=").nth(1).unwrap().split(';').next().unwrap();
            let h = h.replace(['\r', '\n', '\t', ' '], "");
            assert_eq!(h.matches("from").count(), 2, "From over-signed: {h}");
        }
    }
    let Some(verdicts) = keys.verify(&files) else {
        return;
    };
    for (file, verdict) in files.iter().zip(&verdicts) {
        assert_eq!(verdict, "PASS", "{}", file.display());
    }

    // The verifier checks: changes to the body, a signed header or an
    // added From fail; white space changes pass only where relaxed.
    let mut tampered = Vec::new();
    let mut expected = Vec::new();
    for (i, (_, _, _, _, options)) in ENTRIES.iter().enumerate() {
        let file = &files[2 * i];
        let text = fs::read(file).unwrap();
        let relaxed_header = !options.contains("simple") || options.contains("relaxed/");
        let relaxed_body = !options.contains("simple") || options.contains("/relaxed");
        let cases: [(&str, Vec<u8>, bool); 5] = [
            (
                "body",
                replace_once(&text, "Dear reader", "Deer reader"),
                false,
            ),
            (
                "cc",
                replace_once(&text, "Cc: cc@example.net", "Cc: cc@example.com"),
                false,
            ),
            (
                "from",
                [b"From: evil@example.org\r\n".as_slice(), &text].concat(),
                false,
            ),
            (
                "hspace",
                replace_once(&text, "\r\nCc: ", "\r\nCc:    "),
                relaxed_header,
            ),
            (
                "bspace",
                replace_once(&text, "tab\tinside", "tab    inside"),
                relaxed_body,
            ),
        ];
        for (name, bytes, passes) in cases {
            tampered.push(variant(file, name, &bytes));
            expected.push(if passes { "PASS" } else { "FAIL" });
        }
    }
    let verdicts = keys.verify(&tampered).unwrap();
    for ((file, verdict), want) in tampered.iter().zip(&verdicts).zip(&expected) {
        assert!(verdict.starts_with(want), "{}: {verdict}", file.display());
    }
}

/// A server taking one letter for `recipients` recipients (pipelined).
fn accepting(recipients: usize) -> Vec<Step> {
    let mut v = vec![send("220 fake.test ESMTP\r\n")];
    v.extend(on_line("250-fake.test\r\n250 PIPELINING\r\n"));
    v.push(Step::Lines(2 + recipients));
    v.push(send(&format!(
        "{}354 go\r\n",
        "250 ok\r\n".repeat(1 + recipients)
    )));
    v.push(Step::Data);
    v.push(send("250 queued\r\n"));
    v.extend(on_line("221 bye\r\n"));
    v
}

/// The DATA content of a transcript, un-stuffed.
fn data_of(transcript: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let start = transcript
        .windows(6)
        .position(|w| w == b"DATA\r\n")
        .expect("DATA sent")
        + 6;
    let rest = &transcript[start..];
    let end = rest
        .windows(5)
        .position(|w| w == b"\r\n.\r\n")
        .expect("end of data")
        + 5;
    let raw = rest[..end].to_vec();
    (unstuff(&raw), raw)
}

#[test]
fn the_smtp_path_signs_the_bytes_it_sends_before_dot_stuffing() {
    let mut keys = Keys::new();
    keys.publish("ed", "example.com", "ed25519.txt");
    keys.publish("rsa", "example.com", "rsa2048.txt");
    let work = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (letter, entry) in [
        (
            0,
            format!("example.com ed {}", keys.path("ed25519.pem").display()),
        ),
        (
            1,
            format!(
                "example.com rsa {} canon=simple",
                keys.path("rsa2048-pkcs8.pem").display()
            ),
        ),
    ] {
        // The letter has 30 To and one Cc; the raw letter one recipient.
        let mut counts = [31, 1].into_iter();
        let server = FakeServer::start_many(2, None, move || accepting(counts.next().unwrap_or(1)));
        let script = letters_script(
            work.path(),
            &format!("\"127.0.0.1:{}\"", server.addr.port()),
            &["me@example.com"],
        );
        let out = run(&["-v", "--dkim", &entry, script.to_str().unwrap()], &[]);
        ok(&out);
        let trace = String::from_utf8_lossy(&out.stderr);
        let algorithm = if letter == 0 {
            "ed25519-sha256 c=relaxed/relaxed"
        } else {
            "rsa-sha256 c=simple/simple"
        };
        assert!(
            trace.contains(&format!(
                ";; DKIM signed: d=example.com s={} a={algorithm}",
                if letter == 0 { "ed" } else { "rsa" }
            )),
            "{trace}"
        );
        let transcript = server.transcript_bytes();
        // Two connections: the letter, then the raw send-smtp letter.
        let second = transcript.windows(5).rposition(|w| w == b"EHLO ").unwrap();
        for part in [&transcript[..second], &transcript[second..]] {
            let (message, raw) = data_of(part);
            assert!(
                raw.windows(4).any(|w| w == b"\r\n.."),
                "dot-stuffed on the wire"
            );
            assert!(message.starts_with(b"DKIM-Signature: v=1;"));
            files.push(variant(
                &work.path().join(format!("smtp{letter}-{}", files.len())),
                "wire",
                &message,
            ));
        }
    }
    if let Some(verdicts) = keys.verify(&files) {
        assert_eq!(verdicts, ["PASS"; 4]);
    }
}

#[test]
fn the_program_path_and_the_lisp_variable_sign() {
    let mut keys = Keys::new();
    keys.publish("prog", "example.com", "ed25519.txt");
    keys.publish("lisp", "example.net", "rsa2048.txt");
    let work = tempfile::tempdir().unwrap();
    let piped = work.path().join("piped.txt");
    let sink = work.path().join("sink");
    let script = work.path().join("s.lisp");
    let cmd = format!("cat > {}", piped.display());
    fs::write(
        &script,
        format!(
            r#"
(send-letter '(:program . ("sh" "-c" {cmd})) "me@example.com" "you@example.org"
             (format nil ".starts with a dot~%") :bcc "hidden@example.org" :subject "program")
(let ((net.post-office:*dkim* '(:domain "example.net" :selector "lisp" :key-file {key}
                               :canonicalization :simple :expire 3600)))
  (send-letter "localhost" "someone@other.example" "you@example.org" "signed by the variable"))
(let ((net.post-office:*dkim* :none))
  (send-letter "localhost" "me@example.com" "you@example.org" "not signed"))
(handler-case
    (let ((net.post-office:*dkim* '(:domain "example.net" :key-file "x")))
      (send-letter "localhost" "me@example.com" "you@example.org" "x"))
  (error (e) (format t "~a~%" e)))
"#,
            cmd = format_args!("{cmd:?}"),
            key = lisp_string(&keys.path("rsa2048-pkcs1.pem")),
        ),
    )
    .unwrap();
    let entry = format!("example.com prog {}", keys.path("ed25519.pem").display());
    let out = run(
        &["--sink", sink.to_str().unwrap(), script.to_str().unwrap()],
        &[("SENDLETTER_DKIM", &entry)],
    );
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(":domain, :selector and :key-file are all needed"),
        "{stdout}"
    );
    // With --sink nothing runs: the program letter is recorded too.
    let files = emls(&sink);
    assert_eq!(files.len(), 3);
    assert!(first_line(&files[0]).contains("d=example.com; s=prog;"));
    assert!(first_line(&files[1]).contains("c=simple/simple; d=example.net; s=lisp;"));
    assert!(!fs::read_to_string(&files[2])
        .unwrap()
        .contains("DKIM-Signature"));

    // The same script without --sink runs the program: it gets the
    // dot-stuffed bytes, Bcc included (unsigned).
    let sink2 = work.path().join("sink2");
    fs::create_dir(&sink2).unwrap();
    let only_program = work.path().join("p.lisp");
    let text = fs::read_to_string(&script).unwrap();
    fs::write(&only_program, text.split("(let").next().unwrap()).unwrap();
    let out = run(
        &[only_program.to_str().unwrap()],
        &[("SENDLETTER_DKIM", &entry)],
    );
    ok(&out);
    let raw = fs::read(&piped).unwrap();
    assert!(raw.windows(5).any(|w| w == b"\r\n..s"), "dot-stuffed");
    let message = unstuff(&raw);
    assert!(String::from_utf8_lossy(&message).contains("\r\nBcc: hidden@example.org\r\n"));
    let piped_eml = variant(&piped, "unstuffed", &message);
    let mut all = files[..2].to_vec();
    all.push(piped_eml);
    if let Some(verdicts) = keys.verify(&all) {
        assert_eq!(verdicts, ["PASS"; 3]);
    }
}

#[test]
fn letters_from_other_domains_go_unsigned() {
    let keys = Keys::new();
    let work = tempfile::tempdir().unwrap();
    let sink = work.path().join("sink");
    let entry = format!("example.com s {}", keys.path("ed25519.pem").display());
    let out = run(
        &[
            "--dkim",
            &entry,
            "--sink",
            sink.to_str().unwrap(),
            "-e",
            r#"(send-letter "localhost" "me@notexample.com" "you@example.org" "hi")"#,
            "-e",
            r#"(send-letter "localhost" "me@example.com" "you@example.org" "hi")"#,
        ],
        &[],
    );
    ok(&out);
    let files = emls(&sink);
    assert!(!first_line(&files[0]).starts_with("DKIM-Signature"));
    assert!(first_line(&files[1]).starts_with("DKIM-Signature"));
}

#[test]
fn keys_are_checked_before_the_script_runs_and_never_shown() {
    use std::os::unix::fs::PermissionsExt;
    let keys = Keys::new();
    let pem = keys.path("rsa2048-pkcs1.pem");
    let secret_lines: Vec<String> = fs::read_to_string(&pem)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::to_string)
        .collect();
    let refused = |entry: String, env: bool| -> String {
        let args = ["-e", "(print :ran)"];
        let out = if env {
            run(&args, &[("SENDLETTER_DKIM", &entry)])
        } else {
            run(&["--dkim", &entry, "-e", "(print :ran)"], &[])
        };
        assert_eq!(out.status.code(), Some(2), "{entry}");
        assert!(out.stdout.is_empty(), "the script must not run");
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        for line in &secret_lines {
            assert!(!err.contains(line.as_str()), "key material in {err}");
        }
        err
    };
    fs::set_permissions(&pem, fs::Permissions::from_mode(0o644)).unwrap();
    let err = refused(format!("example.com s {}", pem.display()), false);
    assert!(err.contains("0644") && err.contains("chmod 600"), "{err}");
    fs::set_permissions(&pem, fs::Permissions::from_mode(0o640)).unwrap();
    let err = refused(format!("example.com s {}", pem.display()), true);
    assert!(err.contains("too open"), "{err}");

    // A file that is not a key, whose text must not be echoed either.
    let not_key = keys.path("not-a-key.pem");
    let mut text = String::from("-----BEGIN PRIVATE KEY-----\n");
    text.push_str(&secret_lines[1]);
    text.push_str("\n!!!\n-----END PRIVATE KEY-----\n");
    fs::write(&not_key, text).unwrap();
    fs::set_permissions(&not_key, fs::Permissions::from_mode(0o600)).unwrap();
    let err = refused(format!("example.com s {}", not_key.display()), false);
    assert!(err.contains("no PEM private key"), "{err}");

    let err = refused(
        format!("example.com s {}", keys.path("ec-p256.pem").display()),
        false,
    );
    assert!(err.contains("EC (SEC1) key"), "{err}");
    let err = refused(
        format!("example.com s {}", keys.path("missing.pem").display()),
        false,
    );
    assert!(err.contains("no such file"), "{err}");
    let err = refused("example.com s".to_string(), false);
    assert!(err.contains("DOMAIN SELECTOR KEY-FILE"), "{err}");
}

/// The settings `scripts/test-servers/ci_smtp_up.sh` wrote.
fn smtp_env() -> Option<std::collections::HashMap<String, String>> {
    let path = match std::env::var("SENDLETTER_SMTP_ENV") {
        Ok(p) => p,
        Err(_) if std::env::var("SENDLETTER_SKIP_INTEROP").as_deref() == Ok("1") => {
            eprintln!("Exim round trip skipped: SENDLETTER_SKIP_INTEROP=1");
            return None;
        }
        Err(_) => panic!(
            "SENDLETTER_SMTP_ENV is not set: run the tests via scripts/test, which starts \
             Exim; SENDLETTER_SKIP_INTEROP=1 skips"
        ),
    };
    let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Some(
        text.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect(),
    )
}

/// Letters signed with each algorithm and canonicalization, delivered
/// through a real MTA (Exim adds Received, Return-path, Envelope-to and
/// Delivery-date, and stores LF line ends), still verify.
#[test]
fn signatures_survive_a_round_trip_through_exim() {
    let Some(env) = smtp_env() else {
        return;
    };
    let mut keys = Keys::new();
    let work = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for (domain, selector, key, record, options) in ENTRIES {
        config.push_str(&format!("{domain} {selector} {key} {options}\n"));
        keys.publish(selector, domain, record);
    }
    let config_file = keys.path("dkim.conf");
    fs::write(&config_file, config).unwrap();
    let froms: Vec<String> = ENTRIES.iter().map(|(d, ..)| format!("me@{d}")).collect();
    let froms: Vec<&str> = froms.iter().map(String::as_str).collect();
    let tag = format!(
        "dkim-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    );
    let server = format!("\"localhost:{}\"", env["EXIM_PORT"]);
    let script = letters_script_for(work.path(), &server, &froms, 2, &tag);
    let out = run(
        &[
            "--dkim-config",
            config_file.to_str().unwrap(),
            script.to_str().unwrap(),
        ],
        &[],
    );
    ok(&out);
    // Two To addresses and a Cc: three copies of each letter, one of
    // each raw letter.
    let want = 4 * ENTRIES.len();
    let maildir = PathBuf::from(&env["EXIM_MAILDIR"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut delivered = Vec::new();
    while delivered.len() < want && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        delivered = fs::read_dir(&maildir)
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        fs::read_to_string(p).is_ok_and(|t| t.contains(&format!("X-Run: {tag}")))
                    })
                    .collect()
            })
            .unwrap_or_default();
    }
    assert_eq!(delivered.len(), want, "letters delivered by Exim");
    for file in &delivered {
        let text = fs::read_to_string(file).unwrap();
        assert!(text.contains("\nReceived: from "), "Exim's trace header");
        assert!(text.contains("\nDKIM-Signature: v=1;"), "signature kept");
    }
    let verdicts = keys.verify(&delivered).unwrap();
    for (file, verdict) in delivered.iter().zip(&verdicts) {
        assert_eq!(verdict, "PASS", "{}", file.display());
    }
}

#[test]
fn the_key_follows_the_from_field_sent_not_the_envelope_sender() {
    // RFC 6376 signs the From field and DMARC aligns with its domain: a
    // From given in :headers chooses the key, whatever the envelope
    // sender; its comments and quoted strings do not mislead the choice.
    let mut keys = Keys::new();
    keys.publish("env", "envelope.example", "rsa2048.txt");
    keys.publish("hdr", "header.example", "ed25519.txt");
    let work = tempfile::tempdir().unwrap();
    let sink = work.path().join("sink");
    let envelope = format!(
        "envelope.example env {}",
        keys.path("rsa2048-pkcs1.pem").display()
    );
    let header = format!("header.example hdr {}", keys.path("ed25519.pem").display());
    let out = run(
        &[
            "--dkim",
            &envelope,
            "--dkim",
            &header,
            "--sink",
            sink.to_str().unwrap(),
            "-e",
            r#"(send-letter "localhost" "bounces@envelope.example" "you@example.org" "hi"
                 :headers '("From: Newsletter <news@header.example>"))"#,
            "-e",
            r#"(send-letter "localhost" "bounces@envelope.example" "you@example.org" "hi"
                 :headers '("From: news@Header.Example (News, \"at\" <home>)"))"#,
            "-e",
            r#"(send-letter "localhost" "bounces@envelope.example" "you@example.org" "hi"
                 :headers '("From: someone@elsewhere.example"))"#,
            "-e",
            r#"(handler-bind ((warning #'muffle-warning))
                 (send-letter "localhost" "bounces@envelope.example" "you@example.org" "hi"
                   :headers '("From: someone@elsewhere.example")))"#,
        ],
        &[],
    );
    ok(&out);
    let files = emls(&sink);
    assert_eq!(files.len(), 4);
    for signed in &files[..2] {
        let first = first_line(signed);
        assert!(first.contains("d=header.example; s=hdr;"), "{first}");
    }
    if let Some(verdicts) = keys.verify(&files[..2]) {
        assert_eq!(verdicts, ["PASS"; 2]);
    }
    // No key covers the From domain: sent unsigned (not with the
    // envelope's key, which would not align), with a warning the script
    // can muffle.
    for unsigned in &files[2..] {
        assert!(!fs::read_to_string(unsigned)
            .unwrap()
            .contains("DKIM-Signature"));
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("WARNING: DKIM: no key is configured for the From domain elsewhere.example; the letter is sent unsigned.").count(),
        1,
        "{stderr}"
    );
}

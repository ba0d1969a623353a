//! CR, LF and NUL smuggled through any argument of send-letter or
//! make-mime-part are refused with a Lisp error before anything is
//! delivered (behaviour §3.3); `:program` lists never reach a shell.

use std::process::Command;

/// Run `body` (which may use the variable `bad`, a string holding the
/// injected text) under `--sink`; return (stdout, number of deliveries).
fn run(bad: &str, body: &str) -> (String, usize) {
    let sink = tempfile::tempdir().expect("tempdir");
    let script = format!(
        "(defvar bad {bad})
(handler-case (progn {body} (format t \"delivered~%\"))
  (error (c) (format t \"refused: ~a~%\" (type-of c))))
"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("inject.lisp");
    std::fs::write(&path, script).expect("write");
    std::fs::write(dir.path().join("a.txt"), "attachment").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--sink")
        .arg(sink.path())
        .arg(&path)
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let n = std::fs::read_dir(sink.path())
        .map(|d| d.count())
        .unwrap_or(0);
    (String::from_utf8_lossy(&out.stdout).into_owned(), n)
}

const PAYLOADS: &[(&str, &str)] = &[
    (
        "LF",
        "(format nil \"x@example.com~%Bcc: victim@example.org\")",
    ),
    (
        "CR",
        "(format nil \"x@example.com~cBcc: victim@example.org\" (code-char 13))",
    ),
    (
        "CRLF",
        "(format nil \"x@example.com~c~cRCPT TO:<v@example.org>\" (code-char 13) (code-char 10))",
    ),
    ("NUL", "(format nil \"x@example.com~cy\" (code-char 0))"),
];

const SITES: &[(&str, &str)] = &[
    ("from", "(send-letter \"localhost\" bad \"you@example.com\" \"body\")"),
    ("to", "(send-letter \"localhost\" \"me@example.com\" bad \"body\")"),
    ("to list", "(send-letter \"localhost\" \"me@example.com\" (list \"ok@example.com\" bad) \"body\")"),
    ("cc", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" \"body\" :cc bad)"),
    ("bcc", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" \"body\" :bcc bad)"),
    ("subject", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" \"body\" :subject bad)"),
    ("reply-to", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" \"body\" :reply-to bad)"),
    ("headers", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" \"body\" :headers (list (concatenate 'string \"X-A: \" bad)))"),
    ("program path bcc", "(send-letter '(:program . (\"/bin/cat\")) \"me@example.com\" \"you@example.com\" \"body\" :bcc bad)"),
    ("attachment name", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" \"body\" :attachments (make-mime-part :file \"a.txt\" :name bad))"),
    ("mime-part header", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" (make-mime-part :text \"hi\" :headers (list (cons \"X-B\" bad))))"),
    ("mime-part parameter", "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" (make-mime-part :text \"hi\" :parameters (list (cons \"format\" bad))))"),
    ("send-smtp from", "(send-smtp \"localhost\" bad \"you@example.com\" \"Subject: x\")"),
    ("send-smtp to", "(send-smtp \"localhost\" \"me@example.com\" bad \"Subject: x\")"),
];

#[test]
fn every_argument_refuses_line_breaks_and_nul_before_delivery() {
    let mut failures = Vec::new();
    for (site, body) in SITES {
        for (kind, payload) in PAYLOADS {
            let (out, delivered) = run(payload, body);
            if !out.starts_with("refused: ") || delivered != 0 {
                failures.push(format!(
                    "{site} with {kind}: {out:?}, {delivered} files in the sink"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "injections not refused:\n{}",
        failures.join("\n")
    );
}

#[test]
fn a_clean_letter_is_delivered_by_the_same_harness() {
    // The harness itself must be able to observe a delivery.
    let (out, delivered) = run(
        "\"fine\"",
        "(send-letter \"localhost\" \"me@example.com\" \"you@example.com\" bad :subject bad)",
    );
    assert_eq!(out, "delivered\n");
    assert_eq!(delivered, 2, "one .eml and one .json");
}

#[test]
fn program_list_arguments_are_not_shell_interpreted() {
    let dir = tempfile::tempdir().expect("tempdir");
    let marker = dir.path().join("pwned");
    let script = format!(
        "(send-letter '(:program . (\"/bin/sh\" \"-c\" \"cat >/dev/null\" \"; touch {m}\")) \"me@example.com\" \"you@example.com\" \"x\")
(send-letter (cons :program (list \"/bin/echo\" \"$(touch {m})\" \"`touch {m}`\")) \"me@example.com\" \"you@example.com\" \"x\")
",
        m = marker.display()
    );
    let path = dir.path().join("p.lisp");
    std::fs::write(&path, script).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg(&path)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!marker.exists(), "a shell interpreted a :program argument");
}

//! Errors of the mail functions name the function and the argument, an
//! unknown keyword lists the valid ones and suggests the nearest, and the
//! dry run refuses what the real run would refuse before connecting, and
//! says what it did. Run through the real binary under `--sink`, so
//! nothing connects anywhere.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_sendletter");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .output()
        .expect("run sendletter")
}

/// Evaluate `expr` under `--sink` (and `extra` options); (stdout, stderr, status).
fn dry(expr: &str, extra: &[&str]) -> (String, String, i32, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sink = dir.path().join("out");
    let mut args = vec!["--sink", sink.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-e", expr]);
    let o = run(&args);
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code().expect("exited"),
        dir,
    )
}

fn error_of(expr: &str) -> String {
    let (_, err, status, _d) = dry(expr, &[]);
    assert_eq!(status, 1, "{err}");
    err
}

#[test]
fn an_empty_recipient_list_names_to() {
    let err = error_of(r#"(send-letter "localhost" "a@example.com" nil "hi")"#);
    assert!(
        err.contains(
            "send-letter: to (the 3rd argument) must be an address string or a non-empty list"
        ) && err.contains("got NIL"),
        "{err}"
    );
}

#[test]
fn a_bad_message_names_the_message_argument() {
    let err = error_of(r#"(send-letter "localhost" "a@example.com" "b@example.com" 42)"#);
    assert!(
        err.contains("send-letter: message (the 4th argument) must be"),
        "{err}"
    );
    assert!(err.contains("got 42"), "{err}");
}

#[test]
fn a_symbol_subject_names_subject_and_is_still_a_type_error() {
    let err = error_of(
        r#"(send-letter "localhost" "a@example.com" "b@example.com" "m" :subject 'hello)"#,
    );
    assert!(
        err.contains("send-letter: :subject must be a string (or NIL), got HELLO"),
        "{err}"
    );
    let (out, _, _, _d) = dry(
        r#"(princ (handler-case (send-letter "localhost" "a@example.com" "b@example.com" "m" :subject 'hello)
                     (type-error (e) (type-error-datum e))))"#,
        &[],
    );
    assert_eq!(out, "HELLO");
}

#[test]
fn an_empty_address_to_test_email_address_names_it() {
    let err = error_of(r#"(test-email-address "")"#);
    assert!(
        err.contains("test-email-address: address must be a non-empty address string"),
        "{err}"
    );
}

#[test]
fn a_forgotten_message_is_named() {
    let err = error_of(r#"(send-letter "localhost" "a@example.com" "b@example.com" :subject "x")"#);
    assert!(
        err.contains("the message argument (the 4th, after server, from and to) is missing: :SUBJECT stands in its place"),
        "{err}"
    );
}

#[test]
fn a_nil_password_says_it_is_nil() {
    let err = error_of(
        r#"(send-letter "localhost" "a@example.com" "b@example.com" "m" :login "me" :password (sys:getenv "SENDLETTER_TEST_UNSET_VARIABLE"))"#,
    );
    assert!(
        err.contains(":login is given but :password is NIL"),
        "{err}"
    );
    assert!(err.contains("unset environment variable"), "{err}");
    // Left out entirely is told apart.
    let err =
        error_of(r#"(send-letter "localhost" "a@example.com" "b@example.com" "m" :login "me")"#);
    assert!(err.contains(":login given without :password"), "{err}");
    let err =
        error_of(r#"(send-smtp-auth "localhost" "a@example.com" "b@example.com" "me" nil "m")"#);
    assert!(err.contains("send-smtp-auth: login (the 4th argument) is given but password (the 5th argument) is NIL"), "{err}");
}

#[test]
fn an_unknown_keyword_lists_the_valid_ones_and_suggests() {
    let err =
        error_of(r#"(send-letter "localhost" "a@example.com" "b@example.com" "m" :subjct "x")"#);
    assert!(
        err.contains(
            "unknown keyword argument :SUBJCT; the valid keywords are :CC, :BCC, :SUBJECT"
        ),
        "{err}"
    );
    assert!(err.contains("did you mean :SUBJECT?"), "{err}");
    // Other builtins taking keywords, and the script's own functions.
    let err = error_of(r#"(make-mime-part :txt "x")"#);
    assert!(err.contains("did you mean :TEXT?"), "{err}");
    let err = error_of("(defun f (&key alpha beta) (list alpha beta)) (f :alpah 1)");
    assert!(
        err.contains("unknown &KEY argument: :ALPAH; the valid keywords are :ALPHA, :BETA — did you mean :ALPHA?"),
        "{err}"
    );
}

#[test]
fn a_bad_port_in_a_server_string_is_refused_by_the_dry_run_too() {
    let (_, err, status, d) = dry(
        r#"(send-letter "localhost:25x" "a@example.com" "b@example.com" "m")"#,
        &[],
    );
    assert_eq!(status, 1, "{err}");
    assert!(
        err.contains(r#"bad server "localhost:25x": the port after ':' must be an integer"#),
        "{err}"
    );
    assert!(
        !d.path().join("out/000001.eml").exists(),
        "nothing recorded"
    );
}

#[test]
fn test_email_address_under_sink_judges_like_the_real_check_and_says_so() {
    let (out, err, status, _d) = dry(
        r#"(princ (list (test-email-address "x@example.com") (test-email-address "x@") (test-email-address "@x")))"#,
        &[],
    );
    assert_eq!(status, 0, "{err}");
    assert_eq!(out, "(T NIL NIL)");
    assert!(
        err.contains("test-email-address made no connection"),
        "{err}"
    );
    // A line break is an error in the real check: in the dry run too.
    let err = error_of("(test-email-address (format nil \"a@b~%c\"))");
    assert!(err.contains("line break"), "{err}");
}

#[test]
fn verbose_dry_run_states_it_and_where_each_letter_went() {
    let (_, err, status, d) = dry(
        r#"(send-letter "localhost" "a@example.com" '("b@example.com" "c@example.com") "m")"#,
        &["-v"],
    );
    assert_eq!(status, 0, "{err}");
    assert!(err.contains(";; dry run (--sink "), "{err}");
    let file = d.path().join("out").join("000001.eml");
    assert!(file.exists());
    assert!(
        err.contains(&format!(
            "the letter from <a@example.com> to <b@example.com>, <c@example.com> was written to {}",
            file.display()
        )),
        "{err}"
    );
}

#[test]
fn a_sink_that_is_not_a_folder_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").expect("write");
    let o = run(&["--sink", file.to_str().expect("utf-8"), "-e", "(print 1)"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "nothing ran");
}

#[test]
fn headers_give_display_names_without_a_second_from() {
    let (_, err, status, d) = dry(
        r#"(send-letter "localhost" "me@example.com" "you@example.com" "hi"
             :subject "generated"
             :headers '("From: Me Myself <me@example.com>" "To: You <you@example.com>" "Subject: mine"))"#,
        &[],
    );
    assert_eq!(status, 0, "{err}");
    let eml = std::fs::read_to_string(d.path().join("out/000001.eml")).expect("recorded");
    let head = eml
        .split("\r\n\r\n")
        .next()
        .unwrap_or("")
        .replace("\r\n", "\n");
    assert_eq!(
        head.matches("\nFrom:").count() + usize::from(head.starts_with("From:")),
        1,
        "{head}"
    );
    assert!(head.contains("From: Me Myself <me@example.com>"), "{head}");
    assert!(head.contains("To: You <you@example.com>"), "{head}");
    assert!(
        head.contains("Subject: mine") && !head.contains("generated"),
        "{head}"
    );
    let json = std::fs::read_to_string(d.path().join("out/000001.json")).expect("recorded");
    assert!(
        json.contains("\"me@example.com\"") && json.contains("\"you@example.com\""),
        "{json}"
    );
    assert!(
        !json.contains("Myself"),
        "the envelope comes from the arguments: {json}"
    );
    // A line break in a header is still refused.
    let err = error_of(
        r#"(send-letter "localhost" "me@example.com" "you@example.com" "hi"
             :headers (list (format nil "From: Me <me@example.com>~%Bcc: x@example.com")))"#,
    );
    assert!(err.contains("headers"), "{err}");
}

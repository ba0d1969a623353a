//! The conformance cases of `/work/shared/conformance` that need no Lisp,
//! built through the Rust API and compared with the expected messages
//! (copied under `tests/golden/conformance/`), normalised as the
//! conformance README says: boundaries → `<boundary-N>`, generated Date and
//! Message-ID → `<date>`, `<message-id>`.

mod common;

use std::path::PathBuf;

use common::{boundaries, file, TestEnv, DATE};
use sendletter::mail::letter::{Attachment, Letter, LetterError, Message};
use sendletter::mail::mime::{make_mime_part_with, FileSource, MakeMimePart, Text};

/// The expected messages of a case file, in delivery order.
fn expected_messages(case: &str) -> Vec<String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/conformance");
    let name = std::fs::read_dir(&dir)
        .expect("conformance dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(case))
        .expect("case file");
    let text = std::fs::read_to_string(dir.join(name)).expect("read case");
    let mut messages = Vec::new();
    for section in text.split("== ").skip(1) {
        if !section.starts_with("delivery") {
            continue;
        }
        let (_, message) = section.split_once("\n--\n").expect("message part");
        messages.push(message.to_string());
    }
    messages
}

/// Applies the README's normalisation to a rendered message.
fn normalise(message: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(message).replace("\r\n", "\n");
    text = text.replace(&format!("Date: {DATE}\n"), "Date: <date>\n");
    let mut out = String::new();
    for line in text.split_inclusive('\n') {
        match line.strip_prefix("Message-ID: <test-") {
            Some(_) => out.push_str("Message-ID: <message-id>\n"),
            None => out.push_str(line),
        }
    }
    // The wire layer ends unterminated content with a line end (§5); the
    // expected messages are as transmitted.
    if !out.ends_with('\n') {
        out.push('\n');
    }
    let mut n = 0;
    while let Some(start) = out.find("----------_0") {
        n += 1;
        let boundary = out[start..start + 43].to_string();
        out = out.replace(&boundary, &format!("<boundary-{n}>"));
    }
    out
}

fn check(case: &str, letters: &[Letter]) {
    let expected = expected_messages(case);
    assert_eq!(expected.len(), letters.len(), "case {case}: deliveries");
    let mut env = TestEnv::default();
    for (letter, expected) in letters.iter().zip(expected) {
        let built = letter.build_with(&mut env).expect("build");
        let rendered = built.to_vec().expect("render");
        assert_eq!(normalise(&rendered), expected, "case {case}");
    }
}

fn text(s: &str) -> Message {
    Message::Text(s.to_string())
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn case_01_seed_attachment() {
    let mut letter = Letter::new(
        "jkf",
        strings(&["user1"]),
        text("Here is the image you requested"),
    );
    letter.attachments = vec![Attachment::File(FileSource::Path(file("image.jpg")))];
    check("01", &[letter]);
}

#[test]
fn case_08_cc_bcc_subject_headers() {
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["a@x.org", "b@y.org"]),
        text("Hi\n.dot line\n..two dots"),
    );
    letter.cc = strings(&["c@z.org"]);
    letter.bcc = strings(&["d@w.org"]);
    letter.subject = Some("Test".into());
    letter.reply_to = Some("replies@example.com".into());
    letter.headers = strings(&["X-Priority: 1", "Organization: Example"]);
    assert_eq!(
        letter.recipients(),
        strings(&["a@x.org", "b@y.org", "c@z.org", "d@w.org"])
    );
    check("08", &[letter]);
}

#[test]
fn case_09_fold_51_addresses() {
    let to = vec!["First.Last@domain.com".to_string(); 51];
    check(
        "09",
        &[Letter::new("me@example.com", to, text("Many recipients."))],
    );
}

#[test]
fn case_10_attachments_in_order() {
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        text("Two files."),
    );
    letter.subject = Some("files".into());
    letter.attachments = vec![
        Attachment::File(FileSource::Path(file("notes.txt"))),
        Attachment::File(FileSource::Path(file("report.pdf"))),
    ];
    check("10", &[letter]);
}

#[test]
fn case_11_mime_alternative_message() {
    let mut next = boundaries(0);
    let plain = make_mime_part_with(
        MakeMimePart {
            text: Some(Text::String("Hello in plain text.".into())),
            ..Default::default()
        },
        &mut next,
    )
    .expect("plain");
    let html = make_mime_part_with(
        MakeMimePart {
            content_type: Some("text/html".into()),
            text: Some(Text::String("<p>Hello in <b>HTML</b>.</p>".into())),
            ..Default::default()
        },
        &mut next,
    )
    .expect("html");
    let alt = make_mime_part_with(
        MakeMimePart {
            content_type: Some("multipart/alternative".into()),
            subparts: Some(vec![plain, html]),
            ..Default::default()
        },
        &mut next,
    )
    .expect("alt");
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        Message::Part(Box::new(alt)),
    );
    letter.subject = Some("alternatives".into());
    check("11", &[letter]);
}

#[test]
fn case_12_stream_message_is_an_attachment_read_to_eof() {
    let path = file("notes.txt");
    let stream = sendletter::mail::letter::shared_reader(std::fs::File::open(&path).expect("open"));
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        Message::File(FileSource::Stream {
            reader: stream.clone(),
            path: Some(path),
        }),
    );
    letter.subject = Some("notes".into());
    check("12", &[letter]);
    let mut rest = Vec::new();
    std::io::Read::read_to_end(&mut *stream.borrow_mut(), &mut rest).expect("read");
    assert!(rest.is_empty(), "the stream is left at EOF");
}

#[test]
fn case_15_non_ascii() {
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        text("Schöne Grüße,\nJürgen"),
    );
    letter.subject = Some("Grüße aus Köln — Überraschung für das ganze Team".into());
    check("15", &[letter]);
}

#[test]
fn case_16_program_path_keeps_bcc() {
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        text("Blind copy."),
    );
    letter.bcc = strings(&["hidden@example.com"]);
    letter.bcc_header = true;
    check("16", &[letter]);
}

#[test]
fn case_17_user_date_and_message_id() {
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        text("Dated by hand."),
    );
    letter.headers = strings(&[
        "Date: Tue, 01 Dec 2026 09:00:00 +0100",
        "Message-ID: <fixed-1@example.com>",
    ]);
    check("17", &[letter]);
}

#[test]
fn case_19_loop_over_recipients() {
    let letters: Vec<Letter> = [("Ann", "ann@example.com"), ("Bob", "bob@example.com")]
        .iter()
        .map(|(name, address)| {
            let body = format!("Dear {name},\n\nyour report is due on Friday.\n");
            let mut letter =
                Letter::new("boss@example.com", strings(&[address]), Message::Text(body));
            letter.subject = Some(format!("Reminder for {name}"));
            letter
        })
        .collect();
    check("19", &letters);
}

#[test]
fn case_14_header_injection_is_refused_naming_the_argument() {
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        text("body"),
    );
    letter.subject = Some("Hello\nBcc: victim@example.org".into());
    let err = letter
        .build_with(&mut TestEnv::default())
        .expect_err("refused");
    assert!(
        matches!(
            err,
            LetterError::BadArgument {
                argument: "subject",
                ..
            }
        ),
        "{err}"
    );

    let letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com\nRCPT TO:<x@y>"]),
        text("body"),
    );
    let err = letter.validate().expect_err("refused");
    assert!(
        matches!(err, LetterError::BadArgument { argument: "to", .. }),
        "{err}"
    );
}

#[test]
fn case_18_missing_attachment_fails_at_build() {
    let mut letter = Letter::new(
        "me@example.com",
        strings(&["you@example.com"]),
        text("Where is it?"),
    );
    letter.attachments = vec![Attachment::File(FileSource::Path(
        "files/no-such-file.pdf".into(),
    ))];
    let err = letter
        .build_with(&mut TestEnv::default())
        .expect_err("missing file");
    assert!(
        matches!(
            err,
            LetterError::Part {
                argument: "attachments",
                ..
            }
        ),
        "{err}"
    );
    let shown = err.to_string();
    assert!(shown.contains("files/no-such-file.pdf"), "{shown}");
    assert!(shown.contains("No such file"), "{shown}");
}

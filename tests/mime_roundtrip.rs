//! Rendered letters parsed back with an independent MIME parser
//! (`mail-parser`): same parts, same decoded bytes, same names and headers.

mod common;

use common::{boundaries, file, TestEnv};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use proptest::prelude::*;
use sendletter::mail::letter::{Attachment, Letter, Message};
use sendletter::mail::mime::{make_mime_part_with, FileSource, MakeMimePart, Text};

fn render(letter: &Letter) -> Vec<u8> {
    letter
        .build_with(&mut TestEnv::default())
        .expect("build")
        .to_vec()
        .expect("render")
}

#[test]
fn a_full_letter_parses_back() {
    let mut next = boundaries(0);
    let mut make = |args| make_mime_part_with(args, &mut next).expect("part");
    let plain = make(MakeMimePart {
        text: Some(Text::String("Grüße, plain.\n".into())),
        ..Default::default()
    });
    let html = make(MakeMimePart {
        content_type: Some("text/html".into()),
        encoding: Some("quoted-printable".into()),
        text: Some(Text::String(format!("<p>{}=</p>\n", "Grüße ".repeat(30)))),
        ..Default::default()
    });
    let alt = make(MakeMimePart {
        content_type: Some("multipart/alternative".into()),
        subparts: Some(vec![plain, html]),
        ..Default::default()
    });
    let mixed = make(MakeMimePart {
        subparts: Some(vec![alt]),
        ..Default::default()
    });
    let named = make(MakeMimePart {
        file: Some(FileSource::Path(file("report.pdf"))),
        name: Some("Bericht für Köln.pdf".into()),
        ..Default::default()
    });
    let mut letter = Letter::new(
        "me@example.com",
        vec!["a@example.com".into(), "b@example.com".into()],
        Message::Part(Box::new(mixed)),
    );
    letter.cc = vec!["c@example.com".into()];
    letter.subject = Some("Grüße aus Köln — Überraschung für das ganze Team".into());
    letter.headers = vec!["X-Priority: 1".into()];
    letter.attachments = vec![
        Attachment::File(FileSource::Path(file("notes.txt"))),
        Attachment::File(FileSource::Path(file("image.jpg"))),
        Attachment::Part(Box::new(named)),
    ];
    let raw = render(&letter);
    let message = MessageParser::default().parse(&raw).expect("parses");

    assert_eq!(
        message.subject(),
        Some("Grüße aus Köln — Überraschung für das ganze Team")
    );
    let to: Vec<_> = message
        .to()
        .expect("to")
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["a@example.com", "b@example.com"]);
    assert_eq!(message.header_raw("X-Priority").map(str::trim), Some("1"));
    assert_eq!(message.message_id(), Some("test-1@example.com"));
    assert!(message.date().is_some());

    assert_eq!(message.body_text(0).as_deref(), Some("Grüße, plain.\n"));
    assert_eq!(
        message.body_html(0).as_deref(),
        Some(format!("<p>{}=</p>\n", "Grüße ".repeat(30)).as_str())
    );

    let attachments: Vec<_> = message.attachments().collect();
    let names: Vec<_> = attachments
        .iter()
        .map(|a| a.attachment_name().unwrap_or_default())
        .collect();
    assert_eq!(names, ["notes.txt", "image.jpg", "Bericht für Köln.pdf"]);
    let expected = [
        std::fs::read(file("notes.txt")).expect("notes"),
        std::fs::read(file("image.jpg")).expect("image"),
        std::fs::read(file("report.pdf")).expect("report"),
    ];
    for (attachment, bytes) in attachments.iter().zip(&expected) {
        assert_eq!(attachment.contents(), bytes.as_slice());
    }
    let ct = attachments[1].content_type().expect("content type");
    assert_eq!((ct.ctype(), ct.subtype()), ("image", Some("jpeg")));
}

#[test]
fn crlf_wire_form_parses_the_same() {
    let mut letter = Letter::new(
        "me@example.com",
        vec!["a@example.com".into()],
        Message::Text("line one\nline two\n".into()),
    );
    letter.attachments = vec![Attachment::File(FileSource::Path(file("image.jpg")))];
    let raw = render(&letter);
    let mut crlf = Vec::with_capacity(raw.len() * 2);
    for &b in &raw {
        if b == b'\n' {
            crlf.push(b'\r');
        }
        crlf.push(b);
    }
    let message = MessageParser::default().parse(&crlf).expect("parses");
    assert_eq!(
        message.body_text(0).as_deref(),
        Some("line one\r\nline two\r\n")
    );
    let attachment = message.attachment(0).expect("attachment");
    assert_eq!(
        attachment.contents(),
        std::fs::read(file("image.jpg")).expect("image").as_slice()
    );
}

/// What a random attachment is made of.
#[derive(Debug, Clone)]
enum Content {
    Binary(Vec<u8>),
    Text(String),
    QuotedPrintable(String),
}

fn content() -> impl Strategy<Value = Content> {
    let text = "[a-zA-Z0-9 .,=:;\\-\n\t\u{e4}\u{df}\u{2014}\u{1f600}]{0,600}";
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..3000).prop_map(Content::Binary),
        text.prop_map(Content::Text),
        text.prop_map(Content::QuotedPrintable),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_attachments_round_trip(
        body in "[a-zA-Z0-9 .,\n]{0,200}",
        contents in proptest::collection::vec(content(), 1..5),
    ) {
        let mut next = boundaries(0);
        let attachments = contents
            .iter()
            .enumerate()
            .map(|(i, content)| {
                let (text, encoding) = match content {
                    Content::Binary(b) => (Text::Octets(b.clone()), None),
                    Content::Text(s) => (Text::String(s.clone()), None),
                    Content::QuotedPrintable(s) => {
                        (Text::String(s.clone()), Some("quoted-printable".to_string()))
                    }
                };
                let args = MakeMimePart {
                    text: Some(text),
                    encoding,
                    attachmentp: Some(true),
                    name: Some(format!("attachment-{i}.dat")),
                    ..Default::default()
                };
                make_mime_part_with(args, &mut next).map(|p| Attachment::Part(Box::new(p)))
            })
            .collect::<Result<Vec<_>, _>>()
            .expect("parts");
        let mut letter = Letter::new("me@example.com", vec!["you@example.com".into()], Message::Text(body.clone()));
        letter.attachments = attachments;
        let raw = render(&letter);
        let message = MessageParser::default().parse(&raw).expect("parses");

        let text = message.body_text(0).unwrap_or_default();
        prop_assert_eq!(text.as_ref(), body.as_str());
        let parsed: Vec<_> = message.attachments().collect();
        prop_assert_eq!(parsed.len(), contents.len());
        for (i, (part, content)) in parsed.iter().zip(&contents).enumerate() {
            let name = format!("attachment-{i}.dat");
            prop_assert_eq!(part.attachment_name(), Some(name.as_str()));
            let expected: &[u8] = match content {
                Content::Binary(b) => b,
                Content::Text(s) | Content::QuotedPrintable(s) => s.as_bytes(),
            };
            let decoded: &[u8] = match &part.body {
                PartType::Text(t) | PartType::Html(t) => t.as_bytes(),
                _ => part.contents(),
            };
            prop_assert_eq!(decoded, expected);
        }
    }
}

//! Whole rendered parts and letters compared byte for byte with
//! `tests/golden/*.eml` (boundaries, Date and Message-ID deterministic).
//! `UPDATE_GOLDEN=1 cargo test` rewrites the files; review the diff.

mod common;

use std::io::Read;

use common::{assert_golden, boundaries, file, TestEnv};
use sendletter::mail::letter::{Attachment, Letter, LetterError, Message};
use sendletter::mail::mime::{
    make_mime_part, make_mime_part_with, render_to_vec, Disposition, FileSource, MakeMimePart,
    MimeError, MimePart, PartReader, Text,
};

fn text_part(text: &str) -> MakeMimePart {
    MakeMimePart {
        text: Some(Text::String(text.to_string())),
        ..Default::default()
    }
}

fn part(args: MakeMimePart) -> MimePart {
    make_mime_part_with(args, &mut boundaries(100)).expect("make part")
}

fn render_letter(letter: &Letter) -> Vec<u8> {
    letter
        .build_with(&mut TestEnv::default())
        .expect("build")
        .to_vec()
        .expect("render")
}

fn letter(message: Message) -> Letter {
    let mut letter = Letter::new("me@example.com", vec!["you@example.com".into()], message);
    letter.subject = Some("golden".into());
    letter
}

#[test]
fn plain_text_part() {
    let rendered = render_to_vec(&part(text_part("Hello,\nworld.\n"))).expect("render");
    assert_golden("plain_text_part.eml", &rendered);
}

#[test]
fn text_file_with_charset_and_binary_attachment() {
    let notes = part(MakeMimePart {
        file: Some(FileSource::Path(file("notes.txt"))),
        charset: Some("us-ascii".into()),
        ..Default::default()
    });
    let mut letter = letter(Message::Text("See attached.\n".into()));
    letter.attachments = vec![
        Attachment::Part(Box::new(notes)),
        Attachment::File(FileSource::Path(file("image.jpg"))),
    ];
    assert_golden(
        "text_file_and_binary_attachment.eml",
        &render_letter(&letter),
    );
}

#[test]
fn nested_alternative_inside_mixed_with_attachment() {
    let mut next = boundaries(200);
    let mut make = |args| make_mime_part_with(args, &mut next).expect("part");
    let plain = make(text_part("Plain body.\n"));
    let html = make(MakeMimePart {
        content_type: Some("text/html".into()),
        ..text_part("<p>HTML body.</p>\n")
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
    let mut letter = letter(Message::Part(Box::new(mixed.clone())));
    letter.attachments = vec![Attachment::File(FileSource::Path(file("report.pdf")))];
    assert_golden("nested_alternative_in_mixed.eml", &render_letter(&letter));

    // The caller's multipart is left as it was.
    let Message::Part(after) = &letter.message else {
        unreachable!()
    };
    assert_eq!(after.parts().len(), 1);
    assert_eq!(render_to_vec(after).ok(), render_to_vec(&mixed).ok());
}

#[test]
fn callers_part_is_unchanged_when_an_attachment_fails() {
    let mixed = part(MakeMimePart {
        subparts: Some(vec![part(text_part("body"))]),
        ..Default::default()
    });
    let mut letter = letter(Message::Part(Box::new(mixed)));
    letter.attachments = vec![
        Attachment::File(FileSource::Path(file("notes.txt"))),
        Attachment::File(FileSource::Path(file("missing.bin"))),
    ];
    let err = letter
        .build_with(&mut TestEnv::default())
        .expect_err("missing");
    assert!(matches!(
        err,
        LetterError::Part {
            argument: "attachments",
            ..
        }
    ));
    let Message::Part(after) = &letter.message else {
        unreachable!()
    };
    assert_eq!(after.parts().len(), 1);
}

#[test]
fn attachments_need_a_multipart_mixed_message() {
    let mut letter = letter(Message::Part(Box::new(part(text_part("body")))));
    letter.attachments = vec![Attachment::File(FileSource::Path(file("notes.txt")))];
    let err = letter
        .build_with(&mut TestEnv::default())
        .expect_err("not mixed");
    assert!(
        matches!(
            err,
            LetterError::BadArgument {
                argument: "attachments",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn part_headers_suppress_generated_ones() {
    let body = part(MakeMimePart {
        headers: Some(vec![
            ("From".into(), "Sender <sender@example.com>".into()),
            ("subject".into(), "From the part".into()),
            ("Date".into(), "Mon, 02 Feb 2026 10:00:00 +0100".into()),
        ]),
        ..text_part("Headers from the part.\n")
    });
    let mut letter = letter(Message::Part(Box::new(body)));
    letter.reply_to = Some("r@example.com".into());
    assert_golden(
        "part_headers_suppress_generated.eml",
        &render_letter(&letter),
    );
}

#[test]
fn id_description_and_inline_parts() {
    let html = part(MakeMimePart {
        content_type: Some("text/html".into()),
        ..text_part("<img src=\"cid:logo@example.com\">\n")
    });
    let logo = part(MakeMimePart {
        content_type: Some("image/png".into()),
        text: Some(Text::Octets(vec![0x89, b'P', b'N', b'G', 0, 1, 2, 3])),
        id: Some("<logo@example.com>".into()),
        description: Some("Das Logo — grün".into()),
        ..Default::default()
    });
    assert_eq!(logo.disposition(), Some(Disposition::Inline));
    let related = part(MakeMimePart {
        content_type: Some("multipart/related".into()),
        subparts: Some(vec![html, logo]),
        parameters: Some(vec![("type".into(), "text/html".into())]),
        ..Default::default()
    });
    let rendered = render_to_vec(&related).expect("render");
    assert_golden("id_description_inline.eml", &rendered);
}

#[test]
fn quoted_printable_long_lines_equals_trailing_blanks_non_ascii() {
    let text = format!(
        "a=b and c==d\ntrailing space \ntrailing tab\t\n{}\nGrüße\n{}end",
        "x".repeat(100),
        "é".repeat(40)
    );
    let qp = part(MakeMimePart {
        encoding: Some("quoted-printable".into()),
        ..text_part(&text)
    });
    let rendered = render_to_vec(&qp).expect("render");
    for line in String::from_utf8_lossy(&rendered).lines() {
        assert!(line.len() <= 76, "{line}");
    }
    assert_golden("quoted_printable.eml", &rendered);
}

#[test]
fn non_ascii_subject_reply_to_header_and_file_name() {
    let named = part(MakeMimePart {
        file: Some(FileSource::Path(file("report.pdf"))),
        name: Some("Bericht für Köln.pdf".into()),
        ..Default::default()
    });
    let body = part(MakeMimePart {
        headers: Some(vec![("X-Greeting".into(), "Grüß Gott".into())]),
        ..text_part("Anbei.\n")
    });
    let mut letter = letter(Message::Text("unused".into()));
    letter.message = Message::Part(Box::new(part(MakeMimePart {
        subparts: Some(vec![body]),
        ..Default::default()
    })));
    letter.subject = Some("Grüße aus Köln — Überraschung für das ganze Team".into());
    letter.reply_to = Some("Jürgen".into());
    letter.attachments = vec![Attachment::Part(Box::new(named))];
    assert_golden(
        "non_ascii_headers_and_file_name.eml",
        &render_letter(&letter),
    );
}

#[test]
fn a_line_over_998_bytes_forces_base64() {
    let long = part(text_part(&"a".repeat(999)));
    assert_eq!(long.encoding(), Some("base64"));
    let ok = part(text_part(&"a".repeat(998)));
    assert_eq!(ok.encoding(), Some("7bit"));
}

#[test]
fn external_format_sets_charset_and_bytes() {
    let latin = part(MakeMimePart {
        external_format: Some(":latin1".into()),
        ..text_part("Grüße")
    });
    let rendered = render_to_vec(&latin).expect("render");
    assert_golden("latin1_text.eml", &rendered);
}

#[test]
fn start_and_end_slice_the_text() {
    let sliced = part(MakeMimePart {
        start: Some(2),
        end: Some(5),
        ..text_part("üääbcd")
    });
    let rendered = String::from_utf8(render_to_vec(&sliced).expect("render")).expect("utf8");
    // "äbc" is not ASCII: base64 of c3 a4 62 63.
    assert!(rendered.ends_with("\n\nw6RiYw==\n"), "{rendered}");
}

#[test]
fn defaults_follow_allegro() {
    let txt = part(text_part("x"));
    assert_eq!((txt.type_(), txt.subtype()), ("text", "plain"));
    assert_eq!(txt.disposition(), None);
    assert_eq!(
        txt.parameters(),
        &[("charset".to_string(), "utf-8".to_string())]
    );

    let octets = part(MakeMimePart {
        text: Some(Text::Octets(b"abc".to_vec())),
        ..Default::default()
    });
    assert_eq!(
        (octets.type_(), octets.subtype(), octets.encoding()),
        ("application", "octet-stream", Some("base64"))
    );
    assert_eq!(octets.disposition(), Some(Disposition::Inline));

    let pdf = part(MakeMimePart {
        file: Some(FileSource::Path(file("report.pdf"))),
        attachmentp: Some(false),
        ..Default::default()
    });
    assert_eq!(pdf.disposition(), Some(Disposition::Inline));
    assert_eq!(pdf.disposition_name(), None);

    let named_text = part(MakeMimePart {
        name: Some("n.txt".into()),
        ..text_part("x")
    });
    assert_eq!(named_text.disposition(), None);

    let mixed = make_mime_part(MakeMimePart {
        subparts: Some(vec![txt]),
        parameters: Some(vec![("x-extra".into(), "1".into())]),
        charset: Some("utf-8".into()),
        ..Default::default()
    })
    .expect("mixed");
    let boundary = mixed.boundary().expect("boundary");
    assert_eq!(boundary.len(), 43);
    assert!(boundary.starts_with("----------_"));
    assert!(boundary[11..]
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    let keys: Vec<&str> = mixed.parameters().iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["boundary", "charset", "x-extra"]);
    assert_eq!(mixed.encoding(), None);
}

#[test]
fn make_mime_part_errors_name_the_argument() {
    fn argument(args: MakeMimePart) -> &'static str {
        match make_mime_part(args) {
            Err(MimeError::BadArgument { argument, .. }) => argument,
            Err(MimeError::File { .. }) => "<file error>",
            other => panic!("unexpected {other:?}"),
        }
    }
    let both = MakeMimePart {
        file: Some(FileSource::Path(file("notes.txt"))),
        ..text_part("x")
    };
    assert_eq!(argument(both), "text");
    assert_eq!(argument(MakeMimePart::default()), "content-type");
    let no_slash = MakeMimePart {
        content_type: Some("text".into()),
        ..text_part("x")
    };
    assert_eq!(argument(no_slash), "content-type");
    let subparts = MakeMimePart {
        content_type: Some("text/plain".into()),
        subparts: Some(vec![part(text_part("x"))]),
        ..Default::default()
    };
    assert_eq!(argument(subparts), "subparts");
    let injected = MakeMimePart {
        headers: Some(vec![("X-A".into(), "v\r\nBcc: x@y".into())]),
        ..text_part("x")
    };
    assert_eq!(argument(injected), "headers");
    let bad_name = MakeMimePart {
        name: Some("a\nb".into()),
        ..text_part("x")
    };
    assert_eq!(argument(bad_name), "name");
    let end = MakeMimePart {
        end: Some(9),
        ..text_part("x")
    };
    assert_eq!(argument(end), "end");
    let b64_multipart = MakeMimePart {
        subparts: Some(vec![part(text_part("x"))]),
        encoding: Some("base64".into()),
        ..Default::default()
    };
    assert_eq!(argument(b64_multipart), "encoding");
    let missing = MakeMimePart {
        file: Some(FileSource::Path(file("nope.txt"))),
        ..Default::default()
    };
    assert_eq!(argument(missing), "<file error>");
    let err = make_mime_part(MakeMimePart {
        file: Some(FileSource::Path(file("nope.txt"))),
        ..Default::default()
    })
    .expect_err("missing");
    assert!(err.to_string().contains("nope.txt"), "{err}");
}

#[test]
fn reader_and_writer_give_the_same_bytes() {
    let mut letter = letter(Message::Text("Body.\n".into()));
    letter.attachments = vec![
        Attachment::File(FileSource::Path(file("image.jpg"))),
        Attachment::File(FileSource::Path(file("notes.txt"))),
    ];
    let built = letter.build_with(&mut TestEnv::default()).expect("build");
    let written = built.to_vec().expect("write");
    let mut reader = built.reader();
    let mut read = Vec::new();
    let mut small = [0u8; 7];
    loop {
        let n = reader.read(&mut small).expect("read");
        if n == 0 {
            break;
        }
        read.extend_from_slice(&small[..n]);
    }
    assert_eq!(read, written);
    let part_only = render_to_vec(built.part()).expect("part");
    let mut via_reader = Vec::new();
    PartReader::new(built.part())
        .read_to_end(&mut via_reader)
        .expect("read");
    assert_eq!(via_reader, part_only);
}

#[test]
fn protocol_flags() {
    let plain = letter(Message::Text("ascii".into()));
    let built = plain.build_with(&mut TestEnv::default()).expect("build");
    assert!(!built.needs_8bitmime() && !built.needs_smtputf8());

    let raw8 = part(MakeMimePart {
        encoding: Some("8bit".into()),
        ..text_part("Grüße")
    });
    let built = letter(Message::Part(Box::new(raw8)))
        .build_with(&mut TestEnv::default())
        .expect("build");
    assert!(built.needs_8bitmime());

    let utf8_address = Letter::new(
        "me@example.com",
        vec!["jürgen@example.com".into()],
        Message::Text("x".into()),
    );
    assert!(utf8_address.needs_smtputf8());
    let built = utf8_address
        .build_with(&mut TestEnv::default())
        .expect("build");
    assert!(built.needs_smtputf8() && built.needs_8bitmime());
}

#[test]
fn addresses_must_be_bare() {
    for (to, ok) in [
        ("user", true),
        ("user@host", true),
        ("User <user@host>", false),
        ("a b@host", false),
        ("", false),
        ("x@y\0", false),
    ] {
        let letter = Letter::new("me@example.com", vec![to.into()], Message::Text("x".into()));
        assert_eq!(letter.validate().is_ok(), ok, "{to:?}");
    }
    let null_sender = Letter::new("", vec!["u@h".into()], Message::Text("x".into()));
    assert!(null_sender.validate().is_ok());
    let nobody = Letter::new("me@h", vec![], Message::Text("x".into()));
    assert!(matches!(
        nobody.validate(),
        Err(LetterError::BadArgument { argument: "to", .. })
    ));
    let mut bad_cc = Letter::new("me@h", vec!["u@h".into()], Message::Text("x".into()));
    bad_cc.cc = vec!["<c@h>".into()];
    assert!(matches!(
        bad_cc.validate(),
        Err(LetterError::BadArgument { argument: "cc", .. })
    ));
    let mut bad_header = Letter::new("me@h", vec!["u@h".into()], Message::Text("x".into()));
    bad_header.headers = vec!["no colon here".into()];
    assert!(matches!(
        bad_header.validate(),
        Err(LetterError::BadArgument {
            argument: "headers",
            ..
        })
    ));
    bad_header.headers = vec!["X-A: 1\nX-B: 2".into()];
    assert!(matches!(
        bad_header.validate(),
        Err(LetterError::BadArgument {
            argument: "headers",
            ..
        })
    ));
}

#[test]
fn message_id_domain_falls_back_to_the_host_name() {
    let letter = Letter::new("jkf", vec!["user1".into()], Message::Text("x".into()));
    let built = letter.build_with(&mut TestEnv::default()).expect("build");
    let head = String::from_utf8_lossy(built.header_block()).into_owned();
    assert!(
        head.contains("Message-ID: <test-1@host.example>\n"),
        "{head}"
    );
}

#[test]
fn stream_sources_are_read_while_rendering() {
    let stream = sendletter::mail::letter::shared_reader(std::io::Cursor::new(b"abc".to_vec()));
    let streamed = part(MakeMimePart {
        file: Some(FileSource::Stream {
            reader: stream,
            path: None,
        }),
        ..Default::default()
    });
    assert_eq!(
        (streamed.type_(), streamed.subtype()),
        ("application", "octet-stream")
    );
    assert_eq!(streamed.disposition(), Some(Disposition::Attachment));
    assert_eq!(streamed.disposition_name(), None);
    let rendered = String::from_utf8(render_to_vec(&streamed).expect("render")).expect("utf8");
    assert!(
        rendered.ends_with("Content-Disposition: attachment\n\nYWJj\n"),
        "{rendered}"
    );
    // Read to EOF: a second rendering has an empty body.
    let again = String::from_utf8(render_to_vec(&streamed).expect("render")).expect("utf8");
    assert!(again.ends_with("attachment\n\n"), "{again}");
}

#[test]
fn a_string_stream_message_is_text() {
    let stream = sendletter::mail::letter::shared_reader(std::io::Cursor::new(
        "from a string stream\n".as_bytes().to_vec(),
    ));
    let letter = letter(Message::TextStream(sendletter::mail::letter::SharedStream(
        stream,
    )));
    let rendered = String::from_utf8(render_letter(&letter)).expect("utf8");
    assert!(
        rendered.ends_with("Content-Transfer-Encoding: 7bit\n\nfrom a string stream\n"),
        "{rendered}"
    );
}

#[test]
fn a_directory_is_not_a_readable_file() {
    let err = make_mime_part(MakeMimePart {
        file: Some(FileSource::Path(file(""))),
        ..Default::default()
    })
    .expect_err("directory");
    assert!(matches!(err, MimeError::File { .. }), "{err}");
}

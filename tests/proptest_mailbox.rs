//! The fuzz targets' properties (fuzz/fuzz_targets/imap_response.rs,
//! mime_structure.rs) on every `cargo test`: the IMAP response parser and
//! the MIME structure parser never panic on arbitrary bytes, and what
//! they report stays inside the input.

use proptest::prelude::*;
use sendletter::mail::mailbox::response::{frame, parse, Limits};
use sendletter::mail::mime_parse::{parse_mime_structure, ParsedPart};

/// Bytes biased towards IMAP syntax.
fn imapish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b"(".to_vec()),
            Just(b")".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"\\".to_vec()),
            Just(b"{3}\r\n".to_vec()),
            Just(b"{999999}\r\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"* ".to_vec()),
            Just(b"t01 OK ".to_vec()),
            Just(b"[".to_vec()),
            Just(b"]".to_vec()),
            Just(b"NIL ".to_vec()),
            Just(b"FETCH ".to_vec()),
            prop::collection::vec(any::<u8>(), 0..4),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

fn mimeish() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b"Content-Type: multipart/mixed; boundary=X\r\n".to_vec()),
            Just(b"Content-Type: message/rfc822\r\n".to_vec()),
            Just(b"Content-Type: multipart/digest; boundary=\"Y\"\r\n".to_vec()),
            Just(b"--X\r\n".to_vec()),
            Just(b"--X--\r\n".to_vec()),
            Just(b"--Y\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\n".to_vec()),
            Just(b" folded\r\n".to_vec()),
            Just(b"From x\n".to_vec()),
            Just(b"Subject: s\n".to_vec()),
            prop::collection::vec(any::<u8>(), 0..6),
        ],
        0..40,
    )
    .prop_map(|v| v.concat())
}

fn check(p: &ParsedPart, len: u64) {
    assert!(p.position <= p.body_position);
    assert_eq!(p.body_position - p.position, p.headers_size);
    assert!(p.body_position + p.body_size <= len);
    for c in &p.parts {
        check(c, len);
    }
    if let Some(m) = &p.message {
        check(m, len);
    }
}

proptest! {
    #[test]
    fn imap_frames_stay_inside_the_input(data in imapish()) {
        let limits = Limits { max_line: 4096, max_literal: 8192, max_response: 16384, max_depth: 16 };
        let mut rest = &data[..];
        while !rest.is_empty() {
            match frame(rest, &limits) {
                Ok(Some(n)) => {
                    prop_assert!(n >= 1 && n <= rest.len());
                    prop_assert_eq!(rest[n - 1], b'\n');
                    let _ = parse(&rest[..n], &limits);
                    rest = &rest[n..];
                }
                Ok(None) | Err(_) => break,
            }
        }
    }

    #[test]
    fn mime_structure_stays_inside_the_input(data in mimeish(), mbox in any::<bool>()) {
        if let Ok(Some((part, _, end))) = parse_mime_structure(&data[..], mbox) {
            prop_assert!(end <= data.len() as u64);
            check(&part, data.len() as u64);
        }
    }
}

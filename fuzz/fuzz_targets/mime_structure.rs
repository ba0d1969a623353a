//! `parse-mime-structure` on arbitrary bytes: never panics, and every
//! part's positions and sizes lie inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sendletter::mail::mime_parse::{parse_mime_structure, ParsedPart};

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

fuzz_target!(|data: &[u8]| {
    let Some((&flag, body)) = data.split_first() else { return };
    if let Ok(Some((part, _, end))) = parse_mime_structure(body, flag & 1 == 1) {
        assert!(end <= body.len() as u64);
        check(&part, body.len() as u64);
    }
});

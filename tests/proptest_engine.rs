//! Property tests of the two byte-level pieces of the engine that face the
//! outside: the reply parser (server bytes in) and the wire writer (message
//! bytes out). The same properties are fuzzed in `fuzz/`.

use std::io::Write;

use proptest::prelude::*;
use sendletter::mail::smtp::reply::{parse_reply, Reply, ReplyError, MAX_REPLY_LEN};
use sendletter::mail::wire::{Mode, WireWriter};

// --- reply parser ---------------------------------------------------------

/// Bytes that look like replies often enough to reach every branch.
fn replyish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"250".to_vec()),
        Just(b"-".to_vec()),
        Just(b" ".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r".to_vec()),
        Just(b"\0".to_vec()),
        Just(b"\xff".to_vec()),
        prop::collection::vec(any::<u8>(), 0..8),
        "[0-9]{1,4}".prop_map(String::into_bytes),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// A valid reply: code, lines of text without line ends, and its bytes.
fn valid_reply() -> impl Strategy<Value = (u16, Vec<String>, Vec<u8>)> {
    (
        0u16..1000,
        prop::collection::vec("[ -~\u{80}-\u{10ffff}]{0,40}", 1..6),
    )
        .prop_map(|(code, lines)| {
            let last = lines.len() - 1;
            let mut bytes = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                let line = match (i == last, l.is_empty()) {
                    (true, true) => format!("{code:03}\r\n"),
                    (true, false) => format!("{code:03} {l}\r\n"),
                    (false, _) => format!("{code:03}-{l}\r\n"),
                };
                bytes.extend_from_slice(line.as_bytes());
            }
            (code, lines, bytes)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn reply_parser_never_panics(data in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        replyish(),
    ]) {
        let mut rest = &data[..];
        while let Ok(Some((reply, used))) = parse_reply(rest) {
            prop_assert!(used > 0 && used <= rest.len());
            prop_assert_eq!(rest[used - 1], b'\n');
            prop_assert!(reply.code() <= 999);
            rest = &rest[used..];
        }
    }

    #[test]
    fn valid_replies_round_trip((code, lines, bytes) in valid_reply(),
                                 trailer in prop::collection::vec(any::<u8>(), 0..16)) {
        let mut input = bytes.clone();
        input.extend_from_slice(&trailer);
        let (reply, used) = parse_reply(&input).unwrap().unwrap();
        prop_assert_eq!(used, bytes.len());
        prop_assert_eq!(&reply, &Reply::new(code, lines));
        // Printing gives back the bytes (with LF between lines).
        let printed = format!("{reply}\r\n").replace('\n', "\r\n").replace("\r\r\n", "\r\n");
        prop_assert_eq!(printed.as_bytes(), &bytes[..]);
        // Every strict prefix is incomplete, never an error.
        for cut in 0..bytes.len() {
            prop_assert_eq!(parse_reply(&bytes[..cut]), Ok(None));
        }
    }

    #[test]
    fn oversized_replies_are_refused(line_len in MAX_REPLY_LEN - 8..MAX_REPLY_LEN + 64,
                                     lines in 1usize..3) {
        let mut input = Vec::new();
        for _ in 0..lines - 1 {
            input.extend_from_slice(b"250-x\r\n");
        }
        input.extend_from_slice(b"250 ");
        input.resize(input.len() + line_len, b'y');
        let whole = input.len() + 2;
        input.extend_from_slice(b"\r\n");
        match parse_reply(&input) {
            Ok(Some((_, used))) => prop_assert!(used <= MAX_REPLY_LEN && used == whole),
            Err(ReplyError::TooLong) => prop_assert!(whole > MAX_REPLY_LEN),
            other => prop_assert!(false, "{:?}", other.map(|r| r.map(|(_, n)| n))),
        }
    }
}

// --- wire writer ----------------------------------------------------------

fn encode(data: &[u8], cuts: &[usize]) -> Vec<u8> {
    let mut w = WireWriter::new(Vec::new(), Mode::Smtp);
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    cuts.sort_unstable();
    for c in cuts {
        w.write_all(&data[at..c]).unwrap();
        at = c;
    }
    w.write_all(&data[at..]).unwrap();
    w.finish().unwrap()
}

/// CRLF, bare CR and bare LF all become CRLF; the last line is terminated.
fn normalised(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < data.len() {
        match data[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if data.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn contentish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        prop::collection::vec(
            prop_oneof![
                Just(b'\r'),
                Just(b'\n'),
                Just(b'.'),
                Just(b'a'),
                any::<u8>()
            ],
            0..600
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn wire_writer_decodes_back(data in contentish(),
                                cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let out = encode(&data, &cuts);
        prop_assert_eq!(&out, &encode(&data, &[]));
        prop_assert!(out.ends_with(b".\r\n"));
        let body = &out[..out.len() - 3];
        let mut decoded = Vec::new();
        let mut longest_out = 0;
        for line in body.split_inclusive(|&b| b == b'\n') {
            prop_assert!(line.ends_with(b"\r\n"));
            let text = &line[..line.len() - 2];
            prop_assert!(!text.contains(&b'\r') && !text.contains(&b'\n'));
            prop_assert!(text != b".", "end of data inside the content");
            longest_out = longest_out.max(text.len());
            decoded.extend_from_slice(text.strip_prefix(b".").unwrap_or(text));
            decoded.extend_from_slice(b"\r\n");
        }
        let expected = normalised(&data);
        prop_assert_eq!(&decoded, &expected);
        let longest_in = expected
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l).len())
            .max()
            .unwrap_or(0);
        prop_assert!(longest_out <= longest_in + 1);
    }
}

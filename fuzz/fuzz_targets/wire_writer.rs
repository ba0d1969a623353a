//! The wire encoder on arbitrary content split at arbitrary chunk
//! boundaries: the output is the same for every split, has only CRLF line
//! ends, exactly one end-of-data line, and un-stuffs back to the input with
//! line ends normalised.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use sendletter::mail::wire::{Mode, WireWriter};

fn encode(chunks: &[&[u8]], mode: Mode) -> Vec<u8> {
    let mut w = WireWriter::new(Vec::new(), mode);
    for c in chunks {
        w.write_all(c).expect("Vec never fails");
    }
    w.finish().expect("Vec never fails")
}

/// The input with CRLF, bare CR and bare LF all made CRLF, and the last
/// line terminated.
fn normalised(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 2);
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

fuzz_target!(|input: &[u8]| {
    // The first byte picks the chunk size; the rest is the content.
    let Some((&size, data)) = input.split_first() else {
        return;
    };
    let size = usize::from(size).max(1);
    let whole = encode(&[data], Mode::Smtp);
    let chunks: Vec<&[u8]> = data.chunks(size).collect();
    assert_eq!(encode(&chunks, Mode::Smtp), whole);

    // Exactly one end of data, at the very end.
    assert!(whole.ends_with(b".\r\n"));
    let body = &whole[..whole.len() - 3];
    assert!(body.is_empty() || body.ends_with(b"\r\n"));

    // Only CRLF line ends; un-stuffing gives back the normalised input.
    let mut unstuffed = Vec::with_capacity(body.len());
    let mut longest_out = 0;
    for line in body.split_inclusive(|&b| b == b'\n') {
        assert!(line.ends_with(b"\r\n"), "line without CRLF: {line:?}");
        let text = &line[..line.len() - 2];
        assert!(!text.contains(&b'\r') && !text.contains(&b'\n'));
        if text == b"." {
            panic!("an end-of-data line inside the content");
        }
        longest_out = longest_out.max(text.len());
        unstuffed.extend_from_slice(text.strip_prefix(b".").unwrap_or(text));
        unstuffed.extend_from_slice(b"\r\n");
    }
    let expected = normalised(data);
    assert_eq!(unstuffed, expected);
    let longest_in = expected
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).len())
        .max()
        .unwrap_or(0);
    assert!(longest_out <= longest_in + 1);

    // Plain mode: the same without stuffing and without the final dot.
    assert_eq!(encode(&chunks, Mode::Plain), expected);
});

//! IMAP responses from a hostile server: framing and parsing never panic;
//! consuming frames one after another as the client does, each frame ends
//! at a LF inside the input and within the limits; `Ok(None)` only when
//! the input could still grow into a response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sendletter::mail::mailbox::response::{frame, parse, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_line: 4096,
        max_literal: 8192,
        max_response: 16384,
        max_depth: 16,
    };
    let mut rest = data;
    while !rest.is_empty() {
        match frame(rest, &limits) {
            Ok(Some(n)) => {
                assert!(n >= 1 && n <= rest.len());
                assert_eq!(rest[n - 1], b'\n');
                assert!(n as u64 <= limits.max_response + limits.max_line as u64);
                let _ = parse(&rest[..n], &limits);
                rest = &rest[n..];
            }
            Ok(None) => break,
            Err(_) => break,
        }
    }
});

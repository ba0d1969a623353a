//! The SMTP reply parser on arbitrary server bytes: never panics, consumes
//! what it reports, respects the size bound, prints as the server sent it,
//! and its lines sent again parse to the same reply.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sendletter::mail::smtp::reply::{parse_reply, ReplyError, MAX_REPLY_LEN};

fuzz_target!(|data: &[u8]| {
    // Consume replies one after another, as the transport does.
    let mut rest = data;
    loop {
        match parse_reply(rest) {
            Ok(Some((reply, used))) => {
                assert!(used > 0 && used <= rest.len());
                assert!(used <= MAX_REPLY_LEN);
                assert_eq!(rest[used - 1], b'\n');
                assert!((0..=999).contains(&reply.code()));
                assert!(!reply.lines().is_empty());
                // Display quotes the reply as sent (lines joined by LF).
                let code = reply.code();
                let last = reply.lines().len() - 1;
                let shown: Vec<String> = reply
                    .lines()
                    .iter()
                    .enumerate()
                    .map(|(i, l)| match (i == last, l.is_empty()) {
                        (true, true) => format!("{code:03}"),
                        (true, false) => format!("{code:03} {l}"),
                        (false, _) => format!("{code:03}-{l}"),
                    })
                    .collect();
                assert_eq!(reply.to_string(), shown.join("\n"));
                // The same lines on the wire (CRLF each) parse back to it.
                let printed: String = shown.iter().map(|l| format!("{l}\r\n")).collect();
                if printed.len() <= MAX_REPLY_LEN {
                    let (again, n) = parse_reply(printed.as_bytes())
                        .expect("a printed reply parses")
                        .expect("a printed reply is complete");
                    assert_eq!(n, printed.len());
                    assert_eq!(again, reply);
                }
                rest = &rest[used..];
            }
            Ok(None) => {
                assert!(rest.len() <= MAX_REPLY_LEN);
                break;
            }
            Err(ReplyError::TooLong) => {
                assert!(rest.len() > MAX_REPLY_LEN);
                break;
            }
            Err(ReplyError::Malformed(_)) => break,
        }
    }
});

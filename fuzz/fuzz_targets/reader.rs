//! The Lisp reader on arbitrary text: never panics, reports errors with a
//! position inside the input, and whatever it reads prints to text that
//! reads back to the same printed form.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sendletter::printer::prin1_to_string;
use sendletter::reader::{NoEval, Reader};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut reader = Reader::new(text, Some("fuzz"));
    let lines = text.lines().count().max(1);
    for _ in 0..64 {
        match reader.read(&mut NoEval) {
            Ok(Some(form)) => {
                let printed = prin1_to_string(&form);
                // Uninterned symbols and unreadable objects do not read back.
                if printed.contains("#:") || printed.contains("#<") || printed.contains("...") {
                    continue;
                }
                let mut again = Reader::new(&printed, None);
                if let Ok(Some(back)) = again.read(&mut NoEval) {
                    assert_eq!(prin1_to_string(&back), printed, "from {text:?}");
                }
            }
            Ok(None) => break,
            Err(e) => {
                assert!(e.line >= 1 && e.line <= lines + 1, "line {} of {lines}", e.line);
                break;
            }
        }
    }
});

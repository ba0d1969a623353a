//! Rendering throughput for a large attachment: a base64 file attachment
//! and a quoted-printable text, rendered to a sink. Prints MiB/s of input.
//!
//! `cargo bench --bench mime_render` (256 MiB); without `--bench` (as under
//! `cargo test --benches`) it runs a small smoke size.

use std::io::{self, Write};
use std::time::Instant;

use sendletter::mail::letter::{Attachment, Letter, Message};
use sendletter::mail::mime::{make_mime_part, write_part, FileSource, MakeMimePart, Text};

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let size: usize = if full { 256 << 20 } else { 4 << 20 };
    let rounds = if full { 3 } else { 1 };

    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => return eprintln!("no temp dir: {e}"),
    };
    let path = dir.path().join("attachment.bin");
    let data = pseudo_random(size);
    if let Err(e) = std::fs::write(&path, &data) {
        return eprintln!("cannot write {}: {e}", path.display());
    }

    let mut letter = Letter::new(
        "me@example.com",
        vec!["you@example.com".into()],
        Message::Text("The attachment.\n".into()),
    );
    letter.attachments = vec![Attachment::File(FileSource::Path(path))];
    for round in 1..=rounds {
        let start = Instant::now();
        let mut sink = Counter(0);
        let result = letter.build().and_then(|b| {
            b.write_to(&mut sink)
                .map_err(|source| sendletter::mail::letter::LetterError::Part {
                    argument: "attachments",
                    source,
                })
        });
        if let Err(e) = result {
            return eprintln!("render failed: {e}");
        }
        report(&format!("base64 file, round {round}"), size, sink.0, start);
    }

    let text: String = data.iter().map(|&b| char::from(b'a' + b % 26)).collect();
    let qp = make_mime_part(MakeMimePart {
        text: Some(Text::String(text)),
        encoding: Some("quoted-printable".into()),
        ..Default::default()
    });
    match qp {
        Ok(part) => {
            let start = Instant::now();
            let mut sink = Counter(0);
            match write_part(&part, &mut sink) {
                Ok(()) => report("quoted-printable text", size, sink.0, start),
                Err(e) => eprintln!("render failed: {e}"),
            }
        }
        Err(e) => eprintln!("cannot make part: {e}"),
    }
}

fn report(what: &str, input: usize, output: u64, start: Instant) {
    let secs = start.elapsed().as_secs_f64();
    let mib = input as f64 / (1024.0 * 1024.0);
    println!(
        "{what}: {mib:.0} MiB in, {output} bytes out, {secs:.3} s, {:.0} MiB/s",
        mib / secs
    );
}

fn pseudo_random(size: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

//! A 200 MiB attachment renders with bounded memory: the writer streams the
//! file through fixed-size buffers (behaviour.md §5). Alone in its test
//! binary so that the process-wide peak RSS (`VmHWM`) measures only it.

use std::io::{self, Write};

use sendletter::mail::letter::{Attachment, Letter, LetterEnv, Message};
use sendletter::mail::mime::{FileSource, MimeError};

const SIZE: usize = 200 * 1024 * 1024;

/// Counts bytes and lines, checks every base64 line is at most 72 columns.
#[derive(Default)]
struct CountingSink {
    bytes: u64,
    column: usize,
    widest: usize,
}

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.bytes += buf.len() as u64;
        for &b in buf {
            if b == b'\n' {
                self.widest = self.widest.max(self.column);
                self.column = 0;
            } else {
                self.column += 1;
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Env;

impl LetterEnv for Env {
    fn date(&mut self) -> String {
        "Thu, 01 Jan 2026 00:00:00 +0000".into()
    }
    fn message_id(&mut self, domain: &str) -> String {
        format!("<large@{domain}>")
    }
    fn host_name(&mut self) -> String {
        "host.example".into()
    }
    fn boundary(&mut self) -> Result<String, MimeError> {
        Ok(format!("----------_{:032x}", 1))
    }
}

/// Peak resident set size of this process, in KiB.
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_200_mib_attachment_renders_in_constant_memory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.bin");
    {
        let mut file = io::BufWriter::new(std::fs::File::create(&path).expect("create"));
        let mut block = vec![0u8; 1024 * 1024];
        let mut x: u32 = 0x1234_5678;
        for _ in 0..SIZE / block.len() {
            for b in block.iter_mut() {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                *b = x as u8;
            }
            file.write_all(&block).expect("write");
        }
        file.flush().expect("flush");
    }

    let mut letter = Letter::new(
        "me@example.com",
        vec!["you@example.com".into()],
        Message::Text("The big file.\n".into()),
    );
    letter.attachments = vec![Attachment::File(FileSource::Path(path))];

    let before = vm_hwm_kib();
    let built = letter.build_with(&mut Env).expect("build");
    let mut reader = built.reader();
    let mut sink = CountingSink::default();
    io::copy(&mut reader, &mut sink).expect("render");
    let buffers = reader.buffer_capacity();
    let after = vm_hwm_kib();

    let rest = SIZE % 54;
    let body_bytes = (SIZE / 54 * 73
        + if rest > 0 {
            rest.div_ceil(3) * 4 + 1
        } else {
            0
        }) as u64;
    let overhead = sink
        .bytes
        .checked_sub(body_bytes)
        .expect("whole body written");
    assert!(
        (500..2000).contains(&overhead),
        "{overhead} bytes besides the body"
    );
    assert!(sink.widest <= 72, "widest line {}", sink.widest);

    let growth_kib = after.saturating_sub(before);
    eprintln!(
        "rendered {} bytes; writer buffers {buffers} bytes; peak RSS {before} KiB -> {after} KiB (+{growth_kib} KiB)",
        sink.bytes
    );
    assert!(buffers < 256 * 1024, "writer buffers {buffers} bytes");
    assert!(growth_kib < 8 * 1024, "peak RSS grew by {growth_kib} KiB");
}

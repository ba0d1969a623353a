//! The wire encoding of message content (behaviour §5), in one streaming
//! pass with constant memory:
//! - LF → CRLF, CRLF kept, a bare CR → CRLF (a bare CR is an SMTP
//!   smuggling vector);
//! - dot-stuffing: a `.` at the start of a line gets another `.`
//!   (RFC 5321 §4.5.2);
//! - end of data: terminate the last line if needed, then `.` CRLF
//!   (RFC 5321 §4.1.1.4).
//!
//! [`Mode::Plain`] does the line-end conversion only: no stuffing, no `.`.

use std::io::{self, Read, Write};

/// Which transformation to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// SMTP DATA and the `:program` pipe: CRLF, dot-stuffing, final `.` line.
    Smtp,
    /// CRLF conversion only (and the last line terminated), e.g. for `.eml`
    /// files of a dry run.
    Plain,
}

/// A message written through the MIME writer.
pub trait MessageSource {
    /// Write the whole message (LF or CRLF line ends) into `out`.
    fn write_message(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// Any reader is a message source: its bytes are the message.
impl<R: Read + ?Sized> MessageSource for R {
    fn write_message(&mut self, mut out: &mut dyn Write) -> io::Result<()> {
        io::copy(self, &mut out).map(|_| ())
    }
}

/// A message source from a closure that writes the message.
pub struct WriteWith<F>(pub F);

impl<F: FnMut(&mut dyn Write) -> io::Result<()>> MessageSource for WriteWith<F> {
    fn write_message(&mut self, out: &mut dyn Write) -> io::Result<()> {
        (self.0)(out)
    }
}

/// A `Write` adapter applying the wire encoding to everything written into
/// it. Call [`WireWriter::finish`] at the end.
pub struct WireWriter<W: Write> {
    inner: W,
    mode: Mode,
    /// The next byte starts a line.
    at_line_start: bool,
    /// The last byte was a CR whose LF has not been seen yet.
    pending_cr: bool,
    /// Bytes written to `inner`.
    written: u64,
}

impl<W: Write> WireWriter<W> {
    /// A writer encoding into `inner`. Wrap a socket in a `BufWriter` first:
    /// this writes line by line.
    pub fn new(inner: W, mode: Mode) -> Self {
        WireWriter {
            inner,
            mode,
            at_line_start: true,
            pending_cr: false,
            written: 0,
        }
    }

    /// Apply the end-of-data rule, flush, and give back the inner writer.
    /// Empty content gives just `.` CRLF in [`Mode::Smtp`] and nothing in
    /// [`Mode::Plain`].
    pub fn finish(mut self) -> io::Result<W> {
        self.end()?;
        Ok(self.inner)
    }

    fn end(&mut self) -> io::Result<()> {
        if self.pending_cr || !self.at_line_start {
            self.emit(b"\r\n")?;
            self.pending_cr = false;
            self.at_line_start = true;
        }
        if self.mode == Mode::Smtp {
            self.emit(b".\r\n")?;
        }
        self.inner.flush()
    }

    /// Bytes written to the inner writer so far.
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    fn emit(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.inner.write_all(bytes)?;
        self.written += bytes.len() as u64;
        Ok(())
    }
}

impl<W: Write> Write for WireWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut i = 0;
        while i < buf.len() {
            if self.pending_cr {
                // CR LF, or a bare CR sent as CR LF: either way one line end.
                self.pending_cr = false;
                self.emit(b"\r\n")?;
                self.at_line_start = true;
                if buf[i] == b'\n' {
                    i += 1;
                    continue;
                }
            }
            match buf[i] {
                b'\r' => {
                    self.pending_cr = true;
                    i += 1;
                }
                b'\n' => {
                    self.emit(b"\r\n")?;
                    self.at_line_start = true;
                    i += 1;
                }
                _ => {
                    if self.at_line_start && buf[i] == b'.' && self.mode == Mode::Smtp {
                        self.emit(b".")?;
                    }
                    let run = buf[i..]
                        .iter()
                        .position(|&b| b == b'\r' || b == b'\n')
                        .map_or(buf.len(), |n| i + n);
                    self.emit(&buf[i..run])?;
                    self.at_line_start = false;
                    i = run;
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Encode a whole message source (any `Read` included) into `out` and apply
/// the end rule. Returns the number of bytes written to `out`.
pub fn encode_message<W: Write>(
    source: &mut dyn MessageSource,
    out: W,
    mode: Mode,
) -> io::Result<u64> {
    let mut w = WireWriter::new(out, mode);
    source.write_message(&mut w)?;
    w.end()?;
    Ok(w.written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(parts: &[&[u8]], mode: Mode) -> Vec<u8> {
        let mut w = WireWriter::new(Vec::new(), mode);
        for p in parts {
            w.write_all(p).unwrap();
        }
        w.finish().unwrap()
    }

    fn smtp(s: &str) -> String {
        String::from_utf8(enc(&[s.as_bytes()], Mode::Smtp)).unwrap()
    }

    #[test]
    fn line_ends() {
        assert_eq!(smtp("a\nb\r\nc\rd\n"), "a\r\nb\r\nc\r\nd\r\n.\r\n");
    }

    #[test]
    fn dot_stuffing() {
        assert_eq!(smtp(".a\n..b\nc.\n"), "..a\r\n...b\r\nc.\r\n.\r\n");
        assert_eq!(smtp("x\n.\r\n"), "x\r\n..\r\n.\r\n");
        assert_eq!(smtp("x\r.\r\n"), "x\r\n..\r\n.\r\n");
        assert_eq!(smtp("."), "..\r\n.\r\n");
    }

    #[test]
    fn end_of_data() {
        assert_eq!(smtp(""), ".\r\n");
        assert_eq!(smtp("no newline"), "no newline\r\n.\r\n");
        assert_eq!(smtp("newline\n"), "newline\r\n.\r\n");
        assert_eq!(smtp("bare cr\r"), "bare cr\r\n.\r\n");
        assert_eq!(smtp("blank\n\n"), "blank\r\n\r\n.\r\n");
    }

    #[test]
    fn plain_mode() {
        let out = enc(&[b".a\nb"], Mode::Plain);
        assert_eq!(out, b".a\r\nb\r\n");
        assert_eq!(enc(&[b""], Mode::Plain), b"");
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let input = b"a\r\n.b\n\r.c\r\r\n.\n..\r";
        let whole = enc(&[input], Mode::Smtp);
        for split in 0..=input.len() {
            let (x, y) = input.split_at(split);
            assert_eq!(enc(&[x, y], Mode::Smtp), whole, "split at {split}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(enc(&bytes, Mode::Smtp), whole);
    }

    #[test]
    fn one_mib_single_line() {
        let line = vec![b'x'; 1 << 20];
        let out = enc(&[&line], Mode::Smtp);
        assert_eq!(out.len(), (1 << 20) + 5);
        assert!(out.ends_with(b"x\r\n.\r\n"));
    }

    #[test]
    fn encode_from_reader() {
        let mut src: &[u8] = b"Subject: x\n\n.hi";
        let mut out = Vec::new();
        let n = encode_message(&mut src, &mut out, Mode::Smtp).unwrap();
        assert_eq!(out, b"Subject: x\r\n\r\n..hi\r\n.\r\n");
        assert_eq!(n, out.len() as u64);
    }

    proptest::proptest! {
        /// Un-stuffing and stripping the end marker gives back the content
        /// with normalised line ends.
        #[test]
        fn roundtrip(data in proptest::collection::vec(proptest::prop_oneof![
            proptest::strategy::Just(b'\r'), proptest::strategy::Just(b'\n'),
            proptest::strategy::Just(b'.'), proptest::strategy::Just(b'a')], 0..64),
            split in 0usize..64) {
            let split = split.min(data.len());
            let out = enc(&[&data[..split], &data[split..]], Mode::Smtp);
            proptest::prop_assert!(out.ends_with(b".\r\n"));
            let body = &out[..out.len() - 3];
            let text = String::from_utf8(body.to_vec()).unwrap();
            let mut expect = String::from_utf8(data.clone()).unwrap()
                .replace("\r\n", "\n").replace('\r', "\n");
            if !expect.is_empty() && !expect.ends_with('\n') { expect.push('\n'); }
            let unstuffed: Vec<String> = text.split_inclusive("\r\n")
                .map(|l| l.strip_prefix('.').unwrap_or(l).replace("\r\n", "\n")).collect();
            proptest::prop_assert_eq!(unstuffed.concat(), expect);
            // no bare CR or LF left
            proptest::prop_assert!(!text.replace("\r\n", "").contains(['\r', '\n']));
        }
    }
}

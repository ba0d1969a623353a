//! Renders a part tree (behaviour.md §4, allegro-reference §5.5).
//!
//! Header text is laid out first (its size is that of the tree, not of the
//! bodies); bodies are then pulled from their sources in fixed-size pieces
//! and encoded on the way out, so a 1 GB attachment takes no more memory
//! than a small one. The same [`PartReader`] serves both directions: push
//! into a `Write` ([`write_part`]) or pull as a `Read`.

use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::path::PathBuf;
use std::rc::Rc;

use super::encode::{BodyEncoder, BASE64_LINE_INPUT};
use super::header::{encode_value, fold_at_spaces, push_parameter};
use super::part::{MimePart, SharedReader, Source};
use super::MimeError;

/// Bytes read from a body source at a time; a multiple of the base64 line
/// input so that whole lines are encoded without carry.
pub const READ_CHUNK: usize = BASE64_LINE_INPUT * 1024;

/// The line that starts the body of a top-level multipart.
const PREAMBLE: &str = "This is a multi-part message in MIME format.\n";

/// Writes `part` rendered at top level (with `MIME-Version: 1.0`) to `out`
/// (`mime-part-writer`).
pub fn write_part<W: Write + ?Sized>(part: &MimePart, out: &mut W) -> Result<(), MimeError> {
    PartReader::new(part).write_to(out)
}

/// The top-level rendering of `part` in memory (for small parts and tests).
pub fn render_to_vec(part: &MimePart) -> Result<Vec<u8>, MimeError> {
    let mut out = Vec::new();
    write_part(part, &mut out)?;
    Ok(out)
}

/// A piece of the rendering: laid-out header text, or a body still to be
/// read and encoded.
enum Segment {
    Text(Vec<u8>),
    Body {
        source: Source,
        encoding: Option<String>,
    },
}

/// A body being read.
struct ActiveBody {
    input: BodyInput,
    encoder: BodyEncoder,
}

enum BodyInput {
    Bytes { data: Rc<[u8]>, pos: usize },
    File { file: File, path: PathBuf },
    Stream(SharedReader),
    Empty,
}

/// The rendering of a part as a byte stream (`with-mime-part-constructed-stream`).
///
/// Implements [`Read`]; [`write_to`](Self::write_to) pushes the same bytes
/// into a writer without the extra copy. File sources are opened when their
/// turn comes; stream sources are read to EOF and left open, so a stream
/// body is rendered only once.
pub struct PartReader {
    segments: std::vec::IntoIter<Segment>,
    body: Option<ActiveBody>,
    /// Read buffer for file and stream bodies, allocated at the first one
    /// (most letters have none, and clearing it was a third of the cost of
    /// building a small letter).
    input: Vec<u8>,
    chunk: Vec<u8>,
    pos: usize,
}

impl PartReader {
    /// The top-level rendering of `part`.
    pub fn new(part: &MimePart) -> Self {
        Self::with_prefix(Vec::new(), part)
    }

    /// `prefix` (e.g. a letter's header block) followed by the top-level
    /// rendering of `part`.
    pub fn with_prefix(prefix: Vec<u8>, part: &MimePart) -> Self {
        let mut layout = Layout {
            segments: Vec::new(),
            text: prefix,
        };
        layout.part(part, true);
        layout.flush_text();
        PartReader {
            segments: layout.segments.into_iter(),
            body: None,
            input: Vec::new(),
            chunk: Vec::new(),
            pos: 0,
        }
    }

    /// Writes the remaining rendering to `out`.
    pub fn write_to<W: Write + ?Sized>(mut self, out: &mut W) -> Result<(), MimeError> {
        while self.next_chunk()? {
            out.write_all(&self.chunk[self.pos..])
                .map_err(MimeError::Io)?;
            self.pos = self.chunk.len();
        }
        Ok(())
    }

    /// Capacity of the reader's buffers, in bytes: bounded by the header
    /// text and a constant, whatever the size of the bodies.
    pub fn buffer_capacity(&self) -> usize {
        self.input.capacity() + self.chunk.capacity()
    }

    /// Replaces `chunk` with the next piece of output; false at the end.
    fn next_chunk(&mut self) -> Result<bool, MimeError> {
        self.chunk.clear();
        self.pos = 0;
        loop {
            if let Some(body) = &mut self.body {
                let done = pump(body, &mut self.input, &mut self.chunk)?;
                if done {
                    body.encoder.finish(&mut self.chunk);
                    self.body = None;
                }
                if !self.chunk.is_empty() {
                    return Ok(true);
                }
                continue;
            }
            match self.segments.next() {
                None => return Ok(false),
                Some(Segment::Text(text)) => {
                    // Header text is small; the chunk buffer keeps its
                    // larger capacity for the bodies.
                    self.chunk.extend_from_slice(&text);
                    return Ok(true);
                }
                Some(Segment::Body { source, encoding }) => {
                    self.body = Some(ActiveBody {
                        input: open(source)?,
                        encoder: BodyEncoder::for_encoding(encoding.as_deref()),
                    });
                }
            }
        }
    }
}

impl Read for PartReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            if !self.next_chunk()? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn open(source: Source) -> Result<BodyInput, MimeError> {
    Ok(match source {
        Source::Empty => BodyInput::Empty,
        Source::Bytes(data) => BodyInput::Bytes { data, pos: 0 },
        Source::File(path) => {
            let file = File::open(&path).map_err(|e| MimeError::file(&path, &e))?;
            BodyInput::File { file, path }
        }
        Source::Stream(reader) => BodyInput::Stream(reader),
    })
}

/// Reads one piece of `body` and encodes it into `out`; true at EOF.
fn pump(body: &mut ActiveBody, input: &mut Vec<u8>, out: &mut Vec<u8>) -> Result<bool, MimeError> {
    if matches!(body.input, BodyInput::File { .. } | BodyInput::Stream(_)) && input.is_empty() {
        input.resize(READ_CHUNK, 0);
    }
    let n = match &mut body.input {
        BodyInput::Empty => 0,
        BodyInput::Bytes { data, pos } => {
            let end = (*pos + READ_CHUNK).min(data.len());
            body.encoder.encode(&data[*pos..end], out);
            let n = end - *pos;
            *pos = end;
            return Ok(n == 0);
        }
        BodyInput::File { file, path } => {
            read_retrying(file, input).map_err(|e| MimeError::file(path.as_path(), &e))?
        }
        BodyInput::Stream(reader) => {
            let mut reader = reader.try_borrow_mut().map_err(|_| MimeError::Stream {
                message: "the stream is in use elsewhere".to_string(),
            })?;
            read_retrying(&mut *reader, input).map_err(|e| MimeError::Stream {
                message: e.to_string(),
            })?
        }
    };
    body.encoder.encode(&input[..n], out);
    Ok(n == 0)
}

fn read_retrying<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Lays out the header text of a part tree, leaving bodies as segments.
struct Layout {
    segments: Vec<Segment>,
    text: Vec<u8>,
}

impl Layout {
    fn flush_text(&mut self) {
        if !self.text.is_empty() {
            self.segments
                .push(Segment::Text(std::mem::take(&mut self.text)));
        }
    }

    fn push(&mut self, s: &str) {
        self.text.extend_from_slice(s.as_bytes());
    }

    fn part(&mut self, part: &MimePart, top: bool) {
        let mut head = String::new();
        if top {
            head.push_str("MIME-Version: 1.0\n");
        }
        for (name, value) in part.headers() {
            head.push_str(&format!("{name}: {}\n", encode_value(name, value)));
        }
        head.push_str(&format!(
            "Content-Type: {}/{}",
            part.type_(),
            part.subtype()
        ));
        for (key, value) in part.parameters() {
            push_parameter(&mut head, key, value);
        }
        head.push('\n');
        if let Some(encoding) = part.encoding() {
            head.push_str(&format!("Content-Transfer-Encoding: {encoding}\n"));
        }
        // Allegro spells it `Content-Id` and adds no angle brackets.
        if let Some(id) = part.id() {
            // Folded at white space only: an id cannot hold RFC 2047
            // words (make_mime_part refuses one that cannot fit).
            let id = fold_at_spaces("Content-Id: ".len(), id).unwrap_or_else(|| id.to_string());
            head.push_str(&format!("Content-Id: {id}\n"));
        }
        if let Some(description) = part.description() {
            let value = encode_value("Content-Description", description);
            head.push_str(&format!("Content-Description: {value}\n"));
        }
        if let Some(disposition) = part.disposition() {
            head.push_str(&format!("Content-Disposition: {}", disposition.as_str()));
            if let Some(name) = part.disposition_name() {
                push_parameter(&mut head, "filename", name);
            }
            head.push('\n');
        }
        head.push('\n');
        self.push(&head);

        if part.is_multipart() {
            // RFC 2046 §5.1.1: the CRLF before each delimiter belongs to it.
            let boundary = part.boundary().unwrap_or_default();
            if top {
                self.push(PREAMBLE);
            }
            for child in part.parts() {
                self.push(&format!("\n--{boundary}\n"));
                self.part(child, false);
            }
            self.push(&format!("\n--{boundary}--\n"));
        } else {
            self.flush_text();
            self.segments.push(Segment::Body {
                source: part.source().clone(),
                encoding: part.encoding().map(str::to_string),
            });
        }
    }
}

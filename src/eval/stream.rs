//! Lisp streams (CLHS 21): standard streams, string streams and file
//! streams, character or `(unsigned-byte 8)`.

use std::cell::{Cell, RefCell};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

use std::rc::Rc;

use super::encoding::{self, Encoding};
use super::value::{Sym, Value};

/// The longest line `read-line` returns, in bytes: past it the read is an
/// error rather than memory growing without bound (a file of NULs,
/// `/dev/zero`).
pub const MAX_LINE_BYTES: usize = 64 << 20;

/// A Lisp stream.
pub struct Stream {
    pub kind: RefCell<StreamKind>,
    /// `(unsigned-byte 8)` element type.
    pub binary: bool,
    /// The file name for file streams (`pathname`, `file-error`s).
    pub path: Option<String>,
    pub open: Cell<bool>,
    /// Output column, for `fresh-line`, `~&` and `~T`.
    pub column: Cell<usize>,
    /// The external format of a character file stream.
    pub encoding: Encoding,
    /// What a binary stream's elements are (CLHS 21.1.1.3).
    pub element: Element,
}

/// The element type of a stream: characters, or integers stored in whole
/// octets, least significant first (what SBCL writes).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Element {
    Character,
    /// `(unsigned-byte 8*N)`: N octets an element.
    Unsigned(u8),
    /// `(signed-byte 8*N)`, two's complement.
    Signed(u8),
}

impl Element {
    /// Octets an element takes in the file (1 for characters: their
    /// positions count bytes).
    pub fn width(self) -> u64 {
        match self {
            Element::Character => 1,
            Element::Unsigned(n) | Element::Signed(n) => u64::from(n.max(1)),
        }
    }
}

pub enum StreamKind {
    Stdout,
    Stderr,
    Stdin(InputBuffer<Box<dyn BufRead>>),
    StringOut(String),
    StringIn(InputBuffer<io::Cursor<Vec<u8>>>),
    FileIn(InputBuffer<BufReader<File>>),
    FileOut(BufWriter<File>),
    /// `open :direction :io`: one file read and written at one position;
    /// writes go straight to the file after the read buffer is dropped.
    FileIo(InputBuffer<BufReader<File>>),
    /// Output that is thrown away (`make-broadcast-stream` with no streams).
    Null,
    /// A two-way stream of input from one stream, output to another.
    TwoWay(std::rc::Rc<Stream>, std::rc::Rc<Stream>),
    /// Input from a Rust reader: a MIME part of another stream, decoded
    /// or not (`with-part-stream`, `with-decoded-part-body-stream`).
    Reader(InputBuffer<Box<dyn BufRead>>),
    /// `make-broadcast-stream` with streams: output goes to each.
    Broadcast(Vec<Rc<Stream>>),
    /// `make-concatenated-stream`: the input streams not yet exhausted,
    /// and characters given back by `unread-char`.
    Concatenated(Vec<Rc<Stream>>, Vec<char>),
    /// `make-echo-stream`: input from the first stream, copied to the
    /// second as it is read (CLHS 21.1.1.1.3); unread characters are not
    /// echoed again.
    Echo(Rc<Stream>, Rc<Stream>, Vec<char>),
    /// `make-synonym-stream`: the stream that is the symbol's dynamic
    /// value at each operation.
    Synonym(Sym),
    /// A pretty-printing stream (CLHS 22.2) over another stream, made by
    /// `pprint-logical-block` and by printing with `*print-pretty*`.
    Pretty(Box<crate::printer::pretty::PrettyStream>),
}

/// Synonym streams naming synonym streams are followed this far; a
/// longer chain is a cycle.
const MAX_SYNONYM_CHAIN: usize = 64;

/// Composite streams delegate without holding their own borrow, so that
/// a stream reached again through a synonym does not find itself busy.
fn guard() -> io::Result<()> {
    super::depth::check()
        .map_err(|_| io::Error::other("streams that refer to each other in a cycle"))
}

/// Character input with one character of push-back (`unread-char`).
pub struct InputBuffer<R> {
    pub reader: R,
    pub pushback: Vec<char>,
    /// Bytes consumed so far (`file-position`).
    pub position: u64,
    pub encoding: Encoding,
    /// UTF-16 byte order once known (`Some(true)`: little-endian).
    pub utf16_order: Option<bool>,
}

impl<R: BufRead> InputBuffer<R> {
    pub fn new(reader: R) -> Self {
        Self::with_encoding(reader, Encoding::Utf8)
    }

    pub fn with_encoding(reader: R, encoding: Encoding) -> Self {
        InputBuffer {
            reader,
            pushback: Vec::new(),
            position: 0,
            encoding,
            utf16_order: None,
        }
    }

    /// Read one character in the stream's encoding; malformed input is an
    /// `InvalidData` error naming the byte offset.
    pub fn read_char(&mut self) -> io::Result<Option<char>> {
        if let Some(c) = self.pushback.pop() {
            self.position += self.encoding.width(c);
            return Ok(Some(c));
        }
        let got = encoding::read_char(
            &mut self.reader,
            self.encoding,
            self.position,
            &mut self.utf16_order,
        );
        match got {
            Ok(Some((c, n))) => {
                self.position += n;
                Ok(Some(c))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                // Past the bad byte, so that reading on makes progress.
                self.position += 1;
                Err(e)
            }
        }
    }

    pub fn unread_char(&mut self, c: char) {
        self.position = self.position.saturating_sub(self.encoding.width(c));
        self.pushback.push(c);
    }

    /// Read a line without its newline; `None` at end of input. The flag
    /// says whether the line ended without a newline (CL's second value).
    /// A line longer than [`MAX_LINE_BYTES`] is an error.
    pub fn read_line(&mut self) -> io::Result<Option<(String, bool)>> {
        let mut line = String::new();
        while let Some(c) = self.pushback.pop() {
            self.position += self.encoding.width(c);
            if c == '\n' {
                return Ok(Some((line, false)));
            }
            line.push(c);
        }
        if self.encoding != Encoding::Utf8 {
            return self.read_line_by_char(line);
        }
        let mut bytes = Vec::new();
        let limit = MAX_LINE_BYTES.saturating_sub(line.len()) as u64 + 1;
        let n = (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut bytes)?;
        if n as u64 == limit && bytes.last() != Some(&b'\n') {
            self.position += n as u64;
            return Err(line_too_long());
        }
        let start = self.position;
        self.position += n as u64;
        if n == 0 && line.is_empty() {
            return Ok(None);
        }
        let missing_newline = bytes.last() != Some(&b'\n');
        if !missing_newline {
            bytes.pop();
        }
        match String::from_utf8(bytes) {
            Ok(s) => line.push_str(&s),
            Err(e) => {
                let at = e.utf8_error().valid_up_to();
                let b = e.as_bytes().get(at).copied().unwrap_or(0);
                return Err(encoding::malformed(
                    Encoding::Utf8,
                    start + at as u64,
                    &format!("the byte 0x{b:02X}"),
                ));
            }
        }
        Ok(Some((line, missing_newline)))
    }

    /// `read_line` for the encodings other than UTF-8, a character at a
    /// time.
    fn read_line_by_char(&mut self, mut line: String) -> io::Result<Option<(String, bool)>> {
        let mut any = !line.is_empty();
        loop {
            match self.read_char()? {
                None if any => return Ok(Some((line, true))),
                None => return Ok(None),
                Some('\n') => return Ok(Some((line, false))),
                Some(c) => {
                    any = true;
                    line.push(c);
                    if line.len() > MAX_LINE_BYTES {
                        return Err(line_too_long());
                    }
                }
            }
        }
    }

    pub fn read_byte(&mut self) -> io::Result<Option<u8>> {
        let mut one = [0u8; 1];
        if self.reader.read(&mut one)? == 0 {
            return Ok(None);
        }
        self.position += 1;
        Ok(Some(one[0]))
    }

    /// Read everything that is left, as bytes.
    pub fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(c) = self.pushback.pop() {
            let mut b = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
        }
        self.reader.read_to_end(&mut out)?;
        self.position += out.len() as u64;
        Ok(out)
    }
}

impl InputBuffer<BufReader<File>> {
    /// Write at the stream's position (a bidirectional file stream): the
    /// read-ahead is dropped so that reading resumes after what was
    /// written; in append mode the file puts it at the end.
    pub fn write_through(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.reader.seek(SeekFrom::Start(self.position))?;
        self.pushback.clear();
        let file = self.reader.get_mut();
        file.write_all(bytes)?;
        self.position = file.stream_position()?;
        Ok(())
    }
}

fn line_too_long() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("line longer than {MAX_LINE_BYTES} bytes (read-line's limit)"),
    )
}

impl Stream {
    pub fn new(kind: StreamKind) -> Stream {
        Stream {
            kind: RefCell::new(kind),
            binary: false,
            element: Element::Character,
            path: None,
            open: Cell::new(true),
            column: Cell::new(0),
            encoding: Encoding::Utf8,
        }
    }

    pub fn string_input(s: &str) -> Stream {
        Stream::new(StreamKind::StringIn(InputBuffer::new(io::Cursor::new(
            s.as_bytes().to_vec(),
        ))))
    }

    pub fn string_output() -> Stream {
        Stream::new(StreamKind::StringOut(String::new()))
    }

    /// The CL class of the stream (`type-of`, `typep`, printing).
    pub fn class_name(&self) -> &'static str {
        match self.kind.try_borrow().as_deref() {
            Ok(StreamKind::StringIn(_) | StreamKind::StringOut(_)) => "STRING-STREAM",
            Ok(StreamKind::FileIn(_) | StreamKind::FileOut(_) | StreamKind::FileIo(_)) => {
                "FILE-STREAM"
            }
            Ok(StreamKind::TwoWay(..)) => "TWO-WAY-STREAM",
            Ok(StreamKind::Null | StreamKind::Broadcast(_)) => "BROADCAST-STREAM",
            Ok(StreamKind::Concatenated(..)) => "CONCATENATED-STREAM",
            Ok(StreamKind::Echo(..)) => "ECHO-STREAM",
            Ok(StreamKind::Synonym(_)) => "SYNONYM-STREAM",
            _ => "STREAM",
        }
    }

    /// The stream a synonym stream stands for now (following synonyms of
    /// synonyms); `None` for other streams.
    pub fn synonym_target(&self) -> io::Result<Option<Rc<Stream>>> {
        let mut sym = match &*self.kind.borrow() {
            StreamKind::Synonym(s) => s.clone(),
            _ => return Ok(None),
        };
        for _ in 0..MAX_SYNONYM_CHAIN {
            let v = sym.value.borrow().clone();
            let Some(Value::Stream(target)) = v else {
                return Err(io::Error::other(format!(
                    "the synonym stream's symbol {} is not bound to a stream",
                    sym.name
                )));
            };
            let next = match &*target.kind.borrow() {
                StreamKind::Synonym(s) => s.clone(),
                _ => return Ok(Some(target.clone())),
            };
            sym = next;
        }
        Err(io::Error::other(
            "synonym streams that name each other in a cycle",
        ))
    }

    /// The streams output goes to, for composite output streams.
    fn output_targets(&self) -> io::Result<Option<Vec<Rc<Stream>>>> {
        if let Some(t) = self.synonym_target()? {
            return Ok(Some(vec![t]));
        }
        Ok(match &*self.kind.borrow() {
            StreamKind::Broadcast(v) => Some(v.clone()),
            StreamKind::Echo(_, o, _) => Some(vec![o.clone()]),
            _ => None,
        })
    }

    pub fn is_input(&self) -> bool {
        if let Ok(Some(t)) = self.synonym_target() {
            return t.is_input();
        }
        match &*self.kind.borrow() {
            StreamKind::Stdin(_)
            | StreamKind::StringIn(_)
            | StreamKind::FileIn(_)
            | StreamKind::FileIo(_)
            | StreamKind::Reader(_) => true,
            StreamKind::Concatenated(..) | StreamKind::Echo(..) => true,
            StreamKind::TwoWay(i, _) => i.is_input(),
            _ => false,
        }
    }

    pub fn is_output(&self) -> bool {
        if let Ok(Some(t)) = self.synonym_target() {
            return t.is_output();
        }
        match &*self.kind.borrow() {
            StreamKind::Broadcast(_) | StreamKind::Echo(..) => true,
            StreamKind::Stdout
            | StreamKind::Stderr
            | StreamKind::StringOut(_)
            | StreamKind::FileOut(_)
            | StreamKind::FileIo(_)
            | StreamKind::Pretty(_)
            | StreamKind::Null => true,
            StreamKind::TwoWay(_, o) => o.is_output(),
            _ => false,
        }
    }

    /// Write text, tracking the column. Standard output is line-buffered by
    /// the process's `stdout` lock; errors such as a closed pipe surface.
    pub fn write_str(&self, s: &str) -> io::Result<()> {
        if s.is_empty() {
            return Ok(());
        }
        match s.rfind('\n') {
            Some(i) => self.column.set(s[i + 1..].chars().count()),
            None => self.column.set(self.column.get() + s.chars().count()),
        }
        if let Some(targets) = self.output_targets()? {
            guard()?;
            return targets.iter().try_for_each(|t| t.write_str(s));
        }
        match &mut *self.kind.borrow_mut() {
            StreamKind::Stdout => io::stdout().write_all(s.as_bytes()),
            StreamKind::Stderr => io::stderr().write_all(s.as_bytes()),
            StreamKind::StringOut(buf) => {
                // Grown fallibly: text past memory is a storage-condition
                // (`io_failure`), not an abort.
                buf.try_reserve(s.len())
                    .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
                buf.push_str(s);
                Ok(())
            }
            StreamKind::FileOut(w) if self.encoding == Encoding::Utf8 => w.write_all(s.as_bytes()),
            StreamKind::FileOut(w) => {
                let mut bytes = Vec::with_capacity(s.len());
                self.encoding.encode(s, &mut bytes)?;
                w.write_all(&bytes)
            }
            StreamKind::FileIo(b) => {
                let mut bytes = Vec::with_capacity(s.len());
                self.encoding.encode(s, &mut bytes)?;
                b.write_through(&bytes)
            }
            StreamKind::Null => Ok(()),
            StreamKind::TwoWay(_, o) => o.write_str(s),
            StreamKind::Pretty(p) => {
                p.write_str(s);
                p.take_error()
            }
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "not an output stream",
            )),
        }
    }

    pub fn write_bytes(&self, b: &[u8]) -> io::Result<()> {
        if let Some(targets) = self.output_targets()? {
            guard()?;
            return targets.iter().try_for_each(|t| t.write_bytes(b));
        }
        match &mut *self.kind.borrow_mut() {
            StreamKind::Stdout => io::stdout().write_all(b),
            StreamKind::Stderr => io::stderr().write_all(b),
            StreamKind::FileOut(w) => w.write_all(b),
            StreamKind::FileIo(io) => io.write_through(b),
            StreamKind::StringOut(buf) => {
                buf.push_str(&String::from_utf8_lossy(b));
                Ok(())
            }
            StreamKind::Null => Ok(()),
            StreamKind::TwoWay(_, o) => o.write_bytes(b),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "not an output stream",
            )),
        }
    }

    pub fn flush(&self) -> io::Result<()> {
        if let Some(targets) = self.output_targets()? {
            guard()?;
            return targets.iter().try_for_each(|t| t.flush());
        }
        match &mut *self.kind.borrow_mut() {
            StreamKind::Stdout => io::stdout().flush(),
            StreamKind::Stderr => io::stderr().flush(),
            StreamKind::FileOut(w) => w.flush(),
            StreamKind::TwoWay(_, o) => o.flush(),
            _ => Ok(()),
        }
    }

    /// Run `f` on the input buffer of an input stream.
    pub fn with_input<T>(
        &self,
        f: impl FnOnce(&mut dyn InputOps) -> io::Result<T>,
    ) -> io::Result<T> {
        if let Some(t) = self.synonym_target()? {
            guard()?;
            return t.with_input(f);
        }
        // Composite inputs: their state is taken out while `f` runs.
        let taken = match &mut *self.kind.borrow_mut() {
            StreamKind::Concatenated(v, pb) => Some((None, std::mem::take(v), std::mem::take(pb))),
            StreamKind::Echo(i, o, pb) => {
                Some((Some(o.clone()), vec![i.clone()], std::mem::take(pb)))
            }
            _ => None,
        };
        if let Some((echo, mut streams, mut pushback)) = taken {
            guard()?;
            let mut view = CompositeInput {
                streams: &mut streams,
                pushback: &mut pushback,
                echo: echo.as_ref(),
                keep_exhausted: echo.is_some(),
            };
            let r = f(&mut view);
            match &mut *self.kind.borrow_mut() {
                StreamKind::Concatenated(v, pb) => {
                    *v = streams;
                    *pb = pushback;
                }
                StreamKind::Echo(_, _, pb) => *pb = pushback,
                _ => {}
            }
            return r;
        }
        match &mut *self.kind.borrow_mut() {
            StreamKind::Stdin(b) => f(b),
            StreamKind::StringIn(b) => f(b),
            StreamKind::FileIn(b) => f(b),
            StreamKind::FileIo(b) => f(b),
            StreamKind::Reader(b) => f(b),
            StreamKind::TwoWay(i, _) => i.with_input(f),
            _ => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "not an input stream",
            )),
        }
    }

    /// The column output is at; a two-way stream answers for its output
    /// side (`fresh-line`, `~&`, `~T`).
    pub fn output_column(&self) -> usize {
        if let Ok(Some(targets)) = self.output_targets() {
            return match (targets.last(), guard()) {
                (Some(t), Ok(())) => t.output_column(),
                _ => self.column.get(),
            };
        }
        match &*self.kind.borrow() {
            StreamKind::TwoWay(_, o) => o.output_column(),
            StreamKind::Pretty(p) => p.column(),
            _ => self.column.get(),
        }
    }

    /// `file-position` (CLHS 21.2): bytes for file streams, characters
    /// for string streams; `None` where the position is unknown.
    pub fn file_position(&self) -> Option<u64> {
        match &mut *self.kind.borrow_mut() {
            StreamKind::FileIn(b) | StreamKind::FileIo(b) => {
                Some(b.position / self.element.width())
            }
            StreamKind::StringIn(b) => Some(b.position),
            StreamKind::FileOut(w) => w.stream_position().ok().map(|p| p / self.element.width()),
            StreamKind::StringOut(buf) => Some(buf.chars().count() as u64),
            _ => None,
        }
    }

    /// Set the position of a file or string input stream, or a file output
    /// stream. `Ok(false)` when the stream cannot be positioned.
    pub fn set_file_position(&self, pos: u64) -> io::Result<bool> {
        let width = self.element.width();
        match &mut *self.kind.borrow_mut() {
            StreamKind::FileIn(b) | StreamKind::FileIo(b) => {
                let pos = pos.saturating_mul(width);
                b.reader.seek(SeekFrom::Start(pos))?;
                b.pushback.clear();
                b.position = pos;
                Ok(true)
            }
            StreamKind::StringIn(b) => {
                let len = b.reader.get_ref().len() as u64;
                let pos = pos.min(len);
                b.reader.set_position(pos);
                b.pushback.clear();
                b.position = pos;
                Ok(true)
            }
            StreamKind::FileOut(w) => {
                w.seek(SeekFrom::Start(pos.saturating_mul(width)))?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// `file-length`: the size of the file in elements (bytes for
    /// character streams).
    pub fn file_length(&self) -> Option<u64> {
        let bytes = match &mut *self.kind.borrow_mut() {
            StreamKind::FileIn(b) | StreamKind::FileIo(b) => {
                b.reader.get_ref().metadata().ok().map(|m| m.len())
            }
            StreamKind::FileOut(w) => {
                let _ = w.flush();
                w.get_ref().metadata().ok().map(|m| m.len())
            }
            _ => None,
        };
        bytes.map(|n| n / self.element.width())
    }

    /// The element type reads from this stream give: a composite input
    /// stream answers for the stream it reads now.
    pub fn input_element(&self) -> Element {
        if let Ok(Some(t)) = self.synonym_target() {
            return t.input_element();
        }
        let inner = match &*self.kind.borrow() {
            StreamKind::TwoWay(i, _) | StreamKind::Echo(i, _, _) => Some(i.clone()),
            StreamKind::Concatenated(v, _) => v.first().cloned(),
            _ => None,
        };
        match (inner, guard()) {
            (Some(i), Ok(())) => i.input_element(),
            _ => self.element,
        }
    }

    /// The element type writes to this stream take.
    pub fn output_element(&self) -> Element {
        if let Ok(Some(targets)) = self.output_targets() {
            return match (targets.first(), guard()) {
                (Some(t), Ok(())) => t.output_element(),
                _ => self.element,
            };
        }
        let inner = match &*self.kind.borrow() {
            StreamKind::TwoWay(_, o) => Some(o.clone()),
            _ => None,
        };
        match (inner, guard()) {
            (Some(o), Ok(())) => o.output_element(),
            _ => self.element,
        }
    }

    /// The accumulated text of a string output stream, which is reset
    /// (`get-output-stream-string`).
    pub fn take_string(&self) -> Option<String> {
        match &mut *self.kind.borrow_mut() {
            StreamKind::StringOut(buf) => Some(std::mem::take(buf)),
            _ => None,
        }
    }
}

/// Object-safe view of [`InputBuffer`] for any reader type.
pub trait InputOps {
    fn read_char(&mut self) -> io::Result<Option<char>>;
    fn unread_char(&mut self, c: char);
    fn read_line(&mut self) -> io::Result<Option<(String, bool)>>;
    fn read_byte(&mut self) -> io::Result<Option<u8>>;
    fn read_to_end(&mut self) -> io::Result<Vec<u8>>;
    fn position(&self) -> u64;
    /// Push back text so that it is read next (what `read` did not use).
    fn unread_str(&mut self, s: &str) {
        for c in s.chars().rev() {
            self.unread_char(c);
        }
    }
    /// Read raw bytes (after any pushed-back characters), for streaming a
    /// stream's contents into a message.
    fn read_bytes(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

impl<R: BufRead> InputOps for InputBuffer<R> {
    fn read_char(&mut self) -> io::Result<Option<char>> {
        InputBuffer::read_char(self)
    }
    fn unread_char(&mut self, c: char) {
        InputBuffer::unread_char(self, c)
    }
    fn read_line(&mut self) -> io::Result<Option<(String, bool)>> {
        InputBuffer::read_line(self)
    }
    fn read_byte(&mut self) -> io::Result<Option<u8>> {
        InputBuffer::read_byte(self)
    }
    fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        InputBuffer::read_to_end(self)
    }
    fn position(&self) -> u64 {
        self.position
    }
    fn read_bytes(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(c) = self.pushback.pop() {
            let mut tmp = [0u8; 4];
            let enc = c.encode_utf8(&mut tmp).as_bytes();
            if enc.len() <= buf.len() {
                buf[..enc.len()].copy_from_slice(enc);
                self.position += enc.len() as u64;
                return Ok(enc.len());
            }
            self.pushback.push(c);
        }
        let n = std::io::Read::read(&mut self.reader, buf)?;
        self.position += n as u64;
        Ok(n)
    }
}

/// A Lisp input stream as a Rust `Read` (message bodies, attachments).
pub struct StreamReader(pub std::rc::Rc<Stream>);

impl std::io::Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.with_input(|i| i.read_bytes(buf))
    }
}

/// The input side of concatenated and echo streams.
struct CompositeInput<'a> {
    streams: &'a mut Vec<Rc<Stream>>,
    pushback: &'a mut Vec<char>,
    /// Where an echo stream copies what it reads.
    echo: Option<&'a Rc<Stream>>,
    /// An echo stream keeps its input stream at end of file.
    keep_exhausted: bool,
}

impl CompositeInput<'_> {
    /// The next item from the first stream that has one.
    fn next<T>(
        &mut self,
        read: impl Fn(&mut dyn InputOps) -> io::Result<Option<T>>,
    ) -> io::Result<Option<T>> {
        loop {
            let Some(first) = self.streams.first().cloned() else {
                return Ok(None);
            };
            match first.with_input(&read)? {
                Some(x) => return Ok(Some(x)),
                None if self.keep_exhausted => return Ok(None),
                None => {
                    self.streams.remove(0);
                }
            }
        }
    }
}

impl InputOps for CompositeInput<'_> {
    fn read_char(&mut self) -> io::Result<Option<char>> {
        if let Some(c) = self.pushback.pop() {
            return Ok(Some(c));
        }
        let c = self.next(|b| b.read_char())?;
        if let (Some(c), Some(out)) = (c, self.echo) {
            out.write_str(c.encode_utf8(&mut [0u8; 4]))?;
        }
        Ok(c)
    }
    fn unread_char(&mut self, c: char) {
        self.pushback.push(c);
    }
    fn read_line(&mut self) -> io::Result<Option<(String, bool)>> {
        let mut line = String::new();
        loop {
            match self.read_char()? {
                None if line.is_empty() => return Ok(None),
                None => return Ok(Some((line, true))),
                Some('\n') => return Ok(Some((line, false))),
                Some(c) => {
                    line.push(c);
                    if line.len() > MAX_LINE_BYTES {
                        return Err(line_too_long());
                    }
                }
            }
        }
    }
    fn read_byte(&mut self) -> io::Result<Option<u8>> {
        let b = self.next(|s| s.read_byte())?;
        if let (Some(b), Some(out)) = (b, self.echo) {
            out.write_bytes(&[b])?;
        }
        Ok(b)
    }
    fn read_to_end(&mut self) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = self.read_bytes(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
    fn position(&self) -> u64 {
        0
    }
    fn read_bytes(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(c) = self.pushback.pop() {
            let mut tmp = [0u8; 4];
            let enc = c.encode_utf8(&mut tmp).as_bytes();
            if enc.len() <= buf.len() {
                buf[..enc.len()].copy_from_slice(enc);
                return Ok(enc.len());
            }
            self.pushback.push(c);
        }
        loop {
            let Some(first) = self.streams.first().cloned() else {
                return Ok(0);
            };
            let n = first.with_input(|b| b.read_bytes(buf))?;
            if n > 0 {
                if let Some(out) = self.echo {
                    out.write_bytes(&buf[..n])?;
                }
                return Ok(n);
            }
            if self.keep_exhausted {
                return Ok(0);
            }
            self.streams.remove(0);
        }
    }
}

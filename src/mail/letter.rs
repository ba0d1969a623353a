//! The letter `send-letter` sends: the generated header block, the user's
//! header strings and the message part with its attachments
//! (behaviour.md §3).
//!
//! [`Letter`] holds the arguments; [`Letter::build`] checks them all and
//! makes every part (so a bad argument or a missing file fails before any
//! connection) and returns a [`BuiltLetter`], which renders the message as
//! a stream, LF line ends, no dot-stuffing (the wire layer does both).

use std::fmt;
use std::io::{self, Read, Write};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::mail::mime::header::{
    encode_value, fold_addresses, fold_at_spaces, has_line_break, is_field_name, is_raw_control,
};
use crate::mail::mime::{
    make_mime_part_with, random_boundary, FileSource, MakeMimePart, MimeError, MimePart,
    PartReader, SharedReader, Text,
};

/// The `message` argument of `send-letter`.
#[derive(Clone, Debug)]
pub enum Message {
    /// A string: a `text/plain` part (7bit, or base64 when not ASCII or a
    /// line exceeds 998 bytes).
    Text(String),
    /// A part made by `make-mime-part`, used as given.
    Part(Box<MimePart>),
    /// A file stream: exactly `(make-mime-part :file stream)`, i.e. an
    /// attachment named after the file (Allegro's behaviour).
    File(FileSource),
    /// A stream without a file (a string input stream): its remaining
    /// contents, read when the letter is built, are the text.
    TextStream(SharedStream),
}

/// A [`SharedReader`] with a `Debug` impl.
#[derive(Clone)]
pub struct SharedStream(pub SharedReader);

impl fmt::Debug for SharedStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedStream")
    }
}

/// One item of `:attachments`.
#[derive(Clone, Debug)]
pub enum Attachment {
    /// A file name or a stream: `(make-mime-part :file item)`.
    File(FileSource),
    /// A part made by `make-mime-part`, used as is.
    Part(Box<MimePart>),
}

/// The generated header fields a `:headers` line of the same name
/// replaces.
const REPLACEABLE: &[&str] = &["From", "To", "Cc", "Subject", "Reply-To"];

/// The arguments of `send-letter` that shape the message.
#[derive(Clone, Debug)]
pub struct Letter {
    /// `from`: a bare address; `""` is the null sender.
    pub from: String,
    /// `to`: at least one bare address.
    pub to: Vec<String>,
    /// `:cc`.
    pub cc: Vec<String>,
    /// `:bcc`: envelope only, unless [`bcc_header`](Self::bcc_header).
    pub bcc: Vec<String>,
    /// `:subject`.
    pub subject: Option<String>,
    /// `:reply-to`.
    pub reply_to: Option<String>,
    /// `:headers`: whole header lines, `"Name: value"`, written as given.
    pub headers: Vec<String>,
    /// The `message` argument.
    pub message: Message,
    /// `:attachments`, in the order they are to appear.
    pub attachments: Vec<Attachment>,
    /// Write a `Bcc:` header (the `:program` path, for `sendmail -t`).
    pub bcc_header: bool,
}

/// What varies from one run to the next: the date, the Message-ID, the
/// multipart boundary. Tests supply fixed values.
pub trait LetterEnv {
    /// An RFC 5322 §3.3 date for the `Date:` header.
    fn date(&mut self) -> String;
    /// A unique `<left@domain>` for the `Message-ID:` header.
    fn message_id(&mut self, domain: &str) -> String;
    /// This host's name, the Message-ID domain when `from` has none.
    fn host_name(&mut self) -> String;
    /// A fresh multipart boundary.
    fn boundary(&mut self) -> Result<String, MimeError>;
}

/// The real clock, host name and random source.
#[derive(Debug, Default)]
pub struct SystemEnv;

impl LetterEnv for SystemEnv {
    fn date(&mut self) -> String {
        local_date_now()
    }

    fn message_id(&mut self, domain: &str) -> String {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let count = COUNTER.fetch_add(1, Ordering::Relaxed);
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut random = [0u8; 8];
        let random = match getrandom::fill(&mut random) {
            Ok(()) => random.iter().map(|b| format!("{b:02x}")).collect(),
            Err(_) => String::new(),
        };
        format!("<{secs}.{}.{count}.{random}@{domain}>", process_id())
    }

    fn host_name(&mut self) -> String {
        host_name()
    }

    fn boundary(&mut self) -> Result<String, MimeError> {
        random_boundary()
    }
}

/// Why a letter cannot be built or rendered.
#[derive(Debug)]
pub enum LetterError {
    /// A `send-letter` argument is unusable.
    BadArgument {
        /// The argument: `from`, `to`, `cc`, `bcc`, `subject`, `reply-to`,
        /// `headers`, `message` or `attachments`.
        argument: &'static str,
        /// The offending value, quoted.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Making or reading the part of `argument` failed.
    Part {
        /// `message` or `attachments`.
        argument: &'static str,
        /// The MIME error.
        source: MimeError,
    },
}

impl LetterError {
    fn bad(argument: &'static str, value: &str, reason: impl Into<String>) -> Self {
        let mut shown: String = value.chars().take(80).collect();
        if shown.len() < value.len() {
            shown.push('…');
        }
        LetterError::BadArgument {
            argument,
            value: format!("{shown:?}"),
            reason: reason.into(),
        }
    }
}

impl fmt::Display for LetterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LetterError::BadArgument {
                argument,
                value,
                reason,
            } => write!(f, "send-letter: bad {argument} {value}: {reason}"),
            LetterError::Part { argument, source } => {
                write!(f, "send-letter: {argument}: {source}")
            }
        }
    }
}

impl std::error::Error for LetterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LetterError::Part { source, .. } => Some(source),
            LetterError::BadArgument { .. } => None,
        }
    }
}

impl Letter {
    /// A letter with no cc, bcc, subject, headers or attachments.
    pub fn new(from: impl Into<String>, to: Vec<String>, message: Message) -> Self {
        Letter {
            from: from.into(),
            to,
            cc: Vec::new(),
            bcc: Vec::new(),
            subject: None,
            reply_to: None,
            headers: Vec::new(),
            message,
            attachments: Vec::new(),
            bcc_header: false,
        }
    }

    /// Checks every address, header text and attachment file name
    /// (behaviour.md §3.2, §3.3): no CR, LF or NUL anywhere; addresses bare
    /// (no `<`, `>` or white space) and non-empty, except `from`, which may
    /// be `""`; `to` non-empty; header strings of the form `Name: value`.
    pub fn validate(&self) -> Result<(), LetterError> {
        if !self.from.is_empty() {
            check_address("from", &self.from)?;
        }
        if self.to.is_empty() {
            return Err(LetterError::bad(
                "to",
                "",
                "at least one recipient is needed",
            ));
        }
        for (argument, list) in [("to", &self.to), ("cc", &self.cc), ("bcc", &self.bcc)] {
            for address in list {
                check_address(argument, address)?;
            }
        }
        for (argument, value) in [("subject", &self.subject), ("reply-to", &self.reply_to)] {
            if let Some(value) = value {
                check_one_line(argument, value)?;
            }
        }
        for line in &self.headers {
            check_one_line("headers", line)?;
            if header_line_name(line).is_none() {
                return Err(LetterError::bad(
                    "headers",
                    line,
                    "a header string must be \"Name: value\"",
                ));
            }
            // Written as given: nothing may be encoded in it.
            check_no_control("headers", line)?;
            if header_line_text(line).is_none() {
                return Err(LetterError::bad(
                    "headers",
                    line,
                    "a structured header line would exceed 998 octets (RFC 5322 §2.1.1) \
                     and has no white space to fold at",
                ));
            }
        }
        let paths = self.attachments.iter().filter_map(|a| match a {
            Attachment::File(file) => file.path(),
            Attachment::Part(_) => None,
        });
        for path in paths {
            check_one_line("attachments", &path.to_string_lossy())?;
        }
        if let Message::File(file) = &self.message {
            if let Some(path) = file.path() {
                check_one_line("message", &path.to_string_lossy())?;
            }
        }
        Ok(())
    }

    /// True if an address is not ASCII, so the transaction needs RFC 6531
    /// SMTPUTF8.
    pub fn needs_smtputf8(&self) -> bool {
        std::iter::once(&self.from)
            .chain(&self.to)
            .chain(&self.cc)
            .chain(&self.bcc)
            .any(|a| !a.is_ascii())
    }

    /// The envelope recipients: to, cc, then bcc, duplicates kept.
    pub fn recipients(&self) -> Vec<String> {
        self.to
            .iter()
            .chain(&self.cc)
            .chain(&self.bcc)
            .cloned()
            .collect()
    }

    /// Validates the letter and makes its parts, with the real clock,
    /// host name and random boundaries.
    pub fn build(&self) -> Result<BuiltLetter, LetterError> {
        self.build_with(&mut SystemEnv)
    }

    /// [`build`](Self::build) with the date, Message-ID and boundaries
    /// from `env`. The caller's parts are not modified.
    pub fn build_with(&self, env: &mut dyn LetterEnv) -> Result<BuiltLetter, LetterError> {
        self.validate()?;
        let mut next_boundary = || env.boundary();
        let part = self.message_part(&mut next_boundary)?;
        let part = self.with_attachments(part, &mut next_boundary)?;

        // A From, To, Cc, Subject or Reply-To among the `:headers` replaces
        // the generated one (a deliberate difference, docs/differences.md):
        // the way to give a display name, `"From: Me <me@example.com>"`,
        // without two From fields (RFC 5322 §3.6 allows one). The envelope
        // still comes from the arguments.
        let replaced_by_user = |name: &str| {
            REPLACEABLE.iter().any(|r| r.eq_ignore_ascii_case(name))
                && self
                    .headers
                    .iter()
                    .filter_map(|h| header_line_name(h))
                    .any(|n| n.eq_ignore_ascii_case(name))
        };
        let mut block = String::new();
        let mut add = |name: &str, value: &str| {
            if part.header(name).is_none() && !replaced_by_user(name) {
                block.push_str(&format!("{name}: {value}\n"));
            }
        };
        add("From", &self.from);
        add("To", &fold_addresses(&self.to));
        if !self.cc.is_empty() {
            add("Cc", &fold_addresses(&self.cc));
        }
        if self.bcc_header && !self.bcc.is_empty() {
            add("Bcc", &fold_addresses(&self.bcc));
        }
        if let Some(subject) = &self.subject {
            add("Subject", &encode_value("Subject", subject));
        }
        if let Some(reply_to) = &self.reply_to {
            add("Reply-To", &encode_value("Reply-To", reply_to));
        }
        let user_has = |name: &str| {
            self.headers
                .iter()
                .filter_map(|h| header_line_name(h))
                .any(|n| n.eq_ignore_ascii_case(name))
                || part.header(name).is_some()
        };
        if !user_has("Date") {
            block.push_str(&format!("Date: {}\n", env.date()));
        }
        if !user_has("Message-ID") {
            let domain = match address_domain(&self.from) {
                Some(domain) => domain.to_string(),
                None => env.host_name(),
            };
            block.push_str(&format!("Message-ID: {}\n", env.message_id(&domain)));
        }
        for line in &self.headers {
            block.push_str(&header_line_text(line).unwrap_or_else(|| line.clone()));
            block.push('\n');
        }

        Ok(BuiltLetter {
            eight_bit: !block.is_ascii() || part.may_contain_8bit(),
            smtputf8: self.needs_smtputf8(),
            header_block: block.into_bytes(),
            part,
            from: self.from.clone(),
            recipients: self.recipients(),
        })
    }

    /// The message argument as a part (behaviour.md §3.1).
    fn message_part(
        &self,
        next_boundary: &mut dyn FnMut() -> Result<String, MimeError>,
    ) -> Result<MimePart, LetterError> {
        let in_message = |source| LetterError::Part {
            argument: "message",
            source,
        };
        let text_part = |text: String, next: &mut dyn FnMut() -> Result<String, MimeError>| {
            let args = MakeMimePart {
                text: Some(Text::String(text)),
                ..MakeMimePart::default()
            };
            make_mime_part_with(args, next)
        };
        match &self.message {
            Message::Part(part) => Ok(MimePart::clone(part)),
            Message::Text(text) => text_part(text.clone(), next_boundary).map_err(in_message),
            Message::File(file) => {
                let args = MakeMimePart {
                    file: Some(file.clone()),
                    ..MakeMimePart::default()
                };
                make_mime_part_with(args, next_boundary).map_err(in_message)
            }
            Message::TextStream(SharedStream(reader)) => {
                let mut bytes = Vec::new();
                let mut reader = reader.try_borrow_mut().map_err(|_| {
                    in_message(MimeError::Stream {
                        message: "the stream is in use elsewhere".to_string(),
                    })
                })?;
                reader.read_to_end(&mut bytes).map_err(|e| {
                    in_message(MimeError::Stream {
                        message: e.to_string(),
                    })
                })?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    LetterError::bad("message", "<stream>", "the stream's text is not UTF-8")
                })?;
                text_part(text, next_boundary).map_err(in_message)
            }
        }
    }

    /// The message with the attachments appended (behaviour.md §3.4): a
    /// non-MIME message becomes the first child of a new multipart/mixed;
    /// a caller's multipart/mixed is copied, never changed.
    fn with_attachments(
        &self,
        part: MimePart,
        next_boundary: &mut dyn FnMut() -> Result<String, MimeError>,
    ) -> Result<MimePart, LetterError> {
        if self.attachments.is_empty() {
            return Ok(part);
        }
        let in_attachments = |source| LetterError::Part {
            argument: "attachments",
            source,
        };
        let mut extra = Vec::with_capacity(self.attachments.len());
        for attachment in &self.attachments {
            extra.push(match attachment {
                Attachment::Part(part) => MimePart::clone(part),
                Attachment::File(file) => {
                    let args = MakeMimePart {
                        file: Some(file.clone()),
                        ..MakeMimePart::default()
                    };
                    make_mime_part_with(args, next_boundary).map_err(in_attachments)?
                }
            });
        }
        match &self.message {
            Message::Part(_) if !part.is_type("multipart", "mixed") => Err(LetterError::bad(
                "attachments",
                &format!("{}/{}", part.type_(), part.subtype()),
                "attachments are not allowed for non-multipart/mixed messages",
            )),
            Message::Part(_) => Ok(part.with_extra_parts(extra)),
            _ => {
                let mut subparts = vec![part];
                subparts.extend(extra);
                let args = MakeMimePart {
                    subparts: Some(subparts),
                    ..MakeMimePart::default()
                };
                make_mime_part_with(args, next_boundary).map_err(in_attachments)
            }
        }
    }
}

/// A checked letter, ready to render.
#[derive(Debug)]
pub struct BuiltLetter {
    header_block: Vec<u8>,
    part: MimePart,
    eight_bit: bool,
    smtputf8: bool,
    from: String,
    recipients: Vec<String>,
}

impl BuiltLetter {
    /// The generated headers and the user's header strings, LF-terminated.
    pub fn header_block(&self) -> &[u8] {
        &self.header_block
    }

    /// The part rendered after the header block.
    pub fn part(&self) -> &MimePart {
        &self.part
    }

    /// True if the rendering may hold raw bytes above 127 (RFC 6152
    /// `BODY=8BITMIME`). Conservative: raw-encoded file and stream bodies
    /// count.
    pub fn needs_8bitmime(&self) -> bool {
        self.eight_bit
    }

    /// True if an address is not ASCII (RFC 6531 `SMTPUTF8`).
    pub fn needs_smtputf8(&self) -> bool {
        self.smtputf8
    }

    /// The envelope sender (`""` = the null reverse-path).
    pub fn envelope_from(&self) -> &str {
        &self.from
    }

    /// The envelope recipients: to, cc, bcc in order.
    pub fn recipients(&self) -> &[String] {
        &self.recipients
    }

    /// Copies every stream body into a temporary file and renders the
    /// file instead, so [`reader`](Self::reader) can be called more than
    /// once with the same result (DKIM signs in a first pass). The files
    /// live as long as the returned value.
    pub fn spool_streams(&mut self) -> Result<Vec<tempfile::NamedTempFile>, MimeError> {
        let mut files = Vec::new();
        self.part.spool_streams(&mut |reader| {
            let mut file = tempfile::Builder::new()
                .prefix("sendletter-spool-")
                .tempfile()
                .map_err(|e| MimeError::Stream {
                    message: format!("cannot make a temporary file to spool a stream: {e}"),
                })?;
            let mut reader = reader.try_borrow_mut().map_err(|_| MimeError::Stream {
                message: "the stream is in use elsewhere".to_string(),
            })?;
            io::copy(&mut *reader, file.as_file_mut()).map_err(|e| MimeError::Stream {
                message: format!("spooling a stream to a temporary file: {e}"),
            })?;
            let path = file.path().to_path_buf();
            files.push(file);
            Ok(path)
        })?;
        Ok(files)
    }

    /// The whole message as a stream. Stream sources are consumed, so a
    /// letter with a stream body renders its body once.
    pub fn reader(&self) -> PartReader {
        PartReader::with_prefix(self.header_block.clone(), &self.part)
    }

    /// Writes the whole message to `out`.
    pub fn write_to<W: Write + ?Sized>(&self, out: &mut W) -> Result<(), MimeError> {
        self.reader().write_to(out)
    }

    /// The whole message in memory (tests, small messages).
    pub fn to_vec(&self) -> Result<Vec<u8>, MimeError> {
        let mut out = Vec::new();
        self.write_to(&mut out)?;
        Ok(out)
    }
}

/// Wraps any reader as a [`SharedReader`] (for sources that are not Lisp streams).
pub fn shared_reader<R: Read + 'static>(reader: R) -> SharedReader {
    Rc::new(std::cell::RefCell::new(reader))
}

fn check_one_line(argument: &'static str, value: &str) -> Result<(), LetterError> {
    if has_line_break(value) {
        return Err(LetterError::bad(
            argument,
            value,
            "it contains a line break or NUL, which would inject header lines",
        ));
    }
    Ok(())
}

/// Refuses text holding a control character other than TAB (see
/// [`is_raw_control`]), naming it.
fn check_no_control(argument: &'static str, value: &str) -> Result<(), LetterError> {
    match value.chars().find(|&c| is_raw_control(c)) {
        Some(c) => Err(LetterError::bad(
            argument,
            value,
            format!("it contains the control character U+{:04X}", u32::from(c)),
        )),
        None => Ok(()),
    }
}

/// Fields RFC 2047 words may not enter (RFC 2047 §5): addresses, message
/// ids, dates, trace and MIME fields.
const STRUCTURED_FIELDS: &[&str] = &[
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Date",
    "Return-Path",
    "Received",
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Cc",
    "Resent-Bcc",
    "Resent-Date",
    "Resent-Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Content-ID",
    "Content-Disposition",
];

/// A `:headers` string as written: folded at white space (RFC 5322
/// §3.2.2; short lines unchanged); an unstructured field with a word too
/// long for a 998-octet line gets its value as RFC 2047 words. `None`
/// for a structured field that cannot be made to fit.
fn header_line_text(line: &str) -> Option<String> {
    let (name, value) = line.split_once(':')?;
    if let Some(folded) = fold_at_spaces(name.len() + 1, value) {
        return Some(format!("{name}:{folded}"));
    }
    if STRUCTURED_FIELDS
        .iter()
        .any(|f| f.eq_ignore_ascii_case(name))
    {
        return None;
    }
    let text = value.trim_start_matches([' ', '\t']);
    Some(format!("{name}: {}", encode_value(name, text)))
}

/// The longest address that fits a 998-octet header line after
/// `Reply-To: ` and before `, `.
const MAX_ADDRESS_OCTETS: usize = 998 - "Reply-To: ".len() - ", ".len();

/// A bare address (RFC 5321 §4.1.2 path without the brackets).
fn check_address(argument: &'static str, address: &str) -> Result<(), LetterError> {
    check_one_line(argument, address)?;
    check_no_control(argument, address)?;
    // An address is never split: `Reply-To: ` and a `, ` must fit with it
    // in one 998-octet line (RFC 5322 §2.1.1; RFC 5321 §4.5.3.1.3 allows
    // paths of 256 octets).
    if address.len() > MAX_ADDRESS_OCTETS {
        return Err(LetterError::bad(
            argument,
            address,
            format!(
                "the address is {} octets long; a header line may hold at most 998 (RFC 5322 §2.1.1)",
                address.len()
            ),
        ));
    }
    if address.is_empty() {
        return Err(LetterError::bad(argument, address, "empty address"));
    }
    if address
        .chars()
        .any(|c| c == '<' || c == '>' || c.is_whitespace())
    {
        return Err(LetterError::bad(
            argument,
            address,
            "an address must be bare, \"user\" or \"user@host\", without <, > or spaces",
        ));
    }
    Ok(())
}

/// The field name of a `Name: value` header string, if it is one.
fn header_line_name(line: &str) -> Option<&str> {
    let (name, _) = line.split_once(':')?;
    is_field_name(name).then_some(name)
}

/// The domain of `user@domain`, if it looks like a host name.
fn address_domain(address: &str) -> Option<&str> {
    let (_, domain) = address.rsplit_once('@')?;
    let plausible = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
    plausible.then_some(domain)
}

/// The process id, read once (the process never forks without exec).
fn process_id() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// This host's name, or `localhost`.
fn host_name() -> String {
    match crate::host::name() {
        Some(name)
            if !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.') =>
        {
            name.to_string()
        }
        _ => "localhost".to_string(),
    }
}

/// Broken-down time for [`format_date`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateParts {
    /// Full year.
    pub year: i64,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// 0–23.
    pub hour: u32,
    /// 0–59.
    pub minute: u32,
    /// 0–60.
    pub second: u32,
    /// Offset from UTC in seconds, east positive.
    pub offset: i64,
}

/// An RFC 5322 §3.3 date, `Tue, 01 Dec 2026 09:00:00 +0100`; UTC is
/// `+0000`, never `-0000` (which means "zone unknown").
pub fn format_date(d: DateParts) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day_name = DAYS.get(d.weekday as usize).copied().unwrap_or("Sun");
    let month_name = MONTHS
        .get((d.month as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("Jan");
    let sign = if d.offset < 0 { '-' } else { '+' };
    let minutes = d.offset.abs() / 60;
    format!(
        "{day_name}, {:02} {month_name} {:04} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        d.day,
        d.year,
        d.hour,
        d.minute,
        d.second,
        minutes / 60,
        minutes % 60
    )
}

/// The current time in the local zone, formatted by [`format_date`].
pub fn local_date_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let now_t = libc::time_t::try_from(now).unwrap_or(0);
    // SAFETY: localtime_r only writes the zeroed `tm` it is given.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    let ok = !unsafe { libc::localtime_r(&now_t, &mut tm) }.is_null();
    if !ok {
        return format_date(utc_parts(now));
    }
    #[allow(clippy::useless_conversion)] // `c_long` is `i32` on 32-bit targets
    let offset = i64::from(tm.tm_gmtoff);
    format_date(DateParts {
        year: i64::from(tm.tm_year) + 1900,
        month: u32::try_from(tm.tm_mon + 1).unwrap_or(1),
        day: u32::try_from(tm.tm_mday).unwrap_or(1),
        weekday: u32::try_from(tm.tm_wday).unwrap_or(0),
        hour: u32::try_from(tm.tm_hour).unwrap_or(0),
        minute: u32::try_from(tm.tm_min).unwrap_or(0),
        second: u32::try_from(tm.tm_sec).unwrap_or(0),
        offset,
    })
}

/// UTC broken-down time (days-to-civil, Howard Hinnant's algorithm).
pub(crate) fn utc_parts(secs: u64) -> DateParts {
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    DateParts {
        year,
        month: u32::try_from(month).unwrap_or(1),
        day: u32::try_from(day).unwrap_or(1),
        weekday: u32::try_from((days + 4).rem_euclid(7)).unwrap_or(0),
        hour: u32::try_from(rem / 3600).unwrap_or(0),
        minute: u32::try_from(rem % 3600 / 60).unwrap_or(0),
        second: u32::try_from(rem % 60).unwrap_or(0),
        offset: 0,
    }
}

impl From<LetterError> for io::Error {
    fn from(err: LetterError) -> Self {
        io::Error::other(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_headers_field_replaces_the_generated_one_but_not_the_envelope() {
        let mut letter = Letter::new(
            "me@example.com",
            vec!["you@example.com".into()],
            Message::Text("hi".into()),
        );
        letter.subject = Some("generated".into());
        letter.headers = vec![
            "From: Me Myself <me@example.com>".into(),
            "subject: mine".into(),
            "X-Other: kept".into(),
        ];
        let built = letter.build().expect("builds");
        let block = String::from_utf8_lossy(built.header_block()).into_owned();
        assert_eq!(block.matches("From:").count(), 1, "{block}");
        assert!(
            block.contains("From: Me Myself <me@example.com>\n"),
            "{block}"
        );
        assert!(!block.contains("generated"), "{block}");
        assert!(block.contains("subject: mine\n"), "{block}");
        assert!(block.contains("To: you@example.com\n"), "{block}");
        assert!(block.contains("X-Other: kept\n"), "{block}");
        assert_eq!(built.envelope_from(), "me@example.com");
        assert_eq!(built.recipients(), ["you@example.com".to_string()]);

        letter.headers = vec!["From: Me <me@example.com>\nBcc: victim@example.com".into()];
        assert!(
            letter.build().is_err(),
            "a line break in a header is refused"
        );
    }

    #[test]
    fn dates_use_a_numeric_zone_never_minus_zero() {
        let d = utc_parts(1_796_112_000); // 2026-12-01 08:00:00 UTC, a Tuesday
        assert_eq!(format_date(d), "Tue, 01 Dec 2026 08:00:00 +0000");
        let east = DateParts {
            offset: 3600,
            hour: 9,
            ..d
        };
        assert_eq!(format_date(east), "Tue, 01 Dec 2026 09:00:00 +0100");
        let west = DateParts {
            offset: -(5 * 3600 + 30 * 60),
            ..d
        };
        assert!(format_date(west).ends_with(" -0530"));
    }

    #[test]
    fn local_date_has_rfc_5322_shape() {
        let date = local_date_now();
        assert_eq!(
            date.len(),
            "Tue, 01 Dec 2026 09:00:00 +0100".len(),
            "{date}"
        );
        assert!(!date.ends_with("-0000"));
    }

    #[test]
    fn message_ids_are_unique_and_bracketed() {
        let mut env = SystemEnv;
        let a = env.message_id("example.com");
        let b = env.message_id("example.com");
        assert_ne!(a, b);
        assert!(a.starts_with('<') && a.ends_with("@example.com>"));
    }

    #[test]
    fn header_strings_fold_encode_or_refuse() {
        assert_eq!(header_line_text("X-A: b").unwrap(), "X-A: b");
        let long = format!("X-Note: {}", "n".repeat(2000));
        let text = header_line_text(&long).unwrap();
        assert!(text.starts_with("X-Note: =?utf-8?B?"));
        assert!(text.split('\n').all(|l| l.len() <= 78));
        let refs = format!("References: <{}@x>", "r".repeat(2000));
        assert_eq!(header_line_text(&refs), None);
        let spaced = format!("References: {}", vec!["<a@b>"; 300].join(" "));
        let text = header_line_text(&spaced).unwrap();
        assert_eq!(text.replace('\n', ""), spaced);
        assert!(text.split('\n').all(|l| l.len() <= 78));
        let huge = format!("{}@example.com", "a".repeat(5000));
        assert!(check_address("to", &huge).is_err());
        assert!(check_address("to", &"a".repeat(MAX_ADDRESS_OCTETS)).is_ok());
        assert!(
            check_no_control("to", "a@b").is_ok() && check_no_control("to", "a\u{1b}@b").is_err()
        );
    }

    #[test]
    fn address_domains() {
        assert_eq!(address_domain("me@example.com"), Some("example.com"));
        assert_eq!(address_domain("jkf"), None);
        assert_eq!(address_domain(""), None);
        assert_eq!(address_domain("a@"), None);
    }
}

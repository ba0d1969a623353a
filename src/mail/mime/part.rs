//! The MIME part type and `make-mime-part` (behaviour.md §4,
//! allegro-reference §5.3).

use std::cell::RefCell;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::header::{fold_at_spaces, has_line_break, has_raw_control, is_field_name, is_token};
use super::types::content_type_for_path;
use super::MimeError;

/// A readable byte stream shared with the caller (the Lisp layer wraps its
/// own stream objects in one). Rendering reads it to EOF and leaves it open.
pub type SharedReader = Rc<RefCell<dyn Read>>;

/// Where a part's body comes from. Files and streams are read while the
/// part is rendered, never held in memory.
#[derive(Clone, Default)]
pub enum Source {
    /// No body (multiparts).
    #[default]
    Empty,
    /// Bytes in memory (`:text`).
    Bytes(Rc<[u8]>),
    /// A file, opened when the part is rendered.
    File(PathBuf),
    /// A stream, read from its current position to EOF when rendered.
    Stream(SharedReader),
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Empty => f.write_str("Empty"),
            Source::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Source::File(p) => f.debug_tuple("File").field(p).finish(),
            Source::Stream(_) => f.write_str("Stream"),
        }
    }
}

/// The `Content-Disposition` of a part (RFC 2183).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// `inline`: non-text parts that are not attachments.
    Inline,
    /// `attachment`: file parts, or parts made with `:attachmentp t`.
    Attachment,
}

impl Disposition {
    /// The header value.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Inline => "inline",
            Disposition::Attachment => "attachment",
        }
    }
}

/// A constructed MIME part: Allegro's `mime-part-constructed`.
///
/// Made only by [`make_mime_part`], so its header text never holds a line
/// break, a multipart always has a boundary and a leaf always has a source.
#[derive(Clone, Debug)]
pub struct MimePart {
    type_: String,
    subtype: String,
    parameters: Vec<(String, String)>,
    id: Option<String>,
    description: Option<String>,
    encoding: Option<String>,
    headers: Vec<(String, String)>,
    parts: Vec<MimePart>,
    boundary: Option<String>,
    disposition: Option<Disposition>,
    disposition_name: Option<String>,
    source: Source,
}

impl MimePart {
    /// The media type, e.g. `text` (`mime-part-type`).
    pub fn type_(&self) -> &str {
        &self.type_
    }

    /// The subtype: everything after the first `/` of the content type
    /// (`mime-part-subtype`).
    pub fn subtype(&self) -> &str {
        &self.subtype
    }

    /// Content-Type parameters in written order: boundary, charset, then
    /// the caller's (`mime-part-parameters`).
    pub fn parameters(&self) -> &[(String, String)] {
        &self.parameters
    }

    /// The `Content-Id` value, written as given (`mime-part-id`).
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The `Content-Description` value (`mime-part-description`).
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The `Content-Transfer-Encoding`, none for multiparts
    /// (`mime-part-encoding`).
    pub fn encoding(&self) -> Option<&str> {
        self.encoding.as_deref()
    }

    /// The caller's headers, `(name, value)` in order (`mime-part-headers`).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The subparts of a multipart (`mime-part-parts`).
    pub fn parts(&self) -> &[MimePart] {
        &self.parts
    }

    /// The multipart boundary (`mime-part-boundary`).
    pub fn boundary(&self) -> Option<&str> {
        self.boundary.as_deref()
    }

    /// The disposition, if one is written.
    pub fn disposition(&self) -> Option<Disposition> {
        self.disposition
    }

    /// The `filename` parameter of the disposition.
    pub fn disposition_name(&self) -> Option<&str> {
        self.disposition_name.as_deref()
    }

    /// Where the body comes from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// True for `multipart/*` (case-insensitive).
    pub fn is_multipart(&self) -> bool {
        self.type_.eq_ignore_ascii_case("multipart")
    }

    /// True if the content type is `type/subtype`, case-insensitively.
    pub fn is_type(&self, type_: &str, subtype: &str) -> bool {
        self.type_.eq_ignore_ascii_case(type_) && self.subtype.eq_ignore_ascii_case(subtype)
    }

    /// The value of the caller's header `name`, case-insensitive
    /// (`mime-get-header`).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A copy of this multipart with `extra` appended to its subparts; the
    /// original is not touched (send-letter's attachments).
    pub(crate) fn with_extra_parts(&self, extra: Vec<MimePart>) -> MimePart {
        let mut copy = self.clone();
        copy.parts.extend(extra);
        copy
    }

    /// Replaces every stream body in the tree by the file `spool` copies
    /// it into, so the part renders the same bytes more than once (DKIM's
    /// first pass). Parts are nested no deeper than a script built them.
    pub(crate) fn spool_streams(
        &mut self,
        spool: &mut dyn FnMut(&SharedReader) -> Result<PathBuf, MimeError>,
    ) -> Result<(), MimeError> {
        if let Source::Stream(reader) = &self.source {
            self.source = Source::File(spool(reader)?);
        }
        for child in &mut self.parts {
            child.spool_streams(spool)?;
        }
        Ok(())
    }

    /// True if rendering may put bytes above 127 on the wire unencoded
    /// (the reason for RFC 6152 `BODY=8BITMIME`). File and stream bodies
    /// with a raw encoding are assumed to.
    pub fn may_contain_8bit(&self) -> bool {
        if self.is_multipart() {
            return self.parts.iter().any(MimePart::may_contain_8bit);
        }
        let encoded = self.encoding.as_deref().is_some_and(|e| {
            e.eq_ignore_ascii_case("base64") || e.eq_ignore_ascii_case("quoted-printable")
        });
        if encoded {
            return false;
        }
        match &self.source {
            Source::Empty => false,
            Source::Bytes(bytes) => !bytes.is_ascii(),
            Source::File(_) | Source::Stream(_) => true,
        }
    }
}

/// The `:text` argument: a string (encoded with `:external-format`) or
/// octets (used as they are).
#[derive(Clone, Debug)]
pub enum Text {
    /// A Lisp string.
    String(String),
    /// A Lisp `(unsigned-byte 8)` vector.
    Octets(Vec<u8>),
}

/// The `:file` argument: a file name, or an open stream (with the file
/// name it was opened on, if any, for the content type and `filename`).
#[derive(Clone)]
pub enum FileSource {
    /// A file name; the file is checked to be readable at construction.
    Path(PathBuf),
    /// An open input stream.
    Stream {
        /// The stream, read to EOF when the part is rendered.
        reader: SharedReader,
        /// The stream's file name, if it has one.
        path: Option<PathBuf>,
    },
}

impl fmt::Debug for FileSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileSource::Path(p) => f.debug_tuple("Path").field(p).finish(),
            FileSource::Stream { path, .. } => {
                f.debug_struct("Stream").field("path", path).finish()
            }
        }
    }
}

impl FileSource {
    /// The file name, if known.
    pub fn path(&self) -> Option<&Path> {
        match self {
            FileSource::Path(p) => Some(p),
            FileSource::Stream { path, .. } => path.as_deref(),
        }
    }
}

/// The keyword arguments of `make-mime-part`; `None` = not supplied.
#[derive(Clone, Debug, Default)]
pub struct MakeMimePart {
    /// `:content-type`, `"type/subtype"`.
    pub content_type: Option<String>,
    /// `:encoding`, the Content-Transfer-Encoding.
    pub encoding: Option<String>,
    /// `:headers`, `(name, value)` pairs written before Content-Type.
    pub headers: Option<Vec<(String, String)>>,
    /// `:attachmentp`; `None` = not supplied (then true with `:file`).
    pub attachmentp: Option<bool>,
    /// `:name`, the disposition's file name.
    pub name: Option<String>,
    /// `:text`.
    pub text: Option<Text>,
    /// `:start` into `:text` (characters of a string, bytes of octets).
    pub start: Option<usize>,
    /// `:end` into `:text`.
    pub end: Option<usize>,
    /// `:file`.
    pub file: Option<FileSource>,
    /// `:subparts`.
    pub subparts: Option<Vec<MimePart>>,
    /// `:external-format`, a Lisp external-format name such as `utf8`,
    /// `latin1`, `ascii` (a leading `:` is ignored).
    pub external_format: Option<String>,
    /// `:parameters`, extra Content-Type parameters.
    pub parameters: Option<Vec<(String, String)>>,
    /// `:charset`.
    pub charset: Option<String>,
    /// `:id`, the Content-Id.
    pub id: Option<String>,
    /// `:description`, the Content-Description.
    pub description: Option<String>,
}

/// `make-mime-part`: a part with Allegro's defaults; a multipart gets a
/// random boundary from [`random_boundary`].
pub fn make_mime_part(args: MakeMimePart) -> Result<MimePart, MimeError> {
    make_mime_part_with(args, &mut random_boundary)
}

/// [`make_mime_part`] with the boundary of a multipart taken from
/// `next_boundary` (deterministic tests, or a caller's own source).
pub fn make_mime_part_with(
    args: MakeMimePart,
    next_boundary: &mut dyn FnMut() -> Result<String, MimeError>,
) -> Result<MimePart, MimeError> {
    if args.text.is_some() && args.file.is_some() {
        return Err(MimeError::bad(
            "text",
            "",
            "only one of :text or :file may be specified",
        ));
    }
    let file_path = args.file.as_ref().and_then(FileSource::path);
    let has_subparts = args.subparts.as_ref().is_some_and(|p| !p.is_empty());

    let content_type = match &args.content_type {
        Some(ct) => ct.clone(),
        None => default_content_type(&args, file_path, has_subparts).to_string(),
    };
    let (type_, subtype) = split_content_type(&content_type)?;
    let multipart = type_.eq_ignore_ascii_case("multipart");
    let textp = type_.eq_ignore_ascii_case("text")
        || (type_.eq_ignore_ascii_case("message") && subtype.eq_ignore_ascii_case("rfc822"));

    if has_subparts && !multipart {
        return Err(MimeError::bad(
            "subparts",
            &content_type,
            "subparts may not be specified for non-multipart parts",
        ));
    }
    if !multipart && args.text.is_none() && args.file.is_none() {
        return Err(MimeError::bad(
            "content-type",
            &content_type,
            "one of :text or :file must be specified",
        ));
    }

    let external_format = ExternalFormat::parse(args.external_format.as_deref())?;
    let charset = match &args.charset {
        Some(cs) => Some(checked_value("charset", cs)?.to_string()),
        None if textp => Some(external_format.charset()),
        None => None,
    };

    let octets = match &args.text {
        Some(text) => Some(text_octets(text, args.start, args.end, &external_format)?),
        None => None,
    };

    let encoding = match &args.encoding {
        Some(enc) => {
            let enc = checked_value("encoding", enc)?;
            // RFC 2045 §6.4: a multipart may only be 7bit, 8bit or binary.
            let identity = ["7bit", "8bit", "binary"]
                .iter()
                .any(|e| e.eq_ignore_ascii_case(enc));
            if multipart && !identity {
                return Err(MimeError::bad(
                    "encoding",
                    enc,
                    "a multipart can only be 7bit, 8bit or binary (RFC 2045 §6.4)",
                ));
            }
            Some(enc.to_string())
        }
        None if multipart => None,
        None => {
            let seven_bit = matches!(args.text, Some(Text::String(_)))
                && octets.as_deref().is_some_and(is_7bit_text);
            Some(if seven_bit { "7bit" } else { "base64" }.to_string())
        }
    };

    let mut parameters = Vec::new();
    if multipart {
        parameters.push(("boundary".to_string(), String::new()));
    }
    if let Some(cs) = &charset {
        parameters.push(("charset".to_string(), cs.clone()));
    }
    for (key, value) in args.parameters.iter().flatten() {
        if !is_token(key) {
            return Err(MimeError::bad(
                "parameters",
                key,
                "a parameter name must be a token (RFC 2045 §5.1)",
            ));
        }
        parameters.push((key.clone(), checked_value("parameters", value)?.to_string()));
    }

    let mut headers = Vec::new();
    for (name, value) in args.headers.iter().flatten() {
        if !is_field_name(name) {
            return Err(MimeError::bad(
                "headers",
                name,
                "a header name must be printable ASCII without `:` (RFC 5322 §3.6.8)",
            ));
        }
        headers.push((name.clone(), checked_value("headers", value)?.to_string()));
    }

    let id = args
        .id
        .as_deref()
        .map(|v| checked_value("id", v))
        .transpose()?;
    if let Some(id) = id {
        // A msg-id (RFC 5322 §3.6.4) is written as given: it cannot be
        // encoded, and folds only at white space.
        if has_raw_control(id) {
            return Err(MimeError::bad("id", id, "it contains a control character"));
        }
        if fold_at_spaces("Content-Id: ".len(), id).is_none() {
            return Err(MimeError::bad(
                "id",
                id,
                "the Content-Id line would exceed 998 octets (RFC 5322 §2.1.1)",
            ));
        }
    }
    let description = args
        .description
        .as_deref()
        .map(|v| checked_value("description", v))
        .transpose()?;

    let source = match (&args.file, octets) {
        (Some(FileSource::Path(path)), _) => {
            check_readable(path)?;
            Source::File(path.clone())
        }
        (Some(FileSource::Stream { reader, .. }), _) => Source::Stream(Rc::clone(reader)),
        (None, Some(octets)) => Source::Bytes(octets.into()),
        (None, None) => Source::Empty,
    };

    let attachmentp = args.attachmentp.unwrap_or(args.file.is_some());
    let disposition = if attachmentp {
        Some(Disposition::Attachment)
    } else if !textp && !multipart {
        Some(Disposition::Inline)
    } else {
        None
    };
    let disposition_name = match &args.name {
        Some(name) => Some(checked_value("name", name)?.to_string()),
        None if attachmentp => match file_path.and_then(Path::file_name) {
            Some(base) => {
                let base = base.to_string_lossy();
                Some(checked_value("file", &base)?.to_string())
            }
            None => None,
        },
        None => None,
    };

    let boundary = if multipart {
        let boundary = next_boundary()?;
        if let Some(first) = parameters.first_mut() {
            first.1 = boundary.clone();
        }
        Some(boundary)
    } else {
        None
    };

    Ok(MimePart {
        type_: type_.to_string(),
        subtype: subtype.to_string(),
        parameters,
        id: id.map(str::to_string),
        description: description.map(str::to_string),
        encoding,
        headers,
        parts: args.subparts.unwrap_or_default(),
        boundary,
        disposition,
        disposition_name,
        source,
    })
}

/// A fresh boundary: `----------_` and 32 random characters of 0-9a-f
/// (RFC 2046 §5.1.1 allows up to 70 characters).
pub fn random_boundary() -> Result<String, MimeError> {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut random = [0u8; 32];
    getrandom::fill(&mut random).map_err(|e| MimeError::Random(e.to_string()))?;
    let mut boundary = String::from("----------_");
    boundary.extend(
        random
            .iter()
            .map(|b| char::from(DIGITS[usize::from(b & 0xf)])),
    );
    Ok(boundary)
}

fn default_content_type(
    args: &MakeMimePart,
    file_path: Option<&Path>,
    has_subparts: bool,
) -> &'static str {
    if let Some(ct) = file_path.and_then(content_type_for_path) {
        return ct;
    }
    if has_subparts {
        "multipart/mixed"
    } else if args.file.is_some() {
        "application/octet-stream"
    } else if matches!(args.text, Some(Text::String(_))) {
        "text/plain"
    } else {
        // Octet text, or nothing (which is then refused, as in Allegro).
        "application/octet-stream"
    }
}

/// Splits at the first `/`; everything after it is the subtype.
fn split_content_type(content_type: &str) -> Result<(&str, &str), MimeError> {
    if has_line_break(content_type) || has_raw_control(content_type) {
        return Err(MimeError::bad(
            "content-type",
            content_type,
            "it contains a line break or control character",
        ));
    }
    match content_type.split_once('/') {
        Some((t, s)) if !t.trim().is_empty() && !s.trim().is_empty() => Ok((t, s)),
        _ => Err(MimeError::bad(
            "content-type",
            content_type,
            "expected \"type/subtype\"",
        )),
    }
}

/// Refuses header text with CR, LF or NUL.
fn checked_value<'a>(argument: &'static str, value: &'a str) -> Result<&'a str, MimeError> {
    if has_line_break(value) {
        return Err(MimeError::bad(
            argument,
            value,
            "it contains a line break or NUL, which would inject header lines",
        ));
    }
    Ok(value)
}

/// Opens and closes the file now, so a missing file fails before anything
/// is sent (as Allegro does).
fn check_readable(path: &Path) -> Result<(), MimeError> {
    let file = std::fs::File::open(path).map_err(|e| MimeError::file(path, &e))?;
    let meta = file.metadata().map_err(|e| MimeError::file(path, &e))?;
    if meta.is_dir() {
        return Err(MimeError::File {
            path: path.to_path_buf(),
            message: "is a directory".to_string(),
        });
    }
    Ok(())
}

/// 7bit per RFC 5322 §2.1.1 and RFC 2045 §2.7: ASCII, lines ≤ 998 bytes.
fn is_7bit_text(octets: &[u8]) -> bool {
    octets.is_ascii() && octets.split(|&b| b == b'\n').all(|line| line.len() <= 998)
}

/// The bytes of `:text` over `[start, end)`.
fn text_octets(
    text: &Text,
    start: Option<usize>,
    end: Option<usize>,
    external_format: &ExternalFormat,
) -> Result<Vec<u8>, MimeError> {
    let bounds = |len: usize| -> Result<(usize, usize), MimeError> {
        let s = start.unwrap_or(0);
        let e = end.unwrap_or(len);
        if e > len {
            return Err(MimeError::bad(
                "end",
                &e.to_string(),
                format!("beyond the text's length {len}"),
            ));
        }
        if s > e {
            return Err(MimeError::bad(
                "start",
                &s.to_string(),
                format!("greater than :end {e}"),
            ));
        }
        Ok((s, e))
    };
    match text {
        Text::Octets(octets) => {
            let (s, e) = bounds(octets.len())?;
            Ok(octets[s..e].to_vec())
        }
        Text::String(string) => {
            let (s, e) = bounds(string.chars().count())?;
            external_format.encode(string.chars().skip(s).take(e - s))
        }
    }
}

/// The external formats `:text` strings can be encoded with.
#[derive(Debug)]
enum ExternalFormat {
    Utf8,
    Latin1,
    Ascii,
    /// Known by name for the charset label only.
    Other(String),
}

impl ExternalFormat {
    fn parse(name: Option<&str>) -> Result<Self, MimeError> {
        let Some(name) = name else {
            return Ok(ExternalFormat::Utf8);
        };
        let bare = name.trim_start_matches(':').to_ascii_lowercase();
        Ok(match bare.as_str() {
            "utf8" | "utf-8" | "default" => ExternalFormat::Utf8,
            "latin1" | "latin-1" | "iso8859-1" | "iso-8859-1" => ExternalFormat::Latin1,
            "ascii" | "us-ascii" => ExternalFormat::Ascii,
            "" => return Err(MimeError::bad("external-format", name, "empty name")),
            _ => ExternalFormat::Other(bare),
        })
    }

    /// The MIME charset for the format, by Allegro's mapping.
    fn charset(&self) -> String {
        match self {
            ExternalFormat::Utf8 => "utf-8".into(),
            ExternalFormat::Latin1 => "iso-8859-1".into(),
            ExternalFormat::Ascii => "us-ascii".into(),
            ExternalFormat::Other(name) => {
                let name = name.strip_suffix("-base").unwrap_or(name);
                match name {
                    "iso-2022-jp" => "iso-2022-jp".into(),
                    "koi8-r" => "koi8-r".into(),
                    "shiftjis" => "shift_jis".into(),
                    "euc" => "euc-jp".into(),
                    "gb2312" => "gb2312".into(),
                    "big5" => "big5".into(),
                    _ => match name.strip_prefix("iso8859-") {
                        Some(n) => format!("iso-8859-{n}"),
                        None if name.bytes().all(|b| b.is_ascii_digit()) => {
                            format!("windows-{name}")
                        }
                        None => "us-ascii".into(),
                    },
                }
            }
        }
    }

    fn encode(&self, chars: impl Iterator<Item = char>) -> Result<Vec<u8>, MimeError> {
        let mut out = Vec::new();
        let limit = match self {
            ExternalFormat::Utf8 => {
                let s: String = chars.collect();
                return Ok(s.into_bytes());
            }
            ExternalFormat::Latin1 => 0xff,
            ExternalFormat::Ascii => 0x7f,
            ExternalFormat::Other(name) => return Err(MimeError::bad(
                "external-format",
                name,
                "cannot encode :text strings with it; use utf8, latin1 or ascii, or give octets",
            )),
        };
        for c in chars {
            match u8::try_from(u32::from(c)) {
                Ok(b) if u32::from(b) <= limit => out.push(b),
                _ => {
                    return Err(MimeError::bad(
                        "text",
                        &c.to_string(),
                        format!("character not representable in {self:?}"),
                    ))
                }
            }
        }
        Ok(out)
    }
}

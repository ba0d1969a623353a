//! The Lisp face of MIME construction (package `NET.POST-OFFICE`):
//! `make-mime-part`, the `mime-part-*` accessors, `mime-get-header`,
//! `mime-part-writer` and `with-mime-part-constructed-stream`. Arguments are
//! translated into `mail::mime::MakeMimePart`; the engine does the rest.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use super::args::{self, type_err};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::cl_sym;
use crate::eval::stream::{Stream, StreamReader};
use crate::eval::value::{HostObject, Value};
use crate::eval::{Interp, LResult};
use crate::mail::mime::{self, FileSource, MakeMimePart, MimeError, MimePart, SharedReader, Text};

/// A `mime-part-constructed` object.
pub struct MimePartObj(pub RefCell<MimePart>);

impl HostObject for MimePartObj {
    fn type_name(&self) -> &str {
        "MIME-PART-CONSTRUCTED"
    }
    fn describe(&self) -> String {
        let p = self.0.borrow();
        format!("{}/{}", p.type_(), p.subtype())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

const PO: &str = "NET.POST-OFFICE";

pub const BUILTINS: &[BuiltinDef] = &[
    def!("NET.POST-OFFICE" : "MAKE-MIME-PART", "(&key content-type encoding headers attachmentp name text start end file subparts external-format parameters charset id description)", 0, MANY, make_mime_part, "Make a MIME part (a mime-part-constructed) for send-letter's message or :attachments."),
    def!("NET.POST-OFFICE" : "MIME-PART-P", "(object)", 1, 1, mime_part_p, "True if OBJECT is a MIME part."),
    def!("NET.POST-OFFICE" : "MIME-PART-CONSTRUCTED-P", "(object)", 1, 1, mime_part_p, "True if OBJECT is a MIME part made by make-mime-part."),
    def!("NET.POST-OFFICE" : "MIME-PART-TYPE", "(part)", 1, 1, part_type, "The content type of PART, e.g. \"text\"."),
    def!("NET.POST-OFFICE" : "MIME-PART-SUBTYPE", "(part)", 1, 1, part_subtype, "The content subtype of PART, e.g. \"plain\"."),
    def!("NET.POST-OFFICE" : "MIME-PART-PARAMETERS", "(part)", 1, 1, part_parameters, "The Content-Type parameters of PART, an alist of strings."),
    def!("NET.POST-OFFICE" : "MIME-PART-ID", "(part)", 1, 1, part_id, "The Content-Id of PART, or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-DESCRIPTION", "(part)", 1, 1, part_description, "The Content-Description of PART, or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-ENCODING", "(part)", 1, 1, part_encoding, "The Content-Transfer-Encoding of PART, or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-HEADERS", "(part)", 1, 1, part_headers, "The extra headers of PART, an alist of strings."),
    def!("NET.POST-OFFICE" : "MIME-PART-PARTS", "(part)", 1, 1, part_parts, "The subparts of a multipart PART."),
    def!("NET.POST-OFFICE" : "MIME-PART-BOUNDARY", "(part)", 1, 1, part_boundary, "The boundary of a multipart PART, or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-DISPOSITION", "(part)", 1, 1, part_disposition, "The Content-Disposition of PART: \"attachment\", \"inline\" or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-DISPOSITION-NAME", "(part)", 1, 1, part_disposition_name, "The file name of PART's disposition, or NIL."),
    def!("NET.POST-OFFICE" : "MIME-GET-HEADER", "(name part)", 2, 2, mime_get_header, "The value of header NAME of PART (case-insensitive), or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-WRITER", "(part &key stream)", 1, MANY, mime_part_writer, "Write the rendering of PART (with MIME-Version) to STREAM (default *standard-output*)."),
    def!("SENDLETTER" : "%MIME-PART-STREAM", "(part)", 1, 1, mime_part_stream, "An input stream of PART's rendering."),
];

/// Extract the engine's part from a Lisp value.
pub fn part_of(v: &Value) -> Option<MimePart> {
    match v {
        Value::Object(o) => o
            .as_any()
            .downcast_ref::<MimePartObj>()
            .map(|p| p.0.borrow().clone()),
        _ => None,
    }
}

pub fn part_value(p: MimePart) -> Value {
    Value::Object(Rc::new(Box::new(MimePartObj(RefCell::new(p)))))
}

fn need_part(it: &mut Interp, v: &Value) -> LResult<MimePart> {
    match part_of(v) {
        Some(p) => Ok(p),
        None => type_err(it, v, "NET.POST-OFFICE::MIME-PART-CONSTRUCTED"),
    }
}

/// A Lisp input stream shared with the engine, which reads it while it
/// renders (so large files are streamed, never held in memory).
pub fn shared_stream_reader(s: &Rc<Stream>) -> SharedReader {
    Rc::new(RefCell::new(StreamReader(s.clone())))
}

/// A file argument: a string or pathname names a file; a stream is read.
pub fn file_source(it: &mut Interp, v: &Value) -> LResult<FileSource> {
    match v {
        Value::String(s) => Ok(FileSource::Path(PathBuf::from(s.borrow().as_str()))),
        Value::Pathname(p) => Ok(FileSource::Path(PathBuf::from(p.namestring()))),
        Value::Stream(s) if s.is_input() => Ok(FileSource::Stream {
            reader: shared_stream_reader(s),
            path: s.path.as_ref().map(PathBuf::from),
        }),
        _ => type_err(it, v, "(OR STRING PATHNAME STREAM)"),
    }
}

/// Turn a MIME engine error into a Lisp condition: `file-error` for files,
/// `simple-error` naming the argument otherwise.
pub fn mime_condition(it: &mut Interp, e: &MimeError) -> Value {
    match e {
        MimeError::File { path, .. } => file_error(it, &path.to_string_lossy(), &e.to_string()),
        _ => it.make_error("SIMPLE-ERROR", &e.to_string()),
    }
}

pub fn file_error(it: &mut Interp, path: &str, message: &str) -> Value {
    it.make_condition(
        "FILE-ERROR",
        &[
            (
                "PATHNAME",
                Value::Pathname(Rc::new(crate::eval::value::Pathname::parse(path))),
            ),
            ("FORMAT-CONTROL", Value::string(message.replace('~', "~~"))),
        ],
    )
}

fn opt_string(it: &mut Interp, v: Option<Value>) -> LResult<Option<String>> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => args::designator(it, &v).map(Some),
    }
}

/// An alist of (name . value) strings, or a list of (name value) lists.
fn string_pairs(it: &mut Interp, v: &Value, what: &str) -> LResult<Vec<(String, String)>> {
    let mut out = Vec::new();
    for item in args::list(it, v)? {
        let (k, val) = if item.cdr().is_cons() {
            (item.car(), item.cdr().car())
        } else {
            (item.car(), item.cdr())
        };
        if !item.is_cons() {
            return it.simple_error(format!(
                "make-mime-part: {what} must be a list of (name . value) pairs, got {}",
                crate::printer::prin1_to_string(&item)
            ));
        }
        let k = args::designator(it, &k)?;
        let val = match &val {
            Value::String(s) => s.borrow().clone(),
            other => crate::printer::princ_to_string(other),
        };
        out.push((k, val));
    }
    Ok(out)
}

fn make_mime_part(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let keys = [
        "CONTENT-TYPE",
        "ENCODING",
        "HEADERS",
        "ATTACHMENTP",
        "NAME",
        "TEXT",
        "START",
        "END",
        "FILE",
        "SUBPARTS",
        "EXTERNAL-FORMAT",
        "PARAMETERS",
        "CHARSET",
        "ID",
        "DESCRIPTION",
    ];
    let kws = args::keywords(it, a, &keys, "MAKE-MIME-PART")?;
    let get = |k: &str| args::kw(&kws, k);
    let mut m = MakeMimePart {
        content_type: opt_string(it, get("CONTENT-TYPE"))?,
        encoding: opt_string(it, get("ENCODING"))?,
        name: opt_string(it, get("NAME"))?,
        external_format: opt_string(it, get("EXTERNAL-FORMAT"))?,
        charset: opt_string(it, get("CHARSET"))?,
        id: opt_string(it, get("ID"))?,
        description: opt_string(it, get("DESCRIPTION"))?,
        ..MakeMimePart::default()
    };
    if let Some(h) = get("HEADERS") {
        m.headers = Some(string_pairs(it, &h, ":headers")?);
    }
    if let Some(p) = get("PARAMETERS") {
        m.parameters = Some(string_pairs(it, &p, ":parameters")?);
    }
    m.attachmentp = get("ATTACHMENTP").map(|v| v.truthy());
    m.start = args::opt_index(it, get("START").as_ref())?;
    m.end = args::opt_index(it, get("END").as_ref())?;
    match get("TEXT") {
        None | Some(Value::Nil) => {}
        Some(Value::String(s)) => m.text = Some(Text::String(s.borrow().clone())),
        Some(Value::Bytes(b)) => m.text = Some(Text::Octets(b.borrow().clone())),
        Some(Value::Vector(v)) => {
            let mut bytes = Vec::new();
            for x in v.borrow().iter() {
                match x {
                    Value::Fixnum(n) if (0..=255).contains(n) => bytes.push(*n as u8),
                    other => return type_err(it, other, "(UNSIGNED-BYTE 8)"),
                }
            }
            m.text = Some(Text::Octets(bytes));
        }
        Some(other) => return type_err(it, &other, "(OR STRING (VECTOR (UNSIGNED-BYTE 8)))"),
    }
    match get("FILE") {
        None | Some(Value::Nil) => {}
        Some(f) => m.file = Some(file_source(it, &f)?),
    }
    if let Some(sp) = get("SUBPARTS") {
        let mut parts = Vec::new();
        for p in args::list(it, &sp)? {
            parts.push(need_part(it, &p)?);
        }
        m.subparts = Some(parts);
    }
    match mime::make_mime_part(m) {
        Ok(p) => Ok(part_value(p)),
        Err(e) => {
            let c = mime_condition(it, &e);
            it.err(c)
        }
    }
}

fn mime_part_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(part_of(&a[0]).is_some()))
}

fn opt(s: Option<&str>) -> Value {
    s.map(Value::string).unwrap_or(Value::Nil)
}

fn pairs(p: &[(String, String)]) -> Value {
    Value::list(
        p.iter()
            .map(|(k, v)| Value::cons(Value::string(k.clone()), Value::string(v.clone())))
            .collect::<Vec<_>>(),
    )
}

pub(crate) fn part_type(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(need_part(it, &a[0])?.type_()))
}
pub(crate) fn part_subtype(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::string(need_part(it, &a[0])?.subtype()))
}
pub(crate) fn part_parameters(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(pairs(need_part(it, &a[0])?.parameters()))
}
pub(crate) fn part_id(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(opt(need_part(it, &a[0])?.id()))
}
pub(crate) fn part_description(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(opt(need_part(it, &a[0])?.description()))
}
pub(crate) fn part_encoding(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(opt(need_part(it, &a[0])?.encoding()))
}
pub(crate) fn part_headers(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(pairs(need_part(it, &a[0])?.headers()))
}
pub(crate) fn part_parts(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = need_part(it, &a[0])?;
    Ok(Value::list(
        p.parts()
            .iter()
            .cloned()
            .map(part_value)
            .collect::<Vec<_>>(),
    ))
}
pub(crate) fn part_boundary(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(opt(need_part(it, &a[0])?.boundary()))
}
fn part_disposition(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(opt(need_part(it, &a[0])?.disposition().map(|d| d.as_str())))
}
fn part_disposition_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(opt(need_part(it, &a[0])?.disposition_name()))
}

pub(crate) fn mime_get_header(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::designator(it, &a[0])?;
    let p = need_part(it, &a[1])?;
    Ok(opt(p.header(&name)))
}

fn render(it: &mut Interp, part: &MimePart) -> LResult<Vec<u8>> {
    match mime::render_to_vec(part) {
        Ok(v) => Ok(v),
        Err(e) => {
            let c = mime_condition(it, &e);
            it.err(c)
        }
    }
}

fn mime_part_writer(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = need_part(it, &a[0])?;
    let kws = args::keywords(it, &a[1..], &["STREAM"], "MIME-PART-WRITER")?;
    let stream = match args::kw(&kws, "STREAM") {
        None | Some(Value::Nil) => cl_sym("*STANDARD-OUTPUT*")
            .value
            .borrow()
            .clone()
            .unwrap_or(Value::Nil),
        Some(v) if v.is_sym(&crate::eval::package::t_symbol()) => cl_sym("*STANDARD-OUTPUT*")
            .value
            .borrow()
            .clone()
            .unwrap_or(Value::Nil),
        Some(v) => v,
    };
    let Value::Stream(s) = &stream else {
        return type_err(it, &stream, "STREAM");
    };
    let bytes = render(it, &p)?;
    let r = if s.binary {
        s.write_bytes(&bytes)
    } else {
        s.write_str(&String::from_utf8_lossy(&bytes))
    };
    if let Err(e) = r {
        return it.simple_error(format!("mime-part-writer: {e}"));
    }
    Ok(Value::Nil)
}

fn mime_part_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = need_part(it, &a[0])?;
    let bytes = render(it, &p)?;
    Ok(Value::Stream(Rc::new(Stream::string_input(
        &String::from_utf8_lossy(&bytes),
    ))))
}

/// Names exported from `NET.POST-OFFICE` besides the functions.
pub const EXPORTS: &[&str] = &[
    "WITH-MIME-PART-CONSTRUCTED-STREAM",
    "MIME-PART-CONSTRUCTED",
    "MIME-PART",
];

pub fn package_name() -> &'static str {
    PO
}

//! Parsed MIME parts from Lisp: `parse-mime-structure`, `map-over-parts`
//! and the `mime-part-parsed` accessors (spec §1.3). The shared
//! `mime-part-*` accessors answer for parsed parts here and hand
//! constructed ones to `builtins/mime.rs`.

use std::io::BufReader;
use std::rc::Rc;

use super::args::type_err;
use super::{mime, BuiltinDef, MANY};
use crate::def;
use crate::eval::package::keyword;
use crate::eval::value::{HostObject, Value};
use crate::eval::{Interp, LResult};
use crate::mail::mime_parse::{self, ParsedPart, Stop};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("NET.POST-OFFICE" : "PARSE-MIME-STRUCTURE", "(stream &key mbox)", 1, MANY, parse_mime_structure, "Parse the MIME structure of the message STREAM is positioned at. Three values: the top mime-part-parsed (NIL at end of input), the stop reason and the position after it."),
    def!("NET.POST-OFFICE" : "MAP-OVER-PARTS", "(part function)", 2, 2, map_over_parts, "Call FUNCTION on PART, then on each subpart and encapsulated message, depth first."),
    def!("NET.POST-OFFICE" : "MIME-PART-P", "(object)", 1, 1, mime_part_p, "True if OBJECT is a MIME part (constructed or parsed)."),
    def!("NET.POST-OFFICE" : "MIME-PART-TYPE", "(part)", 1, 1, part_type, "The content type of PART, e.g. \"text\"."),
    def!("NET.POST-OFFICE" : "MIME-PART-SUBTYPE", "(part)", 1, 1, part_subtype, "The content subtype of PART, e.g. \"plain\"."),
    def!("NET.POST-OFFICE" : "MIME-PART-PARAMETERS", "(part)", 1, 1, part_parameters, "The Content-Type parameters of PART, an alist of strings."),
    def!("NET.POST-OFFICE" : "MIME-PART-ID", "(part)", 1, 1, part_id, "The Content-Id of PART, or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-DESCRIPTION", "(part)", 1, 1, part_description, "The Content-Description of PART, or NIL."),
    def!("NET.POST-OFFICE" : "MIME-PART-ENCODING", "(part)", 1, 1, part_encoding, "The Content-Transfer-Encoding of PART."),
    def!("NET.POST-OFFICE" : "MIME-PART-HEADERS", "(part)", 1, 1, part_headers, "The headers of PART, an alist of strings."),
    def!("NET.POST-OFFICE" : "MIME-PART-PARTS", "(part)", 1, 1, part_parts, "The subparts of a multipart PART."),
    def!("NET.POST-OFFICE" : "MIME-PART-BOUNDARY", "(part)", 1, 1, part_boundary, "The boundary of PART (for a parsed part: its parent's)."),
    def!("NET.POST-OFFICE" : "MIME-PART-HEADERS-SIZE", "(part)", 1, 1, headers_size, "Bytes of a parsed part's header block, blank line included."),
    def!("NET.POST-OFFICE" : "MIME-PART-BODY-SIZE", "(part)", 1, 1, body_size, "Bytes of a parsed part's body."),
    def!("NET.POST-OFFICE" : "MIME-PART-LINES", "(part)", 1, 1, lines, "Lines of a parsed part's body."),
    def!("NET.POST-OFFICE" : "MIME-PART-POSITION", "(part)", 1, 1, position, "Offset of a parsed part's headers."),
    def!("NET.POST-OFFICE" : "MIME-PART-BODY-POSITION", "(part)", 1, 1, body_position, "Offset of a parsed part's body."),
    def!("NET.POST-OFFICE" : "MIME-PART-MESSAGE", "(part)", 1, 1, message, "The encapsulated message of a message/rfc822 part."),
];

struct ParsedObj(Rc<ParsedPart>);

impl HostObject for ParsedObj {
    fn type_name(&self) -> &str {
        "MIME-PART-PARSED"
    }
    fn describe(&self) -> String {
        format!("{}/{}", self.0.content_type, self.0.subtype)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

pub(crate) fn parsed_of(v: &Value) -> Option<Rc<ParsedPart>> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<ParsedObj>().map(|p| p.0.clone()),
        _ => None,
    }
}

fn value_of(p: &ParsedPart) -> Value {
    Value::Object(Rc::new(Box::new(ParsedObj(Rc::new(p.clone())))))
}

fn parse_mime_structure(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = super::args::keywords(it, &a[1..], &["MBOX"], "PARSE-MIME-STRUCTURE")?;
    let mbox = super::args::kw(&kws, "MBOX").is_some_and(|v| v.truthy());
    let stream = match &a[0] {
        Value::Stream(s) if s.is_input() => s.clone(),
        other => return type_err(it, other, "STREAM"),
    };
    let reader = BufReader::with_capacity(64 * 1024, crate::eval::stream::StreamReader(stream));
    match mime_parse::parse_mime_structure(reader, mbox) {
        Ok(None) => Ok(it.values(vec![Value::Nil, Value::Symbol(keyword("EOF")), Value::Nil])),
        Ok(Some((part, stop, end))) => {
            let reason = match stop {
                Stop::Eof => Value::Symbol(keyword("EOF")),
                Stop::CloseBoundary => Value::Symbol(keyword("CLOSE-BOUNDARY")),
                Stop::Boundary | Stop::MboxFrom => Value::Nil,
            };
            let end = i64::try_from(end).map_or(Value::Nil, Value::Fixnum);
            Ok(it.values(vec![value_of(&part), reason, end]))
        }
        Err(e) => it.simple_error(format!(
            "parse-mime-structure: reading the stream failed: {e}"
        )),
    }
}

fn map_over_parts(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    fn walk(it: &mut Interp, part: &Value, f: &Value) -> LResult<()> {
        if crate::eval::depth::check().is_err() {
            return super::args::too_deep(it, "MAP-OVER-PARTS");
        }
        it.apply(f, std::slice::from_ref(part))?;
        let children = if let Some(p) = parsed_of(part) {
            match &p.message {
                Some(m) => vec![value_of(m)],
                None => p.parts.iter().map(value_of).collect(),
            }
        } else if mime::part_of(part).is_some() {
            mime::part_parts(it, std::slice::from_ref(part))?
                .list_to_vec()
                .unwrap_or_default()
        } else {
            return type_err(it, part, "NET.POST-OFFICE::MIME-PART");
        };
        for c in children {
            walk(it, &c, f)?;
        }
        Ok(())
    }
    walk(it, &a[0], &a[1])?;
    Ok(Value::Nil)
}

fn mime_part_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        parsed_of(&a[0]).is_some() || mime::part_of(&a[0]).is_some(),
    ))
}

fn pairs(p: &[(String, String)]) -> Value {
    Value::list(
        p.iter()
            .map(|(k, v)| Value::cons(Value::string(k.clone()), Value::string(v.clone())))
            .collect::<Vec<_>>(),
    )
}

fn opt(s: &Option<String>) -> Value {
    s.clone().map(Value::string).unwrap_or(Value::Nil)
}

/// A shared accessor: parsed parts here, constructed ones in mime.rs.
macro_rules! shared {
    ($name:ident, $constructed:path, |$p:ident| $parsed:expr) => {
        fn $name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
            match parsed_of(&a[0]) {
                Some($p) => Ok($parsed),
                None => $constructed(it, a),
            }
        }
    };
}

shared!(part_type, mime::part_type, |p| Value::string(
    p.content_type.clone()
));
shared!(part_subtype, mime::part_subtype, |p| Value::string(
    p.subtype.clone()
));
shared!(part_parameters, mime::part_parameters, |p| pairs(
    &p.parameters
));
shared!(part_id, mime::part_id, |p| opt(&p.id));
shared!(part_description, mime::part_description, |p| opt(
    &p.description
));
shared!(part_encoding, mime::part_encoding, |p| Value::string(
    p.encoding.clone()
));
shared!(part_headers, mime::part_headers, |p| pairs(&p.headers));
shared!(part_parts, mime::part_parts, |p| Value::list(
    p.parts.iter().map(value_of).collect::<Vec<_>>()
));
shared!(part_boundary, mime::part_boundary, |p| opt(&p.boundary));

fn parsed_only(it: &mut Interp, v: &Value, f: impl FnOnce(&ParsedPart) -> Value) -> LResult<Value> {
    match parsed_of(v) {
        Some(p) => Ok(f(&p)),
        None => type_err(it, v, "NET.POST-OFFICE::MIME-PART-PARSED"),
    }
}

fn int(n: u64) -> Value {
    i64::try_from(n).map_or(Value::Nil, Value::Fixnum)
}

fn headers_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parsed_only(it, &a[0], |p| int(p.headers_size))
}
fn body_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parsed_only(it, &a[0], |p| int(p.body_size))
}
fn lines(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parsed_only(it, &a[0], |p| int(p.lines))
}
fn position(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parsed_only(it, &a[0], |p| int(p.position))
}
fn body_position(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parsed_only(it, &a[0], |p| int(p.body_position))
}
fn message(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    parsed_only(it, &a[0], |p| {
        p.message.as_deref().map_or(Value::Nil, value_of)
    })
}

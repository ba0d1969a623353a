//! Reading header text from Lisp: `parse-mail-header`,
//! `make-envelope-from-text`, `decode-header-text`, `mime-dequote`
//! (package `NET.POST-OFFICE`) and `parse-email-address`,
//! `extract-email-addresses` (package `NET.MAIL`). The parsing is in
//! `crate::mail::header_text` and `crate::mail::address`.

use super::args::{self, type_err};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::keyword;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::mail::address::{self, Address};
use crate::mail::header_text;

pub const BUILTINS: &[BuiltinDef] = &[
    def!("NET.POST-OFFICE" : "PARSE-MAIL-HEADER", "(text)", 1, 1, parse_mail_header, "Two values: an alist ((name . value) ...) of TEXT's header fields, last field first, and the body after the blank line."),
    def!("NET.POST-OFFICE" : "MAKE-ENVELOPE-FROM-TEXT", "(text)", 1, 1, make_envelope_from_text, "An envelope list (date subject from sender reply-to to cc bcc in-reply-to message-id) of raw header strings from TEXT."),
    def!("NET.POST-OFFICE" : "DECODE-HEADER-TEXT", "(text)", 1, 1, decode_header_text, "TEXT with its RFC 2047 encoded words decoded."),
    def!("NET.POST-OFFICE" : "MIME-DEQUOTE", "(string)", 1, 1, mime_dequote, "STRING without one level of double quotes and backslash escapes."),
    def!("NET.MAIL" : "PARSE-EMAIL-ADDRESS", "(string &key (require-domain t) (require-dotted-domain t))", 1, MANY, parse_email_address, "Two values, the local part and the domain of a bare address, or NIL."),
    def!("NET.MAIL" : "VALID-EMAIL-DOMAIN-P", "(domain)", 1, 1, valid_email_domain_p, "Ask DNS whether DOMAIN receives mail: T for an MX record, else an address record (one CNAME followed); NIL when it has neither or does not exist; :UNKNOWN when no name server answered."),
    def!("NET.MAIL" : "EXTRACT-EMAIL-ADDRESSES", "(string &key (start 0) end (require-domain t) (errorp t) compact)", 1, MANY, extract_email_addresses, "The addresses of an RFC 5322 address list: (:mailbox name local domain) and (:group name mailboxes), or with COMPACT the \"local@domain\" strings."),
];

fn text_arg(it: &mut Interp, v: &Value) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        other => type_err(it, other, "STRING"),
    }
}

fn opt_string(s: Option<String>) -> Value {
    s.map(Value::string).unwrap_or(Value::Nil)
}

fn parse_mail_header(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = text_arg(it, &a[0])?;
    let (headers, body) = header_text::parse_mail_header(&text);
    // Allegro pushes each field: the last one comes first.
    let alist: Vec<Value> = headers
        .into_iter()
        .rev()
        .map(|(n, v)| Value::cons(Value::string(n), Value::string(v)))
        .collect();
    Ok(it.values(vec![Value::list(alist), Value::string(body)]))
}

fn make_envelope_from_text(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = text_arg(it, &a[0])?;
    let (headers, _) = header_text::parse_mail_header(&text);
    // First match in the reversed alist: the last occurrence.
    let field = |name: &str| {
        headers
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| Value::string(v.clone()))
            .unwrap_or(Value::Nil)
    };
    Ok(Value::list(
        [
            "date",
            "subject",
            "from",
            "sender",
            "reply-to",
            "to",
            "cc",
            "bcc",
            "in-reply-to",
            "message-id",
        ]
        .map(field),
    ))
}

fn decode_header_text(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = text_arg(it, &a[0])?;
    match header_text::decode_header_text(&text) {
        Ok(s) => Ok(Value::string(s)),
        Err(header_text::UnknownCharset(c)) => {
            it.simple_error(format!("No external format found for MIME charset {c:?}"))
        }
    }
}

fn mime_dequote(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let text = text_arg(it, &a[0])?;
    let Some(inner) = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .filter(|_| text.len() >= 2)
    else {
        return Ok(a[0].clone());
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    Ok(Value::string(out))
}

fn flag(kws: &[(String, Value)], name: &str, default: bool) -> bool {
    args::kw(kws, name).map_or(default, |v| v.truthy())
}

fn parse_email_address(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &["REQUIRE-DOMAIN", "REQUIRE-DOTTED-DOMAIN"],
        "PARSE-EMAIL-ADDRESS",
    )?;
    let text = text_arg(it, &a[0])?;
    match address::parse_email_address(
        &text,
        flag(&kws, "REQUIRE-DOMAIN", true),
        flag(&kws, "REQUIRE-DOTTED-DOMAIN", true),
    ) {
        Some((l, d)) => Ok(it.values(vec![Value::string(l), opt_string(d)])),
        None => Ok(Value::Nil),
    }
}

/// The name servers to ask: `SENDLETTER_NAMESERVER` (`ip` or `ip:port`)
/// when set, else those of `/etc/resolv.conf`.
fn name_servers(it: &mut Interp) -> LResult<Vec<std::net::SocketAddr>> {
    if let Ok(v) = std::env::var("SENDLETTER_NAMESERVER") {
        let parsed = v
            .parse::<std::net::SocketAddr>()
            .ok()
            .or_else(|| v.parse::<std::net::IpAddr>().ok().map(|ip| (ip, 53).into()));
        return match parsed {
            Some(s) => Ok(vec![s]),
            None => it.simple_error(format!(
                "SENDLETTER_NAMESERVER is {v:?}: expected an IP address, optionally with :port"
            )),
        };
    }
    let conf = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    Ok(crate::mail::dns::name_servers(&conf))
}

fn valid_email_domain_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    use crate::mail::dns::{mail_domain, MailDomain};
    let domain = text_arg(it, &a[0])?;
    let servers = name_servers(it)?;
    Ok(
        match mail_domain(&domain, &servers, std::time::Duration::from_secs(5)) {
            MailDomain::Yes => crate::eval::package::t(),
            MailDomain::No => Value::Nil,
            MailDomain::Unknown => Value::Symbol(keyword("UNKNOWN")),
        },
    )
}

fn mailbox_value(a: &Address) -> Value {
    match a {
        Address::Mailbox(name, l, d) => Value::list([
            Value::Symbol(keyword("MAILBOX")),
            opt_string(name.clone()),
            Value::string(l.clone()),
            opt_string(d.clone()),
        ]),
        Address::Group(name, members) => Value::list([
            Value::Symbol(keyword("GROUP")),
            Value::string(name.clone()),
            Value::list(members.iter().map(mailbox_value).collect::<Vec<_>>()),
        ]),
    }
}

fn compact(a: &Address, out: &mut Vec<Value>) {
    match a {
        Address::Mailbox(_, l, Some(d)) => out.push(Value::string(format!("{l}@{d}"))),
        Address::Mailbox(_, l, None) => out.push(Value::string(l.clone())),
        Address::Group(_, members) => members.iter().for_each(|m| compact(m, out)),
    }
}

fn extract_email_addresses(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[1..],
        &["START", "END", "REQUIRE-DOMAIN", "ERRORP", "COMPACT"],
        "EXTRACT-EMAIL-ADDRESSES",
    )?;
    let text = text_arg(it, &a[0])?;
    let chars: Vec<char> = text.chars().collect();
    let bound = |it: &mut Interp, v: Option<Value>, default: usize| -> LResult<usize> {
        match v {
            None | Some(Value::Nil) => Ok(default),
            Some(Value::Fixnum(n)) if n >= 0 && (n as usize) <= chars.len() => Ok(n as usize),
            Some(other) => type_err(it, &other, "(INTEGER 0)"),
        }
    };
    let start = bound(it, args::kw(&kws, "START"), 0)?;
    let end = bound(it, args::kw(&kws, "END"), chars.len())?;
    if start > end {
        return it.simple_error(format!(
            "extract-email-addresses: :start {start} is after :end {end}"
        ));
    }
    let slice: String = chars[start..end].iter().collect();
    match address::extract_email_addresses(&slice, flag(&kws, "REQUIRE-DOMAIN", true)) {
        Ok(list) => {
            if flag(&kws, "COMPACT", false) {
                let mut out = Vec::new();
                list.iter().for_each(|x| compact(x, &mut out));
                Ok(Value::list(out))
            } else {
                Ok(Value::list(
                    list.iter().map(mailbox_value).collect::<Vec<_>>(),
                ))
            }
        }
        Err(e) if flag(&kws, "ERRORP", true) => it.simple_error(e.0),
        Err(_) => Ok(Value::Nil),
    }
}

//! The Lisp face of mail delivery (package `NET.POST-OFFICE`, behaviour §1):
//! `send-letter`, `send-smtp`, `send-smtp-auth`, `test-email-address`, the
//! `smtp-error` condition and `*smtp-debug*`. Arguments are checked and
//! translated here; building and sending is the mail engine's job.

pub mod dkim;
pub(crate) mod server_form;
pub mod sink;

use std::io::{self, Write};
use std::rc::Rc;

use super::args::{self, type_err};
use super::mime::{file_source, part_of, shared_stream_reader};
use super::routing::routing;
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::{cl_sym, find_package, intern_in};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::mail::letter::{Attachment, BuiltLetter, Letter, LetterError, Message, SharedStream};
use crate::mail::mime::MimeError;
use crate::mail::smtp::{self, Credentials, Envelope, Server, SmtpError, TraceEvent};
use crate::mail::wire::{MessageSource, WriteWith};
use server_form::Target;

pub const BUILTINS: &[BuiltinDef] = &[
    def!("NET.POST-OFFICE" : "SEND-LETTER", "(server from to message &key cc bcc subject reply-to headers login password attachments)", 4, MANY, send_letter, "Build a message (headers, MIME parts, attachments) and deliver it to SERVER. Returns T once the server (or program) accepted it."),
    def!("NET.POST-OFFICE" : "SEND-SMTP", "(server from to &rest messages)", 3, MANY, send_smtp, "Send MESSAGES (strings or streams, concatenated) as the whole letter, with no generated headers. Returns NIL."),
    def!("NET.POST-OFFICE" : "SEND-SMTP-AUTH", "(server from to login password &rest messages)", 5, MANY, send_smtp_auth, "Like SEND-SMTP, authenticating with LOGIN and PASSWORD. Returns NIL."),
    def!("NET.POST-OFFICE" : "TEST-EMAIL-ADDRESS", "(address)", 1, 1, test_email_address, "Ask ADDRESS's host with VRFY whether the address exists: T or NIL."),
    def!("NET.POST-OFFICE" : "SMTP-ERROR-CODE", "(condition)", 1, 1, smtp_error_code, "The SMTP reply code of an SMTP-ERROR, or NIL."),
    def!("NET.POST-OFFICE" : "SMTP-ERROR-COMMAND", "(condition)", 1, 1, smtp_error_command, "The command we sent that failed, or NIL."),
    def!("NET.POST-OFFICE" : "SMTP-ERROR-REPLY", "(condition)", 1, 1, smtp_error_reply, "The server's reply, or NIL."),
];

/// Install the condition class and variables of `NET.POST-OFFICE`.
pub fn install(it: &mut Interp) {
    crate::eval::condition::install_smtp_error(it);
    if let Some(po) = find_package("NET.POST-OFFICE") {
        // Not exported, as in Allegro: scripts write net.post-office::*smtp-debug*.
        dkim::install(&po);
        let dbg = intern_in("*SMTP-DEBUG*", &po);
        dbg.special.set(true);
        *dbg.value.borrow_mut() = Some(Value::Nil);
        for name in super::mime::EXPORTS {
            let s = intern_in(name, &po);
            crate::eval::package::export(&s, &po);
        }
    }
}

fn po_sym(name: &str) -> Option<crate::eval::value::Sym> {
    find_package("NET.POST-OFFICE").map(|p| intern_in(name, &p))
}

/// An `smtp-error` condition from an engine error.
pub fn smtp_condition(it: &mut Interp, e: &SmtpError) -> Value {
    let Some(class) = po_sym("SMTP-ERROR") else {
        return it.make_error("SIMPLE-ERROR", &e.to_string());
    };
    let code = e
        .code()
        .map(|c| Value::Fixnum(c as i64))
        .unwrap_or(Value::Nil);
    let command = e.command().map(Value::string).unwrap_or(Value::Nil);
    let reply = e.reply().map(Value::string).unwrap_or(Value::Nil);
    it.make_condition_of(
        &class,
        &[
            ("CODE", code),
            ("COMMAND", command),
            ("REPLY", reply),
            (
                "FORMAT-CONTROL",
                Value::string(e.to_string().replace('~', "~~")),
            ),
        ],
    )
}

fn letter_condition(it: &mut Interp, e: &LetterError) -> Value {
    match e {
        LetterError::Part { source, .. } => super::mime::mime_condition(it, source),
        LetterError::BadArgument { .. } => it.make_error("SIMPLE-ERROR", &e.to_string()),
    }
}

/// One address, a list of addresses, or NIL.
fn addresses(it: &mut Interp, v: &Value, what: &str, allow_empty: bool) -> LResult<Vec<String>> {
    let items = match v {
        Value::Nil if allow_empty => return Ok(vec![]),
        Value::String(s) => return Ok(vec![s.borrow().clone()]),
        Value::Cons(_) => args::list(it, v)?,
        _ => {
            return type_err(
                it,
                v,
                if allow_empty {
                    "(OR NULL STRING LIST)"
                } else {
                    "(OR STRING CONS)"
                },
            )
        }
    };
    let mut out = Vec::new();
    for a in items {
        match &a {
            Value::String(s) => out.push(s.borrow().clone()),
            _ => {
                let msg = format!(
                    "send-letter: every {what} address must be a string, got {}",
                    crate::printer::prin1_to_string(&a)
                );
                let c = it.make_condition(
                    "SIMPLE-TYPE-ERROR",
                    &[
                        ("DATUM", a.clone()),
                        ("EXPECTED-TYPE", Value::Symbol(cl_sym("STRING"))),
                        ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
                    ],
                );
                return it.err(c);
            }
        }
    }
    Ok(out)
}

fn opt_text(it: &mut Interp, v: Option<Value>) -> LResult<Option<String>> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.borrow().clone())),
        Some(other) => type_err(it, &other, "(OR NULL STRING)"),
    }
}

fn credentials(
    it: &mut Interp,
    login: Option<Value>,
    password: Option<Value>,
) -> LResult<Option<Credentials>> {
    let login = opt_text(it, login)?;
    let password = opt_text(it, password)?;
    Ok(match (login, password) {
        (Some(l), Some(p)) => Some(Credentials::new(l, p)),
        (Some(_), None) => return it.simple_error("send-letter: :login given without :password"),
        (None, Some(_)) => return it.simple_error("send-letter: :password given without :login"),
        (None, None) => None,
    })
}

fn message_arg(it: &mut Interp, v: &Value) -> LResult<Message> {
    if let Some(p) = part_of(v) {
        return Ok(Message::Part(Box::new(p)));
    }
    match v {
        Value::String(s) => Ok(Message::Text(s.borrow().clone())),
        Value::Stream(s) if s.is_input() && s.path.is_some() => {
            Ok(Message::File(file_source(it, v)?))
        }
        Value::Stream(s) if s.is_input() => {
            Ok(Message::TextStream(SharedStream(shared_stream_reader(s))))
        }
        _ => type_err(
            it,
            v,
            "(OR STRING STREAM NET.POST-OFFICE::MIME-PART-CONSTRUCTED)",
        ),
    }
}

fn attachments_arg(it: &mut Interp, v: &Value) -> LResult<Vec<Attachment>> {
    let items = match v {
        Value::Nil => return Ok(vec![]),
        Value::Cons(_) => args::list(it, v)?,
        other => vec![other.clone()],
    };
    let mut out = Vec::new();
    for item in items {
        if let Some(p) = part_of(&item) {
            out.push(Attachment::Part(Box::new(p)));
        } else {
            out.push(Attachment::File(file_source(it, &item)?));
        }
    }
    Ok(out)
}

fn send_letter(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        &a[4..],
        &[
            "CC",
            "BCC",
            "SUBJECT",
            "REPLY-TO",
            "HEADERS",
            "LOGIN",
            "PASSWORD",
            "ATTACHMENTS",
        ],
        "SEND-LETTER",
    )?;
    let get = |k: &str| args::kw(&kws, k);
    let target = server_form::parse(it, &a[0])?;
    let from = match &a[1] {
        Value::String(s) => s.borrow().clone(),
        other => return type_err(it, other, "STRING"),
    };
    let to = addresses(it, &a[2], "to", false)?;
    let message = message_arg(it, &a[3])?;
    let mut letter = Letter::new(from, to, message);
    letter.cc = addresses(it, &get("CC").unwrap_or(Value::Nil), "cc", true)?;
    letter.bcc = addresses(it, &get("BCC").unwrap_or(Value::Nil), "bcc", true)?;
    letter.subject = opt_text(it, get("SUBJECT"))?;
    letter.reply_to = opt_text(it, get("REPLY-TO"))?;
    letter.headers = match get("HEADERS") {
        None | Some(Value::Nil) => vec![],
        Some(Value::String(s)) => vec![s.borrow().clone()],
        Some(v @ Value::Cons(_)) => {
            let mut hs = Vec::new();
            for h in args::list(it, &v)? {
                match h {
                    Value::String(s) => hs.push(s.borrow().clone()),
                    other => return type_err(it, &other, "STRING"),
                }
            }
            hs
        }
        Some(other) => return type_err(it, &other, "(OR STRING LIST)"),
    };
    letter.attachments = attachments_arg(it, &get("ATTACHMENTS").unwrap_or(Value::Nil))?;
    letter.bcc_header = matches!(target, Target::Program(..));
    let creds = credentials(it, get("LOGIN"), get("PASSWORD"))?;
    // Everything is checked and every file opened before any connection.
    let built = match letter.build() {
        Ok(b) => b,
        Err(e) => {
            let c = letter_condition(it, &e);
            return it.err(c);
        }
    };
    let envelope = Envelope {
        from: built.envelope_from().to_string(),
        recipients: built.recipients().to_vec(),
        eight_bit: built.needs_8bitmime(),
    };
    let mut letter = Built {
        built,
        spooled: Vec::new(),
    };
    deliver(it, &target, creds.as_ref(), &envelope, &mut letter)?;
    Ok(crate::eval::package::t())
}

/// A letter to deliver, which DKIM signing writes twice.
trait Outgoing {
    /// Make every later [`write_to`](Self::write_to) write the same bytes:
    /// stream bodies are copied into temporary files first.
    fn spool(&mut self) -> Result<(), MimeError>;
    /// Write the letter (LF or CRLF line ends; the wire layer encodes).
    fn write_to(&mut self, out: &mut dyn Write) -> io::Result<()>;
}

/// `send-letter`'s letter, and the files its streams were spooled into.
struct Built {
    built: BuiltLetter,
    spooled: Vec<tempfile::NamedTempFile>,
}

impl Outgoing for Built {
    fn spool(&mut self) -> Result<(), MimeError> {
        self.spooled = self.built.spool_streams()?;
        Ok(())
    }

    fn write_to(&mut self, mut out: &mut dyn Write) -> io::Result<()> {
        io::copy(&mut self.built.reader(), &mut out).map(|_| ())
    }
}

/// One of `send-smtp`'s messages: a string or stream as given, or the
/// temporary file a stream was spooled into.
enum Piece {
    Lisp(Value),
    Spooled(tempfile::NamedTempFile),
}

/// `send-smtp`'s messages, written one after another.
struct Concatenated(Vec<Piece>);

impl Outgoing for Concatenated {
    fn spool(&mut self) -> Result<(), MimeError> {
        for piece in &mut self.0 {
            if let Piece::Lisp(Value::Stream(s)) = piece {
                let failed = |e: io::Error| MimeError::Stream {
                    message: format!("spooling a stream to a temporary file: {e}"),
                };
                let mut file = tempfile::Builder::new()
                    .prefix("sendletter-spool-")
                    .tempfile()
                    .map_err(failed)?;
                let mut r = crate::eval::stream::StreamReader(s.clone());
                io::copy(&mut r, file.as_file_mut()).map_err(failed)?;
                *piece = Piece::Spooled(file);
            }
        }
        Ok(())
    }

    fn write_to(&mut self, out: &mut dyn Write) -> io::Result<()> {
        for piece in &self.0 {
            match piece {
                Piece::Lisp(Value::String(s)) => out.write_all(s.borrow().as_bytes())?,
                Piece::Lisp(Value::Stream(s)) => {
                    let mut r = crate::eval::stream::StreamReader(s.clone());
                    io::copy(&mut r, out)?;
                }
                Piece::Spooled(file) => {
                    io::copy(&mut file.reopen()?, out)?;
                }
                Piece::Lisp(_) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "not a string or stream",
                    ))
                }
            }
        }
        Ok(())
    }
}

fn send_raw(
    it: &mut Interp,
    a: &[Value],
    creds: Option<Credentials>,
    messages: &[Value],
) -> LResult<Value> {
    let target = server_form::parse(it, &a[0])?;
    let from = match &a[1] {
        Value::String(s) => s.borrow().clone(),
        other => return type_err(it, other, "STRING"),
    };
    let recipients = addresses(it, &a[2], "to", false)?;
    let mut eight_bit = false;
    for m in messages {
        match m {
            Value::String(s) => eight_bit |= !s.borrow().is_ascii(),
            Value::Stream(s) if s.is_input() => eight_bit = true,
            other => return type_err(it, other, "(OR STRING STREAM)"),
        }
    }
    for addr in std::iter::once(&from).chain(recipients.iter()) {
        if addr.contains(['\r', '\n', '\0', '<', '>']) || addr.chars().any(char::is_whitespace) {
            return it.simple_error(format!("send-smtp: bad address {addr:?}: it contains a line break, NUL, white space, < or >"));
        }
    }
    if recipients.iter().any(String::is_empty) {
        return it.simple_error("send-smtp: an empty recipient address");
    }
    let envelope = Envelope {
        from,
        recipients,
        eight_bit,
    };
    let mut src = Concatenated(messages.iter().cloned().map(Piece::Lisp).collect());
    deliver(it, &target, creds.as_ref(), &envelope, &mut src)?;
    Ok(Value::Nil)
}

fn send_smtp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    send_raw(it, a, None, &a[3..])
}

fn send_smtp_auth(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let creds = credentials(it, Some(a[3].clone()), Some(a[4].clone()))?;
    send_raw(it, a, creds, &a[5..])
}

/// Where the session trace goes: `*smtp-debug*` (t = standard output, or
/// a stream) and, with `-v`, standard error.
fn trace_streams(it: &Interp) -> Vec<Rc<crate::eval::stream::Stream>> {
    let mut out = Vec::new();
    if let Some(sym) = po_sym("*SMTP-DEBUG*") {
        let v = sym.value.borrow().clone().unwrap_or(Value::Nil);
        match v {
            Value::Nil => {}
            Value::Stream(s) => out.push(s),
            _ => {
                if let Some(Value::Stream(s)) = cl_sym("*STANDARD-OUTPUT*").value.borrow().clone() {
                    out.push(s);
                }
            }
        }
    }
    if routing(it).verbose {
        if let Some(Value::Stream(s)) = cl_sym("*ERROR-OUTPUT*").value.borrow().clone() {
            out.push(s);
        }
    }
    out
}

/// Send through the configured transport: the dry-run sink, a program, or
/// an SMTP server (with `--connect-to` routes applied); signed first when
/// DKIM is configured.
fn deliver(
    it: &mut Interp,
    target: &Target,
    creds: Option<&Credentials>,
    envelope: &Envelope,
    letter: &mut dyn Outgoing,
) -> LResult<()> {
    let choice = dkim::choice(it)?;
    let signature = match choice {
        dkim::Choice::Off => None,
        _ => {
            if let Err(e) = letter.spool() {
                let c = super::mime::mime_condition(it, &e);
                return it.err(c);
            }
            dkim::sign(it, &choice, &mut |out| letter.write_to(out))?
        }
    };
    let mut signed = WriteWith(|out: &mut dyn Write| {
        if let Some(s) = &signature {
            out.write_all(s.field.as_bytes())?;
        }
        letter.write_to(out)
    });
    let src: &mut dyn MessageSource = &mut signed;
    let route = routing(it);
    if let Some(dir) = &route.sink {
        let first = sink::next_number(it, dir);
        return match sink::write(dir, first, target, creds, envelope, src) {
            Ok(n) => {
                sink::claimed(it, n);
                Ok(())
            }
            Err(e) => it.simple_error(format!("--sink {}: {e}", dir.display())),
        };
    }
    let streams = trace_streams(it);
    let mut write_trace = |e: &TraceEvent<'_>| {
        let line = format!("{e}\n");
        for s in &streams {
            let _ = s.write_str(&line);
        }
    };
    if let Some(s) = &signature {
        write_trace(&TraceEvent::Note(&s.summary));
    }
    let trace: Option<&mut dyn smtp::Trace> = if streams.is_empty() {
        None
    } else {
        Some(&mut write_trace)
    };
    let result = match target {
        Target::Program(p, _) => {
            let limit = p.timeout.unwrap_or(crate::mail::program::PROGRAM_TIMEOUT);
            crate::mail::program::deliver_traced(&p.command, src, limit, trace)
        }
        Target::Smtp(server) => {
            let server = routed(server, &route);
            smtp::deliver(&server, creds, envelope, src, trace)
        }
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) => mail_error(it, &e),
    }
}

/// Signal a failed delivery: Ctrl-C as the REPL's interrupt (the flag is
/// still pending: the engine only looks at it), anything else as an
/// `smtp-error`.
fn mail_error<T>(it: &mut Interp, e: &SmtpError) -> LResult<T> {
    if e.kind() == smtp::ErrorKind::Interrupted {
        it.check_interrupt()?;
    }
    let c = smtp_condition(it, e);
    it.err(c)
}

/// Apply `--connect-to HOST:PORT:HOST2:PORT2`.
fn routed(server: &Server, route: &super::routing::Routing) -> Server {
    let mut s = server.clone();
    for ((h, p), to) in &route.connect_to {
        if h.eq_ignore_ascii_case(&server.host) && *p == server.port {
            s.connect_to = Some(to.clone());
        }
    }
    s
}

fn test_email_address(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let addr = match &a[0] {
        Value::String(s) if !s.borrow().is_empty() => s.borrow().clone(),
        other => return type_err(it, other, "(AND STRING (NOT (EQL \"\")))"),
    };
    let route = routing(it);
    if route.sink.is_some() {
        // A dry run makes no connection: only the address's shape is judged.
        return Ok(Value::bool(!(addr.starts_with('@') || addr.ends_with('@'))));
    }
    let mut template = Server::new("localhost", 25);
    let (_, host) = addr.split_once('@').unwrap_or(("", "localhost"));
    let (h, p) = host
        .split_once(':')
        .map(|(h, p)| (h, p.parse().unwrap_or(25)))
        .unwrap_or((host, 25));
    template.host = h.to_string();
    template.port = p;
    let template = routed(&template, &route);
    match smtp::test_email_address(&template, &addr) {
        Ok(b) => Ok(Value::bool(b)),
        Err(e) => mail_error(it, &e),
    }
}

fn slot(a: &[Value], name: &str) -> LResult<Value> {
    Ok(Interp::slot_by_name(&a[0], name))
}

fn smtp_error_code(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot(a, "CODE")
}
fn smtp_error_command(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot(a, "COMMAND")
}
fn smtp_error_reply(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot(a, "REPLY")
}

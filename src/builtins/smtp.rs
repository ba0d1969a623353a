//! The Lisp face of mail delivery (package `NET.POST-OFFICE`, behaviour §1):
//! `send-letter`, `send-smtp`, `send-smtp-auth`, `test-email-address`, the
//! `smtp-error` condition and `*smtp-debug*`. Arguments are checked and
//! translated here; building and sending is the mail engine's job.

pub mod dkim;
pub(crate) mod server_form;
pub mod sink;

use std::io::{self, Write};
use std::rc::Rc;

use super::args;
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

/// A `type-error` (a `simple-type-error`, so handlers for either apply)
/// whose report names the function and the argument, as docs/api.md
/// promises: `send-letter: message must be …, got 42`.
fn arg_error<T>(
    it: &mut Interp,
    fname: &str,
    argument: &str,
    datum: &Value,
    expected_type: &str,
    wanted: &str,
) -> LResult<T> {
    let msg = format!(
        "{fname}: {argument} must be {wanted}, got {}",
        crate::printer::prin1_to_string(datum)
    );
    let c = it.make_condition(
        "SIMPLE-TYPE-ERROR",
        &[
            ("DATUM", datum.clone()),
            (
                "EXPECTED-TYPE",
                crate::eval::condition::type_spec_from_text(expected_type),
            ),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
        ],
    );
    it.err(c)
}

/// The `from` argument: a string.
fn from_arg(it: &mut Interp, fname: &str, v: &Value) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        other => arg_error(
            it,
            fname,
            "from (the 2nd argument)",
            other,
            "STRING",
            "a bare address string such as \"me@example.com\"",
        ),
    }
}

/// One address, a list of addresses, or NIL.
fn addresses(
    it: &mut Interp,
    fname: &str,
    v: &Value,
    what: &str,
    allow_empty: bool,
) -> LResult<Vec<String>> {
    let items =
        match v {
            Value::Nil if allow_empty => return Ok(vec![]),
            Value::String(s) => return Ok(vec![s.borrow().clone()]),
            Value::Cons(_) => args::list(it, v)?,
            _ if allow_empty => {
                return arg_error(
                    it,
                    fname,
                    what,
                    v,
                    "(OR NULL STRING LIST)",
                    "NIL, an address string or a list of them",
                )
            }
            _ => return arg_error(
                it,
                fname,
                what,
                v,
                "(OR STRING CONS)",
                "an address string or a non-empty list of them (at least one recipient is needed)",
            ),
        };
    let mut out = Vec::new();
    for a in items {
        match &a {
            Value::String(s) => out.push(s.borrow().clone()),
            _ => {
                let msg = format!(
                    "{fname}: every {what} address must be a string, got {}",
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

fn opt_text(
    it: &mut Interp,
    fname: &str,
    argument: &str,
    v: Option<Value>,
) -> LResult<Option<String>> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.borrow().clone())),
        Some(other) => arg_error(
            it,
            fname,
            argument,
            &other,
            "(OR NULL STRING)",
            "a string (or NIL)",
        ),
    }
}

/// `:login` and `:password` (or send-smtp-auth's `login` and `password`):
/// both or neither. A NIL that was given is told apart from one left out,
/// since it usually is `(sys:getenv "…")` of an unset variable.
fn credentials(
    it: &mut Interp,
    fname: &str,
    names: [&str; 2],
    login: Option<Value>,
    password: Option<Value>,
) -> LResult<Option<Credentials>> {
    let login_given_nil = matches!(login, Some(Value::Nil));
    let password_given_nil = matches!(password, Some(Value::Nil));
    let login = opt_text(it, fname, names[0], login)?;
    let password = opt_text(it, fname, names[1], password)?;
    let [l_name, p_name] = names;
    let unset = "(an unset environment variable? (sys:getenv \"…\") returns NIL then)";
    Ok(match (login, password) {
        (Some(l), Some(p)) => Some(Credentials::new(l, p)),
        (Some(_), None) if password_given_nil => {
            return it.simple_error(format!(
                "{fname}: {l_name} is given but {p_name} is NIL {unset}"
            ))
        }
        (Some(_), None) => {
            return it.simple_error(format!("{fname}: {l_name} given without {p_name}"))
        }
        (None, Some(_)) if login_given_nil => {
            return it.simple_error(format!(
                "{fname}: {p_name} is given but {l_name} is NIL {unset}"
            ))
        }
        (None, Some(_)) => {
            return it.simple_error(format!("{fname}: {p_name} given without {l_name}"))
        }
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
        _ => arg_error(
            it,
            "send-letter",
            "message (the 4th argument)",
            v,
            "(OR STRING STREAM NET.POST-OFFICE::MIME-PART-CONSTRUCTED)",
            "a string, an input stream or a MIME part from make-mime-part",
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

/// The keywords of send-letter, also for `--check`.
pub const SEND_LETTER_KEYS: &[&str] = &[
    "CC",
    "BCC",
    "SUBJECT",
    "REPLY-TO",
    "HEADERS",
    "LOGIN",
    "PASSWORD",
    "ATTACHMENTS",
];

fn send_letter(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    // `(send-letter server from to :subject "x" …)`: the message was
    // forgotten and a keyword took its place.
    if let Value::Symbol(s) = &a[3] {
        if s.is_keyword() && (a.len() - 4) % 2 == 1 && SEND_LETTER_KEYS.contains(&s.name.as_str()) {
            return it.simple_error(format!(
                "send-letter: the message argument (the 4th, after server, from and to) is \
                 missing: :{} stands in its place",
                s.name
            ));
        }
    }
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
    let sl = "send-letter";
    let target = server_form::parse(it, &a[0])?;
    let from = from_arg(it, sl, &a[1])?;
    let to = addresses(it, sl, &a[2], "to (the 3rd argument)", false)?;
    let message = message_arg(it, &a[3])?;
    let mut letter = Letter::new(from, to, message);
    letter.cc = addresses(it, sl, &get("CC").unwrap_or(Value::Nil), ":cc", true)?;
    letter.bcc = addresses(it, sl, &get("BCC").unwrap_or(Value::Nil), ":bcc", true)?;
    letter.subject = opt_text(it, sl, ":subject", get("SUBJECT"))?;
    letter.reply_to = opt_text(it, sl, ":reply-to", get("REPLY-TO"))?;
    letter.headers = match get("HEADERS") {
        None | Some(Value::Nil) => vec![],
        Some(Value::String(s)) => vec![s.borrow().clone()],
        Some(v @ Value::Cons(_)) => {
            let mut hs = Vec::new();
            for h in args::list(it, &v)? {
                match h {
                    Value::String(s) => hs.push(s.borrow().clone()),
                    other => {
                        return arg_error(
                            it,
                            sl,
                            "every :headers item",
                            &other,
                            "STRING",
                            "a \"Name: value\" string",
                        )
                    }
                }
            }
            hs
        }
        Some(other) => {
            return arg_error(
                it,
                sl,
                ":headers",
                &other,
                "(OR STRING LIST)",
                "a \"Name: value\" string or a list of them",
            )
        }
    };
    letter.attachments = attachments_arg(it, &get("ATTACHMENTS").unwrap_or(Value::Nil))?;
    letter.bcc_header = matches!(target, Target::Program(..));
    let creds = credentials(
        it,
        sl,
        [":login", ":password"],
        get("LOGIN"),
        get("PASSWORD"),
    )?;
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
    fname: &str,
    a: &[Value],
    creds: Option<Credentials>,
    messages: &[Value],
) -> LResult<Value> {
    let target = server_form::parse(it, &a[0])?;
    let from = from_arg(it, fname, &a[1])?;
    let recipients = addresses(it, fname, &a[2], "to (the 3rd argument)", false)?;
    let mut eight_bit = false;
    for m in messages {
        match m {
            Value::String(s) => eight_bit |= !s.borrow().is_ascii(),
            Value::Stream(s) if s.is_input() => eight_bit = true,
            other => {
                return arg_error(
                    it,
                    fname,
                    "every message",
                    other,
                    "(OR STRING STREAM)",
                    "a string or an input stream",
                )
            }
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
    send_raw(it, "send-smtp", a, None, &a[3..])
}

fn send_smtp_auth(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let creds = credentials(
        it,
        "send-smtp-auth",
        ["login (the 4th argument)", "password (the 5th argument)"],
        Some(a[3].clone()),
        Some(a[4].clone()),
    )?;
    if creds.is_none() {
        return it.simple_error(
            "send-smtp-auth: login and password are both NIL (unset environment variables?); \
             use send-smtp to send without authenticating",
        );
    }
    send_raw(it, "send-smtp-auth", a, creds, &a[5..])
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
                if route.verbose {
                    // -v says where a dry run's letter went instead.
                    let note = format!(
                        ";; dry run (--sink): the letter from <{}> to {} was written to {} (nothing was sent)\n",
                        envelope.from,
                        envelope.recipients.iter().map(|r| format!("<{r}>")).collect::<Vec<_>>().join(", "),
                        dir.join(format!("{n:06}.eml")).display()
                    );
                    if let Some(Value::Stream(s)) = cl_sym("*ERROR-OUTPUT*").value.borrow().clone()
                    {
                        let _ = s.write_str(&note);
                    }
                }
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
        other => {
            return arg_error(
                it,
                "test-email-address",
                "address",
                other,
                "(AND STRING (NOT (EQL \"\")))",
                "a non-empty address string such as \"user@example.com\"",
            )
        }
    };
    let route = routing(it);
    if route.sink.is_some() {
        // A dry run makes no connection: the address is judged by the
        // same checks the real run makes before connecting, and says so.
        let verdict = match smtp::address_shape(&addr) {
            Ok(shape) => shape.is_some(),
            Err(e) => return mail_error(it, &e),
        };
        if let Some(Value::Stream(s)) = cl_sym("*ERROR-OUTPUT*").value.borrow().clone() {
            let _ = s.write_str(&format!(
                ";; dry run (--sink): test-email-address made no connection; {addr:?} judged by its shape only: {}\n",
                if verdict { "T" } else { "NIL" }
            ));
        }
        return Ok(Value::bool(verdict));
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

//! The Lisp face of reading mail (package `NET.POST-OFFICE`, spec
//! allegro-imap-pop-mime §1.1): IMAP and POP connections, their
//! operations, the `po-condition`/`po-error` conditions and
//! `*debug-imap*`. Arguments are checked and translated here; the
//! dialogues are the engine's (`crate::mail::mailbox`).

mod letter_sequence;
mod wire;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::args::{self, type_err};
use super::routing::routing;
use super::smtp::server_form::{self, Target};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::package::{cl_sym, find_package, intern_in, keyword, t};
use crate::eval::value::{HostObject, Sym, Value};
use crate::eval::{Interp, LResult};
use crate::mail::mailbox::imap::{ImapSession, Notice};
use crate::mail::mailbox::link::{Endpoint, Link};
use crate::mail::mailbox::pop::{PopSession, DEFAULT_MAX_ANSWER};
use crate::mail::mailbox::response::{Item, Limits};
use crate::mail::mailbox::{Identifier, PoError};
use crate::mail::smtp::TlsMode;
use crate::printer::prin1_to_string;

const PO: &str = "NET.POST-OFFICE";

pub const BUILTINS: &[BuiltinDef] = &[
    def!("NET.POST-OFFICE" : "FETCH-LETTER-SEQUENCE", "(mb buffer &key (start 0) (end (length buffer)))", 2, MANY, letter_sequence::fetch_letter_sequence, "Fill BUFFER (a string) from START to END with the next piece of the letter begun by with-fetch-letter-sequence; returns the index after the last character stored."),
    def!("NET.POST-OFFICE" : "END-OF-LETTER-P", "(mb)", 1, 1, letter_sequence::end_of_letter_p, "True once fetch-letter-sequence has read the whole letter."),
    def!("SENDLETTER" : "%BEGIN-FETCH-LETTER-SEQUENCE", "(mb number &key uid)", 2, MANY, letter_sequence::begin, "Begin reading message NUMBER in pieces."),
    def!("SENDLETTER" : "%END-FETCH-LETTER-SEQUENCE", "(mb)", 1, 1, letter_sequence::end, "End reading a letter in pieces."),
    def!("NET.POST-OFFICE" : "MAKE-IMAP-CONNECTION", "(host &key (port 143) user password (timeout 30))", 1, MANY, make_imap_connection, "Connect to an IMAP server and log in. HOST is a name, or (name :ssl t ...) / (name :starttls t ...). Returns an imap-mailbox."),
    def!("NET.POST-OFFICE" : "MAKE-POP-CONNECTION", "(host &key (port 110) user password (timeout 30))", 1, MANY, make_pop_connection, "Connect to a POP3 server and log in. Returns a pop-mailbox."),
    def!("NET.POST-OFFICE" : "CLOSE-CONNECTION", "(mb)", 1, 1, close_connection, "Log out and close the connection. Returns T."),
    def!("NET.POST-OFFICE" : "SELECT-MAILBOX", "(mb name)", 2, 2, select_mailbox, "Select the IMAP mailbox NAME. Returns T."),
    def!("NET.POST-OFFICE" : "CREATE-MAILBOX", "(mb mailbox-name)", 2, 2, create_mailbox, "Create an IMAP mailbox. Returns T."),
    def!("NET.POST-OFFICE" : "DELETE-MAILBOX", "(mb mailbox-name)", 2, 2, delete_mailbox, "Delete an IMAP mailbox. Returns NIL."),
    def!("NET.POST-OFFICE" : "RENAME-MAILBOX", "(mb old-mailbox-name new-mailbox-name)", 3, 3, rename_mailbox, "Rename an IMAP mailbox. Returns NIL."),
    def!("NET.POST-OFFICE" : "MAILBOX-LIST", "(mb &key (reference \"\") (pattern \"\"))", 1, MANY, mailbox_list, "LIST: a list of (flags separator name), in reverse order of the server's answer."),
    def!("NET.POST-OFFICE" : "FETCH-PARTS", "(mb number parts &key uid)", 3, MANY, fetch_parts, "FETCH PARTS of messages NUMBER: a list of (msgno plist), newest first."),
    def!("NET.POST-OFFICE" : "FETCH-FIELD", "(letter-number field-name info &key uid)", 3, MANY, fetch_field, "The value of FIELD-NAME for LETTER-NUMBER in INFO (a fetch-parts or alter-flags result)."),
    def!("NET.POST-OFFICE" : "FETCH-LETTER", "(mb number &key uid)", 2, MANY, fetch_letter, "The whole text of message NUMBER, with newline line ends."),
    def!("NET.POST-OFFICE" : "SEARCH-MAILBOX", "(mb search-expression &key uid)", 2, MANY, search_mailbox, "SEARCH: the list of matching message numbers (or UIDs with :uid t)."),
    def!("NET.POST-OFFICE" : "DELETE-LETTER", "(mb messages &key (expunge t) uid)", 2, MANY, delete_letter, "Delete MESSAGES (IMAP: flag \\Deleted and, with :expunge, expunge; POP: DELE)."),
    def!("NET.POST-OFFICE" : "EXPUNGE-MAILBOX", "(mb)", 1, 1, expunge_mailbox, "EXPUNGE: the message numbers the server reported, in order."),
    def!("NET.POST-OFFICE" : "CLOSE-MAILBOX", "(mb)", 1, 1, close_mailbox, "CLOSE the selected IMAP mailbox. Returns T."),
    def!("NET.POST-OFFICE" : "COPY-TO-MAILBOX", "(mb message-list destination &key uid)", 3, MANY, copy_to_mailbox, "COPY messages to DESTINATION. Returns T."),
    def!("NET.POST-OFFICE" : "ALTER-FLAGS", "(mb messages &key (flags nil flags-p) add-flags remove-flags silent uid)", 2, MANY, alter_flags, "STORE flags: a list of (msgno plist) from the server's answer."),
    def!("NET.POST-OFFICE" : "NOOP", "(mb)", 1, 1, noop, "IMAP: NOOP, returns NIL. POP: STAT, returns the message count."),
    def!("NET.POST-OFFICE" : "TOP-LINES", "(pb message lines)", 3, 3, top_lines, "POP TOP: the headers and first LINES lines of MESSAGE."),
    def!("NET.POST-OFFICE" : "UNIQUE-ID", "(pb &optional message)", 1, 2, unique_id, "POP UIDL: the id of MESSAGE, or a list of (msgno uid) for all."),
    def!("NET.POST-OFFICE" : "RESET-MAILBOX", "(pb)", 1, 1, reset_mailbox, "POP RSET: undo deletions."),
    def!("NET.POST-OFFICE" : "MAILBOX-MESSAGE-COUNT", "(mb)", 1, 1, mailbox_message_count, "The number of messages in the mailbox."),
    def!("NET.POST-OFFICE" : "MAILBOX-RECENT-MESSAGES", "(mb)", 1, 1, mailbox_recent_messages, "The RECENT count of the selected mailbox."),
    def!("NET.POST-OFFICE" : "MAILBOX-FLAGS", "(mb)", 1, 1, mailbox_flags, "The FLAGS of the selected mailbox, as keywords."),
    def!("NET.POST-OFFICE" : "MAILBOX-PERMANENT-FLAGS", "(mb)", 1, 1, mailbox_permanent_flags, "The PERMANENTFLAGS of the selected mailbox, as keywords."),
    def!("NET.POST-OFFICE" : "MAILBOX-SEPARATOR", "(mb)", 1, 1, mailbox_separator, "The hierarchy separator from LIST \"\" \"\"."),
    def!("NET.POST-OFFICE" : "MAILBOX-UIDVALIDITY", "(mb)", 1, 1, mailbox_uidvalidity, "The UIDVALIDITY of the selected mailbox."),
    def!("NET.POST-OFFICE" : "MAILBOX-UIDNEXT", "(mb)", 1, 1, mailbox_uidnext, "The UIDNEXT of the selected mailbox."),
    def!("NET.POST-OFFICE" : "MAILBOX-NAME", "(mb)", 1, 1, mailbox_name, "The name of the selected mailbox."),
    def!("NET.POST-OFFICE" : "PO-CONDITION", "(identifier &key server-string format-control format-arguments)", 1, MANY, po_condition_fn, "Signal a po-condition."),
    def!("NET.POST-OFFICE" : "PO-ERROR", "(identifier &key server-string format-control format-arguments)", 1, MANY, po_error_fn, "Signal a po-error."),
    def!("NET.POST-OFFICE" : "PO-CONDITION-IDENTIFIER", "(condition)", 1, 1, po_identifier, "The identifier keyword of a po-condition."),
    def!("NET.POST-OFFICE" : "PO-CONDITION-SERVER-STRING", "(condition)", 1, 1, po_server_string, "The server's text of a po-condition."),
    def!("NET.POST-OFFICE" : "MAILBOX-LIST-FLAGS", "(list)", 1, 1, nth0, "The flags of a mailbox-list entry."),
    def!("NET.POST-OFFICE" : "MAILBOX-LIST-SEPARATOR", "(list)", 1, 1, nth1, "The separator of a mailbox-list entry."),
    def!("NET.POST-OFFICE" : "MAILBOX-LIST-NAME", "(list)", 1, 1, nth2, "The name of a mailbox-list entry."),
    def!("NET.POST-OFFICE" : "ENVELOPE-DATE", "(envelope)", 1, 1, nth0, "The date of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-SUBJECT", "(envelope)", 1, 1, nth1, "The subject of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-FROM", "(envelope)", 1, 1, nth2, "The From addresses of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-SENDER", "(envelope)", 1, 1, nth3, "The Sender addresses of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-REPLY-TO", "(envelope)", 1, 1, nth4, "The Reply-To addresses of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-TO", "(envelope)", 1, 1, nth5, "The To addresses of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-CC", "(envelope)", 1, 1, nth6, "The Cc addresses of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-BCC", "(envelope)", 1, 1, nth7, "The Bcc addresses of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-IN-REPLY-TO", "(envelope)", 1, 1, nth8, "The In-Reply-To of an envelope."),
    def!("NET.POST-OFFICE" : "ENVELOPE-MESSAGE-ID", "(envelope)", 1, 1, nth9, "The Message-Id of an envelope."),
    def!("NET.POST-OFFICE" : "ADDRESS-NAME", "(address)", 1, 1, nth0, "The display name of an envelope address."),
    def!("NET.POST-OFFICE" : "ADDRESS-ADDITIONAL", "(address)", 1, 1, nth1, "The source route of an envelope address."),
    def!("NET.POST-OFFICE" : "ADDRESS-MAILBOX", "(address)", 1, 1, nth2, "The local part of an envelope address."),
    def!("NET.POST-OFFICE" : "ADDRESS-HOST", "(address)", 1, 1, nth3, "The domain of an envelope address."),
];

/// Exported names that are not functions (classes, macros).
const EXPORTS: &[&str] = &[
    "WITH-IMAP-CONNECTION",
    "WITH-POP-CONNECTION",
    "WITH-PART-STREAM",
    "WITH-DECODED-PART-BODY-STREAM",
    "WITH-FETCH-LETTER-SEQUENCE",
    "*IMAP-VERSION-NUMBER*",
];

fn po_sym(name: &str) -> Option<Sym> {
    find_package(PO).map(|p| intern_in(name, &p))
}

/// The condition classes, `*debug-imap*` and `*imap-version-number*`.
pub fn install(it: &mut Interp) {
    let Some(po) = find_package(PO) else { return };
    let slot = |n: &str| (intern_in(n, &po), vec![keyword(n)]);
    let cond = crate::eval::package::intern_external("PO-CONDITION", &po);
    it.define_class(
        cond.clone(),
        Some(cl_sym("CONDITION")),
        vec![],
        vec![slot("IDENTIFIER"), slot("SERVER-STRING")],
        true,
    );
    let err = crate::eval::package::intern_external("PO-ERROR", &po);
    it.define_class(err, Some(cond), vec![cl_sym("ERROR")], vec![], true);
    let dbg = intern_in("*DEBUG-IMAP*", &po);
    dbg.special.set(true);
    *dbg.value.borrow_mut() = Some(Value::Nil);
    for name in EXPORTS {
        let s = crate::eval::package::intern_external(name, &po);
        if *name == "*IMAP-VERSION-NUMBER*" {
            s.special.set(true);
            *s.value.borrow_mut() = Some(Value::list([
                Value::Symbol(keyword("MAJOR")),
                Value::Fixnum(1),
                Value::Symbol(keyword("MINOR")),
                Value::Fixnum(14),
            ]));
        }
    }
}

/// A `po-condition` (or `po-error`) whose report is Allegro's:
/// `Post Office condition: ID` / text / `Message from server: "…"`.
fn make_po(
    it: &mut Interp,
    class: &str,
    identifier: Value,
    server: &str,
    control: Value,
    arguments: Value,
) -> Value {
    let Some(class) = po_sym(class) else {
        return it.make_error("SIMPLE-ERROR", server);
    };
    let mut full = String::from("Post Office condition: ~s~%");
    let mut fargs = vec![identifier.clone()];
    if let Value::String(s) = &control {
        full.push_str(&s.borrow());
        fargs.extend(arguments.iter());
    }
    let trimmed = server.trim_start_matches(' ');
    if !trimmed.is_empty() {
        full.push_str("~&Message from server: ~s");
        fargs.push(Value::string(trimmed));
    }
    it.make_condition_of(
        &class,
        &[
            ("IDENTIFIER", identifier),
            ("SERVER-STRING", Value::string(server)),
            ("FORMAT-CONTROL", Value::string(full)),
            ("FORMAT-ARGUMENTS", Value::list(fargs)),
        ],
    )
}

/// Signal a `po-error` with our own message.
pub fn po_error<T>(it: &mut Interp, id: Identifier, message: &str, server: &str) -> LResult<T> {
    let c = make_po(
        it,
        "PO-ERROR",
        Value::Symbol(keyword(id.keyword())),
        server,
        Value::string(message.replace('~', "~~")),
        Value::Nil,
    );
    it.err(c)
}

fn engine_error<T>(it: &mut Interp, e: &PoError) -> LResult<T> {
    if e.identifier == Identifier::Interrupted {
        it.check_interrupt()?;
    }
    po_error(it, e.identifier, &e.message, &e.server_string)
}

fn po_signal_args(
    it: &mut Interp,
    a: &[Value],
    fname: &str,
) -> LResult<(Value, String, Value, Value)> {
    let kws = args::keywords(
        it,
        &a[1..],
        &["SERVER-STRING", "FORMAT-CONTROL", "FORMAT-ARGUMENTS"],
        fname,
    )?;
    let server = match args::kw(&kws, "SERVER-STRING") {
        Some(Value::String(s)) => s.borrow().clone(),
        _ => String::new(),
    };
    Ok((
        a[0].clone(),
        server,
        args::kw(&kws, "FORMAT-CONTROL").unwrap_or(Value::Nil),
        args::kw(&kws, "FORMAT-ARGUMENTS").unwrap_or(Value::Nil),
    ))
}

fn po_condition_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (id, server, control, fargs) = po_signal_args(it, a, "PO-CONDITION")?;
    let c = make_po(it, "PO-CONDITION", id, &server, control, fargs);
    it.signal(&c)?;
    Ok(Value::Nil)
}

fn po_error_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (id, server, control, fargs) = po_signal_args(it, a, "PO-ERROR")?;
    let c = make_po(it, "PO-ERROR", id, &server, control, fargs);
    it.err(c)
}

fn po_identifier(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(match Interp::slot_by_name(&a[0], "IDENTIFIER") {
        Value::Nil => Value::Symbol(keyword("UNKNOWN")),
        v => v,
    })
}

fn po_server_string(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(match Interp::slot_by_name(&a[0], "SERVER-STRING") {
        Value::Nil => Value::string(""),
        v => v,
    })
}

// ---- connections ----

struct ImapConn {
    session: RefCell<Option<ImapSession<Link>>>,
    host: String,
    /// The letter `fetch-letter-sequence` is reading.
    sequence: RefCell<letter_sequence::State>,
}

struct PopConn {
    session: RefCell<Option<PopSession<Link>>>,
    host: String,
    sequence: RefCell<letter_sequence::State>,
}

impl HostObject for ImapConn {
    fn type_name(&self) -> &str {
        "IMAP-MAILBOX"
    }
    fn describe(&self) -> String {
        self.host.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl HostObject for PopConn {
    fn type_name(&self) -> &str {
        "POP-MAILBOX"
    }
    fn describe(&self) -> String {
        self.host.clone()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

enum Conn<'a> {
    Imap(&'a ImapConn),
    Pop(&'a PopConn),
}

fn conn_of(v: &Value) -> Option<Conn<'_>> {
    let Value::Object(o) = v else { return None };
    let any = o.as_any();
    if let Some(c) = any.downcast_ref::<ImapConn>() {
        return Some(Conn::Imap(c));
    }
    any.downcast_ref::<PopConn>().map(Conn::Pop)
}

/// Where trace lines go: `*debug-imap*` (standard output) and, with `-v`,
/// standard error.
fn emit_trace(it: &mut Interp, lines: Vec<String>) {
    if lines.is_empty() {
        return;
    }
    let mut streams = Vec::new();
    let on = po_sym("*DEBUG-IMAP*")
        .and_then(|s| s.value.borrow().clone())
        .is_some_and(|v| v.truthy());
    if on {
        if let Some(Value::Stream(s)) = cl_sym("*STANDARD-OUTPUT*").value.borrow().clone() {
            streams.push(s);
        }
    }
    if routing(it).verbose {
        if let Some(Value::Stream(s)) = cl_sym("*ERROR-OUTPUT*").value.borrow().clone() {
            streams.push(s);
        }
    }
    for line in lines {
        for s in &streams {
            let _ = s.write_str(&format!("{line}\n"));
        }
    }
}

/// Signal the untagged replies Allegro signals (harmless unless handled).
fn signal_notices(it: &mut Interp, notices: Vec<Notice>) -> LResult<()> {
    for n in notices {
        let c = make_po(
            it,
            "PO-CONDITION",
            Value::Symbol(keyword(n.identifier.keyword())),
            &n.text,
            Value::Nil,
            Value::Nil,
        );
        it.signal(&c)?;
    }
    Ok(())
}

fn need_imap<'a>(it: &mut Interp, v: &'a Value) -> LResult<&'a ImapConn> {
    match conn_of(v) {
        Some(Conn::Imap(c)) => Ok(c),
        _ => type_err(it, v, "NET.POST-OFFICE::IMAP-MAILBOX"),
    }
}

fn need_pop<'a>(it: &mut Interp, v: &'a Value) -> LResult<&'a PopConn> {
    match conn_of(v) {
        Some(Conn::Pop(c)) => Ok(c),
        _ => type_err(it, v, "NET.POST-OFFICE::POP-MAILBOX"),
    }
}

/// What a mailbox session leaves behind for Lisp after each command: the
/// trace lines to print and the server notices to signal (POP has none).
trait SessionLog {
    fn drain(&mut self) -> (Vec<String>, Vec<Notice>);
}

impl SessionLog for ImapSession<Link> {
    fn drain(&mut self) -> (Vec<String>, Vec<Notice>) {
        (self.take_trace(), self.take_notices())
    }
}

impl SessionLog for PopSession<Link> {
    fn drain(&mut self) -> (Vec<String>, Vec<Notice>) {
        (self.take_trace(), Vec::new())
    }
}

/// Run `f` on an open session, then print its trace and signal its
/// notices; an engine error becomes a `po-error`.
fn with_session<S: SessionLog, T>(
    it: &mut Interp,
    cell: &RefCell<Option<S>>,
    f: impl FnOnce(&mut S) -> Result<T, PoError>,
) -> LResult<T> {
    let (result, (trace, notices)) = {
        let mut guard = cell.borrow_mut();
        let Some(s) = guard.as_mut() else {
            drop(guard);
            return po_error(
                it,
                Identifier::ServerShutdownConnection,
                "the connection is closed",
                "",
            );
        };
        let r = f(s);
        (r, s.drain())
    };
    emit_trace(it, trace);
    signal_notices(it, notices)?;
    match result {
        Ok(x) => Ok(x),
        Err(e) => engine_error(it, &e),
    }
}

fn with_imap<T>(
    it: &mut Interp,
    v: &Value,
    f: impl FnOnce(&mut ImapSession<Link>) -> Result<T, PoError>,
) -> LResult<T> {
    let conn = need_imap(it, v)?;
    with_session(it, &conn.session, f)
}

fn with_pop<T>(
    it: &mut Interp,
    v: &Value,
    f: impl FnOnce(&mut PopSession<Link>) -> Result<T, PoError>,
) -> LResult<T> {
    let conn = need_pop(it, v)?;
    with_session(it, &conn.session, f)
}

/// What `make-*-connection` was asked for.
struct ConnectArgs {
    endpoint: Endpoint,
    starttls: TlsMode,
    user: String,
    password: String,
    allow_insecure: bool,
}

fn text_kw(it: &mut Interp, v: Option<Value>, what: &str, fname: &str) -> LResult<String> {
    match v {
        Some(Value::String(s)) => Ok(s.borrow().clone()),
        Some(Value::Symbol(s)) if !s.is_keyword() && s.name != "NIL" => Ok(s.name.clone()),
        _ => it.simple_error(format!("{fname}: :{what} must be given as a string")),
    }
}

/// `host &key port user password timeout`, with Allegro's list host form
/// `(name :port p :ssl t :starttls t …TLS options)`.
fn connect_args(
    it: &mut Interp,
    a: &[Value],
    fname: &str,
    plain_port: u16,
    tls_port: u16,
) -> LResult<ConnectArgs> {
    let kws = args::keywords(it, &a[1..], &["PORT", "USER", "PASSWORD", "TIMEOUT"], fname)?;
    let user = text_kw(it, args::kw(&kws, "USER"), "user", fname)?;
    let password = text_kw(it, args::kw(&kws, "PASSWORD"), "password", fname)?;
    let timeout = match args::kw(&kws, "TIMEOUT") {
        None | Some(Value::Nil) => Duration::from_secs(30),
        Some(n) => {
            let secs = match &n {
                Value::Fixnum(_) | Value::Ratio(_) | Value::Single(_) | Value::Double(_) => {
                    crate::eval::types::number_f64(&n)
                }
                _ => f64::NAN,
            };
            if !(secs.is_finite() && secs > 0.0 && secs <= 366.0 * 86_400.0) {
                return type_err(it, &n, "(REAL (0) 31622400)");
            }
            Duration::from_secs_f64(secs)
        }
    };
    let port_kw = match args::kw(&kws, "PORT") {
        None | Some(Value::Nil) => None,
        Some(Value::Fixnum(p)) if (1..=65535).contains(&p) => Some(p as u16),
        Some(other) => return type_err(it, &other, "(INTEGER 1 65535)"),
    };
    let (server, list_port) = match &a[0] {
        Value::String(s) => {
            let host = s.borrow().clone();
            if host.is_empty() || host.contains(|c: char| c.is_whitespace() || c == '\0') {
                return it.simple_error(format!("{fname}: bad host {host:?}"));
            }
            (crate::mail::smtp::Server::new(host, plain_port), None)
        }
        list @ Value::Cons(_) => {
            // Allegro's defaults (993/995 with :ssl) unless the list names a port.
            let given_port = match list.cdr() {
                Value::Fixnum(p) => u16::try_from(p).ok(),
                _ => list.list_to_vec().and_then(|items| {
                    items[1..].chunks(2).find_map(|kv| match kv {
                        [Value::Symbol(k), Value::Fixnum(p)]
                            if k.is_keyword() && k.name == "PORT" =>
                        {
                            u16::try_from(*p).ok()
                        }
                        _ => None,
                    })
                }),
            };
            match server_form::parse(it, list)? {
                Target::Smtp(s) => (s, given_port),
                Target::Program(..) => {
                    return it.simple_error(format!("{fname}: a :program is not a mail server"))
                }
            }
        }
        other => return type_err(it, other, "(OR STRING CONS)"),
    };
    let implicit = server.tls == TlsMode::Implicit;
    // Allegro: with a list host form its own port (or the default); else :port.
    let port = match &a[0] {
        Value::Cons(_) => list_port.unwrap_or(if implicit { tls_port } else { plain_port }),
        _ => port_kw.unwrap_or(plain_port),
    };
    let mut endpoint = Endpoint {
        host: server.host.clone(),
        port,
        implicit_tls: implicit,
        tls_options: server.tls_options.clone(),
        timeout: server.timeout.unwrap_or(timeout),
        connect_to: None,
    };
    for ((h, p), to) in &routing(it).connect_to {
        if h.eq_ignore_ascii_case(&endpoint.host) && *p == endpoint.port {
            endpoint.connect_to = Some(to.clone());
        }
    }
    Ok(ConnectArgs {
        endpoint,
        starttls: if implicit { TlsMode::None } else { server.tls },
        user,
        password,
        allow_insecure: server.allow_insecure_auth,
    })
}

fn make_imap_connection(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = connect_args(it, a, "MAKE-IMAP-CONNECTION", 143, 993)?;
    let host = c.endpoint.host.clone();
    let result = (|| {
        let link = Link::open(&c.endpoint)?;
        let mut s = ImapSession::open(link, Limits::default(), true)?;
        let opened = (|| {
            match c.starttls {
                TlsMode::StartTls => s.starttls()?,
                TlsMode::StartTlsIfAvailable => match s.starttls() {
                    Err(e)
                        if e.identifier == Identifier::TlsFailed
                            && !s.is_tls()
                            && !s.is_closed() => {}
                    other => other?,
                },
                _ => {}
            }
            s.login(&c.user, &c.password, &host, c.allow_insecure)
        })();
        Ok::<_, PoError>((s, opened))
    })();
    let (mut s, opened) = match result {
        Ok(x) => x,
        Err(e) => return engine_error(it, &e),
    };
    let trace = s.take_trace();
    let notices = s.take_notices();
    emit_trace(it, trace);
    if let Err(e) = opened {
        return engine_error(it, &e);
    }
    signal_notices(it, notices)?;
    Ok(Value::Object(Rc::new(Box::new(ImapConn {
        session: RefCell::new(Some(s)),
        host,
        sequence: RefCell::default(),
    }))))
}

fn make_pop_connection(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = connect_args(it, a, "MAKE-POP-CONNECTION", 110, 995)?;
    let host = c.endpoint.host.clone();
    let result = (|| {
        let link = Link::open(&c.endpoint)?;
        let mut s = PopSession::open(link, DEFAULT_MAX_ANSWER, true)?;
        let opened = (|| {
            match c.starttls {
                TlsMode::StartTls => s.stls()?,
                TlsMode::StartTlsIfAvailable => match s.stls() {
                    Err(e) if e.identifier == Identifier::TlsFailed && !s.is_closed() => {}
                    other => other?,
                },
                _ => {}
            }
            s.login(&c.user, &c.password, &host, c.allow_insecure)
        })();
        Ok::<_, PoError>((s, opened))
    })();
    let (mut s, opened) = match result {
        Ok(x) => x,
        Err(e) => return engine_error(it, &e),
    };
    emit_trace(it, s.take_trace());
    if let Err(e) = opened {
        return engine_error(it, &e);
    }
    Ok(Value::Object(Rc::new(Box::new(PopConn {
        session: RefCell::new(Some(s)),
        host,
        sequence: RefCell::default(),
    }))))
}

fn close_connection(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let trace = match conn_of(&a[0]) {
        Some(Conn::Imap(c)) => c.session.borrow_mut().take().map(|mut s| {
            s.logout();
            s.take_trace()
        }),
        Some(Conn::Pop(c)) => c.session.borrow_mut().take().map(|mut s| {
            s.quit();
            s.take_trace()
        }),
        None => {
            return type_err(
                it,
                &a[0],
                "(OR NET.POST-OFFICE::IMAP-MAILBOX NET.POST-OFFICE::POP-MAILBOX)",
            )
        }
    };
    emit_trace(it, trace.unwrap_or_default());
    Ok(t())
}

/// Under `--read-only`, what would change the server is refused before
/// anything is sent.
fn refuse_if_read_only(it: &mut Interp, what: &str) -> LResult<()> {
    if routing(it).read_only {
        return po_error(
            it,
            Identifier::ReadOnly,
            &format!("{what} refused: --read-only is in effect"),
            "",
        );
    }
    Ok(())
}

fn string_arg(it: &mut Interp, v: &Value) -> LResult<String> {
    match v {
        Value::String(s) => Ok(s.borrow().clone()),
        Value::Symbol(s) => Ok(s.name.clone()),
        other => type_err(it, other, "STRING"),
    }
}

fn select_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = string_arg(it, &a[1])?;
    // EXAMINE opens the mailbox read-only: not even \Seen is set by fetches.
    let examine = routing(it).read_only;
    with_imap(it, &a[0], |s| s.select(&name, examine))?;
    Ok(t())
}

fn create_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "create-mailbox")?;
    let name = string_arg(it, &a[1])?;
    with_imap(it, &a[0], |s| s.simple("create", &[&name]))?;
    Ok(t())
}

fn delete_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "delete-mailbox")?;
    let name = string_arg(it, &a[1])?;
    with_imap(it, &a[0], |s| s.simple("delete", &[&name]))?;
    Ok(Value::Nil)
}

fn rename_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "rename-mailbox")?;
    let old = string_arg(it, &a[1])?;
    let new = string_arg(it, &a[2])?;
    with_imap(it, &a[0], |s| s.simple("rename", &[&old, &new]))?;
    Ok(Value::Nil)
}

fn close_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "close-mailbox")?;
    with_imap(it, &a[0], |s| s.simple("close", &[]))?;
    Ok(t())
}

/// A flag name as a keyword, upper-cased as ANSI-mode `kwd-intern` does.
fn flag_keyword(name: &str) -> Value {
    Value::Symbol(keyword(&name.to_uppercase()))
}

fn flags_value(names: &[String]) -> Value {
    Value::list(names.iter().map(|n| flag_keyword(n)).collect::<Vec<_>>())
}

fn mailbox_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(it, &a[1..], &["REFERENCE", "PATTERN"], "MAILBOX-LIST")?;
    let reference = match args::kw(&kws, "REFERENCE") {
        None => String::new(),
        Some(v) => string_arg(it, &v)?,
    };
    let pattern = match args::kw(&kws, "PATTERN") {
        None => String::new(),
        Some(v) => string_arg(it, &v)?,
    };
    let entries = with_imap(it, &a[0], |s| s.list(&reference, &pattern))?;
    // Allegro pushes each entry: the server's last line comes first.
    let out: Vec<Value> = entries
        .iter()
        .rev()
        .map(|e| {
            Value::list([
                flags_value(&e.flags),
                e.separator.clone().map(Value::string).unwrap_or(Value::Nil),
                Value::string(e.name.clone()),
            ])
        })
        .collect();
    Ok(Value::list(out))
}

/// A response item as Allegro's parser returns it; under `FLAGS`, atoms
/// become keywords.
fn item_value(item: &Item, flags: bool) -> Value {
    match item {
        Item::Atom(a) if flags => flag_keyword(a),
        Item::Atom(a) | Item::Text(a) => Value::string(a.clone()),
        Item::Number(n) => match i64::try_from(*n) {
            Ok(n) => Value::Fixnum(n),
            Err(_) => Value::string(n.to_string()),
        },
        Item::Nil => Value::Nil,
        Item::List(l) => Value::list(l.iter().map(|i| item_value(i, flags)).collect::<Vec<_>>()),
    }
}

/// `((msgno plist) …)`, newest first as Allegro pushes them.
fn fetch_value(entries: &[(u64, Vec<Item>)]) -> Value {
    let out: Vec<Value> = entries
        .iter()
        .rev()
        .map(|(n, items)| {
            let mut plist = Vec::new();
            let mut it = items.iter();
            while let Some(name) = it.next() {
                let key = match name {
                    Item::Atom(a) | Item::Text(a) => a.clone(),
                    other => format!("{other:?}"),
                };
                let flags = key.eq_ignore_ascii_case("FLAGS");
                let value = it
                    .next()
                    .map(|v| item_value(v, flags))
                    .unwrap_or(Value::Nil);
                plist.push(Value::string(key));
                plist.push(value);
            }
            Value::list([Value::Fixnum(*n as i64), Value::list(plist)])
        })
        .collect();
    Value::list(out)
}

fn uid_kw(it: &mut Interp, rest: &[Value], fname: &str) -> LResult<bool> {
    let kws = args::keywords(it, rest, &["UID"], fname)?;
    Ok(args::kw(&kws, "UID").is_some_and(|v| v.truthy()))
}

fn fetch_parts(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let uid = uid_kw(it, &a[3..], "FETCH-PARTS")?;
    let set = wire::message_set(it, &a[1])?;
    let parts = string_arg(it, &a[2])?;
    let r = with_imap(it, &a[0], |s| s.fetch(&set, &parts, uid))?;
    Ok(fetch_value(&r))
}

fn fetch_field(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let uid = uid_kw(it, &a[3..], "FETCH-FIELD")?;
    let field = string_arg(it, &a[1])?;
    for entry in args::list(it, &a[2])? {
        let plist = entry.cdr().car();
        let items = args::list(it, &plist)?;
        let lookup = |name: &str| {
            items.chunks(2).find_map(|kv| match &kv[0] {
                Value::String(k) if k.borrow().eq_ignore_ascii_case(name) => {
                    Some(kv.get(1).cloned().unwrap_or(Value::Nil))
                }
                _ => None,
            })
        };
        let matches = if uid {
            lookup("UID").is_some_and(|u| u.eql(&a[0]))
        } else {
            entry.car().eql(&a[0])
        };
        if matches {
            if let Some(v) = lookup(&field) {
                return Ok(v);
            }
        }
    }
    Ok(Value::Nil)
}

fn fetch_letter(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match conn_of(&a[0]) {
        Some(Conn::Pop(_)) => {
            let _ = uid_kw(it, &a[2..], "FETCH-LETTER")?;
            let n = pop_number(it, &a[1])?;
            let text = with_pop(it, &a[0], |s| s.command_multi(&format!("RETR {n}")))?;
            Ok(Value::string(text))
        }
        _ => {
            let uid = uid_kw(it, &a[2..], "FETCH-LETTER")?;
            let set = wire::message_set(it, &a[1])?;
            let r = with_imap(it, &a[0], |s| s.fetch(&set, "body[]", uid))?;
            let info = fetch_value(&r);
            let mut args = vec![a[1].clone(), Value::string("body[]"), info];
            if uid {
                args.push(Value::Symbol(keyword("UID")));
                args.push(t());
            }
            fetch_field(it, &args)
        }
    }
}

fn search_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let uid = uid_kw(it, &a[2..], "SEARCH-MAILBOX")?;
    let keys = wire::search_keys(it, &a[1])?;
    let r = with_imap(it, &a[0], |s| s.search(&keys, uid))?;
    Ok(Value::list(
        r.into_iter()
            .map(|n| Value::Fixnum(n as i64))
            .collect::<Vec<_>>(),
    ))
}

fn expunge_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "expunge-mailbox")?;
    let r = with_imap(it, &a[0], |s| s.expunge())?;
    Ok(Value::list(
        r.into_iter()
            .map(|n| Value::Fixnum(n as i64))
            .collect::<Vec<_>>(),
    ))
}

fn copy_to_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "copy-to-mailbox")?;
    let uid = uid_kw(it, &a[3..], "COPY-TO-MAILBOX")?;
    let set = wire::message_set(it, &a[1])?;
    let dest = string_arg(it, &a[2])?;
    with_imap(it, &a[0], |s| s.copy(&set, &dest, uid))?;
    Ok(t())
}

fn alter_flags(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "alter-flags")?;
    let kws = args::keywords(
        it,
        &a[2..],
        &["FLAGS", "ADD-FLAGS", "REMOVE-FLAGS", "SILENT", "UID"],
        "ALTER-FLAGS",
    )?;
    let silent = args::kw(&kws, "SILENT").is_some_and(|v| v.truthy());
    let uid = args::kw(&kws, "UID").is_some_and(|v| v.truthy());
    let (item, value) = if let Some(v) = args::kw(&kws, "FLAGS") {
        ("flags", v)
    } else if let Some(v) = args::kw(&kws, "ADD-FLAGS").filter(|v| v.truthy()) {
        ("+flags", v)
    } else if let Some(v) = args::kw(&kws, "REMOVE-FLAGS").filter(|v| v.truthy()) {
        ("-flags", v)
    } else {
        return Ok(Value::Nil);
    };
    let item = if silent {
        format!("{item}.silent")
    } else {
        item.to_string()
    };
    let set = wire::message_set(it, &a[1])?;
    let flags = wire::flag_list(it, &value)?;
    let r = with_imap(it, &a[0], |s| s.store(&set, &item, &flags, uid))?;
    Ok(fetch_value(&r))
}

fn delete_letter(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    refuse_if_read_only(it, "delete-letter")?;
    let kws = args::keywords(it, &a[2..], &["EXPUNGE", "UID"], "DELETE-LETTER")?;
    match conn_of(&a[0]) {
        Some(Conn::Pop(_)) => {
            let numbers = wire::message_numbers(it, &a[1])?;
            with_pop(it, &a[0], |s| {
                for n in numbers {
                    s.command(&format!("DELE {n}"))?;
                }
                Ok(())
            })?;
            Ok(Value::Nil)
        }
        _ => {
            let expunge = args::kw(&kws, "EXPUNGE").is_none_or(|v| v.truthy());
            let uid = args::kw(&kws, "UID").is_some_and(|v| v.truthy());
            let set = wire::message_set(it, &a[1])?;
            with_imap(it, &a[0], |s| s.store(&set, "+flags", "(\\DELETED)", uid))?;
            if expunge {
                expunge_mailbox(it, &a[..1])
            } else {
                Ok(Value::Nil)
            }
        }
    }
}

fn noop(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match conn_of(&a[0]) {
        Some(Conn::Pop(_)) => {
            let n = with_pop(it, &a[0], |s| s.stat())?;
            Ok(Value::Fixnum(n as i64))
        }
        _ => {
            with_imap(it, &a[0], |s| s.simple("noop", &[]))?;
            Ok(Value::Nil)
        }
    }
}

fn pop_number(it: &mut Interp, v: &Value) -> LResult<u64> {
    match v {
        Value::Fixnum(n) if *n >= 0 => Ok(*n as u64),
        other => po_error(
            it,
            Identifier::SyntaxError,
            &format!("not a message number: {}", prin1_to_string(other)),
            "",
        ),
    }
}

fn top_lines(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = pop_number(it, &a[1])?;
    let lines = pop_number(it, &a[2])?;
    let text = with_pop(it, &a[0], |s| s.command_multi(&format!("TOP {n} {lines}")))?;
    Ok(Value::string(text))
}

/// An all-digit id as Allegro reads it: an integer.
fn id_value(id: &str) -> Value {
    if !id.is_empty() && id.len() < 19 && id.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = id.parse::<i64>() {
            return Value::Fixnum(n);
        }
    }
    Value::string(id)
}

fn unique_id(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match a.get(1) {
        Some(m) if m.truthy() => {
            let n = pop_number(it, m)?;
            let id = with_pop(it, &a[0], |s| s.uidl_one(n))?;
            Ok(id_value(&id))
        }
        _ => {
            let all = with_pop(it, &a[0], |s| s.uidl_all())?;
            Ok(Value::list(
                all.into_iter()
                    .map(|(n, id)| {
                        // Allegro reads all-digit ids as numbers and prints them back.
                        let text = match id_value(&id) {
                            Value::Fixnum(k) => k.to_string(),
                            _ => id,
                        };
                        Value::list([Value::Fixnum(n as i64), Value::string(text)])
                    })
                    .collect::<Vec<_>>(),
            ))
        }
    }
}

fn reset_mailbox(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    with_pop(it, &a[0], |s| s.command("RSET"))?;
    Ok(Value::Nil)
}

fn mailbox_message_count(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let n = match conn_of(&a[0]) {
        Some(Conn::Pop(c)) => c.session.borrow().as_ref().map_or(0, |s| s.message_count),
        Some(Conn::Imap(c)) => c
            .session
            .borrow()
            .as_ref()
            .map_or(0, |s| s.mailbox.message_count),
        None => {
            return type_err(
                it,
                &a[0],
                "(OR NET.POST-OFFICE::IMAP-MAILBOX NET.POST-OFFICE::POP-MAILBOX)",
            )
        }
    };
    Ok(Value::Fixnum(n as i64))
}

fn imap_state<T>(
    it: &mut Interp,
    v: &Value,
    f: impl FnOnce(&crate::mail::mailbox::imap::MailboxState) -> T,
) -> LResult<T> {
    let conn = need_imap(it, v)?;
    let guard = conn.session.borrow();
    let default = crate::mail::mailbox::imap::MailboxState::default();
    Ok(f(guard.as_ref().map_or(&default, |s| &s.mailbox)))
}

fn mailbox_recent_messages(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    imap_state(it, &a[0], |m| Value::Fixnum(m.recent_messages as i64))
}
fn mailbox_flags(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    imap_state(it, &a[0], |m| flags_value(&m.flags))
}
fn mailbox_permanent_flags(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    imap_state(it, &a[0], |m| flags_value(&m.permanent_flags))
}
fn mailbox_separator(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    imap_state(it, &a[0], |m| {
        m.separator.clone().map(Value::string).unwrap_or(Value::Nil)
    })
}
fn mailbox_uidvalidity(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    imap_state(it, &a[0], |m| Value::Fixnum(m.uidvalidity as i64))
}
fn mailbox_uidnext(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    imap_state(it, &a[0], |m| Value::Fixnum(m.uidnext as i64))
}
fn mailbox_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    imap_state(it, &a[0], |m| Value::string(m.name.clone()))
}

/// The list-structure accessors are `nth` (Allegro's `(:type list)` structs).
fn nth(it: &mut Interp, v: &Value, n: usize) -> LResult<Value> {
    let mut cur = v.clone();
    for _ in 0..n {
        cur = match cur {
            Value::Cons(_) => cur.cdr(),
            Value::Nil => return Ok(Value::Nil),
            other => return type_err(it, &other, "LIST"),
        };
    }
    match cur {
        Value::Cons(_) => Ok(cur.car()),
        Value::Nil => Ok(Value::Nil),
        other => type_err(it, &other, "LIST"),
    }
}

macro_rules! nth_fns {
    ($($name:ident $n:literal),*) => {
        $(fn $name(it: &mut Interp, a: &[Value]) -> LResult<Value> { nth(it, &a[0], $n) })*
    };
}
nth_fns!(nth0 0, nth1 1, nth2 2, nth3 3, nth4 4, nth5 5, nth6 6, nth7 7, nth8 8, nth9 9);

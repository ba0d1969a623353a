//! The `server` argument of send-letter (behaviour §2): a host string,
//! `"host:port"`, an integer IPv4 address, `("host" . port)`, the long
//! form `("host" :port p :ssl b :starttls b ...)`, or `(:program . cmd)`.
//! The caller's list is only read, never modified (Allegro's `remf` does).

use std::path::PathBuf;
use std::time::Duration;

use crate::builtins::args;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::mail::program::ProgramCommand;
use crate::mail::smtp::{AuthMechanism, Server, TlsMode, TlsVersion};
use crate::printer::prin1_to_string;

/// Where a letter goes.
pub enum Target {
    Smtp(Server),
    /// The command, and the Lisp form as given (for the dry-run record).
    Program(ProgramTarget, serde_json::Value),
}

/// A `:program` and its time limit.
pub struct ProgramTarget {
    pub command: ProgramCommand,
    /// `:timeout` at the end of the list form; `None` = the default
    /// ([`crate::mail::program::PROGRAM_TIMEOUT`]).
    pub timeout: Option<Duration>,
}

fn bad_server<T>(it: &mut Interp, v: &Value, why: &str) -> LResult<T> {
    let msg = format!("send-letter: bad server {}: {why}", prin1_to_string(v));
    let c = it.make_condition(
        "SIMPLE-TYPE-ERROR",
        &[
            ("DATUM", v.clone()),
            (
                "EXPECTED-TYPE",
                crate::eval::condition::type_spec_from_text("(OR STRING INTEGER CONS)"),
            ),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
        ],
    );
    it.err(c)
}

/// `"host:port"` when the string matches `^([^:]+):([0-9]+)$`.
fn split_host_port(s: &str) -> Option<(&str, &str)> {
    let (h, p) = s.split_once(':')?;
    if h.is_empty() || p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((h, p))
}

fn port_of(it: &mut Interp, whole: &Value, v: &Value) -> LResult<u16> {
    match v {
        Value::Fixnum(n) if (1..=65535).contains(n) => Ok(*n as u16),
        Value::String(s) => match s.borrow().parse::<u16>() {
            Ok(p) if p > 0 => Ok(p),
            _ => bad_server(it, whole, "the port must be an integer from 1 to 65535"),
        },
        _ => bad_server(it, whole, "the port must be an integer from 1 to 65535"),
    }
}

fn host_of(it: &mut Interp, whole: &Value, s: &str) -> LResult<String> {
    if s.is_empty() || s.contains(['\r', '\n', '\0', ' ', '\t']) {
        return bad_server(
            it,
            whole,
            "the host name is empty or contains white space or a line break",
        );
    }
    Ok(s.to_string())
}

/// Parse a server argument.
pub fn parse(it: &mut Interp, v: &Value) -> LResult<Target> {
    match v {
        Value::String(s) => {
            let s = s.borrow().clone();
            match split_host_port(&s) {
                Some((h, p)) => {
                    let host = host_of(it, v, h)?;
                    let port = port_of(it, v, &Value::string(p))?;
                    Ok(Target::Smtp(Server::new(host, port)))
                }
                // One colon and no port after it (`"localhost:25x"`): refused
                // here, so a dry run refuses it as the real run would. More
                // colons are an IPv6 address.
                None if s.matches(':').count() == 1 && !s.starts_with('[') => bad_server(
                    it,
                    v,
                    "the port after ':' must be an integer from 1 to 65535",
                ),
                None => Ok(Target::Smtp(Server::new(host_of(it, v, &s)?, 25))),
            }
        }
        Value::Fixnum(n) if (0..=u32::MAX as i64).contains(n) => {
            let ip = std::net::Ipv4Addr::from(*n as u32);
            Ok(Target::Smtp(Server::new(ip.to_string(), 25)))
        }
        Value::Cons(_) => {
            let head = v.car();
            if let Value::Symbol(s) = &head {
                if s.is_keyword() && s.name == "PROGRAM" {
                    return parse_program(it, v);
                }
            }
            let Value::String(h) = &head else {
                return bad_server(it, v, "a server list starts with the host name (a string) or :program");
            };
            let host = host_of(it, v, &h.borrow().clone())?;
            let rest = v.cdr();
            if !rest.is_cons() {
                let port = port_of(it, v, &rest)?;
                return Ok(Target::Smtp(Server::new(host, port)));
            }
            parse_long_form(it, v, host, &rest)
        }
        _ => bad_server(it, v, "expected a host string, \"host:port\", an integer IPv4 address, (host . port), (host :port p ...) or (:program . command)"),
    }
}

fn parse_program(it: &mut Interp, v: &Value) -> LResult<Target> {
    match v.cdr() {
        Value::String(s) => {
            let cmd = s.borrow().clone();
            if cmd.trim().is_empty() || cmd.contains('\0') {
                return bad_server(it, v, "the :program command is empty or contains NUL");
            }
            Ok(Target::Program(
                ProgramTarget {
                    command: ProgramCommand::Shell(cmd.clone()),
                    timeout: None,
                },
                serde_json::Value::String(cmd),
            ))
        }
        list @ Value::Cons(_) => {
            let mut argv = Vec::new();
            let mut timeout = None;
            let items = args::list(it, &list)?;
            let mut items = items.iter();
            while let Some(item) = items.next() {
                match item {
                    Value::String(s) if timeout.is_none() && !s.borrow().contains('\0') => {
                        argv.push(s.borrow().clone())
                    }
                    // `("prog" "arg" ... :timeout secs)`: a keyword cannot
                    // be an argument, so it can only be the option.
                    Value::Symbol(k)
                        if k.is_keyword() && k.name == "TIMEOUT" && timeout.is_none() =>
                    {
                        timeout = Some(timeout_arg(it, v, items.next())?);
                    }
                    _ => {
                        return bad_server(
                            it,
                            v,
                            "every element of a :program list must be a string without NUL, \
                             optionally followed by :timeout seconds",
                        )
                    }
                }
            }
            if argv.first().is_none_or(|p| p.is_empty()) {
                return bad_server(it, v, "the :program list needs a program name");
            }
            let json = serde_json::Value::Array(
                argv.iter()
                    .cloned()
                    .map(serde_json::Value::String)
                    .collect(),
            );
            Ok(Target::Program(
                ProgramTarget {
                    command: ProgramCommand::Argv(argv),
                    timeout,
                },
                json,
            ))
        }
        _ => bad_server(
            it,
            v,
            "(:program . \"command line\") or (:program . (\"prog\" \"arg\" ...))",
        ),
    }
}

/// A `:timeout` value: a positive number of seconds (at most a year, so
/// that adding it to the clock cannot overflow).
fn timeout_arg(it: &mut Interp, whole: &Value, v: Option<&Value>) -> LResult<Duration> {
    let secs = match v {
        Some(
            n @ (Value::Fixnum(_)
            | Value::Bignum(_)
            | Value::Ratio(_)
            | Value::Single(_)
            | Value::Double(_)),
        ) => crate::eval::types::number_f64(n),
        _ => f64::NAN,
    };
    if !(secs.is_finite() && secs > 0.0 && secs <= 366.0 * 86_400.0) {
        return bad_server(
            it,
            whole,
            ":timeout must be a positive number of seconds (at most a year)",
        );
    }
    Ok(Duration::from_secs_f64(secs))
}

fn path_arg(it: &mut Interp, whole: &Value, key: &str, v: &Value) -> LResult<PathBuf> {
    match v {
        Value::String(s) => Ok(PathBuf::from(s.borrow().as_str())),
        Value::Pathname(p) => Ok(PathBuf::from(p.namestring())),
        _ => bad_server(
            it,
            whole,
            &format!(":{} must be a file name", key.to_lowercase()),
        ),
    }
}

fn parse_long_form(it: &mut Interp, whole: &Value, host: String, plist: &Value) -> LResult<Target> {
    let items = match plist.list_to_vec() {
        Some(i) if i.len() % 2 == 0 => i,
        _ => {
            return bad_server(
                it,
                whole,
                "the options after the host must be a property list (:key value ...)",
            )
        }
    };
    let mut server = Server::new(host, 25);
    let mut port = None;
    let mut ssl = false;
    let mut starttls = None;
    for kv in items.chunks(2) {
        let key = match &kv[0] {
            Value::Symbol(s) if s.is_keyword() => s.name.clone(),
            other => {
                return bad_server(
                    it,
                    whole,
                    &format!("{} is not a keyword", prin1_to_string(other)),
                )
            }
        };
        let val = &kv[1];
        match key.as_str() {
            "PORT" => port = Some(port_of(it, whole, val)?),
            "SSL" => ssl = val.truthy(),
            "STARTTLS" => {
                starttls = Some(match val {
                    Value::Nil => TlsMode::None,
                    Value::Symbol(s) if s.is_keyword() && s.name == "IF-AVAILABLE" => {
                        TlsMode::StartTlsIfAvailable
                    }
                    _ => TlsMode::StartTls,
                })
            }
            "CA-FILE" => server.tls_options.ca_file = Some(path_arg(it, whole, &key, val)?),
            "CA-DIRECTORY" => {
                server.tls_options.ca_directory = Some(path_arg(it, whole, &key, val)?)
            }
            "CERTIFICATE" => server.tls_options.certificate = Some(path_arg(it, whole, &key, val)?),
            "KEY" => server.tls_options.key = Some(path_arg(it, whole, &key, val)?),
            "VERIFY" => server.tls_options.verify = val.truthy(),
            "METHOD" => {
                let m = val.as_symbol().map(|s| s.name.clone()).unwrap_or_default();
                server.tls_options.min_version = match m.as_str() {
                    "TLSV1.3" => TlsVersion::Tls13,
                    "TLSV1.2" | "SSLV23" | "TLSV1" | "TLSV1.1" => TlsVersion::Tls12,
                    _ => {
                        return bad_server(
                            it,
                            whole,
                            ":method must be :tlsv1.2, :tlsv1.3, :sslv23 or :tlsv1",
                        )
                    }
                }
            }
            "SERVER-NAME" => match val {
                Value::String(s) => server.tls_options.server_name = Some(s.borrow().clone()),
                _ => return bad_server(it, whole, ":server-name must be a string"),
            },
            "TIMEOUT" => server.timeout = Some(timeout_arg(it, whole, Some(val))?),
            "AUTH" => {
                let m = val.as_symbol().map(|s| s.name.clone()).unwrap_or_default();
                server.auth = Some(match m.as_str() {
                    "PLAIN" => AuthMechanism::Plain,
                    "LOGIN" => AuthMechanism::Login,
                    "CRAM-MD5" => AuthMechanism::CramMd5,
                    "XOAUTH2" => AuthMechanism::Xoauth2,
                    _ => {
                        return bad_server(
                            it,
                            whole,
                            ":auth must be :plain, :login, :cram-md5 or :xoauth2",
                        )
                    }
                })
            }
            "CLIENT-NAME" => match val {
                Value::String(s) => server.client_name = Some(s.borrow().clone()),
                _ => return bad_server(it, whole, ":client-name must be a string"),
            },
            "ALLOW-INSECURE-AUTH" => server.allow_insecure_auth = val.truthy(),
            other => {
                return bad_server(
                    it,
                    whole,
                    &format!("unknown option :{}", other.to_lowercase()),
                )
            }
        }
    }
    server.tls = if ssl {
        TlsMode::Implicit
    } else {
        starttls.unwrap_or(TlsMode::None)
    };
    server.port = port.unwrap_or(if ssl { 465 } else { 25 });
    Ok(Target::Smtp(server))
}

//! Delivery settings from the command line: dry-run sink, `--connect-to`
//! routes, verbose tracing. Kept in the interpreter for the mail builtins.

use crate::eval::Interp;

/// Delivery settings.
#[derive(Debug, Default, Clone)]
pub struct Routing {
    pub sink: Option<std::path::PathBuf>,
    /// (host, port) → (host2, port2)
    pub connect_to: Vec<((String, u16), (String, u16))>,
    pub verbose: bool,
    /// `--read-only`: reading mail must change nothing on the server.
    pub read_only: bool,
}

/// Parse `HOST:PORT:HOST2:PORT2` (IPv6 literals in brackets).
pub fn parse_connect_to(spec: &str) -> Option<((String, u16), (String, u16))> {
    let mut parts = Vec::new();
    let mut rest = spec;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            parts.push(r[..end].to_string());
            rest = &r[end + 1..];
            rest = rest.strip_prefix(':').unwrap_or(rest);
        } else {
            match rest.find(':') {
                Some(i) => {
                    parts.push(rest[..i].to_string());
                    rest = &rest[i + 1..];
                }
                None => {
                    parts.push(rest.to_string());
                    rest = "";
                }
            }
        }
    }
    if parts.len() != 4 {
        return None;
    }
    let p1 = parts[1].parse().ok()?;
    let p2 = parts[3].parse().ok()?;
    if parts[0].is_empty() || parts[2].is_empty() {
        return None;
    }
    Some(((parts[0].clone(), p1), (parts[2].clone(), p2)))
}

pub fn configure(it: &mut Interp, sink: Option<&str>, connect_to: &[String], verbose: bool) {
    let r = Routing {
        sink: sink.map(std::path::PathBuf::from),
        connect_to: connect_to
            .iter()
            .filter_map(|s| parse_connect_to(s))
            .collect(),
        verbose,
        read_only: false,
    };
    it.ext.insert("routing", Box::new(r));
}

/// `--read-only` (see `builtins/imap.rs`).
pub fn set_read_only(it: &mut Interp, on: bool) {
    let mut r = routing(it);
    r.read_only = on;
    it.ext.insert("routing", Box::new(r));
}

/// The routing settings of this interpreter.
pub fn routing(it: &Interp) -> Routing {
    it.ext
        .get("routing")
        .and_then(|b| b.downcast_ref::<Routing>())
        .cloned()
        .unwrap_or_default()
}

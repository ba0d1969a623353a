//! The session trace (`*smtp-debug*`, `-v`): every command and reply as it
//! happens, AUTH payloads redacted.

use std::fmt;

use super::reply::Reply;

/// One thing that happened in a session.
#[derive(Debug, Clone, Copy)]
pub enum TraceEvent<'a> {
    /// A command we sent, already redacted (see `Command::trace_text`).
    Command(&'a str),
    /// A reply we received.
    Reply(&'a Reply),
    /// Something else worth knowing (connected, TLS up, bytes of content).
    Note(&'a str),
}

/// Allegro's wording for commands: `to smtp command: "<cmd>"`; replies as
/// received; notes as `;; note`.
impl fmt::Display for TraceEvent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceEvent::Command(c) => write!(f, "to smtp command: \"{c}\""),
            TraceEvent::Reply(r) => write!(f, "{r}"),
            TraceEvent::Note(n) => write!(f, ";; {n}"),
        }
    }
}

/// Receives trace events. Any `FnMut(&TraceEvent)` is a `Trace`.
pub trait Trace {
    /// Called for each event, in order.
    fn event(&mut self, event: &TraceEvent<'_>);
}

impl<F: FnMut(&TraceEvent<'_>)> Trace for F {
    fn event(&mut self, event: &TraceEvent<'_>) {
        self(event)
    }
}

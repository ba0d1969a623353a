//! Keeping secrets out of traces and errors. The commands we send are
//! redacted where they are made (`Command::trace_text`); this covers what
//! comes back: a server may echo an AUTH response (`535 5.7.8 bad
//! AGFsaWNl...`), and that reply reaches the trace and the error. Every
//! secret the client sent — the password or token, each base64 string of
//! the AUTH exchange, a CRAM-MD5 digest — is replaced by `<redacted>`
//! wherever it reappears, whatever its length: a trace is less readable
//! with a short password blotted out, but never shows it.

use std::cell::RefCell;
use std::rc::Rc;

use super::reply::Reply;
use super::trace::{Trace, TraceEvent};

/// What replaces a secret.
pub const REDACTED: &str = "<redacted>";

/// The secrets of one session, shared by the session (which adds each AUTH
/// response as it makes it) and the trace (which redacts with them).
#[derive(Debug, Clone, Default)]
pub struct Secrets(Rc<RefCell<Vec<String>>>);

impl Secrets {
    /// Remember `secret` (empty strings are ignored).
    pub fn add(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut list = self.0.borrow_mut();
        if !list.iter().any(|s| s == secret) {
            list.push(secret.to_string());
            // Longest first, so a secret inside another is not left in parts.
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every secret replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        let list = self.0.borrow();
        let mut out = text.to_string();
        for secret in list.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }

    /// True if `text` shows a secret.
    pub fn shows_any(&self, text: &str) -> bool {
        self.0.borrow().iter().any(|s| text.contains(s.as_str()))
    }

    /// `reply` with its text redacted (the code is kept).
    pub fn redact_reply(&self, reply: &Reply) -> Reply {
        let lines = reply.lines().iter().map(|l| self.redact(l)).collect();
        Reply::new(reply.code(), lines)
    }
}

/// A trace that redacts the secrets before passing events on.
pub struct Redacting<'t> {
    inner: &'t mut dyn Trace,
    secrets: Secrets,
}

impl<'t> Redacting<'t> {
    /// Wrap `inner`.
    pub fn new(inner: &'t mut dyn Trace, secrets: Secrets) -> Self {
        Redacting { inner, secrets }
    }
}

impl Trace for Redacting<'_> {
    fn event(&mut self, event: &TraceEvent<'_>) {
        match event {
            TraceEvent::Command(c) => self
                .inner
                .event(&TraceEvent::Command(&self.secrets.redact(c))),
            TraceEvent::Reply(r) => {
                let r = self.secrets.redact_reply(r);
                self.inner.event(&TraceEvent::Reply(&r))
            }
            TraceEvent::Note(n) => self.inner.event(&TraceEvent::Note(&self.secrets.redact(n))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_is_replaced_longest_first() {
        let s = Secrets::default();
        s.add("pw");
        s.add("AHVzZXIAcHc=");
        s.add("");
        s.add("pw");
        assert_eq!(
            s.redact("535 bad AHVzZXIAcHc= (pw)"),
            "535 bad <redacted> (<redacted>)"
        );
        assert_eq!(s.redact("nothing here"), "nothing here");
        assert!(s.shows_any("a pw"));
    }

    #[test]
    fn traced_replies_are_redacted() {
        let s = Secrets::default();
        s.add("s3cret");
        let mut seen = Vec::new();
        let mut sink = |e: &TraceEvent<'_>| seen.push(e.to_string());
        let mut t = Redacting::new(&mut sink, s.clone());
        let reply = Reply::new(535, vec!["5.7.8 bad s3cret".into()]);
        t.event(&TraceEvent::Reply(&reply));
        t.event(&TraceEvent::Note("s3cret"));
        assert_eq!(seen, ["535 5.7.8 bad <redacted>", ";; <redacted>"]);
    }
}

//! The mail engine: SMTP delivery, TLS, MIME construction and the wire
//! encoding. Nothing here knows about Lisp; the builtins in
//! `src/builtins/smtp.rs` and `src/builtins/mime.rs` translate Lisp
//! arguments into these types and engine errors into Lisp conditions.

pub mod address;
pub mod dkim;
pub mod dns;
pub mod header_text;
pub mod letter;
pub mod mailbox;
pub mod mime;
pub mod mime_parse;
pub mod program;
pub mod smtp;
pub mod wire;

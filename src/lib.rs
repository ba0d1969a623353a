//! sendletter: a Common Lisp interpreter that runs Allegro `send-letter` mail
//! scripts unchanged, with a built-in SMTP/MIME engine.
//!
//! Layers (see `src/README.md`):
//! - [`mail`]: the mail engine (SMTP session, TLS, MIME writer, wire encoder).
//!   It knows nothing of Lisp.

pub mod mail;

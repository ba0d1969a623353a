//! Reading mail: the IMAP and POP clients of Allegro's `net.post-office`.
//! Knows nothing of Lisp; `src/builtins/imap.rs` is the Lisp face.
//!
//! - [`response`]: IMAP responses, framed and parsed from bytes, bounded
//! - [`imap`], [`pop`]: the dialogues, over any [`channel::Channel`]
//! - [`link`]: the real channel (TCP, rustls, deadlines, `--connect-to`)
//! - [`error`]: failures named by Allegro's `po-condition` identifiers

pub mod channel;
pub mod error;
pub mod imap;
pub mod link;
pub mod pop;
pub mod response;

pub use error::{Identifier, PoError};

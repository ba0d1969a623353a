//! sendletter: a Common Lisp interpreter that runs Allegro `send-letter` mail
//! scripts unchanged, with a built-in SMTP/MIME engine.
//!
//! Layers (see `src/README.md`):
//! - [`reader`]: text to forms (CLHS 2).
//! - [`printer`]: forms to text (CLHS 22).
//! - [`eval`]: values, packages, special forms, conditions.
//! - [`mail`]: the mail engine (SMTP session, TLS, MIME writer, wire
//!   encoder). It knows nothing of Lisp.

pub mod alloc_count;
pub mod builtins;
pub mod check;
pub mod cli;
pub mod clos;
pub mod eval;
pub mod host;
pub mod mail;
pub mod printer;
pub mod reader;
pub mod repl;
pub mod stack;
pub mod toplevel;

/// The largest stack Lisp runs on (see [`stack`] for the smaller ones
/// taken under a virtual-memory limit). The evaluator's depth limit
/// (`Interp::max_depth`) keeps recursion well inside it.
pub const STACK_SIZE: usize = stack::SIZES[0];

//! Helpers shared by the integration tests.
#![allow(dead_code, unused_imports)]

pub mod dkim;
pub mod fake_server;
pub mod in_process;
pub mod letters;
pub mod pty;
pub mod transcripts;

pub use fake_server::*;
pub use letters::*;
pub use pty::*;

//! Benchmark helpers for sendletter. The modules are self-contained (std,
//! rustls, rcgen) so `tests/bench_smoke.rs` in the main crate can include
//! the same files with `#[path]` and run them in-process.

pub mod client;
pub mod sink;

//! The `sendletter` binary: parse the command line and run it on a large
//! stack (deep Lisp recursion ends in a Lisp error, not a crash; the
//! evaluator measures its stack use well within this one).

use std::io::Write;

use sendletter::cli;

/// mimalloc: Lisp allocates many small, short-lived objects (conses,
/// bindings, strings); it serves them markedly faster than the system
/// allocator (see docs/BENCHMARKS.md). Version 2 (Cargo.toml): version 3's
/// arena bitmaps cost some 60 page faults at start-up, and the workloads
/// run the same number of instructions with either.
/// Counted, for `time`'s "bytes consed" (`alloc_count`).
#[global_allocator]
static GLOBAL: sendletter::alloc_count::Counting<mimalloc::MiMalloc> =
    sendletter::alloc_count::Counting(mimalloc::MiMalloc);

fn main() {
    let args: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let config = match cli::parse_args(&args) {
        Ok(c) => c,
        Err(msg) => {
            cli::error_line(&msg);
            let _ = writeln!(std::io::stderr(), "Try 'sendletter --help'.");
            exit_now(cli::EXIT_USAGE);
        }
    };
    // The stack is switched on this thread rather than given to a new one:
    // creating, scheduling and joining a thread was an eighth of start-up.
    // Under a virtual-memory limit the largest stack that can be reserved
    // is taken; if none can, Lisp runs on the main thread's own stack
    // with the evaluator's default (small) budget.
    let run = std::panic::AssertUnwindSafe(move || match sendletter::stack::choose() {
        Some(size) => stacker::grow(size, move || cli::run(config, Some(size))),
        None => cli::run(config, None),
    });
    // Any panic, including one reserving the stack, is an internal error
    // with the status --help documents.
    let status = std::panic::catch_unwind(run).unwrap_or_else(|_| {
        cli::error_line("internal error");
        cli::EXIT_INTERNAL
    });
    exit_now(status);
}

/// End the process without the C library's exit handlers: the only one is
/// the allocator's, which hands its pages back to the OS one `madvise` at
/// a time, about 0.3 ms of a 2 ms run. Everything that matters is done by
/// then (the interpreter dropped, so streams closed and children waited
/// for); Rust's own buffered stdout and stderr are flushed here.
fn exit_now(status: i32) -> ! {
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // SAFETY: `_exit` only ends the process; no Rust state is used after.
    unsafe { libc::_exit(status) }
}

//! Ctrl-C at the REPL. The SIGINT handler only sets a flag; the evaluator
//! looks at it at every call, every interpreted form and every loop
//! iteration, and signals `SENDLETTER:INTERACTIVE-INTERRUPT`: a serious
//! condition that is not an error (as SBCL's `interactive-interrupt`), so a
//! `handler-case` for `error` does not swallow it, while `unwind-protect`
//! cleanups run. Scripts keep the default action: Ctrl-C ends them.
//!
//! Blocking waits outside the evaluator (a server's reply, a TLS
//! handshake, a connect, a `:program`) wait in slices of at most
//! [`POLL_SLICE`] and give up when [`pending`] turns true, leaving the flag
//! set so the evaluator signals the interrupt as for any other form.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

static PENDING: AtomicBool = AtomicBool::new(false);
static CAUGHT: AtomicBool = AtomicBool::new(false);

/// Longest a blocking wait goes without looking at [`pending`]: Ctrl-C is
/// answered within this time.
pub const POLL_SLICE: Duration = Duration::from_millis(100);

extern "C" fn on_sigint(_: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    PENDING.store(true, Ordering::Relaxed);
}

/// Turn SIGINT into a pending interrupt for the rest of the process.
pub fn catch_sigint() {
    // SAFETY: a zeroed sigaction is a valid starting value; the handler
    // only stores to an atomic; SA_RESTART keeps system calls from failing
    // with EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigint as extern "C" fn(libc::c_int) as libc::sighandler_t;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        if libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut()) == 0 {
            CAUGHT.store(true, Ordering::Relaxed);
        }
    }
}

/// Is SIGINT turned into a pending interrupt (the REPL)? Without it,
/// [`pending`] never becomes true and Ctrl-C ends the process.
#[inline]
pub fn caught() -> bool {
    CAUGHT.load(Ordering::Relaxed)
}

/// Has Ctrl-C been pressed since the last [`clear`]?
#[inline]
pub fn pending() -> bool {
    PENDING.load(Ordering::Relaxed)
}

/// Forget a pending interrupt (taken, or pressed after the form ended).
pub fn clear() {
    PENDING.store(false, Ordering::Relaxed);
}

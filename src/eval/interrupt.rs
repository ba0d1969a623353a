//! Ctrl-C at the REPL. The SIGINT handler only sets a flag; the evaluator
//! looks at it at every call, every interpreted form and every loop
//! iteration, and signals `SENDLETTER:INTERACTIVE-INTERRUPT`: a serious
//! condition that is not an error (as SBCL's `interactive-interrupt`), so a
//! `handler-case` for `error` does not swallow it, while `unwind-protect`
//! cleanups run. Scripts keep the default action: Ctrl-C ends them.
//!
//! A blocking read (of standard input, or from a server within its
//! timeout) finishes before the interrupt is seen.

use std::sync::atomic::{AtomicBool, Ordering};

static PENDING: AtomicBool = AtomicBool::new(false);

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
        libc::sigaction(libc::SIGINT, &action, std::ptr::null_mut());
    }
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

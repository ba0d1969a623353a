//! The stack guard for Rust recursion that data drives: `equal` on a
//! circular list, `copy-tree` of a list nested millions deep, hashing such
//! a key, reading `((((...`. Each such recursion asks [`check`] at every
//! level and, when the stack is nearly used up, stops with [`TooDeep`],
//! which the builtin turns into a `storage-condition` (as SBCL signals
//! "Control stack exhausted"), instead of overflowing the stack (SIGSEGV).
//!
//! Like the evaluator's own limit (`Interp::set_stack_budget`), the stack
//! itself is measured rather than a depth counted: frame sizes differ
//! between builds and between the functions that recurse.

use std::cell::Cell;

/// Recursion over data stopped: the data is circular or nested too deeply
/// for the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooDeep;

/// Stack left free on a thread whose budget was never set (a test thread,
/// or the library used from another program): enough for the error's
/// report and the handlers that run after the recursion has unwound.
const UNSET_RESERVE: usize = 256 << 10;

thread_local! {
    /// The lowest stack address data recursion may reach on this thread;
    /// 0 when unset.
    static FLOOR: Cell<usize> = const { Cell::new(0) };
}

/// The address of a local: how deep the stack currently is.
#[inline(never)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Let data recursion on this thread use `bytes` of stack below the
/// current position (the CLI gives it the evaluator's budget).
pub fn set_budget(bytes: usize) {
    let floor = stack_address().saturating_sub(bytes).max(1);
    FLOOR.with(|f| f.set(floor));
}

/// Is the stack nearly used up?
#[inline]
pub fn exhausted() -> bool {
    let floor = FLOOR.with(Cell::get);
    if floor != 0 {
        return stack_address() < floor;
    }
    stacker::remaining_stack().is_some_and(|left| left < UNSET_RESERVE)
}

/// `Err(TooDeep)` when recursion must stop here.
#[inline]
pub fn check() -> Result<(), TooDeep> {
    if exhausted() {
        Err(TooDeep)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nest(n: usize) -> Result<usize, TooDeep> {
        check()?;
        if n == 0 {
            return Ok(0);
        }
        // Some stack per level, as the real recursions have.
        let pad = std::hint::black_box([0u8; 256]);
        Ok(nest(n - 1)? + pad[0] as usize)
    }

    #[test]
    fn unbounded_recursion_stops_with_too_deep() {
        // On a small thread, whatever the budget: no stack overflow.
        let r = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| (nest(usize::MAX), nest(100)))
            .map(|h| h.join());
        let (deep, shallow) = r.ok().and_then(|j| j.ok()).unwrap_or((Ok(1), Err(TooDeep)));
        assert_eq!(deep, Err(TooDeep));
        assert_eq!(shallow, Ok(0));
    }

    #[test]
    fn a_set_budget_is_the_limit() {
        let r = std::thread::Builder::new()
            .stack_size(8 << 20)
            .spawn(|| {
                set_budget(64 << 10);
                // 64 KiB: a few hundred levels of 256 bytes, not 10,000.
                (nest(10_000), nest(10))
            })
            .map(|h| h.join());
        let (deep, shallow) = r.ok().and_then(|j| j.ok()).unwrap_or((Ok(1), Err(TooDeep)));
        assert_eq!(deep, Err(TooDeep));
        assert_eq!(shallow, Ok(0));
    }
}

//! Bytes allocated so far, for `time`'s "bytes consed" line (as SBCL's
//! `time` reports): the binary's global allocator wraps its allocator in
//! [`Counting`], which adds each allocation's size to one counter.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicU64, Ordering};

static ALLOCATED: AtomicU64 = AtomicU64::new(0);

/// An allocator that counts the bytes it hands out, then defers to `A`.
pub struct Counting<A>(pub A);

/// A load and a store, not `fetch_add`: no locked instruction on every
/// allocation. Lisp runs on one thread; an allocation on another thread at
/// the same instant can at worst lose a count from a report.
#[inline]
fn note(bytes: usize) {
    let n = ALLOCATED.load(Ordering::Relaxed);
    ALLOCATED.store(n.wrapping_add(bytes as u64), Ordering::Relaxed);
}

/// Bytes allocated since the program started (0 when the counting
/// allocator is not installed, as in the library's own tests).
pub fn allocated() -> u64 {
    ALLOCATED.load(Ordering::Relaxed)
}

// SAFETY: every method defers to `A` with the same arguments; counting
// touches no memory of the allocation.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        unsafe { self.0.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { self.0.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `self.0` with `layout` (we allocate nothing ourselves).
        unsafe { self.0.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size.saturating_sub(layout.size()));
        // SAFETY: as for `dealloc`; the caller's contract for `realloc` holds.
        unsafe { self.0.realloc(ptr, layout, new_size) }
    }
}

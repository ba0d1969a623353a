//! The stack Lisp runs on. The binary switches to a large stack so deep
//! Lisp recursion ends in a `storage-condition`, not a crash. Under a
//! virtual-memory limit (`ulimit -v`) a 1 GiB reservation can fail; then a
//! smaller stack is taken, with a correspondingly smaller recursion limit,
//! rather than dying at start-up.

/// Stack sizes tried in turn, largest first.
pub const SIZES: [usize; 4] = [1 << 30, 512 << 20, 256 << 20, 128 << 20];

/// The evaluator's depth limit (`Interp::max_depth`) on the largest stack;
/// smaller stacks get a proportional share.
const MAX_DEPTH: usize = 1_000_000;

/// The stack sizes worth trying under an address-space limit of
/// `limit_bytes` (`None`: unlimited): at most a quarter of the limit, so
/// the heap keeps the rest.
pub fn candidates(limit_bytes: Option<u64>) -> impl Iterator<Item = usize> {
    SIZES
        .into_iter()
        .filter(move |&size| limit_bytes.is_none_or(|l| size as u64 <= l / 4))
}

/// The current `RLIMIT_AS` soft limit, if any.
pub fn address_space_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct it is given.
    let r = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut lim) };
    (r == 0 && lim.rlim_cur != libc::RLIM_INFINITY).then_some(lim.rlim_cur)
}

/// Can `size` bytes (and a guard page) of address space be reserved now?
/// Tried before `stacker::grow`, whose own reservation panics on failure.
pub fn can_reserve(size: usize) -> bool {
    let bytes = size + (64 << 10);
    // SAFETY: an anonymous, inaccessible mapping is made and at once
    // removed; no memory is touched.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            bytes,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        );
        if p == libc::MAP_FAILED {
            return false;
        }
        libc::munmap(p, bytes);
    }
    true
}

/// The largest stack that can be reserved under the current limit.
pub fn choose() -> Option<usize> {
    candidates(address_space_limit()).find(|&size| can_reserve(size))
}

/// Stack the evaluator may use on a stack of `size` bytes: all but the
/// reserve kept for handlers and error reports.
pub fn budget(size: usize) -> usize {
    size - crate::eval::interp::STACK_RESERVE
}

/// The evaluator's depth limit on a stack of `size` bytes.
pub fn max_depth(size: usize) -> usize {
    (MAX_DEPTH as u128 * size as u128 / SIZES[0] as u128) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unlimited_takes_the_largest_stack() {
        assert_eq!(candidates(None).next(), Some(1 << 30));
    }

    #[test]
    fn a_limit_leaves_three_quarters_to_the_heap() {
        // ulimit -v 2000000 (KiB): 1 GiB and 512 MiB are too much.
        let limit = 2_000_000u64 * 1024;
        assert_eq!(candidates(Some(limit)).next(), Some(256 << 20));
        assert_eq!(candidates(Some(100 << 20)).next(), None);
    }

    #[test]
    fn smaller_stacks_get_lower_limits() {
        assert_eq!(max_depth(1 << 30), MAX_DEPTH);
        assert_eq!(max_depth(256 << 20), MAX_DEPTH / 4);
        for size in SIZES {
            assert!(budget(size) >= size / 2, "{size}");
        }
    }

    #[test]
    fn an_impossible_reservation_is_refused() {
        assert!(!can_reserve(usize::MAX / 2));
        assert!(can_reserve(1 << 20));
    }
}

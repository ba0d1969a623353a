//! Pseudo-terminals for the tests that drive the REPL as a user would.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

/// A new pseudo-terminal as (master, slave). Both ends are close-on-exec
/// from the start, so that no program spawned meanwhile by another test
/// inherits them and holds the terminal open.
pub fn open_pty() -> io::Result<(OwnedFd, OwnedFd)> {
    let flags = libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC;
    // SAFETY: each descriptor is checked, then owned exactly once;
    // ptsname_r writes a NUL-terminated name within the given length.
    unsafe {
        let master = libc::posix_openpt(flags);
        if master == -1 {
            return Err(io::Error::last_os_error());
        }
        let master = OwnedFd::from_raw_fd(master);
        if libc::grantpt(master.as_raw_fd()) != 0 || libc::unlockpt(master.as_raw_fd()) != 0 {
            return Err(io::Error::last_os_error());
        }
        let mut name = [0; 64];
        let rc = libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len());
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        let slave = libc::open(name.as_ptr(), flags);
        if slave == -1 {
            return Err(io::Error::last_os_error());
        }
        Ok((master, OwnedFd::from_raw_fd(slave)))
    }
}

//! This host's name (gethostname(2)), for EHLO, Message-ID and
//! `machine-instance`. Read once per process: every letter needs it, and
//! a name changing while a script runs is not worth a system call each.

use std::sync::OnceLock;

/// The host name as the system reports it (`None` if it cannot be read).
pub fn name() -> Option<&'static str> {
    static NAME: OnceLock<Option<String>> = OnceLock::new();
    NAME.get_or_init(read_name).as_deref()
}

fn read_name() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its whole length; gethostname writes
    // at most that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    Some(String::from_utf8_lossy(&buf[..len]).into_owned())
}

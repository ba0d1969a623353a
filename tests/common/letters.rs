//! Helpers shared by the MIME and letter tests: a deterministic
//! environment, golden-file comparison and path helpers.

use std::path::PathBuf;

use sendletter::mail::letter::LetterEnv;
use sendletter::mail::mime::MimeError;

/// The date every test letter carries.
pub const DATE: &str = "Thu, 01 Jan 2026 00:00:00 +0000";

/// Fixed date, counting Message-IDs and boundaries.
#[derive(Default)]
pub struct TestEnv {
    pub ids: u32,
    pub boundaries: u32,
}

impl LetterEnv for TestEnv {
    fn date(&mut self) -> String {
        DATE.to_string()
    }

    fn message_id(&mut self, domain: &str) -> String {
        self.ids += 1;
        format!("<test-{}@{domain}>", self.ids)
    }

    fn host_name(&mut self) -> String {
        "host.example".to_string()
    }

    fn boundary(&mut self) -> Result<String, MimeError> {
        Ok(next_boundary(&mut self.boundaries))
    }
}

/// `----------_` + a 32-digit counter.
pub fn next_boundary(counter: &mut u32) -> String {
    *counter += 1;
    format!("----------_{:032x}", *counter)
}

/// A boundary source for `make_mime_part_with`, numbering from `start`.
pub fn boundaries(start: u32) -> impl FnMut() -> Result<String, MimeError> {
    let mut n = start;
    move || Ok(next_boundary(&mut n))
}

/// A file under `tests/files/`.
pub fn file(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/files")
        .join(name)
}

/// Compares `actual` with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites
/// the file instead.
pub fn assert_golden(name: &str, actual: &[u8]) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        String::from_utf8_lossy(actual),
        String::from_utf8_lossy(&expected),
        "rendering differs from {}",
        path.display()
    );
}

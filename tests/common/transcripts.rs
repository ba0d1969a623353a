//! Transcript tests: scripts run by the built binary, their standard
//! output compared with a recorded `.out` file.

use std::path::{Path, PathBuf};

/// The `.lisp` files of `dir`, sorted.
pub fn scripts(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lisp"))
        .collect();
    v.sort();
    v
}

/// The first differing line, shown as expected/actual.
pub fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            return format!(
                "  line {}:\n    expected: {:?}\n    actual:   {:?}",
                i + 1,
                x.copied().unwrap_or("<end of output>"),
                y.copied().unwrap_or("<end of output>")
            );
        }
    }
    "  (outputs differ only in the final newline)".to_string()
}

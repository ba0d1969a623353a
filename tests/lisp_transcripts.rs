//! Differential transcripts: every `tests/lisp/NAME.lisp` is run by the
//! built binary (cwd `tests/lisp`) and its standard output must equal
//! `NAME.out`, recorded from SBCL (`sbcl --script NAME.lisp > NAME.out`).

mod common;
use common::transcripts::{first_difference, scripts};
use std::path::Path;
use std::process::Command;

#[test]
fn lisp_transcripts_match_sbcl() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/lisp");
    let mut failures = Vec::new();
    let all = scripts(&dir);
    assert!(!all.is_empty(), "no transcripts in {}", dir.display());
    for script in &all {
        let name = script.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let expected_path = script.with_extension("out");
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!("{name}: missing {}", expected_path.display()));
            continue;
        };
        let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
            .arg(name)
            .current_dir(&dir)
            .output()
            .expect("run sendletter");
        let actual = String::from_utf8_lossy(&out.stdout);
        if actual != expected {
            let stderr = String::from_utf8_lossy(&out.stderr);
            failures.push(format!(
                "{name}:\n{}\n  stderr: {}",
                first_difference(&expected, &actual),
                stderr.trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} transcripts differ from SBCL:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

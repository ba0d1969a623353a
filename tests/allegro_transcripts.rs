//! Transcripts of Allegro CL's scripting layer: every
//! `tests/allegro/NAME.lisp` is run by the built binary (cwd
//! `tests/allegro`) and its standard output must equal `NAME.out`. These
//! functions are Allegro's, not SBCL's, so each `.out` is written from
//! franz.com's Allegro CL 10.1 documentation, cited at the top of its
//! script. A first line `;; args: A B C` passes those words to the script.

mod common;
use common::transcripts::{first_difference, scripts};
use std::path::Path;
use std::process::Command;

/// The words of a first line `;; args: ...`.
fn script_args(source: &str) -> Vec<String> {
    source
        .lines()
        .next()
        .and_then(|l| l.strip_prefix(";; args:"))
        .map(|rest| rest.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

#[test]
fn allegro_transcripts_match_the_documentation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/allegro");
    let mut failures = Vec::new();
    let all = scripts(&dir);
    assert!(!all.is_empty(), "no transcripts in {}", dir.display());
    for script in &all {
        let name = script.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let source = std::fs::read_to_string(script).expect("read script");
        let expected_path = script.with_extension("out");
        let Ok(expected) = std::fs::read_to_string(&expected_path) else {
            failures.push(format!("{name}: missing {}", expected_path.display()));
            continue;
        };
        let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
            .arg(name)
            .args(script_args(&source))
            .current_dir(&dir)
            .env("SENDLETTER_TEST_VAR", "hello")
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
        "{} of {} transcripts differ from the documentation:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

//! The set-up the README describes and the help, manual page and shell
//! completions agree with the program: every option `--help` lists is in
//! the manual page and each completion file, the documented Rust version is
//! the one Cargo.toml declares.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_sendletter");

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn help() -> String {
    let o = Command::new(BIN).arg("--help").output().expect("run");
    assert_eq!(o.status.code(), Some(0));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The long options `--help` lists.
fn long_options(help: &str) -> Vec<String> {
    let mut opts: Vec<String> = help
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| {
            w.starts_with("--")
                && w.len() > 2
                && w[2..].chars().all(|c| c.is_ascii_lowercase() || c == '-')
        })
        .map(str::to_string)
        .collect();
    opts.sort();
    opts.dedup();
    opts
}

#[test]
fn help_lists_exit_status_70_and_points_to_the_docs() {
    let h = help();
    assert!(h.contains("70  an internal error"), "{h}");
    assert!(
        h.contains("man sendletter") && h.contains("docs/api.md"),
        "{h}"
    );
}

#[test]
fn every_option_is_in_the_manual_page_and_the_completions() {
    let opts = long_options(&help());
    assert!(
        opts.len() >= 10 && opts.contains(&"--check".to_string()),
        "{opts:?}"
    );
    let man = read("docs/sendletter.1").replace("\\-", "-");
    let files = [
        "contrib/completions/sendletter.bash",
        "contrib/completions/_sendletter",
        "contrib/completions/sendletter.fish",
    ];
    for opt in &opts {
        assert!(man.contains(opt.as_str()), "docs/sendletter.1 lacks {opt}");
        for f in files {
            let text = read(f);
            let fish_form = format!("-l {}", &opt[2..]);
            assert!(
                text.contains(opt.as_str()) || text.contains(&fish_form),
                "{f} lacks {opt}"
            );
        }
    }
    // The README says how to install them.
    let readme = read("README.md");
    for f in ["docs/sendletter.1"].iter().chain(files.iter()) {
        assert!(readme.contains(f), "README.md does not install {f}");
    }
}

#[test]
fn the_documented_rust_version_is_the_declared_one() {
    let cargo = read("Cargo.toml");
    let version = cargo
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("Cargo.toml declares rust-version");
    let readme = read("README.md");
    assert!(
        readme.contains(&format!("Rust {version} or newer")),
        "README.md names another version"
    );
    assert!(readme.contains("cargo install --locked --path ."));
    // What scripts/test does to the machine, and how to skip the servers.
    assert!(
        readme.contains("replaces an installed MTA")
            && readme.contains("SENDLETTER_SKIP_INTEROP=1")
    );
}

#[test]
fn the_lisp_docs_cite_nothing_users_do_not_have() {
    let lisp = read("docs/lisp.md");
    assert!(
        !lisp.to_lowercase().contains("specification"),
        "docs/lisp.md cites a specification file"
    );
}

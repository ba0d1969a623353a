//! DKIM test helpers: throw-away keys copied to private files, their DNS
//! records, and verification by dkimpy (an independent verifier, run by
//! `tests/files/dkim/verify.py` with the records given through its DNS
//! hook, no network).
//!
//! dkimpy comes from the Python that `SENDLETTER_DKIMPY` names, else the
//! `DKIM_PYTHON` of `$SENDLETTER_SMTP_ENV` (scripts/test installs it with
//! the test servers). Without either the tests fail, unless
//! `SENDLETTER_SKIP_INTEROP=1`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The keys of `tests/files/dkim`, each copied to a mode-0600 file.
pub struct Keys {
    pub dir: tempfile::TempDir,
    records: Vec<String>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/files/dkim")
}

impl Keys {
    pub fn new() -> Keys {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).expect("chmod dir");
        for entry in fs::read_dir(fixtures()).expect("tests/files/dkim") {
            let path = entry.expect("entry").path();
            let name = path.file_name().expect("name").to_owned();
            let copy = dir.path().join(&name);
            fs::copy(&path, &copy).expect("copy key");
            let mode = if copy.extension().is_some_and(|e| e == "pem") {
                0o600
            } else {
                0o644
            };
            fs::set_permissions(&copy, fs::Permissions::from_mode(mode)).expect("chmod");
        }
        Keys {
            dir,
            records: Vec::new(),
        }
    }

    /// The private copy of `tests/files/dkim/NAME`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Publish `record` (a `.txt` file of the fixtures) as the TXT record
    /// of `selector._domainkey.domain`.
    pub fn publish(&mut self, selector: &str, domain: &str, record: &str) {
        self.records
            .push(format!("{selector}._domainkey.{domain} {record}"));
    }

    /// dkimpy's verdict on each message file: `PASS` or `FAIL reason`.
    /// `None` when dkimpy is not configured and skipping is allowed.
    pub fn verify(&self, messages: &[PathBuf]) -> Option<Vec<String>> {
        let python = dkimpy()?;
        let records = self.dir.path().join("records");
        fs::write(&records, self.records.join("\n") + "\n").expect("records");
        let out = Command::new(python)
            .arg(fixtures().join("verify.py"))
            .arg(&records)
            .args(messages)
            .output()
            .expect("run dkimpy");
        assert!(
            out.status.success(),
            "verify.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let verdicts: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .collect();
        assert_eq!(verdicts.len(), messages.len(), "one verdict per message");
        Some(verdicts)
    }
}

/// The Python interpreter that has dkimpy.
pub fn dkimpy() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("SENDLETTER_DKIMPY") {
        return Some(PathBuf::from(p));
    }
    match std::env::var("SENDLETTER_SMTP_ENV") {
        Ok(env) => {
            let text = fs::read_to_string(&env).unwrap_or_else(|e| panic!("{env}: {e}"));
            let python = text
                .lines()
                .find_map(|l| l.strip_prefix("DKIM_PYTHON="))
                .unwrap_or_else(|| panic!("DKIM_PYTHON missing from {env}"));
            Some(PathBuf::from(python.trim()))
        }
        Err(_) if std::env::var("SENDLETTER_SKIP_INTEROP").as_deref() == Ok("1") => {
            eprintln!("dkimpy verification skipped: SENDLETTER_SKIP_INTEROP=1");
            None
        }
        Err(_) => panic!(
            "no dkimpy: run the tests via scripts/test (which installs it with the test \
             servers and sets SENDLETTER_SMTP_ENV), or point SENDLETTER_DKIMPY at a Python \
             with dkimpy and PyNaCl installed; SENDLETTER_SKIP_INTEROP=1 skips"
        ),
    }
}

/// What the receiver keeps of SMTP DATA content: dot-stuffing undone
/// (RFC 5321 §4.5.2) and the final `.` line dropped.
pub fn unstuff(data: &[u8]) -> Vec<u8> {
    let body = data.strip_suffix(b".\r\n").expect("ends with the . line");
    let mut out = Vec::with_capacity(body.len());
    for line in body.split_inclusive(|&b| b == b'\n') {
        out.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
    }
    out
}

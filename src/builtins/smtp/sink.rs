//! The dry-run sink (`--sink DIR`): each delivery is written to DIR as
//! `NNNNNN.eml` (the message as it would be transmitted, CRLF line ends,
//! before dot-stuffing) and `NNNNNN.json` (transport, server or program,
//! envelope), numbered from 000001 in call order. Nothing is connected to,
//! no program is run.
//!
//! Several processes may write into one folder at once, and the folder may
//! hold files a run did not write, so a number is never assumed free:
//! the `.eml` file *claims* it, created with `O_CREAT|O_EXCL|O_NOFOLLOW`
//! (never following or truncating what is already there, a symbolic link
//! included); on "exists" the next number is tried. A number is skipped
//! when either its `.eml` or its `.json` exists, so an `.eml` left without
//! its `.json` (or the reverse) is never overwritten. The `.json` is
//! written last, also with `O_EXCL`: a reader may take a present `.json`
//! as "this delivery is complete".

use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::server_form::Target;
use crate::eval::Interp;
use crate::mail::smtp::{Credentials, Envelope, TlsMode};
use crate::mail::wire::{encode_message, MessageSource, Mode};

/// How many taken numbers one delivery steps over before giving up: a
/// bound on the claiming loop, far above any folder's real contention.
const MAX_CLAIM_ATTEMPTS: u64 = 1_000_000;

/// Check the `--sink` folder at start-up, creating it when missing, so a
/// path that cannot hold deliveries is a usage error before the script
/// runs rather than an error at the first send. `Err` is the message.
pub fn prepare_dir(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    match fs::metadata(dir) {
        Ok(meta) if !meta.is_dir() => return Err(format!("--sink {shown}: not a directory")),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(dir).map_err(|e| format!("--sink {shown}: cannot create: {e}"))?
        }
        Err(e) => return Err(format!("--sink {shown}: {e}")),
    }
    // Permission bits do not tell (root, read-only mounts, ACLs): try it.
    let probe = dir.join(format!(".sendletter-probe-{}", std::process::id()));
    match create_new(&probe) {
        Ok(_) => {
            let _ = fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!("--sink {shown}: cannot write files there: {e}")),
    }
}

/// The first number to try for the next delivery: one after the last this
/// run claimed, and on the first delivery one after the highest number of
/// any `.eml` or `.json` already in `dir`.
pub fn next_number(it: &mut Interp, dir: &Path) -> u64 {
    let last = it
        .ext
        .entry("sink-counter")
        .or_insert_with(|| Box::new(highest_existing(dir)));
    last.downcast_ref::<u64>()
        .map_or(1, |n| n.saturating_add(1))
}

/// Remember that delivery number `n` was claimed.
pub fn claimed(it: &mut Interp, n: u64) {
    it.ext.insert("sink-counter", Box::new(n));
}

/// The highest `NNNNNN` of an `NNNNNN.eml` or `NNNNNN.json` in `dir`.
fn highest_existing(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| number_of(&e.file_name().to_string_lossy()))
        .max()
        .unwrap_or(0)
}

/// `000042.eml` or `000042.json` → 42.
fn number_of(name: &str) -> Option<u64> {
    let stem = name
        .strip_suffix(".eml")
        .or_else(|| name.strip_suffix(".json"))?;
    let digits = stem.len() >= 6 && stem.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| stem.parse().ok()).flatten()
}

fn eml_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:06}.eml"))
}

fn json_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("{n:06}.json"))
}

/// Create `path` only if nothing is there, not even a dangling symbolic
/// link (`O_EXCL`), and never through a link (`O_NOFOLLOW`).
fn create_new(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o644)
        .open(path)
}

/// Claim the first free number from `first` on: its `.json` absent and its
/// `.eml` created by us.
fn claim(dir: &Path, first: u64) -> io::Result<(u64, File)> {
    let mut n = first.max(1);
    for _ in 0..MAX_CLAIM_ATTEMPTS {
        if fs::symlink_metadata(json_path(dir, n)).is_err() {
            match create_new(&eml_path(dir, n)) {
                Ok(file) => return Ok((n, file)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        n = n
            .checked_add(1)
            .ok_or_else(|| io::Error::other("no free number left"))?;
    }
    Err(io::Error::other(format!(
        "no free number among {MAX_CLAIM_ATTEMPTS} from {first:06}"
    )))
}

/// Write one delivery into `dir`, trying numbers from `first` on; returns
/// the number it was written under.
pub fn write(
    dir: &Path,
    first: u64,
    target: &Target,
    creds: Option<&Credentials>,
    envelope: &Envelope,
    src: &mut dyn MessageSource,
) -> io::Result<u64> {
    fs::create_dir_all(dir)?;
    let record = match target {
        Target::Smtp(server) => serde_json::json!({
            "transport": "smtp",
            "server": {
                "host": server.host,
                "port": server.port,
                "tls": match server.tls {
                    TlsMode::None => "plain",
                    TlsMode::Implicit => "ssl",
                    TlsMode::StartTls | TlsMode::StartTlsIfAvailable => "starttls",
                },
            },
            "auth_user": creds.map(|c| c.user.clone()),
            "mail_from": envelope.from,
            "rcpt_tos": envelope.recipients,
        }),
        Target::Program(_, form) => serde_json::json!({
            "transport": "program",
            "program": form,
        }),
    };
    let json = serde_json::to_string_pretty(&record).map_err(io::Error::other)? + "\n";
    let (n, file) = claim(dir, first)?;
    let eml = eml_path(dir, n);
    let mut out = io::BufWriter::new(file);
    let written =
        encode_message(src, &mut out, Mode::Plain).and_then(|_| io::Write::flush(&mut out));
    if let Err(e) = written {
        // The file is ours and incomplete: leave no half letter behind.
        drop(out);
        let _ = fs::remove_file(&eml);
        return Err(e);
    }
    let json_file = create_new(&json_path(dir, n)).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!(
                "the letter is in {}, but its {n:06}.json cannot be written: {e}",
                eml.display()
            ),
        )
    })?;
    io::Write::write_all(&mut io::BufWriter::new(json_file), json.as_bytes())?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_from_both_names() {
        assert_eq!(number_of("000042.eml"), Some(42));
        assert_eq!(number_of("000042.json"), Some(42));
        assert_eq!(number_of("1234567.eml"), Some(1_234_567));
        assert_eq!(number_of("42.eml"), None);
        assert_eq!(number_of("00004x.eml"), None);
        assert_eq!(number_of("000042.txt"), None);
    }

    #[test]
    fn claiming_skips_every_taken_number_and_follows_no_link() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let target = d.join("target");
        fs::write(&target, "keep").unwrap();
        std::os::unix::fs::symlink(&target, eml_path(d, 1)).unwrap();
        fs::write(eml_path(d, 2), "orphan").unwrap();
        fs::write(json_path(d, 3), "{}").unwrap();
        std::os::unix::fs::symlink(d.join("nowhere"), eml_path(d, 4)).unwrap();
        let (n, _) = claim(d, 1).unwrap();
        assert_eq!(n, 5);
        assert_eq!(fs::read_to_string(&target).unwrap(), "keep");
        assert_eq!(fs::read_to_string(eml_path(d, 2)).unwrap(), "orphan");
        assert!(!d.join("nowhere").exists());
    }

    #[test]
    fn a_file_or_a_path_below_a_file_is_not_a_sink() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        fs::write(&file, "").unwrap();
        assert!(prepare_dir(&file).unwrap_err().contains("not a directory"));
        assert!(prepare_dir(&file.join("sub")).is_err());
        let fresh = dir.path().join("a/b");
        prepare_dir(&fresh).unwrap();
        assert!(fresh.is_dir());
        assert_eq!(fs::read_dir(&fresh).unwrap().count(), 0);
    }
}

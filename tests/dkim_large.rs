//! A DKIM-signed letter with a 256 MiB attachment given as a stream (the
//! case that spools to a temporary file and renders twice) runs in flat
//! memory. Alone in its test binary so the children's peak RSS measures
//! only it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

const SIZE: usize = 256 * 1024 * 1024;

/// The largest peak RSS of the children waited for, in KiB.
fn children_peak_kib() -> i64 {
    // SAFETY: getrusage writes only the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage) };
    assert_eq!(rc, 0);
    usage.ru_maxrss
}

#[test]
fn a_256_mib_stream_attachment_is_signed_in_flat_memory() {
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let big = w.join("big.bin");
    {
        let mut f = std::io::BufWriter::new(fs::File::create(&big).unwrap());
        let block: Vec<u8> = (0..=255u8).cycle().take(1 << 20).collect();
        for _ in 0..SIZE >> 20 {
            f.write_all(&block).unwrap();
        }
    }
    let key = w.join("key.pem");
    fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/files/dkim/ed25519.pem"),
        &key,
    )
    .unwrap();
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    let head = w.join("head.txt");
    let script = w.join("big.lisp");
    let sh = format!("head -c 4096 > {}; cat > /dev/null", head.display());
    fs::write(
        &script,
        format!(
            "(with-open-file (s {big:?} :element-type '(unsigned-byte 8))
               (send-letter '(:program . (\"sh\" \"-c\" {sh:?})) \"me@example.com\" \"you@example.org\"
                            \"see attached\" :attachments (list s)))",
            big = big.to_string_lossy(),
        ),
    )
    .unwrap();
    let entry = format!("example.com big {}", key.display());
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args(["--dkim", &entry, script.to_str().unwrap()])
        .env("TMPDIR", w)
        .output()
        .expect("run sendletter");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let peak = children_peak_kib();
    let text = fs::read_to_string(&head).unwrap();
    assert!(
        text.starts_with("DKIM-Signature: v=1; a=ed25519-sha256;"),
        "{text}"
    );
    // The spool file is gone once the letter is sent.
    let left: Vec<_> = fs::read_dir(w)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("sendletter-spool-")
        })
        .collect();
    assert!(left.is_empty(), "spool files left behind");
    eprintln!(
        "signed and sent 256 MiB in {:.1} s, peak RSS {} KiB",
        started.elapsed().as_secs_f64(),
        peak
    );
    assert!(peak < 48 * 1024, "peak RSS {peak} KiB");
}

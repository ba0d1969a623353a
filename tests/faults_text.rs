//! Text must not be silently corrupted: external formats of file streams,
//! decoding and encoding errors, byte-order marks, and `read-line`'s
//! bound. Each case runs the binary on files in a temporary folder.

use std::path::Path;
use std::process::{Command, Output};

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run sendletter: {e}"))
}

/// Evaluate `expr` in `dir`; (exit code, stdout, stderr).
fn eval(dir: &Path, expr: &str) -> (i32, String, String) {
    let out = run(dir, &["-e", expr]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn folder() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("temporary folder: {e}"))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
}

#[test]
fn a_latin1_script_is_refused_with_its_file_and_offset() {
    let dir = folder();
    write(dir.path(), "latin.lisp", b"(print \"caf\xe9\")\n");
    let out = run(dir.path(), &["latin.lisp"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty(), "ran anyway: {:?}", out.stdout);
    assert!(stderr.contains("latin.lisp"), "{stderr}");
    assert!(stderr.contains("byte offset 11"), "{stderr}");
}

#[test]
fn a_byte_order_mark_starting_a_script_or_loaded_file_is_skipped() {
    let dir = folder();
    write(
        dir.path(),
        "bom.lisp",
        b"\xef\xbb\xbf(print \"caf\xc3\xa9\")\n",
    );
    let out = run(dir.path(), &["bom.lisp"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "\"café\"");
    let (code, stdout, stderr) = eval(dir.path(), "(load \"bom.lisp\")");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "\"café\"");
}

#[test]
fn load_reads_in_the_external_format_asked_for() {
    let dir = folder();
    write(
        dir.path(),
        "l1.lisp",
        b"(print (char-code (char \"\xe9\" 0)))\n",
    );
    let (code, stdout, stderr) = eval(dir.path(), "(load \"l1.lisp\" :external-format :latin-1)");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "233");
    let (code, _, stderr) = eval(dir.path(), "(load \"l1.lisp\")");
    assert_eq!(code, 1);
    assert!(
        stderr.contains("l1.lisp") && stderr.contains("byte offset"),
        "{stderr}"
    );
}

#[test]
fn latin1_and_its_other_names_decode_each_byte() {
    let dir = folder();
    write(dir.path(), "latin.txt", b"caf\xe9\nnext\n");
    for name in [":latin-1", ":iso-8859-1", ":latin1", ":iso8859-1"] {
        let expr = format!(
            "(with-open-file (in \"latin.txt\" :external-format {name}) \
               (print (read-line in)) (print (read-char in)) \
               (print (stream-external-format in)))"
        );
        let (code, stdout, stderr) = eval(dir.path(), &expr);
        assert_eq!(code, 0, "{name}: {stderr}");
        assert_eq!(
            stdout.split_whitespace().collect::<Vec<_>>(),
            ["\"café\"", "#\\n", ":LATIN-1"],
            "{name}"
        );
    }
}

#[test]
fn invalid_utf8_is_a_catchable_stream_error_naming_file_and_offset() {
    let dir = folder();
    write(dir.path(), "latin.txt", b"caf\xe9\nnext\n");
    for read in [
        "(read-line in)",
        "(dotimes (i 4) (read-char in))",
        "(read in)",
    ] {
        let expr = format!(
            "(handler-case (with-open-file (in \"latin.txt\" :external-format :utf8) {read} :no-error) \
               (stream-error (e) (princ e) (terpri) :caught))"
        );
        let (code, stdout, stderr) = eval(dir.path(), &expr);
        assert_eq!(code, 0, "{read}: {stderr}");
        assert!(stdout.contains("latin.txt"), "{read}: {stdout}");
        assert!(stdout.contains("byte offset 3"), "{read}: {stdout}");
        assert!(!stdout.contains('\u{fffd}'), "{read}: {stdout}");
    }
}

#[test]
fn a_character_the_format_cannot_hold_is_an_encoding_error() {
    let dir = folder();
    let expr = "(handler-case (with-open-file (o \"a.txt\" :direction :output \
                  :external-format :ascii) (write-string \"caf\" o) (write-string \"é\" o) :no-error) \
                (error (e) (princ e) :caught))";
    let (code, stdout, stderr) = eval(dir.path(), expr);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("U+00E9") && stdout.contains("ASCII"),
        "{stdout}"
    );
    let written = std::fs::read(dir.path().join("a.txt")).unwrap_or_default();
    assert_eq!(written, b"caf", "no '?' in place of the character");
    let (code, _, _) = eval(
        dir.path(),
        "(with-open-file (o \"l.txt\" :direction :output :external-format :latin-1) \
           (write-string \"é\" o))",
    );
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read(dir.path().join("l.txt")).unwrap_or_default(),
        [0xE9]
    );
}

#[test]
fn utf16_writes_a_byte_order_mark_and_reads_either_order() {
    let dir = folder();
    let (code, _, stderr) = eval(
        dir.path(),
        "(with-open-file (o \"u.txt\" :direction :output :external-format :utf-16) \
           (write-line \"hé😀\" o))",
    );
    assert_eq!(code, 0, "{stderr}");
    let bytes = std::fs::read(dir.path().join("u.txt")).unwrap_or_default();
    assert_eq!(
        bytes,
        [0xFE, 0xFF, 0, b'h', 0, 0xE9, 0xD8, 0x3D, 0xDE, 0x00, 0, b'\n']
    );
    write(dir.path(), "le.txt", b"\xFF\xFEh\x00\xE9\x00\n\x00");
    write(dir.path(), "le2.txt", b"h\x00\xE9\x00\n\x00");
    for (file, format) in [
        ("u.txt", ":utf-16"),
        ("le.txt", ":utf-16"),
        ("le2.txt", ":utf-16le"),
    ] {
        let expr = format!(
            "(with-open-file (i \"{file}\" :external-format {format}) (print (read-line i)))"
        );
        let (code, stdout, stderr) = eval(dir.path(), &expr);
        assert_eq!(code, 0, "{file} {format}: {stderr}");
        let want = if file == "u.txt" {
            "\"hé😀\""
        } else {
            "\"hé\""
        };
        assert_eq!(stdout.trim(), want, "{file} {format}");
    }
}

#[test]
fn unsupported_external_formats_say_so() {
    let dir = folder();
    write(dir.path(), "x.txt", b"x\n");
    for format in ["'(:utf-8 :replacement #\\?)", ":koi8-r"] {
        let expr = format!(
            "(handler-case (open \"x.txt\" :external-format {format}) \
               (error (e) (princ e) :caught))"
        );
        let (code, stdout, stderr) = eval(dir.path(), &expr);
        assert_eq!(code, 0, "{format}: {stderr}");
        assert!(
            stdout.contains("not supported") || stdout.contains("unsupported"),
            "{stdout}"
        );
    }
}

#[test]
fn read_line_of_an_endless_line_stops_at_the_limit() {
    let dir = folder();
    let (code, stdout, stderr) = eval(
        dir.path(),
        "(handler-case (with-open-file (in \"/dev/zero\") (length (read-line in))) \
           (stream-error (e) (princ e) :caught))",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("line longer than 67108864 bytes"),
        "{stdout}"
    );
}

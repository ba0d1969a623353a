//! The documented examples (`tests/conformance/NN-*.lisp`) run through the
//! binary with `--sink`, and every delivery compared with the `.expected`
//! file after the normalisation of `tests/conformance/README.md`: CRLF →
//! LF, multipart boundaries → `<boundary-N>`, `<date>` and `<message-id>`
//! placeholders. Also: every Date parses as RFC 5322 and Message-IDs are
//! unique across the run.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Delivery {
    header: Vec<String>,
    message: String,
}

struct Expected {
    deliveries: Vec<Delivery>,
    stdout: Option<String>,
}

fn parse_expected(text: &str) -> Expected {
    let mut deliveries = Vec::new();
    let mut stdout = None;
    let mut sections: Vec<(String, String)> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("== ") {
            sections.push((line.trim_end().to_string(), String::new()));
        } else if let Some(last) = sections.last_mut() {
            last.1.push_str(line);
        }
    }
    for (title, body) in sections {
        if title.starts_with("== delivery") {
            let (head, message) = body.split_once("--\n").unwrap_or((&body, ""));
            deliveries.push(Delivery {
                header: head.lines().map(str::to_string).collect(),
                message: message.to_string(),
            });
        } else if title == "== stdout" {
            stdout = Some(body);
        }
    }
    Expected { deliveries, stdout }
}

/// The header lines of the expected format from a `.json` record.
fn describe(json: &serde_json::Value) -> Vec<String> {
    let mut out = vec![];
    let transport = json["transport"].as_str().unwrap_or("?");
    out.push(format!("transport: {transport}"));
    if transport == "program" {
        let p = &json["program"];
        match p.as_str() {
            Some(s) => out.push(format!("program: {s}")),
            None => {
                let items: Vec<String> = p
                    .as_array()
                    .map(|a| a.iter().map(|x| format!("{x}")).collect())
                    .unwrap_or_default();
                out.push(format!("program: [{}]", items.join(", ")));
            }
        }
        return out;
    }
    let s = &json["server"];
    out.push(format!(
        "server: {}:{} {}",
        s["host"].as_str().unwrap_or("?"),
        s["port"],
        s["tls"].as_str().unwrap_or("?")
    ));
    out.push(format!(
        "auth: {}",
        json["auth_user"].as_str().unwrap_or("-")
    ));
    out.push(format!(
        "mail-from: {}",
        json["mail_from"].as_str().unwrap_or("?")
    ));
    for r in json["rcpt_tos"].as_array().cloned().unwrap_or_default() {
        out.push(format!("rcpt-to: {}", r.as_str().unwrap_or("?")));
    }
    out
}

/// CRLF → LF and boundaries → `<boundary-N>` in order of first appearance.
fn normalise(message: &str) -> String {
    let mut text = message.replace("\r\n", "\n");
    let mut boundaries: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(i) = rest.find("boundary=\"") {
        let after = &rest[i + 10..];
        if let Some(j) = after.find('"') {
            boundaries.push(after[..j].to_string());
        }
        rest = after;
    }
    for (n, b) in boundaries.iter().enumerate() {
        text = text.replace(b.as_str(), &format!("<boundary-{}>", n + 1));
    }
    text
}

/// Does an actual line match an expected one with `<date>`/`<message-id>`?
fn line_matches(expected: &str, actual: &str) -> bool {
    if expected == actual {
        return true;
    }
    if let Some(prefix) = expected.strip_suffix("<date>") {
        return actual.starts_with(prefix) && actual.len() > prefix.len();
    }
    if let Some(prefix) = expected.strip_suffix("<message-id>") {
        if let Some(id) = actual.strip_prefix(prefix) {
            return is_message_id(id);
        }
    }
    false
}

fn is_message_id(id: &str) -> bool {
    id.starts_with('<')
        && id.ends_with('>')
        && id.len() > 3
        && {
            let inner = &id[1..id.len() - 1];
            matches!(inner.split_once('@'), Some((l, r)) if !l.is_empty() && !r.is_empty() && !inner.contains(['<', '>', ' ']))
        }
}

fn compare_message(expected: &str, actual: &str) -> Result<(), String> {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i).copied(), a.get(i).copied());
        match (x, y) {
            (Some(x), Some(y)) if line_matches(x, y) => {}
            _ => return Err(format!("line {}: expected {:?}, got {:?}", i + 1, x, y)),
        }
    }
    Ok(())
}

/// An RFC 5322 date: `Sun, 29 Nov 2026 02:01:24 +0000` (day name optional).
fn is_rfc5322_date(d: &str) -> bool {
    let d = d.split_once(", ").map(|(_, r)| r).unwrap_or(d);
    let parts: Vec<&str> = d.split(' ').collect();
    if parts.len() != 5 {
        return false;
    }
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day_ok = parts[0].parse::<u32>().is_ok_and(|d| (1..=31).contains(&d));
    let time: Vec<&str> = parts[3].split(':').collect();
    let zone = parts[4];
    day_ok
        && months.contains(&parts[1])
        && parts[2].len() == 4
        && parts[2].parse::<u32>().is_ok()
        && time.len() == 3
        && time
            .iter()
            .all(|t| t.len() == 2 && t.parse::<u32>().is_ok())
        && zone.len() == 5
        && (zone.starts_with('+') || zone.starts_with('-'))
        && zone != "-0000"
        && zone[1..].parse::<u32>().is_ok()
}

fn run_case(dir: &Path, script: &Path, ids: &mut HashSet<String>) -> Result<(), String> {
    let expected_path = script.with_extension("expected");
    let expected = parse_expected(&fs::read_to_string(&expected_path).map_err(|e| e.to_string())?);
    let sink = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = Command::new(env!("CARGO_BIN_EXE_sendletter"))
        .arg("--sink")
        .arg(sink.path())
        .arg(script.file_name().ok_or("no file name")?)
        .current_dir(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "exit status {:?}; stderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    if let Some(stdout) = &expected.stdout {
        let got = String::from_utf8_lossy(&out.stdout);
        if got != *stdout {
            return Err(format!(
                "stdout differs:\nexpected {stdout:?}\ngot      {got:?}"
            ));
        }
    }
    let mut n = 0;
    loop {
        let json_path = sink.path().join(format!("{:06}.json", n + 1));
        if !json_path.exists() {
            break;
        }
        n += 1;
    }
    if n != expected.deliveries.len() {
        return Err(format!(
            "{} deliveries, expected {}",
            n,
            expected.deliveries.len()
        ));
    }
    for (i, d) in expected.deliveries.iter().enumerate() {
        let base = sink.path().join(format!("{:06}", i + 1));
        let json: serde_json::Value = serde_json::from_str(
            &fs::read_to_string(base.with_extension("json")).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        let header = describe(&json);
        if header != d.header {
            return Err(format!(
                "delivery {}: envelope differs:\nexpected {:?}\ngot      {:?}",
                i + 1,
                d.header,
                header
            ));
        }
        let raw = fs::read(base.with_extension("eml")).map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&raw);
        if !text.ends_with("\r\n") || text.replace("\r\n", "").contains('\n') {
            return Err(format!(
                "delivery {}: the .eml must have CRLF line ends only",
                i + 1
            ));
        }
        let message = normalise(&text);
        compare_message(&d.message, &message)
            .map_err(|e| format!("delivery {}: {e}\n--- got:\n{message}", i + 1))?;
        for line in message.lines() {
            if let Some(date) = line.strip_prefix("Date: ") {
                if d.message.contains("Date: <date>") && !is_rfc5322_date(date) {
                    return Err(format!("delivery {}: Date {date:?} is not RFC 5322", i + 1));
                }
            }
            if let Some(id) = line.strip_prefix("Message-ID: ") {
                if !ids.insert(id.to_string()) {
                    return Err(format!("delivery {}: Message-ID {id} is not unique", i + 1));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn documented_examples_deliver_exactly_what_is_expected() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance");
    let mut scripts: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("tests/conformance exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lisp"))
        .collect();
    scripts.sort();
    assert!(scripts.len() >= 19, "the conformance cases are missing");
    let mut ids = HashSet::new();
    let mut failures = Vec::new();
    for s in &scripts {
        if let Err(e) = run_case(&dir, s, &mut ids) {
            failures.push(format!("{}: {e}", s.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n\n")
    );
}

#[test]
fn date_checker_accepts_rfc5322_and_rejects_minus_zero() {
    assert!(is_rfc5322_date("Sun, 29 Nov 2026 02:01:24 +0100"));
    assert!(!is_rfc5322_date("Sun, 29 Nov 2026 02:01:24 -0000"));
    assert!(!is_rfc5322_date("2026-11-29"));
}

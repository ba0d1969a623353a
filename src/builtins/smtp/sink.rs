//! The dry-run sink (`--sink DIR`): each delivery is written to DIR as
//! `NNNNNN.eml` (the message as it would be transmitted, CRLF line ends,
//! before dot-stuffing) and `NNNNNN.json` (transport, server or program,
//! envelope), numbered from 000001 in call order. Nothing is connected to,
//! no program is run.

use std::fs;
use std::io;
use std::path::Path;

use super::server_form::Target;
use crate::eval::Interp;
use crate::mail::smtp::{Credentials, Envelope, TlsMode};
use crate::mail::wire::{encode_message, MessageSource, Mode};

/// The number of the next delivery. The first delivery of a run continues
/// after the highest `NNNNNN.json` already in `dir`, so a second run into
/// the same folder never overwrites the first.
pub fn next_number(it: &mut Interp, dir: &Path) -> u64 {
    let counter = it
        .ext
        .entry("sink-counter")
        .or_insert_with(|| Box::new(highest_existing(dir)));
    match counter.downcast_mut::<u64>() {
        Some(n) => {
            *n += 1;
            *n
        }
        None => 1,
    }
}

fn highest_existing(dir: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name.strip_suffix(".json")?;
            (stem.len() == 6)
                .then(|| stem.parse::<u64>().ok())
                .flatten()
        })
        .max()
        .unwrap_or(0)
}

/// Write delivery `n` into `dir`.
pub fn write(
    dir: &Path,
    n: u64,
    target: &Target,
    creds: Option<&Credentials>,
    envelope: &Envelope,
    src: &mut dyn MessageSource,
) -> io::Result<()> {
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
    let eml = dir.join(format!("{n:06}.eml"));
    let file = fs::File::create(&eml)?;
    let mut out = io::BufWriter::new(file);
    encode_message(src, &mut out, Mode::Plain)?;
    io::Write::flush(&mut out)?;
    let json = serde_json::to_string_pretty(&record).map_err(io::Error::other)?;
    fs::write(dir.join(format!("{n:06}.json")), json + "\n")
}

//! DKIM signing (RFC 6376; Ed25519 per RFC 8463) of the exact bytes a
//! delivery transmits, whatever the path (SMTP, `:program`, `--sink`).
//!
//! Signing needs the body hash before the first byte is sent, yet letters
//! are streamed, so a letter is rendered twice: the first pass feeds the
//! wire encoding (without dot-stuffing, which the receiver undoes) into a
//! hash and keeps only the header section; the second pass sends the
//! `DKIM-Signature` field and then the letter again. Files are simply read
//! twice; stream bodies are spooled to a temporary file first (the
//! caller's job, see `BuiltLetter::spool_streams`). Memory stays flat.
//!
//! - [`canon`]: simple and relaxed canonicalization, the body as a stream
//! - [`key`]: PEM keys (RSA PKCS#1/PKCS#8, Ed25519 PKCS#8), permission check, signing
//! - [`sign`]: the first-pass hasher, the signed header list, the field
//! - [`config`]: `DOMAIN SELECTOR KEY-FILE [options]` entries and their lookup
//!
//! Hand-written rather than a DKIM crate: the crates that sign either
//! bring a DNS resolver and an async runtime (`mail-auth`), or hold the
//! whole message in memory and sign with defaults dkimpy rejects (lettre's
//! `dkim`); the canonicalization is a small, RFC-cited state machine, and
//! the cryptography is `ring`'s.

pub mod canon;
pub mod config;
pub mod key;
pub mod sign;

use std::fmt;
use std::io::{self, Write};

use crate::mail::wire::{Mode, WireWriter};
pub use canon::{Canon, Canonicalization};
pub use config::{Entry, Keyring, Signer};
pub use key::{Algorithm, KeyError, SigningKey};

/// Why a letter could not be signed.
#[derive(Debug)]
pub enum DkimError {
    /// The first pass could not render the letter.
    Io(io::Error),
    /// The key refused to sign.
    Key(KeyError),
}

impl fmt::Display for DkimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DkimError::Io(e) => write!(f, "DKIM signing: {e}"),
            DkimError::Key(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for DkimError {}

/// A signature made for a letter.
#[derive(Debug, Clone)]
pub struct Signature {
    /// The `DKIM-Signature` field, LF line ends, ending with LF: written
    /// in front of the letter.
    pub field: String,
    /// `d=... s=... a=... c=...`, for the trace.
    pub summary: String,
}

/// Seconds since the epoch (`t=`).
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The first pass over a letter and its signature. `write_message` writes
/// the letter (LF or CRLF line ends, as to the wire encoder) and is called
/// once here; `pick` chooses the signer from the `From` domain. `Ok(None)`
/// when `pick` chooses none: the letter goes unsigned.
pub fn sign_message(
    write_message: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
    pick: &dyn Fn(Option<&str>) -> Option<Signer>,
    now: u64,
) -> Result<Option<Signature>, DkimError> {
    let mut chosen: Option<Signer> = None;
    let mut hasher = sign::MessageHasher::new(|section: &[u8]| {
        chosen = pick(sign::from_domain(section).as_deref());
        chosen.as_ref().map(|s| s.entry.canon.body)
    });
    let mut wire = WireWriter::new(&mut hasher, Mode::Plain);
    let written = write_message(&mut wire).and_then(|()| wire.finish().map(|_| ()));
    if let Err(e) = written {
        if hasher.stopped() {
            return Ok(None);
        }
        return Err(DkimError::Io(e));
    }
    let Some((section, body_hash)) = hasher.finish().map_err(DkimError::Io)? else {
        return Ok(None);
    };
    let Some(signer) = chosen else {
        return Ok(None);
    };
    let params = sign::SignParams {
        domain: &signer.entry.domain,
        selector: &signer.entry.selector,
        canon: signer.entry.canon,
        expire: signer.entry.expire,
        key: &signer.key,
        now,
    };
    let field = sign::signature_field(&params, &section, &body_hash).map_err(DkimError::Key)?;
    let summary = format!(
        "DKIM signed: d={} s={} a={} c={}",
        signer.entry.domain,
        signer.entry.selector,
        signer.key.algorithm().tag(),
        signer.entry.canon
    );
    Ok(Some(Signature { field, summary }))
}

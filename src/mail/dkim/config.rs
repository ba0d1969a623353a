//! Who signs which letters: entries of the form
//!
//! ```text
//! DOMAIN  SELECTOR  KEY-FILE  [canon=relaxed/relaxed] [expire=7d]
//! ```
//!
//! one a line in a configuration file (`#` starts a comment), or given
//! one at a time on the command line. An entry signs the letters whose
//! `From` domain is DOMAIN or below it (`mail.example.com` under
//! `example.com`), with `d=DOMAIN`; the longest matching DOMAIN wins.

use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::canon::Canonicalization;
use super::key::SigningKey;

/// One signing identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The `d=` domain, lower case; it also selects the letters signed.
    pub domain: String,
    /// The `s=` selector.
    pub selector: String,
    /// The PEM private key file.
    pub key_file: PathBuf,
    /// `c=`.
    pub canon: Canonicalization,
    /// `x=` as seconds after `t=`.
    pub expire: Option<u64>,
}

/// A domain name as DKIM's `d=` accepts it (RFC 6376 §3.5: letters,
/// digits, hyphens and dots; no empty label).
pub fn is_domain(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// A selector: one or more domain labels (RFC 6376 §3.1), also with `_`.
pub fn is_selector(s: &str) -> bool {
    !s.is_empty()
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// `3600`, `90s`, `30m`, `12h`, `7d`, `2w` in seconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let (digits, unit) = match text.char_indices().last()? {
        (i, c) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_lowercase()),
        _ => (text, 's'),
    };
    let n: u64 = digits.parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(scale).filter(|&s| s > 0)
}

/// Parses one entry; `base` resolves a relative key file name. `Ok(None)`
/// for a blank or comment line.
pub fn parse_entry(line: &str, base: Option<&Path>) -> Result<Option<Entry>, String> {
    let line = line.split('#').next().unwrap_or_default().trim();
    if line.is_empty() {
        return Ok(None);
    }
    let words: Vec<&str> = line.split_whitespace().collect();
    let [domain, selector, key_file, options @ ..] = words.as_slice() else {
        return Err("want DOMAIN SELECTOR KEY-FILE [canon=...] [expire=...]".into());
    };
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    if !is_domain(&domain) {
        return Err(format!("{domain:?} is not a domain name"));
    }
    if !is_selector(selector) {
        return Err(format!(
            "{selector:?} is not a selector (letters, digits, - and _)"
        ));
    }
    let key_file = match base {
        Some(dir) if Path::new(key_file).is_relative() => dir.join(key_file),
        _ => PathBuf::from(key_file),
    };
    let mut entry = Entry {
        domain,
        selector: selector.to_string(),
        key_file,
        canon: Canonicalization::default(),
        expire: None,
    };
    for option in options {
        match option.split_once('=') {
            Some(("canon" | "c", value)) => {
                entry.canon = Canonicalization::parse(value).ok_or_else(|| {
                    format!("canon={value}: want relaxed/relaxed, simple/simple, relaxed/simple or simple/relaxed")
                })?
            }
            Some(("expire" | "x", value)) => {
                entry.expire = Some(parse_duration(value).ok_or_else(|| {
                    format!("expire={value}: want seconds, or a number with s, m, h, d or w")
                })?)
            }
            _ => return Err(format!("unknown option {option:?} (canon=..., expire=...)")),
        }
    }
    Ok(Some(entry))
}

/// The entries of a configuration file; errors say `FILE:LINE: ...`.
pub fn parse_file(path: &Path) -> Result<Vec<Entry>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("DKIM configuration {}: {e}", path.display()))?;
    let base = path.parent();
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        match parse_entry(line, base) {
            Ok(Some(entry)) => entries.push(entry),
            Ok(None) => {}
            Err(e) => return Err(format!("{}:{}: {e}", path.display(), n + 1)),
        }
    }
    Ok(entries)
}

/// A loaded entry: its key read and checked.
#[derive(Debug, Clone)]
pub struct Signer {
    /// The entry.
    pub entry: Entry,
    /// Its key.
    pub key: Rc<SigningKey>,
}

impl Signer {
    /// Loads the entry's key.
    pub fn load(entry: Entry) -> Result<Signer, String> {
        let key = SigningKey::load(&entry.key_file).map_err(|e| e.to_string())?;
        Ok(Signer {
            entry,
            key: Rc::new(key),
        })
    }
}

/// Every configured signer.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    signers: Vec<Signer>,
}

impl Keyring {
    /// Loads every entry's key, so a bad key stops the run before any
    /// letter is sent.
    pub fn load(entries: Vec<Entry>) -> Result<Keyring, String> {
        let signers = entries
            .into_iter()
            .map(Signer::load)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Keyring { signers })
    }

    /// True if no entry is configured.
    pub fn is_empty(&self) -> bool {
        self.signers.is_empty()
    }

    /// The signer for letters from `domain`: the entry with the longest
    /// domain equal to it or a parent of it; the first such entry on a tie.
    pub fn for_domain(&self, domain: &str) -> Option<&Signer> {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        let mut best: Option<&Signer> = None;
        for s in &self.signers {
            let d = &s.entry.domain;
            if covers(d, &domain) && best.is_none_or(|b| b.entry.domain.len() < d.len()) {
                best = Some(s);
            }
        }
        best
    }
}

/// True if `domain` is `parent` or below it (`mail.example.com` under
/// `example.com`, not `notexample.com`); both lower case.
pub fn covers(parent: &str, domain: &str) -> bool {
    domain == parent
        || domain
            .strip_suffix(parent)
            .is_some_and(|rest| rest.ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_covers_itself_and_its_subdomains_only() {
        assert!(covers("example.com", "example.com"));
        assert!(covers("example.com", "a.b.example.com"));
        assert!(!covers("example.com", "notexample.com"));
        assert!(!covers("example.com", "example.com.evil"));
        assert!(!covers("mail.example.com", "example.com"));
    }

    #[test]
    fn entries_parse_with_options_and_comments() {
        let e = parse_entry(
            "Example.COM. mail2026 keys/ex.pem canon=simple expire=7d # x",
            Some(Path::new("/etc/sl")),
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.domain, "example.com");
        assert_eq!(e.selector, "mail2026");
        assert_eq!(e.key_file, PathBuf::from("/etc/sl/keys/ex.pem"));
        assert_eq!(e.canon.to_string(), "simple/simple");
        assert_eq!(e.expire, Some(7 * 86_400));
        assert_eq!(parse_entry("  # only a comment", None), Ok(None));
        assert!(parse_entry("example.com sel", None).is_err());
        assert!(parse_entry("exa_mple.com sel k.pem", None).is_err());
        assert!(parse_entry("example.com s;el k.pem", None).is_err());
        assert!(parse_entry("example.com sel k.pem canon=tight", None).is_err());
        assert!(parse_entry("example.com sel k.pem expire=0", None).is_err());
        assert!(parse_entry("example.com sel k.pem colour=blue", None).is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600"), Some(3600));
        assert_eq!(parse_duration("30m"), Some(1800));
        assert_eq!(parse_duration("2W"), Some(14 * 86_400));
        assert_eq!(parse_duration("d"), None);
        assert_eq!(parse_duration("99999999999999999999d"), None);
    }
}

//! Making the `DKIM-Signature` header field (RFC 6376 §3.5, §3.7, §5):
//! the first pass over the message ([`MessageHasher`]) keeps the header
//! section and hashes the canonical body; [`signature_field`] then picks
//! the header fields to sign, hashes them with the new field and signs.

use std::io::{self, Write};

use base64::Engine;
use ring::digest::{Context, SHA256};

use super::canon::{header_field, BodyCanon, Canon, Canonicalization};
use super::key::SigningKey;

/// A header section larger than this is refused rather than held in
/// memory (the letters sendletter builds have a few KiB of headers).
pub const MAX_HEADER_SECTION: usize = 4 << 20;

/// Fields signed when present (RFC 6376 §5.4.1's recommendations, the
/// list dkimpy signs by default), each as many times as it occurs.
/// Trace fields (`Received`, `Return-Path`) and `Bcc` are never signed.
pub const SIGNED_FIELDS: &[&str] = &[
    "from",
    "sender",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "to",
    "cc",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-id",
    "content-description",
    "content-disposition",
    "resent-date",
    "resent-from",
    "resent-sender",
    "resent-to",
    "resent-cc",
    "resent-message-id",
    "in-reply-to",
    "references",
    "list-id",
    "list-help",
    "list-unsubscribe",
    "list-subscribe",
    "list-post",
    "list-owner",
    "list-archive",
];

/// Fields listed once more than they occur (RFC 6376 §8.15
/// "over-signing"): nobody can add a second `From` (or a `Reply-To` the
/// letter did not have) without breaking the signature. `Sender` is left
/// out: an MTA may add one to a locally submitted letter.
pub const OVERSIGNED_FIELDS: &[&str] = &[
    "from",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "to",
    "cc",
];

/// What the signature says about its signer.
#[derive(Debug)]
pub struct SignParams<'a> {
    /// `d=`.
    pub domain: &'a str,
    /// `s=`.
    pub selector: &'a str,
    /// `c=`.
    pub canon: Canonicalization,
    /// Seconds after `t=` for `x=`, if any.
    pub expire: Option<u64>,
    /// The key, which also gives `a=`.
    pub key: &'a SigningKey,
    /// Seconds since the epoch for `t=`.
    pub now: u64,
}

/// The first pass: a `Write` taking the message as transmitted (CRLF line
/// ends, no dot-stuffing) that keeps the header section and hashes the
/// canonical body. When the header section is complete, `pick` is asked
/// for the body canonicalization (`None`: the letter is not signed, and
/// writing stops with an error at once, so an unsigned letter is not
/// rendered twice; [`stopped`](Self::stopped) then says so).
pub struct MessageHasher<F: FnMut(&[u8]) -> Option<Canon>> {
    header: Vec<u8>,
    state: State,
    hash: Context,
    pick: F,
}

enum State {
    Header,
    Body(BodyCanon),
    Stopped,
}

impl<F: FnMut(&[u8]) -> Option<Canon>> MessageHasher<F> {
    /// A hasher that asks `pick` once the header section is known.
    pub fn new(pick: F) -> Self {
        MessageHasher {
            header: Vec::new(),
            state: State::Header,
            hash: Context::new(&SHA256),
            pick,
        }
    }

    /// True if `pick` said the letter is not to be signed.
    pub fn stopped(&self) -> bool {
        matches!(self.state, State::Stopped)
    }

    fn body_bytes(&mut self, data: &[u8]) {
        if let State::Body(body) = &mut self.state {
            let hash = &mut self.hash;
            body.update(data, &mut |b| hash.update(b));
        }
    }

    fn header_done(&mut self) -> io::Result<()> {
        self.state = match (self.pick)(&self.header) {
            Some(canon) => State::Body(BodyCanon::new(canon)),
            None => State::Stopped,
        };
        if self.stopped() {
            return Err(io::Error::other("DKIM: the letter is not signed"));
        }
        Ok(())
    }

    /// The header section (each field with its CRLF, without the empty
    /// line) and the body hash (`bh=`); `None` if the letter is not signed.
    pub fn finish(mut self) -> io::Result<Option<(Vec<u8>, Vec<u8>)>> {
        if matches!(self.state, State::Header) {
            // No empty line: all header, an empty body.
            if self.header_done().is_err() {
                return Ok(None);
            }
        }
        let mut hash = self.hash;
        match self.state {
            State::Body(body) => {
                body.finish(&mut |b| hash.update(b));
                Ok(Some((self.header, hash.finish().as_ref().to_vec())))
            }
            State::Header | State::Stopped => Ok(None),
        }
    }
}

impl<F: FnMut(&[u8]) -> Option<Canon>> Write for MessageHasher<F> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.state {
            State::Body(_) => {
                self.body_bytes(buf);
                return Ok(buf.len());
            }
            State::Stopped => return Err(io::Error::other("DKIM: the letter is not signed")),
            State::Header => {}
        }
        let old = self.header.len();
        self.header.extend_from_slice(buf);
        // The header section ends at the first empty line (RFC 5322 §2.1);
        // a message that starts with one has no header fields.
        let end = if self.header.starts_with(b"\r\n") {
            Some((0, 2))
        } else {
            let from = old.saturating_sub(3);
            self.header[from..]
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .map(|i| (from + i + 2, from + i + 4))
        };
        match end {
            Some((header_end, body_start)) => {
                let rest = self.header.split_off(body_start);
                self.header.truncate(header_end);
                self.header_done()?;
                self.body_bytes(&rest);
            }
            None if self.header.len() > MAX_HEADER_SECTION => {
                return Err(io::Error::other(format!(
                    "DKIM: the header section exceeds {} MiB, too large to sign",
                    MAX_HEADER_SECTION >> 20
                )));
            }
            None => {}
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The header fields of a header section, each with its folds and CRLF.
pub fn split_fields(section: &[u8]) -> Vec<&[u8]> {
    let mut fields: Vec<&[u8]> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < section.len() {
        let line_end = section[i..]
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(section.len(), |n| i + n + 2);
        let next = section.get(line_end).copied();
        // A line starting with white space continues the field (a fold).
        if !matches!(next, Some(b' ' | b'\t')) {
            fields.push(&section[start..line_end]);
            start = line_end;
        }
        i = line_end;
    }
    fields
}

/// The field name of a field, lower case, without trailing white space.
fn field_name(field: &[u8]) -> String {
    let name = field.split(|&b| b == b':').next().unwrap_or_default();
    String::from_utf8_lossy(name)
        .trim_end_matches([' ', '\t'])
        .to_ascii_lowercase()
}

/// The address domain of the first `From` field, lower case.
pub fn from_domain(section: &[u8]) -> Option<String> {
    let field = split_fields(section)
        .into_iter()
        .find(|f| field_name(f) == "from")?;
    let value = String::from_utf8_lossy(&field[field.iter().position(|&b| b == b':')? + 1..])
        .replace(['\r', '\n'], "");
    // RFC 5322 §3.6.2's mailbox-list, with comments and quoted strings
    // (`me@x.example (Me, at <home>)`): the first mailbox's domain.
    if let Ok(addresses) = crate::mail::address::extract_email_addresses(&value, true) {
        let domain = addresses.into_iter().find_map(|a| match a {
            crate::mail::address::Address::Mailbox(_, _, domain) => domain,
            crate::mail::address::Address::Group(..) => None,
        })?;
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        return (!domain.is_empty()).then_some(domain);
    }
    // Not RFC 5322 syntax: `Name <user@domain>` or a bare `user@domain`.
    let address = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value.split(',').next().unwrap_or_default(),
    };
    let (_, domain) = address.trim().rsplit_once('@')?;
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    (!domain.is_empty()).then_some(domain)
}

/// The `h=` list for this header section: every present field of
/// [`SIGNED_FIELDS`] as often as it occurs, in the order they appear,
/// then the [`OVERSIGNED_FIELDS`] once more.
pub fn signed_names(fields: &[&[u8]]) -> Vec<String> {
    let mut names: Vec<String> = fields
        .iter()
        .map(|f| field_name(f))
        .filter(|n| SIGNED_FIELDS.contains(&n.as_str()))
        .collect();
    names.extend(OVERSIGNED_FIELDS.iter().map(|s| s.to_string()));
    names
}

/// The `DKIM-Signature` field for a message whose header section and body
/// hash the first pass gave, LF line ends, folded within 78 columns,
/// ending with LF; written in front of the message.
pub fn signature_field(
    params: &SignParams<'_>,
    section: &[u8],
    body_hash: &[u8],
) -> Result<String, super::key::KeyError> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let fields = split_fields(section);
    let names = signed_names(&fields);

    let mut text = format!(
        "DKIM-Signature: v=1; a={}; c={}; d={}; s={};\n\tt={};",
        params.key.algorithm().tag(),
        params.canon,
        params.domain,
        params.selector,
        params.now
    );
    if let Some(expire) = params.expire {
        text.push_str(&format!(" x={};", params.now.saturating_add(expire)));
    }
    // h= folded at its colons (FWS is allowed around them, RFC 6376 §3.5).
    let mut line = String::from("\th=");
    for (i, name) in names.iter().enumerate() {
        let piece = if i == 0 {
            name.clone()
        } else {
            format!(":{name}")
        };
        if line.len() + piece.len() > 76 {
            text.push('\n');
            text.push_str(&line);
            line = String::from("\t ");
        }
        line.push_str(&piece);
    }
    text.push('\n');
    text.push_str(&line);
    text.push(';');
    text.push_str(&format!("\n\tbh={};\n\tb=", b64.encode(body_hash)));

    // The hash input (RFC 6376 §3.7): the signed fields, bottom-most
    // instance first for a repeated name (§5.4.2), a name with no
    // instance left adding nothing; then this field with an empty b=,
    // canonicalized, without its final CRLF.
    let mut data = Vec::new();
    let mut used = vec![false; fields.len()];
    for name in &names {
        let found = (0..fields.len())
            .rev()
            .find(|&i| !used[i] && field_name(fields[i]) == *name);
        if let Some(i) = found {
            used[i] = true;
            data.extend_from_slice(&header_field(params.canon.header, fields[i]));
        }
    }
    let own = format!("{text}\n").replace('\n', "\r\n");
    let mut own = header_field(params.canon.header, own.as_bytes());
    own.truncate(own.len().saturating_sub(2));
    data.extend_from_slice(&own);

    let signature = b64.encode(params.key.sign(&data)?);
    // b= folded every 72 characters; verifiers drop its white space.
    let mut chunks = signature.as_bytes().chunks(72).peekable();
    while let Some(chunk) = chunks.next() {
        text.push_str(&String::from_utf8_lossy(chunk));
        if chunks.peek().is_some() {
            text.push_str("\n\t ");
        }
    }
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashed(pieces: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
        let mut h = MessageHasher::new(|_: &[u8]| Some(Canon::Relaxed));
        for p in pieces {
            h.write_all(p).unwrap();
        }
        h.finish().unwrap().unwrap()
    }

    #[test]
    fn an_unsigned_letter_stops_the_first_pass_at_its_header() {
        let mut seen = Vec::new();
        let mut h = MessageHasher::new(|section: &[u8]| {
            seen = section.to_vec();
            None
        });
        assert!(h.write_all(b"From: a@b\r\n\r\nbody").is_err());
        assert!(h.stopped());
        assert!(h.write_all(b"more").is_err());
        assert_eq!(h.finish().unwrap(), None);
        assert_eq!(seen, b"From: a@b\r\n");
    }

    #[test]
    fn the_header_section_ends_at_the_first_empty_line_wherever_pieces_break() {
        let msg: &[u8] = b"From: a@b\r\nSubject: x\r\n\r\nbody\r\n\r\nmore\r\n";
        let whole = hashed(&[msg]);
        assert_eq!(whole.0, b"From: a@b\r\nSubject: x\r\n");
        for split in 0..=msg.len() {
            let (x, y) = msg.split_at(split);
            assert_eq!(hashed(&[x, y]), whole, "split at {split}");
        }
        let (header, _) = hashed(&[b"\r\nonly body\r\n"]);
        assert!(header.is_empty());
        // No empty line at all: everything is header, the body is empty.
        let (header, bh) = hashed(&[b"Subject: x\r\n"]);
        assert_eq!(header, b"Subject: x\r\n");
        assert_eq!(bh, hashed(&[b"Subject: x\r\n\r\n"]).1);
    }

    #[test]
    fn fields_keep_their_folds() {
        let section = b"From: a@b\r\nSubject: one\r\n two\r\n\tthree\r\nTo: c@d\r\n";
        let fields = split_fields(section);
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[1], b"Subject: one\r\n two\r\n\tthree\r\n");
    }

    #[test]
    fn from_domains() {
        assert_eq!(
            from_domain(b"From: Me <me@Example.COM>\r\n").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            from_domain(b"To: x@y\r\nFrom: me@mail.example.org\r\n").as_deref(),
            Some("mail.example.org")
        );
        assert_eq!(from_domain(b"From: nobody\r\n"), None);
        assert_eq!(from_domain(b"Subject: x\r\n"), None);
    }

    #[test]
    fn from_is_signed_once_more_than_it_occurs() {
        let section = b"From: a@b\r\nTo: c@d\r\nX-Mailer: y\r\nReceived: z\r\nSubject: s\r\n";
        let names = signed_names(&split_fields(section));
        assert_eq!(names.iter().filter(|n| *n == "from").count(), 2);
        assert!(!names.iter().any(|n| n == "x-mailer" || n == "received"));
        assert_eq!(&names[..3], ["from", "to", "subject"]);
    }
}

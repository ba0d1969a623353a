//! Reading header text as Allegro's `net.post-office` does (spec §1.1,
//! §1.2): `parse-mail-header`, `make-envelope-from-text`'s lookup, and
//! `decode-header-text` (RFC 2047 encoded words).

use base64::Engine;

/// `parse-mail-header`: the header fields in order of appearance (the
/// Lisp layer reverses them, as Allegro pushes them) and the body.
///
/// Allegro's rules, kept: a field's value starts at its first non-blank
/// character; a continuation line (leading space or tab) is appended with
/// one space; a line without a colon ends the header block and is dropped;
/// a last line without its line feed is not a header; an empty value
/// leaves its name pending for a continuation line (else it is lost); the
/// CR of CRLF is dropped.
pub fn parse_mail_header(text: &str) -> (Vec<(String, String)>, &str) {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut pending: Option<String> = None;
    let mut pos = 0;
    loop {
        let Some(off) = text[pos..].find('\n') else {
            // Allegro reads a last line without its line feed to the end
            // and drops it: no body is left.
            return (headers, "");
        };
        let raw = &text[pos..pos + off];
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        pos += off + 1;
        if line.is_empty() {
            break;
        }
        let (name, value) = if line.starts_with([' ', '\t']) {
            (pending.take(), line.trim_start_matches([' ', '\t', '\r']))
        } else {
            match line.split_once(':') {
                Some((n, v)) => (Some(n.to_string()), v.trim_start_matches([' ', '\t', '\r'])),
                None => break,
            }
        };
        if value.is_empty() {
            // Allegro skips blank value lines and keeps looking.
            if name.is_some() {
                pending = name;
            }
            continue;
        }
        match name {
            Some(n) => headers.push((n, value.to_string())),
            None => {
                if let Some(last) = headers.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(value);
                }
            }
        }
        pending = None;
    }
    (headers, &text[pos..])
}

/// Why a header could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownCharset(pub String);

/// One encoded word at the start of `s`: (charset, is-B, text, length).
fn encoded_word(s: &str) -> Option<(&str, bool, &str, usize)> {
    let rest = s.strip_prefix("=?")?;
    let q1 = rest.find('?')?;
    let charset = &rest[..q1];
    if charset.is_empty() {
        return None;
    }
    let after = &rest[q1 + 1..];
    let mut chars = after.chars();
    let enc = chars.next()?;
    let b = match enc {
        'b' | 'B' => true,
        'q' | 'Q' => false,
        _ => return None,
    };
    let after = after.get(1..)?.strip_prefix('?')?;
    let end = after.find("?=")?;
    let used = 2 + q1 + 1 + 2 + end + 2;
    Some((charset, b, &after[..end], used))
}

/// `decode-header-text`: RFC 2047 encoded words decoded; white space
/// between two adjacent encoded words dropped (§6.2), other text kept.
pub fn decode_header_text(text: &str) -> Result<String, UnknownCharset> {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut after_word = false;
    while i < text.len() {
        let rest = &text[i..];
        if let Some((charset, b, payload, used)) = encoded_word(rest) {
            let bytes = if b {
                base64::engine::general_purpose::STANDARD
                    .decode(payload.trim_end_matches('='))
                    .or_else(|_| {
                        base64::engine::general_purpose::STANDARD_NO_PAD
                            .decode(payload.trim_end_matches('='))
                    })
                    .unwrap_or_else(|_| payload.as_bytes().to_vec())
            } else {
                q_decode(payload)
            };
            out.push_str(&decode_charset(charset, &bytes)?);
            i += used;
            after_word = true;
            continue;
        }
        if after_word {
            let ws = rest.len() - rest.trim_start().len();
            if ws > 0 && encoded_word(&rest[ws..]).is_some() {
                i += ws;
                continue;
            }
        }
        after_word = false;
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        i += c.len_utf8();
    }
    Ok(out)
}

/// RFC 2047 §4.2: `_` is a space, `=XX` an octet; a bad `=` stays.
fn q_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'='),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Octets in a MIME charset → text. UTF-8 is read leniently; US-ASCII
/// and ISO-8859-1 are read as Latin-1, as Allegro does (the WHATWG
/// Encoding Standard would read them as Windows-1252). Every other label
/// of the Encoding Standard (ISO-8859-N, Windows-NNNN, KOI8, Shift_JIS,
/// EUC-JP, ISO-2022-JP, GBK, GB18030, Big5, EUC-KR, UTF-16) goes through
/// `encoding_rs`; an unknown name is an error, as Allegro's
/// "No external format found for MIME charset".
pub fn decode_charset(charset: &str, bytes: &[u8]) -> Result<String, UnknownCharset> {
    // RFC 2231 §5: `charset*language`.
    let name = charset.split('*').next().unwrap_or("").to_ascii_lowercase();
    match name.as_str() {
        "utf-8" | "utf8" => Ok(String::from_utf8_lossy(bytes).into_owned()),
        "us-ascii" | "ascii" | "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1" => {
            Ok(bytes.iter().map(|&b| char::from(b)).collect())
        }
        _ => match encoding_rs::Encoding::for_label(name.as_bytes()) {
            // The "replacement" encoding stands for charsets the standard
            // refuses to decode (ISO-2022-KR, HZ…): unknown to us too.
            Some(enc) if enc != encoding_rs::REPLACEMENT => {
                Ok(enc.decode_without_bom_handling(bytes).0.into_owned())
            }
            _ => Err(UnknownCharset(charset.to_string())),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn franz_decode_header_text_cases() {
        // t-imap.cl's test-mime.
        assert_eq!(
            decode_header_text("=?utf-8?q?foo?=\n  =?utf-8?q?bar?= baz").unwrap(),
            "foobar baz"
        );
        assert_eq!(
            decode_header_text("before =?utf-8?q?bruce?=    =?utf-8?q?jones?= hello").unwrap(),
            "before brucejones hello"
        );
        assert_eq!(
            decode_header_text("=?utf-8?q?=5BFranz_Wiki=5D_Update_of_=22Office/EmployeeDirectory=22_by_St?=\n =?utf-8?q?eveHaflich?=").unwrap(),
            "[Franz Wiki] Update of \"Office/EmployeeDirectory\" by SteveHaflich"
        );
    }

    #[test]
    fn b_words_charsets_and_junk() {
        assert_eq!(decode_header_text("=?UTF-8?B?Y2Fmw6k=?=").unwrap(), "café");
        assert_eq!(
            decode_header_text("=?iso-8859-1?q?caf=E9?=").unwrap(),
            "café"
        );
        assert_eq!(decode_header_text("=?windows-1252?q?=80?=").unwrap(), "€");
        assert_eq!(decode_header_text("=?iso-8859-15?q?=A4?=").unwrap(), "€");
        // Latin-1, not Windows-1252, as Allegro reads it.
        assert_eq!(
            decode_header_text("=?iso-8859-1?q?=80?=").unwrap(),
            "\u{80}"
        );
        assert_eq!(
            decode_header_text("=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=").unwrap(),
            "日本語"
        );
        assert_eq!(
            decode_header_text("=?koi8-r?b?8NLJ18XU?=").unwrap(),
            "Привет"
        );
        assert_eq!(
            decode_header_text("=?shift_jis?b?k/qWe4zq?=").unwrap(),
            "日本語"
        );
        assert_eq!(decode_header_text("=?gb2312?b?1tDOxA==?=").unwrap(), "中文");
        assert!(decode_header_text("=?iso-2022-kr?q?a?=").is_err());
        assert!(decode_header_text("=?x-klingon?q?a?=").is_err());
        for junk in [
            "=?",
            "=?utf-8?",
            "=?utf-8?q?",
            "=?utf-8?q?=",
            "=?utf-8?q?=4?=",
            "a =?u?x?y?= b",
            "=?utf-8?b?!!?=",
        ] {
            let _ = decode_header_text(junk);
        }
        assert_eq!(decode_header_text("=?utf-8?q?=4?=").unwrap(), "=4");
    }

    #[test]
    fn allegro_header_rules() {
        let (h, body) = parse_mail_header(
            "Subject: hi\r\n  there\r\nFrom:   a@b\nX-Empty:\nNo colon line\nTo: lost\n\nbody",
        );
        assert_eq!(
            h,
            [
                ("Subject".to_string(), "hi there".to_string()),
                ("From".to_string(), "a@b".to_string()),
            ]
        );
        assert_eq!(body, "To: lost\n\nbody");
        let (h, body) = parse_mail_header("A: 1\n\nrest\n");
        assert_eq!(h.len(), 1);
        assert_eq!(body, "rest\n");
        let (h, body) = parse_mail_header("A: no newline");
        assert!(h.is_empty());
        assert_eq!(body, "");
    }
}

//! Header text: RFC 2047 encoded-words, RFC 2045/2231 parameters, Allegro's
//! address folding, and the checks that keep header text one line.

use base64::Engine as _;

/// Longest line RFC 2047 §2 allows for a line holding encoded-words.
const ENCODED_LINE_LIMIT: usize = 76;
const WORD_PREFIX: &str = "=?utf-8?B?";
const WORD_SUFFIX: &str = "?=";

/// True if `text` has a CR, LF or NUL: such text would end a header line
/// early and inject another header (or a body), so it is refused.
pub fn has_line_break(text: &str) -> bool {
    text.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0))
}

/// RFC 5322 §2.1.1: no line may exceed 998 octets (CRLF not counted).
pub const LINE_LIMIT: usize = 998;
/// RFC 5322 §2.1.1: lines SHOULD keep within 78 characters.
pub const SOFT_LIMIT: usize = 78;

/// A control character that must not appear raw in a header: C0 controls
/// other than TAB (white space) and CR, LF, NUL (refused by
/// [`has_line_break`]), DEL, and the C1 controls U+0080–U+009F. Terminals
/// and mail software act on them (ESC sequences, form feeds).
pub fn is_raw_control(c: char) -> bool {
    matches!(c, '\u{1}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// True if `text` holds a character of [`is_raw_control`].
pub fn has_raw_control(text: &str) -> bool {
    text.chars().any(is_raw_control)
}

/// `value` folded (RFC 5322 §3.2.2: a line break inserted before white
/// space) so that, after `prefix` characters (`Name: `), lines keep within
/// 78 characters where the words allow. Unfolding gives `value` back
/// exactly. A value that already fits is returned unchanged. `None` when a
/// word is too long to keep its line within 998 octets.
pub fn fold_at_spaces(prefix: usize, value: &str) -> Option<String> {
    if prefix + value.len() <= SOFT_LIMIT {
        return Some(value.to_string());
    }
    let is_wsp = |b: u8| b == b' ' || b == b'\t';
    let bytes = value.as_bytes();
    // Each segment is a run of white space and the word after it; a break
    // goes only before a segment that has a word, so no line is all blank.
    let mut starts: Vec<usize> = vec![0];
    starts.extend((1..bytes.len()).filter(|&i| is_wsp(bytes[i]) && !is_wsp(bytes[i - 1])));
    starts.push(bytes.len());
    let mut out = String::with_capacity(value.len() + value.len() / 32);
    let mut line = prefix;
    for (i, pair) in starts.windows(2).enumerate() {
        let segment = &value[pair[0]..pair[1]];
        let breakable = i > 0 && segment.bytes().any(|b| !is_wsp(b));
        if breakable && line + segment.len() > SOFT_LIMIT {
            out.push('\n');
            line = 0;
        }
        out.push_str(segment);
        line += segment.len();
        if line > LINE_LIMIT {
            return None;
        }
    }
    Some(out)
}

/// True if `name` is a valid header field name (RFC 5322 §3.6.8: printable
/// ASCII except `:`).
pub fn is_field_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| matches!(b, 33..=57 | 59..=126))
}

/// True if `name` is a valid parameter name (an RFC 2045 §5.1 token).
pub fn is_token(name: &str) -> bool {
    const TSPECIALS: &[u8] = b"()<>@,;:\\\"/[]?=";
    !name.is_empty()
        && name
            .bytes()
            .all(|b| (33..=126).contains(&b) && !TSPECIALS.contains(&b))
}

/// The value of unstructured header `name` as it is written after `Name: `.
///
/// ASCII text without control characters is returned unchanged when it
/// fits in 78 columns, else folded at white space ([`fold_at_spaces`]).
/// Other text — not ASCII, holding a control character (see
/// [`is_raw_control`]), or with a word too long for a 998-octet line —
/// becomes RFC 2047 §4.1 B-encoded UTF-8 words separated by a fold
/// (newline, space); each word holds as many whole characters as keep its
/// line within 76 characters, counting `Name: ` on the first line.
pub fn encode_value(name: &str, value: &str) -> String {
    if value.is_ascii() && !has_raw_control(value) {
        if let Some(folded) = fold_at_spaces(name.len() + 2, value) {
            return folded;
        }
    }
    let overhead = WORD_PREFIX.len() + WORD_SUFFIX.len();
    let first_budget = word_budget(ENCODED_LINE_LIMIT.saturating_sub(name.len() + 2 + overhead));
    let next_budget = word_budget(ENCODED_LINE_LIMIT - 1 - overhead);
    let mut out = String::new();
    let mut rest = value;
    let mut budget = first_budget;
    while !rest.is_empty() {
        let cut = char_boundary_within(rest, budget);
        let (word, tail) = rest.split_at(cut);
        if !out.is_empty() {
            out.push_str("\n ");
        }
        out.push_str(WORD_PREFIX);
        base64::engine::general_purpose::STANDARD.encode_string(word, &mut out);
        out.push_str(WORD_SUFFIX);
        rest = tail;
        budget = next_budget;
    }
    out
}

/// Bytes of text whose base64 fits in `chars` characters.
fn word_budget(chars: usize) -> usize {
    chars / 4 * 3
}

/// The largest char boundary of `text` at or below `limit`, but at least one
/// whole character, so that every word makes progress.
fn char_boundary_within(text: &str, limit: usize) -> usize {
    if limit >= text.len() {
        return text.len();
    }
    let mut cut = limit;
    while cut > 0 && !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if cut == 0 {
        cut = text.chars().next().map_or(text.len(), char::len_utf8);
    }
    cut
}

/// Appends one parameter as `;` newline, 4 spaces, `key="value"` (RFC 2045
/// §5.1 quoted-string, `"` and `\` escaped). An ASCII value whose line
/// would pass 78 columns is split into RFC 2231 §3 continuations
/// `key*0="…"`, `key*1="…"`. A value that is not ASCII or holds a control
/// character is written as RFC 2231 §4 `key*=utf-8''%XX…`, split into
/// continuations when it would make an overlong line.
pub fn push_parameter(out: &mut String, key: &str, value: &str) {
    if value.is_ascii() && !has_raw_control(value) {
        let mut quoted = String::with_capacity(value.len() + 2);
        push_quoted(&mut quoted, value);
        // 4 spaces, `key=`, the value and the `;` of a next parameter.
        let line = "    ".len() + key.len() + "=".len() + quoted.len() + ";".len();
        if line <= SOFT_LIMIT {
            out.push_str(";\n    ");
            out.push_str(key);
            out.push('=');
            out.push_str(&quoted);
            return;
        }
        const SECTION: usize = 60;
        for (index, start) in (0..value.len()).step_by(SECTION).enumerate() {
            let section = &value[start..(start + SECTION).min(value.len())];
            out.push_str(&format!(";\n    {key}*{index}="));
            push_quoted(out, section);
        }
        return;
    }
    let encoded = percent_encode(value);
    const SECTION: usize = 60;
    if encoded.len() <= SECTION {
        out.push_str(";\n    ");
        out.push_str(key);
        out.push_str("*=utf-8''");
        out.push_str(&encoded);
        return;
    }
    let mut rest = encoded.as_str();
    let mut index = 0;
    while !rest.is_empty() {
        // Never split a %XX triplet: back up to its `%`.
        let mut cut = SECTION.min(rest.len());
        if cut < rest.len() {
            let bytes = rest.as_bytes();
            if let Some(back) = (1..=2).find(|&back| bytes[cut - back] == b'%') {
                cut -= back;
            }
        }
        let (section, tail) = rest.split_at(cut);
        out.push_str(";\n    ");
        out.push_str(&format!("{key}*{index}*="));
        if index == 0 {
            out.push_str("utf-8''");
        }
        out.push_str(section);
        rest = tail;
        index += 1;
    }
}

/// Appends `value` as an RFC 2045 quoted-string.
fn push_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// RFC 2231 §7 percent-encoding: `attribute-char`s kept, others `%XX`.
fn percent_encode(value: &str) -> String {
    const KEEP: &[u8] = b"!#$&+-.^_`|~";
    let mut out = String::with_capacity(value.len() * 3);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || KEEP.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Joins addresses for a To/Cc/Bcc header by Allegro's `fold-addresses`
/// rule (behaviour.md §3.3): `", "` between addresses; after an address
/// that is not the last, plus its `", "`, if the running length of the
/// line is ≥ 70, break with newline + 4 spaces, the new line's length
/// starting at 5. The `To: ` prefix is not counted.
pub fn fold_addresses(addresses: &[String]) -> String {
    const BREAK_AT: usize = 70;
    let mut out = String::new();
    let mut line_len = 0;
    for (i, address) in addresses.iter().enumerate() {
        out.push_str(address);
        line_len += address.chars().count();
        if i + 1 < addresses.len() {
            out.push_str(", ");
            line_len += 2;
            if line_len >= BREAK_AT {
                out.push_str("\n    ");
                line_len = 5;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_matches_allegros_51_address_test() {
        let addresses = vec!["First.Last@domain.com".to_string(); 51];
        let folded = fold_addresses(&addresses);
        let lengths: Vec<usize> = folded.split('\n').map(str::len).collect();
        let mut expected = vec![92];
        expected.extend([73; 15]);
        expected.push(48);
        assert_eq!(lengths, expected);
        assert_eq!(folded.len(), 1251);
    }

    #[test]
    fn ascii_values_are_left_alone() {
        assert_eq!(encode_value("Subject", "Test"), "Test");
    }

    #[test]
    fn encoded_words_fill_76_column_lines() {
        let value = "Grüße aus Köln — Überraschung für das ganze Team";
        let encoded = encode_value("Subject", value);
        assert_eq!(
            encoded,
            "=?utf-8?B?R3LDvMOfZSBhdXMgS8O2bG4g4oCUIMOcYmVycmFzY2h1bmcgZsO8?=\n =?utf-8?B?ciBkYXMgZ2FuemUgVGVhbQ==?="
        );
        let long = "ä".repeat(200);
        let encoded = encode_value("Subject", &long);
        let mut lines = encoded.split('\n');
        assert!(lines
            .next()
            .is_some_and(|l| l.len() + "Subject: ".len() <= 76));
        assert!(lines.all(|l| l.len() <= 76));
    }

    #[test]
    fn a_long_header_name_still_gets_one_character_a_word() {
        let name = "X".repeat(80);
        let encoded = encode_value(&name, "é");
        assert_eq!(encoded, "=?utf-8?B?w6k=?=");
    }

    #[test]
    fn long_ascii_values_fold_at_spaces_or_become_encoded_words() {
        let words = vec!["word"; 300].join(" ");
        let folded = encode_value("Subject", &words);
        let mut lines = folded.split('\n');
        assert!(lines.next().is_some_and(|l| l.len() + 9 <= 78));
        assert!(lines.all(|l| l.len() <= 78), "{folded}");
        assert_eq!(folded.replace('\n', ""), words);
        let long = "x".repeat(5000);
        let encoded = encode_value("Subject", &long);
        assert!(encoded.starts_with("=?utf-8?B?"));
        assert!(encoded.split('\n').all(|l| l.len() <= 76));
        // A long word that fits in 998 stays readable on its own line.
        let url = format!("see https://example.com/{} now", "p".repeat(200));
        let folded = encode_value("Subject", &url);
        assert_eq!(folded.replace('\n', ""), url);
        assert!(folded.split('\n').all(|l| l.len() <= 998));
    }

    #[test]
    fn folding_never_leaves_a_blank_line() {
        let value = format!("{}     {}   ", "a".repeat(70), "b".repeat(70));
        let folded = fold_at_spaces(9, &value).unwrap();
        assert!(
            folded.split('\n').all(|l| !l.trim().is_empty()),
            "{folded:?}"
        );
        assert_eq!(folded.replace('\n', ""), value);
    }

    #[test]
    fn control_characters_are_encoded() {
        assert_eq!(
            encode_value("Subject", "a\u{1b}[31m"),
            "=?utf-8?B?YRtbMzFt?="
        );
        assert_eq!(encode_value("Subject", "tab\tok"), "tab\tok");
        let mut out = String::new();
        push_parameter(&mut out, "filename", "a\u{7f}.txt");
        assert_eq!(out, ";\n    filename*=utf-8''a%7F.txt");
        assert!(is_raw_control('\u{85}') && !is_raw_control('\t') && !is_raw_control('é'));
    }

    #[test]
    fn long_ascii_parameters_use_continuations() {
        let mut out = String::new();
        push_parameter(&mut out, "filename", &"n".repeat(130));
        let lines: Vec<&str> = out.split('\n').collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[1], format!("    filename*0=\"{}\";", "n".repeat(60)));
        assert_eq!(lines[3], format!("    filename*2=\"{}\"", "n".repeat(10)));
    }

    #[test]
    fn parameters_are_quoted_and_escaped() {
        let mut out = String::new();
        push_parameter(&mut out, "filename", "a \"b\\c\".txt");
        assert_eq!(out, ";\n    filename=\"a \\\"b\\\\c\\\".txt\"");
    }

    #[test]
    fn non_ascii_parameters_use_rfc_2231() {
        let mut out = String::new();
        push_parameter(&mut out, "filename", "Grüße.txt");
        assert_eq!(out, ";\n    filename*=utf-8''Gr%C3%BC%C3%9Fe.txt");
    }

    #[test]
    fn long_non_ascii_parameters_use_continuations() {
        let mut out = String::new();
        push_parameter(&mut out, "filename", &"ü".repeat(30));
        let lines: Vec<&str> = out.split('\n').collect();
        assert_eq!(
            lines[1],
            format!("    filename*0*=utf-8''{};", "%C3%BC".repeat(10))
        );
        assert!(lines[2].starts_with("    filename*1*=%C3%BC"));
        assert!(!out.contains("%C;") && !out.contains("%;"));
    }
}

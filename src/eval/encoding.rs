//! External formats of character file streams (CLHS 21.1.4; the names
//! are SBCL's and Allegro's): how characters become bytes and back.
//! Malformed input and unencodable characters are errors, never a
//! silent U+FFFD or `?`.

use std::io::{self, BufRead, Read};

/// The encodings a character file stream can have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Encoding {
    #[default]
    Utf8,
    Latin1,
    Ascii,
    /// UTF-16: on input, a byte-order mark chooses the order (big-endian
    /// without one, RFC 2781 §4.3); on output, big-endian after a mark.
    Utf16,
    Utf16Le,
    Utf16Be,
}

impl Encoding {
    /// The encoding an `:external-format` keyword names (SBCL's and
    /// Allegro's spellings; `:default` is UTF-8). `None`: not supported.
    pub fn from_name(name: &str) -> Option<Encoding> {
        Some(match name {
            "DEFAULT" | "UTF-8" | "UTF8" => Encoding::Utf8,
            "LATIN-1" | "LATIN1" | "ISO-8859-1" | "ISO8859-1" | "ISO-LATIN-1" | "8-BIT" => {
                Encoding::Latin1
            }
            "ASCII" | "US-ASCII" | "ANSI_X3.4-1968" => Encoding::Ascii,
            "UTF-16" | "UTF16" | "UNICODE" => Encoding::Utf16,
            "UTF-16LE" | "UTF16LE" => Encoding::Utf16Le,
            "UTF-16BE" | "UTF16BE" => Encoding::Utf16Be,
            _ => return None,
        })
    }

    /// The keyword `stream-external-format` returns.
    pub fn keyword(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Latin1 => "LATIN-1",
            Encoding::Ascii => "ASCII",
            Encoding::Utf16 => "UTF-16",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
        }
    }

    /// Append `s` encoded to `out`; the first character the encoding
    /// cannot represent is an error.
    pub fn encode(self, s: &str, out: &mut Vec<u8>) -> io::Result<()> {
        match self {
            Encoding::Utf8 => out.extend_from_slice(s.as_bytes()),
            Encoding::Latin1 | Encoding::Ascii => {
                let limit = if self == Encoding::Ascii { 0x80 } else { 0x100 };
                for c in s.chars() {
                    if (c as u32) >= limit {
                        return Err(unencodable(c, self));
                    }
                    out.push(c as u32 as u8);
                }
            }
            Encoding::Utf16 | Encoding::Utf16Be | Encoding::Utf16Le => {
                for unit in s.encode_utf16() {
                    let bytes = if self == Encoding::Utf16Le {
                        unit.to_le_bytes()
                    } else {
                        unit.to_be_bytes()
                    };
                    out.extend_from_slice(&bytes);
                }
            }
        }
        Ok(())
    }

    /// Bytes `c` takes (for `file-position` after `unread-char`).
    pub fn width(self, c: char) -> u64 {
        match self {
            Encoding::Utf8 => c.len_utf8() as u64,
            Encoding::Latin1 | Encoding::Ascii => 1,
            _ => 2 * c.len_utf16() as u64,
        }
    }
}

fn unencodable(c: char, e: Encoding) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "encoding error: the character U+{:04X} cannot be encoded in {}",
            c as u32,
            e.keyword()
        ),
    )
}

/// A decoding error at byte `offset` (SBCL: `stream-decoding-error`).
pub fn malformed(e: Encoding, offset: u64, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "decoding error: {what} at byte offset {offset} is not valid {}",
            e.keyword()
        ),
    )
}

/// Read one byte; `None` at end of input.
fn byte<R: Read>(r: &mut R) -> io::Result<Option<u8>> {
    let mut one = [0u8; 1];
    loop {
        match r.read(&mut one) {
            Ok(0) => return Ok(None),
            Ok(_) => return Ok(Some(one[0])),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Decode one character at byte `offset`: the character and the bytes it
/// took, or `None` at end of input. `order` is the UTF-16 byte order
/// once known (`Some(true)` little-endian).
pub fn read_char<R: BufRead>(
    r: &mut R,
    e: Encoding,
    offset: u64,
    order: &mut Option<bool>,
) -> io::Result<Option<(char, u64)>> {
    let Some(b) = byte(r)? else {
        return Ok(None);
    };
    match e {
        Encoding::Latin1 => Ok(Some((b as char, 1))),
        Encoding::Ascii if b < 0x80 => Ok(Some((b as char, 1))),
        Encoding::Ascii => Err(malformed(e, offset, &format!("the byte 0x{b:02X}"))),
        Encoding::Utf8 => utf8_char(r, b, offset),
        Encoding::Utf16 | Encoding::Utf16Le | Encoding::Utf16Be => {
            let mut taken = 0;
            let mut first = b;
            if order.is_none() {
                *order = Some(e == Encoding::Utf16Le);
                if e == Encoding::Utf16 && offset == 0 {
                    // RFC 2781 §3.2: a leading mark gives the order and is
                    // not part of the text.
                    let Some(second) = byte(r)? else {
                        return Err(malformed(e, offset, "an odd final byte"));
                    };
                    match (b, second) {
                        (0xFE, 0xFF) | (0xFF, 0xFE) => {
                            *order = Some(b == 0xFF);
                            taken = 2;
                            match byte(r)? {
                                Some(n) => first = n,
                                None => return Ok(None),
                            }
                        }
                        _ => {
                            let unit = u16::from_be_bytes([b, second]);
                            return utf16_rest(r, unit, e, offset, false, 2);
                        }
                    }
                }
            }
            let little = order.unwrap_or(false);
            let unit = utf16_unit(r, first, little, e, offset + taken)?;
            utf16_rest(r, unit, e, offset + taken, little, taken + 2)
        }
    }
}

fn utf16_unit<R: Read>(
    r: &mut R,
    first: u8,
    little: bool,
    e: Encoding,
    at: u64,
) -> io::Result<u16> {
    let Some(second) = byte(r)? else {
        return Err(malformed(e, at, "an odd final byte"));
    };
    Ok(if little {
        u16::from_le_bytes([first, second])
    } else {
        u16::from_be_bytes([first, second])
    })
}

/// Finish a UTF-16 character whose first unit is `unit` (a surrogate
/// pair needs the next unit).
fn utf16_rest<R: Read>(
    r: &mut R,
    unit: u16,
    e: Encoding,
    offset: u64,
    little: bool,
    taken: u64,
) -> io::Result<Option<(char, u64)>> {
    if !(0xD800..0xE000).contains(&unit) {
        return Ok(char::from_u32(unit as u32).map(|c| (c, taken)));
    }
    let bad = || malformed(e, offset, &format!("the unpaired surrogate 0x{unit:04X}"));
    if unit >= 0xDC00 {
        return Err(bad());
    }
    let Some(first) = byte(r)? else {
        return Err(bad());
    };
    let low = utf16_unit(r, first, little, e, offset + 2)?;
    if !(0xDC00..0xE000).contains(&low) {
        return Err(bad());
    }
    let c = 0x10000 + (((unit as u32) - 0xD800) << 10) + ((low as u32) - 0xDC00);
    Ok(char::from_u32(c).map(|c| (c, taken + 2)))
}

/// The rest of a UTF-8 sequence starting with `b` (RFC 3629 §3: no
/// overlong forms, no surrogates, nothing above U+10FFFF).
fn utf8_char<R: BufRead>(r: &mut R, b: u8, offset: u64) -> io::Result<Option<(char, u64)>> {
    let len = match b {
        0x00..=0x7f => return Ok(Some((b as char, 1))),
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => {
            return Err(malformed(
                Encoding::Utf8,
                offset,
                &format!("the byte 0x{b:02X}"),
            ))
        }
    };
    let mut buf = [b, 0, 0, 0];
    for slot in buf.iter_mut().take(len).skip(1) {
        // Look before taking, so that the byte after a truncated sequence
        // is still there for a handler that goes on reading.
        let next = r.fill_buf()?.first().copied();
        match next {
            Some(n) if n & 0xC0 == 0x80 => {
                r.consume(1);
                *slot = n;
            }
            _ => {
                return Err(malformed(
                    Encoding::Utf8,
                    offset,
                    &format!("the byte 0x{b:02X} (a truncated sequence)"),
                ))
            }
        }
    }
    match std::str::from_utf8(&buf[..len]) {
        Ok(s) => Ok(s.chars().next().map(|c| (c, len as u64))),
        Err(_) => Err(malformed(
            Encoding::Utf8,
            offset,
            &format!("the sequence {:02X?}", &buf[..len]),
        )),
    }
}

/// Strict UTF-8 text of a whole file (a script or a `load`ed file), with
/// a leading byte-order mark removed; the error names `file` and the
/// byte offset.
pub fn decode_source(bytes: &[u8], e: Encoding, file: &str) -> Result<String, String> {
    let (bytes, bom) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) if e == Encoding::Utf8 => (rest, 3),
        _ => (bytes, 0),
    };
    let mut reader = io::Cursor::new(bytes);
    let mut text = String::with_capacity(bytes.len());
    let mut offset = 0;
    let mut order = None;
    if e == Encoding::Utf8 {
        return match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_string()),
            Err(err) => {
                let at = err.valid_up_to();
                let b = bytes.get(at).copied().unwrap_or(0);
                Err(format!(
                    "{file}: {}",
                    malformed(e, (at + bom) as u64, &format!("the byte 0x{b:02X}"))
                ))
            }
        };
    }
    loop {
        match read_char(&mut reader, e, offset, &mut order) {
            Ok(Some((c, n))) => {
                text.push(c);
                offset += n;
            }
            Ok(None) => return Ok(text),
            Err(err) => return Err(format!("{file}: {err}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8], e: Encoding) -> Result<String, String> {
        decode_source(bytes, e, "f")
    }

    #[test]
    fn decodes_each_format() {
        assert_eq!(
            decode_all(b"caf\xe9", Encoding::Latin1).as_deref(),
            Ok("café")
        );
        assert_eq!(
            decode_all("café".as_bytes(), Encoding::Utf8).as_deref(),
            Ok("café")
        );
        assert_eq!(
            decode_all(b"\xEF\xBB\xBFok", Encoding::Utf8).as_deref(),
            Ok("ok")
        );
        assert_eq!(
            decode_all(b"\xFF\xFEh\0i\0", Encoding::Utf16).as_deref(),
            Ok("hi")
        );
        assert_eq!(
            decode_all(b"\xFE\xFF\0h\0i", Encoding::Utf16).as_deref(),
            Ok("hi")
        );
        assert_eq!(decode_all(b"\0h\0i", Encoding::Utf16).as_deref(), Ok("hi"));
        assert_eq!(
            decode_all(b"h\0i\0", Encoding::Utf16Le).as_deref(),
            Ok("hi")
        );
        assert_eq!(
            decode_all(b"\xD8\x3D\xDE\x00", Encoding::Utf16Be).as_deref(),
            Ok("\u{1F600}")
        );
    }

    #[test]
    fn malformed_input_is_an_error_with_its_offset() {
        let err = decode_all(b"caf\xe9", Encoding::Utf8).unwrap_err();
        assert!(err.contains("byte offset 3"), "{err}");
        let err = decode_all(b"ab\x80", Encoding::Ascii).unwrap_err();
        assert!(err.contains("byte offset 2"), "{err}");
        assert!(decode_all(b"\xDC\x00", Encoding::Utf16Be).is_err());
        assert!(decode_all(b"\0", Encoding::Utf16Be).is_err());
        // Overlong and surrogate forms (RFC 3629 §3).
        let mut r = io::Cursor::new(b"\xC0\xAF".to_vec());
        assert!(read_char(&mut r, Encoding::Utf8, 0, &mut None).is_err());
        let mut r = io::Cursor::new(b"\xED\xA0\x80".to_vec());
        assert!(read_char(&mut r, Encoding::Utf8, 0, &mut None).is_err());
    }

    #[test]
    fn encoding_refuses_what_the_format_cannot_hold() {
        let mut out = Vec::new();
        assert!(Encoding::Ascii.encode("é", &mut out).is_err());
        out.clear();
        Encoding::Latin1.encode("é", &mut out).unwrap_or_default();
        assert_eq!(out, [0xE9]);
        assert!(Encoding::Latin1.encode("€", &mut out).is_err());
        out.clear();
        Encoding::Utf16Le.encode("h", &mut out).unwrap_or_default();
        assert_eq!(out, [b'h', 0]);
    }
}

//! Tokens (CLHS 2.2 steps 8-10, 2.3): accumulating constituent characters
//! with escapes, then interpreting the token as a number or a symbol.

use std::rc::Rc;

use super::number::parse_number;
use super::readtable::{Kind, ReadCase};
use super::{Item, Opener, ReadError, ReadErrorKind, Reader};
use crate::eval::package::{self, Status};
use crate::eval::value::Symbol;
use crate::eval::Value;

/// A token: its characters, which of them were escaped, where it started.
pub(super) struct Token {
    pub chars: Vec<(char, bool)>,
    pub any_escape: bool,
    /// Indexes into `chars` where a `|` occurred (so `:||` has a name).
    pub bars: Vec<usize>,
    pub start: usize,
}

impl Token {
    /// The characters as written (escapes removed, no case conversion).
    pub fn text(&self) -> String {
        self.chars.iter().map(|&(c, _)| c).collect()
    }

    /// The symbol name: unescaped characters converted as the readtable
    /// case says (CLHS 23.1.2), escaped ones as they are. `case` is what
    /// [`Token::conversion`] decided (never `Invert`).
    pub fn folded(chars: &[(char, bool)], case: ReadCase) -> String {
        let mut name = String::with_capacity(chars.len());
        for &(c, escaped) in chars {
            name.push(match case {
                _ if escaped => c,
                ReadCase::Upcase => match c {
                    'a'..='z' => c.to_ascii_uppercase(),
                    _ if c.is_ascii() => c,
                    _ => upcase(c),
                },
                ReadCase::Downcase => downcase(c),
                ReadCase::Preserve | ReadCase::Invert => c,
            });
        }
        name
    }

    /// The conversion the readtable case asks of this token: `:invert`
    /// flips the unescaped letters when they all have one case and keeps
    /// them otherwise (CLHS 23.1.2).
    pub fn conversion(&self, case: ReadCase) -> ReadCase {
        if case != ReadCase::Invert {
            return case;
        }
        let letters = || {
            self.chars
                .iter()
                .filter(|&&(c, e)| !e && (upcase(c) != c || downcase(c) != c))
        };
        if letters().all(|&(c, _)| downcase(c) != c) {
            ReadCase::Downcase
        } else if letters().all(|&(c, _)| upcase(c) != c) {
            ReadCase::Upcase
        } else {
            ReadCase::Preserve
        }
    }
}

/// Lower-case a character with a one-to-one case mapping (as [`upcase`]).
pub(crate) fn downcase(c: char) -> char {
    let mut down = c.to_lowercase();
    match (down.next(), down.next()) {
        (Some(d), None) if d != c && upcase(d) == c => d,
        _ => c,
    }
}

/// Upper-case a character that has a one-to-one case mapping (CLHS 13.1.4.3);
/// others (such as `ß`) are left alone, as in SBCL.
pub(crate) fn upcase(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if u != c && u.to_lowercase().eq(std::iter::once(c)) => u,
        _ => c,
    }
}

impl Reader<'_> {
    /// Accumulate a token from the current position (CLHS 2.2 steps 8-9).
    /// `first`, if given, is a character already taken as escaped (`#\`).
    pub(super) fn read_token(&mut self, first: Option<(char, usize)>) -> Result<Token, ReadError> {
        let start = first.map_or(self.pos, |(_, at)| at);
        let mut chars = Vec::with_capacity(16);
        let mut any_escape = false;
        let mut bars = Vec::new();
        if let Some((c, _)) = first {
            chars.push((c, true));
        }
        let mut multiple: Option<usize> = None;
        loop {
            let at = self.pos;
            let Some(c) = self.peek() else {
                if let Some(open) = multiple {
                    return Err(self.eof(Opener {
                        what: "a |...| escape",
                        pos: open,
                    }));
                }
                break;
            };
            let kind = self.kind(c);
            if multiple.is_none() && kind.terminates() {
                break;
            }
            self.pos += c.len_utf8();
            match kind {
                Kind::SingleEscape => {
                    any_escape = true;
                    match self.bump() {
                        Some(e) => chars.push((e, true)),
                        None => {
                            return Err(self.eof(Opener {
                                what: "a \\ escape",
                                pos: at,
                            }))
                        }
                    }
                }
                Kind::MultipleEscape => {
                    any_escape = true;
                    bars.push(chars.len());
                    multiple = if multiple.is_some() { None } else { Some(at) };
                }
                _ if multiple.is_some() => chars.push((c, true)),
                _ if matches!(c, '\x08' | '\x7f') && !self.suppress => {
                    return Err(self.syntax(
                        at,
                        "invalid constituent character (Backspace or Rubout) in a token",
                    ));
                }
                _ => chars.push((c, false)),
            }
        }
        self.token_end = Some(self.pos);
        Ok(Token {
            chars,
            any_escape,
            bars,
            start,
        })
    }

    /// A token as a number, a symbol, or a consing dot (CLHS 2.3).
    pub(super) fn interpret_token(&self, tok: &Token) -> Result<Item, ReadError> {
        if self.suppress {
            return Ok(Item::Obj(Value::Nil));
        }
        if !tok.any_escape {
            if tok.chars.iter().all(|&(c, _)| c == '.') {
                if tok.chars.len() == 1 {
                    return Ok(Item::Dot);
                }
                return Err(self.syntax(
                    tok.start,
                    format!("too many dots: {} is not a token", tok.text()),
                ));
            }
            // Every number has a digit: most tokens are symbols.
            let radix = self.settings.base.max(10);
            if tok.chars.iter().any(|&(c, _)| c.is_digit(radix)) {
                match parse_number(&tok.text(), self.settings.base, self.settings.float_format) {
                    Some(Ok(v)) => return Ok(Item::Obj(v)),
                    Some(Err(m)) => return Err(self.syntax(tok.start, m)),
                    None => {}
                }
            }
        }
        self.token_symbol(tok).map(Item::Obj)
    }

    /// A symbol token with optional package markers (CLHS 2.3.5).
    fn token_symbol(&self, tok: &Token) -> Result<Value, ReadError> {
        let case = tok.conversion(self.settings.readtable.case());
        let markers: Vec<usize> = tok
            .chars
            .iter()
            .enumerate()
            .filter(|&(_, &(c, escaped))| c == ':' && !escaped)
            .map(|(i, _)| i)
            .collect();
        let bad = |what: &str| self.syntax(tok.start, format!("{what}: {}", tok.text()));
        let (pkg_part, name_part, external) = match markers.as_slice() {
            [] => {
                let name = Token::folded(&tok.chars, case);
                return Ok(package::sym_value(package::intern_in(
                    &name,
                    &self.package(),
                )));
            }
            [0] => (None, &tok.chars[1..], true),
            [i] => (Some(&tok.chars[..*i]), &tok.chars[i + 1..], true),
            [i, j] if *j == i + 1 && *i > 0 => (Some(&tok.chars[..*i]), &tok.chars[j + 1..], false),
            [0, 1] => return Err(bad("a symbol cannot start with ::")),
            _ => return Err(bad("too many package markers in a symbol")),
        };
        let name_from = tok.chars.len() - name_part.len();
        if name_part.is_empty() && !tok.bars.iter().any(|&b| b >= name_from) {
            return Err(bad("missing symbol name after the package marker"));
        }
        if !name_part.iter().any(|&(_, e)| e) {
            let text: String = name_part.iter().map(|&(c, _)| c).collect();
            if parse_number(&text, self.settings.base, self.settings.float_format).is_some() {
                return Err(bad("a number cannot be package-qualified"));
            }
        }
        let name = Token::folded(name_part, case);
        let Some(pkg_chars) = pkg_part else {
            return Ok(Value::Symbol(package::keyword(&name)));
        };
        let pkg_name = Token::folded(pkg_chars, case);
        let Some(pkg) = package::find_package(&pkg_name) else {
            let msg = crate::builtins::allegro::missing::unprovided_symbol(&pkg_name, &name)
                .unwrap_or_else(|| format!("package {pkg_name} does not exist"));
            return Err(self.error(ReadErrorKind::Package, tok.start, msg));
        };
        if !external || pkg.name == "KEYWORD" {
            return Ok(package::sym_value(package::intern_in(&name, &pkg)));
        }
        match package::find_symbol(&name, &pkg) {
            Some((sym, Status::External)) => Ok(package::sym_value(sym)),
            Some(_) => Err(self.error(
                ReadErrorKind::Package,
                tok.start,
                format!("symbol {name} is not external in package {}", pkg.name),
            )),
            None => Err(self.error(
                ReadErrorKind::Package,
                tok.start,
                crate::builtins::allegro::missing::unprovided_allegro_symbol(&pkg.name, &name)
                    .unwrap_or_else(|| format!("symbol {name} not found in package {}", pkg.name)),
            )),
        }
    }

    /// `#:name`: a fresh uninterned symbol.
    pub(super) fn uninterned(&self, tok: &Token) -> Result<Value, ReadError> {
        if tok.chars.iter().any(|&(c, e)| c == ':' && !e) {
            return Err(self.syntax(
                tok.start,
                format!("package marker in an uninterned symbol: #:{}", tok.text()),
            ));
        }
        let case = tok.conversion(self.settings.readtable.case());
        Ok(Value::Symbol(Rc::new(Symbol::new(&Token::folded(
            &tok.chars, case,
        )))))
    }
}

//! Symbols (CLHS 22.1.3.3): package prefixes and `|...|` escaping so that
//! the printed name reads back as the same symbol.

use std::rc::Rc;

use crate::eval::package::{self, Status};
use crate::eval::Sym;

use super::symbol_case::{push_name, Style};

/// Print `sym`; with `escape`, add the package prefix and `|...|` as needed.
/// `base` is `*print-base*`, which decides which names look like numbers.
pub fn write_symbol(out: &mut String, sym: &Sym, escape: bool, base: u32) {
    write_symbol_styled(out, sym, escape, base, Style::current());
}

/// [`write_symbol`] with the readtable case and `*print-case*` of `style`.
pub fn write_symbol_styled(out: &mut String, sym: &Sym, escape: bool, base: u32, style: Style) {
    if !escape {
        push_name(out, &sym.name, style);
        return;
    }
    let home = sym.package.borrow().clone();
    match home {
        None => out.push_str("#:"),
        Some(p) if p.is_named("KEYWORD") => out.push(':'),
        Some(p) => {
            let current = package::current_package();
            if !package::is_accessible(sym, &current) {
                write_name_in(out, &p.name(), base, style);
                let external = matches!(
                    package::find_symbol(&sym.name, &p),
                    Some((s, Status::External)) if Rc::ptr_eq(&s, sym)
                );
                out.push_str(if external { ":" } else { "::" });
            }
        }
    }
    write_name_in(out, &sym.name, base, style);
}

/// A symbol or package name, between bars when it would not read back.
pub fn write_name(out: &mut String, name: &str, base: u32) {
    write_name_in(out, name, base, Style::current());
}

/// [`write_name`] with the readtable case and `*print-case*` of `style`.
fn write_name_in(out: &mut String, name: &str, base: u32, style: Style) {
    let case_escape = !style.is_plain() && name.chars().any(|c| style.letter_needs_escape(c));
    if !case_escape && !needs_escape_in(name, base, style.is_plain()) {
        push_name(out, name, style);
        return;
    }
    out.push('|');
    for c in name.chars() {
        if c == '|' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('|');
}

/// Would `name`, printed bare, read back as something else?
pub fn needs_escape(name: &str, base: u32) -> bool {
    needs_escape_in(name, base, true)
}

/// `upcase`: lower-case letters need escapes (readtable case `:upcase`).
fn needs_escape_in(name: &str, base: u32, upcase: bool) -> bool {
    if name.is_empty() || name.chars().all(|c| c == '.') {
        return true;
    }
    let odd_char = name.chars().any(|c| {
        crate::reader::is_terminator(c)
            || c.is_whitespace()
            || c.is_control()
            || matches!(c, '|' | '\\' | ':' | '#')
            || (upcase && crate::reader::upcase(c) != c)
    });
    odd_char || potential_number(name, base)
}

/// CLHS 2.3.1.1: digits, signs, ratio markers, decimal points, extension
/// characters and letters (number markers), with at least one digit,
/// starting with a digit, sign, point or extension character, not ending
/// with a sign, and no two number-marker letters side by side.
fn potential_number(name: &str, base: u32) -> bool {
    let is_digit = |c: char| c.is_ascii_digit() || c.is_digit(base);
    let chars: Vec<char> = name.chars().collect();
    let allowed = chars.iter().all(|&c| {
        is_digit(c) || c.is_ascii_alphabetic() || matches!(c, '+' | '-' | '/' | '.' | '^' | '_')
    });
    if !allowed || !chars.iter().any(|&c| is_digit(c)) {
        return false;
    }
    let first = chars[0];
    if !(is_digit(first) || matches!(first, '+' | '-' | '.' | '^' | '_')) {
        return false;
    }
    if matches!(chars.last(), Some('+' | '-')) {
        return false;
    }
    let marker = |c: char| c.is_ascii_alphabetic() && !is_digit(c);
    !chars.windows(2).any(|w| marker(w[0]) && marker(w[1]))
}

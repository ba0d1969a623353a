//! How the readtable case and `*print-case*` change the printed name of a
//! symbol (CLHS 22.1.3.3.2), as SBCL prints it.

use crate::eval::Value;
use crate::reader::ReadCase;

/// `*print-case*`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PrintCase {
    Upcase,
    Downcase,
    Capitalize,
}

/// The readtable case of `*readtable*` and `*print-case*`, read when a
/// symbol is printed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub readtable: ReadCase,
    pub print: PrintCase,
}

impl Style {
    pub fn current() -> Style {
        let readably = crate::eval::package::cl_var!("*PRINT-READABLY*")
            .value
            .borrow()
            .as_ref()
            .is_some_and(Value::truthy);
        Self::printing(readably)
    }

    /// The style when printing readably or not: readably assumes the
    /// standard readtable (SBCL's output-symbol), so the text reads back
    /// under any readtable case.
    pub fn printing(readably: bool) -> Style {
        let print = match crate::eval::package::cl_var!("*PRINT-CASE*")
            .value
            .borrow()
            .as_ref()
        {
            Some(Value::Symbol(s)) if s.name == "DOWNCASE" => PrintCase::Downcase,
            Some(Value::Symbol(s)) if s.name == "CAPITALIZE" => PrintCase::Capitalize,
            _ => PrintCase::Upcase,
        };
        let readtable = if readably {
            ReadCase::Upcase
        } else {
            crate::reader::current_readtable().case()
        };
        Style { readtable, print }
    }

    /// The default style, where names print as they are.
    pub fn is_plain(self) -> bool {
        self.readtable == ReadCase::Upcase && self.print == PrintCase::Upcase
    }

    /// Would a letter of this case be read as another character
    /// (so the name must be escaped)?
    pub fn letter_needs_escape(self, c: char) -> bool {
        let (up, down) = (is_upper(c), is_lower(c));
        match self.readtable {
            ReadCase::Upcase => down,
            ReadCase::Downcase => up,
            ReadCase::Preserve | ReadCase::Invert => false,
        }
    }
}

fn is_upper(c: char) -> bool {
    crate::reader::downcase(c) != c
}

fn is_lower(c: char) -> bool {
    crate::reader::upcase(c) != c
}

/// Append `name` as an unescaped symbol name in `style`.
pub fn push_name(out: &mut String, name: &str, style: Style) {
    if style.is_plain() {
        out.push_str(name);
        return;
    }
    let change = |c: char| -> bool {
        match style.readtable {
            ReadCase::Upcase => is_upper(c),
            ReadCase::Downcase => is_lower(c),
            _ => false,
        }
    };
    match style.readtable {
        ReadCase::Preserve => out.push_str(name),
        ReadCase::Invert => {
            let has_up = name.chars().any(is_upper);
            let has_down = name.chars().any(is_lower);
            match (has_up, has_down) {
                (true, false) => out.extend(name.chars().map(crate::reader::downcase)),
                (false, true) => out.extend(name.chars().map(crate::reader::upcase)),
                _ => out.push_str(name),
            }
        }
        ReadCase::Upcase | ReadCase::Downcase => {
            // Letters of the readtable's case are printed in *print-case*;
            // the others in their own case.
            let mut word_start = true;
            for c in name.chars() {
                let out_c = if change(c) {
                    match style.print {
                        PrintCase::Upcase => crate::reader::upcase(c),
                        PrintCase::Downcase => crate::reader::downcase(c),
                        PrintCase::Capitalize if word_start => crate::reader::upcase(c),
                        PrintCase::Capitalize => crate::reader::downcase(c),
                    }
                } else {
                    c
                };
                out.push(out_c);
                word_start = !c.is_alphanumeric();
            }
        }
    }
}

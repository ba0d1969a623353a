//! The Lisp printer (CLHS 22.1): `prin1`/`princ` text for every value.

use crate::eval::Value;

/// Printer control, the `*print-...*` variables that matter to scripts.
#[derive(Clone, Debug)]
pub struct PrintOptions {
    /// `*print-escape*`: true for `prin1`, false for `princ`.
    pub escape: bool,
    /// `*print-base*`.
    pub base: u32,
    /// `*print-radix*`.
    pub radix: bool,
    /// `*print-readably*`.
    pub readably: bool,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            escape: true,
            base: 10,
            radix: false,
            readably: false,
        }
    }
}

/// `prin1-to-string`.
pub fn prin1_to_string(v: &Value) -> String {
    write_to_string(v, &PrintOptions::default())
}

/// `princ-to-string`.
pub fn princ_to_string(v: &Value) -> String {
    write_to_string(
        v,
        &PrintOptions {
            escape: false,
            ..PrintOptions::default()
        },
    )
}

/// `write-to-string` with explicit options.
pub fn write_to_string(_v: &Value, _opts: &PrintOptions) -> String {
    String::from("#<unprintable>")
}

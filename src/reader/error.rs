//! Reader errors: a kind (the Lisp condition class it becomes) and a
//! position for people.

use std::fmt;

/// What kind of failure a [`ReadError`] is; the evaluator maps these onto
/// the condition classes `end-of-file`, `reader-error` and `package-error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadErrorKind {
    /// Input ended inside a form (CLHS 2.2 step 1). The REPL reads more lines.
    EndOfFile,
    /// Malformed syntax (`reader-error`).
    Syntax,
    /// A package does not exist, or a symbol is not external in it.
    Package,
    /// Lisp code the reader called (`#.`, a reader macro) unwound; the
    /// [`super::ReadContext`] holds the unwind to continue.
    Unwound,
}

/// A failed read, with the file, line and column it refers to. For
/// [`ReadErrorKind::EndOfFile`] the position is that of the unclosed opener.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    pub kind: ReadErrorKind,
    pub message: String,
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
}

impl ReadError {
    pub fn is_eof(&self) -> bool {
        self.kind == ReadErrorKind::EndOfFile
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{file}:")?;
        }
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for ReadError {}

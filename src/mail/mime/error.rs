//! The error type of MIME construction and rendering.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a part could not be made or rendered.
#[derive(Debug)]
pub enum MimeError {
    /// An argument of `make-mime-part` has a value that cannot be used.
    BadArgument {
        /// The argument's name, spelled as the Lisp keyword without the colon.
        argument: &'static str,
        /// The offending value, printed for the user (shortened if long).
        value: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file source could not be opened or read.
    File {
        /// The file's path as given.
        path: PathBuf,
        /// The operating system's message.
        message: String,
    },
    /// A stream source failed while it was read.
    Stream {
        /// What went wrong.
        message: String,
    },
    /// No random bytes were available for a multipart boundary.
    Random(String),
    /// Writing the rendering failed.
    Io(io::Error),
}

impl MimeError {
    /// A [`MimeError::BadArgument`] with `value` shown as a quoted string.
    pub(crate) fn bad(argument: &'static str, value: &str, reason: impl Into<String>) -> Self {
        MimeError::BadArgument {
            argument,
            value: show_value(value),
            reason: reason.into(),
        }
    }

    /// A [`MimeError::File`] from an I/O error on `path`.
    pub(crate) fn file(path: impl Into<PathBuf>, err: &io::Error) -> Self {
        MimeError::File {
            path: path.into(),
            message: err.to_string(),
        }
    }
}

/// Quotes a value for an error message, cut to a readable length.
pub(crate) fn show_value(value: &str) -> String {
    const LIMIT: usize = 80;
    let mut shown: String = value.chars().take(LIMIT).collect();
    if shown.len() < value.len() {
        shown.push('…');
    }
    format!("{shown:?}")
}

impl fmt::Display for MimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MimeError::BadArgument {
                argument,
                value,
                reason,
            } => write!(f, "invalid :{argument} {value}: {reason}"),
            MimeError::File { path, message } => {
                write!(
                    f,
                    "cannot read file {:?}: {message}",
                    path.display().to_string()
                )
            }
            MimeError::Stream { message } => write!(f, "cannot read stream: {message}"),
            MimeError::Random(message) => {
                write!(f, "no random bytes for a MIME boundary: {message}")
            }
            MimeError::Io(err) => write!(f, "cannot write the message: {err}"),
        }
    }
}

impl std::error::Error for MimeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            MimeError::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<MimeError> for io::Error {
    fn from(err: MimeError) -> Self {
        match err {
            MimeError::Io(err) => err,
            other => io::Error::other(other),
        }
    }
}

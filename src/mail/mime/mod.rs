//! MIME construction and rendering, as Allegro's `make-mime-part` and
//! `mime-part-writer` do it (behaviour.md §4).
//!
//! - [`part`]: the part type and [`make_mime_part`], with Allegro's defaults;
//! - [`types`]: file extension → content type;
//! - [`writer`]: renders a part tree to any `Write` or as a `Read`,
//!   streaming file and stream sources while writing;
//! - [`encode`], [`decode`]: the base64 and quoted-printable body encoders
//!   and decoders;
//! - [`header`]: header text: RFC 2047 words, RFC 2231 parameters, folding.
//!
//! Everything is rendered with LF line ends; the wire layer turns them into
//! CRLF.

pub mod decode;
pub mod encode;
mod error;
pub mod header;
pub mod part;
pub mod types;
pub mod writer;

pub use error::MimeError;
pub use part::{
    make_mime_part, make_mime_part_with, random_boundary, Disposition, FileSource, MakeMimePart,
    MimePart, SharedReader, Source, Text,
};
pub use writer::{render_to_vec, write_part, PartReader};

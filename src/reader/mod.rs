//! The Common Lisp reader (CLHS 2): text to forms, one form at a time.
//! (Interface placeholder; the full reader replaces it.)

use crate::eval::Value;

pub trait ReadContext {
    fn eval(&mut self, form: Value) -> Result<Value, String>;
}

pub struct NoEval;
impl ReadContext for NoEval {
    fn eval(&mut self, _form: Value) -> Result<Value, String> {
        Err("#. is not available here".into())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadErrorKind {
    EndOfFile,
    Syntax,
    Package,
}

#[derive(Debug, Clone)]
pub struct ReadError {
    pub kind: ReadErrorKind,
    pub message: String,
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.as_deref().unwrap_or("<input>"),
            self.line,
            self.column,
            self.message
        )
    }
}

pub struct Reader<'a> {
    src: &'a str,
    file: Option<String>,
}

impl<'a> Reader<'a> {
    pub fn new(src: &'a str, file: Option<&str>) -> Self {
        Reader {
            src,
            file: file.map(str::to_string),
        }
    }
    pub fn read(&mut self, _ctx: &mut dyn ReadContext) -> Result<Option<Value>, ReadError> {
        if self.src.trim().is_empty() {
            return Ok(None);
        }
        Err(ReadError {
            kind: ReadErrorKind::Syntax,
            message: "reader not available".into(),
            file: self.file.clone(),
            line: 1,
            column: 1,
        })
    }
    pub fn form_start(&self) -> (usize, usize) {
        (1, 1)
    }
    pub fn offset(&self) -> usize {
        0
    }
}

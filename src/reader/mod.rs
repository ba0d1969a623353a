//! The Common Lisp reader (CLHS 2): text to forms, one form at a time.
//!
//! The structure is recursive descent over the standard syntax table
//! (CLHS 2.1.4); nom parses the flat parts (whitespace and `;` comments,
//! number syntax). Reading consults the *current* values of `*package*`,
//! `*read-eval*`, `*features*`, `*read-base*` and
//! `*read-default-float-format*`, so each form sees the effects of the
//! forms evaluated before it.
//!
//! Decisions (reader checklist):
//! - Floats: no marker and `e` follow `*read-default-float-format*`; `s`/`f`
//!   read as single (`f32`), `d`/`l` as double (`f64`). See [`number`].
//! - Potential numbers without number syntax (`1a`, `1.2.3`, `1e`) read as
//!   symbols, as SBCL does; the printer escapes such names (`|1A|`).
//! - `:1` and `pkg:123` are reader errors (the CLHS leaves them undefined).
//! - An unmatched `)` at top level is a reader error.
//! - `#S`, `#*`, `#C`, `#A`, `#=` and `##` are not supported: a reader error
//!   says so (under `*read-suppress*` they are skipped quietly).
//! - `,.x` reads as `,@x`.
//! - Nesting deeper than [`MAX_DEPTH`] is a reader error, so no input can
//!   overflow the stack.

mod error;
mod number;
pub mod readtable;
mod sharp;
mod token;

use std::rc::Rc;

use nom::branch::alt;
use nom::bytes::complete::{take_till, take_while1};
use nom::character::complete::char;
use nom::combinator::recognize;
use nom::multi::many0_count;
use nom::{IResult, Parser};

use crate::eval::package::{self, Package};
use crate::eval::Value;

pub use error::{ReadError, ReadErrorKind};
pub use number::FloatFormat;
pub use readtable::{current_readtable, ReadCase, Readtable};
pub use sharp::feature_holds;
pub(crate) use token::{downcase, upcase};

/// How deeply forms may nest (lists, vectors, quote, backquote, `#'`...).
pub const MAX_DEPTH: usize = 1000;

/// Why a call back into Lisp did not produce an object.
pub enum CallbackError {
    /// Becomes a reader error with this message.
    Message(String),
    /// Lisp unwound (an error, `throw`...): the context holds the unwind,
    /// and the reader returns [`ReadErrorKind::Unwound`].
    Unwound,
    /// A reader macro function met the end of the text it was given: the
    /// object is incomplete ([`ReadErrorKind::EndOfFile`]).
    EndOfText,
}

/// A reader macro function's arguments besides the stream.
pub struct MacroCall<'v> {
    pub function: &'v Value,
    pub ch: char,
    /// The sub-character and numeric argument of a dispatch macro.
    pub dispatch: Option<(char, Option<usize>)>,
}

/// The evaluator as the reader sees it: `#.` forms and reader macro
/// functions set from Lisp.
pub trait ReadContext {
    /// Evaluate a `#.` form.
    fn eval(&mut self, form: Value) -> Result<Value, CallbackError>;

    /// Call a reader macro function on a stream over `rest`, the text after
    /// the macro character(s). Returns its primary value (`None` when it
    /// returned no values) and how many bytes of `rest` it read.
    fn call_macro(
        &mut self,
        _call: MacroCall<'_>,
        _rest: &str,
    ) -> Result<(Option<Value>, usize), CallbackError> {
        Err(CallbackError::Message(
            "reader macro functions are not available here".to_string(),
        ))
    }
}

/// A [`ReadContext`] with no evaluator: `#.` is always an error.
pub struct NoEval;

impl ReadContext for NoEval {
    fn eval(&mut self, _form: Value) -> Result<Value, CallbackError> {
        Err(CallbackError::Message(
            "#. is not available here".to_string(),
        ))
    }
}

/// A reader over one source text.
pub struct Reader<'a> {
    src: &'a str,
    pos: usize,
    file: Option<String>,
    /// Byte offsets where lines start, for line/column positions.
    line_starts: Vec<usize>,
    /// Where the last form read started.
    start: usize,
    /// Offset after the last form read.
    end: usize,
    /// Offset where the last token ended (`read` consumes one whitespace
    /// character after a token, CLHS 23.2 `read` vs `read-preserving-whitespace`).
    token_end: Option<usize>,
    /// `*read-suppress*` while skipping a `#+`/`#-` form.
    suppress: bool,
    /// Backquote nesting level; a comma needs a positive level.
    backquote: usize,
    /// `*package*` bound to KEYWORD while reading a feature expression.
    package_override: Option<Rc<Package>>,
    depth: usize,
    settings: Settings,
    /// `read-preserving-whitespace`: leave the whitespace after a token.
    pub preserve_whitespace: bool,
}

/// The reader variables, sampled at the start of each form.
struct Settings {
    base: u32,
    float_format: FloatFormat,
    read_eval: bool,
    /// The whitespace and `;` of standard syntax: comments and whitespace
    /// are skipped with one nom parser.
    standard: bool,
    readtable: Rc<Readtable>,
    /// The syntax types of ASCII characters in `readtable`, copied so the
    /// common case is an array index (refreshed after a Lisp macro runs).
    ascii: [readtable::Kind; 128],
}

/// What reading at a position produced.
enum Item {
    Obj(Value),
    /// A comment or a skipped conditional: the macro returned no values.
    Nothing,
    /// A token of a single unescaped dot (only valid as a consing dot).
    Dot,
}

/// What is open, for end-of-file messages.
#[derive(Clone, Copy)]
struct Opener {
    what: &'static str,
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(src: &'a str, file: Option<&str>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Reader {
            src,
            pos: 0,
            file: file.map(str::to_string),
            line_starts,
            start: 0,
            end: 0,
            token_end: None,
            suppress: false,
            backquote: 0,
            package_override: None,
            depth: 0,
            settings: Settings::current(),
            preserve_whitespace: false,
        }
    }

    /// Skip whitespace/comments and read the next form; `Ok(None)` at a clean
    /// end of input.
    pub fn read(&mut self, ctx: &mut dyn ReadContext) -> Result<Option<Value>, ReadError> {
        self.suppress = read_suppress();
        self.backquote = 0;
        self.package_override = None;
        self.depth = 0;
        self.settings = Settings::current();
        loop {
            self.skip_whitespace();
            self.start = self.pos;
            if self.peek().is_none() {
                self.end = self.pos;
                return Ok(None);
            }
            let item = self.read_item(ctx);
            self.end = self.pos;
            match item? {
                Item::Obj(v) => {
                    if !self.preserve_whitespace
                        && self.token_end == Some(self.pos)
                        && self
                            .peek()
                            .is_some_and(|c| self.kind(c) == readtable::Kind::Whitespace)
                    {
                        self.end += 1;
                        self.pos += 1;
                    }
                    return Ok(Some(v));
                }
                Item::Nothing => continue,
                Item::Dot => {
                    return Err(
                        self.syntax(self.start, "dot context error: a lone . is not an object")
                    )
                }
            }
        }
    }

    /// `(line, column)`, 1-based, where the last form read started.
    pub fn form_start(&self) -> (usize, usize) {
        self.line_col(self.start)
    }

    /// Byte offset after the last form read.
    pub fn offset(&self) -> usize {
        self.end
    }

    // ---- positions and errors -------------------------------------------

    fn line_col(&self, off: usize) -> (usize, usize) {
        let line = self.line_starts.partition_point(|&s| s <= off).max(1);
        let line_start = self.line_starts[line - 1];
        let col = self
            .src
            .get(line_start..off)
            .map_or(0, |s| s.chars().count());
        (line, col + 1)
    }

    fn error(&self, kind: ReadErrorKind, at: usize, message: impl Into<String>) -> ReadError {
        let (line, column) = self.line_col(at);
        ReadError {
            kind,
            message: message.into(),
            file: self.file.clone(),
            line,
            column,
        }
    }

    fn syntax(&self, at: usize, message: impl Into<String>) -> ReadError {
        self.error(ReadErrorKind::Syntax, at, message)
    }

    fn eof(&self, opener: Opener) -> ReadError {
        let (line, column) = self.line_col(opener.pos);
        self.error(
            ReadErrorKind::EndOfFile,
            opener.pos,
            format!(
                "end of file inside {} opened at line {line}, column {column}",
                opener.what
            ),
        )
    }

    // ---- characters -------------------------------------------------------

    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|s| s.chars().next())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Skip whitespace and `;` comments (CLHS 2.4.4).
    fn skip_whitespace(&mut self) {
        let rest = self.src.get(self.pos..).unwrap_or("");
        if self.settings.standard {
            // Most calls find a token or parenthesis straight away.
            if !rest.starts_with(|c| is_whitespace(c) || c == ';') {
                return;
            }
            let result: IResult<&str, usize> = many0_count(alt((
                take_while1(is_whitespace),
                recognize((char(';'), take_till(|c| c == '\n'))),
            )))
            .parse(rest);
            if let Ok((remaining, _)) = result {
                self.pos = self.src.len() - remaining.len();
            }
            return;
        }
        while let Some(c) = self.peek() {
            if self.kind(c) == readtable::Kind::Whitespace {
                self.pos += c.len_utf8();
            } else if self.is_std_macro(c, ';') {
                let rest = self.src.get(self.pos..).unwrap_or("");
                self.pos += rest.find('\n').unwrap_or(rest.len());
            } else {
                break;
            }
        }
    }

    /// The syntax type of `c` in the current readtable.
    pub(super) fn kind(&self, c: char) -> readtable::Kind {
        match self.settings.ascii.get(c as usize) {
            Some(k) => *k,
            None => self.settings.readtable.kind(c),
        }
    }

    /// Is `c` a macro character with the standard macro of `std`?
    fn is_std_macro(&self, c: char, std: char) -> bool {
        matches!(
            self.kind(c),
            readtable::Kind::TermMacro | readtable::Kind::NonTermMacro
        ) && matches!(self.settings.readtable.macro_of(c), Some(readtable::Macro::Std(m)) if m == std)
    }

    // ---- objects ----------------------------------------------------------

    /// Read what starts at the current position (not whitespace, not EOF).
    fn read_item(&mut self, ctx: &mut dyn ReadContext) -> Result<Item, ReadError> {
        let at = self.pos;
        if self.depth >= MAX_DEPTH {
            return Err(self.syntax(
                at,
                format!("nesting too deep (more than {MAX_DEPTH} levels)"),
            ));
        }
        self.depth += 1;
        let item = self.read_item_inner(ctx, at);
        self.depth -= 1;
        item
    }

    fn read_item_inner(&mut self, ctx: &mut dyn ReadContext, at: usize) -> Result<Item, ReadError> {
        let Some(c) = self.peek() else {
            return Err(self.eof(Opener {
                what: "a form",
                pos: at,
            }));
        };
        let std = match self.kind(c) {
            readtable::Kind::TermMacro | readtable::Kind::NonTermMacro => {
                match self.settings.readtable.macro_of(c) {
                    Some(readtable::Macro::Std(m)) => m,
                    Some(readtable::Macro::Dispatch) => {
                        self.pos += c.len_utf8();
                        return self.read_dispatch(ctx, c, at);
                    }
                    Some(readtable::Macro::Lisp(f)) => {
                        self.pos += c.len_utf8();
                        return self.call_lisp_macro(
                            ctx,
                            MacroCall {
                                function: &f,
                                ch: c,
                                dispatch: None,
                            },
                            at,
                        );
                    }
                    None => return self.token_item(),
                }
            }
            _ => return self.token_item(),
        };
        self.pos += c.len_utf8();
        self.std_macro(ctx, std, c, at)
    }

    /// The standard macro `m` (CLHS 2.4), reached through the macro
    /// character `c` just read.
    fn std_macro(
        &mut self,
        ctx: &mut dyn ReadContext,
        m: char,
        c: char,
        at: usize,
    ) -> Result<Item, ReadError> {
        match m {
            '(' => self.read_list(ctx, at).map(Item::Obj),
            ')' => Err(self.syntax(at, "unmatched close parenthesis")),
            ';' => {
                let rest = self.src.get(self.pos..).unwrap_or("");
                self.pos += rest.find('\n').unwrap_or(rest.len());
                Ok(Item::Nothing)
            }
            '\'' => {
                let v = self.read_next(
                    ctx,
                    Opener {
                        what: "a quoted form",
                        pos: at,
                    },
                )?;
                Ok(Item::Obj(wrap(package::cl_sym("QUOTE"), v)))
            }
            '"' => self.read_string(at, c).map(Item::Obj),
            '`' => self.read_backquote(ctx, at).map(Item::Obj),
            ',' => self.read_comma(ctx, at).map(Item::Obj),
            _ => Err(self.syntax(at, format!("no standard reader macro for {m}"))),
        }
    }

    /// Run the standard macro `m` at the start of the text, as the macro
    /// function `get-macro-character` returns for it does on its stream.
    /// `None`: the macro returned no values (a comment).
    pub fn run_std_macro(
        &mut self,
        ctx: &mut dyn ReadContext,
        m: char,
        c: char,
    ) -> Result<Option<Value>, ReadError> {
        self.begin_call();
        let item = self.std_macro(ctx, m, c, 0);
        self.end = self.pos;
        self.item_value(item?)
    }

    /// Run the dispatching macro character `disp` at the start of the
    /// text (after the character itself), or with `sub`, its entry for
    /// that sub-character with numeric argument `arg`.
    pub fn run_dispatch(
        &mut self,
        ctx: &mut dyn ReadContext,
        disp: char,
        sub: Option<(char, Option<usize>)>,
    ) -> Result<Option<Value>, ReadError> {
        self.begin_call();
        let item = match sub {
            None => self.read_dispatch(ctx, disp, 0),
            Some((sub, arg)) => self.dispatch_sub(ctx, disp, sub, arg, 0),
        };
        self.end = self.pos;
        self.item_value(item?)
    }

    fn begin_call(&mut self) {
        self.settings = Settings::current();
        self.suppress = read_suppress();
        self.backquote = usize::from(self.suppress);
        self.start = 0;
    }

    fn item_value(&self, item: Item) -> Result<Option<Value>, ReadError> {
        match item {
            Item::Obj(v) => Ok(Some(v)),
            Item::Nothing => Ok(None),
            Item::Dot if self.suppress => Ok(Some(Value::Nil)),
            Item::Dot => Err(self.syntax(0, "dot context error: a lone . is not an object")),
        }
    }

    /// Read the next object, skipping comments and skipped conditionals;
    /// end of input is an error naming `opener`.
    fn read_next(&mut self, ctx: &mut dyn ReadContext, opener: Opener) -> Result<Value, ReadError> {
        loop {
            self.skip_whitespace();
            let at = self.pos;
            if self.peek().is_none() {
                return Err(self.eof(opener));
            }
            match self.read_item(ctx)? {
                Item::Obj(v) => return Ok(v),
                Item::Nothing => continue,
                Item::Dot if self.suppress => return Ok(Value::Nil),
                Item::Dot => {
                    return Err(self.syntax(at, "dot context error: a lone . is not an object"))
                }
            }
        }
    }

    /// The body of a list after `(` (CLHS 2.4.1), including the consing dot.
    fn read_list(&mut self, ctx: &mut dyn ReadContext, open: usize) -> Result<Value, ReadError> {
        let opener = Opener {
            what: "a list",
            pos: open,
        };
        let mut items = Vec::new();
        loop {
            self.skip_whitespace();
            let at = self.pos;
            match self.peek() {
                None => return Err(self.eof(opener)),
                Some(')') => {
                    self.pos += 1;
                    return Ok(Value::list(items));
                }
                Some(_) => {}
            }
            match self.read_item(ctx)? {
                Item::Obj(v) => items.push(v),
                Item::Nothing => {}
                Item::Dot if self.suppress => {}
                Item::Dot => {
                    if items.is_empty() {
                        return Err(self.syntax(at, "nothing before the consing dot"));
                    }
                    let tail = self.read_after_dot(ctx, opener)?;
                    return Ok(Value::list_with_tail(items, tail));
                }
            }
        }
    }

    /// Exactly one object, then `)`, after a consing dot.
    fn read_after_dot(
        &mut self,
        ctx: &mut dyn ReadContext,
        opener: Opener,
    ) -> Result<Value, ReadError> {
        let mut tail = None;
        loop {
            self.skip_whitespace();
            let at = self.pos;
            match self.peek() {
                None => return Err(self.eof(opener)),
                Some(')') => {
                    self.pos += 1;
                    return tail.ok_or_else(|| self.syntax(at, "nothing after the consing dot"));
                }
                Some(_) => {}
            }
            match self.read_item(ctx)? {
                Item::Nothing => {}
                Item::Obj(v) if tail.is_none() => {
                    if is_form_of(&v, "UNQUOTE-SPLICING") {
                        return Err(self.syntax(
                            at,
                            ",@ after a consing dot is not a well-formed backquote expression",
                        ));
                    }
                    tail = Some(v);
                }
                Item::Obj(_) => {
                    return Err(self.syntax(at, "more than one object after the consing dot"))
                }
                Item::Dot => return Err(self.syntax(at, "more than one consing dot in a list")),
            }
        }
    }

    fn token_item(&mut self) -> Result<Item, ReadError> {
        let tok = self.read_token(None)?;
        self.interpret_token(&tok)
    }

    /// A string after `"` (CLHS 2.4.5), ended by the character `close`
    /// that opened it; a single escape character takes the next character
    /// literally.
    fn read_string(&mut self, open: usize, close: char) -> Result<Value, ReadError> {
        let opener = Opener {
            what: "a string",
            pos: open,
        };
        let mut s = String::new();
        loop {
            match self.bump() {
                None => return Err(self.eof(opener)),
                Some(c) if c == close => return Ok(Value::string(s)),
                Some(c) if self.kind(c) == readtable::Kind::SingleEscape => match self.bump() {
                    None => return Err(self.eof(opener)),
                    Some(c) => s.push(c),
                },
                Some(c) => s.push(c),
            }
        }
    }

    fn read_backquote(
        &mut self,
        ctx: &mut dyn ReadContext,
        open: usize,
    ) -> Result<Value, ReadError> {
        self.backquote += 1;
        let v = self.read_next(
            ctx,
            Opener {
                what: "a backquote form",
                pos: open,
            },
        );
        self.backquote -= 1;
        let v = v?;
        if is_form_of(&v, "UNQUOTE-SPLICING") && !self.suppress {
            return Err(self.syntax(open, "`,@x is not a well-formed backquote expression"));
        }
        Ok(wrap(sendletter_sym("QUASIQUOTE"), v))
    }

    fn read_comma(&mut self, ctx: &mut dyn ReadContext, open: usize) -> Result<Value, ReadError> {
        if self.backquote == 0 && !self.suppress {
            return Err(self.syntax(open, "comma not inside a backquote"));
        }
        let splicing = matches!(self.peek(), Some('@' | '.'));
        if splicing {
            self.pos += 1;
        }
        let level = self.backquote;
        self.backquote = level.saturating_sub(1);
        let v = self.read_next(
            ctx,
            Opener {
                what: "a comma form",
                pos: open,
            },
        );
        self.backquote = level;
        let name = if splicing {
            "UNQUOTE-SPLICING"
        } else {
            "UNQUOTE"
        };
        Ok(wrap(sendletter_sym(name), v?))
    }

    /// Call a reader macro function set from Lisp on the rest of the text
    /// (CLHS 2.2 step 4); its values decide what was read.
    fn call_lisp_macro(
        &mut self,
        ctx: &mut dyn ReadContext,
        call: MacroCall<'_>,
        at: usize,
    ) -> Result<Item, ReadError> {
        let rest = self.src.get(self.pos..).unwrap_or("");
        let result = ctx.call_macro(call, rest);
        // The function may have changed the readtable.
        self.settings.ascii = self.settings.readtable.ascii_kinds();
        self.settings.standard = false;
        match result {
            Ok((value, used)) => {
                self.pos = (self.pos + used).min(self.src.len());
                while !self.src.is_char_boundary(self.pos) {
                    self.pos += 1;
                }
                self.token_end = None;
                Ok(match value {
                    Some(v) if self.suppress => {
                        drop(v);
                        Item::Obj(Value::Nil)
                    }
                    Some(v) => Item::Obj(v),
                    None => Item::Nothing,
                })
            }
            Err(e) => Err(self.callback_error(e, at)),
        }
    }

    pub(super) fn callback_error(&self, e: CallbackError, at: usize) -> ReadError {
        match e {
            CallbackError::Message(m) => self.syntax(at, m),
            CallbackError::Unwound => self.error(
                ReadErrorKind::Unwound,
                at,
                "a reader macro or #. form exited non-locally",
            ),
            CallbackError::EndOfText => self.eof(Opener {
                what: "a reader macro's object",
                pos: at,
            }),
        }
    }

    /// `read-delimited-list` (CLHS 23.2): objects up to the character
    /// `close`, which is consumed. The reader variables are those of the
    /// time of the call.
    pub fn read_delimited(
        &mut self,
        ctx: &mut dyn ReadContext,
        close: char,
    ) -> Result<Vec<Value>, ReadError> {
        self.settings = Settings::current();
        self.suppress = read_suppress();
        self.start = self.pos;
        let opener = Opener {
            what: "a delimited list",
            pos: self.pos,
        };
        let mut items = Vec::new();
        loop {
            self.skip_whitespace();
            let at = self.pos;
            match self.peek() {
                None => return Err(self.eof(opener)),
                Some(c) if c == close => {
                    self.pos += c.len_utf8();
                    self.end = self.pos;
                    return Ok(items);
                }
                Some(_) => {}
            }
            match self.read_item(ctx)? {
                Item::Obj(v) => items.push(v),
                Item::Nothing => {}
                Item::Dot if self.suppress => {}
                Item::Dot => {
                    return Err(self.syntax(at, "dot context error: a lone . is not an object"))
                }
            }
        }
    }

    /// The package tokens are interned in: `*package*`, or KEYWORD while
    /// reading a feature expression.
    fn package(&self) -> Rc<Package> {
        self.package_override
            .clone()
            .unwrap_or_else(package::current_package)
    }
}

impl Settings {
    fn current() -> Settings {
        let base = match package::cl_sym("*READ-BASE*").value.borrow().as_ref() {
            Some(Value::Fixnum(n)) if (2..=36).contains(n) => *n as u32,
            _ => 10,
        };
        let float_format = match package::cl_sym("*READ-DEFAULT-FLOAT-FORMAT*")
            .value
            .borrow()
            .as_ref()
        {
            Some(Value::Symbol(s)) if s.name == "DOUBLE-FLOAT" || s.name == "LONG-FLOAT" => {
                FloatFormat::Double
            }
            _ => FloatFormat::Single,
        };
        let read_eval = match package::cl_sym("*READ-EVAL*").value.borrow().as_ref() {
            Some(v) => v.truthy(),
            None => true,
        };
        let readtable = readtable::current_readtable();
        let ascii = readtable.ascii_kinds();
        let standard = readtable.is_standard_syntax()
            && matches!(readtable.macro_of(';'), Some(readtable::Macro::Std(';')));
        Settings {
            base,
            float_format,
            read_eval,
            standard,
            readtable,
            ascii,
        }
    }
}

/// `*read-suppress*`.
fn read_suppress() -> bool {
    package::cl_sym("*READ-SUPPRESS*")
        .value
        .borrow()
        .as_ref()
        .is_some_and(Value::truthy)
}

/// Standard whitespace[2] (CLHS 2.1.4): Space, Tab, Newline, Return, Page.
pub(crate) fn is_whitespace(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c')
}

/// Characters that end a token: whitespace and the terminating macro
/// characters (CLHS Figure 2-7).
pub(crate) fn is_terminator(c: char) -> bool {
    is_whitespace(c) || matches!(c, '(' | ')' | '\'' | ';' | '"' | '`' | ',')
}

/// `(op v)`.
fn wrap(op: crate::eval::Sym, v: Value) -> Value {
    Value::list([Value::Symbol(op), v])
}

/// A symbol of the SENDLETTER package (backquote's representation).
pub fn sendletter_sym(name: &str) -> crate::eval::Sym {
    package::intern_in(name, &package::sendletter_package())
}

/// Is `v` a two-element form `(SENDLETTER::<name> x)`?
fn is_form_of(v: &Value, name: &str) -> bool {
    match v.car() {
        Value::Symbol(s) => {
            s.name == name
                && s.package
                    .borrow()
                    .as_ref()
                    .is_some_and(|p| p.name == "SENDLETTER")
        }
        _ => false,
    }
}

/// Character names for `#\` (first entry per character is the printed one).
pub fn char_names() -> &'static [(&'static str, char)] {
    sharp::NAMES
}

//! `format` (CLHS 22.3): the control string is parsed into a tree of
//! directives (groups such as `~[...~]` hold their clauses), then run
//! against the arguments. Output is collected in a string that knows the
//! destination's starting column, so `~&` and `~T` behave as on the stream.

mod float;
mod words;

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::args::type_err;
use super::printing::{doc_with, options_from_globals, prin1_text, princ_text};
use super::streams::write_text;
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::stream::{Stream, StreamKind};
use crate::eval::{Interp, LResult, Value};
use crate::printer::pretty::{NewlineKind, PrettyStream, TabKind};
use float::{as_float, as_integer, int_digits, pad_left, ExpParams, FixedParams};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("FORMAT", "(destination control-string &rest args)", 2, MANY, format, "Format ARGS under CONTROL-STRING to DESTINATION: NIL (return a string), T (standard output), a stream, or a string to append to."),
    def!("SENDLETTER" : "%FORMAT-TAIL", "(stream control args)", 3, 3, format_tail, "Format ARGS to STREAM under CONTROL; the arguments left (FORMATTER's functions)."),
];

// ----- the control string -----------------------------------------------------

/// A directive parameter as written.
#[derive(Clone, Debug)]
enum Param {
    Int(i64),
    Char(char),
    /// `v`: the next argument.
    Arg,
    /// `#`: the number of arguments left.
    Count,
}

/// One `~` directive.
#[derive(Clone, Debug)]
struct Dir {
    ch: char,
    params: Vec<Option<Param>>,
    colon: bool,
    at: bool,
    /// Character index of the `~` in the control string.
    pos: usize,
    /// Character index just after the directive.
    end: usize,
    /// The function name of `~/name/`.
    name: Option<String>,
}

#[derive(Clone, Debug)]
enum Node {
    Text(String),
    Dir(Dir),
    /// `~[ ~{ ~( ~<` with the clauses between `~;` separators.
    Group {
        open: Dir,
        clauses: Vec<Vec<Node>>,
        seps: Vec<Dir>,
        close: Dir,
    },
}

/// A malformed control string or a directive that cannot run.
struct FmtError {
    msg: String,
    pos: usize,
}

fn closer(open: char) -> char {
    match open {
        '[' => ']',
        '{' => '}',
        '(' => ')',
        _ => '>',
    }
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    /// Groups (`~{`, `~[`, `~(`, `~<`) open around the current position.
    depth: usize,
}

/// How deeply directive groups may nest. Parsing, running and freeing a
/// control string recurse once per level, so a string of a million `~{`
/// must be refused before it overflows the stack.
const MAX_NESTING: usize = 1000;

impl Parser<'_> {
    /// Parse up to the closing directive of `open` (or the end of the
    /// string at top level): the clauses, the `~;` separators and the closer.
    #[allow(clippy::type_complexity)]
    fn seq(
        &mut self,
        open: Option<&Dir>,
    ) -> Result<(Vec<Vec<Node>>, Vec<Dir>, Option<Dir>), FmtError> {
        let mut clauses = vec![Vec::new()];
        let mut seps = Vec::new();
        let mut text = String::new();
        macro_rules! flush {
            () => {
                if !text.is_empty() {
                    if let Some(c) = clauses.last_mut() {
                        c.push(Node::Text(std::mem::take(&mut text)));
                    }
                }
            };
        }
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c != '~' {
                text.push(c);
                self.i += 1;
                continue;
            }
            let d = self.directive()?;
            match d.ch {
                '\n' => {
                    // ~newline: skip the newline and following blanks;
                    // ~:newline keeps the blanks, ~@newline the newline.
                    if d.at {
                        text.push('\n');
                    }
                    if !d.colon {
                        while self.i < self.s.len() && matches!(self.s[self.i], ' ' | '\t') {
                            self.i += 1;
                        }
                    }
                }
                '[' | '{' | '(' | '<' => {
                    flush!();
                    if self.depth >= MAX_NESTING {
                        return Err(FmtError {
                            msg: format!(
                                "directives nested too deeply (more than {MAX_NESTING} levels)"
                            ),
                            pos: d.pos,
                        });
                    }
                    self.depth += 1;
                    let inner = self.seq(Some(&d));
                    self.depth -= 1;
                    let (cl, sp, close) = inner?;
                    let Some(close) = close else {
                        return Err(FmtError {
                            msg: format!(
                                "no matching closing directive ~{} for ~{}",
                                closer(d.ch),
                                d.ch
                            ),
                            pos: d.pos,
                        });
                    };
                    if let Some(c) = clauses.last_mut() {
                        c.push(Node::Group {
                            open: d,
                            clauses: cl,
                            seps: sp,
                            close,
                        });
                    }
                }
                ']' | '}' | ')' | '>' => {
                    flush!();
                    match open {
                        Some(o) if closer(o.ch) == d.ch => return Ok((clauses, seps, Some(d))),
                        _ => {
                            return Err(FmtError {
                                msg: format!("~{} without a matching opening directive", d.ch),
                                pos: d.pos,
                            })
                        }
                    }
                }
                ';' => {
                    flush!();
                    if !matches!(open, Some(o) if o.ch == '[' || o.ch == '<') {
                        return Err(FmtError {
                            msg: "~; outside of ~[...~] or ~<...~>".into(),
                            pos: d.pos,
                        });
                    }
                    seps.push(d);
                    clauses.push(Vec::new());
                }
                _ => {
                    flush!();
                    if let Some(c) = clauses.last_mut() {
                        c.push(Node::Dir(d));
                    }
                }
            }
        }
        flush!();
        if let Some(o) = open {
            return Err(FmtError {
                msg: format!(
                    "no matching closing directive ~{} for ~{}",
                    closer(o.ch),
                    o.ch
                ),
                pos: o.pos,
            });
        }
        Ok((clauses, seps, None))
    }

    /// Parse one directive starting at the `~`.
    fn directive(&mut self) -> Result<Dir, FmtError> {
        let pos = self.i;
        self.i += 1;
        let end = |p: &Self| FmtError {
            msg: "the control string ends inside a directive".into(),
            pos: p.i.min(p.s.len()),
        };
        let mut params = Vec::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return Err(end(self));
            };
            let p = match c {
                '0'..='9' | '+' | '-' => {
                    let start = self.i;
                    self.i += 1;
                    while self.s.get(self.i).is_some_and(|c| c.is_ascii_digit()) {
                        self.i += 1;
                    }
                    let text: String = self.s[start..self.i].iter().collect();
                    match text.parse::<i64>() {
                        Ok(n) => Some(Param::Int(n)),
                        // A parameter beyond 64 bits (SBCL reads it as a
                        // bignum): saturated, which keeps every use right
                        // (a clause index out of range, a size refused).
                        Err(_) if text.len() > 1 => Some(Param::Int(if text.starts_with('-') {
                            i64::MIN
                        } else {
                            i64::MAX
                        })),
                        Err(_) => {
                            return Err(FmtError {
                                msg: format!("bad numeric parameter {text}"),
                                pos: start,
                            })
                        }
                    }
                }
                '\'' => {
                    let Some(&ch) = self.s.get(self.i + 1) else {
                        return Err(end(self));
                    };
                    self.i += 2;
                    Some(Param::Char(ch))
                }
                'v' | 'V' => {
                    self.i += 1;
                    Some(Param::Arg)
                }
                '#' => {
                    self.i += 1;
                    Some(Param::Count)
                }
                ',' => None,
                _ => {
                    break;
                }
            };
            let after = self.s.get(self.i).copied();
            if p.is_none() {
                // An empty parameter before a comma.
                params.push(None);
                self.i += 1;
                continue;
            }
            params.push(p);
            if after == Some(',') {
                self.i += 1;
                continue;
            }
            break;
        }
        let (mut colon, mut at) = (false, false);
        while let Some(&c) = self.s.get(self.i) {
            match c {
                ':' if !colon => colon = true,
                '@' if !at => at = true,
                _ => break,
            }
            self.i += 1;
        }
        let Some(&ch) = self.s.get(self.i) else {
            return Err(end(self));
        };
        self.i += 1;
        let ch = ch.to_ascii_uppercase();
        const KNOWN: &str = "ASDBOXRFEG$%&|~TCP*?[]{}()<>;^WI_/\n";
        if !KNOWN.contains(ch) {
            return Err(FmtError {
                msg: format!("unknown directive ~{ch}"),
                pos,
            });
        }
        let mut name = None;
        if ch == '/' {
            // ~/name/: the name runs to the next slash (CLHS 22.3.5.4).
            let start = self.i;
            while self.s.get(self.i).is_some_and(|c| *c != '/') {
                self.i += 1;
            }
            if self.i >= self.s.len() {
                return Err(end(self));
            }
            name = Some(self.s[start..self.i].iter().collect());
            self.i += 1;
        }
        Ok(Dir {
            ch,
            params,
            colon,
            at,
            pos,
            end: self.i,
            name,
        })
    }
}

fn parse(control: &str) -> Result<Vec<Node>, FmtError> {
    let chars: Vec<char> = control.chars().collect();
    let mut p = Parser {
        s: &chars,
        i: 0,
        depth: 0,
    };
    let (mut clauses, _, _) = p.seq(None)?;
    let nodes = clauses.pop().unwrap_or_default();
    check_blocks(&nodes)?;
    Ok(nodes)
}

thread_local! {
    /// Parsed control strings: a script formats with the same few strings
    /// over and over, and parsing cost about as much as running them.
    static PARSED: RefCell<HashMap<String, Rc<Vec<Node>>>> = RefCell::new(HashMap::new());
}

/// Control strings longer than this are parsed each time, and the cache
/// starts afresh when it holds this many, so its memory stays small.
const CACHED_CONTROL_LEN: usize = 512;
const CACHED_CONTROLS: usize = 256;

/// [`parse`], remembering the result for short control strings (parsing is
/// a pure function of the text).
fn parse_cached(control: &str) -> Result<Rc<Vec<Node>>, FmtError> {
    if control.len() > CACHED_CONTROL_LEN {
        return parse(control).map(Rc::new);
    }
    if let Some(nodes) = PARSED.with(|c| c.borrow().get(control).cloned()) {
        return Ok(nodes);
    }
    let nodes = Rc::new(parse(control)?);
    PARSED.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.len() >= CACHED_CONTROLS {
            cache.clear();
        }
        cache.insert(control.to_string(), nodes.clone());
    });
    Ok(nodes)
}

// ----- running ------------------------------------------------------------------

/// The arguments a (sub)format consumes.
struct Args {
    list: Vec<Value>,
    pos: usize,
    /// In a `~<...~:>` block: the dotted tail of its list, taken as
    /// `pprint-pop` does (with `*print-length*`).
    block: Option<Value>,
    /// The non-NIL end of a dotted argument list of `~{`: taking an
    /// argument there is a `type-error` (as SBCL's `pop` signals), but
    /// only when a directive gets that far.
    tail: Value,
}

impl Args {
    fn new(list: Vec<Value>) -> Args {
        Args {
            list,
            pos: 0,
            block: None,
            tail: Value::Nil,
        }
    }

    fn left(&self) -> usize {
        self.list.len().saturating_sub(self.pos)
    }

    /// No argument left, not even a dotted tail (`~^`, `~{`'s end test).
    fn at_end(&self) -> bool {
        self.left() == 0 && self.tail.is_nil()
    }
}

/// Collected output and the column the destination was at.
struct Out {
    s: String,
    col0: usize,
    /// Inside a logical block: the pretty stream `s` is flushed to before
    /// each pretty-printing operation.
    pretty: Option<Rc<Stream>>,
}

impl Out {
    fn plain(col0: usize) -> Out {
        Out {
            s: String::new(),
            col0,
            pretty: None,
        }
    }

    fn column(&mut self) -> usize {
        if let Some(ps) = self.pretty.clone() {
            self.flush();
            return ps.output_column();
        }
        match self.s.rfind('\n') {
            Some(i) => self.s[i + 1..].chars().count(),
            None => self.col0 + self.s.chars().count(),
        }
    }

    /// Hand the text collected so far to the pretty stream.
    fn flush(&mut self) {
        if let Some(ps) = &self.pretty {
            if !self.s.is_empty() {
                if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
                    p.write_str(&self.s);
                }
                self.s.clear();
            }
        }
    }

    /// Apply a pretty-printing operation (when in a logical block and
    /// `*print-pretty*`); false when there is no pretty stream.
    fn op(&mut self, f: impl FnOnce(&mut PrettyStream)) -> bool {
        self.flush();
        let Some(ps) = &self.pretty else {
            return false;
        };
        if print_pretty() {
            if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
                f(p);
            }
        }
        true
    }
}

/// `*print-length*` unless printing readably.
fn print_length() -> Option<usize> {
    crate::builtins::pretty::print_limit(crate::eval::package::cl_var!("*PRINT-LENGTH*"))
}

fn print_pretty() -> bool {
    crate::eval::package::cl_var!("*PRINT-PRETTY*")
        .value
        .borrow()
        .as_ref()
        .is_some_and(|v| v.truthy())
}

/// What a sequence of directives ended with.
#[derive(PartialEq)]
enum Flow {
    Done,
    /// `~^`: leave the enclosing iteration or format.
    Up,
    /// `~:^`: leave the enclosing `~:{`.
    UpAll,
}

/// A resolved parameter.
#[derive(Clone, Copy, PartialEq)]
enum PV {
    Int(i64),
    Char(char),
}

enum Fail {
    Format(FmtError),
    Lisp(crate::eval::Unwind),
    /// A parameter asked for more than [`MAX_DIRECTIVE_SIZE`]: a
    /// `storage-condition` with this message.
    Storage(String),
    /// `pprint-pop` in a `~<...~:>` block met `*print-length*` or a
    /// dotted tail: leave the block after writing this text.
    ExitBlock(String),
}

/// The most characters one directive's parameter may ask for (a width, a
/// count of newlines or tildes, digits after the point, a tab column):
/// beyond it FORMAT signals a `storage-condition` naming the request
/// instead of trying to build it (`"~100000000000%"` would otherwise
/// exhaust memory and abort the process).
const MAX_DIRECTIVE_SIZE: i64 = 1 << 24;

/// The most output an iteration directive may have produced before it
/// takes another step.
const MAX_ITERATION_OUTPUT: usize = 1 << 28;

/// A size parameter of `d`: negative means 0; more than
/// [`MAX_DIRECTIVE_SIZE`] is refused.
fn directive_size(d: &Dir, n: i64) -> FResult<usize> {
    if n > MAX_DIRECTIVE_SIZE {
        return Err(Fail::Storage(format!(
            "FORMAT: ~{} asks for {n} characters; one directive may produce at most {MAX_DIRECTIVE_SIZE}.",
            d.ch
        )));
    }
    Ok(n.max(0) as usize)
}

/// A signed parameter (a scale factor, a relative column) bounded like a
/// size.
fn directive_offset(d: &Dir, n: i64) -> FResult<i64> {
    directive_size(d, n.saturating_abs())?;
    Ok(n)
}

impl From<crate::eval::Unwind> for Fail {
    fn from(u: crate::eval::Unwind) -> Fail {
        Fail::Lisp(u)
    }
}

type FResult<T> = Result<T, Fail>;

fn ferr<T>(d: &Dir, msg: impl Into<String>) -> FResult<T> {
    Err(Fail::Format(FmtError {
        msg: msg.into(),
        pos: d.pos,
    }))
}

struct Runner<'a> {
    it: &'a mut Interp,
    /// Sublists left after the current step of each enclosing `~:{`
    /// (`~:^` tests it, CLHS 22.3.9.2).
    /// One entry per enclosing iteration: for `~:{`, the sublists left
    /// after the current step; `None` for the other forms, where `~:^`
    /// is not allowed.
    sublists_left: Vec<Option<usize>>,
}

impl Runner<'_> {
    fn next_arg(&mut self, d: &Dir, args: &mut Args) -> FResult<Value> {
        if let Some(tail) = &args.block {
            if args.pos == args.list.len() && !tail.is_nil() {
                let shown = prin1_text(self.it, tail)?;
                return Err(Fail::ExitBlock(format!(". {shown}")));
            }
            if print_length().is_some_and(|n| n == args.pos) {
                return Err(Fail::ExitBlock("...".into()));
            }
        }
        match args.list.get(args.pos) {
            Some(v) => {
                args.pos += 1;
                Ok(v.clone())
            }
            None if !args.tail.is_nil() => {
                let tail = args.tail.clone();
                Err(Fail::Lisp(self.type_error(&tail, "LIST")))
            }
            None => ferr(d, format!("no more arguments for ~{}", d.ch)),
        }
    }

    /// The arguments of an iteration over the list `v`: its elements, and
    /// a dotted tail kept for when a directive reaches it. Anything but a
    /// list (or a circular list) is a `type-error` at once.
    fn list_args(&mut self, v: &Value) -> FResult<Args> {
        if !v.is_list() {
            return Err(Fail::Lisp(self.type_error(v, "LIST")));
        }
        let mut items = Vec::new();
        let mut rest = v.clone();
        let mut slow = v.clone();
        while let Value::Cons(c) = &rest {
            items.push(c.car.borrow().clone());
            let next = c.cdr.borrow().clone();
            rest = next;
            if items.len() % 2 == 0 {
                slow = slow.cdr();
                if let (Value::Cons(a), Value::Cons(b)) = (&slow, &rest) {
                    if Rc::ptr_eq(a, b) {
                        return Err(Fail::Lisp(self.type_error(v, "LIST")));
                    }
                }
            }
        }
        Ok(Args {
            tail: rest,
            ..Args::new(items)
        })
    }

    fn params(&mut self, d: &Dir, args: &mut Args) -> FResult<Vec<Option<PV>>> {
        let mut out = Vec::with_capacity(d.params.len());
        for p in &d.params {
            out.push(match p {
                None => None,
                Some(Param::Int(n)) => Some(PV::Int(*n)),
                Some(Param::Char(c)) => Some(PV::Char(*c)),
                Some(Param::Count) => Some(PV::Int(args.left() as i64)),
                Some(Param::Arg) => match self.next_arg(d, args)? {
                    Value::Nil => None,
                    Value::Fixnum(n) => Some(PV::Int(n)),
                    Value::Char(c) => Some(PV::Char(c)),
                    other => {
                        let shown = crate::printer::prin1_to_string(&other);
                        return ferr(
                            d,
                            format!("the V parameter {shown} is not an integer or character"),
                        );
                    }
                },
            });
        }
        Ok(out)
    }

    fn run(&mut self, nodes: &[Node], args: &mut Args, out: &mut Out) -> FResult<Flow> {
        for n in nodes {
            let flow = match n {
                Node::Text(t) => {
                    out.s.push_str(t);
                    Flow::Done
                }
                Node::Dir(d) => self.directive(d, args, out)?,
                Node::Group {
                    open,
                    clauses,
                    seps,
                    close,
                } => self.group(open, clauses, seps, close, args, out)?,
            };
            if flow != Flow::Done {
                return Ok(flow);
            }
        }
        Ok(Flow::Done)
    }

    fn directive(&mut self, d: &Dir, args: &mut Args, out: &mut Out) -> FResult<Flow> {
        let p = self.params(d, args)?;
        let int = |i: usize, default: i64| -> FResult<i64> {
            match p.get(i).copied().flatten() {
                None => Ok(default),
                Some(PV::Int(n)) => Ok(n),
                Some(PV::Char(_)) => ferr(
                    d,
                    format!("parameter {} of ~{} must be an integer", i + 1, d.ch),
                ),
            }
        };
        let opt_int = |i: usize| -> FResult<Option<i64>> {
            match p.get(i).copied().flatten() {
                None => Ok(None),
                Some(PV::Int(n)) => Ok(Some(n)),
                Some(PV::Char(_)) => ferr(
                    d,
                    format!("parameter {} of ~{} must be an integer", i + 1, d.ch),
                ),
            }
        };
        let chr = |i: usize, default: char| -> FResult<char> {
            match p.get(i).copied().flatten() {
                None => Ok(default),
                Some(PV::Char(c)) => Ok(c),
                Some(PV::Int(_)) => ferr(
                    d,
                    format!("parameter {} of ~{} must be a character", i + 1, d.ch),
                ),
            }
        };
        // Argument positions for ~* (checked against the arguments).
        let count = |n: i64| n.max(0) as usize;
        let size = |n: i64| directive_size(d, n);
        match d.ch {
            'A' | 'S' if d.params.is_empty() && !d.colon => {
                let v = self.next_arg(d, args)?;
                let mut opts = options_from_globals();
                opts.escape = d.ch == 'S';
                if d.ch == 'A' {
                    opts.readably = false;
                }
                self.write_obj(&v, &opts, out)?;
            }
            'A' | 'S' => {
                let v = self.next_arg(d, args)?;
                let text = if d.colon && v.is_nil() {
                    "()".to_string()
                } else if d.ch == 'A' {
                    princ_text(self.it, &v)?
                } else {
                    prin1_text(self.it, &v)?
                };
                let padded = pad(
                    &text,
                    size(int(0, 0)?)?,
                    size(int(1, 1)?)?,
                    size(int(2, 0)?)?,
                    chr(3, ' ')?,
                    d.at,
                );
                out.s.push_str(&padded);
            }
            'W' => {
                let v = self.next_arg(d, args)?;
                let mut opts = options_from_globals();
                if d.colon {
                    opts.pretty = true;
                }
                self.write_obj(&v, &opts, out)?;
            }
            '_' => {
                let kind = match (d.colon, d.at) {
                    (false, false) => NewlineKind::Linear,
                    (true, false) => NewlineKind::Fill,
                    (false, true) => NewlineKind::Miser,
                    (true, true) => NewlineKind::Mandatory,
                };
                out.op(|p| p.enqueue_newline(kind));
            }
            'I' => {
                let n = directive_offset(d, int(0, 0)?)?;
                out.op(|p| p.enqueue_indent(!d.colon, n));
            }
            'T' if out.pretty.is_some() => {
                let kind = match (d.colon, d.at) {
                    (false, false) => TabKind::Line,
                    (false, true) => TabKind::LineRelative,
                    (true, false) => TabKind::Section,
                    (true, true) => TabKind::SectionRelative,
                };
                let colnum = size(int(0, 1)?)? as i64;
                let colinc = size(int(1, 1)?)? as i64;
                out.op(|p| p.enqueue_tab(kind, colnum, colinc));
            }
            // `pprint-tab` on a stream that is not pretty printing does
            // nothing (CLHS 22.4).
            'T' if d.colon => {}
            '/' => self.call_slash(d, &p, args, out)?,
            'D' | 'B' | 'O' | 'X' => {
                let radix = match d.ch {
                    'D' => 10,
                    'B' => 2,
                    'O' => 8,
                    _ => 16,
                };
                let v = self.next_arg(d, args)?;
                let text = self.integer(
                    &v,
                    radix,
                    d,
                    size(int(0, 0)?)? as i64,
                    chr(1, ' ')?,
                    chr(2, ',')?,
                    int(3, 3)?,
                )?;
                out.s.push_str(&text);
            }
            'R' => {
                let v = self.next_arg(d, args)?;
                match opt_int(0)? {
                    Some(radix) => {
                        if !(2..=36).contains(&radix) {
                            return ferr(d, format!("radix {radix} is not between 2 and 36"));
                        }
                        let text = self.integer(
                            &v,
                            radix as u32,
                            d,
                            size(int(1, 0)?)? as i64,
                            chr(2, ' ')?,
                            chr(3, ',')?,
                            int(4, 3)?,
                        )?;
                        out.s.push_str(&text);
                    }
                    None => {
                        let Some(n) = as_integer(&v) else {
                            return Err(Fail::Lisp(self.type_error(&v, "INTEGER")));
                        };
                        let text = match (d.colon, d.at) {
                            (false, false) => words::cardinal(&n),
                            (true, false) => words::ordinal(&n),
                            (false, true) => words::roman(&n, false),
                            (true, true) => words::roman(&n, true),
                        };
                        match text {
                            Some(t) => out.s.push_str(&t),
                            None => {
                                let shown = crate::printer::prin1_to_string(&v);
                                return ferr(d, format!("~R cannot write {shown} in this form"));
                            }
                        }
                    }
                }
            }
            'P' => {
                if d.colon {
                    if args.pos == 0 {
                        return ferr(d, "no previous argument for ~:P");
                    }
                    args.pos -= 1;
                }
                let v = self.next_arg(d, args)?;
                let one = float::is_one(&v);
                out.s.push_str(match (d.at, one) {
                    (false, true) => "",
                    (false, false) => "s",
                    (true, true) => "y",
                    (true, false) => "ies",
                });
            }
            'C' => {
                let v = self.next_arg(d, args)?;
                let Value::Char(c) = v else {
                    return Err(Fail::Lisp(self.type_error(&v, "CHARACTER")));
                };
                if d.at && !d.colon {
                    out.s.push_str(&prin1_text(self.it, &v)?);
                } else if d.colon && (c == ' ' || c.is_control()) {
                    let name = prin1_text(self.it, &v)?;
                    let name = name.strip_prefix("#\\").unwrap_or(&name);
                    out.s.push_str(if c == ' ' { "Space" } else { name });
                } else {
                    out.s.push(c);
                }
            }
            'F' => {
                let v = self.next_arg(d, args)?;
                let fp = FixedParams {
                    w: opt_int(0)?.map(size).transpose()?,
                    d: opt_int(1)?.map(size).transpose()?,
                    k: directive_offset(d, int(2, 0)?)? as i32,
                    overflow: self.opt_char(d, &p, 3)?,
                    pad: chr(4, ' ')?,
                    plus: d.at,
                };
                match as_float(&v) {
                    Some(f) => out.s.push_str(&float::format_fixed(f, &fp)),
                    None => self.non_float(&v, fp.w, out)?,
                }
            }
            'E' | 'G' => {
                let v = self.next_arg(d, args)?;
                let ep = ExpParams {
                    w: opt_int(0)?.map(size).transpose()?,
                    d: opt_int(1)?.map(size).transpose()?,
                    e: opt_int(2)?.map(size).transpose()?,
                    k: directive_offset(d, int(3, 1)?)? as i32,
                    overflow: self.opt_char(d, &p, 4)?,
                    pad: chr(5, ' ')?,
                    marker: self.opt_char(d, &p, 6)?,
                    plus: d.at,
                };
                match as_float(&v) {
                    Some(f) if d.ch == 'E' => out.s.push_str(&float::format_exp(f, &ep)),
                    Some(f) => out.s.push_str(&float::format_general(f, &ep)),
                    None => self.non_float(&v, ep.w, out)?,
                }
            }
            '$' => {
                let v = self.next_arg(d, args)?;
                match as_float(&v) {
                    Some(f) => out.s.push_str(&float::format_money(
                        f,
                        size(int(0, 2)?)?,
                        size(int(1, 1)?)?,
                        size(int(2, 0)?)?,
                        chr(3, ' ')?,
                        d.at,
                        d.colon,
                    )),
                    None => self.non_float(&v, opt_int(2)?.map(size).transpose()?, out)?,
                }
            }
            '%' => out.s.push_str(&"\n".repeat(size(int(0, 1)?)?)),
            '&' => {
                let n = size(int(0, 1)?)?;
                if n > 0 {
                    if out.column() != 0 {
                        out.s.push('\n');
                    }
                    out.s.push_str(&"\n".repeat(n - 1));
                }
            }
            '|' => out.s.push_str(&"\u{c}".repeat(size(int(0, 1)?)?)),
            '~' => out.s.push_str(&"~".repeat(size(int(0, 1)?)?)),
            'T' => {
                let cur = out.column() as i64;
                let spaces = if d.at {
                    let colrel = directive_offset(d, int(0, 1)?)?;
                    let colinc = directive_offset(d, int(1, 1)?)?;
                    if colinc > 0 {
                        ((cur + colrel + colinc - 1) / colinc) * colinc - cur
                    } else {
                        colrel
                    }
                } else {
                    let colnum = directive_offset(d, int(0, 1)?)?;
                    let colinc = directive_offset(d, int(1, 1)?)?;
                    if cur < colnum {
                        colnum - cur
                    } else if colinc > 0 {
                        colinc - (cur - colnum) % colinc
                    } else {
                        0
                    }
                };
                out.s.push_str(&" ".repeat(size(spaces)?));
            }
            '*' => {
                let target = if d.at {
                    count(int(0, 0)?)
                } else if d.colon {
                    let n = count(int(0, 1)?);
                    match args.pos.checked_sub(n) {
                        Some(p) => p,
                        None => return ferr(d, "~:* backs up before the first argument"),
                    }
                } else {
                    args.pos + count(int(0, 1)?)
                };
                if target > args.list.len() {
                    return ferr(d, "~* moves past the last argument");
                }
                args.pos = target;
            }
            '?' => {
                let control = self.next_arg(d, args)?;
                if d.at {
                    let flow = self.sub_format(&control, args, out)?;
                    let _ = flow;
                } else {
                    let list = self.next_arg(d, args)?;
                    let Some(items) = list.list_to_vec() else {
                        return Err(Fail::Lisp(self.type_error(&list, "LIST")));
                    };
                    let mut sub = Args::new(items);
                    self.sub_format(&control, &mut sub, out)?;
                }
            }
            '^' => {
                if d.at {
                    return ferr(d, "~^ takes no at-sign modifier");
                }
                if d.params.len() > 3 {
                    return ferr(d, "~^ takes at most three parameters");
                }
                let enclosing = self.sublists_left.last().copied();
                if d.colon && !matches!(enclosing, Some(Some(_))) {
                    return ferr(d, "~:^ is only allowed directly inside ~:{...~}");
                }
                let at = |i: usize| p.get(i).copied().flatten();
                // CLHS 22.3.9.2 as SBCL reads it: the last parameter given
                // decides how many are compared; a V argument of NIL counts
                // as not given; characters compare by EQL.
                let stop = match (at(0), at(1), at(2)) {
                    (a, b, Some(c)) => match (a, b, c) {
                        (Some(PV::Int(a)), Some(PV::Int(b)), PV::Int(c)) => a <= b && b <= c,
                        _ => return ferr(d, "the three parameters of ~^ must all be integers"),
                    },
                    (a, Some(b), None) => a == Some(b),
                    (Some(a), None, None) => a == PV::Int(0),
                    (None, None, None) if d.colon => enclosing == Some(Some(0)),
                    (None, None, None) => args.at_end(),
                };
                if stop {
                    return Ok(if d.colon { Flow::UpAll } else { Flow::Up });
                }
            }
            _ => return ferr(d, format!("~{} is not allowed here", d.ch)),
        }
        Ok(Flow::Done)
    }

    /// Print `v` into `out`: queued into the logical block's pretty
    /// stream, or laid out from the current column.
    fn write_obj(
        &mut self,
        v: &Value,
        opts: &crate::printer::PrintOptions,
        out: &mut Out,
    ) -> FResult<()> {
        let doc = doc_with(self.it, v, opts)?;
        if let Some(ps) = out.pretty.clone() {
            out.flush();
            if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
                doc.replay(p);
            }
        } else {
            let col = out.column();
            out.s.push_str(&doc.layout(col));
        }
        Ok(())
    }

    /// `~/name/` (CLHS 22.3.5.4): call NAME with the stream, the
    /// argument, the colon and at-sign flags and the parameters.
    fn call_slash(
        &mut self,
        d: &Dir,
        p: &[Option<PV>],
        args: &mut Args,
        out: &mut Out,
    ) -> FResult<()> {
        let name = d.name.clone().unwrap_or_default().to_uppercase();
        // CLHS 22.3.5.4: the package is the text before the first `:` or
        // `::`, the symbol everything after it (colons included).
        let (pkg, sym) = match name.split_once(':') {
            Some((pk, sy)) => (
                pk.to_string(),
                sy.strip_prefix(':').unwrap_or(sy).to_string(),
            ),
            None => ("COMMON-LISP-USER".to_string(), name.clone()),
        };
        let pkg = if pkg.is_empty() {
            "KEYWORD".to_string()
        } else {
            pkg
        };
        let Some(package) = crate::eval::package::find_package(&pkg) else {
            return ferr(d, format!("no package named {pkg} for ~/{name}/"));
        };
        let symbol = crate::eval::package::intern_in(&sym, &package);
        let v = self.next_arg(d, args)?;
        let mut call_args = vec![Value::Nil, v, Value::bool(d.colon), Value::bool(d.at)];
        for x in p {
            call_args.push(match x {
                None => Value::Nil,
                Some(PV::Int(n)) => Value::Fixnum(*n),
                Some(PV::Char(c)) => Value::Char(*c),
            });
        }
        let f = Value::Symbol(symbol);
        if let Some(ps) = out.pretty.clone() {
            out.flush();
            call_args[0] = Value::Stream(ps);
            self.it.apply(&f, &call_args)?;
        } else {
            let stream = Rc::new(Stream::string_output());
            stream.column.set(out.column());
            call_args[0] = Value::Stream(stream.clone());
            self.it.apply(&f, &call_args)?;
            out.s.push_str(&stream.take_string().unwrap_or_default());
        }
        Ok(())
    }

    /// `~<prefix~;body~;suffix~:>` (CLHS 22.3.5.2): a logical block over
    /// the argument list (or, with `~@<`, the remaining arguments).
    #[allow(clippy::too_many_arguments)]
    fn logical_block(
        &mut self,
        open: &Dir,
        clauses: &[Vec<Node>],
        seps: &[Dir],
        close: &Dir,
        args: &mut Args,
        out: &mut Out,
    ) -> FResult<Flow> {
        let text_of = |c: &Vec<Node>| -> FResult<String> {
            let mut t = String::new();
            for n in c {
                match n {
                    Node::Text(x) => t.push_str(x),
                    _ => return ferr(open, "the prefix and suffix of ~<...~:> must be text"),
                }
            }
            Ok(t)
        };
        let (mut prefix, mut suffix) = if open.colon {
            ("(".to_string(), ")".to_string())
        } else {
            (String::new(), String::new())
        };
        let mut per_line = false;
        let body: &Vec<Node> = match clauses.len() {
            1 => &clauses[0],
            2 | 3 => {
                prefix = text_of(&clauses[0])?;
                per_line = seps.first().is_some_and(|s| s.at);
                if clauses.len() == 3 {
                    suffix = text_of(&clauses[2])?;
                }
                &clauses[1]
            }
            _ => return ferr(open, "~<...~:> takes at most three segments"),
        };
        // ~:@> puts a fill-style newline after each group of blanks.
        let filled;
        let body: &Vec<Node> = if close.at {
            filled = fill_blanks(body, close);
            &filled
        } else {
            body
        };
        let mut block_args = if open.at {
            let rest = args.list[args.pos.min(args.list.len())..].to_vec();
            args.pos = args.list.len();
            Args {
                block: Some(Value::Nil),
                ..Args::new(rest)
            }
        } else {
            let v = self.next_arg(open, args)?;
            if !v.is_list() {
                let opts = options_from_globals();
                self.write_obj(&v, &opts, out)?;
                return Ok(Flow::Done);
            }
            let mut items = Vec::new();
            let mut rest = v;
            while let Value::Cons(c) = &rest {
                items.push(c.car.borrow().clone());
                let next = c.cdr.borrow().clone();
                rest = next;
                if items.len() > 1 << 24 {
                    break;
                }
            }
            Args {
                block: Some(rest),
                ..Args::new(items)
            }
        };
        let (ps, temp) = match out.pretty.clone() {
            Some(ps) => {
                out.flush();
                (ps, None)
            }
            None => {
                let t = Rc::new(Stream::string_output());
                t.column.set(out.column());
                let ps = Rc::new(Stream::new(StreamKind::Pretty(Box::new(
                    PrettyStream::new(t.clone()),
                ))));
                (ps, Some(t))
            }
        };
        let level = crate::builtins::pretty::current_level();
        let too_deep = crate::builtins::pretty::print_level().is_some_and(|m| level >= m);
        let mut inner = Out {
            s: String::new(),
            col0: 0,
            pretty: Some(ps.clone()),
        };
        if too_deep {
            inner.s.push('#');
        } else {
            if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
                p.start_block(Some(&prefix), per_line, &suffix);
            }
            crate::builtins::pretty::set_level(level + 1);
            let r = self.run(body, &mut block_args, &mut inner);
            crate::builtins::pretty::set_level(level);
            match r {
                Ok(_) => {}
                Err(Fail::ExitBlock(text)) => inner.s.push_str(&text),
                Err(e) => return Err(e),
            }
            inner.flush();
            if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
                p.end_block();
            }
        }
        inner.flush();
        if let Some(t) = temp {
            if let StreamKind::Pretty(p) = &mut *ps.kind.borrow_mut() {
                p.finish();
            }
            out.s.push_str(&t.take_string().unwrap_or_default());
        }
        Ok(Flow::Done)
    }

    fn opt_char(&mut self, d: &Dir, p: &[Option<PV>], i: usize) -> FResult<Option<char>> {
        match p.get(i).copied().flatten() {
            None => Ok(None),
            Some(PV::Char(c)) => Ok(Some(c)),
            Some(PV::Int(_)) => ferr(
                d,
                format!("parameter {} of ~{} must be a character", i + 1, d.ch),
            ),
        }
    }

    fn type_error(&mut self, v: &Value, ty: &str) -> crate::eval::Unwind {
        let c = self.it.type_error(v, ty);
        crate::eval::Unwind::Signal(c)
    }

    /// A non-number given to a float directive prints as `~wA` would.
    fn non_float(&mut self, v: &Value, w: Option<usize>, out: &mut Out) -> FResult<()> {
        let text = princ_text(self.it, v)?;
        out.s.push_str(&pad_left(&text, w.unwrap_or(0), ' '));
        Ok(())
    }

    /// `~D`-style integer output; non-integers print as by `~A`.
    #[allow(clippy::too_many_arguments)]
    fn integer(
        &mut self,
        v: &Value,
        radix: u32,
        d: &Dir,
        mincol: i64,
        padchar: char,
        commachar: char,
        interval: i64,
    ) -> FResult<String> {
        let Some(n) = as_integer(v) else {
            let mark = self.it.dyn_mark();
            let base = crate::eval::package::cl_var!("*PRINT-BASE*");
            self.it.bind_special(&base, Value::Fixnum(radix as i64));
            let r = princ_text(self.it, v);
            self.it.unbind_to(mark);
            return Ok(r?);
        };
        let mut digits = int_digits(&n, radix);
        if d.colon && interval > 0 {
            let chars: Vec<char> = digits.chars().collect();
            let k = interval as usize;
            let mut grouped = String::new();
            for (i, c) in chars.iter().enumerate() {
                if i > 0 && (chars.len() - i).is_multiple_of(k) {
                    grouped.push(commachar);
                }
                grouped.push(*c);
            }
            digits = grouped;
        }
        let negative = n.sign() == num_bigint::Sign::Minus;
        let sign = if negative {
            "-"
        } else if d.at {
            "+"
        } else {
            ""
        };
        Ok(pad_left(
            &format!("{sign}{digits}"),
            mincol.max(0) as usize,
            padchar,
        ))
    }

    /// `~?` and `~{~}` with an empty body: a control string (or function)
    /// taken from the arguments.
    fn sub_format(&mut self, control: &Value, args: &mut Args, out: &mut Out) -> FResult<Flow> {
        match control {
            Value::String(s) => {
                let text = s.borrow().clone();
                let nodes =
                    parse(&text).map_err(|e| Fail::Lisp(format_error(self.it, &text, e)))?;
                let flow = self.run(&nodes, args, out)?;
                Ok(if flow == Flow::UpAll {
                    Flow::UpAll
                } else {
                    Flow::Done
                })
            }
            Value::Function(_) => {
                let stream = Rc::new(Stream::string_output());
                stream.column.set(out.column());
                let mut call = vec![Value::Stream(stream.clone())];
                call.extend(args.list[args.pos.min(args.list.len())..].iter().cloned());
                let rest = self.it.apply(control, &call)?;
                out.s.push_str(&stream.take_string().unwrap_or_default());
                // A formatter function returns the arguments it left.
                if let Some(left) = rest.list_to_vec() {
                    if rest.is_cons() || left.is_empty() {
                        args.pos = args.list.len() - left.len().min(args.list.len());
                    }
                }
                Ok(Flow::Done)
            }
            other => Err(Fail::Lisp(self.type_error(other, "(OR STRING FUNCTION)"))),
        }
    }

    fn group(
        &mut self,
        open: &Dir,
        clauses: &[Vec<Node>],
        seps: &[Dir],
        close: &Dir,
        args: &mut Args,
        out: &mut Out,
    ) -> FResult<Flow> {
        match open.ch {
            '[' => self.conditional(open, clauses, seps, args, out),
            '{' => self.iteration(open, clauses, close, args, out),
            '(' => {
                let mut inner = Out::plain(out.column());
                let flow = self.run(
                    clauses.first().map(Vec::as_slice).unwrap_or(&[]),
                    args,
                    &mut inner,
                )?;
                let text = match (open.colon, open.at) {
                    (false, false) => inner.s.to_lowercase(),
                    (true, true) => inner.s.to_uppercase(),
                    (true, false) => capitalize(&inner.s, true),
                    (false, true) => capitalize(&inner.s, false),
                };
                out.s.push_str(&text);
                Ok(flow)
            }
            _ if close.colon => self.logical_block(open, clauses, seps, close, args, out),
            _ => self.justify(open, clauses, seps, close, args, out),
        }
    }

    fn conditional(
        &mut self,
        open: &Dir,
        clauses: &[Vec<Node>],
        seps: &[Dir],
        args: &mut Args,
        out: &mut Out,
    ) -> FResult<Flow> {
        let p = self.params(open, args)?;
        let chosen: Option<&Vec<Node>> = if open.colon {
            if clauses.len() != 2 {
                return ferr(open, "~:[ needs exactly two clauses");
            }
            let v = self.next_arg(open, args)?;
            clauses.get(if v.truthy() { 1 } else { 0 })
        } else if open.at {
            if clauses.len() != 1 {
                return ferr(open, "~@[ takes exactly one clause");
            }
            let v = args.list.get(args.pos).cloned();
            match v {
                Some(v) if v.truthy() => clauses.first(),
                Some(_) => {
                    args.pos += 1;
                    None
                }
                None => return ferr(open, "no more arguments for ~@["),
            }
        } else {
            let index = match p.first().copied().flatten() {
                Some(PV::Int(n)) => n,
                Some(PV::Char(_)) => return ferr(open, "the parameter of ~[ must be an integer"),
                None => match self.next_arg(open, args)? {
                    Value::Fixnum(n) => n,
                    other => return Err(Fail::Lisp(self.type_error(&other, "INTEGER"))),
                },
            };
            let has_default = seps.last().is_some_and(|s| s.colon);
            match usize::try_from(index).ok().filter(|i| *i < clauses.len()) {
                Some(i) if !(has_default && i == clauses.len() - 1) => clauses.get(i),
                _ if has_default => clauses.last(),
                _ => None,
            }
        };
        match chosen {
            Some(nodes) => self.run(nodes, args, out),
            None => Ok(Flow::Done),
        }
    }

    fn iteration(
        &mut self,
        open: &Dir,
        clauses: &[Vec<Node>],
        close: &Dir,
        args: &mut Args,
        out: &mut Out,
    ) -> FResult<Flow> {
        let p = self.params(open, args)?;
        let max = match p.first().copied().flatten() {
            Some(PV::Int(n)) => Some(n.max(0) as usize),
            _ => None,
        };
        let body = clauses.first().map(Vec::as_slice).unwrap_or(&[]);
        // An empty body (nothing at all between `~{` and `~}`, CLHS
        // 22.3.7.4) takes the control string from the arguments; a body
        // of only `~newline` is not empty.
        let control = if close.pos == open.end {
            Some(self.next_arg(open, args)?)
        } else {
            None
        };
        let mut own;
        let iter_args: &mut Args = if open.at {
            args
        } else {
            let list = self.next_arg(open, args)?;
            own = self.list_args(&list)?;
            &mut own
        };
        if !open.colon {
            self.sublists_left.push(None);
        }
        let r = self.iterate(open, body, close, control.as_ref(), max, iter_args, out);
        if !open.colon {
            self.sublists_left.pop();
        }
        r?;
        Ok(Flow::Done)
    }

    /// The steps of `~{`: at most `max`, while arguments are left (at
    /// least one with `~:}`).
    #[allow(clippy::too_many_arguments)]
    fn iterate(
        &mut self,
        open: &Dir,
        body: &[Node],
        close: &Dir,
        control: Option<&Value>,
        max: Option<usize>,
        iter_args: &mut Args,
        out: &mut Out,
    ) -> FResult<()> {
        let at_least_once = close.colon;
        let mut n = 0usize;
        loop {
            if max.is_some_and(|m| n >= m) {
                break;
            }
            if iter_args.at_end() && !(at_least_once && n == 0) {
                break;
            }
            // A body that consumes no argument (`~@{~a~:*~}`) repeats for
            // ever: let Ctrl-C stop it, and stop it before its output
            // exhausts memory.
            self.it.check_interrupt()?;
            if out.s.len() > MAX_ITERATION_OUTPUT {
                return Err(Fail::Storage(format!(
                    "FORMAT: ~{{ has produced more than {MAX_ITERATION_OUTPUT} bytes (an iteration that consumes no arguments?)."
                )));
            }
            n += 1;
            let flow = if open.colon {
                // Each step's arguments are one sublist.
                let sub = if iter_args.at_end() {
                    Value::Nil
                } else {
                    self.next_arg(open, iter_args)?
                };
                let mut step = self.list_args(&sub)?;
                self.sublists_left.push(Some(iter_args.left()));
                let flow = match control {
                    Some(c) => self.sub_format(c, &mut step, out),
                    None => self.run(body, &mut step, out),
                };
                self.sublists_left.pop();
                let flow = flow?;
                // ~^ ends only this step; ~:^ ends the iteration.
                if flow == Flow::UpAll {
                    Flow::Up
                } else {
                    Flow::Done
                }
            } else {
                match control {
                    Some(c) => self.sub_format(c, iter_args, out)?,
                    None => self.run(body, iter_args, out)?,
                }
            };
            if flow != Flow::Done {
                break;
            }
        }
        Ok(())
    }

    /// `~mincol,colinc,minpad,padchar<...~>` (CLHS 22.3.6.2), laid out as
    /// SBCL does; each segment is formatted on its own from column 0.
    fn justify(
        &mut self,
        open: &Dir,
        clauses: &[Vec<Node>],
        seps: &[Dir],
        _close: &Dir,
        args: &mut Args,
        out: &mut Out,
    ) -> FResult<Flow> {
        let p = self.params(open, args)?;
        if p.len() > 4 {
            return ferr(open, "~<...~> takes at most four parameters");
        }
        let int = |i: usize, default: i64| match p.get(i).copied().flatten() {
            Some(PV::Int(n)) => Ok(n),
            None => Ok(default),
            Some(PV::Char(_)) => ferr(
                open,
                format!("parameter {} of ~< must be an integer", i + 1),
            ),
        };
        let mincol = directive_size(open, int(0, 0)?)? as i64;
        let colinc = directive_size(open, int(1, 1)?)?.max(1) as i64;
        let minpad = directive_size(open, int(2, 0)?)? as i64;
        let padchar = match p.get(3).copied().flatten() {
            Some(PV::Char(c)) => c,
            None => ' ',
            Some(PV::Int(_)) => return ferr(open, "parameter 4 of ~< must be a character"),
        };
        // `~extra,linelen:;` makes the first segment the text written
        // before the rest when the rest would pass the line's end.
        let newline_sep = seps.first().filter(|s| s.colon);
        let mut line = None;
        let mut strings = Vec::with_capacity(clauses.len());
        for (i, clause) in clauses.iter().enumerate() {
            if i == 0 {
                if let Some(sep) = newline_sep {
                    let sp = self.params(sep, args)?;
                    let get = |k: usize, default: i64| match sp.get(k).copied().flatten() {
                        Some(PV::Int(n)) => Ok(n),
                        None => Ok(default),
                        Some(PV::Char(_)) => ferr(
                            sep,
                            format!("parameter {} of ~:; must be an integer", k + 1),
                        ),
                    };
                    // SBCL's line length for a stream that has none.
                    line = Some((get(0, 0)?, get(1, 72)?, String::new()));
                }
            }
            let mut seg = Out::plain(0);
            match self.run(clause, args, &mut seg)? {
                Flow::Done => {}
                // ~^ ends the segments; what was complete is laid out.
                Flow::Up => break,
                // ~:^ leaves the enclosing ~:{ step, dropping this output.
                Flow::UpAll => return Ok(Flow::UpAll),
            }
            match &mut line {
                Some((_, _, prefix)) if i == 0 => *prefix = seg.s,
                _ => strings.push(seg.s),
            }
        }
        let gaps = strings.len() as i64 - 1 + i64::from(open.colon) + i64::from(open.at);
        let text: i64 = strings.iter().map(|s| s.chars().count() as i64).sum();
        let chars = text + gaps * minpad;
        let width = if chars > mincol {
            mincol + (chars - mincol + colinc - 1) / colinc * colinc
        } else {
            mincol
        };
        let mut padding = width - chars + gaps * minpad;
        if let Some((extra, line_len, prefix)) = line {
            if out.column() as i64 + width + extra > line_len {
                out.s.push_str(&prefix);
            }
        }
        // Each gap takes its share of what is left, so the remainder
        // goes to the rightmost gaps.
        let mut gaps_left = gaps;
        let mut pad = |s: &mut String| {
            let n = if gaps_left == 0 {
                padding
            } else {
                padding / gaps_left
            };
            padding -= n;
            gaps_left -= 1;
            for _ in 0..n.max(0) {
                s.push(padchar);
            }
        };
        let mut s = String::new();
        if open.colon || (!open.at && strings.len() <= 1) {
            pad(&mut s);
        }
        for (i, seg) in strings.iter().enumerate() {
            if i > 0 {
                pad(&mut s);
            }
            s.push_str(seg);
        }
        if open.at {
            pad(&mut s);
        }
        out.s.push_str(&s);
        Ok(Flow::Done)
    }
}

/// The checks SBCL makes on a whole control string (CLHS 22.3.5.2,
/// 22.3.6.2): a justification `~<...~>` may not contain `~W`, `~_`,
/// `~I`, `~:T` or a logical block, nor end with `~@>`; and `~<...~:;...~>`
/// may not share a control string with those pretty-printing directives.
fn check_blocks(nodes: &[Node]) -> Result<(), FmtError> {
    let mut pprint = None;
    let mut justify_semi = None;
    scan_blocks(nodes, false, &mut pprint, &mut justify_semi)?;
    if let (Some(a), Some(b)) = (pprint, justify_semi) {
        return Err(FmtError {
            msg: "~<...~:;...~> cannot be used with ~W, ~_, ~I, ~:T or ~<...~:> in one control string".into(),
            pos: std::cmp::min(a, b),
        });
    }
    Ok(())
}

fn is_pprint_directive(d: &Dir) -> bool {
    matches!(d.ch, 'W' | 'I' | '_') || (d.ch == 'T' && d.colon)
}

fn scan_blocks(
    nodes: &[Node],
    in_block: bool,
    pprint: &mut Option<usize>,
    justify_semi: &mut Option<usize>,
) -> Result<(), FmtError> {
    for n in nodes {
        match n {
            Node::Text(_) => {}
            Node::Dir(d) => {
                if !in_block && is_pprint_directive(d) {
                    pprint.get_or_insert(d.pos);
                }
            }
            Node::Group {
                open,
                clauses,
                seps,
                close,
            } => {
                if open.ch == '<' && close.colon {
                    pprint.get_or_insert(open.pos);
                } else if open.ch == '<' {
                    if let Some(s) = seps.iter().find(|s| s.colon) {
                        justify_semi.get_or_insert(s.pos);
                    }
                    if close.at {
                        return Err(FmtError {
                            msg: "~@> cannot close a justification ~<...~>".into(),
                            pos: close.pos,
                        });
                    }
                    if let Some(bad) = clauses.iter().find_map(|c| illegal_in_justification(c)) {
                        return Err(FmtError {
                            msg: format!(
                                "~{} is not allowed inside a justification ~<...~>",
                                bad.1
                            ),
                            pos: bad.0,
                        });
                    }
                }
                for c in clauses {
                    scan_blocks(c, in_block || open.ch == '<', pprint, justify_semi)?;
                }
            }
        }
    }
    Ok(())
}

/// The first pretty-printing directive anywhere in `nodes`: its
/// position and how it is written.
fn illegal_in_justification(nodes: &[Node]) -> Option<(usize, &'static str)> {
    for n in nodes {
        match n {
            Node::Text(_) => {}
            Node::Dir(d) if is_pprint_directive(d) => {
                let shown = match d.ch {
                    'W' => "W",
                    'I' => "I",
                    '_' => "_",
                    _ => ":T",
                };
                return Some((d.pos, shown));
            }
            Node::Dir(_) => {}
            Node::Group {
                open,
                clauses,
                close,
                ..
            } => {
                if open.ch == '<' && close.colon {
                    return Some((close.pos, ":>"));
                }
                if let Some(bad) = clauses.iter().find_map(|c| illegal_in_justification(c)) {
                    return Some(bad);
                }
            }
        }
    }
    None
}

/// The body of a `~<...~:@>` block: a `~:_` after each run of blanks
/// in its text, including the text inside `~{`, `~[` and `~(` groups
/// (SBCL's directives are one flat list); a nested `~<` is left as is.
fn fill_blanks(body: &[Node], close: &Dir) -> Vec<Node> {
    let mut out = Vec::new();
    for n in body {
        let t = match n {
            Node::Text(t) => t,
            Node::Group {
                open,
                clauses,
                seps,
                close: end,
            } if open.ch != '<' => {
                out.push(Node::Group {
                    open: open.clone(),
                    clauses: clauses.iter().map(|c| fill_blanks(c, close)).collect(),
                    seps: seps.clone(),
                    close: end.clone(),
                });
                continue;
            }
            _ => {
                out.push(n.clone());
                continue;
            }
        };
        let mut piece = String::new();
        let mut chars = t.chars().peekable();
        while let Some(c) = chars.next() {
            piece.push(c);
            if c == ' ' && chars.peek() != Some(&' ') {
                out.push(Node::Text(std::mem::take(&mut piece)));
                out.push(Node::Dir(Dir {
                    ch: '_',
                    params: Vec::new(),
                    colon: true,
                    at: false,
                    pos: close.pos,
                    end: close.pos,
                    name: None,
                }));
            }
        }
        if !piece.is_empty() {
            out.push(Node::Text(piece));
        }
    }
    out
}

/// `~A` padding (CLHS 22.3.4.1): at least `minpad` pad characters, then
/// `colinc` at a time until the width is at least `mincol`.
fn pad(
    text: &str,
    mincol: usize,
    colinc: usize,
    minpad: usize,
    padchar: char,
    left: bool,
) -> String {
    let len = text.chars().count();
    let mut n = minpad;
    let colinc = colinc.max(1);
    while len + n < mincol {
        n += colinc;
    }
    let fill = padchar.to_string().repeat(n);
    if left {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

/// `~:(` capitalizes every word, `~@(` only the first; other letters
/// are lower-cased. Words are runs of letters and digits.
fn capitalize(s: &str, every: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    let mut seen_word = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if !in_word && (every || !seen_word) {
                out.extend(c.to_uppercase());
            } else {
                out.extend(c.to_lowercase());
            }
            in_word = true;
            seen_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// The condition for a bad control string: the message names the
/// directive's position and shows it with a caret, as SBCL does.
fn format_error(it: &mut Interp, control: &str, e: FmtError) -> crate::eval::Unwind {
    let msg = format!(
        "error in FORMAT: {} (at position {})\n  {}\n  {}^",
        e.msg,
        e.pos,
        control,
        " ".repeat(e.pos)
    );
    crate::eval::Unwind::Signal(it.make_error("SIMPLE-ERROR", &msg))
}

fn storage_error(it: &mut Interp, msg: &str) -> crate::eval::Unwind {
    crate::eval::Unwind::Signal(it.make_error("STORAGE-CONDITION", msg))
}

/// Format `args` under `control` (a string or function) into a string,
/// starting at column `col0`.
pub fn format_text(
    it: &mut Interp,
    control: &Value,
    args: &[Value],
    col0: usize,
) -> LResult<String> {
    let mut out = Out::plain(col0);
    format_into(it, control, args, &mut out)?;
    Ok(out.s)
}

/// Run `control` over `args` into `out`; the number of arguments used.
fn format_into(it: &mut Interp, control: &Value, args: &[Value], out: &mut Out) -> LResult<usize> {
    let mut a = Args::new(args.to_vec());
    let text = match control {
        Value::String(s) => s.borrow().clone(),
        Value::Function(_) => {
            let mut r = Runner {
                it,
                sublists_left: Vec::new(),
            };
            let result = r.sub_format(control, &mut a, out);
            return finish_run(r.it, "", result).map(|_| a.pos);
        }
        other => {
            return match crate::builtins::sequences::shape::string_text(other) {
                Some(t) => format_into(it, &Value::string(t), args, out),
                None => type_err(it, other, "(OR STRING FUNCTION)"),
            }
        }
    };
    let nodes = match parse_cached(&text) {
        Ok(n) => n,
        Err(e) => return Err(format_error(it, &text, e)),
    };
    let mut r = Runner {
        it,
        sublists_left: Vec::new(),
    };
    let result = r.run(&nodes, &mut a, out);
    finish_run(r.it, &text, result).map(|_| a.pos)
}

fn finish_run(it: &mut Interp, text: &str, result: FResult<Flow>) -> LResult<()> {
    match result {
        Ok(_) | Err(Fail::ExitBlock(_)) => Ok(()),
        Err(Fail::Lisp(u)) => Err(u),
        Err(Fail::Format(e)) => Err(format_error(it, text, e)),
        Err(Fail::Storage(msg)) => Err(storage_error(it, &msg)),
    }
}

/// Format to a stream: into its queue when it is a pretty stream.
fn format_to_stream(
    it: &mut Interp,
    stream: &Rc<Stream>,
    control: &Value,
    args: &[Value],
) -> LResult<usize> {
    let pretty = matches!(&*stream.kind.borrow(), StreamKind::Pretty(_));
    if pretty {
        let mut out = Out {
            s: String::new(),
            col0: 0,
            pretty: Some(stream.clone()),
        };
        let used = format_into(it, control, args, &mut out)?;
        out.flush();
        return Ok(used);
    }
    let mut out = Out::plain(stream.output_column());
    let used = format_into(it, control, args, &mut out)?;
    write_text(it, stream, &out.s)?;
    Ok(used)
}

/// `(formatter control)`'s function body: format ARGS to STREAM and
/// return the arguments not used (CLHS 22.2.1.3).
fn format_tail(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let stream = super::streams::out_stream(it, Some(&a[0]))?;
    let Some(args) = a[2].list_to_vec() else {
        return type_err(it, &a[2], "LIST");
    };
    let used = format_to_stream(it, &stream, &a[1], &args)?;
    Ok(Value::list(args.into_iter().skip(used)))
}

fn format(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let dest = &a[0];
    match dest {
        Value::Nil => Ok(Value::string(format_text(it, &a[1], &a[2..], 0)?)),
        Value::String(s) => {
            let col0 = {
                let b = s.borrow();
                match b.rfind('\n') {
                    Some(i) => b[i + 1..].chars().count(),
                    None => b.chars().count(),
                }
            };
            let text = format_text(it, &a[1], &a[2..], col0)?;
            s.borrow_mut().push_str(&text);
            Ok(Value::Nil)
        }
        _ => {
            let stream = if dest.is_sym(&it.s.t) {
                super::streams::special_stream(it, "*STANDARD-OUTPUT*")?
            } else {
                match dest {
                    Value::Stream(s) => s.clone(),
                    other => return type_err(it, other, "(OR STREAM BOOLEAN STRING)"),
                }
            };
            format_to_stream(it, &stream, &a[1], &a[2..])?;
            Ok(Value::Nil)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::toplevel::new_interp;

    fn f(control: &str, args: &[Value]) -> String {
        let mut it = new_interp();
        match format_text(&mut it, &Value::string(control), args, 0) {
            Ok(s) => s,
            Err(_) => "<error>".into(),
        }
    }

    #[test]
    fn a_cached_control_string_runs_with_each_call_s_arguments() {
        let control = "rcpt-~a-~d@example.com";
        let first = f(control, &[Value::string("a"), Value::Fixnum(1)]);
        let again = f(control, &[Value::string("b"), Value::Fixnum(2)]);
        assert_eq!(first, "rcpt-a-1@example.com");
        assert_eq!(again, "rcpt-b-2@example.com");
        assert!(PARSED.with(|c| c.borrow().contains_key(control)));
        // A malformed string is an error every time, never cached.
        assert_eq!(f("~{~a", &[]), "<error>");
        assert_eq!(f("~{~a", &[]), "<error>");
        assert!(PARSED.with(|c| !c.borrow().contains_key("~{~a")));
        // Long control strings are parsed each time and not kept.
        let long = "~a".repeat(CACHED_CONTROL_LEN);
        assert_eq!(f(&long, &[Value::Fixnum(7)]), "<error>");
        assert!(PARSED.with(|c| !c.borrow().contains_key(long.as_str())));
    }

    fn n(i: i64) -> Value {
        Value::Fixnum(i)
    }

    #[test]
    fn integers_and_padding() {
        assert_eq!(
            f("[~5,'0d] [~:d] [~@d]", &[n(42), n(1234567), n(5)]),
            "[00042] [1,234,567] [+5]"
        );
        assert_eq!(
            f("~x ~o ~b ~2,8r", &[n(255), n(8), n(5), n(5)]),
            "FF 10 101      101"
        );
        assert_eq!(
            f("~r|~:r|~@r", &[n(1234), n(3), n(1994)]),
            "one thousand two hundred thirty-four|third|MCMXCIV"
        );
    }

    #[test]
    fn tabs_and_newlines() {
        assert_eq!(f("a~10tb~5tc~3,4td", &[]), "a         b c  d");
        assert_eq!(f("~&x~&~%y~~", &[]), "x\n\ny~");
        assert_eq!(f("a~\n    b~:\n  c", &[]), "ab  c");
    }

    #[test]
    fn conditionals_and_iteration() {
        assert_eq!(
            f("~[zero~;one~:;many~]/~[zero~;one~:;many~]", &[n(1), n(7)]),
            "one/many"
        );
        assert_eq!(
            f("~{~d~^, ~}", &[Value::list([n(1), n(2), n(3)])]),
            "1, 2, 3"
        );
        assert_eq!(f("~@{<~d>~}", &[n(1), n(2)]), "<1><2>");
        assert_eq!(
            f(
                "~:{~d=~d~:^; ~}",
                &[Value::list([
                    Value::list([n(1), n(2)]),
                    Value::list([n(3), n(4)])
                ])]
            ),
            "1=2; 3=4"
        );
        assert_eq!(
            f("~d item~:p, ~d famil~:@p", &[n(2), n(1)]),
            "2 items, 1 family"
        );
    }

    #[test]
    fn justification() {
        assert_eq!(f("[~10<foo~;bar~>]", &[]), "[foo    bar]");
        assert_eq!(f("[~11<a~;b~;c~;d~>]", &[]), "[a  b  c   d]");
        assert_eq!(f("[~10@<foo~;bar~>]", &[]), "[foo  bar  ]");
    }

    #[test]
    fn up_and_out_compares_characters_and_skips_nil() {
        let c = Value::Char;
        assert_eq!(f("~{~'X^~A~}", &[Value::list([n(1), n(2)])]), "12");
        assert_eq!(
            f(
                "~{~v,'X^~A~}",
                &[Value::list([c('x'), n(1), Value::Nil, n(2), c('X'), n(3)])]
            ),
            "12"
        );
        // Only the second parameter given: compared with an absent first.
        assert_eq!(f("~{~,0^~A~}", &[Value::list([n(2)])]), "2");
        assert_eq!(f("~{~1,'a,2^~A~}", &[Value::list([n(2)])]), "<error>");
        assert_eq!(f("~@^", &[]), "<error>");
        assert_eq!(f("~{~:^~A~}", &[Value::list([n(1)])]), "<error>");
    }

    #[test]
    fn justification_lays_out_as_sbcl() {
        // One segment and no modifiers: right-justified, no minpad.
        assert_eq!(f("[~6,,4<abcd~>]", &[]), "[  abcd]");
        // ~:; writes its segment when the rest passes the line length.
        assert_eq!(f("ab~<-~%~0,4:;xyz~>", &[]), "ab-\nxyz");
        assert_eq!(f("ab~<-~%~0,5:;xyz~>", &[]), "abxyz");
        // Segments are formatted from column 0.
        assert_eq!(f("ab~<~&x~>", &[]), "abx");
        assert_eq!(f("~<a~W~>", &[n(1)]), "<error>");
        assert_eq!(f("~<a~:;b~>~_", &[]), "<error>");
    }

    #[test]
    fn empty_iteration_bodies_and_dotted_lists() {
        assert_eq!(f("~{~\n~}", &[Value::Nil]), "");
        assert_eq!(
            f("~{~}", &[Value::string("<~a>"), Value::list([n(1)])]),
            "<1>"
        );
        let dotted = Value::cons(n(1), n(2));
        assert_eq!(f("~1{~a~}", std::slice::from_ref(&dotted)), "1");
        let m = failure("~{~a~}", &[dotted]);
        assert!(m.starts_with("TYPE-ERROR") && m.contains("\n  2\n"), "{m}");
    }

    #[test]
    fn bad_control_strings_are_errors() {
        assert_eq!(f("~q", &[]), "<error>");
        assert_eq!(f("~{~a", &[]), "<error>");
        assert_eq!(f("~a", &[]), "<error>");
    }

    /// The message of the condition `format` signals, with its type.
    fn failure(control: &str, args: &[Value]) -> String {
        let mut it = new_interp();
        match format_text(&mut it, &Value::string(control), args, 0) {
            Ok(s) => format!("no error: {} characters", s.len()),
            Err(u) => match u.kind() {
                crate::eval::UnwindKind::Signal(c) => {
                    let c = c.clone();
                    let ty = it.type_of(&c);
                    let report = it.report_condition(&c).unwrap_or_default();
                    format!("{} {report}", crate::printer::prin1_to_string(&ty))
                }
                _ => "other unwind".into(),
            },
        }
    }

    #[test]
    fn huge_size_parameters_are_a_storage_condition() {
        let huge = n(100_000_000_000);
        let mpf = n(4_611_686_018_427_387_903);
        for (control, args) in [
            ("~v,,,'xa", vec![huge.clone(), n(1)]),
            ("~100000000000%", vec![]),
            ("~,100000000000f", vec![Value::Double(1.0)]),
            ("~100000000000d", vec![n(1)]),
            ("~v~", vec![mpf.clone()]),
            ("~v@t", vec![mpf.clone()]),
            ("~vt", vec![mpf.clone()]),
            ("~,,v<a~;b~>", vec![mpf.clone()]),
            ("~,,vf", vec![mpf, Value::Double(1.0)]),
        ] {
            let m = failure(control, &args);
            assert!(
                m.starts_with("STORAGE-CONDITION") && m.contains("one directive may produce"),
                "{control}: {m}"
            );
        }
        // Large but bounded requests are still made.
        assert_eq!(f("~1000%", &[]).len(), 1000);
        assert_eq!(f("~v@a", &[n(100_000), n(1)]).len(), 100_000);
    }

    #[test]
    fn an_iteration_that_consumes_nothing_stops_before_memory_runs_out() {
        let m = failure("~@{~1000000@a~:*~}", &[n(1)]);
        assert!(
            m.starts_with("STORAGE-CONDITION") && m.contains("consumes no arguments"),
            "{m}"
        );
        assert_eq!(f("~@{~a~}", &[n(1), n(2), n(3)]), "123");
    }

    #[test]
    fn deeply_nested_directives_are_a_format_error() {
        let deep = format!("{}{}", "~{".repeat(100_000), "~}".repeat(100_000));
        let m = failure(&deep, &[Value::Nil]);
        assert!(m.contains("nested too deeply"), "{m}");
        let ok = format!("{}x{}", "~(".repeat(50), "~)".repeat(50));
        assert_eq!(f(&ok, &[]), "x");
    }
}

//! The Lisp printer (CLHS 22.1): `prin1`/`princ` text for every value, as
//! SBCL prints it.
//!
//! The printer walks values with an explicit work stack, so deep nesting
//! cannot overflow the Rust stack. Circular structure (which SBCL with
//! `*print-circle*` false would print forever) prints as `...` at the point
//! where it closes: a list whose tail loops ends in ` ...`, and a cons,
//! vector or structure met again inside itself prints as `...`. With
//! `*print-circle*` it gets `#n=`/`#n#` labels instead (`circle.rs`).
//!
//! Documented differences from SBCL: unreadable objects carry no address
//! (`#<FUNCTION (LAMBDA (X))>`, `#<HASH-TABLE :TEST EQUAL :COUNT 2>`);
//! condition objects print as `#<TYPE-NAME>`; non-ASCII characters print
//! as themselves (`#\é`) and non-graphic ones as `#\U+85`; with
//! `*print-readably*`, hash tables signal `print-not-readable`.

pub mod circle;
mod float;
mod layout;
pub mod pretty;
mod symbol;
mod symbol_case;

use std::collections::HashSet;
use std::rc::Rc;

use crate::eval::lambda::{LambdaList, Param};
use crate::eval::package;
use crate::eval::stream::StreamKind;
use crate::eval::value::{Function, HashTest, StructObj};
use crate::eval::Value;

pub use float::Marker;
pub use symbol::{needs_escape, write_symbol};

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
    /// `*print-pretty*`: lists and vectors become logical blocks.
    pub pretty: bool,
    /// `*print-level*` (ignored when printing readably).
    pub level: Option<usize>,
    /// `*print-length*` (ignored when printing readably).
    pub length: Option<usize>,
    /// `*print-circle*`: shared structure as `#n=`/`#n#`.
    pub circle: bool,
    /// `*print-gensym*`: `#:` before uninterned symbols.
    pub gensym: bool,
    /// `*print-array*`: array contents, else `#<...>`.
    pub array: bool,
    /// A pprint dispatch table has entries: the print hook is asked
    /// about every object, not only instances and structures.
    pub dispatch: bool,
}

impl Default for PrintOptions {
    fn default() -> Self {
        PrintOptions {
            escape: true,
            base: 10,
            radix: false,
            readably: false,
            pretty: false,
            level: None,
            length: None,
            circle: false,
            gensym: true,
            array: true,
            dispatch: false,
        }
    }
}

impl PrintOptions {
    /// The options from the current values of `*print-escape*`,
    /// `*print-base*`, `*print-radix*` and `*print-readably*` (defaults
    /// when unset).
    pub fn from_globals() -> Self {
        // The symbols are looked up once per thread: `format` reads these
        // variables for every directive that prints, and a name lookup each
        // time cost more than the printing itself.
        let [escape, base, radix, readably, pretty, level, length, circle, gensym, array] =
            PRINTER_VARS.with(|vars| vars.clone().map(|s| s.value.borrow().clone()));
        let mut o = PrintOptions::default();
        if let Some(v) = escape {
            o.escape = v.truthy();
        }
        if let Some(Value::Fixnum(b)) = base {
            if (2..=36).contains(&b) {
                o.base = b as u32;
            }
        }
        if let Some(v) = radix {
            o.radix = v.truthy();
        }
        if let Some(v) = readably {
            o.readably = v.truthy();
        }
        if let Some(v) = pretty {
            o.pretty = v.truthy();
        }
        let count = |v: Option<Value>| match v {
            Some(Value::Fixnum(n)) if n >= 0 => Some(n as usize),
            Some(Value::Bignum(_)) => Some(usize::MAX),
            _ => None,
        };
        o.level = count(level);
        o.length = count(length);
        if let Some(v) = circle {
            o.circle = v.truthy();
        }
        if let Some(v) = gensym {
            o.gensym = v.truthy();
        }
        if let Some(v) = array {
            o.array = v.truthy();
        }
        o
    }

    /// `*print-level*` unless printing readably (CLHS 22.1.3.1 ff., `*print-readably*`).
    fn level_limit(&self) -> Option<usize> {
        self.level.filter(|_| !self.readably)
    }

    /// `*print-length*` unless printing readably.
    fn length_limit(&self) -> Option<usize> {
        self.length.filter(|_| !self.readably)
    }
}

thread_local! {
    /// The printer variables `PrintOptions::from_globals` reads, in the
    /// order it destructures them.
    static PRINTER_VARS: [crate::eval::value::Sym; 10] = [
        "*PRINT-ESCAPE*",
        "*PRINT-BASE*",
        "*PRINT-RADIX*",
        "*PRINT-READABLY*",
        "*PRINT-PRETTY*",
        "*PRINT-LEVEL*",
        "*PRINT-LENGTH*",
        "*PRINT-CIRCLE*",
        "*PRINT-GENSYM*",
        "*PRINT-ARRAY*",
    ]
    .map(package::cl_sym);
}

/// `prin1-to-string`: `*print-escape*` true, the other variables as set.
pub fn prin1_to_string(v: &Value) -> String {
    write_to_string(
        v,
        &PrintOptions {
            escape: true,
            ..PrintOptions::from_globals()
        },
    )
}

/// `princ-to-string`: `*print-escape*` and `*print-readably*` false.
pub fn princ_to_string(v: &Value) -> String {
    write_to_string(
        v,
        &PrintOptions {
            escape: false,
            readably: false,
            ..PrintOptions::from_globals()
        },
    )
}

/// `write-to-string` with explicit options.
pub fn write_to_string(v: &Value, opts: &PrintOptions) -> String {
    let mut out = String::new();
    write_value(&mut out, v, opts);
    out
}

/// Append the printed form of `v` to `out`.
pub fn write_value(out: &mut String, v: &Value, opts: &PrintOptions) {
    write_value_hooked(out, v, opts, None);
}

/// Text for an object the object system prints (`print-object`, CLHS
/// 22.1.3.13), or `None` to print it the usual way.
pub type PrintHook<'h> = &'h mut dyn FnMut(&Value, &PrintOptions) -> Option<String>;

/// `write_value`, asking `hook` first about each standard instance,
/// structure and function met on the way.
pub fn write_value_hooked(
    out: &mut String,
    v: &Value,
    opts: &PrintOptions,
    hook: Option<PrintHook>,
) {
    let mut ops = Vec::new();
    write_doc_hooked(out, &mut ops, v, opts, hook);
}

/// What the pretty printer is told between two pieces of text.
#[derive(Clone, Debug)]
pub enum DocOp {
    Start {
        prefix: &'static str,
        suffix: &'static str,
    },
    End,
    Newline(pretty::NewlineKind),
    /// `pprint-indent` (`~nI`, `~:I`): `block` false for `:current`.
    Indent {
        block: bool,
        n: i64,
    },
}

/// Why printing stopped before the end.
#[derive(Debug)]
pub enum PrintFailure {
    /// `*print-readably*` and an object with no readable syntax
    /// (CLHS 22.1.3.13, `print-not-readable`).
    NotReadable(Value),
    /// The text outgrew the memory available (a `storage-condition`).
    TooLarge,
}

/// `write_value_hooked` collecting, with `opts.pretty`, the pretty
/// printer's operations at their byte positions in `out`.
pub fn write_doc_hooked(
    out: &mut String,
    ops: &mut Vec<(usize, DocOp)>,
    v: &Value,
    opts: &PrintOptions,
    hook: Option<PrintHook>,
) {
    let _ = write_doc_checked(out, ops, v, opts, hook);
}

/// [`write_doc_hooked`], telling why printing stopped early.
pub fn write_doc_checked(
    out: &mut String,
    ops: &mut Vec<(usize, DocOp)>,
    v: &Value,
    opts: &PrintOptions,
    hook: Option<PrintHook>,
) -> Result<(), PrintFailure> {
    let mut printer = Printer {
        hook,
        ops,
        out,
        opts: PrintOptions {
            escape: opts.escape || opts.readably,
            ..opts.clone()
        },
        stack: vec![Task::Obj(v.clone())],
        active: HashSet::new(),
        float_marker: default_float_is_double(),
        depth: crate::builtins::pretty::current_level(),
        failure: None,
    };
    printer.run();
    match printer.failure {
        Some(f) => Err(f),
        None => Ok(()),
    }
}

/// Spare room kept in the output (taken fallibly before each step).
const SPARE: usize = 1 << 16;
const SPARE_OPS: usize = 1 << 10;

/// Pending printer work.
enum Task {
    Obj(Value),
    Text(&'static str),
    Owned(String),
    /// The rest of a list after its first element: the tail, and the
    /// tortoise of the cycle check with the step count.
    ListRest {
        rest: Value,
        tortoise: Value,
        steps: usize,
    },
    /// Leaving the object with this address (for cycle detection; 0:
    /// none), and its level of nesting when `level`.
    Leave {
        addr: usize,
        level: bool,
    },
    /// A pretty-printer operation at this point.
    Op(DocOp),
    /// A code layout (`layout.rs`) at step `pc` over the rest of its list.
    Layout {
        prog: &'static [layout::L],
        pc: usize,
        rest: Value,
        /// Elements printed so far (`*print-length*`).
        count: usize,
    },
}

struct Printer<'o, 'h> {
    out: &'o mut String,
    ops: &'o mut Vec<(usize, DocOp)>,
    hook: Option<PrintHook<'h>>,
    opts: PrintOptions,
    stack: Vec<Task>,
    /// Conses, vectors and structures being printed (enclosing the
    /// current position).
    active: HashSet<usize>,
    /// Is `*read-default-float-format*` double-float?
    float_marker: bool,
    /// Lists, vectors and structures enclosing the current position,
    /// with the logical blocks around this printing (`*print-level*`).
    depth: usize,
    /// Set when printing must stop.
    failure: Option<PrintFailure>,
}

impl Printer<'_, '_> {
    fn run(&mut self) {
        while let Some(task) = self.stack.pop() {
            if self.failure.is_some() {
                return;
            }
            // Room for the next piece of text, taken fallibly once the
            // output is large: huge output is a storage-condition, not an
            // abort (docs/reliability.md). Small output grows as usual, so
            // printing a number does not allocate the spare room.
            if (self.out.len() >= SPARE
                && self.out.capacity() - self.out.len() < SPARE
                && self.out.try_reserve(SPARE).is_err())
                || (self.ops.len() >= SPARE_OPS
                    && self.ops.capacity() - self.ops.len() < SPARE_OPS
                    && self.ops.try_reserve(SPARE_OPS).is_err())
            {
                self.failure = Some(PrintFailure::TooLarge);
                return;
            }
            match task {
                Task::Obj(v) => self.object(v),
                Task::Text(s) => self.out.push_str(s),
                Task::Owned(s) => self.out.push_str(&s),
                Task::ListRest {
                    rest,
                    tortoise,
                    steps,
                } => self.list_rest(rest, tortoise, steps),
                Task::Leave { addr, level } => {
                    self.active.remove(&addr);
                    if level {
                        self.depth = self.depth.saturating_sub(1);
                    }
                }
                Task::Op(op) => self.ops.push((self.out.len(), op)),
                Task::Layout {
                    prog,
                    pc,
                    rest,
                    count,
                } => self.layout(prog, pc, rest, count),
            }
        }
    }

    /// Mark `p` active until the tasks pushed after this call are done,
    /// one level deeper when `level`; false when it is printed already:
    /// `#` past `*print-level*`, `...` for a cycle (without
    /// `*print-circle*`, which labels it instead).
    fn enter(&mut self, p: usize, level: bool) -> bool {
        if level && self.opts.level_limit().is_some_and(|l| self.depth >= l) {
            self.out.push('#');
            return false;
        }
        let addr = if circle::active() { 0 } else { p };
        if addr != 0 && !self.active.insert(addr) {
            self.out.push_str("...");
            return false;
        }
        if level {
            self.depth += 1;
        }
        self.stack.push(Task::Leave { addr, level });
        true
    }

    /// Stop with `print-not-readable` when printing readably; true then.
    fn not_readable(&mut self, v: &Value) -> bool {
        if self.opts.readably {
            self.failure = Some(PrintFailure::NotReadable(v.clone()));
            return true;
        }
        false
    }

    /// An `Array` (CLHS 22.1.3.6-8): a string, `#*bits`, `#(...)` or
    /// `#nA(...)` with the elements nested by dimension.
    fn array(&mut self, v: &Value, a: &crate::eval::array::Array) {
        use crate::builtins::sequences::shape;
        use crate::eval::array::Elem;
        if a.elem == Elem::Nil && a.total_size() > 0 {
            if self.not_readable(v) {
                return;
            }
            let ty = shape::array_type_text(v);
            self.out.push_str(&format!("#<{ty}>"));
            return;
        }
        if let Some(text) = shape::string_text(v) {
            self.string(&text);
            return;
        }
        if !self.opts.array && !self.opts.readably {
            self.unreadable_array(v);
            return;
        }
        let rank = a.rank();
        if a.is_bit_vector() {
            self.out.push_str("#*");
            for b in shape::vector_items(v).unwrap_or_default() {
                self.out.push(if matches!(b, Value::Fixnum(1)) {
                    '1'
                } else {
                    '0'
                });
            }
            return;
        }
        // A multi-dimensional array's levels are its axes (`Grid`).
        if !self.enter(a as *const crate::eval::array::Array as usize, rank == 1) {
            return;
        }
        let mut tasks = Vec::new();
        if rank == 1 {
            self.out.push('#');
            let items = shape::vector_items(v).unwrap_or_default();
            let shown = self.opts.length_limit().unwrap_or(usize::MAX);
            let more = items.len() > shown;
            tasks.push(Task::Text("("));
            for (i, x) in items.into_iter().enumerate().take(shown) {
                if i > 0 {
                    tasks.push(Task::Text(" "));
                }
                tasks.push(Task::Obj(x));
            }
            if more {
                tasks.push(Task::Text(if shown == 0 { "..." } else { " ..." }));
            }
            tasks.push(Task::Text(")"));
        } else {
            self.out.push_str(&format!("#{rank}A"));
            let dims = a.dims.borrow().clone();
            // Axes up to the first empty one; below it each leaf is `()`
            // (rank 0: one leaf, the element).
            let shown = dims.iter().position(|d| *d == 0).unwrap_or(rank);
            let dims = &dims[..shown];
            // Only empty arrays have more leaves than elements: `()` for
            // each of billions of rows would exhaust memory, so those
            // print unreadably.
            let Some(leaves) = dims
                .iter()
                .try_fold(1usize, |acc, d| acc.checked_mul(*d))
                .filter(|n| *n <= a.total_size().max(1 << 20))
            else {
                self.out
                    .truncate(self.out.len() - format!("#{rank}A").len());
                self.out
                    .push_str(&format!("#<{}>", shape::array_type_text(v)));
                return;
            };
            let _ = leaves;
            let grid = Grid {
                v,
                dims,
                empty_leaves: shown < rank,
                length: self.opts.length_limit().unwrap_or(usize::MAX),
                // Each axis is a level (SBCL descends into each row).
                levels: self
                    .opts
                    .level_limit()
                    .map(|l| l.saturating_sub(self.depth)),
            };
            grid.tasks(0, 0, &mut tasks);
        }
        self.stack.extend(tasks.into_iter().rev());
    }

    /// An array under `*print-array*` false: `#<(SIMPLE-VECTOR 5)>`.
    fn unreadable_array(&mut self, v: &Value) {
        let ty = crate::builtins::sequences::shape::array_type_text(v);
        self.out.push_str("#<");
        self.out.push_str(&ty);
        self.out.push('>');
    }

    fn object(&mut self, v: Value) {
        let escape = self.opts.escape;
        if circle::candidate(&v) && circle::active() {
            match circle::check(&v, true) {
                circle::Check::Print => {}
                circle::Check::Skip => return,
                circle::Check::Refer(n) => {
                    self.out.push_str(&format!("#{n}#"));
                    return;
                }
                circle::Check::Define(n) => self.out.push_str(&format!("#{n}=")),
            }
        }
        if self.opts.dispatch
            || matches!(&v, Value::Object(_) | Value::Struct(_) | Value::Function(_))
        {
            if let Some(hook) = self.hook.as_mut() {
                // Logical blocks opened by the hook's Lisp code count
                // the levels this printing is inside.
                let outer = crate::builtins::pretty::current_level();
                crate::builtins::pretty::set_level(self.depth);
                let text = hook(&v, &self.opts);
                crate::builtins::pretty::set_level(outer);
                if let Some(text) = text {
                    self.out.push_str(&text);
                    return;
                }
            }
        }
        match &v {
            Value::Nil => symbol::write_symbol_styled(
                self.out,
                &package::nil_symbol(),
                escape,
                self.opts.base,
                symbol_case::Style::printing(self.opts.readably),
            ),
            Value::Symbol(s)
                if escape
                    && !self.opts.gensym
                    && !self.opts.readably
                    && s.package.borrow().is_none() =>
            {
                symbol::write_name(self.out, &s.name, self.opts.base)
            }
            Value::Symbol(s) => symbol::write_symbol_styled(
                self.out,
                s,
                escape,
                self.opts.base,
                symbol_case::Style::printing(self.opts.readably),
            ),
            Value::Cons(c) => {
                let quoted = reader_macro_form(&v);
                if !self.enter(Rc::as_ptr(c) as usize, quoted.is_none()) {
                    return;
                }
                if let Some((prefix, arg)) = quoted {
                    self.out.push_str(prefix);
                    self.stack.push(Task::Obj(arg));
                    return;
                }
                let car = c.car.borrow().clone();
                let none_shown = self.opts.length_limit() == Some(0);
                if self.opts.pretty {
                    // SBCL's pprint-fill for data, pprint-fun-call when
                    // the car names a function (~:<~^~W~^ ~:_~:I~@{~W~^ ~:_~}~:>).
                    self.out.push('(');
                    self.ops.push((
                        self.out.len(),
                        DocOp::Start {
                            prefix: "(",
                            suffix: ")",
                        },
                    ));
                    self.stack.push(Task::Text(")"));
                    self.stack.push(Task::Op(DocOp::End));
                    if none_shown {
                        self.out.push_str("...");
                        return;
                    }
                    if let Some(prog) = layout::for_form(&car).filter(|_| is_proper_list(&v)) {
                        self.stack.push(Task::Layout {
                            prog,
                            pc: 0,
                            rest: v.clone(),
                            count: 0,
                        });
                        return;
                    }
                } else {
                    self.out.push('(');
                    self.stack.push(Task::Text(")"));
                    if none_shown {
                        self.out.push_str("...");
                        return;
                    }
                }
                let cdr = c.cdr.borrow().clone();
                self.stack.push(Task::ListRest {
                    rest: cdr,
                    tortoise: v.clone(),
                    steps: 0,
                });
                self.stack.push(Task::Obj(car));
            }
            Value::Fixnum(n) => self.integer(&num_bigint::BigInt::from(*n)),
            Value::Bignum(n) => self.integer(n),
            Value::Ratio(r) => {
                self.radix_prefix(true);
                self.out.push_str(&digits(r.numer(), self.opts.base));
                self.out.push('/');
                self.out.push_str(&digits(r.denom(), self.opts.base));
            }
            Value::Single(f) => {
                let m = if self.float_marker {
                    Marker::Single
                } else {
                    Marker::Default
                };
                self.out.push_str(&float::single(*f, m));
            }
            Value::Double(f) => {
                let m = if self.float_marker {
                    Marker::Default
                } else {
                    Marker::Double
                };
                self.out.push_str(&float::double(*f, m));
            }
            Value::Char(c) => {
                if escape {
                    self.out.push_str("#\\");
                    self.out.push_str(&char_name(*c));
                } else {
                    self.out.push(*c);
                }
            }
            Value::String(s) => {
                let s = s.borrow();
                self.string(&s);
            }
            Value::Vector(items) => {
                if !self.opts.array && !self.opts.readably {
                    self.unreadable_array(&v);
                    return;
                }
                if !self.enter(Rc::as_ptr(items) as usize, true) {
                    return;
                }
                let items = items.borrow();
                let shown = self.opts.length_limit().unwrap_or(usize::MAX);
                if self.opts.pretty {
                    self.out.push_str("#(");
                    self.ops.push((
                        self.out.len(),
                        DocOp::Start {
                            prefix: "#(",
                            suffix: ")",
                        },
                    ));
                    self.stack.push(Task::Text(")"));
                    self.stack.push(Task::Op(DocOp::End));
                } else {
                    self.out.push_str("#(");
                    self.stack.push(Task::Text(")"));
                }
                if items.len() > shown {
                    self.stack
                        .push(Task::Text(if shown == 0 { "..." } else { " ..." }));
                }
                for (i, item) in items.iter().enumerate().take(shown).rev() {
                    self.stack.push(Task::Obj(item.clone()));
                    if i > 0 {
                        if self.opts.pretty {
                            self.stack
                                .push(Task::Op(DocOp::Newline(pretty::NewlineKind::Fill)));
                        }
                        self.stack.push(Task::Text(" "));
                    }
                }
            }
            Value::Bytes(bytes) => {
                if !self.opts.array && !self.opts.readably {
                    self.unreadable_array(&v);
                    return;
                }
                if self.opts.level_limit().is_some_and(|l| self.depth >= l) {
                    self.out.push('#');
                    return;
                }
                let bytes = bytes.borrow();
                let shown = self.opts.length_limit().unwrap_or(usize::MAX);
                self.out.push_str("#(");
                for (i, b) in bytes.iter().enumerate().take(shown) {
                    if i > 0 {
                        self.out.push(' ');
                    }
                    self.integer(&num_bigint::BigInt::from(*b));
                }
                if bytes.len() > shown {
                    self.out.push_str(if shown == 0 { "..." } else { " ..." });
                }
                self.out.push(')');
            }
            Value::Array(a) => self.array(&v, a),
            Value::Complex(c) => {
                self.out.push_str("#C(");
                self.stack.push(Task::Text(")"));
                self.stack.push(Task::Obj(c.im.clone()));
                self.stack.push(Task::Text(" "));
                self.stack.push(Task::Obj(c.re.clone()));
            }
            Value::Function(_)
            | Value::HashTable(_)
            | Value::Package(_)
            | Value::Stream(_)
            | Value::Object(_)
                if self.not_readable(&v) => {}
            Value::Function(f) => self.function(f),
            Value::HashTable(h) => {
                let test = match h.test {
                    HashTest::Eq => "EQ",
                    HashTest::Eql => "EQL",
                    HashTest::Equal => "EQUAL",
                    HashTest::Equalp => "EQUALP",
                };
                let count = h.map.try_borrow().map_or(0, |m| m.len());
                self.out
                    .push_str(&format!("#<HASH-TABLE :TEST {test} :COUNT {count}>"));
            }
            Value::Package(p) if p.is_deleted() => self.out.push_str("#<PACKAGE (deleted)>"),
            Value::Package(p) => {
                self.out.push_str("#<PACKAGE ");
                self.string_escaped(&p.name());
                self.out.push('>');
            }
            Value::Stream(s) => {
                let desc = match s.kind.try_borrow().as_deref() {
                    Ok(StreamKind::Stdout) => "FD-STREAM for \"standard output\"".to_string(),
                    Ok(StreamKind::Stderr) => "FD-STREAM for \"standard error\"".to_string(),
                    Ok(StreamKind::Stdin(_)) => "FD-STREAM for \"standard input\"".to_string(),
                    Ok(StreamKind::StringOut(_)) => "STRING-OUTPUT-STREAM".to_string(),
                    Ok(StreamKind::StringIn(_)) => "STRING-INPUT-STREAM".to_string(),
                    Ok(StreamKind::FileIn(_) | StreamKind::FileOut(_) | StreamKind::FileIo(_)) => {
                        format!("FD-STREAM for \"file {}\"", s.path.as_deref().unwrap_or(""))
                    }
                    Ok(StreamKind::Synonym(sym)) => format!("SYNONYM-STREAM :SYMBOL {}", sym.name),
                    Ok(
                        StreamKind::Null
                        | StreamKind::TwoWay(..)
                        | StreamKind::Broadcast(_)
                        | StreamKind::Concatenated(..)
                        | StreamKind::Echo(..),
                    ) => s.class_name().to_string(),
                    Ok(StreamKind::Reader(_)) => "MIME-PART-INPUT-STREAM".to_string(),
                    Ok(StreamKind::Pretty(_)) => "PRETTY-STREAM".to_string(),
                    Err(_) => "STREAM".to_string(),
                };
                self.out.push_str(&format!("#<{desc}>"));
            }
            Value::Pathname(p) => {
                let name = p.namestring();
                if escape {
                    self.out.push_str("#P");
                    self.string_escaped(&name);
                } else {
                    self.out.push_str(&name);
                }
            }
            Value::Struct(s) => self.structure(s),
            Value::Object(o) => {
                if let Some(inst) = o.as_any().downcast_ref::<crate::clos::instance::Instance>() {
                    // A standard instance without print-object: its class
                    // name, as SBCL's default method prints it (no address).
                    self.out.push_str("#<");
                    match crate::clos::instance::class_name(inst) {
                        Value::Symbol(s) => write_symbol(self.out, &s, true, self.opts.base),
                        _ => self.out.push_str("INSTANCE"),
                    }
                    self.out.push('>');
                    return;
                }
                let describe = o.describe();
                self.out.push_str("#<");
                self.out.push_str(o.type_name());
                if !describe.is_empty() {
                    self.out.push(' ');
                    self.out.push_str(&describe);
                }
                self.out.push('>');
            }
        }
    }

    /// Is the list tail `rest` shared under `*print-circle*`, so that it
    /// prints after a dot as `#n#` or `#n=(...)`?
    fn shared_tail(&mut self, rest: &Value) -> bool {
        circle::active() && circle::check(rest, false) != circle::Check::Print
    }

    fn list_rest(&mut self, rest: Value, tortoise: Value, steps: usize) {
        match &rest {
            Value::Nil => {}
            Value::Cons(_) if is_comma_form(&rest) || self.shared_tail(&rest) => {
                self.separator();
                self.out.push_str(". ");
                self.stack.push(Task::Obj(rest));
            }
            Value::Cons(c) => {
                if steps > 0 && rest.eq(&tortoise) && !circle::active() {
                    self.out.push_str(" ...");
                    return;
                }
                if self.opts.length_limit() == Some(steps + 1) {
                    self.out.push_str(" ...");
                    return;
                }
                self.separator();
                let tortoise = if steps % 2 == 1 {
                    tortoise.cdr()
                } else {
                    tortoise
                };
                self.stack.push(Task::ListRest {
                    rest: c.cdr.borrow().clone(),
                    tortoise,
                    steps: steps + 1,
                });
                self.stack.push(Task::Obj(c.car.borrow().clone()));
            }
            _ => {
                self.separator();
                self.out.push_str(". ");
                self.stack.push(Task::Obj(rest));
            }
        }
    }

    /// Run a code layout from step `pc`; an element to print pushes the
    /// rest of the layout and stops.
    fn layout(&mut self, prog: &'static [layout::L], mut pc: usize, rest: Value, count: usize) {
        use layout::L;
        while let Some(step) = prog.get(pc) {
            match step {
                L::Text(t) => self.out.push_str(t),
                L::Nl(k) => self.ops.push((self.out.len(), DocOp::Newline(*k))),
                L::Indent { block, n } => self.ops.push((
                    self.out.len(),
                    DocOp::Indent {
                        block: *block,
                        n: *n,
                    },
                )),
                L::Exit => {
                    if rest.is_nil() {
                        return;
                    }
                }
                L::Loop => {
                    if rest.is_nil() {
                        pc = layout::loop_end(prog, pc) + 1;
                        continue;
                    }
                }
                L::EndLoop => {
                    pc = layout::loop_start(prog, pc);
                    continue;
                }
                L::W | L::Sub(_) => {
                    // pprint-pop: a dotted or shared tail, then *print-length*.
                    if !rest.is_list() || (count > 0 && rest.is_cons() && self.shared_tail(&rest)) {
                        self.out.push_str(". ");
                        self.stack.push(Task::Obj(rest));
                        return;
                    }
                    if self.opts.length_limit() == Some(count) {
                        self.out.push_str("...");
                        return;
                    }
                    let elem = rest.car();
                    self.stack.push(Task::Layout {
                        prog,
                        pc: pc + 1,
                        rest: rest.cdr(),
                        count: count + 1,
                    });
                    match step {
                        L::Sub(_)
                            if elem.is_cons()
                                && circle::active()
                                && circle::check(&elem, false) != circle::Check::Print =>
                        {
                            self.stack.push(Task::Obj(elem));
                        }
                        L::Sub(_)
                            if elem.is_cons()
                                && self.opts.level_limit().is_some_and(|l| self.depth >= l) =>
                        {
                            self.out.push('#');
                        }
                        L::Sub(p) if elem.is_list() && is_proper_list(&elem) => {
                            if elem.is_cons() {
                                self.depth += 1;
                                self.stack.push(Task::Leave {
                                    addr: 0,
                                    level: true,
                                });
                            }
                            self.out.push('(');
                            self.ops.push((
                                self.out.len(),
                                DocOp::Start {
                                    prefix: "(",
                                    suffix: ")",
                                },
                            ));
                            self.stack.push(Task::Text(")"));
                            self.stack.push(Task::Op(DocOp::End));
                            self.stack.push(Task::Layout {
                                prog: p,
                                pc: 0,
                                rest: elem,
                                count: 0,
                            });
                        }
                        _ => self.stack.push(Task::Obj(elem)),
                    }
                    return;
                }
            }
            pc += 1;
        }
    }

    /// The space between list elements, with a fill-style conditional
    /// newline when pretty printing (` ~:_`).
    fn separator(&mut self) {
        self.out.push(' ');
        if self.opts.pretty {
            self.ops
                .push((self.out.len(), DocOp::Newline(pretty::NewlineKind::Fill)));
        }
    }

    fn integer(&mut self, n: &num_bigint::BigInt) {
        self.radix_prefix(false);
        self.out.push_str(&digits(n, self.opts.base));
        if self.opts.radix && self.opts.base == 10 {
            self.out.push('.');
        }
    }

    /// `*print-radix*` prefix (CLHS 22.1.3.1.1). Decimal integers get a
    /// trailing `.` instead; decimal ratios get `#10r`.
    fn radix_prefix(&mut self, ratio: bool) {
        if !self.opts.radix {
            return;
        }
        match self.opts.base {
            2 => self.out.push_str("#b"),
            8 => self.out.push_str("#o"),
            16 => self.out.push_str("#x"),
            10 if !ratio => {}
            b => self.out.push_str(&format!("#{b}r")),
        }
    }

    fn string(&mut self, s: &str) {
        if self.opts.escape {
            self.string_escaped(s);
        } else {
            self.out.push_str(s);
        }
    }

    fn string_escaped(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            if c == '"' || c == '\\' {
                self.out.push('\\');
            }
            self.out.push(c);
        }
        self.out.push('"');
    }

    fn function(&mut self, f: &Function) {
        self.out.push_str("#<FUNCTION ");
        match f {
            Function::Builtin(b) => write_symbol(self.out, &b.name, true, 10),
            Function::Native(n) => write_symbol(self.out, &n.name, true, 10),
            Function::Closure(c) => match c.name.try_borrow().ok().and_then(|n| n.clone()) {
                Some(name) => {
                    let text = write_to_string(&name, &PrintOptions::default());
                    self.out.push_str(&text);
                }
                None => {
                    self.out.push_str("(LAMBDA ");
                    let text = lambda_list_text(&c.lambda_list);
                    self.out.push_str(&text);
                    self.out.push(')');
                }
            },
        }
        self.out.push('>');
    }

    /// `#S(NAME :SLOT value ...)`, or `#<NAME>` for a condition.
    fn structure(&mut self, s: &Rc<StructObj>) {
        if s.class.is_condition {
            self.out.push_str("#<");
            write_symbol(self.out, &s.class.name, true, self.opts.base);
            self.out.push('>');
            return;
        }
        if !self.enter(Rc::as_ptr(s) as usize, true) {
            return;
        }
        self.out.push_str("#S(");
        write_symbol(self.out, &s.class.name, self.opts.escape, self.opts.base);
        self.stack.push(Task::Text(")"));
        let values = s.slots.try_borrow().map(|v| v.clone()).unwrap_or_default();
        let shown = self.opts.length_limit().unwrap_or(usize::MAX);
        if s.class.slots.len() > shown {
            self.stack.push(Task::Text(" ..."));
        }
        let mut tasks = Vec::new();
        for (slot, value) in s.class.slots.iter().zip(values).take(shown) {
            let mut key = String::from(" :");
            symbol::write_name(&mut key, &slot.name.name, self.opts.base);
            key.push(' ');
            tasks.push((key, value));
        }
        for (key, value) in tasks.into_iter().rev() {
            self.stack.push(Task::Obj(value));
            self.stack.push(Task::Owned(key));
        }
    }
}

/// The nested lists of a multi-dimensional array's contents.
struct Grid<'a> {
    v: &'a Value,
    dims: &'a [usize],
    /// The axes past `dims` are empty: each leaf is `()`.
    empty_leaves: bool,
    length: usize,
    /// Levels left below the array's own (`None`: no limit).
    levels: Option<usize>,
}

impl Grid<'_> {
    /// The tasks for the elements of axis `axis` starting at row-major
    /// index `base` (recursion as deep as the rank).
    fn tasks(&self, axis: usize, base: usize, tasks: &mut Vec<Task>) {
        if axis == self.dims.len() {
            if self.empty_leaves {
                tasks.push(Task::Text("()"));
            } else {
                let item = crate::builtins::sequences::shape::rm_get(self.v, base);
                tasks.push(Task::Obj(item.unwrap_or(Value::Nil)));
            }
            return;
        }
        if self.levels.is_some_and(|l| axis >= l) {
            tasks.push(Task::Text("#"));
            return;
        }
        let span: usize = self.dims[axis + 1..].iter().product();
        tasks.push(Task::Text("("));
        for j in 0..self.dims[axis] {
            if j == self.length {
                tasks.push(Task::Text(if j == 0 { "..." } else { " ..." }));
                break;
            }
            if j > 0 {
                tasks.push(Task::Text(" "));
            }
            self.tasks(axis + 1, base + j * span, tasks);
        }
        tasks.push(Task::Text(")"));
    }
}

/// `(QUOTE x)` prints as `'x`, `(FUNCTION x)` as `#'x`, and the backquote
/// forms as `` `x``, `,x` and `,@x` (as SBCL's printer does).
fn reader_macro_form(v: &Value) -> Option<(&'static str, Value)> {
    let Value::Symbol(op) = v.car() else {
        return None;
    };
    let rest = v.cdr();
    if !rest.is_cons() || !rest.cdr().is_nil() {
        return None;
    }
    let home = op.package.borrow().as_ref().map(|p| p.name());
    let prefix = match (home.as_deref(), op.name.as_str()) {
        (Some("COMMON-LISP"), "QUOTE") => "'",
        (Some("COMMON-LISP"), "FUNCTION") => "#'",
        (Some("SENDLETTER"), "QUASIQUOTE") => "`",
        (Some("SENDLETTER"), "UNQUOTE") => ",",
        (Some("SENDLETTER"), "UNQUOTE-SPLICING") => ",@",
        _ => return None,
    };
    Some((prefix, rest.car()))
}

/// Is `v` a proper list (no dotted tail, no cycle)?
fn is_proper_list(v: &Value) -> bool {
    let (mut slow, mut fast) = (v.clone(), v.clone());
    loop {
        match &fast {
            Value::Nil => return true,
            Value::Cons(_) => {}
            _ => return false,
        }
        fast = fast.cdr();
        match &fast {
            Value::Nil => return true,
            Value::Cons(_) => {}
            _ => return false,
        }
        fast = fast.cdr();
        slow = slow.cdr();
        if fast.eq(&slow) {
            return false;
        }
    }
}

/// `,x` or `,@x` in the tail of a list prints after a dot: `` `(a . ,b)``.
fn is_comma_form(v: &Value) -> bool {
    matches!(reader_macro_form(v), Some((",", _)) | Some((",@", _)))
}

/// Digits of `n` in `base`, upper case, with a leading `-` when negative.
fn digits(n: &num_bigint::BigInt, base: u32) -> String {
    let mut text = crate::builtins::numbers::radix::to_string_radix(n, base);
    text.make_ascii_uppercase();
    text
}

/// The text after `#\` (SBCL's names for ASCII control characters).
fn char_name(c: char) -> String {
    match c {
        ' ' => " ".to_string(),
        '\x00'..='\x1f' | '\x7f' => crate::reader::char_names()
            .iter()
            .find(|&&(_, code)| code == c)
            .map_or_else(
                || format!("U+{:X}", c as u32),
                |&(name, _)| name.to_string(),
            ),
        _ if c.is_control() => format!("U+{:X}", c as u32),
        _ => c.to_string(),
    }
}

/// A closure's lambda list for `#<FUNCTION (LAMBDA (X &OPTIONAL Y))>`.
fn lambda_list_text(ll: &LambdaList) -> String {
    fn param(out: &mut Vec<String>, p: &Param) {
        match p {
            Param::Var(s) => out.push(prin1_to_string(&package::sym_value(s.clone()))),
            Param::Pattern(inner) => out.push(lambda_list_text(inner)),
        }
    }
    let mut parts = Vec::new();
    if let Some(w) = &ll.whole {
        parts.push("&WHOLE".to_string());
        param(&mut parts, w);
    }
    for p in &ll.required {
        param(&mut parts, p);
    }
    if !ll.optional.is_empty() {
        parts.push("&OPTIONAL".to_string());
        for o in &ll.optional {
            param(&mut parts, &o.var);
        }
    }
    if let Some(r) = &ll.rest {
        parts.push("&REST".to_string());
        param(&mut parts, r);
    }
    if ll.has_key {
        parts.push("&KEY".to_string());
        for k in &ll.key {
            param(&mut parts, &k.var);
        }
        if ll.allow_other_keys {
            parts.push("&ALLOW-OTHER-KEYS".to_string());
        }
    }
    format!("({})", parts.join(" "))
}

/// Is `*read-default-float-format*` double-float (or long-float)?
fn default_float_is_double() -> bool {
    matches!(
        crate::eval::package::cl_var!("*READ-DEFAULT-FLOAT-FORMAT*").value.borrow().as_ref(),
        Some(Value::Symbol(s)) if s.name == "DOUBLE-FLOAT" || s.name == "LONG-FLOAT"
    )
}

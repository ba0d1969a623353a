//! Sharpsign dispatch macros (CLHS 2.4.8, Figure 2-19).

use std::rc::Rc;

use super::number::parse_rational;
use super::readtable::DispatchFn;
use super::{is_whitespace, wrap, Item, MacroCall, Opener, ReadContext, ReadError, Reader};
use crate::eval::array::{Array, Elem};
use crate::eval::package;
use crate::eval::value::Pathname;
use crate::eval::Value;

/// The longest vector `#n(...)` may ask for.
const MAX_VECTOR_ARG: usize = 1 << 20;

impl Reader<'_> {
    /// After a dispatching macro character `disp` (`#`) at `open`: optional
    /// decimal argument, then the sub-character, looked up in the
    /// readtable's dispatch table (CLHS 2.1.4.4).
    pub(super) fn read_dispatch(
        &mut self,
        ctx: &mut dyn ReadContext,
        disp: char,
        open: usize,
    ) -> Result<Item, ReadError> {
        let opener = Opener {
            what: "a # dispatch",
            pos: open,
        };
        let mut arg: Option<usize> = None;
        while let Some(d) = self.peek().and_then(|c| c.to_digit(10)) {
            self.pos += 1;
            arg = Some(
                arg.unwrap_or(0)
                    .saturating_mul(10)
                    .saturating_add(d as usize),
            );
        }
        let Some(sub) = self.bump() else {
            return Err(self.eof(opener));
        };
        self.dispatch_sub(ctx, disp, sub, arg, open)
    }

    /// The dispatch macro of `disp` for `sub` with argument `arg`.
    pub(super) fn dispatch_sub(
        &mut self,
        ctx: &mut dyn ReadContext,
        disp: char,
        sub: char,
        arg: Option<usize>,
        open: usize,
    ) -> Result<Item, ReadError> {
        let opener = Opener {
            what: "a # dispatch",
            pos: open,
        };
        let std = match self.settings.readtable.dispatch_fn(disp, sub) {
            Some(DispatchFn::Std(x)) => x,
            Some(DispatchFn::Lisp(f)) => {
                return self.call_lisp_macro(
                    ctx,
                    MacroCall {
                        function: &f,
                        ch: disp,
                        dispatch: Some((sub, arg)),
                    },
                    open,
                )
            }
            None if is_whitespace(sub) => {
                return Err(self.syntax(
                    open,
                    format!("{disp} followed by whitespace is not valid syntax"),
                ))
            }
            None => {
                return Err(self.syntax(
                    open,
                    format!("undefined dispatch macro character {disp}{sub}"),
                ))
            }
        };
        match std.to_ascii_lowercase() {
            '\\' => self.read_character(open),
            '\'' => {
                let v = self.read_next(
                    ctx,
                    Opener {
                        what: "a #' form",
                        pos: open,
                    },
                )?;
                Ok(Item::Obj(wrap(package::cl_sym("FUNCTION"), v)))
            }
            '(' => self.read_vector(ctx, open, arg).map(Item::Obj),
            '|' => self.skip_block_comment(open).map(|_| Item::Nothing),
            '+' | '-' => self.read_conditional(ctx, open, std == '+'),
            '.' => self.read_eval(ctx, open),
            'p' => {
                let v = self.read_next(
                    ctx,
                    Opener {
                        what: "a #P form",
                        pos: open,
                    },
                )?;
                match v {
                    _ if self.suppress => Ok(Item::Obj(Value::Nil)),
                    Value::String(s) => Ok(Item::Obj(Value::Pathname(Rc::new(Pathname::parse(
                        &s.borrow(),
                    ))))),
                    _ => Err(self.syntax(open, "#P must be followed by a string")),
                }
            }
            'x' => self.read_radix(open, 16),
            'b' => self.read_radix(open, 2),
            'o' => self.read_radix(open, 8),
            'r' => match arg {
                Some(base @ 2..=36) => self.read_radix(open, base as u32),
                _ if self.suppress => self.read_radix(open, 10),
                _ => Err(self.syntax(open, "#r needs a radix between 2 and 36, as in #16rFF")),
            },
            ':' => {
                let tok = self.read_token(None)?;
                if self.suppress {
                    return Ok(Item::Obj(Value::Nil));
                }
                self.uninterned(&tok).map(Item::Obj)
            }
            '*' | 'c' | 'a' | 's' | '=' if self.suppress => {
                self.read_next(ctx, opener)?;
                Ok(Item::Obj(Value::Nil))
            }
            '#' if self.suppress => Ok(Item::Obj(Value::Nil)),
            '*' => self.read_bits(open, arg).map(Item::Obj),
            'c' => {
                let parts = self.read_next(ctx, opener)?;
                let items = parts.list_to_vec().unwrap_or_default();
                let real = |v: &Value| {
                    matches!(
                        v,
                        Value::Fixnum(_)
                            | Value::Bignum(_)
                            | Value::Ratio(_)
                            | Value::Single(_)
                            | Value::Double(_)
                    )
                };
                match items.as_slice() {
                    [re, im] if real(re) && real(im) => {
                        Ok(Item::Obj(crate::builtins::numbers::make_complex(re, im)))
                    }
                    _ => Err(self.syntax(
                        open,
                        "#C must be followed by a list of two reals, as in #C(1 2)",
                    )),
                }
            }
            'a' => {
                let contents = self.read_next(ctx, opener)?;
                self.array_from(open, arg, contents).map(Item::Obj)
            }
            's' => Err(self.unsupported(open, "#S (structures)")),
            '=' | '#' => Err(self.unsupported(open, "#n= and #n# (labels)")),
            '<' => Err(self.syntax(open, "#< starts an object that cannot be read back")),
            ')' => Err(self.syntax(open, "#) is not valid syntax")),
            c if is_whitespace(c) => {
                Err(self.syntax(open, "# followed by whitespace is not valid syntax"))
            }
            c => Err(self.syntax(open, format!("undefined dispatch macro character #{c}"))),
        }
    }

    fn unsupported(&self, at: usize, what: &str) -> ReadError {
        self.syntax(at, format!("{what} syntax is not supported"))
    }

    /// `#\x` (CLHS 2.4.8.1): one character, or a character name.
    fn read_character(&mut self, open: usize) -> Result<Item, ReadError> {
        let at = self.pos;
        let Some(first) = self.bump() else {
            return Err(self.eof(Opener {
                what: "a character name",
                pos: open,
            }));
        };
        let tok = self.read_token(Some((first, at)))?;
        if self.suppress {
            return Ok(Item::Obj(Value::Nil));
        }
        if let [(c, _)] = tok.chars.as_slice() {
            return Ok(Item::Obj(Value::Char(*c)));
        }
        let name = tok.text();
        match char_from_name(&name) {
            Some(c) => Ok(Item::Obj(Value::Char(c))),
            None => Err(self.syntax(open, format!("unrecognized character name: #\\{name}"))),
        }
    }

    /// `#(...)` and `#n(...)` (CLHS 2.4.8.3).
    fn read_vector(
        &mut self,
        ctx: &mut dyn ReadContext,
        open: usize,
        arg: Option<usize>,
    ) -> Result<Value, ReadError> {
        let opener = Opener {
            what: "a vector",
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
                    break;
                }
                Some(_) => {}
            }
            match self.read_item(ctx)? {
                Item::Obj(v) => items.push(v),
                Item::Nothing => {}
                Item::Dot if self.suppress => {}
                Item::Dot => return Err(self.syntax(at, "a dot is not allowed inside a vector")),
            }
        }
        if self.suppress {
            return Ok(Value::Nil);
        }
        if let Some(n) = arg {
            if n > MAX_VECTOR_ARG {
                return Err(self.syntax(open, format!("#{n}( asks for a vector too long to read")));
            }
            if items.len() > n {
                return Err(self.syntax(open, format!("#{n}( given {} elements", items.len())));
            }
            match items.last().cloned() {
                Some(last) => items.resize(n, last),
                None if n > 0 => {
                    return Err(self.syntax(open, format!("#{n}() has no element to repeat")))
                }
                None => {}
            }
        }
        Ok(Value::vector(items))
    }

    /// `#*bits` and `#n*bits` (CLHS 2.4.8.4): a simple bit vector; with
    /// `n`, the last bit repeats to length `n`.
    fn read_bits(&mut self, open: usize, arg: Option<usize>) -> Result<Value, ReadError> {
        let at = self.pos;
        let tok = if self
            .peek()
            .is_some_and(|c| !is_whitespace(c) && !"()\"';`".contains(c))
        {
            self.read_token(None)?.text()
        } else {
            String::new()
        };
        if self.suppress {
            return Ok(Value::Nil);
        }
        let mut bits = Vec::with_capacity(tok.len());
        for c in tok.chars() {
            match c {
                '0' => bits.push(Value::Fixnum(0)),
                '1' => bits.push(Value::Fixnum(1)),
                _ => {
                    return Err(
                        self.syntax(at, format!("illegal element given for bit vector: {c:?}"))
                    )
                }
            }
        }
        if let Some(n) = arg {
            if n > MAX_VECTOR_ARG {
                return Err(self.syntax(
                    open,
                    format!("#{n}* asks for a bit vector too long to read"),
                ));
            }
            if bits.len() > n {
                return Err(self.syntax(open, format!("#{n}* given {} bits", bits.len())));
            }
            match bits.last().cloned() {
                Some(last) => bits.resize(n, last),
                None if n > 0 => {
                    return Err(self.syntax(open, format!("#{n}* has no bit to repeat")))
                }
                None => {}
            }
        }
        let n = bits.len();
        Ok(Value::Array(Rc::new(Array::simple(
            Elem::Bit,
            vec![n],
            bits,
        ))))
    }

    /// `#nA contents` (CLHS 2.4.8.12): an array of rank `n` whose
    /// dimensions are the lengths of the nested sequences.
    fn array_from(
        &self,
        open: usize,
        arg: Option<usize>,
        contents: Value,
    ) -> Result<Value, ReadError> {
        if self.suppress {
            return Ok(Value::Nil);
        }
        let Some(rank) = arg else {
            return Err(self.syntax(open, "#A needs a rank, as in #2A((1 2) (3 4))"));
        };
        if rank >= 129 {
            return Err(self.syntax(
                open,
                format!("#{rank}A: the rank is not below ARRAY-RANK-LIMIT"),
            ));
        }
        let seq_items = |v: &Value| -> Option<Vec<Value>> {
            match v {
                Value::Nil | Value::Cons(_) => v.list_to_vec(),
                Value::Vector(x) => Some(x.borrow().clone()),
                Value::String(s) => Some(s.borrow().chars().map(Value::Char).collect()),
                Value::Bytes(b) => Some(
                    b.borrow()
                        .iter()
                        .map(|x| Value::Fixnum(*x as i64))
                        .collect(),
                ),
                Value::Array(_) => crate::builtins::sequences::shape::vector_items(v),
                _ => None,
            }
        };
        let bad = || {
            self.syntax(open, format!("#{rank}A: the contents do not have {rank} nested sequence levels of equal lengths"))
        };
        let mut dims = Vec::with_capacity(rank);
        let mut cur = contents.clone();
        for _ in 0..rank {
            let items = seq_items(&cur).ok_or_else(bad)?;
            dims.push(items.len());
            cur = items.first().cloned().unwrap_or(Value::Nil);
        }
        let mut level = vec![contents];
        for &d in &dims {
            // Grown as the data is met: the lengths of the first elements
            // alone say nothing about how much there really is.
            let mut next = Vec::new();
            for x in &level {
                let items = seq_items(x).ok_or_else(bad)?;
                if items.len() != d {
                    return Err(bad());
                }
                next.extend(items);
            }
            level = next;
        }
        if dims.iter().try_fold(1usize, |acc, d| acc.checked_mul(*d)) != Some(level.len()) {
            return Err(bad());
        }
        if rank == 1 {
            return Ok(Value::vector(level));
        }
        Ok(Value::Array(Rc::new(Array::simple(Elem::T, dims, level))))
    }

    /// `#| ... |#`, nested (CLHS 2.4.8.19).
    fn skip_block_comment(&mut self, open: usize) -> Result<(), ReadError> {
        let mut openers = vec![open];
        while let Some(&innermost) = openers.last() {
            match self.bump() {
                None => {
                    return Err(self.eof(Opener {
                        what: "a #| comment",
                        pos: innermost,
                    }))
                }
                Some('|') if self.peek() == Some('#') => {
                    self.pos += 1;
                    openers.pop();
                }
                Some('#') if self.peek() == Some('|') => {
                    openers.push(self.pos - 1);
                    self.pos += 1;
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// `#+` / `#-` (CLHS 2.4.8.17-18). The feature expression is read in
    /// KEYWORD and never suppressed (as SBCL); a skipped form is read with
    /// `*read-suppress*` true and produces nothing.
    fn read_conditional(
        &mut self,
        ctx: &mut dyn ReadContext,
        open: usize,
        plus: bool,
    ) -> Result<Item, ReadError> {
        let saved_package = self.package_override.replace(package::keyword_package());
        let saved_suppress = std::mem::replace(&mut self.suppress, false);
        let expr = self.read_next(
            ctx,
            Opener {
                what: "a feature expression",
                pos: open,
            },
        );
        self.package_override = saved_package;
        self.suppress = saved_suppress;
        let holds = feature_holds(&expr?).map_err(|m| self.syntax(open, m))?;
        let opener = Opener {
            what: "a #+/#- form",
            pos: open,
        };
        if holds == plus {
            return self.read_next(ctx, opener).map(Item::Obj);
        }
        let saved = std::mem::replace(&mut self.suppress, true);
        let skipped = self.read_next(ctx, opener);
        self.suppress = saved;
        skipped.map(|_| Item::Nothing)
    }

    /// `#.form` (CLHS 2.4.8.6), only when `*read-eval*` is true.
    fn read_eval(&mut self, ctx: &mut dyn ReadContext, open: usize) -> Result<Item, ReadError> {
        if !self.settings.read_eval && !self.suppress {
            return Err(self.syntax(open, "#. is not allowed: *read-eval* is false"));
        }
        let form = self.read_next(
            ctx,
            Opener {
                what: "a #. form",
                pos: open,
            },
        )?;
        if self.suppress {
            return Ok(Item::Obj(Value::Nil));
        }
        ctx.eval(form)
            .map(Item::Obj)
            .map_err(|e| self.callback_error(e, open))
    }

    /// `#x`, `#b`, `#o`, `#Nr`: a rational in `base` (CLHS 2.4.8.7-10).
    fn read_radix(&mut self, open: usize, base: u32) -> Result<Item, ReadError> {
        let tok = self.read_token(None)?;
        if self.suppress {
            return Ok(Item::Obj(Value::Nil));
        }
        let text = tok.text();
        let parsed = if tok.any_escape {
            None
        } else {
            parse_rational(&text, base)
        };
        match parsed {
            Some(Ok(v)) => Ok(Item::Obj(v)),
            Some(Err(m)) => Err(self.syntax(open, m)),
            None => Err(self.syntax(open, format!("{text:?} is not a rational in radix {base}"))),
        }
    }
}

/// Evaluate a feature expression (CLHS 24.1.2.1) against `*features*`;
/// also Allegro's `(version>= major minor)`.
pub fn feature_holds(expr: &Value) -> Result<bool, String> {
    match expr {
        Value::Symbol(_) | Value::Nil => {
            let Some(sym) = expr.as_symbol() else {
                return Ok(false);
            };
            Ok(features()
                .iter()
                .any(|f| f.eq(&Value::Symbol(sym.clone())) || (f.is_nil() && expr.is_nil())))
        }
        Value::Cons(_) => {
            let op = match expr.car() {
                Value::Symbol(s) => s.name.clone(),
                _ => String::new(),
            };
            let args = expr
                .cdr()
                .list_to_vec()
                .ok_or_else(|| "malformed feature expression (dotted list)".to_string())?;
            match op.as_str() {
                "NOT" if args.len() == 1 => Ok(!feature_holds(&args[0])?),
                "AND" => {
                    for a in &args {
                        if !feature_holds(a)? {
                            return Ok(false);
                        }
                    }
                    Ok(true)
                }
                "OR" => {
                    for a in &args {
                        if feature_holds(a)? {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                "VERSION>=" => crate::builtins::allegro::features::version_at_least(&args),
                _ => Err("malformed feature expression: expected a symbol, (not f), (and f...) or (or f...)".into()),
            }
        }
        _ => Err(
            "malformed feature expression: expected a symbol, (not f), (and f...) or (or f...)"
                .into(),
        ),
    }
}

/// `*features*`, or sendletter's default list when it has no value.
fn features() -> Vec<Value> {
    let cell = package::cl_sym("*FEATURES*").value.borrow().clone();
    match cell {
        Some(list) => list.iter().collect(),
        None => crate::builtins::allegro::features::initial_features()
            .iter()
            .map(|n| Value::Symbol(package::keyword(n)))
            .collect(),
    }
}

/// Character names, compared case-insensitively (CLHS 13.1.7), with SBCL's
/// ASCII control names and `U+XXXX`.
pub fn char_from_name(name: &str) -> Option<char> {
    let upper = name.to_ascii_uppercase();
    if let Some(code) = NAMES
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(&upper))
        .map(|&(_, c)| c)
    {
        return Some(code);
    }
    let hex = upper
        .strip_prefix("U+")
        .or_else(|| upper.strip_prefix('U'))?;
    if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
}

/// Names accepted by `#\`. The first name for a code is the one SBCL prints.
pub(super) const NAMES: &[(&str, char)] = &[
    ("Nul", '\x00'),
    ("Null", '\x00'),
    ("Soh", '\x01'),
    ("Stx", '\x02'),
    ("Etx", '\x03'),
    ("Eot", '\x04'),
    ("Enq", '\x05'),
    ("Ack", '\x06'),
    ("Bel", '\x07'),
    ("Bell", '\x07'),
    ("Backspace", '\x08'),
    ("Bs", '\x08'),
    ("Tab", '\t'),
    ("Ht", '\t'),
    ("Newline", '\n'),
    ("Linefeed", '\n'),
    ("Lf", '\n'),
    ("Nl", '\n'),
    ("Vt", '\x0b'),
    ("Page", '\x0c'),
    ("Ff", '\x0c'),
    ("Return", '\r'),
    ("Cr", '\r'),
    ("So", '\x0e'),
    ("Si", '\x0f'),
    ("Dle", '\x10'),
    ("Dc1", '\x11'),
    ("Dc2", '\x12'),
    ("Dc3", '\x13'),
    ("Dc4", '\x14'),
    ("Nak", '\x15'),
    ("Syn", '\x16'),
    ("Etb", '\x17'),
    ("Can", '\x18'),
    ("Em", '\x19'),
    ("Sub", '\x1a'),
    ("Esc", '\x1b'),
    ("Escape", '\x1b'),
    ("Fs", '\x1c'),
    ("Gs", '\x1d'),
    ("Rs", '\x1e'),
    ("Us", '\x1f'),
    ("Space", ' '),
    ("Sp", ' '),
    ("Rubout", '\x7f'),
    ("Del", '\x7f'),
    ("Delete", '\x7f'),
];

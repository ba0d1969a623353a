//! Shared by the list, sequence and hash-table builtins: keyword options
//! (`:key :test :test-not :start :end :from-end :count`), element matching,
//! sequence element access and the index errors SBCL signals.

use crate::builtins::args;
use crate::eval::array::Elem;
use crate::eval::package::cl_sym;
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};
use crate::printer::prin1_to_string;

/// Parsed keyword options of a sequence function (CLHS 17.2).
#[derive(Default)]
pub struct Opts {
    pub key: Option<Value>,
    pub test: Option<Value>,
    pub test_not: Option<Value>,
    pub start: Option<Value>,
    pub end: Option<Value>,
    pub start1: Option<Value>,
    pub end1: Option<Value>,
    pub start2: Option<Value>,
    pub end2: Option<Value>,
    pub from_end: bool,
    /// `:count`; `None` = no limit, negative counts as 0.
    pub count: Option<usize>,
    pub initial_value: Option<Value>,
    pub initial_element: Option<Value>,
}

/// Parse the keyword arguments `rest` of function `fname`.
pub fn opts(it: &mut Interp, rest: &[Value], allowed: &[&str], fname: &str) -> LResult<Opts> {
    let kws = args::keywords(it, rest, allowed, fname)?;
    let mut o = Opts::default();
    for (name, v) in kws {
        match name.as_str() {
            "KEY" => o.key = v.truthy().then_some(v),
            "TEST" => o.test = v.truthy().then_some(v),
            "TEST-NOT" => o.test_not = v.truthy().then_some(v),
            "START" => o.start = Some(v),
            "END" => o.end = Some(v),
            "START1" => o.start1 = Some(v),
            "END1" => o.end1 = Some(v),
            "START2" => o.start2 = Some(v),
            "END2" => o.end2 = Some(v),
            "FROM-END" => o.from_end = v.truthy(),
            "COUNT" => {
                o.count = match v {
                    Value::Nil => None,
                    Value::Fixnum(n) => Some(n.max(0) as usize),
                    Value::Bignum(_) => None,
                    other => return args::type_err(it, &other, "(OR NULL INTEGER)"),
                }
            }
            "INITIAL-VALUE" => o.initial_value = Some(v),
            "INITIAL-ELEMENT" => o.initial_element = Some(v),
            _ => {}
        }
    }
    if o.test.is_some() && o.test_not.is_some() {
        let c = it.make_error(
            "PROGRAM-ERROR",
            &format!("{fname}: both :TEST and :TEST-NOT were supplied"),
        );
        return it.err(c);
    }
    Ok(o)
}

impl Opts {
    /// The `:key` applied to an element.
    pub fn keyed(&self, it: &mut Interp, x: &Value) -> LResult<Value> {
        match &self.key {
            None => Ok(x.clone()),
            Some(k) => it.apply(k, std::slice::from_ref(x)),
        }
    }

    /// `(funcall test item keyed-x)` under `:test`/`:test-not`, default `eql`.
    pub fn test2(&self, it: &mut Interp, item: &Value, x: &Value) -> LResult<bool> {
        if let Some(t) = &self.test {
            Ok(it.apply(t, &[item.clone(), x.clone()])?.truthy())
        } else if let Some(t) = &self.test_not {
            Ok(it.apply(t, &[item.clone(), x.clone()])?.is_nil())
        } else {
            Ok(item.eql(x))
        }
    }

    /// Bounds `:start`/`:end` against a sequence of length `len`.
    pub fn bounds(&self, it: &mut Interp, len: usize) -> LResult<(usize, usize)> {
        bounds(it, self.start.as_ref(), self.end.as_ref(), len)
    }
}

/// What decides whether an element is selected: an item compared with
/// `:test`, or a predicate (`-if`, `-if-not`).
pub enum Matcher {
    Item(Value),
    If(Value),
    IfNot(Value),
}

impl Matcher {
    /// Does element `x` match (after applying `:key`)?
    pub fn matches(&self, it: &mut Interp, o: &Opts, x: &Value) -> LResult<bool> {
        let k = o.keyed(it, x)?;
        match self {
            Matcher::Item(item) => o.test2(it, item, &k),
            Matcher::If(p) => Ok(it.apply(p, &[k])?.truthy()),
            Matcher::IfNot(p) => Ok(it.apply(p, &[k])?.is_nil()),
        }
    }
}

/// Validate bounding indices (CLHS 17.1.1); SBCL's message on failure.
pub fn bounds(
    it: &mut Interp,
    start: Option<&Value>,
    end: Option<&Value>,
    len: usize,
) -> LResult<(usize, usize)> {
    let s = match start {
        None | Some(Value::Nil) => 0,
        Some(Value::Fixnum(n)) if *n >= 0 => *n as usize,
        Some(v) => return args::type_err(it, v, "(INTEGER 0)"),
    };
    let e = match end {
        None | Some(Value::Nil) => len,
        Some(Value::Fixnum(n)) if *n >= 0 => *n as usize,
        Some(v) => return args::type_err(it, v, "(OR NULL (INTEGER 0))"),
    };
    if s > e || e > len {
        let end_text = match end {
            None | Some(Value::Nil) => "NIL".to_string(),
            _ => e.to_string(),
        };
        let msg = format!(
            "The bounding indices {s} and {end_text} are bad for a sequence of length {len}."
        );
        return type_error_msg(it, &Value::Fixnum(e as i64), "(INTEGER 0)", &msg);
    }
    Ok((s, e))
}

/// Signal a `type-error` with `datum` and `expected` whose report is `msg`.
pub fn type_error_msg<T>(it: &mut Interp, datum: &Value, expected: &str, msg: &str) -> LResult<T> {
    let ty = crate::eval::condition::type_spec_from_text(expected);
    let c = it.make_condition(
        "TYPE-ERROR",
        &[
            ("DATUM", datum.clone()),
            ("EXPECTED-TYPE", ty),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
        ],
    );
    it.err(c)
}

/// The kinds of sequence sendletter has.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    List,
    Str,
    Vector,
    Bytes,
    /// A vector of another specialised element type (an `Array`: bit
    /// vectors, `(unsigned-byte 4)`, `fixnum`, floats...).
    Array(Elem),
}

impl Kind {
    /// The kind of vector that holds elements of `elem`.
    pub fn of_elem(elem: Elem) -> Kind {
        match elem {
            Elem::T => Kind::Vector,
            Elem::Char => Kind::Str,
            Elem::Unsigned(8) => Kind::Bytes,
            other => Kind::Array(other),
        }
    }
}

/// The elements of a proper list; dotted and circular lists are a
/// `type-error` (tortoise and hare, so a circular list never hangs).
pub fn list_items(it: &mut Interp, v: &Value) -> LResult<Vec<Value>> {
    let mut out = Vec::new();
    let mut cur = v.clone();
    let mut slow = v.clone();
    loop {
        match &cur {
            Value::Nil => return Ok(out),
            Value::Cons(c) => {
                out.push(c.car.borrow().clone());
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            _ => {
                let tail = cur.clone();
                return dotted_error(it, v, &tail);
            }
        }
        if out.len() % 2 == 0 {
            slow = slow.cdr();
            if let (Value::Cons(a), Value::Cons(b)) = (&slow, &cur) {
                if std::rc::Rc::ptr_eq(a, b) {
                    return circular_error(it, v);
                }
            }
        }
    }
}

/// SBCL reports the non-list tail of a dotted list as the datum.
pub fn dotted_error<T>(it: &mut Interp, _list: &Value, tail: &Value) -> LResult<T> {
    args::type_err(it, tail, "LIST")
}

/// Notices a circular list while a loop walks it one cell at a time,
/// without cost for short lists: after [`CycleCheck::GRACE`] cells a
/// tortoise starts following at half speed, and meeting it means every
/// cell of the cycle has been visited (Floyd), so a search that has not
/// found its item by then never will.
pub struct CycleCheck {
    tortoise: Value,
    steps: usize,
}

impl CycleCheck {
    const GRACE: usize = 1024;

    pub fn new() -> Self {
        CycleCheck {
            tortoise: Value::Nil,
            steps: 0,
        }
    }

    /// The walk has reached `cur`: is it going round a cycle?
    pub fn circular(&mut self, cur: &Value) -> bool {
        self.steps += 1;
        if self.steps < Self::GRACE {
            return false;
        }
        if self.steps == Self::GRACE {
            self.tortoise = cur.clone();
            return false;
        }
        if self.steps.is_multiple_of(2) {
            self.tortoise = self.tortoise.cdr();
            if let (Value::Cons(a), Value::Cons(b)) = (&self.tortoise, cur) {
                return std::rc::Rc::ptr_eq(a, b);
            }
        }
        false
    }
}

impl Default for CycleCheck {
    fn default() -> Self {
        Self::new()
    }
}

/// A circular list where a proper list is needed. The report does not print
/// the list (that would never end).
pub fn circular_error<T>(it: &mut Interp, list: &Value) -> LResult<T> {
    type_error_msg(
        it,
        list,
        "LIST",
        "The value is a circular list, not a proper list.",
    )
}

/// The kind of a sequence, or a `type-error` naming SEQUENCE.
pub fn kind_of(it: &mut Interp, v: &Value) -> LResult<Kind> {
    match v {
        Value::Nil | Value::Cons(_) => Ok(Kind::List),
        Value::String(_) => Ok(Kind::Str),
        Value::Vector(_) => Ok(Kind::Vector),
        Value::Bytes(_) => Ok(Kind::Bytes),
        Value::Array(a) if a.rank() == 1 => Ok(Kind::of_elem(a.elem)),
        _ => args::type_err(it, v, "SEQUENCE"),
    }
}

/// The kind and elements of any sequence.
pub fn items(it: &mut Interp, v: &Value) -> LResult<(Kind, Vec<Value>)> {
    let kind = kind_of(it, v)?;
    let items = match v {
        Value::String(s) => s.borrow().chars().map(Value::Char).collect(),
        Value::Vector(x) => x.borrow().clone(),
        Value::Bytes(b) => b
            .borrow()
            .iter()
            .map(|x| Value::Fixnum(*x as i64))
            .collect(),
        Value::Array(_) => super::shape::vector_items(v).unwrap_or_default(),
        _ => list_items(it, v)?,
    };
    Ok((kind, items))
}

/// Just the elements.
pub fn elements(it: &mut Interp, v: &Value) -> LResult<Vec<Value>> {
    Ok(items(it, v)?.1)
}

/// The length of a sequence without copying vectors.
pub fn seq_len(it: &mut Interp, v: &Value) -> LResult<usize> {
    Ok(match v {
        Value::String(s) => s.borrow().chars().count(),
        Value::Vector(x) => x.borrow().len(),
        Value::Bytes(b) => b.borrow().len(),
        Value::Array(a) if a.rank() == 1 => a.length(),
        Value::Nil => 0,
        Value::Cons(_) => list_items(it, v)?.len(),
        _ => return args::type_err(it, v, "SEQUENCE"),
    })
}

/// A fresh sequence of `kind` holding `items`; elements a string or octet
/// vector cannot hold are a `type-error`.
pub fn build(it: &mut Interp, kind: Kind, items: Vec<Value>) -> LResult<Value> {
    match kind {
        Kind::List => Ok(Value::list(items)),
        Kind::Vector => Ok(Value::vector(items)),
        Kind::Str => Ok(Value::string(chars(it, &items)?)),
        Kind::Bytes => Ok(Value::Bytes(std::rc::Rc::new(std::cell::RefCell::new(
            octets(it, &items)?,
        )))),
        Kind::Array(elem) => {
            for x in &items {
                super::shape::check_element(it, elem, x)?;
            }
            let n = items.len();
            Ok(Value::Array(std::rc::Rc::new(
                crate::eval::array::Array::simple(elem, vec![n], items),
            )))
        }
    }
}

fn chars(it: &mut Interp, items: &[Value]) -> LResult<String> {
    let mut s = String::with_capacity(items.len());
    for x in items {
        match x {
            Value::Char(c) => s.push(*c),
            _ => return args::type_err(it, x, "CHARACTER"),
        }
    }
    Ok(s)
}

fn octets(it: &mut Interp, items: &[Value]) -> LResult<Vec<u8>> {
    let mut out = Vec::with_capacity(items.len());
    for x in items {
        match x {
            Value::Fixnum(n) if (0..=255).contains(n) => out.push(*n as u8),
            _ => return args::type_err(it, x, "(UNSIGNED-BYTE 8)"),
        }
    }
    Ok(out)
}

/// Replace the elements of `seq` in place with `items` (same length for
/// lists; vectors take the new contents whole).
pub fn store(it: &mut Interp, seq: &Value, items: Vec<Value>) -> LResult<()> {
    match seq {
        Value::Vector(v) => *v.borrow_mut() = items,
        Value::String(s) => {
            let text = chars(it, &items)?;
            *s.borrow_mut() = text;
        }
        Value::Bytes(b) => {
            let bytes = octets(it, &items)?;
            *b.borrow_mut() = bytes;
        }
        Value::Array(a) => {
            for x in &items {
                super::shape::check_element(it, a.elem, x)?;
            }
            let same = items.len() == a.length();
            if !same && !a.is_displaced() && a.rank() == 1 {
                let n = items.len();
                *a.data.borrow_mut() = crate::eval::array::Storage::Own(items);
                *a.dims.borrow_mut() = vec![n];
                a.fill.set(a.fill.get().map(|_| n));
            } else {
                for (i, x) in items.into_iter().enumerate() {
                    super::shape::rm_set(it, seq, i, x)?;
                }
            }
        }
        _ => {
            let mut cur = seq.clone();
            for x in items {
                match &cur {
                    Value::Cons(c) => {
                        *c.car.borrow_mut() = x;
                        let next = c.cdr.borrow().clone();
                        cur = next;
                    }
                    _ => break,
                }
            }
        }
    }
    Ok(())
}

/// The type SBCL names in index errors, e.g. `(SIMPLE-VECTOR 2)`.
pub fn array_type_text(v: &Value, len: usize) -> String {
    let fill = super::arrays::has_fill_pointer(v);
    match v {
        Value::Array(_) => super::shape::array_type_text(v),
        Value::String(_) if fill => format!("(VECTOR CHARACTER {len})"),
        Value::String(_) => format!("(SIMPLE-ARRAY CHARACTER ({len}))"),
        Value::Bytes(_) => format!("(SIMPLE-ARRAY (UNSIGNED-BYTE 8) ({len}))"),
        _ if fill => format!("(VECTOR T {len})"),
        _ => format!("(SIMPLE-VECTOR {len})"),
    }
}

/// SBCL's invalid-array-index error.
pub fn index_error<T>(it: &mut Interp, v: &Value, index: &Value, len: usize) -> LResult<T> {
    let msg = format!(
        "Invalid index {} for {}, should be a non-negative integer below {len}.",
        prin1_to_string(index),
        array_type_text(v, len)
    );
    let expected = format!("(INTEGER 0 ({len}))");
    type_error_msg(it, index, &expected, &msg)
}

/// Element `i` of a sequence (`elt`), with SBCL's errors.
pub fn elt(it: &mut Interp, seq: &Value, index: &Value) -> LResult<Value> {
    let i = match index {
        Value::Fixnum(n) if *n >= 0 => *n as usize,
        _ => return args::type_err(it, index, "(INTEGER 0 4611686018427387901)"),
    };
    match seq {
        Value::Nil | Value::Cons(_) => {
            let mut cur = seq.clone();
            let mut n = 0;
            loop {
                match &cur {
                    Value::Cons(c) if n == i => return Ok(c.car.borrow().clone()),
                    Value::Cons(c) => {
                        let next = c.cdr.borrow().clone();
                        cur = next;
                        n += 1;
                    }
                    Value::Nil => {
                        let msg = format!("The index {i} is too large for a list of length {n}.");
                        let expected = format!("(INTEGER 0 ({n}))");
                        return type_error_msg(it, index, &expected, &msg);
                    }
                    other => {
                        let tail = other.clone();
                        return dotted_error(it, seq, &tail);
                    }
                }
            }
        }
        Value::Vector(v) => {
            let got = v.borrow().get(i).cloned();
            match got {
                Some(x) => Ok(x),
                None => {
                    let len = v.borrow().len();
                    index_error(it, seq, index, len)
                }
            }
        }
        Value::String(s) => {
            let got = s.borrow().chars().nth(i);
            match got {
                Some(c) => Ok(Value::Char(c)),
                None => {
                    let len = s.borrow().chars().count();
                    index_error(it, seq, index, len)
                }
            }
        }
        Value::Array(a) if a.rank() == 1 => {
            let len = a.length();
            match (i < len).then(|| super::shape::rm_get(seq, i)).flatten() {
                Some(x) => Ok(x),
                None => index_error(it, seq, index, len),
            }
        }
        Value::Bytes(b) => {
            let got = b.borrow().get(i).copied();
            match got {
                Some(x) => Ok(Value::Fixnum(x as i64)),
                None => {
                    let len = b.borrow().len();
                    index_error(it, seq, index, len)
                }
            }
        }
        _ => args::type_err(it, seq, "SEQUENCE"),
    }
}

/// Store `value` as element `i` (`(setf elt)`, `(setf aref)`).
pub fn set_elt(it: &mut Interp, seq: &Value, index: &Value, value: Value) -> LResult<Value> {
    let i = match index {
        Value::Fixnum(n) if *n >= 0 => *n as usize,
        _ => return args::type_err(it, index, "(INTEGER 0 4611686018427387901)"),
    };
    match seq {
        Value::Nil | Value::Cons(_) => {
            let mut cur = seq.clone();
            let mut n = 0;
            loop {
                match &cur {
                    Value::Cons(c) if n == i => {
                        *c.car.borrow_mut() = value.clone();
                        return Ok(value);
                    }
                    Value::Cons(c) => {
                        let next = c.cdr.borrow().clone();
                        cur = next;
                        n += 1;
                    }
                    _ => {
                        let msg = format!("The index {i} is too large for a list of length {n}.");
                        let expected = format!("(INTEGER 0 ({n}))");
                        return type_error_msg(it, index, &expected, &msg);
                    }
                }
            }
        }
        Value::Vector(v) => {
            let len = v.borrow().len();
            if i >= len {
                return index_error(it, seq, index, len);
            }
            v.borrow_mut()[i] = value.clone();
            Ok(value)
        }
        Value::String(s) => {
            let Value::Char(ch) = value else {
                return args::type_err(it, &value, "CHARACTER");
            };
            let pos = s.borrow().char_indices().nth(i);
            match pos {
                Some((at, old)) => {
                    let mut buf = [0u8; 4];
                    s.borrow_mut()
                        .replace_range(at..at + old.len_utf8(), ch.encode_utf8(&mut buf));
                    Ok(value)
                }
                None => {
                    let len = s.borrow().chars().count();
                    index_error(it, seq, index, len)
                }
            }
        }
        Value::Array(a) if a.rank() == 1 => {
            let len = a.length();
            if i >= len || !super::shape::rm_set(it, seq, i, value.clone())? {
                return index_error(it, seq, index, len);
            }
            Ok(value)
        }
        Value::Bytes(b) => {
            let byte = match value {
                Value::Fixnum(n) if (0..=255).contains(&n) => n as u8,
                _ => return args::type_err(it, &value, "(UNSIGNED-BYTE 8)"),
            };
            let len = b.borrow().len();
            if i >= len {
                return index_error(it, seq, index, len);
            }
            b.borrow_mut()[i] = byte;
            Ok(value)
        }
        _ => args::type_err(it, seq, "SEQUENCE"),
    }
}

/// A sequence result type specifier (`'string`, `'list`, `'(vector
/// (unsigned-byte 8))`, ...) as a kind; `None` for `nil` (map for effect).
pub fn result_kind(it: &mut Interp, spec: &Value) -> LResult<Option<Kind>> {
    // A deftype name or a built-in class stands for its expansion.
    let mut spec = spec.clone();
    for _ in 0..100 {
        match it.expand_deftype(&spec)? {
            Some(e) => spec = e,
            None => break,
        }
    }
    let spec = &spec;
    let (head, args) = match spec {
        Value::Nil => return Ok(None),
        Value::Symbol(s) => (s.name.clone(), Vec::new()),
        Value::Cons(_) => {
            let h = spec.car().as_symbol().map(|s| s.name.clone());
            (h.unwrap_or_default(), spec.cdr().iter().collect())
        }
        _ => return bad_type(it, spec),
    };
    let elem_kind = |t: Option<&Value>| -> Kind {
        match t {
            None => Kind::Vector,
            Some(Value::Symbol(s)) if s.name == "*" => Kind::Vector,
            Some(t) => Kind::of_elem(Elem::upgrade(t)),
        }
    };
    Ok(Some(match head.as_str() {
        "LIST" | "CONS" | "NULL" => Kind::List,
        "STRING" | "SIMPLE-STRING" | "BASE-STRING" | "SIMPLE-BASE-STRING" => Kind::Str,
        "SIMPLE-VECTOR" => Kind::Vector,
        "BIT-VECTOR" | "SIMPLE-BIT-VECTOR" => Kind::Array(Elem::Bit),
        "VECTOR" | "ARRAY" | "SIMPLE-ARRAY" => elem_kind(args.first()),
        // A union of types of one kind, say (or (vector t 5) (vector t
        // 10)): built as that kind, then checked against the union.
        "OR" if !args.is_empty() => {
            let mut kinds = Vec::new();
            for x in &args {
                kinds.push(result_kind(it, x)?);
            }
            match kinds.first() {
                Some(Some(k)) if kinds.iter().all(|x| x.as_ref() == Some(k)) => *k,
                _ => return bad_type(it, spec),
            }
        }
        _ => return bad_type(it, spec),
    }))
}

/// SEQUENCE itself, or a type that is not a sequence type: which kind of
/// sequence to make is not determined (CLHS 17.2.1's result types name
/// a list or vector type).
fn bad_type<T>(it: &mut Interp, spec: &Value) -> LResult<T> {
    let msg = format!(
        "{} is not a sequence type sendletter can make.",
        prin1_to_string(spec)
    );
    type_error_msg(it, spec, "(MEMBER LIST VECTOR STRING BIT-VECTOR)", &msg)
}

/// The sequence a result type asked for must be of that type (CLHS
/// 17.2: `make-sequence`, `concatenate`, `map`, `merge`, `coerce` signal
/// a `type-error` when, say, `(vector * 4)` gets three elements).
pub fn check_result(it: &mut Interp, result: Value, spec: &Value) -> LResult<Value> {
    if spec.is_nil() || it.typep(&result, spec)? {
        return Ok(result);
    }
    let msg = format!(
        "The result {} is not of the requested type {}.",
        prin1_to_string(&result),
        prin1_to_string(spec)
    );
    let c = it.make_condition(
        "SIMPLE-TYPE-ERROR",
        &[
            ("DATUM", result),
            ("EXPECTED-TYPE", spec.clone()),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
        ],
    );
    it.err(c)
}

/// The symbol `CL:name` as a value.
pub fn cl(name: &str) -> Value {
    crate::eval::package::sym_value(cl_sym(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walk `n` cells of a list of `len` cells whose last cell points back
    /// to cell `back` (no loop when `back` is `None`); the step at which
    /// the check reports a cycle.
    fn detected_at(len: usize, back: Option<usize>, n: usize) -> Option<usize> {
        let cells: Vec<Value> = (0..len)
            .map(|i| Value::cons(Value::Fixnum(i as i64), Value::Nil))
            .collect();
        for w in cells.windows(2) {
            if let Value::Cons(c) = &w[0] {
                *c.cdr.borrow_mut() = w[1].clone();
            }
        }
        if let (Some(b), Some(Value::Cons(last))) = (back, cells.last()) {
            *last.cdr.borrow_mut() = cells[b].clone();
        }
        let mut check = CycleCheck::new();
        let mut cur = cells[0].clone();
        let mut seen = std::collections::HashSet::new();
        let mut found = None;
        for step in 1..=n {
            seen.insert(crate::printer::prin1_to_string(&cur.car()));
            cur = cur.cdr();
            if check.circular(&cur) {
                // Every cell was visited before the cycle was reported.
                assert_eq!(seen.len(), len, "{len} {back:?}");
                found = Some(step);
                break;
            }
        }
        if let Some(Value::Cons(last)) = cells.last() {
            *last.cdr.borrow_mut() = Value::Nil;
        }
        found
    }

    #[test]
    fn cycles_are_found_after_every_cell_was_visited() {
        for (len, back) in [
            (1, 0),
            (2, 0),
            (3, 1),
            (1000, 999),
            (1500, 3),
            (3001, 7),
            (4096, 0),
        ] {
            let at = detected_at(len, Some(back), 100_000);
            assert!(at.is_some(), "{len} {back}");
        }
        assert_eq!(detected_at(5000, None, 4999), None);
    }
}

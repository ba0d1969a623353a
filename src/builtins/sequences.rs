//! Builtins: sequences (CLHS 17). Lists, strings, simple vectors and octet
//! vectors alike: most functions take the elements out, work on them and
//! build a sequence of the same kind; destructive ones write back in place.

pub mod arrays;
pub mod bits;
pub mod shape;
pub mod sort;
pub mod util;

use std::rc::Rc;

use self::util::{elements, items, opts, Kind, Matcher, Opts};
use super::{args, BuiltinDef, MANY};
use crate::def;
use crate::eval::value::{Cons, Value};
use crate::eval::{Interp, LResult};

/// `(setf fill-pointer)` and `(setf subseq)`, as if by the short
/// `defsetf` forms naming the SENDLETTER update functions.
pub fn install_setf(it: &mut Interp) {
    let home = crate::eval::package::sendletter_package();
    for (access, update) in [
        ("FILL-POINTER", "SET-FILL-POINTER"),
        ("SUBSEQ", "SET-SUBSEQ"),
    ] {
        let update = crate::eval::package::intern_in(update, &home);
        let expander = Value::cons(Value::Symbol(it.s.setf.clone()), Value::Symbol(update));
        it.setf_functions.insert(
            crate::eval::interp::SymKey(crate::eval::package::cl_sym(access)),
            expander,
        );
    }
}

const FIND_KEYS: &[&str] = &["FROM-END", "TEST", "TEST-NOT", "START", "END", "KEY"];
const FIND_IF_KEYS: &[&str] = &["FROM-END", "START", "END", "KEY"];
const REMOVE_KEYS: &[&str] = &[
    "FROM-END", "TEST", "TEST-NOT", "START", "END", "COUNT", "KEY",
];
const REMOVE_IF_KEYS: &[&str] = &["FROM-END", "START", "END", "COUNT", "KEY"];
const TWO_SEQ_KEYS: &[&str] = &[
    "FROM-END", "TEST", "TEST-NOT", "KEY", "START1", "END1", "START2", "END2",
];

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("LENGTH", "(sequence)", 1, 1, length, "The number of elements of SEQUENCE."),
    def!("ELT", "(sequence index)", 2, 2, elt, "Element INDEX of SEQUENCE."),
    def!("SENDLETTER" : "SET-ELT", "(sequence index value)", 3, 3, set_elt, "(setf elt), (setf aref), (setf char)."),
    def!("SUBSEQ", "(sequence start &optional end)", 2, 3, subseq, "A copy of the elements of SEQUENCE from START below END."),
    def!("SENDLETTER" : "SET-SUBSEQ", "(sequence start [end] new)", 3, 4, set_subseq, "(setf subseq): replace the elements from START with those of NEW."),
    def!("COPY-SEQ", "(sequence)", 1, 1, copy_seq, "A fresh copy of SEQUENCE."),
    def!("REVERSE", "(sequence)", 1, 1, reverse, "A fresh sequence with the elements in reverse order."),
    def!("NREVERSE", "(sequence)", 1, 1, nreverse, "Reverse SEQUENCE, reusing its structure."),
    def!("CONCATENATE", "(result-type &rest sequences)", 1, MANY, concatenate, "A sequence of RESULT-TYPE with the elements of all SEQUENCES."),
    def!("COERCE", "(object result-type)", 2, 2, coerce, "Convert OBJECT to RESULT-TYPE (sequences, characters, floats)."),
    def!("MAKE-SEQUENCE", "(result-type size &key initial-element)", 2, MANY, make_sequence, "A sequence of RESULT-TYPE with SIZE elements."),
    def!("MAP", "(result-type function &rest sequences)", 3, MANY, map, "Apply FUNCTION to successive elements of SEQUENCES; collect into RESULT-TYPE."),
    def!("MAP-INTO", "(result-sequence function &rest sequences)", 2, MANY, map_into, "Store FUNCTION's results over SEQUENCES into RESULT-SEQUENCE."),
    def!("REDUCE", "(function sequence &key key from-end start end initial-value)", 2, MANY, reduce, "Combine the elements of SEQUENCE with FUNCTION."),
    def!("FIND", "(item sequence &key from-end test test-not start end key)", 2, MANY, find, "The first element matching ITEM, or NIL."),
    def!("FIND-IF", "(predicate sequence &key from-end start end key)", 2, MANY, find_if, "The first element satisfying PREDICATE."),
    def!("FIND-IF-NOT", "(predicate sequence &key from-end start end key)", 2, MANY, find_if_not, "The first element not satisfying PREDICATE."),
    def!("POSITION", "(item sequence &key from-end test test-not start end key)", 2, MANY, position, "The index of the first element matching ITEM, or NIL."),
    def!("POSITION-IF", "(predicate sequence &key from-end start end key)", 2, MANY, position_if, "The index of the first element satisfying PREDICATE."),
    def!("POSITION-IF-NOT", "(predicate sequence &key from-end start end key)", 2, MANY, position_if_not, "The index of the first element not satisfying PREDICATE."),
    def!("COUNT", "(item sequence &key from-end test test-not start end key)", 2, MANY, count, "The number of elements matching ITEM."),
    def!("COUNT-IF", "(predicate sequence &key from-end start end key)", 2, MANY, count_if, "The number of elements satisfying PREDICATE."),
    def!("COUNT-IF-NOT", "(predicate sequence &key from-end start end key)", 2, MANY, count_if_not, "The number of elements not satisfying PREDICATE."),
    def!("REMOVE", "(item sequence &key from-end test test-not start end count key)", 2, MANY, remove, "A copy of SEQUENCE without the elements matching ITEM."),
    def!("REMOVE-IF", "(predicate sequence &key from-end start end count key)", 2, MANY, remove_if, "A copy of SEQUENCE without the elements satisfying PREDICATE."),
    def!("REMOVE-IF-NOT", "(predicate sequence &key from-end start end count key)", 2, MANY, remove_if_not, "A copy of SEQUENCE with only the elements satisfying PREDICATE."),
    def!("DELETE", "(item sequence &key from-end test test-not start end count key)", 2, MANY, delete, "Like REMOVE, reusing SEQUENCE."),
    def!("DELETE-IF", "(predicate sequence &key from-end start end count key)", 2, MANY, delete_if, "Like REMOVE-IF, reusing SEQUENCE."),
    def!("DELETE-IF-NOT", "(predicate sequence &key from-end start end count key)", 2, MANY, delete_if_not, "Like REMOVE-IF-NOT, reusing SEQUENCE."),
    def!("REMOVE-DUPLICATES", "(sequence &key from-end test test-not start end key)", 1, MANY, remove_duplicates, "A copy of SEQUENCE keeping one of each set of duplicates (the last, or the first with :FROM-END)."),
    def!("DELETE-DUPLICATES", "(sequence &key from-end test test-not start end key)", 1, MANY, delete_duplicates, "Like REMOVE-DUPLICATES, reusing SEQUENCE."),
    def!("SUBSTITUTE", "(new old sequence &key from-end test test-not start end count key)", 3, MANY, substitute, "A copy of SEQUENCE with NEW in place of elements matching OLD."),
    def!("SUBSTITUTE-IF", "(new predicate sequence &key from-end start end count key)", 3, MANY, substitute_if, "A copy of SEQUENCE with NEW in place of elements satisfying PREDICATE."),
    def!("SUBSTITUTE-IF-NOT", "(new predicate sequence &key from-end start end count key)", 3, MANY, substitute_if_not, "A copy of SEQUENCE with NEW in place of elements not satisfying PREDICATE."),
    def!("NSUBSTITUTE", "(new old sequence &key from-end test test-not start end count key)", 3, MANY, nsubstitute, "Like SUBSTITUTE, modifying SEQUENCE."),
    def!("NSUBSTITUTE-IF", "(new predicate sequence &key from-end start end count key)", 3, MANY, nsubstitute_if, "Like SUBSTITUTE-IF, modifying SEQUENCE."),
    def!("NSUBSTITUTE-IF-NOT", "(new predicate sequence &key from-end start end count key)", 3, MANY, nsubstitute_if_not, "Like SUBSTITUTE-IF-NOT, modifying SEQUENCE."),
    def!("SEARCH", "(sequence1 sequence2 &key from-end test test-not key start1 end1 start2 end2)", 2, MANY, search, "The index in SEQUENCE2 where SEQUENCE1 occurs, or NIL."),
    def!("MISMATCH", "(sequence1 sequence2 &key from-end test test-not key start1 end1 start2 end2)", 2, MANY, mismatch, "The index in SEQUENCE1 where the sequences first differ, or NIL."),
    def!("EVERY", "(predicate sequence &rest sequences)", 2, MANY, every, "True if PREDICATE holds for every element."),
    def!("SOME", "(predicate sequence &rest sequences)", 2, MANY, some, "The first true value of PREDICATE over the elements, or NIL."),
    def!("NOTANY", "(predicate sequence &rest sequences)", 2, MANY, notany, "True if PREDICATE holds for no element."),
    def!("NOTEVERY", "(predicate sequence &rest sequences)", 2, MANY, notevery, "True if PREDICATE fails for some element."),
    def!("FILL", "(sequence item &key start end)", 2, MANY, fill, "Store ITEM into the elements of SEQUENCE from START below END."),
    def!("REPLACE", "(sequence1 sequence2 &key start1 end1 start2 end2)", 2, MANY, replace, "Copy elements of SEQUENCE2 into SEQUENCE1."),
];

fn length(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::Fixnum(util::seq_len(it, &a[0])? as i64))
}

fn elt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    util::elt(it, &a[0], &a[1])
}

fn set_elt(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    util::set_elt(it, &a[0], &a[1], a[2].clone())
}

fn subseq(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (kind, xs) = items(it, &a[0])?;
    let (s, e) = util::bounds(it, Some(&a[1]), a.get(2), xs.len())?;
    util::build(it, kind, xs[s..e].to_vec())
}

fn set_subseq(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let new = a[a.len() - 1].clone();
    let end = if a.len() == 4 { Some(&a[2]) } else { None };
    let mut xs = elements(it, &a[0])?;
    let (s, e) = util::bounds(it, Some(&a[1]), end, xs.len())?;
    let src = elements(it, &new)?;
    for (slot, x) in xs[s..e].iter_mut().zip(src) {
        *slot = x;
    }
    util::store(it, &a[0], xs)?;
    Ok(new)
}

fn copy_seq(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (kind, xs) = items(it, &a[0])?;
    util::build(it, kind, xs)
}

fn reverse(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (kind, mut xs) = items(it, &a[0])?;
    xs.reverse();
    util::build(it, kind, xs)
}

/// The cons cells of a proper list, in order.
pub fn cells(it: &mut Interp, list: &Value) -> LResult<Vec<Rc<Cons>>> {
    let n = util::list_items(it, list)?.len();
    let mut out = Vec::with_capacity(n);
    let mut cur = list.clone();
    while let Value::Cons(c) = cur {
        out.push(c.clone());
        let next = c.cdr.borrow().clone();
        cur = next;
    }
    Ok(out)
}

/// Link `cells` into a list ending in `tail`; returns the head.
pub fn relink(cells: &[Rc<Cons>], tail: Value) -> Value {
    let mut acc = tail;
    for c in cells.iter().rev() {
        *c.cdr.borrow_mut() = acc;
        acc = Value::Cons(c.clone());
    }
    acc
}

fn nreverse(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Nil | Value::Cons(_) => {
            let mut cs = cells(it, &a[0])?;
            cs.reverse();
            Ok(relink(&cs, Value::Nil))
        }
        v => {
            let mut xs = elements(it, v)?;
            xs.reverse();
            util::store(it, v, xs)?;
            Ok(v.clone())
        }
    }
}

fn concatenate(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kind = util::result_kind(it, &a[0])?.unwrap_or(Kind::List);
    // Strings into a string: copy the text, not one Value per character.
    if kind == Kind::Str && a[1..].iter().all(|s| matches!(s, Value::String(_))) {
        let mut out = String::new();
        for s in &a[1..] {
            if let Value::String(s) = s {
                out.push_str(&s.borrow());
            }
        }
        return util::check_result(it, Value::string(out), &a[0]);
    }
    let mut all = Vec::new();
    for s in &a[1..] {
        all.extend(elements(it, s)?);
    }
    let result = util::build(it, kind, all)?;
    util::check_result(it, result, &a[0])
}

fn coerce(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let x = &a[0];
    let spec = &a[1];
    let name = match spec {
        Value::Symbol(s) => s.name.clone(),
        Value::Cons(_) => spec
            .car()
            .as_symbol()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        Value::Nil => "NIL".to_string(),
        _ => String::new(),
    };
    if it.typep(x, spec)? && name != "FLOAT" {
        return Ok(x.clone());
    }
    let f64_of = |v: &Value| crate::eval::types::number_f64(v);
    // Correctly rounded, not through a double (a ratio between two singles).
    let single = |v: &Value| {
        crate::builtins::numbers::to_kind(v, crate::builtins::numbers::FloatKind::Single)
            .unwrap_or(f64::NAN) as f32
    };
    let is_real = matches!(
        x,
        Value::Fixnum(_) | Value::Bignum(_) | Value::Ratio(_) | Value::Single(_) | Value::Double(_)
    );
    match name.as_str() {
        "T" => return Ok(x.clone()),
        "CHARACTER" | "BASE-CHAR" | "STANDARD-CHAR" => match x {
            Value::Char(_) => return Ok(x.clone()),
            Value::String(s) if s.borrow().chars().count() == 1 => {
                let c = s.borrow().chars().next();
                if let Some(c) = c {
                    return Ok(Value::Char(c));
                }
            }
            Value::Symbol(s) if s.name.chars().count() == 1 => {
                if let Some(c) = s.name.chars().next() {
                    return Ok(Value::Char(c));
                }
            }
            _ => {}
        },
        "FLOAT" if is_real => {
            return Ok(match x {
                Value::Single(_) | Value::Double(_) => x.clone(),
                _ => Value::Single(single(x)),
            })
        }
        "SINGLE-FLOAT" | "SHORT-FLOAT" if is_real => return Ok(Value::Single(single(x))),
        "DOUBLE-FLOAT" | "LONG-FLOAT" if is_real => return Ok(Value::Double(f64_of(x))),
        // CLHS COERCE: a lambda expression becomes the function it names.
        "FUNCTION" if x.car().as_symbol().is_some_and(|s| s.name == "LAMBDA") => {
            let form = Value::list([util::cl("FUNCTION"), x.clone()]);
            return it.call_named(&crate::eval::package::cl_sym("EVAL"), &[form]);
        }
        "FUNCTION" => return it.resolve_function(x),
        // A real becomes a complex only when it is a float (rationals stay
        // rational by canonicalisation, CLHS 12.1.5.3).
        "COMPLEX" if is_real => {
            // `complex` alone has no part type (not NIL, the empty type).
            let part = spec.cdr();
            let part_name = match part {
                Value::Cons(_) => part.car().as_symbol().map(|s| s.name.clone()),
                _ => None,
            };
            let re = match part_name.as_deref() {
                Some("SINGLE-FLOAT" | "SHORT-FLOAT") => Some(Value::Single(single(x))),
                Some("DOUBLE-FLOAT" | "LONG-FLOAT") => Some(Value::Double(f64_of(x))),
                Some("FLOAT") if !matches!(x, Value::Single(_) | Value::Double(_)) => {
                    Some(Value::Single(single(x)))
                }
                Some("*" | "REAL" | "FLOAT" | "T") | None => Some(x.clone()),
                _ => None,
            };
            if let Some(re) = re {
                return crate::builtins::numbers::complex::complex_fn(it, &[re]);
            }
        }
        _ => {
            if let Ok(Some(kind)) = util::result_kind(it, spec) {
                if matches!(
                    x,
                    Value::Nil
                        | Value::Cons(_)
                        | Value::String(_)
                        | Value::Vector(_)
                        | Value::Bytes(_)
                ) || matches!(x, Value::Array(a) if a.rank() == 1)
                {
                    let xs = elements(it, x)?;
                    let result = util::build(it, kind, xs)?;
                    return util::check_result(it, result, spec);
                }
            }
        }
    }
    let msg = format!(
        "The value\n  {}\nis not of type\n  {}",
        crate::printer::prin1_to_string(x),
        crate::printer::prin1_to_string(spec)
    );
    let c = it.make_condition(
        "SIMPLE-TYPE-ERROR",
        &[
            ("DATUM", x.clone()),
            ("EXPECTED-TYPE", spec.clone()),
            ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
        ],
    );
    it.err(c)
}

fn make_sequence(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kind = util::result_kind(it, &a[0])?.unwrap_or(Kind::List);
    let n = args::dimension(it, &a[1])?;
    let o = opts(it, &a[2..], &["INITIAL-ELEMENT"], "MAKE-SEQUENCE")?;
    let init = o.initial_element.unwrap_or(match kind {
        Kind::Str => Value::Char('\0'),
        Kind::List => Value::Nil,
        Kind::Array(elem) => elem.default_value(),
        _ => Value::Fixnum(0),
    });
    if kind == Kind::List {
        args::probe(it, n, super::lists::CONS_BYTES, "MAKE-SEQUENCE")?;
    }
    let items = args::filled(it, n, init, "MAKE-SEQUENCE")?;
    let result = util::build(it, kind, items)?;
    util::check_result(it, result, &a[0])
}

/// The element lists of several sequences and the shortest length.
fn columns(it: &mut Interp, seqs: &[Value]) -> LResult<(Vec<Vec<Value>>, usize)> {
    let mut cols = Vec::with_capacity(seqs.len());
    for s in seqs {
        cols.push(elements(it, s)?);
    }
    let n = cols.iter().map(Vec::len).min().unwrap_or(0);
    Ok((cols, n))
}

fn row(cols: &[Vec<Value>], i: usize) -> Vec<Value> {
    cols.iter().map(|c| c[i].clone()).collect()
}

fn map(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kind = util::result_kind(it, &a[0])?;
    let (cols, n) = columns(it, &a[2..])?;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let v = it.apply(&a[1], &row(&cols, i))?;
        if kind.is_some() {
            out.push(v);
        }
    }
    match kind {
        Some(k) => {
            let result = util::build(it, k, out)?;
            util::check_result(it, result, &a[0])
        }
        None => Ok(Value::Nil),
    }
}

fn map_into(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let target = &a[0];
    // CLHS MAP-INTO: a fill pointer is ignored in deciding how many
    // elements to store, then set to the number stored.
    if arrays::has_fill_pointer(target) {
        let (cols, n) = columns(it, &a[2..])?;
        let size = shape::total_size(target);
        let n = if a.len() > 2 { n.min(size) } else { size };
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            out.push(it.apply(&a[1], &row(&cols, i))?);
        }
        arrays::set_fill_pointer(it, &[target.clone(), Value::Fixnum(n as i64)])?;
        for (i, x) in out.into_iter().enumerate() {
            util::set_elt(it, target, &Value::Fixnum(i as i64), x)?;
        }
        return Ok(target.clone());
    }
    let mut xs = elements(it, target)?;
    let (cols, n) = columns(it, &a[2..])?;
    let n = if a.len() > 2 {
        n.min(xs.len())
    } else {
        xs.len()
    };
    for (i, slot) in xs.iter_mut().enumerate().take(n) {
        *slot = it.apply(&a[1], &row(&cols, i))?;
    }
    util::store(it, target, xs)?;
    Ok(target.clone())
}

fn reduce(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(
        it,
        &a[2..],
        &["KEY", "FROM-END", "START", "END", "INITIAL-VALUE"],
        "REDUCE",
    )?;
    let xs = elements(it, &a[1])?;
    let (s, e) = o.bounds(it, xs.len())?;
    let mut vals = Vec::with_capacity(e - s);
    for x in &xs[s..e] {
        vals.push(o.keyed(it, x)?);
    }
    if o.from_end {
        vals.reverse();
    }
    let mut iter = vals.into_iter();
    let mut acc = match o.initial_value.clone() {
        Some(v) => v,
        None => match iter.next() {
            Some(v) => v,
            None => return it.apply(&a[0], &[]),
        },
    };
    for x in iter {
        acc = if o.from_end {
            it.apply(&a[0], &[x, acc])?
        } else {
            it.apply(&a[0], &[acc, x])?
        };
    }
    it.mv = None;
    Ok(acc)
}

/// Indices in `[s, e)` of the elements `m` selects, in scan order
/// (backwards with `:from-end`), at most `limit` of them.
fn scan(
    it: &mut Interp,
    o: &Opts,
    m: &Matcher,
    xs: &[Value],
    s: usize,
    e: usize,
    limit: Option<usize>,
) -> LResult<Vec<usize>> {
    let mut hits = Vec::new();
    let order: Box<dyn Iterator<Item = usize>> = if o.from_end {
        Box::new((s..e).rev())
    } else {
        Box::new(s..e)
    };
    for i in order {
        if limit.is_some_and(|l| hits.len() >= l) {
            break;
        }
        if m.matches(it, o, &xs[i])? {
            hits.push(i);
        }
    }
    Ok(hits)
}

enum FindWhat {
    Element,
    Position,
    Count,
}

fn find_generic(
    it: &mut Interp,
    m: Matcher,
    seq: &Value,
    rest: &[Value],
    keys: &[&str],
    what: FindWhat,
    fname: &str,
) -> LResult<Value> {
    let o = opts(it, rest, keys, fname)?;
    let xs = elements(it, seq)?;
    let (s, e) = o.bounds(it, xs.len())?;
    let limit = match what {
        FindWhat::Count => None,
        _ => Some(1),
    };
    let hits = scan(it, &o, &m, &xs, s, e, limit)?;
    Ok(match what {
        FindWhat::Element => hits.first().map_or(Value::Nil, |i| xs[*i].clone()),
        FindWhat::Position => hits
            .first()
            .map_or(Value::Nil, |i| Value::Fixnum(*i as i64)),
        FindWhat::Count => Value::Fixnum(hits.len() as i64),
    })
}

macro_rules! finder {
    ($fn:ident, $matcher:ident, $keys:expr, $what:ident, $name:literal) => {
        fn $fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
            find_generic(
                it,
                Matcher::$matcher(a[0].clone()),
                &a[1],
                &a[2..],
                $keys,
                FindWhat::$what,
                $name,
            )
        }
    };
}

finder!(find, Item, FIND_KEYS, Element, "FIND");
finder!(find_if, If, FIND_IF_KEYS, Element, "FIND-IF");
finder!(find_if_not, IfNot, FIND_IF_KEYS, Element, "FIND-IF-NOT");
finder!(position, Item, FIND_KEYS, Position, "POSITION");
finder!(position_if, If, FIND_IF_KEYS, Position, "POSITION-IF");
finder!(
    position_if_not,
    IfNot,
    FIND_IF_KEYS,
    Position,
    "POSITION-IF-NOT"
);
finder!(count, Item, FIND_KEYS, Count, "COUNT");
finder!(count_if, If, FIND_IF_KEYS, Count, "COUNT-IF");
finder!(count_if_not, IfNot, FIND_IF_KEYS, Count, "COUNT-IF-NOT");

/// Which elements `remove`/`delete` drop: a mask over all elements.
fn removal_mask(
    it: &mut Interp,
    m: &Matcher,
    xs: &[Value],
    rest: &[Value],
    keys: &[&str],
    fname: &str,
) -> LResult<Vec<bool>> {
    let o = opts(it, rest, keys, fname)?;
    let (s, e) = o.bounds(it, xs.len())?;
    let hits = scan(it, &o, m, xs, s, e, o.count)?;
    let mut mask = vec![false; xs.len()];
    for i in hits {
        mask[i] = true;
    }
    Ok(mask)
}

fn remove_generic(
    it: &mut Interp,
    m: Matcher,
    seq: &Value,
    rest: &[Value],
    keys: &[&str],
    destructive: bool,
    fname: &str,
) -> LResult<Value> {
    let (kind, xs) = items(it, seq)?;
    let mask = removal_mask(it, &m, &xs, rest, keys, fname)?;
    if !mask.contains(&true) {
        return Ok(seq.clone());
    }
    without_dropped(it, seq, kind, xs, &mask, destructive)
}

/// `seq` without the elements `drop` marks: a list destructively relinks
/// its own cells, anything else is a fresh sequence of `kind`.
fn without_dropped(
    it: &mut Interp,
    seq: &Value,
    kind: Kind,
    xs: Vec<Value>,
    drop: &[bool],
    destructive: bool,
) -> LResult<Value> {
    if destructive && kind == Kind::List {
        let cs = cells(it, seq)?;
        let kept: Vec<Rc<Cons>> = cs
            .into_iter()
            .zip(drop)
            .filter(|(_, d)| !**d)
            .map(|(c, _)| c)
            .collect();
        return Ok(relink(&kept, Value::Nil));
    }
    let kept: Vec<Value> = xs
        .into_iter()
        .zip(drop)
        .filter(|(_, d)| !**d)
        .map(|(x, _)| x)
        .collect();
    util::build(it, kind, kept)
}

macro_rules! remover {
    ($fn:ident, $matcher:ident, $keys:expr, $destructive:expr, $name:literal) => {
        fn $fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
            remove_generic(
                it,
                Matcher::$matcher(a[0].clone()),
                &a[1],
                &a[2..],
                $keys,
                $destructive,
                $name,
            )
        }
    };
}

remover!(remove, Item, REMOVE_KEYS, false, "REMOVE");
remover!(remove_if, If, REMOVE_IF_KEYS, false, "REMOVE-IF");
remover!(remove_if_not, IfNot, REMOVE_IF_KEYS, false, "REMOVE-IF-NOT");
remover!(delete, Item, REMOVE_KEYS, true, "DELETE");
remover!(delete_if, If, REMOVE_IF_KEYS, true, "DELETE-IF");
remover!(delete_if_not, IfNot, REMOVE_IF_KEYS, true, "DELETE-IF-NOT");

fn duplicates_generic(it: &mut Interp, a: &[Value], destructive: bool) -> LResult<Value> {
    let o = opts(it, &a[1..], FIND_KEYS, "REMOVE-DUPLICATES")?;
    let (kind, xs) = items(it, &a[0])?;
    let (s, e) = o.bounds(it, xs.len())?;
    let mut keys = Vec::with_capacity(e - s);
    for x in &xs[s..e] {
        keys.push(o.keyed(it, x)?);
    }
    let mut mask = vec![false; xs.len()];
    let fast = o.test.as_ref().and_then(hash_test_of).or_else(|| {
        (o.test.is_none() && o.test_not.is_none()).then_some(crate::eval::value::HashTest::Eql)
    });
    if let Some(test) = fast {
        // eq/eql/equal/equalp: one pass with a hash set.
        let mut seen = std::collections::HashSet::new();
        let order: Vec<usize> = if o.from_end {
            (0..keys.len()).collect()
        } else {
            (0..keys.len()).rev().collect()
        };
        for i in order {
            let key = super::hashtables::key_of(it, test, &keys[i], "REMOVE-DUPLICATES")?;
            if !seen.insert(key) {
                mask[s + i] = true;
            }
        }
    } else {
        for i in 0..keys.len() {
            let dup = if o.from_end {
                let mut d = false;
                for j in 0..i {
                    if !mask[s + j] && o.test2(it, &keys[j], &keys[i])? {
                        d = true;
                        break;
                    }
                }
                d
            } else {
                let mut d = false;
                for j in i + 1..keys.len() {
                    if o.test2(it, &keys[i], &keys[j])? {
                        d = true;
                        break;
                    }
                }
                d
            };
            mask[s + i] = dup;
        }
    }
    without_dropped(it, &a[0], kind, xs, &mask, destructive)
}

/// The hash test equivalent to a `:test` function, when it is one of the
/// four standard equality predicates.
pub fn hash_test_of(f: &Value) -> Option<crate::eval::value::HashTest> {
    use crate::eval::value::{Function, HashTest};
    let name = match f {
        Value::Symbol(s) => s.clone(),
        Value::Function(func) => match &**func {
            Function::Builtin(b) => b.name.clone(),
            _ => return None,
        },
        _ => return None,
    };
    let in_cl = name.home_is_cl();
    if !in_cl {
        return None;
    }
    match name.name.as_str() {
        "EQ" => Some(HashTest::Eq),
        "EQL" => Some(HashTest::Eql),
        "EQUAL" => Some(HashTest::Equal),
        "EQUALP" => Some(HashTest::Equalp),
        _ => None,
    }
}

fn remove_duplicates(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    duplicates_generic(it, a, false)
}

fn delete_duplicates(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    duplicates_generic(it, a, true)
}

fn substitute_generic(
    it: &mut Interp,
    a: &[Value],
    m: Matcher,
    keys: &[&str],
    destructive: bool,
    fname: &str,
) -> LResult<Value> {
    let (kind, mut xs) = items(it, &a[2])?;
    let mask = removal_mask(it, &m, &xs, &a[3..], keys, fname)?;
    for (x, hit) in xs.iter_mut().zip(&mask) {
        if *hit {
            *x = a[0].clone();
        }
    }
    if destructive {
        util::store(it, &a[2], xs)?;
        Ok(a[2].clone())
    } else {
        util::build(it, kind, xs)
    }
}

macro_rules! substituter {
    ($fn:ident, $matcher:ident, $keys:expr, $destructive:expr, $name:literal) => {
        fn $fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
            substitute_generic(
                it,
                a,
                Matcher::$matcher(a[1].clone()),
                $keys,
                $destructive,
                $name,
            )
        }
    };
}

substituter!(substitute, Item, REMOVE_KEYS, false, "SUBSTITUTE");
substituter!(substitute_if, If, REMOVE_IF_KEYS, false, "SUBSTITUTE-IF");
substituter!(
    substitute_if_not,
    IfNot,
    REMOVE_IF_KEYS,
    false,
    "SUBSTITUTE-IF-NOT"
);
substituter!(nsubstitute, Item, REMOVE_KEYS, true, "NSUBSTITUTE");
substituter!(nsubstitute_if, If, REMOVE_IF_KEYS, true, "NSUBSTITUTE-IF");
substituter!(
    nsubstitute_if_not,
    IfNot,
    REMOVE_IF_KEYS,
    true,
    "NSUBSTITUTE-IF-NOT"
);

/// Keyed elements of both sequences of `search`/`mismatch` within their
/// bounds, with the start offsets.
type TwoSeqs = (Vec<Value>, Vec<Value>, usize, usize, Opts);

fn two_seqs(it: &mut Interp, a: &[Value], fname: &str) -> LResult<TwoSeqs> {
    let o = opts(it, &a[2..], TWO_SEQ_KEYS, fname)?;
    let x1 = elements(it, &a[0])?;
    let x2 = elements(it, &a[1])?;
    let (s1, e1) = util::bounds(it, o.start1.as_ref(), o.end1.as_ref(), x1.len())?;
    let (s2, e2) = util::bounds(it, o.start2.as_ref(), o.end2.as_ref(), x2.len())?;
    let mut k1 = Vec::with_capacity(e1 - s1);
    for x in &x1[s1..e1] {
        k1.push(o.keyed(it, x)?);
    }
    let mut k2 = Vec::with_capacity(e2 - s2);
    for x in &x2[s2..e2] {
        k2.push(o.keyed(it, x)?);
    }
    Ok((k1, k2, s1, s2, o))
}

fn search(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (pat, text, _, s2, o) = two_seqs(it, a, "SEARCH")?;
    if pat.len() > text.len() {
        return Ok(Value::Nil);
    }
    let starts: Vec<usize> = if o.from_end {
        (0..=text.len() - pat.len()).rev().collect()
    } else {
        (0..=text.len() - pat.len()).collect()
    };
    'outer: for i in starts {
        for (j, p) in pat.iter().enumerate() {
            if !o.test2(it, p, &text[i + j])? {
                continue 'outer;
            }
        }
        return Ok(Value::Fixnum((s2 + i) as i64));
    }
    Ok(Value::Nil)
}

fn mismatch(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (k1, k2, s1, _, o) = two_seqs(it, a, "MISMATCH")?;
    let n = k1.len().min(k2.len());
    if o.from_end {
        for i in 0..n {
            let (x, y) = (&k1[k1.len() - 1 - i], &k2[k2.len() - 1 - i]);
            if !o.test2(it, x, y)? {
                return Ok(Value::Fixnum((s1 + k1.len() - i) as i64));
            }
        }
        if k1.len() == k2.len() {
            return Ok(Value::Nil);
        }
        return Ok(Value::Fixnum((s1 + k1.len() - n) as i64));
    }
    for i in 0..n {
        if !o.test2(it, &k1[i], &k2[i])? {
            return Ok(Value::Fixnum((s1 + i) as i64));
        }
    }
    if k1.len() == k2.len() {
        Ok(Value::Nil)
    } else {
        Ok(Value::Fixnum((s1 + n) as i64))
    }
}

/// `every`/`some`/`notany`/`notevery`: the first result of the predicate
/// that stops the scan (`stop_on_true`), or the end value.
fn quantifier(it: &mut Interp, a: &[Value], stop_on_true: bool) -> LResult<Option<Value>> {
    let (cols, n) = columns(it, &a[1..])?;
    for i in 0..n {
        let v = it.apply(&a[0], &row(&cols, i))?;
        if v.truthy() == stop_on_true {
            it.mv = None;
            return Ok(Some(v));
        }
    }
    it.mv = None;
    Ok(None)
}

fn every(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(quantifier(it, a, false)?.is_none()))
}

fn some(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(quantifier(it, a, true)?.unwrap_or(Value::Nil))
}

fn notany(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(quantifier(it, a, true)?.is_none()))
}

fn notevery(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(quantifier(it, a, false)?.is_some()))
}

fn fill(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(it, &a[2..], &["START", "END"], "FILL")?;
    let mut xs = elements(it, &a[0])?;
    let (s, e) = o.bounds(it, xs.len())?;
    for x in &mut xs[s..e] {
        *x = a[1].clone();
    }
    util::store(it, &a[0], xs)?;
    Ok(a[0].clone())
}

fn replace(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let o = opts(
        it,
        &a[2..],
        &["START1", "END1", "START2", "END2"],
        "REPLACE",
    )?;
    let mut x1 = elements(it, &a[0])?;
    let x2 = elements(it, &a[1])?;
    let (s1, e1) = util::bounds(it, o.start1.as_ref(), o.end1.as_ref(), x1.len())?;
    let (s2, e2) = util::bounds(it, o.start2.as_ref(), o.end2.as_ref(), x2.len())?;
    for (slot, x) in x1[s1..e1].iter_mut().zip(&x2[s2..e2]) {
        *slot = x.clone();
    }
    util::store(it, &a[0], x1)?;
    Ok(a[0].clone())
}

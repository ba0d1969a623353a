//! Builtins: hash tables (CLHS 18). Keys are derived from values according
//! to the table's test (`hash_key`), so two keys are the same entry exactly
//! when the test says they are the same object. Iteration follows insertion
//! order, reusing the slot of the entry removed last, as SBCL does.

use std::hash::{Hash, Hasher};
use std::rc::Rc;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{FromPrimitive, ToPrimitive};

use super::args;
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::depth::{self, TooDeep};
use crate::eval::value::{HashKey, HashTable, HashTest, Value};
use crate::eval::{Interp, LResult};

#[rustfmt::skip]
pub const BUILTINS: &[BuiltinDef] = &[
    def!("MAKE-HASH-TABLE", "(&key test size rehash-size rehash-threshold)", 0, MANY, make_hash_table, "A new hash table; TEST is EQ, EQL (default), EQUAL or EQUALP."),
    def!("GETHASH", "(key hash-table &optional default)", 2, 3, gethash, "The value stored under KEY and whether there was one."),
    def!("SENDLETTER" : "PUTHASH", "(key hash-table value)", 3, 3, puthash, "(setf gethash): store VALUE under KEY."),
    def!("REMHASH", "(key hash-table)", 2, 2, remhash, "Remove the entry for KEY; true if there was one."),
    def!("CLRHASH", "(hash-table)", 1, 1, clrhash, "Remove all entries."),
    def!("MAPHASH", "(function hash-table)", 2, 2, maphash, "Call FUNCTION with each key and value."),
    def!("HASH-TABLE-COUNT", "(hash-table)", 1, 1, hash_table_count, "The number of entries."),
    def!("HASH-TABLE-P", "(object)", 1, 1, hash_table_p, "True if OBJECT is a hash table."),
    def!("HASH-TABLE-SIZE", "(hash-table)", 1, 1, hash_table_size, "The table's size: as made, or its count once it has grown past that."),
    def!("HASH-TABLE-REHASH-SIZE", "(hash-table)", 1, 1, hash_table_rehash_size, "The :REHASH-SIZE the table was made with (default 1.5)."),
    def!("HASH-TABLE-REHASH-THRESHOLD", "(hash-table)", 1, 1, hash_table_rehash_threshold, "The :REHASH-THRESHOLD the table was made with (default 1.0)."),
    def!("HASH-TABLE-TEST", "(hash-table)", 1, 1, hash_table_test, "The test of the table, as a symbol."),
    def!("SXHASH", "(object)", 1, 1, sxhash, "A hash code consistent with EQUAL."),
    def!("SENDLETTER" : "HASH-TABLE-ENTRIES", "(hash-table)", 1, 1, entries, "The entries as a list of (key . value), in iteration order."),
];

/// A fresh, empty table.
pub fn new_table(test: HashTest) -> Value {
    Value::HashTable(Rc::new(HashTable::new(test)))
}

/// The key an object is stored under in a table with `test` (CLHS 18.1.2).
/// An EQUAL or EQUALP key is a tree as deep as the object: one circular
/// through its cars, or nested deeper than [`MAX_KEY_DEPTH`] or the stack
/// allows, is `TooDeep` (a `storage-condition`, see [`key_of`]).
pub fn hash_key(test: HashTest, v: &Value) -> Result<HashKey, TooDeep> {
    match test {
        HashTest::Eq => Ok(eq_key(v)),
        HashTest::Eql => Ok(eql_key(v)),
        HashTest::Equal => equal_key(v, 0),
        HashTest::Equalp => equalp_key(v, 0),
    }
}

/// [`hash_key`], or the `storage-condition` that names `op`.
pub fn key_of(it: &mut Interp, test: HashTest, v: &Value, op: &str) -> LResult<HashKey> {
    match hash_key(test, v) {
        Ok(k) => Ok(k),
        Err(TooDeep) => args::too_deep(it, op),
    }
}

/// The deepest nesting a structured key may have. Comparing, hashing and
/// freeing a key recurse through it (derived `Eq`, `Hash`, `Drop`), so
/// this bounds their stack use too, wherever they run.
const MAX_KEY_DEPTH: usize = 100_000;

fn key_guard(level: usize) -> Result<(), TooDeep> {
    if level > MAX_KEY_DEPTH {
        return Err(TooDeep);
    }
    depth::check()
}

fn tag(name: &str) -> HashKey {
    // Bignum keys are decimal digits, so a leading '#' never collides.
    HashKey::Big(format!("#{name}"))
}

fn eq_key(v: &Value) -> HashKey {
    fn p<T: ?Sized>(r: &Rc<T>) -> HashKey {
        HashKey::Ptr(Rc::as_ptr(r) as *const () as usize)
    }
    match v {
        Value::Nil => HashKey::Nil,
        Value::Symbol(_) if Value::Nil.eq(v) => HashKey::Nil,
        Value::Symbol(s) => p(s),
        Value::Fixnum(n) => HashKey::Int(*n),
        Value::Char(c) => HashKey::Char(*c),
        Value::Single(f) => HashKey::FloatBits(f.to_bits() as u64, false),
        Value::Double(d) => HashKey::FloatBits(d.to_bits(), true),
        Value::Cons(x) => p(x),
        Value::Bignum(x) => p(x),
        Value::Ratio(x) => p(x),
        Value::Complex(x) => p(x),
        Value::String(x) => p(x),
        Value::Vector(x) => p(x),
        Value::Bytes(x) => p(x),
        Value::Array(x) => p(x),
        Value::Function(x) => p(x),
        Value::HashTable(x) => p(x),
        Value::Package(x) => p(x),
        Value::Stream(x) => p(x),
        Value::Pathname(x) => p(x),
        Value::Struct(x) => p(x),
        Value::Object(x) => p(x),
    }
}

fn eql_key(v: &Value) -> HashKey {
    match v {
        Value::Bignum(b) => HashKey::Big(b.to_string()),
        Value::Ratio(r) => HashKey::Big(format!("{}/{}", r.numer(), r.denom())),
        Value::Complex(c) => HashKey::Tree(vec![tag("complex"), eql_key(&c.re), eql_key(&c.im)]),
        _ => eq_key(v),
    }
}

/// The spine of a list: elements and the final tail, or `None` when the
/// list is circular (such keys fall back to identity).
fn spine(v: &Value) -> Option<(Vec<Value>, Value)> {
    let mut out = Vec::new();
    let mut cur = v.clone();
    let mut slow = v.clone();
    while let Value::Cons(c) = &cur {
        out.push(c.car.borrow().clone());
        let next = c.cdr.borrow().clone();
        cur = next;
        if out.len() % 2 == 0 {
            slow = slow.cdr();
            if let (Value::Cons(a), Value::Cons(b)) = (&slow, &cur) {
                if Rc::ptr_eq(a, b) {
                    return None;
                }
            }
        }
    }
    Some((out, cur))
}

type KeyFn = fn(&Value, usize) -> Result<HashKey, TooDeep>;

fn list_key(v: &Value, level: usize, elem: KeyFn) -> Result<HashKey, TooDeep> {
    key_guard(level)?;
    Ok(match spine(v) {
        Some((items, tail)) => {
            let mut keys = Vec::with_capacity(items.len() + 3);
            keys.push(tag("cons"));
            for item in &items {
                keys.push(elem(item, level + 1)?);
            }
            keys.push(tag("tail"));
            keys.push(elem(&tail, level + 1)?);
            HashKey::Tree(keys)
        }
        None => eq_key(v),
    })
}

fn equal_key(v: &Value, level: usize) -> Result<HashKey, TooDeep> {
    Ok(match v {
        Value::String(s) => HashKey::Str(s.borrow().clone()),
        Value::Array(a) if a.is_string() || a.is_bit_vector() => {
            use crate::builtins::sequences::shape;
            match shape::string_text(v) {
                Some(text) => HashKey::Str(text),
                None => HashKey::Tree(
                    std::iter::once(tag("bits"))
                        .chain(
                            shape::vector_items(v)
                                .unwrap_or_default()
                                .iter()
                                .map(eql_key),
                        )
                        .collect(),
                ),
            }
        }
        Value::Cons(_) => return list_key(v, level, equal_key),
        Value::Pathname(p) => HashKey::Tree(vec![tag("path"), HashKey::Str(p.namestring())]),
        _ => eql_key(v),
    })
}

/// Numbers under `equalp` are compared with `=`: equal values share a key
/// whatever their type.
fn number_key(v: &Value) -> Option<HashKey> {
    Some(match v {
        Value::Fixnum(n) => HashKey::Int(*n),
        Value::Bignum(b) => HashKey::Big(b.to_string()),
        Value::Ratio(r) => match r.to_f64() {
            Some(f) if BigRational::from_float(f).as_ref() == Some(&**r) => float_key(f),
            _ => HashKey::Big(format!("{}/{}", r.numer(), r.denom())),
        },
        Value::Single(f) => float_key(*f as f64),
        Value::Double(d) => float_key(*d),
        Value::Complex(c) if number_key(&c.im) == Some(HashKey::Int(0)) => number_key(&c.re)?,
        Value::Complex(c) => {
            HashKey::Tree(vec![tag("complex"), number_key(&c.re)?, number_key(&c.im)?])
        }
        _ => return None,
    })
}

fn float_key(d: f64) -> HashKey {
    if d.is_finite() && d.fract() == 0.0 {
        if d.abs() < 9.0e18 {
            return HashKey::Int(d as i64);
        }
        if let Some(b) = BigInt::from_f64(d) {
            return HashKey::Big(b.to_string());
        }
    }
    HashKey::FloatBits(d.to_bits(), true)
}

fn fold_char(c: char) -> char {
    let mut l = c.to_lowercase();
    match (l.next(), l.next()) {
        (Some(x), None) => x,
        _ => c,
    }
}

fn equalp_key(v: &Value, level: usize) -> Result<HashKey, TooDeep> {
    if let Some(k) = number_key(v) {
        return Ok(k);
    }
    let vector = |keys: Vec<HashKey>| {
        let mut all = Vec::with_capacity(keys.len() + 1);
        all.push(tag("vec"));
        all.extend(keys);
        HashKey::Tree(all)
    };
    let elements = |items: &[Value]| -> Result<Vec<HashKey>, TooDeep> {
        key_guard(level)?;
        items.iter().map(|x| equalp_key(x, level + 1)).collect()
    };
    Ok(match v {
        Value::Char(c) => HashKey::Char(fold_char(*c)),
        Value::String(s) => vector(
            s.borrow()
                .chars()
                .map(|c| HashKey::Char(fold_char(c)))
                .collect(),
        ),
        Value::Vector(x) => vector(elements(&x.borrow())?),
        Value::Bytes(b) => vector(b.borrow().iter().map(|x| HashKey::Int(*x as i64)).collect()),
        Value::Array(a) => {
            use crate::builtins::sequences::shape;
            let items: Vec<Value> = match shape::vector_items(v) {
                Some(items) => items,
                None => (0..a.total_size())
                    .filter_map(|i| shape::rm_get(v, i))
                    .collect(),
            };
            let mut keys = elements(&items)?;
            if a.rank() != 1 {
                let dims = a
                    .dims
                    .borrow()
                    .iter()
                    .map(|d| HashKey::Int(*d as i64))
                    .collect();
                keys.insert(0, HashKey::Tree(dims));
                keys.insert(0, tag("array"));
                HashKey::Tree(keys)
            } else if a.is_string() {
                vector(
                    items
                        .iter()
                        .map(|c| match c {
                            Value::Char(c) => HashKey::Char(fold_char(*c)),
                            _ => HashKey::Nil,
                        })
                        .collect(),
                )
            } else {
                vector(keys)
            }
        }
        Value::Cons(_) => return list_key(v, level, equalp_key),
        Value::Struct(o) => {
            let mut keys = vec![tag("struct"), HashKey::Ptr(Rc::as_ptr(&o.class) as usize)];
            keys.extend(elements(&o.slots.borrow())?);
            HashKey::Tree(keys)
        }
        _ => return equal_key(v, level),
    })
}

/// The test named by a `:test` argument: a symbol or one of the four
/// equality functions.
fn test_arg(it: &mut Interp, v: &Value) -> LResult<HashTest> {
    match super::sequences::hash_test_of(v) {
        Some(t) => Ok(t),
        None => {
            let msg = format!(
                "Unknown :TEST for MAKE-HASH-TABLE: {}",
                crate::printer::prin1_to_string(v)
            );
            it.simple_error(msg)
        }
    }
}

fn table(it: &mut Interp, v: &Value) -> LResult<Rc<HashTable>> {
    match v {
        Value::HashTable(h) => Ok(h.clone()),
        _ => args::type_err(it, v, "HASH-TABLE"),
    }
}

fn make_hash_table(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let kws = args::keywords(
        it,
        a,
        &[
            "TEST",
            "SIZE",
            "REHASH-SIZE",
            "REHASH-THRESHOLD",
            "WEAKNESS",
            "SYNCHRONIZED",
            "HASH-FUNCTION",
        ],
        "MAKE-HASH-TABLE",
    )?;
    let test = match args::kw(&kws, "TEST") {
        None => HashTest::Eql,
        Some(t) => test_arg(it, &t)?,
    };
    let [size, rehash_size, threshold] = DEFAULT_SIZING;
    let size = match args::kw(&kws, "SIZE") {
        Some(v @ Value::Fixnum(n)) if n >= 0 => v,
        Some(v) => return args::type_err(it, &v, "(INTEGER 0 4611686018427387900)"),
        None => size(),
    };
    let rehash_size = match args::kw(&kws, "REHASH-SIZE") {
        Some(v @ Value::Fixnum(n)) if n >= 1 => v,
        Some(v) if float_of(&v).is_some_and(|f| f > 1.0) => v,
        Some(v) => return args::type_err(it, &v, "(OR (INTEGER 1) (FLOAT (1.0)))"),
        None => rehash_size(),
    };
    let threshold = match args::kw(&kws, "REHASH-THRESHOLD") {
        Some(v) if real_of(&v).is_some_and(|f| (0.0..=1.0).contains(&f)) => v,
        Some(v) => return args::type_err(it, &v, "(REAL 0 1)"),
        None => threshold(),
    };
    let h = HashTable::new(test);
    *h.sizing.borrow_mut() = Some([size, rehash_size, threshold]);
    Ok(Value::HashTable(Rc::new(h)))
}

/// SBCL's defaults: size 7 (grown as needed), rehash size 1.5, threshold 1.0.
const DEFAULT_SIZING: [fn() -> Value; 3] = [
    || Value::Fixnum(7),
    || Value::Single(1.5),
    || Value::Single(1.0),
];

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Single(f) => Some(f64::from(*f)),
        Value::Double(f) => Some(*f),
        _ => None,
    }
}

fn real_of(v: &Value) -> Option<f64> {
    match v {
        Value::Fixnum(n) => Some(*n as f64),
        Value::Ratio(r) => num_traits::ToPrimitive::to_f64(&**r),
        _ => float_of(v),
    }
}

/// One of a table's sizing parameters (0 size, 1 rehash size, 2 threshold).
fn sizing(it: &mut Interp, v: &Value, i: usize) -> LResult<Value> {
    let h = table(it, v)?;
    let given = h.sizing.borrow().as_ref().map(|s| s[i].clone());
    let value = given.unwrap_or_else(DEFAULT_SIZING[i]);
    if i == 0 {
        // The table grows past its initial size as entries are added.
        let count = h.map.borrow().len() as i64;
        if let Value::Fixnum(n) = value {
            return Ok(Value::Fixnum(n.max(count)));
        }
    }
    Ok(value)
}

fn hash_table_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    sizing(it, &a[0], 0)
}

fn hash_table_rehash_size(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    sizing(it, &a[0], 1)
}

fn hash_table_rehash_threshold(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    sizing(it, &a[0], 2)
}

/// The value stored under `key` in the hash table `table`.
pub fn lookup(it: &mut Interp, table_value: &Value, key: &Value) -> LResult<Option<Value>> {
    let h = table(it, table_value)?;
    let k = key_of(it, h.test, key, "GETHASH")?;
    let found = h.map.borrow().get(&k).map(|(_, v)| v.clone());
    Ok(found)
}

/// `(setf gethash)` without going through a function call.
pub fn store(it: &mut Interp, table_value: &Value, key: &Value, value: Value) -> LResult<()> {
    let h = table(it, table_value)?;
    let k = key_of(it, h.test, key, "(SETF GETHASH)")?;
    put(&h, k, key, value);
    Ok(())
}

fn gethash(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let found = lookup(it, &a[1], &a[0])?;
    Ok(match found {
        Some(v) => it.values(vec![v, crate::eval::package::t()]),
        None => it.values(vec![a.get(2).cloned().unwrap_or(Value::Nil), Value::Nil]),
    })
}

/// Store `value` under `key`, whose hash key is `k`, in `h`.
fn put(h: &HashTable, k: HashKey, key: &Value, value: Value) {
    let mut map = h.map.borrow_mut();
    if let Some(entry) = map.get_mut(&k) {
        entry.1 = value;
        return;
    }
    map.insert(k.clone(), (key.clone(), value));
    let slot = h.free.borrow_mut().pop();
    let mut order = h.order.borrow_mut();
    match slot {
        Some(i) if i < order.len() => order[i] = k,
        _ => order.push(k),
    }
}

fn puthash(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let h = table(it, &a[1])?;
    let k = key_of(it, h.test, &a[0], "(SETF GETHASH)")?;
    put(&h, k, &a[0], a[2].clone());
    Ok(a[2].clone())
}

fn remhash(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let h = table(it, &a[1])?;
    let k = key_of(it, h.test, &a[0], "REMHASH")?;
    if h.map.borrow_mut().remove(&k).is_none() {
        return Ok(Value::Nil);
    }
    let mut order = h.order.borrow_mut();
    if let Some(i) = order.iter().rposition(|x| *x == k) {
        // A slot key that can never be a real key (see `tag`).
        order[i] = HashKey::Tree(vec![tag("free")]);
        h.free.borrow_mut().push(i);
    }
    Ok(crate::eval::package::t())
}

fn clrhash(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let h = table(it, &a[0])?;
    h.map.borrow_mut().clear();
    h.order.borrow_mut().clear();
    h.free.borrow_mut().clear();
    Ok(a[0].clone())
}

/// The live entries of `h` in iteration order.
pub fn entry_list(h: &HashTable) -> Vec<(Value, Value)> {
    let map = h.map.borrow();
    h.order
        .borrow()
        .iter()
        .filter_map(|k| map.get(k).cloned())
        .collect()
}

fn maphash(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let h = table(it, &a[1])?;
    // Walk a snapshot of the slots, reading each entry when its turn comes:
    // the function may remove or change entries (CLHS 18.1.2.2).
    let keys: Vec<HashKey> = h.order.borrow().clone();
    for k in keys {
        let entry = h.map.borrow().get(&k).cloned();
        if let Some((key, value)) = entry {
            it.apply(&a[0], &[key, value])?;
        }
    }
    it.mv = None;
    Ok(Value::Nil)
}

fn hash_table_count(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let h = table(it, &a[0])?;
    let n = h.map.borrow().len();
    Ok(Value::Fixnum(n as i64))
}

fn hash_table_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(a[0], Value::HashTable(_))))
}

fn hash_table_test(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let h = table(it, &a[0])?;
    let name = match h.test {
        HashTest::Eq => "EQ",
        HashTest::Eql => "EQL",
        HashTest::Equal => "EQUAL",
        HashTest::Equalp => "EQUALP",
    };
    Ok(super::sequences::util::cl(name))
}

fn sxhash(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    sxhash_into(&a[0], SXHASH_DEPTHOID, &mut h);
    Ok(Value::Fixnum((h.finish() >> 2) as i64))
}

/// How far `sxhash` looks into a list, down and along (SBCL's "depthoid"
/// is 4 as well): the code of a list nested or circular without end is
/// still computed at once, and objects that are EQUAL share it.
const SXHASH_DEPTHOID: u32 = 4;

fn sxhash_into(v: &Value, depthoid: u32, h: &mut impl Hasher) {
    match v {
        // By name, so the code does not depend on where the symbol lives.
        Value::Symbol(s) if !Value::Nil.eq(v) => HashKey::Str(format!("#sym{}", s.name)).hash(h),
        Value::Cons(_) => {
            tag("cons").hash(h);
            let mut cur = v.clone();
            for _ in 0..depthoid {
                let Value::Cons(c) = &cur else {
                    sxhash_into(&cur, depthoid - 1, h);
                    return;
                };
                sxhash_into(&c.car.borrow(), depthoid - 1, h);
                let next = c.cdr.borrow().clone();
                cur = next;
            }
        }
        // Strings, pathnames, numbers: keys that do not recurse.
        _ => match equal_key(v, 0) {
            Ok(k) => k.hash(h),
            Err(TooDeep) => tag("deep").hash(h),
        },
    }
}

fn entries(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let h = table(it, &a[0])?;
    Ok(Value::list(
        entry_list(&h)
            .into_iter()
            .map(|(k, v)| Value::cons(k, v))
            .collect::<Vec<_>>(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> Value {
        let mut v = Value::Nil;
        for _ in 0..depth {
            v = Value::list([v]);
        }
        v
    }

    #[test]
    fn keys_nested_past_the_limit_are_too_deep_not_a_crash() {
        let r = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(|| {
                let deep = nested(MAX_KEY_DEPTH * 2);
                (
                    hash_key(HashTest::Equal, &deep).is_err(),
                    hash_key(HashTest::Equalp, &deep).is_err(),
                    hash_key(HashTest::Eql, &deep).is_ok(),
                    hash_key(HashTest::Equal, &nested(100)).is_ok(),
                )
            })
            .ok()
            .and_then(|h| h.join().ok());
        assert_eq!(r, Some((true, true, true, true)));
    }

    #[test]
    fn sxhash_looks_only_a_few_levels_in() {
        let mut it = crate::toplevel::new_interp();
        let code = |it: &mut Interp, v: Value| match sxhash(it, &[v]) {
            Ok(Value::Fixnum(n)) => n,
            _ => -1,
        };
        // Deep lists that agree in their first levels share a code at once;
        // equal lists always do.
        let a = code(&mut it, nested(1_000_000));
        let b = code(&mut it, nested(1_000_001));
        assert_eq!(a, b);
        let s = |t: &str| Value::list([Value::string(t), Value::Fixnum(1)]);
        assert_eq!(code(&mut it, s("x")), code(&mut it, s("x")));
        assert_ne!(code(&mut it, s("x")), code(&mut it, s("y")));
        // A circular list has a code too.
        let l = Value::list([Value::Fixnum(1), Value::Fixnum(2)]);
        if let Value::Cons(c) = &l {
            *c.cdr.borrow_mut() = l.clone();
        }
        assert!(code(&mut it, l.clone()) >= 0);
        if let Value::Cons(c) = &l {
            *c.cdr.borrow_mut() = Value::Nil;
        }
    }
}

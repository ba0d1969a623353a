//! Lisp values. Conses are real mutable cells (CL needs dotted pairs and
//! shared tails); symbols are interned objects with a home package.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};

use super::package::Package;

/// A Lisp object. Cheap to clone: heap objects are reference counted.
#[derive(Clone)]
pub enum Value {
    /// The symbol NIL, also the empty list and false.
    Nil,
    Cons(Rc<Cons>),
    Symbol(Sym),
    Fixnum(i64),
    Bignum(Rc<BigInt>),
    Ratio(Rc<BigRational>),
    /// single-float (CL's default float format, `1.5`, `1.5e0`, `1.5f0`).
    Single(f32),
    /// double-float (`1.5d0`); short- and long-float map onto single/double.
    Double(f64),
    /// A complex number (CLHS 12.1.5): both parts rational (the
    /// imaginary one non-zero) or both floats of one format.
    Complex(Rc<Complex>),
    Char(char),
    String(Rc<RefCell<String>>),
    /// A simple general vector (`#(...)`).
    Vector(Rc<RefCell<Vec<Value>>>),
    /// An `(unsigned-byte 8)` vector (octets).
    Bytes(Rc<RefCell<Vec<u8>>>),
    /// Any other array: multi-dimensional, displaced, bit vectors and
    /// other specialised element types (`eval::array`).
    Array(Rc<super::array::Array>),
    Function(Rc<Function>),
    HashTable(Rc<HashTable>),
    Package(Rc<Package>),
    Stream(Rc<crate::eval::stream::Stream>),
    Pathname(Rc<Pathname>),
    /// Instances of `defstruct` types and of condition classes.
    Struct(Rc<StructObj>),
    /// Host objects with no Lisp structure of their own (MIME parts, ...).
    /// (Boxed so the pointer is thin and `Value` stays two words.)
    Object(HostRef),
}

/// The parts of a complex number.
pub struct Complex {
    pub re: Value,
    pub im: Value,
}

/// A cons cell.
pub struct Cons {
    pub car: RefCell<Value>,
    pub cdr: RefCell<Value>,
}

/// Lists are freed without deep recursion: along the cdr chain in a loop,
/// as before, and through the cars by ordinary recursion only
/// [`DROP_RECURSION`] levels deep (see [`drop_car`]). So neither a list of
/// a million elements nor one nested a million deep through its cars
/// (`(((...)))`) can overflow the stack.
impl Drop for Cons {
    fn drop(&mut self) {
        if let Value::Cons(rc) = self.car.get_mut() {
            if Rc::strong_count(rc) == 1 {
                drop_car(std::mem::replace(self.car.get_mut(), Value::Nil));
            }
        }
        let mut next = std::mem::replace(self.cdr.get_mut(), Value::Nil);
        while let Value::Cons(rc) = next {
            match Rc::try_unwrap(rc) {
                Ok(mut cell) => next = std::mem::replace(cell.cdr.get_mut(), Value::Nil),
                Err(_) => break,
            }
        }
    }
}

/// How deep freeing recurses through cars before it hands them to the
/// outermost call's work list (a few hundred bytes of stack a level).
const DROP_RECURSION: u32 = 256;

thread_local! {
    /// How many `drop_car` calls are active on this thread.
    static DROP_DEPTH: Cell<u32> = const { Cell::new(0) };
    /// Cars left for the outermost `drop_car` to free.
    static DROP_PENDING: RefCell<Vec<Value>> = const { RefCell::new(Vec::new()) };
}

/// Free `car`, the last reference to a cons: recursively while shallow,
/// else by the outermost call, one work-list item at a time.
fn drop_car(car: Value) {
    let depth = DROP_DEPTH.with(Cell::get);
    if depth >= DROP_RECURSION {
        // While the thread's locals are being destroyed the work list may
        // be gone: then the car is freed by recursion, as before.
        let mut car = Some(car);
        let _ = DROP_PENDING.try_with(|p| {
            if let (Ok(mut p), Some(v)) = (p.try_borrow_mut(), car.take()) {
                p.push(v);
            }
        });
        drop(car);
        return;
    }
    DROP_DEPTH.with(|d| d.set(depth + 1));
    drop(car);
    if depth == 0 {
        while let Some(v) = DROP_PENDING
            .try_with(|p| p.try_borrow_mut().ok().and_then(|mut p| p.pop()))
            .ok()
            .flatten()
        {
            drop(v);
        }
    }
    DROP_DEPTH.with(|d| d.set(depth));
}

pub type Sym = Rc<Symbol>;

/// An interned or uninterned symbol.
pub struct Symbol {
    pub name: String,
    /// Home package; `None` for uninterned symbols.
    pub package: RefCell<Option<Rc<Package>>>,
    /// Global (dynamic) value.
    pub value: RefCell<Option<Value>>,
    /// Global function or macro definition.
    pub function: RefCell<Option<Value>>,
    pub plist: RefCell<Value>,
    /// Proclaimed special (`defvar`, `defparameter`).
    pub special: Cell<bool>,
    pub constant: Cell<bool>,
    /// Non-zero: the special operator this symbol names (see `eval::special`).
    pub special_form: Cell<u16>,
    /// Macro function (global `defmacro`), kept apart from `function`.
    pub macro_fn: RefCell<Option<Value>>,
    /// Documentation strings by kind (`function`, `variable`).
    pub doc: RefCell<Vec<(&'static str, String)>>,
}

impl Symbol {
    /// Is COMMON-LISP this symbol's home package?
    pub fn home_is_cl(&self) -> bool {
        self.package
            .borrow()
            .as_ref()
            .is_some_and(|p| p.is_named("COMMON-LISP"))
    }

    pub fn new(name: &str) -> Symbol {
        Symbol {
            name: name.to_string(),
            package: RefCell::new(None),
            value: RefCell::new(None),
            function: RefCell::new(None),
            plist: RefCell::new(Value::Nil),
            special: Cell::new(false),
            constant: Cell::new(false),
            special_form: Cell::new(0),
            macro_fn: RefCell::new(None),
            doc: RefCell::new(Vec::new()),
        }
    }
    pub fn is_keyword(&self) -> bool {
        self.package
            .borrow()
            .as_ref()
            .is_some_and(|p| p.is_named("KEYWORD"))
    }
}

/// Signature of a function implemented in Rust.
pub type BuiltinFn = fn(&mut crate::eval::Interp, &[Value]) -> crate::eval::LResult<Value>;

/// A callable object.
pub enum Function {
    Builtin(Builtin),
    Closure(Closure),
    /// A function made at run time in Rust (structure accessors and
    /// constructors).
    Native(Native),
}

/// See [`Function::Native`].
pub struct Native {
    pub name: Sym,
    pub f: NativeFn,
}

pub type NativeFn = Rc<dyn Fn(&mut crate::eval::Interp, &[Value]) -> crate::eval::LResult<Value>>;

pub struct Builtin {
    pub name: Sym,
    pub min_args: usize,
    /// `None` = any number.
    pub max_args: Option<usize>,
    pub f: BuiltinFn,
}

pub struct Closure {
    pub name: RefCell<Option<Value>>,
    pub lambda_list: Rc<crate::eval::lambda::LambdaList>,
    pub body: Value,
    pub env: crate::eval::env::Env,
    /// Implicit block name (`defun` establishes one named after the function).
    pub block: Option<Sym>,
    /// A macro expander: called with the whole form, destructured against
    /// `lambda_list` (CLHS 3.4.4).
    pub is_macro: bool,
    /// `destructuring-bind`'s closure: its one argument is destructured
    /// against `lambda_list`.
    pub destructuring: bool,
    /// The body compiled (`eval::compile`); `None` runs `body` interpreted.
    pub code: Option<Rc<crate::eval::compile::Compiled>>,
}

/// The hasher of Lisp hash tables: foldhash is several times faster than
/// std's SipHash on short keys and still seeded per process, so keys from
/// untrusted input cannot be chosen to collide in advance.
pub type KeyHasher = foldhash::quality::RandomState;

/// A hash table: `eq`, `eql`, `equal` or `equalp`.
pub struct HashTable {
    pub test: HashTest,
    pub map: RefCell<HashMap<HashKey, (Value, Value), KeyHasher>>,
    /// Insertion order of keys, so `maphash` is deterministic (as SBCL's is).
    /// A removed entry leaves a slot that is not a key of `map`.
    pub order: RefCell<Vec<HashKey>>,
    /// Freed slots of `order`, reused last-freed first, as SBCL reuses them.
    pub free: RefCell<Vec<usize>>,
    /// `make-hash-table`'s `:size`, `:rehash-size`, `:rehash-threshold`
    /// (CLHS 18.2), as given; `None` for the defaults.
    pub sizing: RefCell<Option<[Value; 3]>>,
}

impl HashTable {
    /// An empty table.
    pub fn new(test: HashTest) -> HashTable {
        HashTable {
            test,
            map: RefCell::new(HashMap::default()),
            order: RefCell::new(Vec::new()),
            free: RefCell::new(Vec::new()),
            sizing: RefCell::new(None),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HashTest {
    Eq,
    Eql,
    Equal,
    Equalp,
}

/// The key under which a value is stored, derived according to the test.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum HashKey {
    /// Identity of a heap object (pointer) or an immediate.
    Ptr(usize),
    Int(i64),
    Big(String),
    Char(char),
    FloatBits(u64, bool),
    Str(String),
    /// `equal`/`equalp` on conses and vectors: a structural rendering.
    Tree(Vec<HashKey>),
    Nil,
}

/// A pathname. sendletter keeps pathnames as parsed namestrings.
#[derive(Clone, Debug, PartialEq)]
pub struct Pathname {
    /// The logical host (CLHS 19.3), upper case; `None` for a Unix pathname.
    /// A logical pathname keeps its directory in the same `/`-separated
    /// form as a physical one: `HOST:A;B;` is `/A/B/`, `HOST:;A;` is `A/`.
    pub host: Option<String>,
    pub directory: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    /// The version component (CLHS 19.2.1): Unix files have none, so it
    /// only records what `make-pathname` and merging gave.
    pub version: Option<Version>,
}

/// A pathname version other than NIL (CLHS 19.2.2.1.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    Newest,
    Wild,
    Unspecific,
    Number(u64),
}

impl Pathname {
    /// Parse a Unix namestring: directory up to the last `/`, then name and
    /// type split at the last `.` (a leading dot belongs to the name).
    pub fn parse(s: &str) -> Pathname {
        if let Some(Ok(p)) = crate::builtins::logical_pathnames::parse_logical(s) {
            return p;
        }
        let (dir, file) = match s.rfind('/') {
            Some(i) => (Some(s[..=i].to_string()), &s[i + 1..]),
            None => (None, s),
        };
        let (name, kind) = match file.rfind('.') {
            Some(i) if i > 0 => (Some(file[..i].to_string()), Some(file[i + 1..].to_string())),
            _ if file.is_empty() => (None, None),
            _ => (Some(file.to_string()), None),
        };
        // As SBCL parses: a namestring with a name is the newest version.
        let version = name.as_ref().map(|_| Version::Newest);
        Pathname {
            host: None,
            directory: dir,
            name,
            kind,
            version,
        }
    }
    pub fn namestring(&self) -> String {
        if let Some(host) = &self.host {
            return crate::builtins::logical_pathnames::logical_namestring(host, self);
        }
        let mut s = self.directory.clone().unwrap_or_default();
        if let Some(n) = &self.name {
            s.push_str(n);
        }
        if let Some(t) = &self.kind {
            s.push('.');
            s.push_str(t);
        }
        s
    }
}

/// The shape of a `defstruct` type or a condition class.
pub struct StructClass {
    pub name: Sym,
    pub parent: Option<Rc<StructClass>>,
    /// All slots, inherited ones first.
    pub slots: Vec<SlotDef>,
    /// Further superclasses by name (CL's `simple-error` is both a
    /// `simple-condition` and an `error`).
    pub mixins: Vec<Sym>,
    pub is_condition: bool,
    /// `:report` of a condition class: a string or a function of (condition stream).
    pub report: RefCell<Option<Value>>,
    /// Name of the constructor used when printing `#S(...)` is not needed.
    pub conc_name: String,
}

pub struct SlotDef {
    pub name: Sym,
    pub initform: Value,
    pub initargs: Vec<Sym>,
    pub readers: Vec<Sym>,
    /// The defining environment for evaluating the initform.
    pub has_initform: bool,
}

impl StructClass {
    pub fn is_subclass_of(&self, name: &Sym) -> bool {
        let mut c: Option<&StructClass> = Some(self);
        while let Some(k) = c {
            if Rc::ptr_eq(&k.name, name) || k.mixins.iter().any(|m| Rc::ptr_eq(m, name)) {
                return true;
            }
            c = k.parent.as_deref();
        }
        false
    }
    pub fn slot_index(&self, name: &Sym) -> Option<usize> {
        self.slots.iter().position(|s| Rc::ptr_eq(&s.name, name))
    }
    pub fn slot_index_by_name(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.name.name == name)
    }
}

/// An instance of a structure or condition class.
pub struct StructObj {
    pub class: Rc<StructClass>,
    pub slots: RefCell<Vec<Value>>,
}

/// A shared host object.
pub type HostRef = Rc<Box<dyn HostObject>>;

/// A host object: something implemented in Rust that Lisp only holds.
pub trait HostObject {
    /// The Lisp type name, e.g. `MIME-PART-CONSTRUCTED`.
    fn type_name(&self) -> &str;
    /// For the `#<...>` printed form.
    fn describe(&self) -> String {
        String::new()
    }
    fn as_any(&self) -> &dyn std::any::Any;
}

impl Value {
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }
    pub fn truthy(&self) -> bool {
        !self.is_nil()
    }
    pub fn bool(b: bool) -> Value {
        if b {
            crate::eval::package::t()
        } else {
            Value::Nil
        }
    }
    pub fn cons(car: Value, cdr: Value) -> Value {
        Value::Cons(Rc::new(Cons {
            car: RefCell::new(car),
            cdr: RefCell::new(cdr),
        }))
    }
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(Rc::new(RefCell::new(s.into())))
    }
    pub fn vector(v: Vec<Value>) -> Value {
        Value::Vector(Rc::new(RefCell::new(v)))
    }
    pub fn list(items: impl IntoIterator<Item = Value, IntoIter: DoubleEndedIterator>) -> Value {
        Value::list_with_tail(items, Value::Nil)
    }
    pub fn list_with_tail(
        items: impl IntoIterator<Item = Value, IntoIter: DoubleEndedIterator>,
        tail: Value,
    ) -> Value {
        let mut acc = tail;
        for v in items.into_iter().rev() {
            acc = Value::cons(v, acc);
        }
        acc
    }
    /// An integer from a bignum, as a fixnum when it fits.
    pub fn integer(n: BigInt) -> Value {
        match n.to_i64() {
            Some(i) => Value::Fixnum(i),
            None => Value::Bignum(Rc::new(n)),
        }
    }
    /// A rational in canonical form: an integer when the denominator is 1.
    /// The caller guarantees a non-zero denominator.
    pub fn rational(r: BigRational) -> Value {
        if r.denom().is_one() {
            Value::integer(r.numer().clone())
        } else {
            Value::Ratio(Rc::new(r))
        }
    }
    /// `num/den` canonicalised; `None` when `den` is zero.
    pub fn ratio(num: BigInt, den: BigInt) -> Option<Value> {
        if den.is_zero() {
            return None;
        }
        Some(Value::rational(BigRational::new(num, den)))
    }
    pub fn car(&self) -> Value {
        match self {
            Value::Cons(c) => c.car.borrow().clone(),
            _ => Value::Nil,
        }
    }
    pub fn cdr(&self) -> Value {
        match self {
            Value::Cons(c) => c.cdr.borrow().clone(),
            _ => Value::Nil,
        }
    }
    pub fn is_cons(&self) -> bool {
        matches!(self, Value::Cons(_))
    }
    pub fn is_list(&self) -> bool {
        matches!(self, Value::Cons(_) | Value::Nil)
    }
    pub fn as_symbol(&self) -> Option<Sym> {
        match self {
            Value::Symbol(s) => Some(s.clone()),
            Value::Nil => Some(crate::eval::package::nil_symbol()),
            _ => None,
        }
    }
    pub fn is_symbol(&self) -> bool {
        matches!(self, Value::Symbol(_) | Value::Nil)
    }
    /// Is this the symbol `s`? (NIL compares with the NIL symbol.)
    pub fn is_sym(&self, s: &Sym) -> bool {
        match self {
            Value::Symbol(x) => Rc::ptr_eq(x, s),
            Value::Nil => s.name == "NIL" && s.home_is_cl(),
            _ => false,
        }
    }
    /// Iterate over the elements of a (possibly improper) list; stops at
    /// the first non-cons tail.
    pub fn iter(&self) -> ListIter {
        ListIter { cur: self.clone() }
    }
    /// The elements of a proper list, or `None` for a dotted list.
    ///
    /// A circular list is `None` too (a tortoise follows at half speed), so
    /// it cannot grow the vector without bound.
    pub fn list_to_vec(&self) -> Option<Vec<Value>> {
        let mut out = Vec::new();
        let mut cur = self.clone();
        let mut tortoise = self.clone();
        loop {
            match cur {
                Value::Nil => return Some(out),
                Value::Cons(c) => {
                    out.push(c.car.borrow().clone());
                    let next = c.cdr.borrow().clone();
                    cur = next;
                }
                _ => return None,
            }
            if out.len() % 2 == 0 {
                tortoise = tortoise.cdr();
                if let (Value::Cons(a), Value::Cons(b)) = (&tortoise, &cur) {
                    if Rc::ptr_eq(a, b) {
                        return None;
                    }
                }
            }
        }
    }

    /// Is this a list whose tail loops back into itself?
    pub fn is_circular_list(&self) -> bool {
        let (mut slow, mut fast) = (self.clone(), self.clone());
        loop {
            for _ in 0..2 {
                fast = match &fast {
                    Value::Cons(c) => c.cdr.borrow().clone(),
                    _ => return false,
                };
            }
            slow = slow.cdr();
            if let (Value::Cons(a), Value::Cons(b)) = (&slow, &fast) {
                if Rc::ptr_eq(a, b) {
                    return true;
                }
            }
        }
    }
    /// Identity comparison (`eq`): pointers for heap objects, values for
    /// immediates (fixnums and characters are immediate, as in SBCL).
    #[allow(clippy::should_implement_trait)]
    pub fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Nil, Nil) => true,
            (Nil, Symbol(s)) | (Symbol(s), Nil) => other.is_sym(s) && self.is_sym(s),
            (Symbol(a), Symbol(b)) => Rc::ptr_eq(a, b),
            (Cons(a), Cons(b)) => Rc::ptr_eq(a, b),
            (Fixnum(a), Fixnum(b)) => a == b,
            (Char(a), Char(b)) => a == b,
            (Single(a), Single(b)) => a.to_bits() == b.to_bits(),
            (Double(a), Double(b)) => a.to_bits() == b.to_bits(),
            (Bignum(a), Bignum(b)) => Rc::ptr_eq(a, b),
            (Ratio(a), Ratio(b)) => Rc::ptr_eq(a, b),
            (Complex(a), Complex(b)) => Rc::ptr_eq(a, b),
            (String(a), String(b)) => Rc::ptr_eq(a, b),
            (Vector(a), Vector(b)) => Rc::ptr_eq(a, b),
            (Bytes(a), Bytes(b)) => Rc::ptr_eq(a, b),
            (Array(a), Array(b)) => Rc::ptr_eq(a, b),
            (Function(a), Function(b)) => Rc::ptr_eq(a, b),
            (HashTable(a), HashTable(b)) => Rc::ptr_eq(a, b),
            (Package(a), Package(b)) => Rc::ptr_eq(a, b),
            (Stream(a), Stream(b)) => Rc::ptr_eq(a, b),
            (Pathname(a), Pathname(b)) => Rc::ptr_eq(a, b),
            (Struct(a), Struct(b)) => Rc::ptr_eq(a, b),
            (Object(a), Object(b)) => std::ptr::addr_eq(Rc::as_ptr(a), Rc::as_ptr(b)),
            _ => false,
        }
    }
    /// `eql`: `eq`, plus numbers of the same type and value.
    pub fn eql(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Bignum(a), Bignum(b)) => a == b,
            (Ratio(a), Ratio(b)) => a == b,
            (Complex(a), Complex(b)) => a.re.eql(&b.re) && a.im.eql(&b.im),
            _ => self.eq(other),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", crate::printer::prin1_to_string(self))
    }
}

/// Iterator over list elements (see [`Value::iter`]).
pub struct ListIter {
    cur: Value,
}

impl Iterator for ListIter {
    type Item = Value;
    fn next(&mut self) -> Option<Value> {
        let (car, cdr) = match &self.cur {
            Value::Cons(c) => (c.car.borrow().clone(), c.cdr.borrow().clone()),
            _ => return None,
        };
        self.cur = cdr;
        Some(car)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_nested_a_million_deep_through_its_cars_is_freed_without_recursion() {
        let done = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                let mut v = Value::Nil;
                for i in 0..1_000_000 {
                    v = Value::list([v, Value::Fixnum(i)]);
                }
                drop(v);
                true
            })
            .ok()
            .and_then(|h| h.join().ok());
        assert_eq!(done, Some(true));
    }

    #[test]
    fn a_circular_list_has_no_elements_vector() {
        for n in 1..6 {
            let l = Value::list((0..n).map(Value::Fixnum).collect::<Vec<_>>());
            let mut last = l.clone();
            while last.cdr().is_cons() {
                last = last.cdr();
            }
            assert_eq!(l.list_to_vec().map(|v| v.len()), Some(n as usize));
            assert!(!l.is_circular_list());
            if let Value::Cons(c) = &last {
                *c.cdr.borrow_mut() = l.clone();
            }
            assert!(l.list_to_vec().is_none(), "{n}");
            assert!(l.is_circular_list(), "{n}");
            if let Value::Cons(c) = &last {
                *c.cdr.borrow_mut() = Value::Nil;
            }
        }
    }
}

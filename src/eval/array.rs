//! General arrays (CLHS 15.1): multi-dimensional, displaced and
//! specialised arrays, bit vectors among them.
//!
//! Simple general vectors, strings and octet vectors keep their own
//! `Value` variants; everything else is a [`Array`]: a row-major element
//! store (or a window on another array, CLHS 15.1.1.3.1.1), its dimensions,
//! its upgraded element type, a fill pointer and adjustability.

use std::cell::{Cell, RefCell};

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive, Zero};

use super::package::{cl_sym, sym_value};
use super::value::Value;

/// An upgraded array element type, as SBCL (x86-64) upgrades them
/// (CLHS 15.1.2.1, `upgraded-array-element-type`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Elem {
    T,
    Bit,
    Char,
    /// `(unsigned-byte n)` for n in 2, 4, 7, 8, 15, 16, 31, 32, 62, 63, 64.
    Unsigned(u8),
    /// `(signed-byte n)` for n in 8, 16, 32, 64.
    Signed(u8),
    Fixnum,
    Single,
    Double,
    /// The empty type: an array that can hold nothing.
    Nil,
}

/// SBCL's fixnum range (63 bits).
const FIXNUM_MIN: i64 = -(1i64 << 62);
const FIXNUM_MAX: i64 = (1i64 << 62) - 1;

impl Elem {
    /// The type specifier `array-element-type` returns.
    pub fn spec(self) -> Value {
        let s = |n: &str| sym_value(cl_sym(n));
        match self {
            Elem::T => s("T"),
            Elem::Bit => s("BIT"),
            Elem::Char => s("CHARACTER"),
            Elem::Unsigned(n) => Value::list([s("UNSIGNED-BYTE"), Value::Fixnum(n as i64)]),
            Elem::Signed(n) => Value::list([s("SIGNED-BYTE"), Value::Fixnum(n as i64)]),
            Elem::Fixnum => s("FIXNUM"),
            Elem::Single => s("SINGLE-FLOAT"),
            Elem::Double => s("DOUBLE-FLOAT"),
            Elem::Nil => Value::Nil,
        }
    }

    /// The element a fresh array holds when none is given (SBCL's zero).
    pub fn default_value(self) -> Value {
        match self {
            Elem::Char => Value::Char('\0'),
            Elem::Single => Value::Single(0.0),
            Elem::Double => Value::Double(0.0),
            Elem::Nil => Value::Nil,
            _ => Value::Fixnum(0),
        }
    }

    /// Can an array of this element type hold `v`?
    pub fn accepts(self, v: &Value) -> bool {
        let int_in = |lo: &BigInt, hi: &BigInt| match v {
            Value::Fixnum(n) => BigInt::from(*n) >= *lo && BigInt::from(*n) <= *hi,
            Value::Bignum(b) => **b >= *lo && **b <= *hi,
            _ => false,
        };
        match self {
            Elem::T => true,
            Elem::Nil => false,
            Elem::Bit => matches!(v, Value::Fixnum(0 | 1)),
            Elem::Char => matches!(v, Value::Char(_)),
            Elem::Fixnum => matches!(v, Value::Fixnum(n) if (FIXNUM_MIN..=FIXNUM_MAX).contains(n)),
            Elem::Single => matches!(v, Value::Single(_)),
            Elem::Double => matches!(v, Value::Double(_)),
            Elem::Unsigned(n) => int_in(&BigInt::zero(), &((BigInt::from(1) << n) - 1)),
            Elem::Signed(n) => {
                let half = BigInt::from(1) << (n - 1);
                int_in(&-half.clone(), &(half - 1))
            }
        }
    }

    /// The type named in the error when an element does not fit.
    pub fn text(self) -> String {
        crate::printer::prin1_to_string(&self.spec())
    }

    /// The smallest specialised integer array holding `lo..=hi`, as SBCL.
    fn for_range(lo: &BigInt, hi: &BigInt) -> Elem {
        if lo > hi {
            return Elem::Nil;
        }
        if !lo.is_negative() {
            let bits = hi.bits();
            for n in [1u64, 2, 4, 7, 8, 15, 16, 31, 32, 62, 63, 64] {
                if bits <= n {
                    return if n == 1 {
                        Elem::Bit
                    } else {
                        Elem::Unsigned(n as u8)
                    };
                }
            }
            return Elem::T;
        }
        let need = |x: &BigInt| -> u64 {
            if x.is_negative() {
                (-x - BigInt::from(1)).bits() + 1
            } else {
                x.bits() + 1
            }
        };
        let bits = need(lo).max(need(hi));
        match bits {
            0..=8 => Elem::Signed(8),
            9..=16 => Elem::Signed(16),
            17..=32 => Elem::Signed(32),
            33..=63 => Elem::Fixnum,
            64 => Elem::Signed(64),
            _ => Elem::T,
        }
    }

    /// Upgrade a type specifier (CLHS 15.1.2.1). Specifiers sendletter
    /// cannot analyse upgrade to T, which holds every object.
    pub fn upgrade(spec: &Value) -> Elem {
        let name = |v: &Value| v.as_symbol().map(|s| s.name.clone()).unwrap_or_default();
        match spec {
            Value::Nil => Elem::Nil,
            Value::Symbol(s) => match s.name.as_str() {
                "BIT" => Elem::Bit,
                "CHARACTER" | "BASE-CHAR" | "STANDARD-CHAR" => Elem::Char,
                "FIXNUM" => Elem::Fixnum,
                "SINGLE-FLOAT" | "SHORT-FLOAT" => Elem::Single,
                "DOUBLE-FLOAT" | "LONG-FLOAT" => Elem::Double,
                "UNSIGNED-BYTE" => Elem::T,
                "SIGNED-BYTE" => Elem::T,
                _ => Elem::T,
            },
            Value::Cons(_) => {
                let args: Vec<Value> = spec.cdr().iter().collect();
                let int = |v: Option<&Value>| match v {
                    Some(Value::Fixnum(n)) => Some(BigInt::from(*n)),
                    Some(Value::Bignum(b)) => Some((**b).clone()),
                    _ => None,
                };
                match name(&spec.car()).as_str() {
                    "UNSIGNED-BYTE" => match int(args.first()) {
                        Some(n) if n.is_positive() && n <= BigInt::from(64) => {
                            let bits = n.to_u32().unwrap_or(64);
                            Elem::for_range(&BigInt::zero(), &((BigInt::from(1) << bits) - 1))
                        }
                        _ => Elem::T,
                    },
                    "SIGNED-BYTE" => match int(args.first()) {
                        Some(n) if n.is_positive() && n <= BigInt::from(64) => {
                            let half = BigInt::from(1) << (n.to_u32().unwrap_or(64) - 1);
                            Elem::for_range(&-half.clone(), &(half - 1))
                        }
                        _ => Elem::T,
                    },
                    "MOD" => match int(args.first()) {
                        Some(n) if n.is_positive() => Elem::for_range(&BigInt::zero(), &(n - 1)),
                        _ => Elem::T,
                    },
                    "INTEGER" => {
                        let bound = |v: Option<&Value>, low: bool| match v {
                            Some(Value::Cons(_)) => {
                                int(Some(&v?.car())).map(|b| if low { b + 1 } else { b - 1 })
                            }
                            other => int(other),
                        };
                        match (bound(args.first(), true), bound(args.get(1), false)) {
                            (Some(lo), Some(hi)) => Elem::for_range(&lo, &hi),
                            _ => Elem::T,
                        }
                    }
                    "MEMBER" | "EQL" if !args.is_empty() => {
                        let ints: Option<Vec<BigInt>> = args.iter().map(|a| int(Some(a))).collect();
                        match ints {
                            Some(ns) => {
                                let lo = ns.iter().min().cloned().unwrap_or_default();
                                let hi = ns.iter().max().cloned().unwrap_or_default();
                                Elem::for_range(&lo, &hi)
                            }
                            None if args.iter().all(|a| matches!(a, Value::Char(_))) => Elem::Char,
                            None => Elem::T,
                        }
                    }
                    "SINGLE-FLOAT" | "SHORT-FLOAT" => Elem::Single,
                    "DOUBLE-FLOAT" | "LONG-FLOAT" => Elem::Double,
                    "AND" if args.iter().any(|a| Elem::upgrade(a) == Elem::Nil) => Elem::Nil,
                    "OR" => {
                        let mut kinds = args.iter().map(Elem::upgrade);
                        match kinds.next() {
                            None => Elem::Nil,
                            Some(first) if kinds.all(|k| k == first) => first,
                            _ => Elem::T,
                        }
                    }
                    _ => Elem::T,
                }
            }
            _ => Elem::T,
        }
    }
}

/// Where an array's elements live.
pub enum Storage {
    /// Its own elements, row-major.
    Own(Vec<Value>),
    /// Elements `offset..` of another array, in row-major order.
    Displaced { to: Value, offset: usize },
}

/// An array that is not a simple general vector, string or octet vector.
pub struct Array {
    pub elem: Elem,
    pub dims: RefCell<Vec<usize>>,
    pub data: RefCell<Storage>,
    /// The fill pointer of a vector that has one.
    pub fill: Cell<Option<usize>>,
    pub adjustable: Cell<bool>,
}

impl Array {
    /// A simple array owning `items` (the caller makes `items` as long as
    /// the product of `dims`).
    pub fn simple(elem: Elem, dims: Vec<usize>, items: Vec<Value>) -> Array {
        Array {
            elem,
            dims: RefCell::new(dims),
            data: RefCell::new(Storage::Own(items)),
            fill: Cell::new(None),
            adjustable: Cell::new(false),
        }
    }

    pub fn rank(&self) -> usize {
        self.dims.borrow().len()
    }

    /// The product of the dimensions.
    pub fn total_size(&self) -> usize {
        self.dims.borrow().iter().product()
    }

    /// The active length of a vector: the fill pointer or the dimension.
    pub fn length(&self) -> usize {
        self.fill.get().unwrap_or_else(|| self.total_size())
    }

    pub fn is_displaced(&self) -> bool {
        matches!(&*self.data.borrow(), Storage::Displaced { .. })
    }

    /// Simple in SBCL's sense: not displaced, no fill pointer, not
    /// adjustable (CLHS 15.1.1.3).
    pub fn is_simple(&self) -> bool {
        !self.is_displaced() && self.fill.get().is_none() && !self.adjustable.get()
    }

    pub fn is_bit_vector(&self) -> bool {
        self.elem == Elem::Bit && self.rank() == 1
    }

    /// A string: a vector of characters (SBCL does not count
    /// `(vector nil)` among the strings).
    pub fn is_string(&self) -> bool {
        self.elem == Elem::Char && self.rank() == 1
    }
}

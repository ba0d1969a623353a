//! Type specifiers: `typep` and `type-of` (CLHS 4.2).

use super::array::Elem;
use super::interp::Interp;
use super::package::cl_sym;
use super::value::Value;
use super::LResult;
use crate::builtins::sequences::{arrays, shape};
use num_traits::ToPrimitive;

thread_local! {
    /// The expanders of `deftype` types, by name.
    static DEFTYPES: std::cell::RefCell<std::collections::HashMap<super::interp::SymKey, Value>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// The name of a built-in class object (CLHS 4.3.7: a class stands for
/// the type of its name), so `(find-class 'vector)` works wherever
/// `'vector` does.
pub fn builtin_class_name(v: &Value) -> Option<Value> {
    let inst = crate::clos::instance::instance(v)?;
    let meta = crate::clos::instance::class_name(inst);
    if meta.as_symbol().is_none_or(|s| s.name != "BUILT-IN-CLASS") {
        return None;
    }
    let name = inst.slots.borrow().first().cloned()?;
    name.as_symbol().map(Value::Symbol)
}

/// Record `deftype NAME`'s expander (a function of the type's arguments).
pub fn define_type(name: &super::value::Sym, expander: Value) {
    DEFTYPES.with(|d| {
        d.borrow_mut()
            .insert(super::interp::SymKey(name.clone()), expander)
    });
}

impl Interp {
    /// The expansion of a `deftype` type specifier (CLHS deftype), or
    /// `None` when `spec` does not name one.
    pub fn expand_deftype(&mut self, spec: &Value) -> LResult<Option<Value>> {
        if let Some(name) = builtin_class_name(spec) {
            return Ok(Some(name));
        }
        if DEFTYPES.with(|d| d.borrow().is_empty()) {
            return Ok(None);
        }
        let (name, args) = match spec {
            Value::Symbol(s) => (s.clone(), Vec::new()),
            Value::Cons(_) => match spec.car() {
                Value::Symbol(s) => (s, spec.cdr().iter().collect()),
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        let Some(f) = DEFTYPES.with(|d| d.borrow().get(&super::interp::SymKey(name)).cloned())
        else {
            return Ok(None);
        };
        if super::depth::check().is_err() {
            let c = self.make_error(
                "STORAGE-CONDITION",
                "Control stack exhausted expanding a DEFTYPE type: it expands into itself.",
            );
            return self.err(c);
        }
        Ok(Some(self.apply(&f, &args)?))
    }

    /// Is `v` of type `spec`?
    pub fn typep(&mut self, v: &Value, spec: &Value) -> LResult<bool> {
        if let Some(expansion) = self.expand_deftype(spec)? {
            return self.typep(v, &expansion);
        }
        match spec {
            Value::Nil => Ok(false),
            Value::Symbol(s) if s.name == "VALUES" => self.typep_refused(spec),
            Value::Symbol(s) => self.typep_name(v, &s.name, s),
            Value::Cons(_) => {
                let head = spec.car();
                let args: Vec<Value> = spec.cdr().iter().collect();
                let name = head.as_symbol().map(|s| s.name.clone()).unwrap_or_default();
                match name.as_str() {
                    "OR" => {
                        for a in &args {
                            if self.typep(v, a)? {
                                return Ok(true);
                            }
                        }
                        Ok(false)
                    }
                    "AND" => {
                        for a in &args {
                            if !self.typep(v, a)? {
                                return Ok(false);
                            }
                        }
                        Ok(true)
                    }
                    "NOT" => Ok(!self.typep(v, &args.first().cloned().unwrap_or(Value::Nil))?),
                    "COMPLEX" => match (v, args.first()) {
                        (Value::Complex(_), None) => Ok(true),
                        (Value::Complex(_), Some(Value::Symbol(s))) if s.name == "*" => Ok(true),
                        (Value::Complex(c), Some(part)) => {
                            let (re, im) = (c.re.clone(), c.im.clone());
                            Ok(self.typep(&re, part)? && self.typep(&im, part)?)
                        }
                        _ => Ok(false),
                    },
                    "MEMBER" => Ok(args.iter().any(|a| a.eql(v))),
                    "EQL" => Ok(args.first().is_some_and(|a| a.eql(v))),
                    "SATISFIES" => {
                        let f = args.first().cloned().unwrap_or(Value::Nil);
                        Ok(self.apply(&f, std::slice::from_ref(v))?.truthy())
                    }
                    "INTEGER" | "MOD" | "UNSIGNED-BYTE" | "SIGNED-BYTE" | "FLOAT" | "REAL"
                    | "RATIONAL" | "SINGLE-FLOAT" | "DOUBLE-FLOAT" | "SHORT-FLOAT"
                    | "LONG-FLOAT" | "NUMBER" => {
                        let base = match head.as_symbol() {
                            // (mod n) has no symbol form: its base is INTEGER.
                            Some(s) if s.name == "MOD" => self.typep_name(v, "INTEGER", &s)?,
                            Some(s) => self.typep_name(v, &s.name, &s)?,
                            None => false,
                        };
                        if !base {
                            return Ok(false);
                        }
                        // Exact comparisons: a bignum bound is not rounded.
                        use crate::builtins::numbers::real_cmp;
                        use std::cmp::Ordering::{Greater, Less};
                        let bound = |b: Option<&Value>, lower: bool| -> bool {
                            match b {
                                None => true,
                                Some(Value::Symbol(s)) if s.name == "*" => true,
                                Some(Value::Cons(c)) => {
                                    let want = if lower { Greater } else { Less };
                                    real_cmp(v, &c.car.borrow()) == Some(want)
                                }
                                Some(b) => {
                                    let not = if lower { Less } else { Greater };
                                    matches!(real_cmp(v, b), Some(o) if o != not)
                                }
                            }
                        };
                        let bits = |n: Option<&Value>| -> Option<u32> {
                            match n {
                                Some(Value::Fixnum(k)) if *k > 0 => u32::try_from(*k).ok(),
                                _ => None,
                            }
                        };
                        let power = |k: u32| Value::integer(num_bigint::BigInt::from(1) << k);
                        let zero = Value::Fixnum(0);
                        Ok(match name.as_str() {
                            "MOD" => {
                                bound(Some(&zero), true)
                                    && args.first().is_some_and(|n| real_cmp(v, n) == Some(Less))
                            }
                            "UNSIGNED-BYTE" => {
                                bound(Some(&zero), true)
                                    && match bits(args.first()) {
                                        Some(k) => real_cmp(v, &power(k)) == Some(Less),
                                        None => true,
                                    }
                            }
                            "SIGNED-BYTE" => match bits(args.first()) {
                                Some(k) => {
                                    let hi = power(k - 1);
                                    let lo =
                                        Value::integer(-(num_bigint::BigInt::from(1) << (k - 1)));
                                    real_cmp(v, &hi) == Some(Less) && real_cmp(v, &lo) != Some(Less)
                                }
                                None => true,
                            },
                            _ => bound(args.first(), true) && bound(args.get(1), false),
                        })
                    }
                    "ARRAY" | "SIMPLE-ARRAY" | "VECTOR" | "SIMPLE-VECTOR" | "STRING"
                    | "SIMPLE-STRING" | "BASE-STRING" | "SIMPLE-BASE-STRING" | "BIT-VECTOR"
                    | "SIMPLE-BIT-VECTOR" => Ok(array_typep(v, &name, &args)),
                    // (values ...) and (function (args) value) are not for
                    // typep (CLHS 4.2.3, VALUES, FUNCTION type specifiers).
                    "VALUES" => self.typep_refused(spec),
                    "FUNCTION" if !args.is_empty() => self.typep_refused(spec),
                    // (cons car-type cdr-type), `*` for any (CLHS 4.4 CONS).
                    "CONS" => {
                        let Value::Cons(c) = v else {
                            return Ok(false);
                        };
                        let (car, cdr) = (c.car.borrow().clone(), c.cdr.borrow().clone());
                        let any = |t: Option<&Value>| {
                            t.is_none_or(|t| matches!(t, Value::Symbol(s) if s.name == "*"))
                        };
                        Ok((any(args.first()) || self.typep(&car, &args[0])?)
                            && (any(args.get(1)) || self.typep(&cdr, &args[1])?))
                    }
                    "LIST" | "FUNCTION" => {
                        let s = cl_sym(&name);
                        self.typep_name(v, &name, &s)
                    }
                    _ => Ok(false),
                }
            }
            // A class object as a type specifier (CLHS 4.2.3).
            Value::Object(_) => Ok(crate::clos::hooks::typep(self, v, spec)?.unwrap_or(false)),
            _ => Ok(false),
        }
    }

    fn typep_refused(&mut self, spec: &Value) -> LResult<bool> {
        let msg = format!(
            "{} is not a valid type specifier for TYPEP.",
            crate::printer::prin1_to_string(spec)
        );
        let c = self.make_error("SIMPLE-ERROR", &msg);
        self.err(c)
    }

    fn typep_name(&mut self, v: &Value, name: &str, sym: &super::value::Sym) -> LResult<bool> {
        use Value::*;
        Ok(match name {
            "T" => true,
            "NIL" => false,
            "NULL" => v.is_nil(),
            "CONS" => matches!(v, Cons(_)),
            "LIST" => v.is_list(),
            "ATOM" => !matches!(v, Cons(_)),
            "SYMBOL" => v.is_symbol(),
            "KEYWORD" => matches!(v, Symbol(s) if s.is_keyword()),
            "BOOLEAN" => v.is_nil() || v.is_sym(&self.s.t),
            "NUMBER" => matches!(
                v,
                Fixnum(_) | Bignum(_) | Ratio(_) | Single(_) | Double(_) | Complex(_)
            ),
            "REAL" => matches!(v, Fixnum(_) | Bignum(_) | Ratio(_) | Single(_) | Double(_)),
            "COMPLEX" => matches!(v, Complex(_)),
            "RATIONAL" => matches!(v, Fixnum(_) | Bignum(_) | Ratio(_)),
            "INTEGER" => matches!(v, Fixnum(_) | Bignum(_)),
            "FIXNUM" => matches!(v, Fixnum(n) if (-(1i64 << 62)..(1i64 << 62)).contains(n)),
            "BIGNUM" => {
                matches!(v, Bignum(_))
                    || matches!(v, Fixnum(n) if !(-(1i64 << 62)..(1i64 << 62)).contains(n))
            }
            "RATIO" => matches!(v, Ratio(_)),
            "FLOAT" => matches!(v, Single(_) | Double(_)),
            "SINGLE-FLOAT" | "SHORT-FLOAT" => matches!(v, Single(_)),
            "DOUBLE-FLOAT" | "LONG-FLOAT" => matches!(v, Double(_)),
            "CHARACTER" | "BASE-CHAR" | "STANDARD-CHAR" => matches!(v, Char(_)),
            "BIT" => matches!(v, Fixnum(0 | 1)),
            "UNSIGNED-BYTE" => match v {
                Fixnum(n) => *n >= 0,
                Bignum(b) => b.sign() != num_bigint::Sign::Minus,
                _ => false,
            },
            "SIGNED-BYTE" => matches!(v, Fixnum(_) | Bignum(_)),
            "ARRAY" | "SIMPLE-ARRAY" | "VECTOR" | "SIMPLE-VECTOR" | "STRING" | "SIMPLE-STRING"
            | "BASE-STRING" | "SIMPLE-BASE-STRING" | "BIT-VECTOR" | "SIMPLE-BIT-VECTOR" => {
                array_typep(v, name, &[])
            }
            "SEQUENCE" => v.is_list() || shape::is_array(v) && shape::dims_of(v).len() == 1,
            "FUNCTION" | "COMPILED-FUNCTION" => matches!(v, Function(_)),
            "HASH-TABLE" => matches!(v, HashTable(_)),
            "PACKAGE" => matches!(v, Package(_)),
            "STREAM" => matches!(v, Stream(_)),
            "STRING-STREAM" => {
                matches!(v, Stream(s) if matches!(&*s.kind.borrow(), super::stream::StreamKind::StringIn(_) | super::stream::StreamKind::StringOut(_)))
            }
            "FILE-STREAM" => matches!(v, Stream(s) if s.path.is_some()),
            "BROADCAST-STREAM"
            | "CONCATENATED-STREAM"
            | "ECHO-STREAM"
            | "SYNONYM-STREAM"
            | "TWO-WAY-STREAM" => matches!(v, Stream(s) if s.class_name() == name),
            "PATHNAME" => matches!(v, Pathname(_)),
            "LOGICAL-PATHNAME" => matches!(v, Pathname(p) if p.host.is_some()),
            "READTABLE" => crate::reader::readtable::as_readtable(v).is_some(),
            "RANDOM-STATE" => matches!(v, Object(o) if o.type_name() == "RANDOM-STATE"),
            "STRUCTURE-OBJECT" => matches!(v, Struct(o) if !o.class.is_condition),
            _ => match v {
                Struct(o) => o.class.is_subclass_of(sym),
                _ => {
                    // A class name (CLHS 4.3.7), once the object system is loaded.
                    let spec = Value::Symbol(sym.clone());
                    match (crate::clos::hooks::typep(self, v, &spec)?, v) {
                        (Some(b), _) => b,
                        (None, Object(o)) => {
                            o.type_name() == name
                                || (name == "MIME-PART" && o.type_name().starts_with("MIME-PART"))
                        }
                        _ => false,
                    }
                }
            },
        })
    }

    /// `type-of` (CLHS): the most specific standard type SBCL reports.
    pub fn type_of(&self, v: &Value) -> Value {
        use Value::*;
        let sym = |n: &str| super::package::sym_value(cl_sym(n));
        match v {
            Nil => sym("NULL"),
            Symbol(s) if Rc_is_t(s) => sym("BOOLEAN"),
            Symbol(s) if s.is_keyword() => sym("KEYWORD"),
            Symbol(_) => sym("SYMBOL"),
            Cons(_) => sym("CONS"),
            Fixnum(n) if *n >= 0 && *n <= 1 => sym("BIT"),
            Fixnum(n) if (-(1i64 << 62)..(1i64 << 62)).contains(n) => {
                if *n >= 0 {
                    Value::list([sym("INTEGER"), Fixnum(0), Fixnum((1i64 << 62) - 1)])
                } else {
                    sym("FIXNUM")
                }
            }
            // SBCL: a positive bignum is (INTEGER 2^62), a negative one BIGNUM.
            Bignum(b) if b.sign() == num_bigint::Sign::Plus => Value::list([
                sym("INTEGER"),
                Value::integer(num_bigint::BigInt::from(1) << 62),
            ]),
            Fixnum(n) if *n > 0 => Value::list([
                sym("INTEGER"),
                Value::integer(num_bigint::BigInt::from(1) << 62),
            ]),
            Fixnum(_) | Bignum(_) => sym("BIGNUM"),
            Ratio(_) => sym("RATIO"),
            Single(_) => sym("SINGLE-FLOAT"),
            Double(_) => sym("DOUBLE-FLOAT"),
            Complex(c) => {
                // SBCL: (COMPLEX (INTEGER lo hi)), (COMPLEX (SINGLE-FLOAT lo hi)) ...
                let part = match (&c.re, &c.im) {
                    (Single(_), _) => "SINGLE-FLOAT",
                    (Double(_), _) => "DOUBLE-FLOAT",
                    (Ratio(_), _) | (_, Ratio(_)) => "RATIONAL",
                    _ => "INTEGER",
                };
                let (lo, hi) = if crate::builtins::numbers::real_cmp(&c.re, &c.im)
                    == Some(std::cmp::Ordering::Greater)
                {
                    (c.im.clone(), c.re.clone())
                } else {
                    (c.re.clone(), c.im.clone())
                };
                Value::list([sym("COMPLEX"), Value::list([sym(part), lo, hi])])
            }
            Char(_) => sym("STANDARD-CHAR"),
            String(_) | Vector(_) | Bytes(_) | Array(_) => array_type_of(v),
            Function(_) => sym("FUNCTION"),
            HashTable(_) => sym("HASH-TABLE"),
            Package(_) => sym("PACKAGE"),
            // SBCL's own classes stand for file and string streams.
            Stream(s) => match s.class_name() {
                "STRING-STREAM" | "FILE-STREAM" => sym("STREAM"),
                composite => sym(composite),
            },
            Pathname(p) if p.host.is_some() => sym("LOGICAL-PATHNAME"),
            Pathname(_) => sym("PATHNAME"),
            Struct(o) => Value::Symbol(o.class.name.clone()),
            Object(_) if crate::clos::instance::instance(v).is_some() => {
                crate::clos::hooks::type_of(v).unwrap_or(Nil)
            }
            Object(o) if o.type_name() == "READTABLE" => sym("READTABLE"),
            Object(o) => super::package::sym_value(super::package::intern_in(
                o.type_name(),
                &super::package::find_package("NET.POST-OFFICE")
                    .unwrap_or_else(super::package::cl_package),
            )),
        }
    }
}

#[allow(non_snake_case)]
fn Rc_is_t(s: &super::value::Sym) -> bool {
    std::rc::Rc::ptr_eq(s, &super::package::t_symbol())
}

/// A real number as f64 for range checks in type specifiers.
pub fn number_f64(v: &Value) -> f64 {
    match v {
        Value::Fixnum(n) => *n as f64,
        Value::Bignum(b) => b.to_f64().unwrap_or(f64::NAN),
        Value::Ratio(r) => r.to_f64().unwrap_or(f64::NAN),
        Value::Single(f) => *f as f64,
        Value::Double(d) => *d,
        _ => f64::NAN,
    }
}

/// `typep` on the array types (CLHS 15.1.2.2, 4.2.3): the element type,
/// dimensions and simpleness a compound specifier asks for.
fn array_typep(v: &Value, name: &str, args: &[Value]) -> bool {
    if !shape::is_array(v) {
        return false;
    }
    let star = |x: Option<&Value>| match x {
        None => true,
        Some(Value::Symbol(s)) => s.name == "*",
        _ => false,
    };
    let simple = name.starts_with("SIMPLE-");
    if simple && !arrays::is_simple(v) {
        return false;
    }
    let elem = shape::elem_of(v);
    let dims = shape::dims_of(v);
    // (element type, dimension spec) of the general form.
    let size_spec = |x: Option<&Value>| -> Option<Value> { x.cloned().map(|n| Value::list([n])) };
    let (elem_spec, dims_spec): (Option<Value>, Option<Value>) = match name {
        "ARRAY" | "SIMPLE-ARRAY" => (args.first().cloned(), args.get(1).cloned()),
        "VECTOR" => (
            args.first().cloned(),
            Some(size_spec(args.get(1)).unwrap_or(Value::Fixnum(1))),
        ),
        "SIMPLE-VECTOR" => (
            Some(super::package::t()),
            Some(size_spec(args.first()).unwrap_or(Value::Fixnum(1))),
        ),
        "STRING" | "SIMPLE-STRING" | "BASE-STRING" | "SIMPLE-BASE-STRING" => {
            if elem != Elem::Char {
                return false;
            }
            (
                None,
                Some(size_spec(args.first()).unwrap_or(Value::Fixnum(1))),
            )
        }
        _ => (
            Some(super::package::sym_value(cl_sym("BIT"))),
            Some(size_spec(args.first()).unwrap_or(Value::Fixnum(1))),
        ),
    };
    if !star(elem_spec.as_ref()) {
        if let Some(e) = &elem_spec {
            if Elem::upgrade(e) != elem {
                return false;
            }
        }
    }
    match &dims_spec {
        None => true,
        Some(Value::Symbol(s)) if s.name == "*" => true,
        Some(Value::Fixnum(rank)) => dims.len() as i64 == *rank,
        Some(list @ (Value::Cons(_) | Value::Nil)) => {
            let want: Vec<Value> = list.iter().collect();
            want.len() == dims.len()
                && want
                    .iter()
                    .zip(dims.iter())
                    .all(|(w, d)| star(Some(w)) || matches!(w, Value::Fixnum(n) if *n == *d as i64))
        }
        Some(_) => false,
    }
}

/// `type-of` an array, as SBCL names it.
fn array_type_of(v: &Value) -> Value {
    let sym = |n: &str| super::package::sym_value(cl_sym(n));
    let dims = shape::dims_of(v);
    let elem = shape::elem_of(v);
    let simple = arrays::is_simple(v);
    let size = |n: usize| Value::Fixnum(n as i64);
    let dim_list = || Value::list(dims.iter().map(|d| size(*d)));
    if dims.len() == 1 {
        let n = dims[0];
        return match (elem, simple) {
            (Elem::T, true) => Value::list([sym("SIMPLE-VECTOR"), size(n)]),
            (Elem::Bit, true) => Value::list([sym("SIMPLE-BIT-VECTOR"), size(n)]),
            (Elem::Bit, false) => Value::list([sym("BIT-VECTOR"), size(n)]),
            (_, true) => Value::list([sym("SIMPLE-ARRAY"), elem.spec(), dim_list()]),
            (_, false) => Value::list([sym("VECTOR"), elem.spec(), size(n)]),
        };
    }
    let head = if simple { "SIMPLE-ARRAY" } else { "ARRAY" };
    Value::list([sym(head), elem.spec(), dim_list()])
}

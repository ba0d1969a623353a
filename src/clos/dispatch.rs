//! The fast paths of the object system, where a call through Lisp would
//! cost many times a plain function call: a generic function's
//! discriminating function (its cache of effective methods, keyed by the
//! identity of the argument classes and `eql` specializers), and
//! `slot-value` on an up-to-date instance. Everything else — a cache miss,
//! an obsolete instance, an unbound or missing slot — goes to the Lisp
//! sources (`generic.lisp`, `boot.lisp`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::instance::{instance, Instance};
use crate::builtins::args::type_err;
use crate::builtins::BuiltinDef;
use crate::def;
use crate::eval::package::{find_package, find_symbol};
use crate::eval::value::{HostObject, HostRef, Sym};
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("CLOS" : "%MAKE-DISCRIMINATOR", "(gf)", 1, 1, make_discriminator,
        "The function that dispatches the calls of generic function GF."),
    def!("CLOS" : "%MAKE-DISPATCH-CACHE", "(min max positions)", 3, 3, make_dispatch_cache,
        "An empty effective-method cache: argument counts and the dispatch positions ((index . eql-alist) ...)."),
    def!("CLOS" : "%SET-UNBOUND-MARKER", "(marker)", 1, 1, set_unbound_marker,
        "Tell the fast slot access which value marks an unbound slot."),
    def!("CLOS" : "%FAST-SLOT-VALUE", "(object slot-name)", 2, 2, fast_slot_value,
        "slot-value: read in place when OBJECT is an up-to-date instance."),
];

/// Slot of the generic function metaobject holding its cache (see
/// `generic.lisp`, `%gf-cache`).
const GF_CACHE: usize = 4;
/// Slot of a class metaobject holding its current wrapper (`%class-wrapper`).
const CLASS_WRAPPER: usize = 9;

thread_local! {
    static UNBOUND: RefCell<Value> = const { RefCell::new(Value::Nil) };
}

/// The Lisp function `clos::name`.
fn lisp(name: &str) -> Option<Sym> {
    find_package("CLOS")
        .and_then(|p| find_symbol(name, &p))
        .map(|(s, _)| s)
}

/// A generic function's effective methods by argument classes.
struct DispatchCache {
    min: usize,
    max: Option<usize>,
    /// (argument index, eql specializers there: (object, specializer)).
    positions: Vec<(usize, Vec<(Value, Value)>)>,
    entries: RefCell<HashMap<Vec<usize>, Value>>,
    /// The classes and specializers the keys point at, kept alive so an
    /// address cannot be reused while it is a key.
    keep: RefCell<Vec<Value>>,
}

impl HostObject for DispatchCache {
    fn type_name(&self) -> &str {
        "DISPATCH-CACHE"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn address(v: &Value) -> usize {
    match v {
        Value::Object(o) => Rc::as_ptr(o) as *const u8 as usize,
        _ => 0,
    }
}

fn make_dispatch_cache(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let count = |it: &mut Interp, v: &Value| match v {
        Value::Fixnum(n) if *n >= 0 => Ok(*n as usize),
        other => type_err(it, other, "(INTEGER 0)"),
    };
    let min = count(it, &a[0])?;
    let max = if a[1].is_nil() {
        None
    } else {
        Some(count(it, &a[1])?)
    };
    let mut positions = Vec::new();
    for p in a[2].iter() {
        let index = count(it, &p.car())?;
        let eqls = p.cdr().iter().map(|e| (e.car(), e.cdr())).collect();
        positions.push((index, eqls));
    }
    let cache = DispatchCache {
        min,
        max,
        positions,
        entries: RefCell::new(HashMap::new()),
        keep: RefCell::new(Vec::new()),
    };
    let obj: HostRef = Rc::new(Box::new(cache));
    Ok(Value::Object(obj))
}

fn set_unbound_marker(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    UNBOUND.with(|u| *u.borrow_mut() = a[0].clone());
    Ok(a[0].clone())
}

/// The class of `v`: read in place for an instance, else from Lisp.
fn class_of(it: &mut Interp, v: &Value) -> LResult<Value> {
    if let Some(i) = instance(v) {
        return Ok(i.class.borrow().clone());
    }
    match lisp("CLASS-OF") {
        Some(f) => it.call_named(&f, std::slice::from_ref(v)),
        None => Ok(Value::Nil),
    }
}

/// The cache key of a call, or `None` when the argument count is wrong
/// (Lisp then signals the error).
fn key(
    it: &mut Interp,
    cache: &DispatchCache,
    args: &[Value],
) -> LResult<Option<(Vec<usize>, Vec<Value>)>> {
    if args.len() < cache.min || cache.max.is_some_and(|m| args.len() > m) {
        return Ok(None);
    }
    let mut key = Vec::with_capacity(cache.positions.len());
    let mut held = Vec::with_capacity(cache.positions.len());
    for (index, eqls) in &cache.positions {
        let Some(arg) = args.get(*index) else {
            return Ok(None);
        };
        let spec = match eqls.iter().find(|(o, _)| o.eql(arg)) {
            Some((_, s)) => s.clone(),
            None => class_of(it, arg)?,
        };
        key.push(address(&spec));
        held.push(spec);
    }
    Ok(Some((key, held)))
}

fn gf_cache(gf: &Instance) -> Value {
    gf.slots
        .borrow()
        .get(GF_CACHE)
        .cloned()
        .unwrap_or(Value::Nil)
}

/// Call generic function `gf` (its metaobject) with `args`.
fn dispatch(it: &mut Interp, gf: &Value, args: &[Value]) -> LResult<Value> {
    let Some(g) = instance(gf) else {
        return type_err(it, gf, "GENERIC-FUNCTION");
    };
    let cache_v = gf_cache(g);
    let mut found = None;
    if let Some(cache) = cached(&cache_v) {
        if let Some((k, held)) = key(it, cache, args)? {
            let emf = cache.entries.borrow().get(&k).cloned();
            found = Some((k, held, emf));
        }
    }
    let list = Value::list(args.to_vec());
    if let Some((_, _, Some(emf))) = &found {
        return it.apply(emf, &[list]);
    }
    // A miss: Lisp computes the effective method (and signals the errors).
    let Some(miss) = lisp("%DISPATCH-MISS") else {
        return it.simple_error("internal error: the object system has no %DISPATCH-MISS");
    };
    let emf = it.call_named(&miss, &[gf.clone(), list.clone()])?;
    // The miss may have made a new cache (after a change to the methods).
    let before = address(&cache_v);
    let cache_v = gf_cache(g);
    if let Some(cache) = cached(&cache_v) {
        let entry = match found {
            Some((k, held, _)) if address(&cache_v) == before => Some((k, held)),
            _ => key(it, cache, args)?,
        };
        if let Some((k, held)) = entry {
            cache.keep.borrow_mut().extend(held);
            cache.entries.borrow_mut().insert(k, emf.clone());
        }
    }
    it.apply(&emf, &[list])
}

fn cached(v: &Value) -> Option<&DispatchCache> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<DispatchCache>(),
        _ => None,
    }
}

fn make_discriminator(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let gf = a[0].clone();
    let name = match instance(&gf).and_then(|g| g.slots.borrow().first().cloned()) {
        Some(Value::Symbol(s)) => s,
        _ => crate::eval::package::cl_sym("LAMBDA"),
    };
    Ok(it.closure_from_native(&name, move |it, args| dispatch(it, &gf, args)))
}

fn fast_slot_value(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Some(v) = slot_in_place(it, &a[0], &a[1])? {
        return Ok(v);
    }
    match lisp("%SLOT-VALUE") {
        Some(f) => it.call_named(&f, a),
        None => it.simple_error("internal error: the object system has no %SLOT-VALUE"),
    }
}

/// The value of slot `name` of an up-to-date instance with the slot bound
/// in its own storage; `None` for every other case.
fn slot_in_place(it: &mut Interp, obj: &Value, name: &Value) -> LResult<Option<Value>> {
    let Some(inst) = instance(obj) else {
        return Ok(None);
    };
    let class = inst.class.borrow().clone();
    let Some(c) = instance(&class) else {
        return Ok(None);
    };
    let current = c.slots.borrow().get(CLASS_WRAPPER).cloned();
    let wrapper = inst.wrapper.borrow().clone();
    let (Some(Value::Vector(cw)), Value::Vector(w)) = (current, &wrapper) else {
        return Ok(None);
    };
    if !Rc::ptr_eq(&cw, w) {
        return Ok(None);
    }
    let table = w.borrow().get(1).cloned();
    let Some(table @ Value::HashTable(_)) = table else {
        return Ok(None);
    };
    let Some(Value::Fixnum(loc)) = crate::builtins::hashtables::lookup(it, &table, name)? else {
        return Ok(None);
    };
    let v = inst.slots.borrow().get(loc as usize).cloned();
    let unbound = UNBOUND.with(|u| u.borrow().clone());
    Ok(v.filter(|v| !v.eq(&unbound)))
}

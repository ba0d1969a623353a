//! Pprint dispatch tables (CLHS 22.2.1.4): `copy-pprint-dispatch`,
//! `set-pprint-dispatch`, `pprint-dispatch` and `*print-pprint-dispatch*`.
//!
//! A table holds the entries a script sets (type specifier, priority,
//! function). The standard layouts of code and data (`printer/layout.rs`)
//! sit below every entry: when no entry's type matches, the printer lays
//! the object out itself. While a table with entries is current and
//! `*print-pretty*` is true, the printer asks it about every object.

use std::cell::RefCell;
use std::rc::Rc;

use super::args::type_err;
use super::BuiltinDef;
use crate::def;
use crate::eval::stream::Stream;
use crate::eval::value::HostObject;
use crate::eval::{Interp, LResult, Value};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("COPY-PPRINT-DISPATCH", "(&optional table)", 0, 1, copy_pprint_dispatch,
        "A new pprint dispatch table with the entries of TABLE (default *PRINT-PPRINT-DISPATCH*; NIL: the standard table)."),
    def!("SET-PPRINT-DISPATCH", "(type-specifier function &optional priority table)", 2, 4, set_pprint_dispatch,
        "Print objects of TYPE-SPECIFIER with FUNCTION (stream object) when pretty printing; NIL removes the entry."),
    def!("PPRINT-DISPATCH", "(object &optional table)", 1, 2, pprint_dispatch,
        "The function that pretty prints OBJECT under TABLE, and whether an entry matched."),
    def!("PRINT-NOT-READABLE-OBJECT", "(condition)", 1, 1, print_not_readable_object,
        "The object of a PRINT-NOT-READABLE error."),
    def!("SENDLETTER" : "%STANDARD-PPRINT-DISPATCH", "()", 0, 0, standard_table,
        "The standard pprint dispatch table (WITH-STANDARD-IO-SYNTAX)."),
    def!("SENDLETTER" : "%PPRINT-STANDARD", "(stream object)", 2, 2, pprint_standard,
        "Print OBJECT with the standard pretty printer layouts."),
];

/// One entry: objects of `type_spec` print with `function`.
#[derive(Clone)]
pub struct Entry {
    pub type_spec: Value,
    pub priority: f64,
    pub function: Value,
}

/// A pprint dispatch table.
pub struct Table {
    entries: RefCell<Vec<Entry>>,
    /// The standard table may not be changed (CLHS 22.2.1.4).
    standard: bool,
}

impl HostObject for Table {
    fn type_name(&self) -> &str {
        "PPRINT-DISPATCH-TABLE"
    }
    fn describe(&self) -> String {
        format!("{} entries", self.entries.borrow().len())
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn new_table(entries: Vec<Entry>, standard: bool) -> Value {
    Value::Object(Rc::new(Box::new(Table {
        entries: RefCell::new(entries),
        standard,
    })))
}

/// The initial value of `*print-pprint-dispatch*`.
pub fn initial_table() -> Value {
    new_table(Vec::new(), false)
}

thread_local! {
    static STANDARD: Value = new_table(Vec::new(), true);
}

fn as_table(v: &Value) -> Option<&Table> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<Table>(),
        _ => None,
    }
}

/// The entries of the current `*print-pprint-dispatch*`, when it has
/// any (the printer then asks about each object).
pub fn current_entries() -> Option<Vec<Entry>> {
    let v = crate::eval::package::cl_var!("*PRINT-PPRINT-DISPATCH*")
        .value
        .borrow()
        .clone()?;
    let table = as_table(&v)?;
    let entries = table.entries.borrow();
    if entries.is_empty() {
        None
    } else {
        Some(entries.clone())
    }
}

/// The function of the entry of highest priority whose type `v` is of.
pub fn lookup(it: &mut Interp, entries: &[Entry], v: &Value) -> LResult<Option<Value>> {
    let mut best: Option<&Entry> = None;
    for e in entries {
        if best.is_some_and(|b| b.priority >= e.priority) {
            continue;
        }
        if it.typep(v, &e.type_spec)? {
            best = Some(e);
        }
    }
    Ok(best.map(|e| e.function.clone()))
}

/// The text `function` prints for `v`, written from `column`.
pub fn call_entry(it: &mut Interp, function: &Value, v: &Value, column: usize) -> LResult<String> {
    let target = Rc::new(Stream::string_output());
    target.column.set(column);
    it.apply(function, &[Value::Stream(target.clone()), v.clone()])?;
    Ok(target.take_string().unwrap_or_default())
}

fn table_arg(it: &mut Interp, v: Option<&Value>) -> LResult<Value> {
    match v {
        None => Ok(crate::eval::package::cl_var!("*PRINT-PPRINT-DISPATCH*")
            .value
            .borrow()
            .clone()
            .unwrap_or_else(initial_table)),
        Some(t) if as_table(t).is_some() => Ok(t.clone()),
        Some(other) => type_err(it, other, "(OR PPRINT-DISPATCH-TABLE NULL)"),
    }
}

fn copy_pprint_dispatch(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let entries = match a.first() {
        Some(Value::Nil) => Vec::new(),
        other => {
            let t = table_arg(it, other)?;
            as_table(&t).map_or_else(Vec::new, |t| t.entries.borrow().clone())
        }
    };
    Ok(new_table(entries, false))
}

fn real_value(it: &mut Interp, v: &Value) -> LResult<f64> {
    use num_traits::ToPrimitive;
    match v {
        Value::Fixnum(n) => Ok(*n as f64),
        Value::Bignum(n) => Ok(n.to_f64().unwrap_or(0.0)),
        Value::Ratio(r) => Ok(r.to_f64().unwrap_or(0.0)),
        Value::Single(f) => Ok(*f as f64),
        Value::Double(f) => Ok(*f),
        other => type_err(it, other, "REAL"),
    }
}

fn set_pprint_dispatch(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let function = a[1].clone();
    if !matches!(function, Value::Nil | Value::Function(_) | Value::Symbol(_)) {
        return type_err(it, &function, "(OR FUNCTION SYMBOL)");
    }
    let priority = match a.get(2) {
        Some(p) => real_value(it, p)?,
        None => 0.0,
    };
    let table = table_arg(it, a.get(3))?;
    let Some(t) = as_table(&table) else {
        return Ok(Value::Nil);
    };
    if t.standard {
        let c = it.make_error(
            "SIMPLE-ERROR",
            "SET-PPRINT-DISPATCH: the standard pprint dispatch table may not be modified",
        );
        return it.err(c);
    }
    let type_spec = a[0].clone();
    let mut entries = t.entries.borrow_mut();
    entries.retain(|e| !super::core::equal_values(&e.type_spec, &type_spec).unwrap_or(false));
    if function.truthy() {
        entries.push(Entry {
            type_spec,
            priority,
            function,
        });
    }
    Ok(Value::Nil)
}

fn pprint_dispatch(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let table = match a.get(1) {
        Some(Value::Nil) => STANDARD.with(Value::clone),
        other => table_arg(it, other)?,
    };
    let entries = as_table(&table).map_or_else(Vec::new, |t| t.entries.borrow().clone());
    if let Some(f) = lookup(it, &entries, &a[0])? {
        return Ok(it.values(vec![f, crate::eval::package::t()]));
    }
    // The standard layouts: lists have one (CLHS 22.2.1.4's initial table).
    let standard = crate::eval::package::intern_in(
        "%PPRINT-STANDARD",
        &crate::eval::package::sendletter_package(),
    );
    let f = standard
        .function
        .borrow()
        .clone()
        .unwrap_or(Value::Symbol(standard.clone()));
    let found = Value::bool(a[0].is_cons());
    Ok(it.values(vec![f, found]))
}

fn print_not_readable_object(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Interp::slot_by_name(&a[0], "OBJECT"))
}

fn standard_table(_: &mut Interp, _: &[Value]) -> LResult<Value> {
    Ok(STANDARD.with(Value::clone))
}

fn pprint_standard(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let stream = super::streams::out_stream(it, Some(&a[0]))?;
    let opts = crate::printer::PrintOptions {
        pretty: true,
        ..crate::printer::PrintOptions::from_globals()
    };
    super::printing::write_object_undispatched(it, &stream, &a[1], &opts)?;
    Ok(Value::Nil)
}

//! Where the rest of the interpreter calls into the object system: the
//! printer calls `print-object` (CLHS 22.1.3.13), `typep` and `subtypep`
//! accept class names and class objects (CLHS 4.3.7), `type-of` of an
//! instance is its class name. Each hook is a Lisp function of the
//! sources, called only once they are loaded.

use crate::builtins::BuiltinDef;
use crate::def;
use crate::eval::package::{find_package, find_symbol};
use crate::eval::{Interp, LResult, Sym, Value};
use crate::printer::{write_doc_checked, write_to_string, DocOp, PrintFailure, PrintOptions};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("CLOS" : "%DEFAULT-PRINT-STRING", "(object escape)", 2, 2, default_print_string,
        "The printed text of OBJECT as if it had no print-object method."),
    def!("CLOS" : "%NOTE-STRUCTURE-PRINT-METHOD", "()", 0, 0, note_structure_print_method,
        "From now on the printer asks print-object about structures too."),
];

/// Key in `Interp::ext` once a `print-object` method exists for a
/// structure class: until then structures print without asking.
const STRUCTURE_PRINT: &str = "clos-structure-print-object";

/// The Lisp function `clos::name`.
fn hook(name: &str) -> Option<Sym> {
    find_package("CLOS")
        .and_then(|p| find_symbol(name, &p))
        .map(|(s, _)| s)
}

/// The printed text of `v`, with `print-object` called for the standard
/// instances (and, once one has a method, structures) inside it.
pub fn write_with_print_object(it: &mut Interp, v: &Value, opts: &PrintOptions) -> LResult<String> {
    Ok(write_doc_with_print_object(it, v, opts, &mut Vec::new())?.0)
}

/// `write_with_print_object` collecting the pretty printer's operations.
pub fn write_doc_with_print_object(
    it: &mut Interp,
    v: &Value,
    opts: &PrintOptions,
    ops: &mut Vec<(usize, DocOp)>,
) -> LResult<(String, Option<PrintFailure>)> {
    let mut failure = None;
    let mut out = String::new();
    let mut ask = |x: &Value, o: &PrintOptions| -> Option<String> {
        if failure.is_some() {
            return None;
        }
        match print_object_text(it, x, o) {
            Ok(text) => text,
            Err(e) => {
                failure = Some(e);
                None
            }
        }
    };
    let stopped = write_doc_checked(&mut out, ops, v, opts, Some(&mut ask)).err();
    match failure {
        Some(e) => Err(e),
        None => Ok((out, stopped)),
    }
}

/// The text `print-object` gives `x` (standard instances, generic
/// functions, and structures once one has a method); `None` for the
/// printer's own text.
pub fn print_object_text(it: &mut Interp, x: &Value, o: &PrintOptions) -> LResult<Option<String>> {
    let Some(f) = hook("%PRINT-HOOK") else {
        return Ok(None);
    };
    let structures = it.ext.contains_key(STRUCTURE_PRINT);
    let wanted = match x {
        Value::Object(obj) => obj.as_any().is::<super::instance::Instance>(),
        Value::Struct(s) => structures && !s.class.is_condition,
        // A generic function prints as SBCL prints it.
        Value::Function(_) => true,
        _ => false,
    };
    if !wanted {
        return Ok(None);
    }
    let args = [x.clone(), Value::bool(o.escape), Value::bool(o.readably)];
    match it.call_named(&f, &args)? {
        Value::String(s) => Ok(Some(s.borrow().clone())),
        _ => Ok(None),
    }
}

fn default_print_string(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    // A condition printed without escapes is its report (CLHS 9.1.3).
    if !a[1].truthy() && Interp::condition_class(&a[0]).is_some() {
        return Ok(Value::string(it.report_condition(&a[0])?));
    }
    let opts = PrintOptions {
        escape: a[1].truthy(),
        ..PrintOptions::from_globals()
    };
    Ok(Value::string(write_to_string(&a[0], &opts)))
}

fn note_structure_print_method(it: &mut Interp, _: &[Value]) -> LResult<Value> {
    it.ext.insert(STRUCTURE_PRINT, Box::new(()));
    Ok(Value::Nil)
}

/// `typep` of `v` and a type the evaluator does not know by itself: a
/// class name or class object. `None` when the object system is not
/// loaded or the type names no class.
pub fn typep(it: &mut Interp, v: &Value, spec: &Value) -> LResult<Option<bool>> {
    if !super::loaded(it) {
        return Ok(None);
    }
    let Some(f) = hook("%TYPEP-HOOK") else {
        return Ok(None);
    };
    match it.call_named(&f, &[v.clone(), spec.clone()])? {
        Value::Nil => Ok(None),
        r => Ok(Some(r.car().truthy())),
    }
}

/// `subtypep` of two class names or classes: `Some((subtype, certain))`.
pub fn subtypep(it: &mut Interp, a: &Value, b: &Value) -> LResult<Option<(bool, bool)>> {
    if !super::loaded(it) {
        return Ok(None);
    }
    let Some(f) = hook("%SUBTYPEP-HOOK") else {
        return Ok(None);
    };
    match it.call_named(&f, &[a.clone(), b.clone()])? {
        Value::Nil => Ok(None),
        r => Ok(Some((r.car().truthy(), r.cdr().car().truthy()))),
    }
}

/// `type-of` of a standard instance: its class name (or the class when
/// the class has no proper name, CLHS `type-of`).
pub fn type_of(v: &Value) -> Option<Value> {
    let inst = super::instance::instance(v)?;
    match super::instance::class_name(inst) {
        Value::Nil => Some(inst.class.borrow().clone()),
        name => Some(name),
    }
}

/// `documentation` of classes, generic functions and methods (and of a
/// class name with doc-type `type`): `None` leaves it to the builtin.
pub fn documentation(it: &mut Interp, x: &Value, doc_type: &Value) -> LResult<Option<Value>> {
    if !super::loaded(it) {
        return Ok(None);
    }
    let Some(f) = hook("%DOCUMENTATION-HOOK") else {
        return Ok(None);
    };
    match it.call_named(&f, &[x.clone(), doc_type.clone()])? {
        Value::Nil => Ok(None),
        r => Ok(Some(r.car())),
    }
}

//! Instances of standard classes (CLHS 4.3.6, 7.1): a class, the layout
//! ("wrapper") they were made with, and a vector of slot values. The
//! object system itself is Lisp (`*.lisp` here); these are the primitives
//! it stands on.

use std::cell::RefCell;
use std::rc::Rc;

use crate::builtins::args::type_err;
use crate::builtins::BuiltinDef;
use crate::def;
use crate::eval::value::{HostObject, HostRef};
use crate::eval::{Interp, LResult, Value};

/// An instance of a `standard-class` (and the metaobjects: classes,
/// generic functions, methods and slot definitions are instances too).
pub struct Instance {
    /// The class metaobject (itself an instance whose slot 0 is its name).
    pub class: RefCell<Value>,
    /// The class's layout when the slots were allocated; a class
    /// redefinition gives the class a new one, marking this instance
    /// obsolete (CLHS 4.3.6).
    pub wrapper: RefCell<Value>,
    pub slots: RefCell<Vec<Value>>,
}

impl HostObject for Instance {
    fn type_name(&self) -> &str {
        "STANDARD-OBJECT"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// The instance behind `v`, if it is one.
pub fn instance(v: &Value) -> Option<&Instance> {
    match v {
        Value::Object(o) => o.as_any().downcast_ref::<Instance>(),
        _ => None,
    }
}

/// The name of an instance's class (slot 0 of the class metaobject).
pub fn class_name(inst: &Instance) -> Value {
    let class = inst.class.borrow().clone();
    instance(&class)
        .and_then(|c| c.slots.borrow().first().cloned())
        .unwrap_or(Value::Nil)
}

pub const BUILTINS: &[BuiltinDef] = &[
    def!("CLOS" : "%MAKE-STD-INSTANCE", "(class wrapper size fill)", 4, 4, make_std_instance,
        "A new instance of CLASS with SIZE slots, each FILL."),
    def!("CLOS" : "%STD-INSTANCE-P", "(object)", 1, 1, std_instance_p, "Is OBJECT an instance of a standard class?"),
    def!("CLOS" : "%STD-INSTANCE-CLASS", "(instance)", 1, 1, std_instance_class, "The class of INSTANCE."),
    def!("CLOS" : "%STD-INSTANCE-WRAPPER", "(instance)", 1, 1, std_instance_wrapper, "The layout INSTANCE was made with."),
    def!("CLOS" : "%SET-STD-INSTANCE-CLASS", "(instance class wrapper)", 3, 3, set_std_instance_class,
        "Give INSTANCE a new class and layout."),
    def!("CLOS" : "%STD-INSTANCE-REF", "(instance index)", 2, 2, std_instance_ref, "Slot INDEX of INSTANCE."),
    def!("CLOS" : "%STD-INSTANCE-SET", "(instance index value)", 3, 3, std_instance_set, "Store VALUE in slot INDEX of INSTANCE."),
    def!("CLOS" : "%STD-INSTANCE-SLOTS", "(instance)", 1, 1, std_instance_slots, "A fresh vector of INSTANCE's slot values."),
    def!("CLOS" : "%SET-STD-INSTANCE-SLOTS", "(instance vector)", 2, 2, set_std_instance_slots,
        "Replace INSTANCE's slot values by the elements of VECTOR."),
    def!("CLOS" : "%STD-INSTANCE-SWAP", "(a b)", 2, 2, std_instance_swap,
        "Exchange the classes, layouts and slots of instances A and B (change-class)."),
];

fn make_std_instance(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let size = match a[2] {
        Value::Fixnum(n) if (0..=1 << 20).contains(&n) => n as usize,
        ref other => return type_err(it, other, "(INTEGER 0 1048576)"),
    };
    let inst = Instance {
        class: RefCell::new(a[0].clone()),
        wrapper: RefCell::new(a[1].clone()),
        slots: RefCell::new(vec![a[3].clone(); size]),
    };
    let obj: HostRef = Rc::new(Box::new(inst));
    Ok(Value::Object(obj))
}

fn expect_instance<'v>(it: &mut Interp, v: &'v Value) -> LResult<&'v Instance> {
    match instance(v) {
        Some(i) => Ok(i),
        None => {
            let c = it.type_error(v, "STANDARD-OBJECT");
            Err(it.raise(c))
        }
    }
}

fn index(it: &mut Interp, inst: &Instance, v: &Value) -> LResult<usize> {
    match v {
        Value::Fixnum(n) if *n >= 0 && (*n as usize) < inst.slots.borrow().len() => Ok(*n as usize),
        other => {
            let c = it.type_error(other, "(INTEGER 0)");
            Err(it.raise(c))
        }
    }
}

fn std_instance_p(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(instance(&a[0]).is_some()))
}

fn std_instance_class(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = expect_instance(it, &a[0])?;
    let c = i.class.borrow().clone();
    Ok(c)
}

fn std_instance_wrapper(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = expect_instance(it, &a[0])?;
    let w = i.wrapper.borrow().clone();
    Ok(w)
}

fn set_std_instance_class(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = expect_instance(it, &a[0])?;
    *i.class.borrow_mut() = a[1].clone();
    *i.wrapper.borrow_mut() = a[2].clone();
    Ok(a[1].clone())
}

fn std_instance_ref(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = expect_instance(it, &a[0])?;
    let n = index(it, i, &a[1])?;
    let v = i.slots.borrow()[n].clone();
    Ok(v)
}

fn std_instance_set(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = expect_instance(it, &a[0])?;
    let n = index(it, i, &a[1])?;
    i.slots.borrow_mut()[n] = a[2].clone();
    Ok(a[2].clone())
}

fn std_instance_slots(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = expect_instance(it, &a[0])?;
    let v = i.slots.borrow().clone();
    Ok(Value::vector(v))
}

fn set_std_instance_slots(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let i = expect_instance(it, &a[0])?;
    let items = match &a[1] {
        Value::Vector(v) => v.borrow().clone(),
        other => return type_err(it, other, "SIMPLE-VECTOR"),
    };
    *i.slots.borrow_mut() = items;
    Ok(a[1].clone())
}

fn std_instance_swap(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let x = expect_instance(it, &a[0])?;
    let y = expect_instance(it, &a[1])?;
    if std::ptr::eq(x, y) {
        return Ok(Value::Nil);
    }
    x.class.swap(&y.class);
    x.wrapper.swap(&y.wrapper);
    x.slots.swap(&y.slots);
    Ok(Value::Nil)
}

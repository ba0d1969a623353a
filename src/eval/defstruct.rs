//! `defstruct` (CLHS 8.1 defstruct): the options `:conc-name`,
//! `:constructor` (keyword and BOA lambda lists, CLHS 3.4.6), `:copier`,
//! `:predicate`, `:include` with slot overrides, `:type` (`list`,
//! `vector`, `(vector element-type)`) with `:named` and
//! `:initial-offset`, `:print-function` / `:print-object`, and the slot
//! options `:type` and `:read-only`.
//!
//! Structures without `:type` are instances of a structure class; the
//! others are plain lists or vectors whose layout is remembered here so
//! that a later `(:include ...)` can extend it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::env::Env;
use super::interp::{Interp, SymKey};
use super::macros::quote;
use super::package::{cl_sym, keyword};
use super::value::{Sym, Symbol, Value};
use super::LResult;

/// How instances are represented.
#[derive(Clone)]
enum Repr {
    Class,
    List,
    /// A vector of this element type (`t` for `:type vector`).
    Vector(Value),
}

/// One slot of a layout.
#[derive(Clone)]
struct Slot {
    name: Sym,
    init: Option<Value>,
    read_only: bool,
    /// Position in the list or vector; the slot index for classes.
    index: usize,
}

/// What a later `:include` of this structure needs.
#[derive(Clone)]
struct Layout {
    repr: Repr,
    slots: Vec<Slot>,
    /// Length of the list or vector (padding and names included).
    size: usize,
    /// Where `:named` typed structures (this one and those it includes)
    /// keep their names.
    names: Vec<(usize, Sym)>,
}

thread_local! {
    /// Layouts of the structures defined so far, by name.
    static LAYOUTS: RefCell<HashMap<SymKey, Layout>> = RefCell::new(HashMap::new());
}

/// A `(:constructor ...)` request: the name and, for BOA constructors,
/// the lambda list.
type Ctor = (Sym, Option<Value>);

fn cl(name: &str) -> Value {
    Value::Symbol(cl_sym(name))
}

fn fresh(name: &str) -> Value {
    Value::Symbol(Rc::new(Symbol::new(name)))
}

fn option_name(o: &Value) -> String {
    let head = if o.is_cons() { o.car() } else { o.clone() };
    head.as_symbol().map(|s| s.name.clone()).unwrap_or_default()
}

impl Interp {
    fn struct_error<T>(&mut self, msg: String) -> LResult<T> {
        let c = self.make_error("PROGRAM-ERROR", &msg);
        self.err(c)
    }

    /// `defstruct`: `args` is the macro's argument list; `closures` are
    /// the functions of no arguments that evaluate the initforms
    /// [`initforms`] lists, closed in the definition's lexical environment.
    pub(crate) fn define_struct(&mut self, args: &Value, closures: &Value) -> LResult<Value> {
        let mut closures = closures.iter();
        let mut lexical = |init: Option<Value>| match init {
            Some(v) if needs_closure(&v) => closures
                .next()
                .map(|f| Value::list([cl("FUNCALL"), quote(f)])),
            other => other,
        };
        let spec = args.car();
        let (name, options) = if spec.is_cons() {
            (self.expect_symbol(&spec.car(), "DEFSTRUCT")?, spec.cdr())
        } else {
            (self.expect_symbol(&spec, "DEFSTRUCT")?, Value::Nil)
        };
        let pkg = super::package::current_package();
        let sym = |s: &str| super::package::intern_in(s, &pkg);
        // `None`: the accessors are the slot names themselves.
        let mut conc: Option<String> = Some(format!("{}-", name.name));
        let mut ctors: Vec<Ctor> = Vec::new();
        let mut ctor_option_seen = false;
        let mut predicate: Option<Option<Sym>> = None;
        let mut copier = Some(sym(&format!("COPY-{}", name.name)));
        let mut include: Option<(Sym, Value)> = None;
        let mut repr = Repr::Class;
        let mut named = false;
        let mut offset = 0usize;
        let mut printer: Option<(Value, bool)> = None;
        for o in options.iter() {
            let oargs = if o.is_cons() { o.cdr() } else { Value::Nil };
            let given = oargs.is_cons();
            match option_name(&o).as_str() {
                "CONC-NAME" => {
                    conc = match oargs.car() {
                        Value::Nil => None,
                        v => Some(self.string_designator(&v)?),
                    }
                }
                "CONSTRUCTOR" => {
                    ctor_option_seen = true;
                    match oargs.car() {
                        Value::Nil if given => {}
                        Value::Nil => ctors.push((sym(&format!("MAKE-{}", name.name)), None)),
                        v => {
                            let n = self.expect_symbol(&v, "DEFSTRUCT")?;
                            let ll = oargs.cdr().is_cons().then(|| oargs.cdr().car());
                            ctors.push((n, ll));
                        }
                    }
                }
                "PREDICATE" => {
                    predicate = match oargs.car() {
                        Value::Nil if given => Some(None),
                        Value::Nil => None,
                        v => Some(Some(self.expect_symbol(&v, "DEFSTRUCT")?)),
                    }
                }
                "COPIER" => {
                    copier = match oargs.car() {
                        Value::Nil if given => None,
                        Value::Nil => copier,
                        v => Some(self.expect_symbol(&v, "DEFSTRUCT")?),
                    }
                }
                "INCLUDE" => {
                    let parent = self.expect_symbol(&oargs.car(), "DEFSTRUCT")?;
                    include = Some((parent, oargs.cdr()));
                }
                "TYPE" => {
                    let t = oargs.car();
                    repr = match &t {
                        Value::Symbol(s) if s.name == "LIST" => Repr::List,
                        Value::Symbol(s) if s.name == "VECTOR" => Repr::Vector(cl("T")),
                        v if v.is_cons()
                            && v.car().as_symbol().is_some_and(|s| s.name == "VECTOR") =>
                        {
                            Repr::Vector(v.cdr().car())
                        }
                        other => {
                            let msg = format!(
                                "DEFSTRUCT: :TYPE {} is not LIST, VECTOR or (VECTOR element-type)",
                                crate::printer::prin1_to_string(other)
                            );
                            return self.struct_error(msg);
                        }
                    }
                }
                "NAMED" => named = true,
                "INITIAL-OFFSET" => match oargs.car() {
                    Value::Fixnum(n) if n >= 0 => offset = n as usize,
                    other => {
                        let c = self.type_error(&other, "UNSIGNED-BYTE");
                        return self.err(c);
                    }
                },
                "PRINT-FUNCTION" if given => printer = Some((oargs.car(), true)),
                "PRINT-OBJECT" if given => printer = Some((oargs.car(), false)),
                "PRINT-FUNCTION" | "PRINT-OBJECT" => {}
                other => {
                    let msg = format!("DEFSTRUCT: unknown option :{other}");
                    return self.struct_error(msg);
                }
            }
        }
        if !ctor_option_seen {
            ctors.push((sym(&format!("MAKE-{}", name.name)), None));
        }
        let typed = !matches!(repr, Repr::Class);
        // CLHS defstruct: :predicate needs a named structure, and a
        // vector that holds the name must be able to hold a symbol.
        if typed && !named && matches!(predicate, Some(Some(_))) {
            return self.simple_error(format!(
                "DEFSTRUCT: {} has a :PREDICATE but is an unnamed typed structure",
                name.name
            ));
        }
        if let (Repr::Vector(t), true) = (&repr, named) {
            if !t.is_sym(&cl_sym("T")) {
                return self.simple_error(format!(
                    "DEFSTRUCT: {} is :NAMED but its vector's elements cannot be symbols",
                    name.name
                ));
            }
        }
        if !typed {
            offset = 0;
        }
        // A typed structure has a predicate only when it is named.
        let predicate = match predicate {
            Some(p) => p,
            None if typed && !named => None,
            None => Some(sym(&format!("{}-P", name.name))),
        };
        let predicate = if typed && !named { None } else { predicate };

        // The layout: the included structure's slots (with overrides), then
        // padding, the name, and this structure's own slots.
        let mut slots: Vec<Slot> = Vec::new();
        let mut size = 0usize;
        let mut names: Vec<(usize, Sym)> = Vec::new();
        let mut parent_class = None;
        if let Some((parent, overrides)) = &include {
            let found = LAYOUTS.with(|l| l.borrow().get(&SymKey(parent.clone())).cloned());
            let Some(layout) = found else {
                let msg = format!(
                    "DEFSTRUCT: :INCLUDE of {}, which is not a structure",
                    parent.name
                );
                return self.struct_error(msg);
            };
            let same_repr = matches!(
                (&layout.repr, &repr),
                (Repr::Class, Repr::Class)
                    | (Repr::List, Repr::List)
                    | (Repr::Vector(_), Repr::Vector(_))
            );
            if !same_repr {
                let msg = format!(
                    "DEFSTRUCT: {} is included but has another :TYPE",
                    parent.name
                );
                return self.struct_error(msg);
            }
            slots = layout.slots.clone();
            size = layout.size;
            names = layout.names.clone();
            for o in overrides.iter() {
                let (sname, init, rest) = if o.is_cons() {
                    (
                        o.car(),
                        o.cdr().is_cons().then(|| o.cdr().car()),
                        o.cdr().cdr(),
                    )
                } else {
                    (o.clone(), None, Value::Nil)
                };
                let sname = self.expect_symbol(&sname, "DEFSTRUCT")?;
                let Some(slot) = slots.iter_mut().find(|s| s.name.name == sname.name) else {
                    let msg = format!("DEFSTRUCT: {} is not a slot of {}", sname.name, parent.name);
                    return self.struct_error(msg);
                };
                slot.init = lexical(init);
                if slot_read_only(&rest) {
                    slot.read_only = true;
                }
            }
            if matches!(repr, Repr::Class) {
                parent_class = self.find_class(parent);
            }
        }
        size += offset;
        let name_index = (typed && named).then_some(size);
        if let Some(i) = name_index {
            names.push((i, name.clone()));
            size += 1;
        }
        let mut slot_specs: Vec<Value> = args.cdr().iter().collect();
        if matches!(slot_specs.first(), Some(Value::String(_))) {
            slot_specs.remove(0);
        }
        for s in &slot_specs {
            let (sname, init, rest) = if s.is_cons() {
                (
                    s.car(),
                    s.cdr().is_cons().then(|| s.cdr().car()),
                    s.cdr().cdr(),
                )
            } else {
                (s.clone(), None, Value::Nil)
            };
            let sname = self.expect_symbol(&sname, "DEFSTRUCT")?;
            if slots.iter().any(|x| x.name.name == sname.name) {
                let msg = format!(
                    "DEFSTRUCT: the slot {} of {} is defined twice",
                    sname.name, name.name
                );
                return self.struct_error(msg);
            }
            slots.push(Slot {
                name: sname,
                init: lexical(init),
                read_only: slot_read_only(&rest),
                index: size,
            });
            size += 1;
        }
        let layout = Layout {
            repr: repr.clone(),
            slots: slots.clone(),
            size,
            names: names.clone(),
        };
        LAYOUTS.with(|l| l.borrow_mut().insert(SymKey(name.clone()), layout));

        let class = if typed {
            None
        } else {
            Some(self.register_struct_class(&name, parent_class, &slots))
        };

        // Accessors (and their setf functions unless read-only).
        for slot in &slots {
            let acc = match &conc {
                None => slot.name.clone(),
                Some(prefix) => sym(&format!("{prefix}{}", slot.name.name)),
            };
            self.struct_accessors.remove(&SymKey(acc.clone()));
            self.setf_functions.remove(&SymKey(acc.clone()));
            match &class {
                Some(class) => {
                    let f = self.struct_reader(&acc, class, slot.index);
                    *acc.function.borrow_mut() = Some(f);
                    if !slot.read_only {
                        self.struct_accessors
                            .insert(SymKey(acc.clone()), (class.clone(), slot.index));
                    }
                }
                None => {
                    let obj = fresh("OBJECT");
                    let idx = Value::Fixnum(slot.index as i64);
                    let get = match repr {
                        Repr::List => Value::list([cl("NTH"), idx.clone(), obj.clone()]),
                        _ => Value::list([cl("AREF"), obj.clone(), idx.clone()]),
                    };
                    let f = self.lambda_fn(&acc, Value::list([obj.clone()]), get.clone())?;
                    *acc.function.borrow_mut() = Some(f);
                    if !slot.read_only {
                        let new = fresh("NEW");
                        let body = Value::list([cl("SETF"), get, new.clone()]);
                        let f = self.lambda_fn(&acc, Value::list([new, obj]), body)?;
                        self.setf_functions.insert(SymKey(acc.clone()), f);
                    }
                }
            }
        }
        self.forget_expansions();

        // Constructors.
        for (cname, ll) in ctors {
            let (lambda_list, vars) = match ll {
                None => keyword_lambda_list(&slots),
                Some(ll) => boa_lambda_list(&ll, &slots),
            };
            let body = self.struct_builder(&name, &repr, &class, size, &names, &slots, vars);
            let f = self.lambda_fn(&cname, lambda_list, body)?;
            *cname.function.borrow_mut() = Some(f);
        }

        if let Some(p) = predicate {
            let f = match (&class, name_index) {
                (Some(_), _) => {
                    let cls = name.clone();
                    self.closure_from_native(&p, move |it, args| match args {
                        [x] => Ok(Value::bool(
                            matches!(x, Value::Struct(o) if o.class.is_subclass_of(&cls)),
                        )),
                        _ => it.struct_arg_count(&cls, "predicate", args.len()),
                    })
                }
                (None, Some(i)) => {
                    let obj = fresh("OBJECT");
                    let test = typed_name_test(&repr, &obj, i, &name);
                    self.lambda_fn(&p, Value::list([obj]), test)?
                }
                (None, None) => Value::Nil,
            };
            *p.function.borrow_mut() = Some(f);
        }

        if let Some(c) = copier {
            let f = if class.is_some() {
                let cls = name.clone();
                self.closure_from_native(&c, move |it, args| match args {
                    [Value::Struct(o)] if o.class.is_subclass_of(&cls) => Ok(copy_struct(o)),
                    [other] => {
                        let c = it.type_error(other, &cls.name);
                        it.err(c)
                    }
                    _ => it.struct_arg_count(&cls, "copier", args.len()),
                })
            } else {
                let obj = fresh("OBJECT");
                let body = Value::list([cl("COPY-SEQ"), obj.clone()]);
                self.lambda_fn(&c, Value::list([obj]), body)?
            };
            *c.function.borrow_mut() = Some(f);
        }

        if let (Some((f, with_depth)), Some(_)) = (printer, &class) {
            let obj = fresh("OBJECT");
            let stream = fresh("STREAM");
            let mut call = vec![
                cl("FUNCALL"),
                Value::list([cl("FUNCTION"), f]),
                obj.clone(),
                stream.clone(),
            ];
            if with_depth {
                call.push(Value::Fixnum(0));
            }
            let method = Value::list([
                cl("DEFMETHOD"),
                cl("PRINT-OBJECT"),
                Value::list([Value::list([obj, Value::Symbol(name.clone())]), stream]),
                Value::list(call),
            ]);
            self.eval(&method, &Env::default())?;
        }
        Ok(Value::Symbol(name))
    }

    fn struct_arg_count<T>(&mut self, name: &Sym, what: &str, n: usize) -> LResult<T> {
        let msg = format!(
            "invalid number of arguments to the {what} of {}: {n}",
            name.name
        );
        let c = self.make_error("PROGRAM-ERROR", &msg);
        self.err(c)
    }

    /// The structure class of an untyped `defstruct`.
    fn register_struct_class(
        &mut self,
        name: &Sym,
        parent: Option<Rc<super::value::StructClass>>,
        slots: &[Slot],
    ) -> Rc<super::value::StructClass> {
        let defs = slots
            .iter()
            .map(|s| super::value::SlotDef {
                name: s.name.clone(),
                initform: s.init.clone().unwrap_or(Value::Nil),
                initargs: vec![keyword(&s.name.name)],
                readers: vec![],
                has_initform: s.init.is_some(),
            })
            .collect();
        let class = Rc::new(super::value::StructClass {
            name: name.clone(),
            parent,
            slots: defs,
            mixins: vec![],
            is_condition: false,
            report: RefCell::new(None),
            conc_name: String::new(),
        });
        self.classes.insert(SymKey(name.clone()), class.clone());
        class
    }

    /// A named function from a lambda list and one body form, closed in
    /// the global environment.
    fn lambda_fn(&mut self, name: &Sym, ll: Value, body: Value) -> LResult<Value> {
        let lambda = Value::list([ll, body]);
        self.make_closure(
            &lambda,
            &Env::default(),
            Some(Value::Symbol(name.clone())),
            None,
        )
    }

    /// The form that makes an instance from the constructor's variables
    /// (`vars[i]` holds slot `i`'s value form).
    #[allow(clippy::too_many_arguments)]
    fn struct_builder(
        &mut self,
        name: &Sym,
        repr: &Repr,
        class: &Option<Rc<super::value::StructClass>>,
        size: usize,
        names: &[(usize, Sym)],
        slots: &[Slot],
        vars: Vec<Value>,
    ) -> Value {
        if let Some(class) = class {
            let class = class.clone();
            let f = self.closure_from_native(name, move |_, args| {
                Ok(Value::Struct(Rc::new(super::value::StructObj {
                    class: class.clone(),
                    slots: RefCell::new(args.to_vec()),
                })))
            });
            let mut call = vec![cl("FUNCALL"), quote(f)];
            call.extend(vars);
            return Value::list(call);
        }
        let pad = match repr {
            Repr::Vector(t) if !t.is_sym(&cl_sym("T")) => Value::Fixnum(0),
            _ => Value::Nil,
        };
        let mut items = vec![pad; size];
        for (i, n) in names {
            items[*i] = quote(Value::Symbol(n.clone()));
        }
        for (slot, v) in slots.iter().zip(vars) {
            items[slot.index] = v;
        }
        let mut list = vec![cl("LIST")];
        list.extend(items);
        let list = Value::list(list);
        match repr {
            Repr::List => list,
            Repr::Vector(t) => Value::list([
                cl("MAKE-ARRAY"),
                Value::Fixnum(size as i64),
                Value::Symbol(keyword("ELEMENT-TYPE")),
                quote(t.clone()),
                Value::Symbol(keyword("INITIAL-CONTENTS")),
                list,
            ]),
            Repr::Class => Value::Nil,
        }
    }
}

/// Does a slot description's option list say `:read-only` true?
fn slot_read_only(options: &Value) -> bool {
    let o: Vec<Value> = options.iter().collect();
    o.chunks(2).any(|kv| {
        kv[0]
            .as_symbol()
            .is_some_and(|s| s.name == "READ-ONLY" && s.is_keyword())
            && kv.get(1).is_some_and(|v| !v.is_nil())
    })
}

/// `(&key ((:slot #:slot) initform) ...)`: the default constructor.
fn keyword_lambda_list(slots: &[Slot]) -> (Value, Vec<Value>) {
    let mut ll = vec![Value::Symbol(cl_sym("&KEY"))];
    let mut vars = Vec::new();
    for s in slots {
        let var = fresh(&s.name.name);
        let key = Value::list([Value::Symbol(keyword(&s.name.name)), var.clone()]);
        ll.push(Value::list([key, s.init.clone().unwrap_or(Value::Nil)]));
        vars.push(var);
    }
    (Value::list(ll), vars)
}

/// A BOA constructor (CLHS 3.4.6): optional and keyword parameters
/// without a default take the slot's initform; slots the lambda list does
/// not name get their initforms.
fn boa_lambda_list(ll: &Value, slots: &[Slot]) -> (Value, Vec<Value>) {
    let mut out = Vec::new();
    let mut bound: Vec<Sym> = Vec::new();
    let mut section = String::new();
    let init_of = |var: &Sym| {
        slots
            .iter()
            .find(|s| s.name.name == var.name)
            .and_then(|s| s.init.clone())
    };
    for item in ll.iter() {
        if let Some(s) = item.as_symbol().filter(|s| s.name.starts_with('&')) {
            section = s.name.clone();
            out.push(item.clone());
            continue;
        }
        let defaulted = matches!(section.as_str(), "&OPTIONAL" | "&KEY");
        if item.is_cons() {
            let spec = item.car();
            let var = if spec.is_cons() {
                spec.cdr().car()
            } else {
                spec.clone()
            };
            if let Some(v) = var.as_symbol() {
                bound.push(v.clone());
                if defaulted && !item.cdr().is_cons() {
                    if let Some(init) = init_of(&v) {
                        out.push(Value::list([spec, init]));
                        continue;
                    }
                }
            }
            out.push(item.clone());
        } else if let Some(v) = item.as_symbol() {
            bound.push(v.clone());
            match init_of(&v) {
                Some(init) if defaulted => out.push(Value::list([item.clone(), init])),
                _ => out.push(item.clone()),
            }
        } else {
            out.push(item.clone());
        }
    }
    let vars = slots
        .iter()
        .map(|s| {
            match bound
                .iter()
                .find(|b| Rc::ptr_eq(b, &s.name))
                .or_else(|| bound.iter().find(|b| b.name == s.name.name))
            {
                Some(b) => Value::Symbol(b.clone()),
                None => s.init.clone().unwrap_or(Value::Nil),
            }
        })
        .collect();
    (Value::list(out), vars)
}

/// The predicate of a named typed structure: is the name at `index`?
fn typed_name_test(repr: &Repr, obj: &Value, index: usize, name: &Sym) -> Value {
    let idx = Value::Fixnum(index as i64);
    let name = quote(Value::Symbol(name.clone()));
    match repr {
        Repr::List => {
            // (do ((l obj (cdr l)) (i 0 (1+ i))) ((or (atom l) (= i idx)) (and (consp l) (eq (car l) 'name))))
            let l = fresh("L");
            let i = fresh("I");
            Value::list([
                cl("DO"),
                Value::list([
                    Value::list([l.clone(), obj.clone(), Value::list([cl("CDR"), l.clone()])]),
                    Value::list([
                        i.clone(),
                        Value::Fixnum(0),
                        Value::list([cl("1+"), i.clone()]),
                    ]),
                ]),
                Value::list([
                    Value::list([
                        cl("OR"),
                        Value::list([cl("ATOM"), l.clone()]),
                        Value::list([cl("="), i, idx]),
                    ]),
                    Value::list([
                        cl("AND"),
                        Value::list([cl("CONSP"), l.clone()]),
                        Value::list([cl("EQ"), Value::list([cl("CAR"), l]), name]),
                    ]),
                ]),
            ])
        }
        _ => Value::list([
            cl("AND"),
            Value::list([cl("VECTORP"), obj.clone()]),
            Value::list([
                cl(">"),
                Value::list([cl("LENGTH"), obj.clone()]),
                idx.clone(),
            ]),
            Value::list([cl("EQ"), Value::list([cl("AREF"), obj.clone(), idx]), name]),
        ]),
    }
}

/// A fresh structure with the same slot values (CLHS copy-structure).
pub fn copy_struct(o: &Rc<super::value::StructObj>) -> Value {
    Value::Struct(Rc::new(super::value::StructObj {
        class: o.class.clone(),
        slots: RefCell::new(o.slots.borrow().clone()),
    }))
}

/// Is an initform more than a constant, so that it must be evaluated
/// where the `defstruct` is (CLHS 8.1 defstruct: "in the lexical
/// environment of the defstruct form")?
fn needs_closure(v: &Value) -> bool {
    match v {
        Value::Cons(_) => !v.car().is_sym(&cl_sym("QUOTE")),
        Value::Symbol(s) => !s.is_keyword() && s.name != "T",
        _ => false,
    }
}

/// The initforms of a `defstruct` (its arguments) that need the lexical
/// environment: those of `:include` slot overrides, then those of the
/// slots, in order.
pub(crate) fn initforms(args: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    let mut take = |spec: &Value| {
        if spec.is_cons() && spec.cdr().is_cons() {
            let init = spec.cdr().car();
            if needs_closure(&init) {
                out.push(init);
            }
        }
    };
    let spec = args.car();
    if spec.is_cons() {
        for o in spec.cdr().iter() {
            if o.is_cons() && option_name(&o) == "INCLUDE" {
                for s in o.cdr().cdr().iter() {
                    take(&s);
                }
            }
        }
    }
    for s in args.cdr().iter() {
        take(&s);
    }
    out
}

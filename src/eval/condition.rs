//! The condition system (CLHS 9): condition classes, signalling, handlers,
//! restarts, and the reports printed for conditions.

use std::cell::RefCell;
use std::rc::Rc;

use super::interp::{Handler, Interp, SymKey};
use super::package::{cl_sym, find_package, intern_external, keyword};
use super::value::{SlotDef, StructClass, StructObj, Sym, Value};
use super::{LResult, Unwind, UnwindKind};

/// The standard condition classes: (name, parent, mixins, own slots).
const STANDARD: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "CONDITION",
        "",
        &[],
        &["FORMAT-CONTROL", "FORMAT-ARGUMENTS"],
    ),
    ("SIMPLE-CONDITION", "CONDITION", &[], &[]),
    ("SERIOUS-CONDITION", "CONDITION", &[], &[]),
    ("WARNING", "CONDITION", &[], &[]),
    ("SIMPLE-WARNING", "WARNING", &["SIMPLE-CONDITION"], &[]),
    ("STYLE-WARNING", "WARNING", &[], &[]),
    ("ERROR", "SERIOUS-CONDITION", &[], &[]),
    ("STORAGE-CONDITION", "SERIOUS-CONDITION", &[], &[]),
    ("SIMPLE-ERROR", "ERROR", &["SIMPLE-CONDITION"], &[]),
    ("TYPE-ERROR", "ERROR", &[], &["DATUM", "EXPECTED-TYPE"]),
    (
        "SIMPLE-TYPE-ERROR",
        "TYPE-ERROR",
        &["SIMPLE-CONDITION"],
        &[],
    ),
    ("PROGRAM-ERROR", "ERROR", &[], &[]),
    ("CONTROL-ERROR", "ERROR", &[], &[]),
    ("PARSE-ERROR", "ERROR", &[], &[]),
    ("CELL-ERROR", "ERROR", &[], &["NAME"]),
    ("UNBOUND-VARIABLE", "CELL-ERROR", &[], &[]),
    ("UNDEFINED-FUNCTION", "CELL-ERROR", &[], &[]),
    ("UNBOUND-SLOT", "CELL-ERROR", &[], &["INSTANCE"]),
    ("ARITHMETIC-ERROR", "ERROR", &[], &["OPERATION", "OPERANDS"]),
    ("DIVISION-BY-ZERO", "ARITHMETIC-ERROR", &[], &[]),
    ("FLOATING-POINT-OVERFLOW", "ARITHMETIC-ERROR", &[], &[]),
    ("FLOATING-POINT-UNDERFLOW", "ARITHMETIC-ERROR", &[], &[]),
    ("FLOATING-POINT-INEXACT", "ARITHMETIC-ERROR", &[], &[]),
    (
        "FLOATING-POINT-INVALID-OPERATION",
        "ARITHMETIC-ERROR",
        &[],
        &[],
    ),
    ("FILE-ERROR", "ERROR", &[], &["PATHNAME"]),
    ("STREAM-ERROR", "ERROR", &[], &["STREAM"]),
    ("END-OF-FILE", "STREAM-ERROR", &[], &[]),
    ("READER-ERROR", "STREAM-ERROR", &["PARSE-ERROR"], &[]),
    ("PACKAGE-ERROR", "ERROR", &[], &["PACKAGE"]),
    ("PRINT-NOT-READABLE", "ERROR", &[], &["OBJECT"]),
];

/// Create the standard condition classes.
pub fn install_classes(it: &mut Interp) {
    for (name, parent, mixins, slots) in STANDARD {
        let parent = if parent.is_empty() {
            None
        } else {
            Some(cl_sym(parent))
        };
        // Slot names are the implementation's, not COMMON-LISP's (whose
        // external symbols are exactly the standard's 978).
        let home = super::package::sendletter_package();
        let slots: Vec<(Sym, Vec<Sym>)> = slots
            .iter()
            .map(|s| (super::package::intern_in(s, &home), vec![keyword(s)]))
            .collect();
        let mixins: Vec<Sym> = mixins.iter().map(|m| cl_sym(m)).collect();
        it.define_class(cl_sym(name), parent, mixins, slots, true);
    }
    // Ctrl-C at the REPL (`eval::interrupt`).
    let interrupt = super::package::intern_in(
        "INTERACTIVE-INTERRUPT",
        &super::package::sendletter_package(),
    );
    let serious = Some(cl_sym("SERIOUS-CONDITION"));
    it.define_class(interrupt, serious, Vec::new(), Vec::new(), true);
}

/// What an error no handler took runs before unwinding: the REPL installs
/// its break loop; scripts have none. It returns normally to let the
/// error unwind to the top level, or with the unwind a chosen restart makes.
pub type DebuggerHook = fn(&mut Interp, &Value) -> LResult<()>;

thread_local! {
    pub static DEBUGGER: std::cell::Cell<Option<DebuggerHook>> = const { std::cell::Cell::new(None) };
}

impl Interp {
    /// Define a condition or structure class with plain slots (no init
    /// forms): own slots come after the parent's.
    pub fn define_class(
        &mut self,
        name: Sym,
        parent: Option<Sym>,
        mixins: Vec<Sym>,
        own_slots: Vec<(Sym, Vec<Sym>)>,
        is_condition: bool,
    ) -> Rc<StructClass> {
        let parent_class = parent.and_then(|p| self.classes.get(&SymKey(p)).cloned());
        let mut slots: Vec<SlotDef> = Vec::new();
        if let Some(p) = &parent_class {
            for s in &p.slots {
                slots.push(SlotDef {
                    name: s.name.clone(),
                    initform: s.initform.clone(),
                    initargs: s.initargs.clone(),
                    readers: s.readers.clone(),
                    has_initform: s.has_initform,
                });
            }
        }
        for (s, initargs) in own_slots {
            if slots.iter().any(|x| Rc::ptr_eq(&x.name, &s)) {
                continue;
            }
            slots.push(SlotDef {
                name: s,
                initform: Value::Nil,
                initargs,
                readers: Vec::new(),
                has_initform: false,
            });
        }
        let class = Rc::new(StructClass {
            name: name.clone(),
            parent: parent_class,
            slots,
            mixins,
            is_condition,
            report: RefCell::new(None),
            conc_name: String::new(),
        });
        self.classes.insert(SymKey(name), class.clone());
        class
    }

    pub fn find_class(&self, name: &Sym) -> Option<Rc<StructClass>> {
        self.classes.get(&SymKey(name.clone())).cloned()
    }

    /// Make a condition of the standard type `type_name` (a CL symbol
    /// name) with slots given by name.
    pub fn make_condition(&mut self, type_name: &str, slots: &[(&str, Value)]) -> Value {
        let sym = cl_sym(type_name);
        self.make_condition_of(&sym, slots)
    }

    /// Make a condition of any class named `sym`; unknown slot names are
    /// ignored.
    pub fn make_condition_of(&mut self, sym: &Sym, slots: &[(&str, Value)]) -> Value {
        let class = match self.find_class(sym) {
            Some(c) => c,
            None => self
                .find_class(&cl_sym("SIMPLE-ERROR"))
                .expect("standard classes are installed at start-up"),
        };
        let mut values = vec![Value::Nil; class.slots.len()];
        for (name, v) in slots {
            if let Some(i) = class.slot_index_by_name(name) {
                values[i] = v.clone();
            }
        }
        Value::Struct(Rc::new(StructObj {
            class,
            slots: RefCell::new(values),
        }))
    }

    /// A condition of type `type_name` whose report is `message` verbatim.
    pub fn make_error(&mut self, type_name: &str, message: &str) -> Value {
        self.make_condition(
            type_name,
            &[
                ("FORMAT-CONTROL", Value::string(message.replace('~', "~~"))),
                ("FORMAT-ARGUMENTS", Value::Nil),
            ],
        )
    }

    /// A `type-error`: `datum` is not of type `expected` (a type specifier
    /// written as Lisp text, e.g. `"STRING"`).
    pub fn type_error(&mut self, datum: &Value, expected: &str) -> Value {
        let ty = type_spec_from_text(expected);
        self.make_condition(
            "TYPE-ERROR",
            &[("DATUM", datum.clone()), ("EXPECTED-TYPE", ty)],
        )
    }

    /// Signal `condition` as an error: run the handlers, and if none
    /// transfers control, return the unwind that ends at the top level.
    pub fn raise(&mut self, condition: Value) -> Unwind {
        if let Err(u) = self.signal(&condition) {
            return u;
        }
        self.unhandled(condition)
    }

    /// The unwind that ends at the top level reporting `condition`, with
    /// the backtrace of where it stands now (also `invoke-debugger`'s).
    pub fn unhandled(&mut self, condition: Value) -> Unwind {
        // Innermost first, each frame where it stands.
        self.error_backtrace = self.backtrace_now();
        // The REPL's break loop runs here, inside the error's dynamic
        // extent, so its restarts can still be invoked (CLHS 9.1.5).
        if let Some(hook) = DEBUGGER.with(|d| d.get()) {
            if let Err(u) = hook(self, &condition) {
                return u;
            }
        }
        Unwind::Error(condition)
    }

    /// An error builtins return: signalled at the function-call boundary.
    pub fn err<T>(&mut self, condition: Value) -> LResult<T> {
        Err(Unwind::Signal(condition))
    }

    /// Signal a `simple-error` with a message from Rust code.
    pub fn simple_error<T>(&mut self, message: impl AsRef<str>) -> LResult<T> {
        let c = self.make_error("SIMPLE-ERROR", message.as_ref());
        Err(Unwind::Signal(c))
    }

    /// Run the applicable handlers for `condition`, innermost first (CLHS
    /// 9.1.4.1). Each runs with only the handlers outside its own cluster
    /// active. Returns normally when every handler declined.
    pub fn signal(&mut self, condition: &Value) -> LResult<()> {
        let mut i = self.handlers.len();
        while i > 0 {
            i -= 1;
            let cluster = self.handlers[i].clone();
            for (ty, h) in cluster {
                if !self.typep(condition, &ty)? {
                    continue;
                }
                match h {
                    Handler::Case { id, clause } => {
                        return Err(UnwindKind::HandlerCase {
                            id,
                            clause,
                            condition: condition.clone(),
                        }
                        .into())
                    }
                    Handler::Function(f) => {
                        let saved = self.handlers.split_off(i);
                        let r = self.apply(&f, std::slice::from_ref(condition));
                        self.handlers.extend(saved);
                        r?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The class of a condition object, if it is one.
    pub fn condition_class(v: &Value) -> Option<Rc<StructClass>> {
        match v {
            Value::Struct(o) if o.class.is_condition => Some(o.class.clone()),
            _ => None,
        }
    }

    pub fn slot_by_name(v: &Value, name: &str) -> Value {
        match v {
            Value::Struct(o) => match o.class.slot_index_by_name(name) {
                Some(i) => o.slots.borrow()[i].clone(),
                None => Value::Nil,
            },
            _ => Value::Nil,
        }
    }

    /// The text `princ` shows for a condition (its report, CLHS 9.1.3).
    pub fn report_condition(&mut self, c: &Value) -> LResult<String> {
        let Some(class) = Self::condition_class(c) else {
            return Ok(crate::printer::princ_to_string(c));
        };
        let mut k = Some(class.clone());
        while let Some(cl) = k {
            let report = cl.report.borrow().clone();
            if let Some(r) = report {
                if let Value::String(s) = &r {
                    return Ok(s.borrow().clone());
                }
                let out = Value::Stream(Rc::new(super::stream::Stream::string_output()));
                self.apply(&r, &[c.clone(), out.clone()])?;
                if let Value::Stream(s) = out {
                    return Ok(s.take_string().unwrap_or_default());
                }
            }
            k = cl.parent.clone();
        }
        let control = Self::slot_by_name(c, "FORMAT-CONTROL");
        if !control.is_nil() {
            let args = Self::slot_by_name(c, "FORMAT-ARGUMENTS");
            return self.format_to_string(&control, &args);
        }
        let p = crate::printer::prin1_to_string;
        let name = class.name.name.as_str();
        Ok(match name {
            "UNBOUND-VARIABLE" => format!(
                "The variable {} is unbound.",
                p(&Self::slot_by_name(c, "NAME"))
            ),
            "UNDEFINED-FUNCTION" => format!(
                "The function {} is undefined.",
                qualified(&Self::slot_by_name(c, "NAME"))
            ),
            _ if class.is_subclass_of(&cl_sym("TYPE-ERROR")) => format!(
                "The value\n  {}\nis not of type\n  {}",
                p(&Self::slot_by_name(c, "DATUM")),
                p(&Self::slot_by_name(c, "EXPECTED-TYPE"))
            ),
            "DIVISION-BY-ZERO" => "arithmetic error DIVISION-BY-ZERO signalled".to_string(),
            "END-OF-FILE" => format!("end of file on {}", p(&Self::slot_by_name(c, "STREAM"))),
            _ => format!(
                "Condition {} was signalled.",
                qualified(&Value::Symbol(class.name.clone()))
            ),
        })
    }

    /// `(format nil control args...)` through the Lisp `format` function.
    pub fn format_to_string(&mut self, control: &Value, args: &Value) -> LResult<String> {
        let mut argv = vec![Value::Nil, control.clone()];
        argv.extend(args.iter());
        let f = cl_sym("FORMAT");
        if f.function.borrow().is_none() {
            return Ok(crate::printer::princ_to_string(control));
        }
        let r = self.call_named(&f, &argv)?;
        Ok(match r {
            Value::String(s) => s.borrow().clone(),
            other => crate::printer::princ_to_string(&other),
        })
    }

    /// A condition from `error`'s arguments: a condition object, a class
    /// name with initargs, or a format control with arguments (CLHS 9.1.2.1).
    pub fn coerce_to_condition(&mut self, args: &[Value], default: &str) -> LResult<Value> {
        match args.first() {
            Some(c @ Value::Struct(o)) if o.class.is_condition => Ok(c.clone()),
            Some(Value::Symbol(s)) => {
                let Some(class) = self.find_class(s) else {
                    let msg = format!("{} does not name a condition class", s.name);
                    return self.simple_error(msg);
                };
                self.make_instance(&class, &args[1..])
            }
            Some(control) => Ok(self.make_condition(
                default,
                &[
                    ("FORMAT-CONTROL", control.clone()),
                    ("FORMAT-ARGUMENTS", Value::list(args[1..].iter().cloned())),
                ],
            )),
            None => self.simple_error("ERROR called with no arguments"),
        }
    }

    /// Instantiate a structure or condition class from initargs, evaluating
    /// init forms for slots not given.
    pub fn make_instance(&mut self, class: &Rc<StructClass>, initargs: &[Value]) -> LResult<Value> {
        let mut values = Vec::with_capacity(class.slots.len());
        for slot in &class.slots {
            let given = initargs
                .chunks(2)
                .find(|kv| slot.initargs.iter().any(|k| kv[0].is_sym(k)))
                .and_then(|kv| kv.get(1).cloned());
            let v = match given {
                Some(v) => v,
                None if slot.has_initform => {
                    let env = super::env::Env::default();
                    let form = slot.initform.clone();
                    self.eval(&form, &env)?
                }
                None => Value::Nil,
            };
            values.push(v);
        }
        Ok(Value::Struct(Rc::new(StructObj {
            class: class.clone(),
            slots: RefCell::new(values),
        })))
    }

    /// Run `body` with a restart named `name` available; returns
    /// `Ok(Err(args))` when the restart was invoked.
    pub fn with_restart<T>(
        &mut self,
        name: &str,
        body: impl FnOnce(&mut Interp) -> LResult<T>,
    ) -> LResult<Result<T, Vec<Value>>> {
        self.with_reported_restart(name, None, body)
    }

    /// `with_restart` with the restart's report (what the REPL's restart
    /// menu shows, CLHS 9.1.4.2.2): a string, or a function of a stream.
    pub fn with_reported_restart<T>(
        &mut self,
        name: &str,
        report: Option<Value>,
        body: impl FnOnce(&mut Interp) -> LResult<T>,
    ) -> LResult<Result<T, Vec<Value>>> {
        let id = self.new_id();
        let mark = self.restarts.len();
        self.restarts.push(super::interp::RestartFrame {
            name: Value::Symbol(cl_sym(name)),
            id,
            index: 0,
            report,
            test: None,
            interactive: None,
            function: None,
        });
        let r = body(self);
        self.restarts.truncate(mark);
        match r {
            Ok(v) => Ok(Ok(v)),
            Err(e) => match e.into_kind() {
                UnwindKind::Restart { id: rid, args, .. } if rid == id => Ok(Err(args)),
                other => Err(other.into()),
            },
        }
    }
}

/// A symbol printed with its package prefix, as SBCL names functions in
/// `undefined-function` reports.
fn qualified(v: &Value) -> String {
    match v {
        Value::Symbol(s) => {
            let pkg = s.package.borrow().clone();
            match pkg {
                Some(p) if !p.is_named("KEYWORD") => {
                    let external = p.external.borrow().contains_key(&s.name);
                    format!(
                        "{}{}{}",
                        p.name(),
                        if external { ":" } else { "::" },
                        crate::printer::prin1_to_string(&Value::Symbol(s.clone()))
                            .rsplit(':')
                            .next()
                            .unwrap_or(&s.name)
                    )
                }
                _ => crate::printer::prin1_to_string(v),
            }
        }
        _ => crate::printer::prin1_to_string(v),
    }
}

/// Define the `SMTP-ERROR` class (package `NET.POST-OFFICE`).
pub fn install_smtp_error(it: &mut Interp) -> Option<Rc<StructClass>> {
    let po = find_package("NET.POST-OFFICE")?;
    let name = intern_external("SMTP-ERROR", &po);
    let slots = ["CODE", "COMMAND", "REPLY"]
        .iter()
        .map(|s| (intern_external(s, &po), vec![keyword(s)]))
        .collect();
    Some(it.define_class(name, Some(cl_sym("ERROR")), vec![], slots, true))
}

/// Turn a type specifier written in Rust source (`"(OR STRING NULL)"`) into
/// a form of CL symbols and integers.
pub fn type_spec_from_text(text: &str) -> Value {
    fn parse(tokens: &mut std::iter::Peekable<std::vec::IntoIter<String>>) -> Value {
        match tokens.next() {
            Some(t) if t == "(" => {
                let mut items = Vec::new();
                while tokens.peek().is_some_and(|t| t != ")") {
                    items.push(parse(tokens));
                }
                tokens.next();
                Value::list(items)
            }
            Some(t) => match t.parse::<i64>() {
                Ok(n) => Value::Fixnum(n),
                Err(_) if t == "*" => Value::Symbol(cl_sym("*")),
                Err(_) => match t.split_once(':') {
                    Some((pkg, name)) => match find_package(pkg) {
                        Some(p) => super::package::sym_value(super::package::intern_in(
                            name.trim_start_matches(':'),
                            &p,
                        )),
                        None => super::package::sym_value(cl_sym(&t)),
                    },
                    None => super::package::sym_value(cl_sym(&t)),
                },
            },
            None => Value::Nil,
        }
    }
    let spaced = text.replace('(', " ( ").replace(')', " ) ");
    let tokens: Vec<String> = spaced.split_whitespace().map(str::to_string).collect();
    parse(&mut tokens.into_iter().peekable())
}

//! Special operators (CLHS 3.1.2.1.2.1) and the standard macros that the
//! evaluator implements directly (CLHS permits implementing macros as
//! special forms). Each is dispatched by an id stored in its symbol.

use std::rc::Rc;

use super::env::Env;
use super::interp::{Interp, SymKey};
use super::package::cl_sym;
use super::value::{Function, Sym, Value};
use super::{LResult, Unwind, UnwindKind};
use crate::printer::prin1_to_string;

/// The special operators of CLHS 3.1.2.1.2.1; a symbol's `special_form`
/// is its index here plus one.
const TABLE: &[&str] = &[
    "QUOTE",
    "FUNCTION",
    "IF",
    "PROGN",
    "LET",
    "LET*",
    "FLET",
    "LABELS",
    "MACROLET",
    "SYMBOL-MACROLET",
    "SETQ",
    "BLOCK",
    "RETURN-FROM",
    "TAGBODY",
    "GO",
    "CATCH",
    "THROW",
    "UNWIND-PROTECT",
    "THE",
    "MULTIPLE-VALUE-CALL",
    "MULTIPLE-VALUE-PROG1",
    "EVAL-WHEN",
    "LOCALLY",
    "PROGV",
    "LOAD-TIME-VALUE",
];

/// Mark the symbols that name special forms.
pub fn install() {
    for (i, name) in TABLE.iter().enumerate() {
        cl_sym(name).special_form.set(i as u16 + 1);
    }
}

/// The name of the special form `sym` names ("" if none).
pub fn special_form_name(sym: &Sym) -> &'static str {
    TABLE
        .get((sym.special_form.get() as usize).wrapping_sub(1))
        .copied()
        .unwrap_or("")
}

/// Is the symbol one of CL's special operators (CLHS 3.1.2.1.2.1)?
pub fn is_special_operator(sym: &Sym) -> bool {
    sym.special_form.get() != 0
}

/// Do `eval-when` situations include `:execute` (or the old `eval`)?
pub fn eval_when_executes(situations: &Value) -> bool {
    situations.iter().any(|s| {
        s.as_symbol()
            .is_some_and(|s| s.name == "EXECUTE" || s.name == "EVAL")
    })
}

fn nth(list: &Value, n: usize) -> Value {
    let mut cur = list.clone();
    for _ in 0..n {
        cur = cur.cdr();
    }
    cur.car()
}

fn nthcdr(list: &Value, n: usize) -> Value {
    let mut cur = list.clone();
    for _ in 0..n {
        cur = cur.cdr();
    }
    cur
}

impl Interp {
    pub fn expect_symbol(&mut self, v: &Value, ctx: &str) -> LResult<Sym> {
        match v.as_symbol() {
            Some(s) => Ok(s),
            None => {
                let msg = format!("{ctx}: {} is not a symbol", prin1_to_string(v));
                let c = self.make_condition(
                    "SIMPLE-TYPE-ERROR",
                    &[
                        ("DATUM", v.clone()),
                        ("EXPECTED-TYPE", Value::Symbol(cl_sym("SYMBOL"))),
                        ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
                    ],
                );
                Err(self.raise(c))
            }
        }
    }

    /// A string designator's string (CLHS 1.4.1.5): string, symbol or char.
    pub fn string_designator(&mut self, v: &Value) -> LResult<String> {
        match v {
            Value::String(s) => Ok(s.borrow().clone()),
            Value::Symbol(s) => Ok(s.name.clone()),
            Value::Nil => Ok("NIL".into()),
            Value::Char(c) => Ok(c.to_string()),
            // A non-simple string (adjustable, displaced, fill pointer).
            Value::Array(_) if crate::builtins::sequences::shape::string_text(v).is_some() => {
                Ok(crate::builtins::sequences::shape::string_text(v).unwrap_or_default())
            }
            _ => {
                let c = self.type_error(v, "(OR STRING SYMBOL CHARACTER)");
                Err(self.raise(c))
            }
        }
    }

    /// `#'s`: the local function `s` in `env`, else the global one.
    pub(crate) fn function_named(&mut self, s: &Sym, env: &Env) -> LResult<Value> {
        if let Some(b) = env.lookup_fun(s) {
            if !b.is_macro {
                return Ok(b.func.borrow().clone());
            }
        }
        let f = s.function.borrow().clone();
        match f {
            Some(f) => Ok(f),
            None => Err(self.undefined_function(&Value::Symbol(s.clone()))),
        }
    }

    /// Bind a variable lexically, or dynamically when it is special
    /// (globally or by a local declaration).
    pub fn bind_var_maybe_special(&mut self, env: Env, s: &Sym, v: Value, specials: &[Sym]) -> Env {
        if s.special.get() || specials.iter().any(|x| Rc::ptr_eq(x, s)) {
            self.bind_special(s, v);
            env.declare_special(s.clone())
        } else {
            env.with_var(s.clone(), v)
        }
    }

    /// The id of the open block `name` for `return-from`, or the
    /// control error (CLHS 5.2: an exit point no longer active).
    pub(crate) fn open_block(&mut self, name: &Sym, env: &Env) -> LResult<usize> {
        match env.lookup_block(name) {
            Some((id, true)) => Ok(id),
            Some((_, false)) => Err(self.exit_point_gone()),
            None => Err(self.no_such_block(name)),
        }
    }

    fn exit_point_gone(&mut self) -> Unwind {
        let c = self.make_error(
            "CONTROL-ERROR",
            "attempt to RETURN-FROM a block or GO to a tag that no longer exists",
        );
        self.raise(c)
    }

    /// Leave a block: mark it closed and take a `return-from` aimed at it.
    pub(crate) fn leave_block(
        &mut self,
        benv: &Env,
        id: usize,
        r: LResult<Value>,
    ) -> LResult<Value> {
        benv.close_block();
        match r {
            Err(u) if u.returns_to(id) => Ok(self.values(u.into_values())),
            other => other,
        }
    }

    pub(crate) fn no_such_block(&mut self, name: &Sym) -> Unwind {
        let msg = format!(
            "RETURN-FROM: no block named {} is visible",
            prin1_to_string(&super::package::sym_value(name.clone()))
        );
        let c = self.make_error("CONTROL-ERROR", &msg);
        self.raise(c)
    }

    /// `go`: leave for the innermost visible tagbody holding `tag`.
    pub(crate) fn go(&mut self, tag: &Value, env: &Env) -> LResult<Value> {
        match env.lookup_tag(tag) {
            Some((id, index, true)) => Err(UnwindKind::Go { id, index }.into()),
            Some((_, _, false)) => Err(self.exit_point_gone()),
            None => {
                let msg = format!("GO to unknown tag {}", prin1_to_string(tag));
                let c = self.make_error("CONTROL-ERROR", &msg);
                Err(self.raise(c))
            }
        }
    }

    /// Assign a variable (CLHS `setq`): lexical binding, else the dynamic
    /// or global value.
    pub fn set_variable(&mut self, s: &Sym, v: Value, env: &Env) -> LResult<()> {
        if let Some(b) = env.lookup_var(s) {
            if b.symbol_macro {
                // (setq x v) of a symbol macro is (setf expansion v).
                let exp = b.value.borrow().clone();
                let quoted = Value::list([Value::Symbol(self.s.quote.clone()), v]);
                let form = Value::list([Value::Symbol(self.s.setf.clone()), exp, quoted]);
                return self.eval(&form, env).map(|_| ());
            }
            if !b.special {
                *b.value.borrow_mut() = v;
                return Ok(());
            }
        }
        if s.constant.get() {
            let msg = format!("{} is a constant and cannot be set", s.name);
            let c = self.make_error("PROGRAM-ERROR", &msg);
            return Err(self.raise(c));
        }
        *s.value.borrow_mut() = Some(v);
        Ok(())
    }

    /// The closures of the internal lambda forms the standard macros
    /// expand into: `(sendletter::named-lambda name ll . body)` (`defun`:
    /// named, with a block), `(sendletter::macro-lambda name ll . body)`
    /// (`defmacro`) and `(sendletter::destructuring-lambda ll . body)`
    /// (`destructuring-bind`: one argument, destructured).
    /// `analysis_env`: the lexical environment the form was analysed in
    /// (its local macros).
    pub(crate) fn internal_lambda(
        &mut self,
        form: &Value,
        env: &Env,
        analysis_env: &Env,
    ) -> Option<LResult<Value>> {
        let head = form.car();
        let head = head.as_symbol().filter(|_| form.is_cons())?;
        if Rc::ptr_eq(&head, &self.s.named_lambda) {
            let name = nth(form, 1);
            let block = match name.as_symbol() {
                Some(s) => s,
                None => name.cdr().car().as_symbol()?,
            };
            return Some(self.make_closure(&nthcdr(form, 2), env, Some(name), Some(block)));
        }
        if Rc::ptr_eq(&head, &self.s.macro_lambda) {
            let name = nth(form, 1).as_symbol()?;
            return Some(self.make_macro(
                &name,
                &nth(form, 2),
                &nthcdr(form, 3),
                env,
                analysis_env,
            ));
        }
        if Rc::ptr_eq(&head, &self.s.destructuring_lambda) {
            return Some(self.make_destructuring_closure(&form.cdr(), env));
        }
        None
    }

    /// A closure of one argument destructured against a macro lambda list
    /// (`destructuring-bind`).
    pub(crate) fn make_destructuring_closure(
        &mut self,
        lambda: &Value,
        env: &Env,
    ) -> LResult<Value> {
        let mut ll = self.parse_lambda_list(&lambda.car(), true)?;
        ll.local_specials = self.special_declarations(&lambda.cdr());
        ll.only_required = false;
        let body = self.strip_declarations(&lambda.cdr(), false);
        let code = Some(self.compiled_body(&body, None));
        Ok(Value::Function(Rc::new(Function::Closure(
            super::value::Closure {
                name: std::cell::RefCell::new(None),
                lambda_list: Rc::new(ll),
                body,
                env: env.clone(),
                block: None,
                is_macro: false,
                destructuring: true,
                code,
            },
        ))))
    }

    /// A macro expander from a `defmacro`-style lambda list and body.
    pub fn make_macro(
        &mut self,
        name: &Sym,
        ll: &Value,
        body: &Value,
        env: &Env,
        analysis_env: &Env,
    ) -> LResult<Value> {
        let lambda_list = self.parse_lambda_list(ll, true)?;
        let body = self.strip_declarations(body, true);
        // Analysed in the lexical environment of the definition (local
        // macros included, which exist only at analysis time); the closure
        // keeps the run-time environment.
        let mut cenv = analysis_env.clone();
        for v in super::compile::lambda_list_vars(ll) {
            cenv = cenv.bind_var(v, Value::Nil);
        }
        let code = super::compile::Compiler::in_env(self, Some(name.clone()), cenv).body(&body);
        Ok(Value::Function(Rc::new(Function::Closure(
            super::value::Closure {
                name: std::cell::RefCell::new(Some(Value::Symbol(name.clone()))),
                lambda_list: Rc::new(lambda_list),
                body,
                env: env.clone(),
                block: Some(name.clone()),
                is_macro: true,
                destructuring: false,
                code: Some(Rc::new(code)),
            },
        ))))
    }

    // ----- places (CLHS 5.1) ---------------------------------------------

    // ----- backquote (CLHS 2.4.6) -------------------------------------------

    /// Expand a quasiquoted template at nesting `depth` into a form that
    /// builds it.
    pub fn qq_expand(&mut self, x: &Value, depth: usize) -> LResult<Value> {
        let quote = |v: Value| Value::list([Value::Symbol(cl_sym("QUOTE")), v]);
        match x {
            Value::Cons(_) => {
                let head = x.car();
                if head.is_sym(&self.s.unquote) {
                    if depth == 1 {
                        return Ok(x.cdr().car());
                    }
                    let inner = self.qq_expand(&x.cdr().car(), depth - 1)?;
                    return Ok(Value::list([
                        Value::Symbol(cl_sym("LIST")),
                        quote(Value::Symbol(self.s.unquote.clone())),
                        inner,
                    ]));
                }
                if head.is_sym(&self.s.quasiquote) {
                    let inner = self.qq_expand(&x.cdr().car(), depth + 1)?;
                    return Ok(Value::list([
                        Value::Symbol(cl_sym("LIST")),
                        quote(Value::Symbol(self.s.quasiquote.clone())),
                        inner,
                    ]));
                }
                if head.is_sym(&self.s.unquote_splicing) {
                    let c = self.make_error(
                        "READER-ERROR",
                        ",@ after backquote is undefined: nothing to splice into",
                    );
                    return Err(self.raise(c));
                }
                // Build (append part1 part2 ... tail).
                let mut parts = Vec::new();
                let mut cur = x.clone();
                loop {
                    match &cur {
                        Value::Cons(_) => {
                            let h = cur.car();
                            if h.is_sym(&self.s.unquote) || h.is_sym(&self.s.quasiquote) {
                                // Dotted unquote: `(a . ,b)
                                parts.push(self.qq_expand(&cur, depth)?);
                                break;
                            }
                            if h.is_cons() && h.car().is_sym(&self.s.unquote_splicing) {
                                if depth == 1 {
                                    parts.push(h.cdr().car());
                                } else {
                                    let inner = self.qq_expand(&h.cdr().car(), depth - 1)?;
                                    parts.push(Value::list([
                                        Value::Symbol(cl_sym("LIST")),
                                        Value::list([
                                            Value::Symbol(cl_sym("LIST")),
                                            quote(Value::Symbol(self.s.unquote_splicing.clone())),
                                            inner,
                                        ]),
                                    ]));
                                }
                            } else {
                                let e = self.qq_expand(&h, depth)?;
                                parts.push(Value::list([Value::Symbol(cl_sym("LIST")), e]));
                            }
                            cur = cur.cdr();
                        }
                        Value::Nil => break,
                        other => {
                            parts.push(quote(other.clone()));
                            break;
                        }
                    }
                }
                Ok(Value::cons(
                    Value::Symbol(cl_sym("APPEND")),
                    Value::list(parts),
                ))
            }
            Value::Vector(v) => {
                let items = Value::list(v.borrow().iter().cloned());
                let e = self.qq_expand(&items, depth)?;
                Ok(Value::list([
                    Value::Symbol(cl_sym("COERCE")),
                    e,
                    quote(Value::Symbol(cl_sym("SIMPLE-VECTOR"))),
                ]))
            }
            Value::Symbol(_) | Value::Nil => Ok(quote(x.clone())),
            _ => Ok(x.clone()),
        }
    }

    // ----- defstruct and define-condition ----------------------------------

    pub(crate) fn struct_reader(
        &mut self,
        acc: &Sym,
        class: &Rc<super::value::StructClass>,
        i: usize,
    ) -> Value {
        let cls = class.name.clone();
        let accn = acc.clone();
        self.closure_from_native(acc, move |it, args| match args {
            [Value::Struct(o)] if o.class.is_subclass_of(&cls) => {
                Ok(o.slots.borrow().get(i).cloned().unwrap_or(Value::Nil))
            }
            [other] => {
                let c = it.make_condition(
                    "TYPE-ERROR",
                    &[
                        ("DATUM", other.clone()),
                        ("EXPECTED-TYPE", Value::Symbol(cls.clone())),
                    ],
                );
                let _ = &accn;
                it.err(c)
            }
            _ => {
                let msg = format!(
                    "invalid number of arguments to {}: {}",
                    accn.name,
                    args.len()
                );
                let c = it.make_error("PROGRAM-ERROR", &msg);
                it.err(c)
            }
        })
    }

    /// Wrap a Rust closure as a Lisp function (used for generated
    /// accessors and constructors).
    pub fn closure_from_native(
        &mut self,
        name: &Sym,
        f: impl Fn(&mut Interp, &[Value]) -> LResult<Value> + 'static,
    ) -> Value {
        Value::Function(Rc::new(Function::Native(super::value::Native {
            name: name.clone(),
            f: Rc::new(f),
        })))
    }

    /// `define-condition` (CLHS): `args` is the macro's argument list,
    /// `report` the evaluated `:report` option (or NIL).
    pub(crate) fn define_condition_class(&mut self, args: &Value, report: Value) -> LResult<Value> {
        let name = self.expect_symbol(&args.car(), "DEFINE-CONDITION")?;
        let parents: Vec<Sym> = nth(args, 1).iter().filter_map(|p| p.as_symbol()).collect();
        let parent = parents
            .first()
            .cloned()
            .unwrap_or_else(|| cl_sym("CONDITION"));
        let mixins: Vec<Sym> = parents.iter().skip(1).cloned().collect();
        let mut own = Vec::new();
        let mut slot_info = Vec::new();
        for s in nth(args, 2).iter() {
            let (sname, opts) = if s.is_cons() {
                (self.expect_symbol(&s.car(), "DEFINE-CONDITION")?, s.cdr())
            } else {
                (self.expect_symbol(&s, "DEFINE-CONDITION")?, Value::Nil)
            };
            let mut initargs = Vec::new();
            let mut readers = Vec::new();
            let mut init = None;
            let o: Vec<Value> = opts.iter().collect();
            for kv in o.chunks(2) {
                let k = kv[0]
                    .as_symbol()
                    .map(|s| s.name.clone())
                    .unwrap_or_default();
                let v = kv.get(1).cloned().unwrap_or(Value::Nil);
                match k.as_str() {
                    "INITARG" => {
                        if let Some(s) = v.as_symbol() {
                            initargs.push(s)
                        }
                    }
                    "READER" | "ACCESSOR" => {
                        if let Some(s) = v.as_symbol() {
                            readers.push(s)
                        }
                    }
                    "INITFORM" => init = Some(v),
                    _ => {}
                }
            }
            own.push((sname.clone(), initargs));
            slot_info.push((sname, readers, init));
        }
        let base = self.define_class(name.clone(), Some(parent), mixins.clone(), own, true);
        // (:default-initargs initarg form ...): the form initialises the
        // slot with that initarg when the initarg is not supplied (CLHS
        // 7.1.3: it takes precedence over the slot's initform).
        let mut defaults: Vec<(Sym, Value)> = Vec::new();
        for o in nthcdr(args, 3).iter() {
            if o.car()
                .as_symbol()
                .is_some_and(|s| s.name == "DEFAULT-INITARGS" && s.is_keyword())
            {
                let plist: Vec<Value> = o.cdr().iter().collect();
                for kv in plist.chunks(2) {
                    if let (Some(k), Some(v)) = (kv[0].as_symbol(), kv.get(1)) {
                        defaults.push((k, v.clone()));
                    }
                }
            }
        }
        let mut slots = Vec::new();
        for s in &base.slots {
            let default = defaults
                .iter()
                .find(|(k, _)| s.initargs.iter().any(|i| Rc::ptr_eq(i, k)))
                .map(|(_, v)| v.clone());
            let own_info = slot_info.iter().find(|(n, _, _)| Rc::ptr_eq(n, &s.name));
            let with_default = default.map(|d| {
                let readers = own_info.map(|i| i.1.clone()).unwrap_or_default();
                (s.name.clone(), readers, Some(d))
            });
            let info = with_default.as_ref().or(own_info);
            slots.push(super::value::SlotDef {
                name: s.name.clone(),
                initform: info
                    .and_then(|i| i.2.clone())
                    .unwrap_or_else(|| s.initform.clone()),
                initargs: s.initargs.clone(),
                readers: info.map(|i| i.1.clone()).unwrap_or_default(),
                has_initform: info.is_some_and(|i| i.2.is_some()) || s.has_initform,
            });
        }
        let class = Rc::new(super::value::StructClass {
            name: name.clone(),
            parent: base.parent.clone(),
            slots,
            mixins,
            is_condition: true,
            report: std::cell::RefCell::new(None),
            conc_name: String::new(),
        });
        if !report.is_nil() {
            *class.report.borrow_mut() = Some(report);
        }
        self.classes.insert(SymKey(name.clone()), class.clone());
        for (i, s) in class.slots.iter().enumerate() {
            for r in &s.readers {
                let f = self.struct_reader(r, &class, i);
                *r.function.borrow_mut() = Some(f);
                // `:accessor` slots are setf-able places.
                self.struct_accessors
                    .insert(SymKey(r.clone()), (class.clone(), i));
            }
        }
        Ok(Value::Symbol(name))
    }
}

//! Pre-analysis of forms into a tree the evaluator runs directly
//! (`eval::exec`): special forms are recognised once, global macro calls
//! expanded once, and arguments held in slices, so running a function
//! body no longer re-walks its conses.
//!
//! The tree is independent of the lexical environment: variables and
//! function names are still looked up at run time in the same `Env` chain
//! the interpreter uses, so forms outside the compiled subset stay source
//! (`Node::Interp`) and are interpreted in place, seeing exactly the
//! bindings compiled code made. Anything malformed is left to the
//! interpreter too, so its errors are reported when (and only if) the form
//! runs. The compiled subset thus has two implementations (here and in
//! `eval::special`); `tests/compiled_differential.rs` holds them to the
//! same results.

use std::cell::OnceCell;
use std::rc::Rc;

use super::env::Env;
use super::interp::Interp;
use super::value::{Sym, Value};

pub use super::node::{Compiled, LambdaNode, Node, Prim, TagbodyNode};

/// The items of a proper list, or `None` for a dotted or circular one.
pub(crate) fn proper_list(v: &Value) -> Option<Vec<Value>> {
    let mut out = Vec::new();
    let mut cur = v.clone();
    loop {
        match cur {
            Value::Nil => return Some(out),
            Value::Cons(c) => {
                if out.len() > 1_000_000 {
                    return None;
                }
                out.push(c.car.borrow().clone());
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            _ => return None,
        }
    }
}

/// Does a macro function take an `&environment` parameter?
pub(crate) fn wants_environment(m: &Value) -> bool {
    match m {
        Value::Function(f) => match &**f {
            super::value::Function::Closure(c) => c.lambda_list.env.is_some(),
            _ => false,
        },
        _ => false,
    }
}

/// Does a lambda list have default forms (of `&optional`, `&key`,
/// `&aux`)? They run interpreted when the closure is called.
fn has_default_forms(list: &Value) -> bool {
    list.iter().any(|item| {
        let init = item.cdr();
        item.is_cons() && init.is_cons() && init.car().is_cons()
    })
}

/// A statement of a tagbody that is `(go tag)` or `(if test (go tag))`
/// with a tag of that tagbody becomes a [`Node::Jump`].
fn local_jumps(statement: &mut Node, tags: &[Value]) {
    let jump = |node: &mut Node| {
        if let Node::Go(tag) = node {
            if let Some(index) = tags.iter().position(|t| t.eql(tag)) {
                let tag = tag.clone();
                *node = Node::Jump { index, tag };
            }
        }
    };
    match statement {
        Node::Go(_) => jump(statement),
        Node::If(branches) if matches!(branches.2, Node::Const(Value::Nil)) => {
            jump(&mut branches.1)
        }
        _ => {}
    }
}

/// One analysis: the tree plus what it found about exits.
pub(crate) struct Compiler<'a> {
    it: &'a mut Interp,
    opaque: bool,
    returns: Vec<Sym>,
    /// The function being defined: an unresolved call of it is recursion,
    /// not a possible macro.
    self_name: Option<Sym>,
    /// The lexical environment at analysis time: local functions and
    /// macros, symbol macros, variables that shadow them (what macros'
    /// `&environment` receives).
    cenv: Env,
    /// Nodes made so far that see the run-time environment chain
    /// (closures, forms analysed or interpreted when they run): a `let`
    /// whose scope made none keeps its variables in slots
    /// (`eval::slots`).
    escapes: usize,
}

/// A malformed form: a program error naming it, signalled when it runs.
fn malformed(form: &Value, why: &str) -> Node {
    let head = match form.car() {
        Value::Symbol(s) => s.name.clone(),
        _ => "form".to_string(),
    };
    let msg = format!(
        "malformed {head}: {why} in {}",
        crate::printer::prin1_to_string(form)
    );
    Node::Fail(Rc::new(move |it: &mut Interp| {
        let c = it.make_error("PROGRAM-ERROR", &msg);
        it.raise(c)
    }))
}

/// The variables a lambda list binds (for shadowing symbol macros).
pub(crate) fn lambda_list_vars(list: &Value) -> Vec<Sym> {
    let mut out = Vec::new();
    let mut cur = list.clone();
    let mut guard = 0;
    while guard < 10_000 {
        guard += 1;
        let item = match &cur {
            Value::Cons(c) => c.car.borrow().clone(),
            Value::Symbol(s) => {
                out.push(s.clone());
                break;
            }
            _ => break,
        };
        match &item {
            Value::Symbol(s) if !s.name.starts_with('&') => out.push(s.clone()),
            Value::Cons(_) => {
                let var = item.car();
                match &var {
                    Value::Symbol(s) => out.push(s.clone()),
                    Value::Cons(_) => {
                        if let Some(s) = var.cdr().car().as_symbol() {
                            out.push(s);
                        } else {
                            out.extend(lambda_list_vars(&var));
                        }
                    }
                    _ => {}
                }
                if let Some(s) = item.cdr().cdr().car().as_symbol() {
                    out.push(s);
                }
            }
            _ => {}
        }
        cur = cur.cdr();
    }
    out
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(it: &'a mut Interp, self_name: Option<Sym>) -> Compiler<'a> {
        Compiler::in_env(it, self_name, Env::default())
    }

    /// An analysis of forms in the lexical environment `cenv`.
    pub(crate) fn in_env(it: &'a mut Interp, self_name: Option<Sym>, cenv: Env) -> Compiler<'a> {
        Compiler {
            it,
            opaque: false,
            returns: Vec::new(),
            self_name,
            cenv,
            escapes: 0,
        }
    }

    /// Compile a body (a list of forms) into a [`Compiled`].
    pub(crate) fn body(mut self, body: &Value) -> Compiled {
        let nodes = match proper_list(body) {
            Some(forms) => forms.iter().map(|f| self.form(f)).collect(),
            None => {
                let form =
                    Value::cons(Value::Symbol(super::package::cl_sym("PROGN")), body.clone());
                vec![malformed(&form, "a dotted body")].into_boxed_slice()
            }
        };
        Compiled {
            body: nodes,
            opaque: self.opaque,
            returns: self.returns,
        }
    }

    pub(crate) fn form(&mut self, form: &Value) -> Node {
        match form {
            Value::Symbol(s) => {
                if let Some(b) = self.cenv.lookup_var(s) {
                    if b.symbol_macro {
                        let expansion = b.value.borrow().clone();
                        return self.form(&expansion);
                    }
                } else if let Some(expansion) = super::macros::global_symbol_macro(s) {
                    return self.form(&expansion);
                }
                if s.constant.get() && s.is_keyword() {
                    Node::Const(form.clone())
                } else {
                    Node::Var(s.clone())
                }
            }
            Value::Cons(_) => self.compound(form),
            _ => Node::Const(form.clone()),
        }
    }

    fn forms(&mut self, forms: &[Value]) -> Box<[Node]> {
        forms.iter().map(|f| self.form(f)).collect()
    }

    /// Analyse `f` with `cenv` extended, then restore it.
    fn with_env<T>(&mut self, cenv: Env, f: impl FnOnce(&mut Self) -> T) -> T {
        let saved = std::mem::replace(&mut self.cenv, cenv);
        let out = f(self);
        self.cenv = saved;
        out
    }

    fn compound(&mut self, form: &Value) -> Node {
        // Forms nested deeper than the stack allows: the exhaustion is
        // reported as a condition when the form runs.
        if self.it.stack_exceeded() {
            return Node::Fail(Rc::new(|it: &mut Interp| it.stack_exhausted()));
        }
        let head_v = form.car();
        let Some(args) = proper_list(&form.cdr()) else {
            return malformed(form, "a dotted argument list");
        };
        let head = match head_v {
            Value::Symbol(s) => s,
            Value::Cons(_) if head_v.car().is_sym(&self.it.s.lambda) => {
                // ((lambda ...) args) is (funcall #'(lambda ...) args).
                let call = Value::cons(
                    Value::Symbol(super::package::cl_sym("FUNCALL")),
                    Value::cons(
                        Value::list([Value::Symbol(self.it.s.function.clone()), head_v.clone()]),
                        form.cdr(),
                    ),
                );
                return self.form(&call);
            }
            _ => {
                let msg = format!(
                    "Illegal function call: {} is not a function name",
                    crate::printer::prin1_to_string(&head_v)
                );
                return Node::Fail(Rc::new(move |it: &mut Interp| {
                    let c = it.make_error("PROGRAM-ERROR", &msg);
                    it.raise(c)
                }));
            }
        };
        if head.special_form.get() != 0 {
            return self.special(&head, form, &args);
        }
        if let Some(b) = self.cenv.lookup_fun(&head) {
            if !b.is_macro {
                return self.call(head, args, form);
            }
            // A local macro, expanded where it is visible.
            let m = b.func.borrow().clone();
            return self.expand(&m, form);
        }
        let is_self = self
            .self_name
            .as_ref()
            .is_some_and(|n| Rc::ptr_eq(n, &head));
        // The function being defined may still be a macro (a `defun` of a
        // macro's name): its own name is a call (as SBCL compiles it).
        if is_self || head.function.borrow().is_some() {
            return self.call(head, args, form);
        }
        let macro_fn = head.macro_fn.borrow().clone();
        if let Some(m) = macro_fn {
            return self.expand(&m, form);
        }
        // Defined later: perhaps as a macro, analysed when it runs.
        self.opaque = true;
        self.escapes += 1;
        self.call(head, args, form)
    }

    /// Expand a macro call once, here, and analyse the expansion. An
    /// expansion that fails is retried when the form runs, so the error
    /// is signalled then.
    fn expand(&mut self, m: &Value, form: &Value) -> Node {
        let shareable = !self.cenv.lexical_macros
            && self.cenv.vars.is_none()
            && self.cenv.funs.is_none()
            && !wants_environment(m);
        let expanded = match form {
            Value::Cons(cell) if shareable => {
                self.it.macroexpand_cached(m, form, cell, &Env::default())
            }
            _ => self.it.expand_with(m, form, &self.cenv.clone()),
        };
        match expanded {
            Ok(expansion) => self.form(&expansion),
            Err(_) => {
                self.escapes += 1;
                Node::Reexpand {
                    macro_fn: m.clone(),
                    form: form.clone(),
                    cenv: self.cenv.clone(),
                }
            }
        }
    }

    fn call(&mut self, name: Sym, args: Vec<Value>, form: &Value) -> Node {
        if self.cenv.lookup_fun(&name).is_none() {
            if let Some(prim) = self.prim(&name, args.len()) {
                return Node::Prim {
                    op: prim.0,
                    name,
                    builtin: prim.1,
                    args: self.forms(&args),
                    form: form.clone(),
                };
            }
        }
        Node::Call {
            name,
            args: self.forms(&args),
            form: form.clone(),
        }
    }

    /// Is `name` a standard function [`Node::Prim`] can do, still defined
    /// as the builtin?
    fn prim(&self, name: &Sym, arity: usize) -> Option<(Prim, Rc<super::value::Function>)> {
        let in_cl = name.home_is_cl() || Rc::ptr_eq(name, &self.it.s.puthash);
        if !in_cl {
            return None;
        }
        let op = Prim::of(&name.name, arity)?;
        match &*name.function.borrow() {
            Some(Value::Function(f)) if matches!(**f, super::value::Function::Builtin(_)) => {
                Some((op, f.clone()))
            }
            _ => None,
        }
    }

    /// The special operators of CLHS 3.1.2.1.2.1.
    fn special(&mut self, head: &Sym, form: &Value, args: &[Value]) -> Node {
        let name = super::special::special_form_name(head);
        match (name, args) {
            ("QUOTE", [x]) => Node::Const(x.clone()),
            ("THE", [_, x]) => self.form(x),
            ("IF", [t, a]) => Node::If(Box::new((
                self.form(t),
                self.form(a),
                Node::Const(Value::Nil),
            ))),
            ("IF", [t, a, b]) => Node::If(Box::new((self.form(t), self.form(a), self.form(b)))),
            ("PROGN", body) => Node::Progn(self.forms(body)),
            ("LET", [bindings, body @ ..]) | ("LET*", [bindings, body @ ..]) => {
                self.let_form(name == "LET*", bindings, body, form)
            }
            ("SETQ", pairs) => self.setq(pairs, form),
            ("BLOCK", [Value::Symbol(name), body @ ..]) => self.block(name.clone(), body),
            ("BLOCK", [Value::Nil, body @ ..]) => self.block(super::package::nil_symbol(), body),
            ("RETURN-FROM", [block, rest @ ..]) if rest.len() <= 1 => {
                let name = match block {
                    Value::Symbol(s) => s.clone(),
                    Value::Nil => super::package::nil_symbol(),
                    _ => return malformed(form, "a block name that is not a symbol"),
                };
                self.return_from(name, rest.first())
            }
            ("TAGBODY", body) => self.tagbody(body),
            ("GO", [tag]) => Node::Go(tag.clone()),
            ("MACROLET", [defs, body @ ..]) => self.macrolet(defs, body, form),
            ("SYMBOL-MACROLET", [defs, body @ ..]) => self.symbol_macrolet(defs, body, form),
            ("FLET", [defs, body @ ..]) => self.flet(false, defs, body, form),
            ("LABELS", [defs, body @ ..]) => self.flet(true, defs, body, form),
            ("LOCALLY", body) => self.locally(body, form),
            ("FUNCTION", [f]) => self.function(f, form),
            ("CATCH", [tag, body @ ..]) => Node::Catch {
                tag: Box::new(self.form(tag)),
                body: self.forms(body),
            },
            ("THROW", [tag, value]) => Node::Throw(Box::new((self.form(tag), self.form(value)))),
            ("UNWIND-PROTECT", [protected, cleanup @ ..]) => Node::UnwindProtect {
                form: Box::new(self.form(protected)),
                cleanup: self.forms(cleanup),
            },
            ("MULTIPLE-VALUE-CALL", [f, rest @ ..]) => Node::MultipleValueCall {
                function: Box::new(self.form(f)),
                args: self.forms(rest),
            },
            ("MULTIPLE-VALUE-PROG1", [first, rest @ ..]) => Node::MultipleValueProg1 {
                first: Box::new(self.form(first)),
                rest: self.forms(rest),
            },
            ("EVAL-WHEN", [situations, body @ ..]) => {
                // Not at top level only :execute matters (CLHS 3.8).
                if super::special::eval_when_executes(situations) {
                    Node::Progn(self.forms(body))
                } else {
                    Node::Const(Value::Nil)
                }
            }
            ("PROGV", [symbols, values, body @ ..]) => Node::Progv {
                symbols: Box::new(self.form(symbols)),
                values: Box::new(self.form(values)),
                body: self.forms(body),
            },
            ("LOAD-TIME-VALUE", [f]) | ("LOAD-TIME-VALUE", [f, _]) => {
                // Evaluated once, in the null lexical environment.
                let node = Compiler::new(self.it, None).form(f);
                Node::LoadTimeValue {
                    form: Box::new(node),
                    value: OnceCell::new(),
                }
            }
            _ => malformed(form, "the wrong number or kind of arguments"),
        }
    }

    /// Names a body's declarations make special.
    fn specials(&mut self, body: &[Value]) -> Vec<Sym> {
        self.it
            .special_declarations(&Value::list(body.iter().cloned()))
    }

    /// A body without its declarations.
    fn strip(&mut self, body: &[Value]) -> Option<Vec<Value>> {
        let stripped = self
            .it
            .strip_declarations(&Value::list(body.iter().cloned()), false);
        proper_list(&stripped)
    }

    fn let_form(
        &mut self,
        sequential: bool,
        bindings: &Value,
        body: &[Value],
        form: &Value,
    ) -> Node {
        let Some(specs) = proper_list(bindings) else {
            return malformed(form, "a dotted binding list");
        };
        let mut out = Vec::with_capacity(specs.len());
        for spec in &specs {
            let (sym, init) = match spec {
                Value::Symbol(s) => (s.clone(), Value::Nil),
                Value::Cons(_) => match (spec.car(), proper_list(&spec.cdr())) {
                    (Value::Symbol(s), Some(rest)) if rest.len() <= 1 => {
                        (s, rest.into_iter().next().unwrap_or(Value::Nil))
                    }
                    _ => return malformed(form, "a binding that is not (variable [value])"),
                },
                _ => return malformed(form, "a binding that is not a symbol or list"),
            };
            if sym.constant.get() {
                let msg = format!("{} is a constant and cannot be bound", sym.name);
                return Node::Fail(Rc::new(move |it: &mut Interp| {
                    let c = it.make_error("PROGRAM-ERROR", &msg);
                    it.raise(c)
                }));
            }
            out.push((sym, init));
        }
        let specials = self.specials(body);
        let Some(body) = self.strip(body) else {
            return malformed(form, "a dotted body");
        };
        let escapes = self.escapes;
        let mut bindings = Vec::with_capacity(out.len());
        let mut inner = self.cenv.clone();
        for (s, init) in &out {
            let node = if sequential {
                self.with_env(inner.clone(), |c| c.form(init))
            } else {
                self.form(init)
            };
            bindings.push((s.clone(), node));
            inner = inner.bind_var(s.clone(), Value::Nil);
        }
        let body = self.with_env(inner, |c| c.forms(&body));
        let closed = self.escapes == escapes
            && specials.is_empty()
            && !out.is_empty()
            && out.iter().all(|(s, _)| !s.special.get());
        if closed {
            let (syms, inits): (Vec<Sym>, Vec<Node>) = bindings.into_iter().unzip();
            return super::slots::slot_let(sequential, &syms, inits, body.into_vec());
        }
        Node::Let {
            sequential,
            bindings: bindings.into_boxed_slice(),
            body,
            specials: specials.into_boxed_slice(),
        }
    }

    /// `locally` and the bodies of `macrolet`/`symbol-macrolet`/`flet`:
    /// declarations, then forms.
    fn locally(&mut self, body: &[Value], form: &Value) -> Node {
        let specials = self.specials(body);
        let Some(forms) = self.strip(body) else {
            return malformed(form, "a dotted body");
        };
        let body = self.forms(&forms);
        if specials.is_empty() {
            Node::Progn(body)
        } else {
            Node::Locally {
                specials: specials.into_boxed_slice(),
                body,
            }
        }
    }

    fn tagbody(&mut self, body: &[Value]) -> Node {
        let is_tag = |v: &Value| matches!(v, Value::Symbol(_) | Value::Fixnum(_) | Value::Nil);
        let tags: Vec<Value> = body.iter().filter(|v| is_tag(v)).cloned().collect();
        let mut statements = Vec::new();
        let mut tag_starts = vec![usize::MAX; tags.len()];
        for item in body {
            if is_tag(item) {
                // A tag names the first place it appears.
                if let Some(i) = tags.iter().position(|t| t.eql(item)) {
                    if tag_starts[i] == usize::MAX {
                        tag_starts[i] = statements.len();
                    }
                }
            } else {
                statements.push(self.form(item));
            }
        }
        for statement in statements.iter_mut() {
            local_jumps(statement, &tags);
        }
        Node::Tagbody(Box::new(TagbodyNode {
            tags,
            statements: statements.into_boxed_slice(),
            tag_starts: tag_starts.into_boxed_slice(),
        }))
    }

    fn macrolet(&mut self, defs: &Value, body: &[Value], form: &Value) -> Node {
        let Some(defs) = proper_list(defs) else {
            return malformed(form, "a dotted definition list");
        };
        let mut cenv = self.cenv.clone();
        for def in &defs {
            let Some(name) = def.car().as_symbol().filter(|_| def.is_cons()) else {
                return malformed(form, "a definition that is not (name lambda-list . body)");
            };
            // The expanders see the enclosing local macros.
            let outer = self.cenv.clone();
            match self
                .it
                .make_macro(&name, &def.cdr().car(), &def.cdr().cdr(), &outer, &outer)
            {
                Ok(m) => cenv = cenv.bind_fun(name, m, true),
                Err(_) => return malformed(form, "a bad lambda list"),
            }
        }
        self.with_env(cenv, |c| c.locally(body, form))
    }

    fn symbol_macrolet(&mut self, defs: &Value, body: &[Value], form: &Value) -> Node {
        let Some(defs) = proper_list(defs) else {
            return malformed(form, "a dotted definition list");
        };
        let mut cenv = self.cenv.clone();
        for def in &defs {
            match proper_list(def).as_deref() {
                Some([Value::Symbol(s), expansion]) if !s.constant.get() && !s.special.get() => {
                    cenv = cenv.bind_symbol_macro(s.clone(), expansion.clone());
                }
                _ => return malformed(form, "a definition that is not (symbol expansion)"),
            }
        }
        if declares_special_of(body, &defs) {
            // CLHS symbol-macrolet: declaring a symbol macro special is an error.
            return malformed(form, "a SPECIAL declaration of one of its symbol macros");
        }
        self.with_env(cenv, |c| c.locally(body, form))
    }

    fn flet(&mut self, recursive: bool, defs: &Value, body: &[Value], form: &Value) -> Node {
        let Some(defs) = proper_list(defs) else {
            return malformed(form, "a dotted definition list");
        };
        let mut names = Vec::with_capacity(defs.len());
        for def in &defs {
            // A (setf f) function is bound under its stand-in symbol.
            let setf_name = def
                .car()
                .cdr()
                .car()
                .as_symbol()
                .filter(|_| def.car().is_cons() && def.car().car().is_sym(&self.it.s.setf))
                .filter(|_| def.car().cdr().cdr().is_nil())
                .map(|f| super::macros::places::local_setf_name(&f));
            match setf_name
                .or_else(|| def.car().as_symbol())
                .filter(|_| def.is_cons() && def.cdr().is_cons())
            {
                Some(name) => names.push(name),
                None => {
                    return malformed(form, "a definition that is not (name lambda-list . body)")
                }
            }
        }
        let mut inner = self.cenv.clone();
        for name in &names {
            inner = inner.bind_fun(name.clone(), Value::Nil, false);
        }
        let fun_env = if recursive {
            inner.clone()
        } else {
            self.cenv.clone()
        };
        let mut funs = Vec::with_capacity(defs.len());
        for (def, name) in defs.iter().zip(&names) {
            let node = self.with_env(fun_env.clone(), |c| {
                // The block of (setf f) is f (CLHS 3.4.11).
                let (fname, block) = match def.car().as_symbol() {
                    Some(_) => (Value::Symbol(name.clone()), name.clone()),
                    None => match def.car().cdr().car().as_symbol() {
                        Some(b) => (def.car(), b),
                        None => (Value::Symbol(name.clone()), name.clone()),
                    },
                };
                c.lambda(&def.cdr(), form, Some((fname, block)))
            });
            match node {
                Node::Lambda(l) => funs.push((name.clone(), l)),
                other => return other,
            }
        }
        let body = self.with_env(inner, |c| c.locally(body, form));
        Node::Flet {
            recursive,
            funs: funs.into_boxed_slice(),
            body: Box::new(body),
        }
    }

    fn function(&mut self, f: &Value, form: &Value) -> Node {
        let s = &self.it.s;
        match f {
            Value::Symbol(name) => {
                if self.cenv.lookup_fun(name).is_some_and(|b| b.is_macro) {
                    return malformed(form, "a local macro is not a function");
                }
                Node::Function(name.clone())
            }
            Value::Cons(_) if f.car().is_sym(&s.lambda) => self.lambda(&f.cdr(), form, None),
            Value::Cons(_) if f.car().is_sym(&s.named_lambda) => {
                let name = f.cdr().car();
                let block = match name.as_symbol() {
                    Some(s) => s,
                    None => match name.cdr().car().as_symbol() {
                        Some(s) if name.is_cons() => s,
                        _ => return malformed(form, "a function name that is not a symbol"),
                    },
                };
                self.lambda(&f.cdr().cdr(), form, Some((name, block)))
            }
            Value::Cons(_) if f.car().is_sym(&s.destructuring_lambda) => {
                match self.lambda(&f.cdr(), form, None) {
                    Node::Lambda(l) => {
                        let mut l = Rc::try_unwrap(l).unwrap_or_else(|l| LambdaNode {
                            lambda: l.lambda.clone(),
                            source_body: l.source_body.clone(),
                            list: OnceCell::new(),
                            body: l.body.clone(),
                            name: l.name.clone(),
                            block: l.block.clone(),
                            destructuring: true,
                        });
                        l.destructuring = true;
                        Node::Lambda(Rc::new(l))
                    }
                    other => other,
                }
            }
            // Made when the form runs, in its environment.
            Value::Cons(_) if f.car().is_sym(&s.macro_lambda) => {
                self.escapes += 1;
                Node::MakeFunction(f.clone(), self.cenv.clone())
            }
            Value::Cons(_) if f.car().is_sym(&s.setf) => {
                let local = f
                    .cdr()
                    .car()
                    .as_symbol()
                    .map(|n| super::macros::places::local_setf_name(&n))
                    .filter(|l| self.cenv.lookup_fun(l).is_some_and(|b| !b.is_macro));
                match local {
                    Some(l) => Node::Function(l),
                    None => Node::FunctionSetf(f.clone()),
                }
            }
            _ => {
                let name = f.clone();
                Node::Fail(Rc::new(move |it: &mut Interp| it.undefined_function(&name)))
            }
        }
    }

    fn setq(&mut self, pairs: &[Value], form: &Value) -> Node {
        if !pairs.len().is_multiple_of(2) {
            return malformed(form, "an odd number of arguments");
        }
        let mut out: Vec<Node> = Vec::new();
        let mut run: Vec<(Sym, Node)> = Vec::new();
        for pair in pairs.chunks(2) {
            let Some(s) = pair[0].as_symbol().filter(|_| !pair[0].is_nil()) else {
                return malformed(form, "a variable that is not a symbol");
            };
            let symbol_macro = match self.cenv.lookup_var(&s) {
                Some(b) => Some(b)
                    .filter(|b| b.symbol_macro)
                    .map(|b| b.value.borrow().clone()),
                None => super::macros::global_symbol_macro(&s),
            };
            if let Some(expansion) = symbol_macro {
                // (setq x v) of a symbol macro is (setf expansion v).
                if !run.is_empty() {
                    out.push(Node::Setq(std::mem::take(&mut run).into_boxed_slice()));
                }
                let setf = Value::list([
                    Value::Symbol(self.it.s.setf.clone()),
                    expansion,
                    pair[1].clone(),
                ]);
                out.push(self.form(&setf));
            } else {
                run.push((s, self.form(&pair[1])));
            }
        }
        if !run.is_empty() || out.is_empty() {
            out.push(Node::Setq(run.into_boxed_slice()));
        }
        if out.len() == 1 {
            out.pop().unwrap_or(Node::Const(Value::Nil))
        } else {
            Node::Progn(out.into_boxed_slice())
        }
    }

    fn block(&mut self, name: Sym, body: &[Value]) -> Node {
        let (body, needed) = self.exits_of(name.clone(), |c| c.forms(body));
        Node::Block { name, body, needed }
    }

    /// Compile with a fresh account of exits, then report whether a block
    /// named `name` around the result is needed, and merge the account.
    fn exits_of<T>(&mut self, name: Sym, f: impl FnOnce(&mut Self) -> T) -> (T, bool) {
        let opaque = std::mem::replace(&mut self.opaque, false);
        let start = self.returns.len();
        let out = f(self);
        let needed = self.opaque || self.returns[start..].iter().any(|r| Rc::ptr_eq(r, &name));
        self.opaque |= opaque;
        (out, needed)
    }

    fn return_from(&mut self, name: Sym, value: Option<&Value>) -> Node {
        let value = Box::new(match value {
            Some(v) => self.form(v),
            None => Node::Const(Value::Nil),
        });
        self.returns.push(name.clone());
        Node::ReturnFrom { name, value }
    }

    fn lambda(&mut self, lambda: &Value, form: &Value, named: Option<(Value, Sym)>) -> Node {
        if !lambda.is_cons() || proper_list(&lambda.cdr()).is_none() {
            return malformed(
                form,
                "a lambda expression that is not (lambda lambda-list . body)",
            );
        }
        // The closure captures the environment chain.
        self.escapes += 1;
        if has_default_forms(&lambda.car()) {
            // They may return from a block around the lambda.
            self.opaque = true;
        }
        let source_body = self.it.strip_declarations(&lambda.cdr(), true);
        let self_name = named.as_ref().map(|(_, block)| block.clone());
        let mut cenv = self.cenv.clone();
        for v in lambda_list_vars(&lambda.car()) {
            cenv = cenv.bind_var(v, Value::Nil);
        }
        let inner = Compiler::in_env(self.it, self_name, cenv).body(&source_body);
        // A return-from inside the lambda may leave a block around it.
        self.opaque |= inner.opaque;
        self.returns.extend(inner.returns.iter().cloned());
        Node::Lambda(Rc::new(LambdaNode {
            lambda: lambda.clone(),
            source_body,
            list: OnceCell::new(),
            body: Rc::new(inner),
            block: named.as_ref().map(|(_, block)| block.clone()),
            name: named.map(|(name, _)| name),
            destructuring: false,
        }))
    }
}

impl Interp {
    /// The compiled form of a closure body, shared by every closure made
    /// from the same source.
    pub(crate) fn compiled_body(&mut self, body: &Value, self_name: Option<&Sym>) -> Rc<Compiled> {
        let key = match body {
            Value::Cons(c) => Some((Rc::as_ptr(c) as usize, c.clone())),
            _ => None,
        };
        if let Some((k, _)) = &key {
            if let Some(entry) = self.compile_cache.get(k) {
                let same_name = match (&entry.1, self_name) {
                    (Some(a), Some(b)) => Rc::ptr_eq(a, b),
                    (None, None) => true,
                    _ => false,
                };
                if same_name {
                    return entry.2.clone();
                }
            }
        }
        let compiled = Rc::new(Compiler::new(self, self_name.cloned()).body(body));
        if let Some((k, cell)) = key {
            // Bounded: code generated at run time (`eval` of fresh
            // lambdas) must not grow the cache without limit.
            if self.compile_cache.len() >= COMPILE_CACHE_LIMIT {
                self.compile_cache.clear();
            }
            self.compile_cache
                .insert(k, (cell, self_name.cloned(), compiled.clone()));
        }
        compiled
    }

    /// Evaluate a top-level form: analysed first, then run. A top-level
    /// `progn`'s forms are processed one after another (CLHS 3.2.3.1), so
    /// a macro defined by one is used by the next.
    pub fn eval_toplevel_form(&mut self, form: &Value) -> super::LResult<Value> {
        if form.is_cons() && form.car().is_sym(&self.s.progn.clone()) {
            if let Some(forms) = proper_list(&form.cdr()) {
                let mut last = Value::Nil;
                self.mv = None;
                for f in &forms {
                    last = self.eval_toplevel_form(f)?;
                }
                return Ok(last);
            }
        }
        // eval-when at top level: with :execute its body forms are
        // processed as top-level forms (CLHS 3.2.3.1), otherwise skipped.
        if form.is_cons() && form.car().is_sym(&self.s.eval_when.clone()) {
            if let Some(forms) = proper_list(&form.cdr()) {
                if let Some((situations, body)) = forms.split_first() {
                    self.mv = None;
                    if !super::special::eval_when_executes(situations) {
                        return Ok(Value::Nil);
                    }
                    let mut last = Value::Nil;
                    for f in body {
                        last = self.eval_toplevel_form(f)?;
                    }
                    return Ok(last);
                }
            }
        }
        // A top-level macro form is expanded first and its expansion
        // processed as a top-level form (CLHS 3.2.3.1).
        if let Value::Cons(_) = form {
            if let Some(head) = form.car().as_symbol() {
                let is_macro = head.special_form.get() == 0
                    && head.function.borrow().is_none()
                    && head.macro_fn.borrow().is_some();
                if is_macro {
                    let (expansion, expanded) = self.macroexpand_1(form, &Env::default())?;
                    if expanded {
                        return self.eval_toplevel_form(&expansion);
                    }
                }
            }
        }
        let node = Compiler::new(self, None).form(form);
        self.exec(&node, &Env::default())
    }
}

/// Compiled bodies kept before the cache starts over.
const COMPILE_CACHE_LIMIT: usize = 10_000;

/// Whether the leading declarations of `body` declare special one of the
/// names `defs` binds (`symbol-macrolet`'s definitions).
fn declares_special_of(body: &[Value], defs: &[Value]) -> bool {
    let named = |v: &Value| defs.iter().any(|d| d.car().eq(v));
    body.iter()
        .take_while(|f| {
            f.is_cons()
                && f.car()
                    .as_symbol()
                    .is_some_and(|s| s.name == "DECLARE" && s.home_is_cl())
        })
        .flat_map(|d| d.cdr().iter().collect::<Vec<_>>())
        .filter(|spec| {
            spec.car()
                .as_symbol()
                .is_some_and(|s| s.name == "SPECIAL" && s.home_is_cl())
        })
        .any(|spec| spec.cdr().iter().any(|v| named(&v)))
}

#[cfg(test)]
mod tests {
    /// Code made at run time and evaluated once (`eval` of fresh forms in
    /// a loop) must not grow the expansion and compile caches without end.
    #[test]
    fn caches_stay_bounded_under_generated_code() {
        let mut it = crate::toplevel::new_interp();
        let src = "(defmacro m (x) `(+ ,x 1))
                   (dotimes (i 12000)
                     (eval (list 'm i))
                     (eval (list 'funcall (list 'lambda '(y) (list 'm 'y)) i)))";
        let r = crate::toplevel::load_source(&mut it, src, None);
        assert!(r.is_ok());
        assert!(it.macro_cache.len() <= 10_000, "{}", it.macro_cache.len());
        assert!(it.compile_cache.len() <= super::COMPILE_CACHE_LIMIT);
        assert!(it.macro_cache.len() > 100, "the cache is used");
    }
}

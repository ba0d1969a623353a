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
fn proper_list(v: &Value) -> Option<Vec<Value>> {
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
    /// Local macros of the `macrolet` forms being compiled, innermost last.
    local_macros: Vec<(Sym, Value)>,
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(it: &'a mut Interp, self_name: Option<Sym>) -> Compiler<'a> {
        Compiler {
            it,
            opaque: false,
            returns: Vec::new(),
            self_name,
            local_macros: Vec::new(),
        }
    }

    /// Compile a body (a list of forms) into a [`Compiled`].
    pub(crate) fn body(mut self, body: &Value) -> Compiled {
        let nodes = match proper_list(body) {
            Some(forms) => forms.iter().map(|f| self.form(f)).collect(),
            None => {
                // The interpreter reports the malformed body when run.
                self.opaque = true;
                vec![Node::Interp(Value::cons(
                    Value::Symbol(super::package::cl_sym("PROGN")),
                    body.clone(),
                ))]
                .into_boxed_slice()
            }
        };
        Compiled {
            body: nodes,
            opaque: self.opaque,
            returns: self.returns,
        }
    }

    fn interp(&mut self, form: &Value) -> Node {
        self.opaque = true;
        Node::Interp(form.clone())
    }

    pub(crate) fn form(&mut self, form: &Value) -> Node {
        match form {
            Value::Symbol(s) => {
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

    fn compound(&mut self, form: &Value) -> Node {
        // Forms nested deeper than the stack allows are left to the
        // interpreter, which reports the exhaustion as a condition.
        if self.it.stack_exceeded() {
            return self.interp(form);
        }
        let Value::Symbol(head) = form.car() else {
            return self.interp(form);
        };
        let Some(args) = proper_list(&form.cdr()) else {
            return self.interp(form);
        };
        if head.special_form.get() != 0 {
            return self.special(&head, form, &args);
        }
        if let Some(m) = self.local_macro(&head) {
            // Expanded here, where the macrolet is lexically visible.
            return match self.it.apply(&m, &[form.clone(), Value::Nil]) {
                Ok(expansion) => self.form(&expansion),
                Err(_) => self.interp(form),
            };
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
            let Value::Cons(cell) = form else {
                return self.interp(form);
            };
            // A macro that looks at its lexical environment is expanded
            // where it runs, when that environment exists.
            if wants_environment(&m) {
                return self.interp(form);
            }
            // Local macros visible: the expander sees them (a place may be
            // one), and the expansion is not shared.
            let expanded = if self.local_macros.is_empty() {
                self.it.macroexpand_cached(&m, form, cell, &Env::default())
            } else {
                let mut env = Env::default();
                for (name, lm) in &self.local_macros {
                    env = env.bind_fun(name.clone(), lm.clone(), true);
                }
                self.it.expand_with(&m, form, &env)
            };
            let expansion = match expanded {
                Ok(e) => e,
                Err(_) => return self.interp(form),
            };
            let in_cl = head.home_is_cl() || super::macros::is_standard_macro(&head);
            // CL's macros cannot be shadowed by local functions (CLHS
            // 11.1.2.1.2); a user's could, and then the form is interpreted.
            if in_cl {
                return self.form(&expansion);
            }
            self.opaque = true;
            let expansion = Box::new(self.form(&expansion));
            return Node::Macro {
                name: head,
                form: form.clone(),
                expansion,
            };
        }
        // Defined later: perhaps as a macro, interpreted then.
        self.opaque = true;
        self.call(head, args, form)
    }

    fn local_macro(&self, name: &Sym) -> Option<Value> {
        self.local_macros
            .iter()
            .rev()
            .find(|(n, _)| Rc::ptr_eq(n, name))
            .map(|(_, m)| m.clone())
    }

    fn call(&mut self, name: Sym, args: Vec<Value>, form: &Value) -> Node {
        if let Some(prim) = self.prim(&name, args.len()) {
            return Node::Prim {
                op: prim.0,
                name,
                builtin: prim.1,
                args: self.forms(&args),
            };
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
                    _ => return self.interp(form),
                };
                self.return_from(name, rest.first())
            }
            ("TAGBODY", body) => self.tagbody(body),
            ("GO", [tag]) => Node::Go(tag.clone()),
            ("MACROLET", [defs, body @ ..]) => self.macrolet(defs, body, form),
            ("FUNCTION", [Value::Symbol(s)]) => Node::Function(s.clone()),
            ("FUNCTION", [lambda @ Value::Cons(_)]) if lambda.car().is_sym(&self.it.s.lambda) => {
                self.lambda(&lambda.cdr(), form, None)
            }
            ("FUNCTION", [named @ Value::Cons(_)])
                if named.car().is_sym(&self.it.s.named_lambda) =>
            {
                let name = named.cdr().car();
                let block = match name.as_symbol() {
                    Some(s) => s,
                    None => match name.cdr().car().as_symbol() {
                        Some(s) if name.is_cons() => s,
                        _ => return self.interp(form),
                    },
                };
                self.lambda(&named.cdr().cdr(), form, Some((name, block)))
            }
            _ => self.interp(form),
        }
    }

    fn let_form(
        &mut self,
        sequential: bool,
        bindings: &Value,
        body: &[Value],
        form: &Value,
    ) -> Node {
        let Some(specs) = proper_list(bindings) else {
            return self.interp(form);
        };
        let mut out = Vec::with_capacity(specs.len());
        for spec in &specs {
            let (sym, init) = match spec {
                Value::Symbol(s) => (s.clone(), Value::Nil),
                Value::Cons(_) => match (spec.car(), proper_list(&spec.cdr())) {
                    (Value::Symbol(s), Some(rest)) if rest.len() <= 1 => {
                        (s, rest.into_iter().next().unwrap_or(Value::Nil))
                    }
                    _ => return self.interp(form),
                },
                _ => return self.interp(form),
            };
            if sym.constant.get() {
                return self.interp(form);
            }
            out.push((sym, init));
        }
        let body_value = Value::list(body.iter().cloned());
        // Local special declarations change how the bindings are made:
        // the interpreter handles those.
        if !self.it.special_declarations(&body_value).is_empty() {
            return self.interp(form);
        }
        let body = self.it.strip_declarations(&body_value, false);
        let Some(body) = proper_list(&body) else {
            return self.interp(form);
        };
        let bindings = out
            .iter()
            .map(|(s, init)| (s.clone(), self.form(init)))
            .collect();
        Node::Let {
            sequential,
            bindings,
            body: self.forms(&body),
        }
    }

    fn tagbody(&mut self, body: &[Value]) -> Node {
        let is_tag = |v: &Value| matches!(v, Value::Symbol(_) | Value::Fixnum(_) | Value::Nil);
        let tags: Vec<Value> = body.iter().filter(|v| is_tag(v)).cloned().collect();
        let mut statements = Vec::new();
        let mut tag_starts = vec![usize::MAX; tags.len()];
        for item in body {
            if is_tag(item) {
                // A tag names the first place it appears (as the
                // interpreter finds it).
                if let Some(i) = tags.iter().position(|t| t.eql(item)) {
                    if tag_starts[i] == usize::MAX {
                        tag_starts[i] = statements.len();
                    }
                }
            } else {
                statements.push(self.form(item));
            }
        }
        // (A repeated tag's later entries are never the target of a `go`:
        // tags are looked up by their first occurrence.)
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
        // Nested inside another macrolet, an expander may use the outer
        // local macros itself: left to the interpreter.
        if !self.local_macros.is_empty() {
            return self.interp(form);
        }
        let Some(defs) = proper_list(defs) else {
            return self.interp(form);
        };
        let mut macros = Vec::with_capacity(defs.len());
        for def in &defs {
            let Some(name) = def.car().as_symbol() else {
                return self.interp(form);
            };
            let m =
                match self
                    .it
                    .make_macro(&name, &def.cdr().car(), &def.cdr().cdr(), &Env::default())
                {
                    Ok(m) if !wants_environment(&m) => m,
                    _ => return self.interp(form),
                };
            macros.push((name, m));
        }
        let body_value = Value::list(body.iter().cloned());
        if !self.it.special_declarations(&body_value).is_empty() {
            return self.interp(form);
        }
        let Some(body) = proper_list(&self.it.strip_declarations(&body_value, false)) else {
            return self.interp(form);
        };
        let depth = self.local_macros.len();
        self.local_macros.extend(macros.iter().cloned());
        let body = self.forms(&body);
        self.local_macros.truncate(depth);
        Node::Macrolet {
            macros: macros.into_boxed_slice(),
            body,
            form: form.clone(),
        }
    }

    fn setq(&mut self, pairs: &[Value], form: &Value) -> Node {
        if !pairs.len().is_multiple_of(2) {
            return self.interp(form);
        }
        let mut out = Vec::with_capacity(pairs.len() / 2);
        for pair in pairs.chunks(2) {
            let Value::Symbol(s) = &pair[0] else {
                return self.interp(form);
            };
            out.push((s.clone(), self.form(&pair[1])));
        }
        Node::Setq(out.into_boxed_slice())
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
            return self.interp(form);
        }
        if has_default_forms(&lambda.car()) {
            // They may return from a block around the lambda.
            self.opaque = true;
        }
        let source_body = self.it.strip_declarations(&lambda.cdr(), true);
        let self_name = named.as_ref().map(|(_, block)| block.clone());
        let mut inner = Compiler::new(self.it, self_name);
        inner.local_macros = self.local_macros.clone();
        let inner = inner.body(&source_body);
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
        if !self.analyse {
            return self.eval(form, &Env::default());
        }
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
        assert!(it.compile_cache.len() > 100, "the cache is used");
    }
}

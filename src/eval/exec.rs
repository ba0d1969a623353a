//! Running compiled trees (`eval::compile`). Each node does exactly what
//! the interpreter does for its form (`eval::special`), including how
//! multiple values pass through (CLHS 3.1.7), in the same `Env`.

use std::cell::RefCell;
use std::rc::Rc;

use super::compile::{LambdaNode, Node, Prim, TagbodyNode};
use super::env::Env;
use super::interp::Interp;
use super::value::{Closure, Function, Value};
use super::{LResult, UnwindKind};

impl Interp {
    /// Run a compiled node in `env`. Every node leaves `mv` as its form
    /// would: reset for one value (the leaves reset it here; compound
    /// nodes through what they run last).
    pub fn exec(&mut self, node: &Node, env: &Env) -> LResult<Value> {
        // A small frame for the most frequent nodes; the rest is out of
        // line. An `if` continues with its branch in this frame.
        let mut node = node;
        loop {
            return match node {
                Node::Const(v) => {
                    self.mv = None;
                    Ok(v.clone())
                }
                Node::Var(s) => {
                    self.mv = None;
                    self.var_value(s, env)
                }
                Node::Local(distance) => {
                    self.mv = None;
                    self.local(*distance)
                }
                Node::If(branches) => {
                    let (test, then, otherwise) = &**branches;
                    node = if self.exec(test, env)?.truthy() {
                        then
                    } else {
                        otherwise
                    };
                    continue;
                }
                Node::Call { name, args, form } => self.exec_call(name, args, form, env),
                Node::Prim {
                    op,
                    name,
                    builtin,
                    args,
                    form,
                } => {
                    let r = self.exec_prim(*op, name, builtin, args, env, false);
                    self.placed(r, form)
                }
                _ => self.exec_other(node, env),
            };
        }
    }

    /// [`Node::Call`]: the local function if one is bound, else the global.
    #[inline]
    fn exec_call(
        &mut self,
        name: &super::value::Sym,
        args: &[Node],
        form: &Value,
        env: &Env,
    ) -> LResult<Value> {
        let local = if env.funs.is_some() {
            env.lookup_fun(name).map(|b| b.func.borrow().clone())
        } else {
            None
        };
        // The frame is in this call until it returns (eval/backtrace.rs).
        let around = std::mem::replace(
            &mut self.current_at,
            crate::reader::positions::address(form),
        );
        let result = match local.or_else(|| name.function.borrow().clone()) {
            Some(f) => self.call_nodes(&f, args, env),
            None => self.call_undefined(name, form, env),
        };
        self.current_at = around;
        if let Err(u) = &result {
            // Where an error leaves (reader/positions.rs); off the
            // normal path.
            crate::reader::positions::leaving(u, form, self.call_stack.len());
        }
        result
    }

    /// A call of a function not defined when the form was analysed: a
    /// macro defined since is expanded now; otherwise the error.
    #[cold]
    fn call_undefined(
        &mut self,
        name: &super::value::Sym,
        form: &Value,
        env: &Env,
    ) -> LResult<Value> {
        if name.macro_fn.borrow().is_some() {
            return self.eval(form, env);
        }
        Err(self.undefined_function(&Value::Symbol(name.clone())))
    }

    /// The less frequent nodes, apart so the common path of `exec` stays
    /// small.
    #[inline(never)]
    fn exec_other(&mut self, node: &Node, env: &Env) -> LResult<Value> {
        match node {
            Node::Const(_)
            | Node::Var(_)
            | Node::Local(_)
            | Node::Call { .. }
            | Node::If(_)
            | Node::Prim { .. } => self.exec(node, env),
            Node::SlotLet { inits, body } => {
                let base = self.locals.len();
                let r = self.exec_slot_let(inits, body, env);
                self.locals.truncate(base);
                r
            }
            Node::SetLocal(distance, value) => {
                let v = self.exec(value, env)?;
                self.mv = None;
                self.set_local(*distance, v.clone())?;
                Ok(v)
            }
            Node::Function(s) => {
                self.mv = None;
                self.function_named(s, env)
            }
            Node::Progn(body) => self.exec_body(body, env),
            Node::Let {
                bindings,
                body,
                specials,
                ..
            } if specials.is_empty() && bindings.len() == 1 => {
                // One variable and no declarations, as macros' temporaries:
                // the lexical binding without the dynamic bookkeeping.
                let (s, init) = &bindings[0];
                let v = self.exec(init, env)?;
                if s.special.get() {
                    let mark = self.dyn_mark();
                    let new_env = self.bind_var_maybe_special(env.clone(), s, v, &[]);
                    let r = self.exec_body(body, &new_env);
                    self.unbind_to(mark);
                    return r;
                }
                let new_env = env.clone().with_var(s.clone(), v);
                self.exec_body(body, &new_env)
            }
            Node::Let {
                sequential,
                bindings,
                body,
                specials,
            } => {
                let mark = self.dyn_mark();
                let r = self.exec_let(*sequential, bindings, body, specials, env);
                self.unbind_to(mark);
                r
            }
            Node::Locally { specials, body } => {
                let mut new_env = env.clone();
                for s in specials.iter() {
                    new_env = new_env.declare_special(s.clone());
                }
                self.exec_body(body, &new_env)
            }
            Node::Flet {
                recursive,
                funs,
                body,
            } => self.exec_flet(*recursive, funs, body, env),
            Node::Catch { tag, body } => {
                let tag = self.exec(tag, env)?;
                self.catch_tags.push(tag.clone());
                let r = self.exec_body(body, env);
                self.catch_tags.pop();
                match r {
                    Err(u) if matches!(u.kind(), UnwindKind::Throw { tag: t, .. } if t.eq(&tag)) => {
                        Ok(self.values(u.into_values()))
                    }
                    other => other,
                }
            }
            Node::Throw(b) => {
                let tag = self.exec(&b.0, env)?;
                let v = self.exec(&b.1, env)?;
                let values = self.take_values(v);
                if !self.catch_tags.iter().any(|t| t.eq(&tag)) {
                    let msg = format!(
                        "attempt to THROW to a tag that does not exist: {}",
                        crate::printer::prin1_to_string(&tag)
                    );
                    let c = self.make_error("CONTROL-ERROR", &msg);
                    return Err(self.raise(c));
                }
                Err(UnwindKind::Throw { tag, values }.into())
            }
            Node::UnwindProtect { form, cleanup } => {
                let r = self.exec(form, env);
                let saved_mv = self.mv.take();
                self.exec_body(cleanup, env)?;
                self.mv = saved_mv;
                r
            }
            Node::MultipleValueCall { function, args } => {
                let f = self.exec(function, env)?;
                let mut all = Vec::new();
                for a in args.iter() {
                    let v = self.exec(a, env)?;
                    all.extend(self.take_values(v));
                }
                self.mv = None;
                self.apply(&f, &all)
            }
            Node::MultipleValueProg1 { first, rest } => {
                let v = self.exec(first, env)?;
                let vals = self.take_values(v);
                self.exec_body(rest, env)?;
                Ok(self.values(vals))
            }
            Node::Progv {
                symbols,
                values,
                body,
            } => {
                let syms = self.exec(symbols, env)?;
                let vals = self.exec(values, env)?;
                let mark = self.dyn_mark();
                let r = (|| {
                    let mut vi = vals.iter();
                    for s in syms.iter() {
                        let s = self.expect_symbol(&s, "PROGV")?;
                        match vi.next() {
                            Some(v) => self.bind_special(&s, v),
                            None => {
                                // Bound with no value (CLHS progv).
                                self.bind_special(&s, Value::Nil);
                                *s.value.borrow_mut() = None;
                            }
                        }
                    }
                    self.exec_body(body, env)
                })();
                self.unbind_to(mark);
                r
            }
            Node::LoadTimeValue { form, value } => {
                self.mv = None;
                if let Some(v) = value.get() {
                    return Ok(v.clone());
                }
                let v = self.exec(form, &Env::default())?;
                self.mv = None;
                let _ = value.set(v.clone());
                Ok(v)
            }
            Node::FunctionSetf(name) => {
                self.mv = None;
                let target = name.cdr().car();
                if let Some(s) = target.as_symbol() {
                    let f = self.setf_functions.get(&super::interp::SymKey(s)).cloned();
                    if let Some(f) = f.filter(|f| !(f.is_cons() && f.car().is_sym(&self.s.setf))) {
                        return Ok(f);
                    }
                }
                Err(self.undefined_function(name))
            }
            Node::MakeFunction(form, cenv) => {
                self.mv = None;
                match self.internal_lambda(form, env, cenv) {
                    Some(r) => r,
                    None => Err(self.undefined_function(form)),
                }
            }
            Node::Fail(f) => Err(f(self)),
            Node::Reexpand {
                macro_fn,
                form,
                cenv,
            } => {
                let expansion = self.expand_with(macro_fn, form, cenv)?;
                let node =
                    super::compile::Compiler::in_env(self, None, cenv.clone()).form(&expansion);
                self.exec(&node, env)
            }
            Node::Setq(pairs) => {
                let mut last = Value::Nil;
                for (var, value) in pairs.iter() {
                    let v = self.exec(value, env)?;
                    self.assign_variable(var, v.clone(), env)?;
                    last = v;
                }
                self.mv = None;
                Ok(last)
            }
            Node::Block { name, body, needed } => {
                if !*needed && !env.lexical_macros {
                    return self.exec_body(body, env);
                }
                let id = self.new_id();
                let benv = env.bind_block(name.clone(), id);
                let r = self.exec_body(body, &benv);
                self.leave_block(&benv, id, r)
            }
            Node::ReturnFrom { name, value } => {
                let id = self.open_block(name, env)?;
                let v = self.exec(value, env)?;
                let values = self.take_values(v);
                Err(UnwindKind::ReturnFrom { id, values }.into())
            }
            Node::Lambda(l) => {
                self.mv = None;
                self.make_compiled_closure(l, env)
            }
            Node::Tagbody(t) => self.exec_tagbody(t, env),
            Node::Go(tag) | Node::Jump { tag, .. } => self.go(tag, env),
        }
    }

    fn exec_tagbody(&mut self, t: &TagbodyNode, env: &Env) -> LResult<Value> {
        if t.tags.is_empty() {
            self.exec_body(&t.statements, env)?;
            self.mv = None;
            return Ok(Value::Nil);
        }
        let id = self.new_id();
        let tenv = env.bind_tags(t.tags.clone(), id);
        let mut pc = 0;
        while let Some(statement) = t.statements.get(pc) {
            pc += 1;
            // A jump within this tagbody needs no unwinding.
            let target = match statement {
                Node::Jump { index, .. } => Some(*index),
                Node::If(branches) => match &branches.1 {
                    Node::Jump { index, .. } => match self.exec(&branches.0, &tenv) {
                        Ok(test) if test.truthy() => Some(*index),
                        Ok(_) => continue,
                        Err(e) => {
                            tenv.close_tags();
                            return Err(e);
                        }
                    },
                    _ => None,
                },
                _ => None,
            };
            if let Some(index) = target {
                pc = t.tag_starts.get(index).copied().unwrap_or(usize::MAX);
                if let Err(e) = self.check_interrupt() {
                    tenv.close_tags();
                    return Err(e);
                }
                continue;
            }
            // A statement's value is discarded: `(setq var form)`, the
            // step of most loops, is run without the general dispatch.
            let r = match statement {
                Node::Setq(pairs) if pairs.len() == 1 => {
                    let (var, value) = &pairs[0];
                    match self.exec(value, &tenv) {
                        Ok(v) => self.assign_variable(var, v, &tenv),
                        Err(e) => Err(e),
                    }
                }
                Node::SetLocal(distance, value) => match self.exec(value, &tenv) {
                    Ok(v) => self.set_local(*distance, v),
                    Err(e) => Err(e),
                },
                _ => self.exec(statement, &tenv).map(drop),
            };
            match r {
                Ok(()) => {}
                Err(e) => match e.kind() {
                    UnwindKind::Go { id: gid, index } if *gid == id => {
                        pc = t.tag_starts.get(*index).copied().unwrap_or(usize::MAX);
                        if let Err(e) = self.check_interrupt() {
                            tenv.close_tags();
                            return Err(e);
                        }
                    }
                    _ => {
                        tenv.close_tags();
                        return Err(e);
                    }
                },
            }
        }
        tenv.close_tags();
        self.mv = None;
        Ok(Value::Nil)
    }

    /// [`Node::Prim`]: fixnum arithmetic and comparison, list access and
    /// hash-table access done directly (what the builtin would return);
    /// anything else, or a redefined function, is a call.
    #[inline(never)]
    fn exec_prim(
        &mut self,
        op: Prim,
        name: &super::value::Sym,
        builtin: &Rc<Function>,
        args: &[Node],
        env: &Env,
        primary_only: bool,
    ) -> LResult<Value> {
        match args {
            [a] => {
                let x = self.arg(a, env)?;
                self.mv = None;
                if !self.prim_unchanged(name, builtin, env) {
                    return self.prim_call(name, env, &[x]);
                }
                self.prim1(op, name, env, x)
            }
            [a, b] => {
                let x = self.arg(a, env)?;
                let y = self.arg(b, env)?;
                self.mv = None;
                if !self.prim_unchanged(name, builtin, env) {
                    return self.prim_call(name, env, &[x, y]);
                }
                self.prim2(op, name, env, x, y, None, primary_only)
            }
            [a, b, c] => {
                let x = self.arg(a, env)?;
                let y = self.arg(b, env)?;
                let z = self.arg(c, env)?;
                self.mv = None;
                if !self.prim_unchanged(name, builtin, env) {
                    return self.prim_call(name, env, &[x, y, z]);
                }
                self.prim2(op, name, env, x, y, Some(z), primary_only)
            }
            _ => {
                let mut argv = Vec::with_capacity(args.len());
                for a in args {
                    argv.push(self.arg(a, env)?);
                }
                self.mv = None;
                self.prim_call(name, env, &argv)
            }
        }
    }

    /// Whether `name` still means the builtin the node was made for (not
    /// shadowed by a local function, not redefined).
    #[inline(always)]
    fn prim_unchanged(&self, name: &super::value::Sym, builtin: &Rc<Function>, env: &Env) -> bool {
        !(env.funs.is_some() && env.lookup_fun(name).is_some())
            && matches!(&*name.function.borrow(), Some(Value::Function(f)) if Rc::ptr_eq(f, builtin))
    }

    /// One-argument primitives.
    #[inline(always)]
    fn prim1(&mut self, op: Prim, name: &super::value::Sym, env: &Env, x: Value) -> LResult<Value> {
        let direct = match (op, &x) {
            (Prim::OnePlus, Value::Fixnum(a)) => a.checked_add(1).map(Value::Fixnum),
            (Prim::OneMinus, Value::Fixnum(a)) => a.checked_sub(1).map(Value::Fixnum),
            (Prim::Car, Value::Cons(c)) => Some(c.car.borrow().clone()),
            (Prim::Cdr, Value::Cons(c)) => Some(c.cdr.borrow().clone()),
            (Prim::Car | Prim::Cdr, Value::Nil) => Some(Value::Nil),
            (Prim::Endp, Value::Nil) => Some(Value::Symbol(self.s.t.clone())),
            (Prim::Endp, Value::Cons(_)) => Some(Value::Nil),
            _ => None,
        };
        match direct {
            Some(v) => Ok(v),
            None => self.prim_call(name, env, &[x]),
        }
    }

    /// Two- and three-argument primitives (`z`: the third argument).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn prim2(
        &mut self,
        op: Prim,
        name: &super::value::Sym,
        env: &Env,
        x: Value,
        y: Value,
        z: Option<Value>,
        primary_only: bool,
    ) -> LResult<Value> {
        if let (Value::Fixnum(a), Value::Fixnum(b), None) = (&x, &y, &z) {
            let (a, b) = (*a, *b);
            let holds = |h: bool| {
                Ok(if h {
                    Value::Symbol(self.s.t.clone())
                } else {
                    Value::Nil
                })
            };
            let n = match op {
                Prim::Add => a.checked_add(b),
                Prim::Sub => a.checked_sub(b),
                Prim::Mul => a.checked_mul(b),
                // CLHS mod: floor's remainder, with the divisor's sign;
                // rem: truncate's, with the dividend's. A zero divisor
                // (and MIN rem -1, which overflows) takes the general path.
                Prim::Mod => a.checked_rem(b).map(|r| {
                    if r != 0 && (r < 0) != (b < 0) {
                        r + b
                    } else {
                        r
                    }
                }),
                Prim::Rem => a.checked_rem(b),
                Prim::Lt => return holds(a < b),
                Prim::Gt => return holds(a > b),
                Prim::Le => return holds(a <= b),
                Prim::Ge => return holds(a >= b),
                Prim::NumEq => return holds(a == b),
                _ => None,
            };
            if let Some(n) = n {
                return Ok(Value::Fixnum(n));
            }
        }
        match op {
            Prim::Cons if z.is_none() => return Ok(Value::cons(x, y)),
            Prim::Gethash => {
                return match crate::builtins::hashtables::lookup(self, &y, &x) {
                    Ok(found) => {
                        let present = Value::bool(found.is_some());
                        let v = found.or(z).unwrap_or(Value::Nil);
                        if primary_only {
                            Ok(v)
                        } else {
                            Ok(self.values(vec![v, present]))
                        }
                    }
                    Err(e) => Err(self.signal_at_boundary(e)),
                };
            }
            Prim::Puthash => {
                if let Some(value) = z {
                    return match crate::builtins::hashtables::store(self, &y, &x, value.clone()) {
                        Ok(()) => Ok(value),
                        Err(e) => Err(self.signal_at_boundary(e)),
                    };
                }
            }
            _ => {}
        }
        match z {
            Some(z) => self.prim_call(name, env, &[x, y, z]),
            None => self.prim_call(name, env, &[x, y]),
        }
    }

    /// The general case of a primitive: a call of the current definition.
    #[cold]
    #[inline(never)]
    fn prim_call(&mut self, name: &super::value::Sym, env: &Env, argv: &[Value]) -> LResult<Value> {
        let f = match env.lookup_fun(name) {
            Some(b) if !b.is_macro => b.func.borrow().clone(),
            _ => match name.function.borrow().clone() {
                Some(f) => f,
                None => return Err(self.undefined_function(&Value::Symbol(name.clone()))),
            },
        };
        self.apply(&f, argv)
    }

    /// A variable's value: a lexical binding found directly, anything
    /// else (special, symbol macro, global, unbound) as the interpreter
    /// does it.
    #[inline]
    fn var_value(&mut self, s: &super::value::Sym, env: &Env) -> LResult<Value> {
        let mut cur = env.vars.as_deref();
        while let Some(b) = cur {
            if Rc::ptr_eq(&b.sym, s) {
                if !b.special && !b.symbol_macro {
                    return Ok(b.value.borrow().clone());
                }
                break;
            }
            cur = b.next.as_deref();
        }
        self.eval_symbol(s, env)
    }

    /// `setq` of a variable: a lexical binding assigned directly,
    /// anything else (special, symbol macro, global, constant) as the
    /// interpreter does it.
    #[inline]
    fn assign_variable(&mut self, s: &super::value::Sym, v: Value, env: &Env) -> LResult<()> {
        let mut cur = env.vars.as_deref();
        while let Some(b) = cur {
            if Rc::ptr_eq(&b.sym, s) {
                if !b.special && !b.symbol_macro {
                    *b.value.borrow_mut() = v;
                    return Ok(());
                }
                break;
            }
            cur = b.next.as_deref();
        }
        self.set_variable(s, v, env)
    }

    /// [`Node::SlotLet`]: push each init's value, run the body. The
    /// caller pops the slots however this is left.
    fn exec_slot_let(&mut self, inits: &[Node], body: &[Node], env: &Env) -> LResult<Value> {
        for init in inits {
            let v = self.exec(init, env)?;
            self.locals.push(v);
        }
        self.exec_body(body, env)
    }

    /// The value of the slot `distance` below the top of the local stack.
    #[inline(always)]
    fn local(&mut self, distance: usize) -> LResult<Value> {
        let len = self.locals.len();
        match len
            .checked_sub(distance + 1)
            .and_then(|i| self.locals.get(i))
        {
            Some(v) => Ok(v.clone()),
            None => Err(self.lost_slot()),
        }
    }

    /// `setq` of the slot `distance` below the top of the local stack.
    #[inline(always)]
    fn set_local(&mut self, distance: usize, v: Value) -> LResult<()> {
        let len = self.locals.len();
        match len
            .checked_sub(distance + 1)
            .and_then(|i| self.locals.get_mut(i))
        {
            Some(slot) => {
                *slot = v;
                Ok(())
            }
            None => Err(self.lost_slot()),
        }
    }

    /// A slot reference below the stack: an analysis error, reported
    /// rather than a panic.
    #[cold]
    fn lost_slot(&mut self) -> super::Unwind {
        let c = self.make_error(
            "PROGRAM-ERROR",
            "internal error: a lexical variable's slot is missing",
        );
        self.raise(c)
    }

    /// An argument's value: constants and variables without a full
    /// `exec` (the call resets the multiple values afterwards anyway).
    #[inline(always)]
    fn arg(&mut self, node: &Node, env: &Env) -> LResult<Value> {
        match node {
            Node::Const(v) => Ok(v.clone()),
            Node::Var(s) => self.var_value(s, env),
            Node::Local(distance) => self.local(*distance),
            // Only the primary value of an argument is used: `gethash`
            // need not make its second value (CLHS 3.1.2.1.2.3).
            Node::Prim {
                op,
                name,
                builtin,
                args,
                form,
            } => {
                let r = self.exec_prim(*op, name, builtin, args, env, true);
                self.placed(r, form)
            }
            _ => self.exec(node, env),
        }
    }

    /// Run forms in sequence, returning the last one's values.
    pub fn exec_body(&mut self, body: &[Node], env: &Env) -> LResult<Value> {
        self.mv = None;
        let mut result = Value::Nil;
        for node in body {
            result = self.exec(node, env)?;
        }
        Ok(result)
    }

    /// Evaluate argument nodes left to right and call `f`. Up to four
    /// arguments live on the stack.
    fn call_nodes(&mut self, f: &Value, args: &[Node], env: &Env) -> LResult<Value> {
        if let Value::Function(func) = f {
            if let Function::Closure(cl) = &**func {
                if cl.code.is_some()
                    && cl.lambda_list.only_required
                    && cl.lambda_list.required.len() == args.len()
                {
                    return self.call_simple_closure(cl, args, env);
                }
            }
        }
        // Arrays of the exact size: nothing to initialise or drop beyond
        // the arguments themselves.
        match args {
            [] => {
                self.mv = None;
                return self.apply(f, &[]);
            }
            [a] => {
                let argv = [self.arg(a, env)?];
                self.mv = None;
                return self.apply(f, &argv);
            }
            [a, b] => {
                let a = self.arg(a, env)?;
                let argv = [a, self.arg(b, env)?];
                self.mv = None;
                return self.apply(f, &argv);
            }
            [a, b, c] => {
                let a = self.arg(a, env)?;
                let b = self.arg(b, env)?;
                let argv = [a, b, self.arg(c, env)?];
                self.mv = None;
                return self.apply(f, &argv);
            }
            _ => {}
        }
        let mut argv = Vec::with_capacity(args.len());
        for arg in args {
            argv.push(self.arg(arg, env)?);
        }
        self.mv = None;
        self.apply(f, &argv)
    }

    /// Call a compiled closure whose lambda list has just required
    /// variables: the argument values move straight into the bindings.
    fn call_simple_closure(&mut self, cl: &Closure, args: &[Node], env: &Env) -> LResult<Value> {
        match args {
            [] => self.closure_frame(cl, |it| Ok(it.bind_required(cl, []))),
            [a] => {
                let argv = [self.arg(a, env)?];
                self.closure_frame(cl, |it| Ok(it.bind_required(cl, argv)))
            }
            [a, b] => {
                let a = self.arg(a, env)?;
                let argv = [a, self.arg(b, env)?];
                self.closure_frame(cl, |it| Ok(it.bind_required(cl, argv)))
            }
            _ => {
                let mut argv = Vec::with_capacity(args.len());
                for a in args {
                    argv.push(self.arg(a, env)?);
                }
                self.closure_frame(cl, |it| Ok(it.bind_required(cl, argv)))
            }
        }
    }

    fn bind_required(&mut self, cl: &Closure, values: impl IntoIterator<Item = Value>) -> Env {
        self.mv = None;
        let mut new_env = cl.env.clone();
        for (p, v) in cl.lambda_list.required.iter().zip(values) {
            if let super::lambda::Param::Var(s) = p {
                new_env = self.bind_param_var(new_env, s, v);
            }
        }
        new_env
    }

    fn exec_let(
        &mut self,
        sequential: bool,
        bindings: &[(super::value::Sym, Node)],
        body: &[Node],
        specials: &[super::value::Sym],
        env: &Env,
    ) -> LResult<Value> {
        let mut new_env = env.clone();
        if sequential {
            for (s, init) in bindings {
                let v = self.exec(init, &new_env)?;
                new_env = self.bind_var_maybe_special(new_env, s, v, specials);
            }
        } else if bindings.len() == 1 {
            let (s, init) = &bindings[0];
            let v = self.exec(init, env)?;
            new_env = self.bind_var_maybe_special(new_env, s, v, specials);
        } else {
            let mut vals = Vec::with_capacity(bindings.len());
            for (_, init) in bindings {
                vals.push(self.exec(init, env)?);
            }
            for ((s, _), v) in bindings.iter().zip(vals) {
                new_env = self.bind_var_maybe_special(new_env, s, v, specials);
            }
        }
        // Free special declarations: references in the body are dynamic.
        for s in specials {
            if new_env.lookup_var(s).is_none_or(|b| !b.special) {
                new_env = new_env.declare_special(s.clone());
            }
        }
        self.exec_body(body, &new_env)
    }

    /// `flet` (functions closed over the outer environment) and `labels`
    /// (over the environment that has them).
    fn exec_flet(
        &mut self,
        recursive: bool,
        funs: &[(super::value::Sym, Rc<LambdaNode>)],
        body: &Node,
        env: &Env,
    ) -> LResult<Value> {
        let mut new_env = env.clone();
        if recursive {
            for (name, _) in funs {
                new_env = new_env.bind_fun(name.clone(), Value::Nil, false);
            }
            for (name, l) in funs {
                let f = self.make_compiled_closure(l, &new_env)?;
                if let Some(b) = new_env.lookup_fun(name) {
                    *b.func.borrow_mut() = f;
                }
            }
        } else {
            for (name, l) in funs {
                let f = self.make_compiled_closure(l, env)?;
                new_env = new_env.bind_fun(name.clone(), f, false);
            }
        }
        self.exec(body, &new_env)
    }

    /// A closure over `env` running the lambda's compiled body.
    fn make_compiled_closure(&mut self, l: &Rc<LambdaNode>, env: &Env) -> LResult<Value> {
        let list = match l.list.get() {
            Some(list) => list.clone(),
            None => {
                let parsed = if l.destructuring {
                    let mut ll = self.parse_lambda_list(&l.lambda.car(), true)?;
                    ll.local_specials = self.special_declarations(&l.lambda.cdr());
                    ll.only_required = false;
                    ll
                } else {
                    self.parse_closure_lambda_list(&l.lambda)?
                };
                let parsed = Rc::new(parsed);
                let _ = l.list.set(parsed.clone());
                parsed
            }
        };
        Ok(Value::Function(Rc::new(Function::Closure(Closure {
            name: RefCell::new(l.name.clone()),
            lambda_list: list,
            body: l.source_body.clone(),
            env: env.clone(),
            block: l.block.clone(),
            is_macro: false,
            destructuring: l.destructuring,
            code: Some(l.body.clone()),
        }))))
    }
}

impl Interp {
    /// A primitive call's result, its error placed at the call's form
    /// (reader/positions.rs) on the way out; off the normal path.
    #[inline(always)]
    fn placed(&self, result: LResult<Value>, form: &Value) -> LResult<Value> {
        if let Err(u) = &result {
            crate::reader::positions::leaving(u, form, self.call_stack.len());
        }
        result
    }
}

//! The interpreter state, the evaluator and function application.

use std::collections::HashMap;
use std::rc::Rc;

use super::env::Env;
use super::package::{self, cl_sym, keyword};
use super::value::{Cons, Function, StructClass, Sym, Value};
use super::{LResult, Unwind};

/// Stack evaluation may use on a thread of unknown size (a default Rust
/// thread has 2 MiB).
const DEFAULT_STACK_BUDGET: usize = 1 << 20;

/// Stack kept free for handlers and error reports when the budget is set
/// from a known stack size.
pub const STACK_RESERVE: usize = 64 << 20;

/// The address of a local: how deep the stack currently is.
#[inline(never)]
fn stack_address() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// Standard operators sendletter deliberately does not implement, and why
/// (documented in docs/lisp.md).
const UNSUPPORTED: &[(&str, &str)] = &[(
    "DRIBBLE",
    "use the shell's `script` command to record a session",
)];

/// Hash a symbol by identity.
#[derive(Clone)]
pub struct SymKey(pub Sym);
impl PartialEq for SymKey {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.0, &o.0)
    }
}
impl Eq for SymKey {}
impl std::hash::Hash for SymKey {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (Rc::as_ptr(&self.0) as usize).hash(h)
    }
}

/// How a handler established by `handler-bind` or `handler-case` reacts.
#[derive(Clone)]
pub enum Handler {
    /// `handler-bind`: call the function; declining = returning.
    Function(Value),
    /// `handler-case`: unwind to the frame `id` and run clause `clause`.
    Case { id: usize, clause: usize },
}

/// An active restart (`restart-case`, `with-simple-restart`, and the
/// implicit ones of `warn` and `cerror`).
#[derive(Clone)]
pub struct RestartFrame {
    pub name: Value,
    pub id: usize,
    pub index: usize,
    /// `:report`: a string, or a function of a stream (CLHS restart-case).
    pub report: Option<Value>,
    /// `:test`: a function of a condition (or NIL); the restart is visible
    /// only while it returns true.
    pub test: Option<Value>,
    /// `:interactive`: a function of no arguments returning the list of
    /// arguments `invoke-restart-interactively` passes.
    pub interactive: Option<Value>,
    /// `restart-bind`'s function: invoking the restart calls it where
    /// `invoke-restart` was called, without unwinding.
    pub function: Option<Value>,
}

/// Where the form being evaluated came from, for error messages.
#[derive(Clone, Debug, Default)]
pub struct SourcePos {
    pub file: Option<String>,
    pub line: usize,
    pub column: usize,
}

impl std::fmt::Display for SourcePos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.file.as_deref().unwrap_or("<input>"),
            self.line,
            self.column
        )
    }
}

/// One interpreter: the dynamic state of a running Lisp.
pub struct Interp {
    /// All values of the last form when it returned other than exactly one
    /// (CLHS 3.1.7). `None` means "just the primary value".
    pub mv: Option<Vec<Value>>,
    /// Slots of the lexical variables analysis resolved to positions
    /// (`Node::SlotLet`, `eval::slots`), innermost last.
    pub(crate) locals: Vec<Value>,
    next_id: usize,
    /// Handler clusters, innermost last (CLHS 9.1.4.1).
    pub handlers: Vec<Vec<(Value, Handler)>>,
    pub restarts: Vec<RestartFrame>,
    /// Saved values of dynamically bound symbols (shallow binding).
    dyn_stack: Vec<(Sym, Option<Value>)>,
    /// Active `catch` tags, innermost last.
    pub catch_tags: Vec<Value>,
    depth: usize,
    /// Maximum evaluation depth before a stack-exhaustion error.
    pub max_depth: usize,
    /// Address near the bottom of the interpreter thread's stack.
    stack_base: usize,
    /// Bytes of stack evaluation may use before a stack-exhaustion error
    /// (leaving the rest for handlers and reports).
    stack_budget: usize,
    /// The functions being called, innermost last, each with the call
    /// it is executing (`eval::backtrace`).
    pub call_stack: Vec<super::backtrace::CallFrame>,
    /// The address of the call form being executed (`eval::backtrace`).
    pub(crate) current_at: usize,
    /// The call stack when the last unhandled error was signalled.
    pub error_backtrace: Vec<super::backtrace::BacktraceFrame>,
    /// Position of the top-level form being evaluated.
    pub toplevel_pos: SourcePos,
    /// Structure and condition classes by name.
    pub classes: HashMap<SymKey, Rc<StructClass>>,
    /// `setf` of structure accessors: accessor name → (class, slot index).
    pub struct_accessors: HashMap<SymKey, (Rc<StructClass>, usize)>,
    /// `defsetf` short form: access function → update function.
    pub setf_functions: HashMap<SymKey, Value>,
    /// `define-setf-expander` and long `defsetf` expanders.
    pub setf_expanders: HashMap<SymKey, super::macros::places::SetfExpander>,
    /// Expansions of macro calls, by the identity of the calling cons.
    pub(crate) macro_cache: HashMap<usize, (Rc<Cons>, Value)>,
    /// Compiled closure bodies by the identity of the body's first cons
    /// (kept alive here), with the function name they were compiled for.
    #[allow(clippy::type_complexity)]
    pub(crate) compile_cache: HashMap<usize, (Rc<Cons>, Option<Sym>, Rc<super::compile::Compiled>)>,
    /// Features of the host the script runs on: extension point for the
    /// mail builtins (sink directory, routing, verbosity).
    pub ext: HashMap<&'static str, Box<dyn std::any::Any>>,
    pub s: WellKnown,
}

/// Symbols the evaluator refers to constantly.
pub struct WellKnown {
    pub quote: Sym,
    pub function: Sym,
    pub lambda: Sym,
    pub setf: Sym,
    pub declare: Sym,
    pub special: Sym,
    pub optional: Sym,
    pub rest: Sym,
    pub body: Sym,
    pub key: Sym,
    pub aux: Sym,
    pub whole: Sym,
    pub environment: Sym,
    pub allow_other_keys: Sym,
    pub kw_allow_other_keys: Sym,
    pub otherwise: Sym,
    pub t: Sym,
    pub quasiquote: Sym,
    pub unquote: Sym,
    pub unquote_splicing: Sym,
    pub standard_output: Sym,
    pub error_output: Sym,
    pub standard_input: Sym,
    pub package: Sym,
    pub plus: Sym,
    pub minus: Sym,
    pub gethash: Sym,
    pub elt: Sym,
    pub member: Sym,
    pub progn: Sym,
    /// Internal setters behind `(setf gethash)` and `(setf elt)`.
    pub puthash: Sym,
    pub set_elt: Sym,
    /// The internal lambda forms of `function` (see
    /// `Interp::internal_lambda`).
    pub named_lambda: Sym,
    pub macro_lambda: Sym,
    pub destructuring_lambda: Sym,
    pub eval_when: Sym,
}

impl WellKnown {
    fn new() -> WellKnown {
        let sl = package::find_package("SENDLETTER").expect("SENDLETTER package exists");
        WellKnown {
            quote: cl_sym("QUOTE"),
            function: cl_sym("FUNCTION"),
            lambda: cl_sym("LAMBDA"),
            setf: cl_sym("SETF"),
            declare: cl_sym("DECLARE"),
            special: cl_sym("SPECIAL"),
            optional: cl_sym("&OPTIONAL"),
            rest: cl_sym("&REST"),
            body: cl_sym("&BODY"),
            key: cl_sym("&KEY"),
            aux: cl_sym("&AUX"),
            whole: cl_sym("&WHOLE"),
            environment: cl_sym("&ENVIRONMENT"),
            allow_other_keys: cl_sym("&ALLOW-OTHER-KEYS"),
            kw_allow_other_keys: keyword("ALLOW-OTHER-KEYS"),
            otherwise: cl_sym("OTHERWISE"),
            t: package::t_symbol(),
            quasiquote: package::intern_in("QUASIQUOTE", &sl),
            unquote: package::intern_in("UNQUOTE", &sl),
            unquote_splicing: package::intern_in("UNQUOTE-SPLICING", &sl),
            standard_output: cl_sym("*STANDARD-OUTPUT*"),
            error_output: cl_sym("*ERROR-OUTPUT*"),
            standard_input: cl_sym("*STANDARD-INPUT*"),
            package: cl_sym("*PACKAGE*"),
            plus: cl_sym("+"),
            minus: cl_sym("-"),
            gethash: cl_sym("GETHASH"),
            elt: cl_sym("ELT"),
            member: cl_sym("MEMBER"),
            progn: cl_sym("PROGN"),
            puthash: package::intern_in("PUTHASH", &sl),
            set_elt: package::intern_in("SET-ELT", &sl),
            named_lambda: package::intern_in("NAMED-LAMBDA", &sl),
            macro_lambda: package::intern_in("MACRO-LAMBDA", &sl),
            destructuring_lambda: package::intern_in("DESTRUCTURING-LAMBDA", &sl),
            eval_when: cl_sym("EVAL-WHEN"),
        }
    }
}

impl Default for Interp {
    fn default() -> Self {
        Interp::new()
    }
}

impl Interp {
    /// A fresh interpreter with the special forms and standard conditions
    /// installed. Builtin functions are added by `crate::builtins::install`.
    pub fn new() -> Interp {
        let mut it = Interp {
            mv: None,
            next_id: 1,
            handlers: Vec::new(),
            restarts: Vec::new(),
            dyn_stack: Vec::new(),
            catch_tags: Vec::new(),
            depth: 0,
            max_depth: 1_000_000,
            stack_base: stack_address(),
            stack_budget: DEFAULT_STACK_BUDGET,
            call_stack: Vec::new(),
            current_at: 0,
            error_backtrace: Vec::new(),
            toplevel_pos: SourcePos::default(),
            classes: HashMap::new(),
            struct_accessors: HashMap::new(),
            setf_functions: HashMap::new(),
            setf_expanders: HashMap::new(),
            macro_cache: HashMap::new(),
            compile_cache: HashMap::new(),
            locals: Vec::new(),
            ext: HashMap::new(),
            s: WellKnown::new(),
        };
        super::special::install();
        super::condition::install_classes(&mut it);
        it
    }

    /// Let evaluation use `bytes` of the current thread's stack (the CLI
    /// runs Lisp on a thread with a large stack).
    pub fn set_stack_budget(&mut self, bytes: usize) {
        self.stack_base = stack_address();
        self.stack_budget = bytes;
    }

    /// Is the stack nearly used up? Frame sizes differ between builds, so
    /// the stack itself is measured rather than only counting depth.
    pub(crate) fn stack_exceeded(&self) -> bool {
        self.stack_base.saturating_sub(stack_address()) > self.stack_budget
    }

    /// Drop cached macro expansions and analysed bodies: a definition
    /// they may depend on changed (a macro, a setf expander).
    pub fn forget_expansions(&mut self) {
        self.macro_cache.clear();
        self.compile_cache.clear();
    }

    pub fn new_id(&mut self) -> usize {
        self.next_id += 1;
        self.next_id
    }

    // ----- values -----------------------------------------------------

    /// Return several values from a builtin (CLHS `values`).
    pub fn values(&mut self, vals: Vec<Value>) -> Value {
        let first = vals.first().cloned().unwrap_or(Value::Nil);
        self.mv = if vals.len() == 1 { None } else { Some(vals) };
        first
    }

    /// All values of the form that just returned `primary`.
    pub fn take_values(&mut self, primary: Value) -> Vec<Value> {
        match self.mv.take() {
            Some(v) => v,
            None => vec![primary],
        }
    }

    // ----- dynamic binding ------------------------------------------------

    /// Bind a special variable until [`Interp::unbind_to`] (shallow binding:
    /// the symbol's cell holds the current value; the old one is saved).
    pub fn bind_special(&mut self, sym: &Sym, value: Value) {
        let old = sym.value.replace(Some(value));
        self.dyn_stack.push((sym.clone(), old));
    }

    pub fn dyn_mark(&self) -> usize {
        self.dyn_stack.len()
    }

    pub fn unbind_to(&mut self, mark: usize) {
        while self.dyn_stack.len() > mark {
            if let Some((sym, old)) = self.dyn_stack.pop() {
                *sym.value.borrow_mut() = old;
            }
        }
    }

    /// The current value of a special variable, if bound.
    pub fn symbol_value(&self, sym: &Sym) -> Option<Value> {
        sym.value.borrow().clone()
    }

    // ----- evaluation -----------------------------------------------------

    /// Evaluate `form` in `env` (CLHS 3.1.2).
    pub fn eval(&mut self, form: &Value, env: &Env) -> LResult<Value> {
        self.mv = None;
        match form {
            Value::Symbol(s) => self.eval_symbol(s, env),
            Value::Cons(_) => {
                self.check_interrupt()?;
                // (progn a b): each form analysed after the previous one
                // ran, so a macro defined by one is used by the next (as
                // SBCL's eval does).
                // A dotted (or circular) progn is malformed: reported by
                // the analysis below before any of its forms runs.
                if form.car().is_sym(&self.s.progn) {
                    if let Some(forms) = super::compile::proper_list(&form.cdr()) {
                        let mut last = Value::Nil;
                        for f in &forms {
                            last = self.eval(f, env)?;
                        }
                        return Ok(last);
                    }
                }
                self.depth += 1;
                if self.depth > self.max_depth || self.stack_exceeded() {
                    self.depth -= 1;
                    return Err(self.stack_exhausted());
                }
                // The one pipeline: macroexpand and analyse, then run.
                let node = super::compile::Compiler::in_env(self, None, env.clone()).form(form);
                let r = self.exec(&node, env);
                self.depth -= 1;
                r
            }
            _ => Ok(form.clone()),
        }
    }

    /// Signal `SENDLETTER:INTERACTIVE-INTERRUPT` if Ctrl-C was pressed
    /// (see `eval::interrupt`).
    #[inline]
    pub(crate) fn check_interrupt(&mut self) -> LResult<()> {
        if super::interrupt::pending() {
            return Err(self.interrupted());
        }
        Ok(())
    }

    #[cold]
    fn interrupted(&mut self) -> Unwind {
        super::interrupt::clear();
        let class = super::package::intern_in(
            "INTERACTIVE-INTERRUPT",
            &super::package::sendletter_package(),
        );
        let c = self.make_condition_of(
            &class,
            &[
                ("FORMAT-CONTROL", Value::string("Interrupted (Ctrl-C).")),
                ("FORMAT-ARGUMENTS", Value::Nil),
            ],
        );
        self.raise(c)
    }

    pub(crate) fn stack_exhausted(&mut self) -> Unwind {
        // Give handlers room to run: they need stack themselves.
        self.depth = self.depth.saturating_sub(200);
        let budget = self.stack_budget;
        self.stack_budget = budget.saturating_add(STACK_RESERVE / 2);
        let c = self.make_error(
            "STORAGE-CONDITION",
            "Control stack exhausted (the recursion is too deep).",
        );
        let r = self.raise(c);
        self.stack_budget = budget;
        self.depth += 200;
        r
    }

    /// Evaluate forms in sequence, returning the last one's values.
    pub fn progn(&mut self, body: &Value, env: &Env) -> LResult<Value> {
        let mut result = Value::Nil;
        self.mv = None;
        let mut cur = body.clone();
        while let Value::Cons(c) = cur {
            let form = c.car.borrow().clone();
            result = self.eval(&form, env)?;
            cur = c.cdr.borrow().clone();
        }
        Ok(result)
    }

    pub(crate) fn eval_symbol(&mut self, s: &Sym, env: &Env) -> LResult<Value> {
        if let Some(b) = env.lookup_var(s) {
            if b.symbol_macro {
                let exp = b.value.borrow().clone();
                return self.eval(&exp, env);
            }
            if !b.special {
                return Ok(b.value.borrow().clone());
            }
        }
        if let Some(v) = s.value.borrow().as_ref() {
            return Ok(v.clone());
        }
        let c = self.make_condition("UNBOUND-VARIABLE", &[("NAME", Value::Symbol(s.clone()))]);
        Err(self.raise(c))
    }

    pub fn undefined_function(&mut self, name: &Value) -> Unwind {
        let unsupported = match name {
            Value::Symbol(s) if s.home_is_cl() => UNSUPPORTED
                .iter()
                .find(|(n, _)| *n == s.name)
                .map(|(_, why)| *why),
            _ => None,
        };
        let c = match unsupported {
            // Still an undefined-function (handlers see the usual type),
            // with a report that says why.
            Some(why) => {
                let msg = format!(
                    "{} is not supported by sendletter: {why} (see docs/lisp.md).",
                    crate::printer::prin1_to_string(name)
                );
                self.make_condition(
                    "UNDEFINED-FUNCTION",
                    &[
                        ("NAME", name.clone()),
                        ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
                    ],
                )
            }
            None => self.make_condition("UNDEFINED-FUNCTION", &[("NAME", name.clone())]),
        };
        self.raise(c)
    }

    pub(crate) fn macroexpand_cached(
        &mut self,
        m: &Value,
        form: &Value,
        c: &Rc<Cons>,
        env: &Env,
    ) -> LResult<Value> {
        // What a macro that looks at its environment makes may differ
        // from one place to the next.
        if super::compile::wants_environment(m) || env.lexical_macros {
            return self.expand_with(m, form, env);
        }
        let key = Rc::as_ptr(c) as usize;
        if let Some((_, exp)) = self.macro_cache.get(&key) {
            return Ok(exp.clone());
        }
        let exp = self.expand_with(m, form, env)?;
        // Bounded, like the compile cache: forms made at run time and
        // evaluated once must not accumulate.
        if self.macro_cache.len() >= 10_000 {
            self.macro_cache.clear();
        }
        self.macro_cache.insert(key, (c.clone(), exp.clone()));
        Ok(exp)
    }

    /// Call a macro function on a form (CLHS 3.1.2.1.2.2).
    pub fn expand_with(&mut self, m: &Value, form: &Value, env: &Env) -> LResult<Value> {
        // The standard macros (builtins) always see the environment: a
        // place may be a local macro or a symbol macro.
        let builtin = matches!(m, Value::Function(f) if matches!(**f, Function::Builtin(_)));
        let env = if builtin || super::compile::wants_environment(m) {
            env.to_value()
        } else {
            Value::Nil
        };
        self.apply(m, &[form.clone(), env])
    }

    /// Expand `form` once if it is a macro call: (expansion, expanded-p).
    pub fn macroexpand_1(&mut self, form: &Value, env: &Env) -> LResult<(Value, bool)> {
        if let Value::Cons(_) = form {
            if let Value::Symbol(s) = form.car() {
                if let Some(b) = env.lookup_fun(&s) {
                    if b.is_macro {
                        let f = b.func.borrow().clone();
                        return Ok((self.expand_with(&f, form, env)?, true));
                    }
                    return Ok((form.clone(), false));
                }
                let m = s.macro_fn.borrow().clone();
                if let Some(m) = m {
                    if s.function.borrow().is_none() {
                        return Ok((self.expand_with(&m, form, env)?, true));
                    }
                }
            }
        } else if let Value::Symbol(s) = form {
            if let Some(b) = env.lookup_var(s) {
                if b.symbol_macro {
                    return Ok((b.value.borrow().clone(), true));
                }
            } else if let Some(expansion) = super::macros::global_symbol_macro(s) {
                return Ok((expansion, true));
            }
        }
        Ok((form.clone(), false))
    }

    /// Expand until the form is no longer a macro call.
    pub fn macroexpand(&mut self, form: &Value, env: &Env) -> LResult<(Value, bool)> {
        let mut cur = form.clone();
        let mut any = false;
        loop {
            let (next, expanded) = self.macroexpand_1(&cur, env)?;
            if !expanded {
                return Ok((cur, any));
            }
            any = true;
            cur = next;
        }
    }

    // ----- application ----------------------------------------------------

    /// Resolve a function designator: a function, or a symbol naming a
    /// global function (CLHS 1.4.1.5).
    pub fn resolve_function(&mut self, f: &Value) -> LResult<Value> {
        match f {
            Value::Function(_) => Ok(f.clone()),
            Value::Symbol(s) => {
                let g = s.function.borrow().clone();
                match g {
                    Some(g) => Ok(g),
                    None => Err(self.undefined_function(f)),
                }
            }
            _ => {
                let c = self.type_error(f, "(OR FUNCTION SYMBOL)");
                Err(self.raise(c))
            }
        }
    }

    /// Call a function designator with arguments (`funcall`).
    pub fn apply(&mut self, f: &Value, args: &[Value]) -> LResult<Value> {
        if let Value::Function(func) = f {
            return self.apply_function(func, args);
        }
        let g = self.resolve_function(f)?;
        match g {
            Value::Function(func) => self.apply_function(&func, args),
            _ => Err(self.undefined_function(f)),
        }
    }

    /// Call a function object with arguments.
    pub fn apply_function(&mut self, func: &Function, args: &[Value]) -> LResult<Value> {
        match func {
            Function::Builtin(b) => {
                if args.len() < b.min_args || b.max_args.is_some_and(|m| args.len() > m) {
                    let msg = format!(
                        "invalid number of arguments to {}: {}",
                        b.name.name,
                        args.len()
                    );
                    let c = self.make_error("PROGRAM-ERROR", &msg);
                    return Err(self.raise(c));
                }
                self.mv = None;
                self.call_stack.push(super::backtrace::CallFrame::native(
                    Value::Symbol(b.name.clone()),
                    self.current_at,
                ));
                let r = (b.f)(self, args);
                self.call_stack.pop();
                match r {
                    Err(u) => Err(self.signal_at_boundary(u)),
                    ok => ok,
                }
            }
            Function::Native(n) => {
                self.mv = None;
                self.call_stack.push(super::backtrace::CallFrame::native(
                    Value::Symbol(n.name.clone()),
                    self.current_at,
                ));
                let r = (n.f)(self, args);
                self.call_stack.pop();
                match r {
                    Err(u) => Err(self.signal_at_boundary(u)),
                    ok => ok,
                }
            }
            Function::Closure(cl) => self.closure_frame(cl, |it| it.bind_closure_args(cl, args)),
        }
    }

    /// Enter a closure: depth and stack checks, the call-stack entry, and
    /// dynamic bindings undone on the way out. `bind` makes the body's
    /// environment.
    #[inline]
    pub(crate) fn closure_frame(
        &mut self,
        cl: &super::value::Closure,
        bind: impl FnOnce(&mut Self) -> LResult<Env>,
    ) -> LResult<Value> {
        self.check_interrupt()?;
        self.depth += 1;
        // The stack is measured every 16 calls: a Lisp call's frames are
        // small next to the reserve kept for handlers.
        if self.depth > self.max_depth || (self.depth.is_multiple_of(16) && self.stack_exceeded()) {
            self.depth -= 1;
            return Err(self.stack_exhausted());
        }
        let name = match &*cl.name.borrow() {
            Some(name) => name.clone(),
            None => Value::Symbol(self.s.lambda.clone()),
        };
        self.call_stack
            .push(super::backtrace::CallFrame::lisp(name, self.current_at));
        let mark = self.dyn_mark();
        let r = match bind(self) {
            Ok(env) => self.run_closure(cl, env),
            Err(e) => Err(e),
        };
        self.unbind_to(mark);
        self.call_stack.pop();
        self.depth -= 1;
        r
    }

    /// The environment of a closure's body for `args`.
    fn bind_closure_args(&mut self, cl: &super::value::Closure, args: &[Value]) -> LResult<Env> {
        Ok(if cl.is_macro {
            let form = args.first().cloned().unwrap_or(Value::Nil);
            let mut env = self.destructure(&cl.lambda_list, &form.cdr(), &cl.env)?;
            if let Some(super::lambda::Param::Var(w)) = &cl.lambda_list.whole {
                env = env.bind_var(w.clone(), form.clone());
            }
            if let Some(e) = &cl.lambda_list.env {
                env = env.bind_var(e.clone(), args.get(1).cloned().unwrap_or(Value::Nil));
            }
            env
        } else if cl.destructuring {
            let value = args.first().cloned().unwrap_or(Value::Nil);
            let mut env = self.destructure(&cl.lambda_list, &value, &cl.env)?;
            if let Some(super::lambda::Param::Var(w)) = &cl.lambda_list.whole {
                env = env.bind_var(w.clone(), value);
            }
            self.apply_local_specials(&cl.lambda_list, env)
        } else {
            let env = self.bind_lambda_list(&cl.lambda_list, args, &cl.env, false)?;
            if cl.lambda_list.local_specials.is_empty() {
                env
            } else {
                self.apply_local_specials(&cl.lambda_list, env)
            }
        })
    }

    /// Run a closure's body in `env`, inside its block when one is needed.
    fn run_closure(&mut self, cl: &super::value::Closure, mut env: Env) -> LResult<Value> {
        let block = cl.block.as_ref().filter(|name| {
            cl.env.lexical_macros || cl.code.as_ref().is_none_or(|c| c.needs_block(name))
        });
        match block {
            Some(name) => {
                let id = self.new_id();
                env = env.bind_block(name.clone(), id);
                let r = self.run_closure_body(cl, &env);
                self.leave_block(&env, id, r)
            }
            None => self.run_closure_body(cl, &env),
        }
    }

    fn run_closure_body(&mut self, cl: &super::value::Closure, env: &Env) -> LResult<Value> {
        match &cl.code {
            Some(code) => self.exec_body(&code.body, env),
            None => self.progn(&cl.body, env),
        }
    }

    /// An exit leaving a builtin: a condition it raised is signalled
    /// here, at the function-call boundary.
    pub fn signal_at_boundary(&mut self, u: Unwind) -> Unwind {
        match u.into_kind() {
            super::UnwindKind::Signal(c) => self.raise(c),
            other => other.into(),
        }
    }

    /// Call a global function by name (used by builtins that defer to Lisp).
    pub fn call_named(&mut self, name: &Sym, args: &[Value]) -> LResult<Value> {
        self.apply(&Value::Symbol(name.clone()), args)
    }

    /// Make a closure from `(lambda-list . body)`.
    pub fn make_closure(
        &mut self,
        lambda: &Value,
        env: &Env,
        name: Option<Value>,
        block: Option<Sym>,
    ) -> LResult<Value> {
        let ll = self.parse_closure_lambda_list(lambda)?;
        let body = self.strip_declarations(&lambda.cdr(), true);
        let code = Some(self.compiled_body(&body, block.as_ref()));
        Ok(Value::Function(Rc::new(Function::Closure(
            super::value::Closure {
                name: std::cell::RefCell::new(name),
                lambda_list: Rc::new(ll),
                body,
                env: env.clone(),
                block,
                is_macro: false,
                destructuring: false,
                code,
            },
        ))))
    }

    /// Drop leading `declare` forms (and a docstring when `doc_allowed` and
    /// more forms follow): declarations other than `special` are ignored.
    pub fn strip_declarations(&self, body: &Value, doc_allowed: bool) -> Value {
        let mut cur = body.clone();
        loop {
            let first = cur.car();
            let rest = cur.cdr();
            let is_declaration = first.is_cons() && first.car().is_sym(&self.s.declare);
            let is_doc = doc_allowed && matches!(first, Value::String(_)) && rest.is_cons();
            if is_declaration || is_doc {
                cur = rest;
            } else {
                return cur;
            }
        }
    }

    /// Symbols declared `special` in the leading declarations of `body`.
    pub fn special_declarations(&self, body: &Value) -> Vec<Sym> {
        let mut out = Vec::new();
        for form in body.iter() {
            if !(form.is_cons() && form.car().is_sym(&self.s.declare)) {
                if matches!(form, Value::String(_)) {
                    continue;
                }
                break;
            }
            for spec in form.cdr().iter() {
                if spec.car().is_sym(&self.s.special) {
                    for v in spec.cdr().iter() {
                        if let Value::Symbol(s) = v {
                            out.push(s);
                        }
                    }
                }
            }
        }
        out
    }
}

//! Special operators (CLHS 3.1.2.1.2.1) and the standard macros that the
//! evaluator implements directly (CLHS permits implementing macros as
//! special forms). Each is dispatched by an id stored in its symbol.

use std::rc::Rc;

use super::env::Env;
use super::interp::{Handler, Interp, RestartFrame, SymKey};
use super::package::{cl_sym, find_package, intern_in};
use super::value::{Function, Sym, Value};
use super::{LResult, Unwind, UnwindKind};
use crate::printer::prin1_to_string;

macro_rules! special_forms {
    ($($id:ident = $name:literal,)*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Clone, Copy)]
        #[repr(u16)]
        enum SF { None_ = 0, $($id,)* }
        const TABLE: &[(&str, SF)] = &[$(($name, SF::$id),)*];
        fn sf_from(n: u16) -> SF {
            TABLE.get((n as usize).wrapping_sub(1)).map(|e| e.1).unwrap_or(SF::None_)
        }
    };
}

special_forms! {
    Quote = "QUOTE", Function = "FUNCTION", If = "IF", Progn = "PROGN", Let = "LET",
    LetStar = "LET*", Flet = "FLET", Labels = "LABELS", Macrolet = "MACROLET",
    SymbolMacrolet = "SYMBOL-MACROLET", Setq = "SETQ", Block = "BLOCK",
    ReturnFrom = "RETURN-FROM", Tagbody = "TAGBODY", Go = "GO", Catch = "CATCH",
    Throw = "THROW", UnwindProtect = "UNWIND-PROTECT", The = "THE",
    MultipleValueCall = "MULTIPLE-VALUE-CALL", MultipleValueProg1 = "MULTIPLE-VALUE-PROG1",
    EvalWhen = "EVAL-WHEN", Locally = "LOCALLY", Progv = "PROGV",
    LoadTimeValue = "LOAD-TIME-VALUE",
    Lambda = "LAMBDA", Defun = "DEFUN", Defmacro = "DEFMACRO", Defvar = "DEFVAR",
    Defparameter = "DEFPARAMETER", Defconstant = "DEFCONSTANT", Setf = "SETF",
    Psetf = "PSETF", Psetq = "PSETQ", Incf = "INCF", Decf = "DECF", Push = "PUSH",
    Pop = "POP", Pushnew = "PUSHNEW", Remf = "REMF", Rotatef = "ROTATEF", Shiftf = "SHIFTF",
    When = "WHEN", Unless = "UNLESS", Cond = "COND", Case = "CASE", Ecase = "ECASE",
    Ccase = "CCASE", Typecase = "TYPECASE", Etypecase = "ETYPECASE", And = "AND", Or = "OR",
    Dolist = "DOLIST", Dotimes = "DOTIMES", Do = "DO", DoStar = "DO*", Return = "RETURN",
    Prog1 = "PROG1", Prog2 = "PROG2", Prog = "PROG", ProgStar = "PROG*",
    MultipleValueBind = "MULTIPLE-VALUE-BIND", MultipleValueList = "MULTIPLE-VALUE-LIST",
    MultipleValueSetq = "MULTIPLE-VALUE-SETQ", NthValue = "NTH-VALUE",
    DestructuringBind = "DESTRUCTURING-BIND", HandlerCase = "HANDLER-CASE",
    HandlerBind = "HANDLER-BIND", IgnoreErrors = "IGNORE-ERRORS", RestartCase = "RESTART-CASE",
    WithSimpleRestart = "WITH-SIMPLE-RESTART", Assert = "ASSERT", CheckType = "CHECK-TYPE",
    InPackage = "IN-PACKAGE", Declaim = "DECLAIM", Defstruct = "DEFSTRUCT",
    DefineCondition = "DEFINE-CONDITION", Defsetf = "DEFSETF", Declare = "DECLARE",
    Quasiquote = "QUASIQUOTE",
}

/// Mark the symbols that name special forms.
pub fn install() {
    let sl = find_package("SENDLETTER").expect("SENDLETTER package exists");
    for (i, (name, _)) in TABLE.iter().enumerate() {
        let sym = if *name == "QUASIQUOTE" {
            intern_in(name, &sl)
        } else {
            cl_sym(name)
        };
        sym.special_form.set(i as u16 + 1);
    }
}

/// The name of the special form `sym` names ("" if none).
pub fn special_form_name(sym: &Sym) -> &'static str {
    TABLE
        .get((sym.special_form.get() as usize).wrapping_sub(1))
        .map_or("", |e| e.0)
}

/// Does this symbol name a special form or an evaluator-implemented macro?
pub fn is_special(sym: &Sym) -> bool {
    sym.special_form.get() != 0
}

/// Is the special form one of CL's true special operators (rather than a
/// macro the evaluator implements natively)?
pub fn is_special_operator(sym: &Sym) -> bool {
    let n = sym.special_form.get();
    n != 0 && n <= SF::LoadTimeValue as u16
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

/// A place (CLHS 5.1): evaluated once, then read and written.
pub enum Place {
    Var(Sym, Option<Rc<super::env::VarBinding>>),
    Car(Rc<super::value::Cons>),
    Cdr(Rc<super::value::Cons>),
    Gethash(Value, Value, Value),
    Index(Value, usize),
    Slot(Rc<super::value::StructObj>, usize),
    SymbolFunction(Sym),
    Plist(Sym),
    Getf(Box<Place>, Value, Value),
    /// `(setf foo)` functions: called as (setter new-value args...).
    Call(Value, Vec<Value>),
    Values(Vec<Place>),
}

impl Interp {
    pub(crate) fn eval_special(
        &mut self,
        id: u16,
        head: &Sym,
        args: &Value,
        env: &Env,
        _form: &Value,
    ) -> LResult<Value> {
        match sf_from(id) {
            SF::None_ => Err(self.undefined_function(&Value::Symbol(head.clone()))),
            SF::Quote => Ok(args.car()),
            SF::Function => self.sf_function(&args.car(), env),
            SF::If => {
                let test = self.eval(&args.car(), env)?;
                if test.truthy() {
                    self.eval(&nth(args, 1), env)
                } else {
                    self.eval(&nth(args, 2), env)
                }
            }
            SF::Progn => self.progn(args, env),
            SF::Let => self.sf_let(args, env, false),
            SF::LetStar => self.sf_let(args, env, true),
            SF::Flet => self.sf_flet(args, env, false),
            SF::Labels => self.sf_flet(args, env, true),
            SF::Macrolet => {
                let mut new_env = env.clone();
                for def in args.car().iter() {
                    let name = self.expect_symbol(&def.car(), "MACROLET")?;
                    let m = self.make_macro(&name, &def.cdr().car(), &def.cdr().cdr(), env)?;
                    new_env = new_env.bind_fun(name, m, true);
                }
                self.body_with_decls(&args.cdr(), &new_env)
            }
            SF::SymbolMacrolet => {
                let mut new_env = env.clone();
                for def in args.car().iter() {
                    let name = self.expect_symbol(&def.car(), "SYMBOL-MACROLET")?;
                    new_env = new_env.bind_symbol_macro(name, def.cdr().car());
                }
                self.body_with_decls(&args.cdr(), &new_env)
            }
            SF::Setq => {
                let mut cur = args.clone();
                let mut last = Value::Nil;
                while cur.is_cons() {
                    let var = self.expect_symbol(&cur.car(), "SETQ")?;
                    let v = self.eval(&cur.cdr().car(), env)?;
                    self.set_variable(&var, v.clone(), env)?;
                    last = v;
                    cur = cur.cdr().cdr();
                }
                self.mv = None;
                Ok(last)
            }
            SF::Block => {
                let name = self.expect_symbol(&args.car(), "BLOCK")?;
                self.block(name, &args.cdr(), env)
            }
            SF::ReturnFrom => {
                let name = self.expect_symbol(&args.car(), "RETURN-FROM")?;
                self.return_from(&name, &args.cdr().car(), env)
            }
            SF::Return => {
                let name = super::package::nil_symbol();
                self.return_from(&name, &args.car(), env)
            }
            SF::Tagbody => self.tagbody(args, env),
            SF::Go => self.go(&args.car(), env),
            SF::Catch => {
                let tag = self.eval(&args.car(), env)?;
                self.catch_tags.push(tag.clone());
                let r = self.progn(&args.cdr(), env);
                self.catch_tags.pop();
                match r {
                    Err(u) if matches!(u.kind(), UnwindKind::Throw { tag: t, .. } if t.eq(&tag)) => {
                        Ok(self.values(u.into_values()))
                    }
                    other => other,
                }
            }
            SF::Throw => {
                let tag = self.eval(&args.car(), env)?;
                let v = self.eval(&args.cdr().car(), env)?;
                let values = self.take_values(v);
                if !self.catch_tags.iter().any(|t| t.eq(&tag)) {
                    let msg = format!(
                        "attempt to THROW to a tag that does not exist: {}",
                        prin1_to_string(&tag)
                    );
                    let c = self.make_error("CONTROL-ERROR", &msg);
                    return Err(self.raise(c));
                }
                Err(UnwindKind::Throw { tag, values }.into())
            }
            SF::UnwindProtect => {
                let r = self.eval(&args.car(), env);
                let saved_mv = self.mv.take();
                self.progn(&args.cdr(), env)?;
                self.mv = saved_mv;
                r
            }
            SF::The => self.eval(&nth(args, 1), env),
            SF::MultipleValueCall => {
                let f = self.eval(&args.car(), env)?;
                let mut all = Vec::new();
                for a in args.cdr().iter() {
                    let v = self.eval(&a, env)?;
                    all.extend(self.take_values(v));
                }
                self.apply(&f, &all)
            }
            SF::MultipleValueProg1 => {
                let v = self.eval(&args.car(), env)?;
                let vals = self.take_values(v);
                self.progn(&args.cdr(), env)?;
                Ok(self.values(vals))
            }
            SF::EvalWhen => {
                let runs = args.car().iter().any(|s| {
                    s.as_symbol().is_some_and(|s| {
                        s.name == "EXECUTE"
                            || s.name == "EVAL"
                            || s.name == "LOAD-TOPLEVEL"
                            || s.name == "LOAD"
                    })
                });
                if runs {
                    self.progn(&args.cdr(), env)
                } else {
                    Ok(Value::Nil)
                }
            }
            SF::Locally => self.body_with_decls(args, env),
            SF::Progv => {
                let syms = self.eval(&args.car(), env)?;
                let vals = self.eval(&nth(args, 1), env)?;
                let mark = self.dyn_mark();
                let mut vi = vals.iter();
                for s in syms.iter() {
                    let s = self.expect_symbol(&s, "PROGV")?;
                    let v = vi.next();
                    match v {
                        Some(v) => self.bind_special(&s, v),
                        None => {
                            let old = s.value.replace(None);
                            self.bind_special(&s, Value::Nil);
                            *s.value.borrow_mut() = None;
                            let _ = old;
                        }
                    }
                }
                let r = self.progn(&nthcdr(args, 2), env);
                self.unbind_to(mark);
                r
            }
            SF::LoadTimeValue => self.eval(&args.car(), env),
            SF::Lambda => self.make_closure(args, env, None, None),
            SF::Defun => self.sf_defun(args, env),
            SF::Defmacro => {
                let name = self.expect_symbol(&args.car(), "DEFMACRO")?;
                let body = nthcdr(args, 2);
                let m = self.make_macro(&name, &nth(args, 1), &body, env)?;
                if let Value::String(d) = body.car() {
                    if body.cdr().is_cons() {
                        name.doc.borrow_mut().push(("FUNCTION", d.borrow().clone()));
                    }
                }
                *name.macro_fn.borrow_mut() = Some(m);
                *name.function.borrow_mut() = None;
                name.special_form.set(0);
                self.macro_cache.clear();
                self.compile_cache.clear();
                Ok(Value::Symbol(name))
            }
            SF::Defvar | SF::Defparameter => {
                let name = self.expect_symbol(&args.car(), "DEFVAR")?;
                name.special.set(true);
                let is_var = matches!(sf_from(id), SF::Defvar);
                if args.cdr().is_cons() && (!is_var || name.value.borrow().is_none()) {
                    let v = self.eval(&nth(args, 1), env)?;
                    *name.value.borrow_mut() = Some(v);
                }
                if let Value::String(d) = nth(args, 2) {
                    name.doc.borrow_mut().push(("VARIABLE", d.borrow().clone()));
                }
                self.mv = None;
                Ok(Value::Symbol(name))
            }
            SF::Defconstant => {
                let name = self.expect_symbol(&args.car(), "DEFCONSTANT")?;
                let v = self.eval(&nth(args, 1), env)?;
                *name.value.borrow_mut() = Some(v);
                name.constant.set(true);
                name.special.set(true);
                self.mv = None;
                Ok(Value::Symbol(name))
            }
            SF::Setf => {
                let mut cur = args.clone();
                let mut last = Value::Nil;
                while cur.is_cons() {
                    let place = self.resolve_place(&cur.car(), env)?;
                    let v = self.eval(&cur.cdr().car(), env)?;
                    let vals = self.take_values(v.clone());
                    last = self.place_set_values(&place, v, vals)?;
                    cur = cur.cdr().cdr();
                    if !(cur.is_cons() || matches!(place, Place::Values(_))) {
                        self.mv = None;
                    }
                }
                Ok(last)
            }
            SF::Psetf | SF::Psetq => {
                let mut pending = Vec::new();
                let mut cur = args.clone();
                while cur.is_cons() {
                    let place = self.resolve_place(&cur.car(), env)?;
                    let v = self.eval(&cur.cdr().car(), env)?;
                    pending.push((place, v));
                    cur = cur.cdr().cdr();
                }
                for (p, v) in pending {
                    self.place_set(&p, v)?;
                }
                self.mv = None;
                Ok(Value::Nil)
            }
            SF::Incf | SF::Decf => {
                let place = self.resolve_place(&args.car(), env)?;
                let old = self.place_get(&place)?;
                let delta = if args.cdr().is_cons() {
                    self.eval(&nth(args, 1), env)?
                } else {
                    Value::Fixnum(1)
                };
                let op = if matches!(sf_from(id), SF::Incf) {
                    self.s.plus.clone()
                } else {
                    self.s.minus.clone()
                };
                let new = self.call_named(&op, &[old, delta])?;
                self.place_set(&place, new.clone())?;
                self.mv = None;
                Ok(new)
            }
            SF::Push => {
                let item = self.eval(&args.car(), env)?;
                let place = self.resolve_place(&nth(args, 1), env)?;
                let old = self.place_get(&place)?;
                let new = Value::cons(item, old);
                self.place_set(&place, new.clone())?;
                self.mv = None;
                Ok(new)
            }
            SF::Pushnew => {
                let item = self.eval(&args.car(), env)?;
                let place = self.resolve_place(&nth(args, 1), env)?;
                let old = self.place_get(&place)?;
                let mut kw = vec![item.clone(), old.clone()];
                for a in nthcdr(args, 2).iter() {
                    kw.push(self.eval(&a, env)?);
                }
                let found = self.call_named(&self.s.member.clone(), &kw)?;
                self.mv = None;
                if found.truthy() {
                    return Ok(old);
                }
                let new = Value::cons(item, old);
                self.place_set(&place, new.clone())?;
                Ok(new)
            }
            SF::Pop => {
                let place = self.resolve_place(&args.car(), env)?;
                let old = self.place_get(&place)?;
                if !old.is_list() {
                    let c = self.type_error(&old, "LIST");
                    return Err(self.raise(c));
                }
                self.place_set(&place, old.cdr())?;
                self.mv = None;
                Ok(old.car())
            }
            SF::Remf => {
                let place = self.resolve_place(&args.car(), env)?;
                let ind = self.eval(&nth(args, 1), env)?;
                let plist = self.place_get(&place)?;
                let items: Vec<Value> = plist.iter().collect();
                let mut out = Vec::new();
                let mut removed = false;
                for kv in items.chunks(2) {
                    if !removed && kv[0].eq(&ind) {
                        removed = true;
                    } else {
                        out.extend(kv.iter().cloned());
                    }
                }
                if removed {
                    self.place_set(&place, Value::list(out))?;
                }
                self.mv = None;
                Ok(Value::bool(removed))
            }
            SF::Rotatef | SF::Shiftf => {
                let forms: Vec<Value> = args.iter().collect();
                let is_shift = matches!(sf_from(id), SF::Shiftf);
                let nplaces = if is_shift {
                    forms.len().saturating_sub(1)
                } else {
                    forms.len()
                };
                let mut places = Vec::new();
                let mut vals = Vec::new();
                for f in &forms[..nplaces] {
                    let p = self.resolve_place(f, env)?;
                    vals.push(self.place_get(&p)?);
                    places.push(p);
                }
                if places.is_empty() {
                    return Ok(Value::Nil);
                }
                let first = vals[0].clone();
                let incoming = if is_shift {
                    self.eval(&forms[nplaces], env)?
                } else {
                    first.clone()
                };
                vals.rotate_left(1);
                let n = vals.len();
                vals[n - 1] = incoming;
                for (p, v) in places.iter().zip(vals) {
                    self.place_set(p, v)?;
                }
                self.mv = None;
                Ok(if is_shift { first } else { Value::Nil })
            }
            SF::When | SF::Unless => {
                let test = self.eval(&args.car(), env)?.truthy();
                self.mv = None;
                if test == matches!(sf_from(id), SF::When) {
                    self.progn(&args.cdr(), env)
                } else {
                    Ok(Value::Nil)
                }
            }
            SF::Cond => {
                for clause in args.iter() {
                    let test = self.eval(&clause.car(), env)?;
                    if test.truthy() {
                        if clause.cdr().is_nil() {
                            self.mv = None;
                            return Ok(test);
                        }
                        return self.progn(&clause.cdr(), env);
                    }
                }
                self.mv = None;
                Ok(Value::Nil)
            }
            SF::Case | SF::Ecase | SF::Ccase => {
                let key = self.eval(&args.car(), env)?;
                let exhaustive = !matches!(sf_from(id), SF::Case);
                for clause in args.cdr().iter() {
                    let keys = clause.car();
                    let is_default =
                        !exhaustive && (keys.is_sym(&self.s.t) || keys.is_sym(&self.s.otherwise));
                    let hit = is_default
                        || match &keys {
                            Value::Cons(_) => keys.iter().any(|k| k.eql(&key)),
                            Value::Nil => false,
                            k => k.eql(&key),
                        };
                    if hit {
                        return self.progn(&clause.cdr(), env);
                    }
                }
                if exhaustive {
                    let keys: Vec<Value> = args
                        .cdr()
                        .iter()
                        .flat_map(|c| {
                            let k = c.car();
                            if k.is_cons() {
                                k.iter().collect::<Vec<_>>()
                            } else {
                                vec![k]
                            }
                        })
                        .collect();
                    let operator = if matches!(sf_from(id), SF::Ccase) {
                        "CCASE"
                    } else {
                        "ECASE"
                    };
                    return Err(self.fell_through(&key, operator, "MEMBER", keys));
                }
                self.mv = None;
                Ok(Value::Nil)
            }
            SF::Typecase | SF::Etypecase => {
                let key = self.eval(&args.car(), env)?;
                for clause in args.cdr().iter() {
                    let ty = clause.car();
                    let default = matches!(sf_from(id), SF::Typecase)
                        && (ty.is_sym(&self.s.otherwise) || ty.is_sym(&self.s.t));
                    if default || self.typep(&key, &ty)? {
                        return self.progn(&clause.cdr(), env);
                    }
                }
                if matches!(sf_from(id), SF::Etypecase) {
                    let types: Vec<Value> = args.cdr().iter().map(|c| c.car()).collect();
                    return Err(self.fell_through(&key, "ETYPECASE", "OR", types));
                }
                self.mv = None;
                Ok(Value::Nil)
            }
            SF::And => {
                let mut last = Value::bool(true);
                let mut cur = args.clone();
                while cur.is_cons() {
                    last = self.eval(&cur.car(), env)?;
                    if last.is_nil() {
                        if cur.cdr().is_cons() {
                            self.mv = None;
                        }
                        return Ok(last);
                    }
                    cur = cur.cdr();
                }
                Ok(last)
            }
            SF::Or => {
                let mut cur = args.clone();
                while cur.is_cons() {
                    let v = self.eval(&cur.car(), env)?;
                    let is_last = !cur.cdr().is_cons();
                    if is_last {
                        return Ok(v);
                    }
                    if v.truthy() {
                        self.mv = None;
                        return Ok(v);
                    }
                    cur = cur.cdr();
                }
                self.mv = None;
                Ok(Value::Nil)
            }
            SF::Dolist => self.sf_dolist(args, env),
            SF::Dotimes => self.sf_dotimes(args, env),
            SF::Do => self.sf_do(args, env, false),
            SF::DoStar => self.sf_do(args, env, true),
            SF::Prog1 => {
                let v = self.eval(&args.car(), env)?;
                self.progn(&args.cdr(), env)?;
                self.mv = None;
                Ok(v)
            }
            SF::Prog2 => {
                self.eval(&args.car(), env)?;
                let v = self.eval(&nth(args, 1), env)?;
                self.progn(&nthcdr(args, 2), env)?;
                self.mv = None;
                Ok(v)
            }
            SF::Prog | SF::ProgStar => {
                let sequential = matches!(sf_from(id), SF::ProgStar);
                let nil = super::package::nil_symbol();
                let id = self.new_id();
                let benv = env.bind_block(nil, id);
                let mark = self.dyn_mark();
                let r = match self.let_bindings(&args.car(), &benv, sequential) {
                    Ok(lenv) => {
                        let body = self.strip_declarations(&args.cdr(), false);
                        self.tagbody(&body, &lenv)
                    }
                    Err(e) => Err(e),
                };
                self.unbind_to(mark);
                self.leave_block(&benv, id, r)
            }
            SF::MultipleValueBind => {
                let v = self.eval(&nth(args, 1), env)?;
                let vals = self.take_values(v);
                let mark = self.dyn_mark();
                let body = nthcdr(args, 2);
                let specials = self.special_declarations(&body);
                let mut new_env = env.clone();
                for (i, var) in args.car().iter().enumerate() {
                    let s = self.expect_symbol(&var, "MULTIPLE-VALUE-BIND")?;
                    let val = vals.get(i).cloned().unwrap_or(Value::Nil);
                    new_env = self.bind_var_maybe_special(new_env, &s, val, &specials);
                }
                let r = self.progn(&self.strip_declarations(&body, false), &new_env);
                self.unbind_to(mark);
                r
            }
            SF::MultipleValueList => {
                let v = self.eval(&args.car(), env)?;
                let vals = self.take_values(v);
                Ok(Value::list(vals))
            }
            SF::MultipleValueSetq => {
                let v = self.eval(&nth(args, 1), env)?;
                let vals = self.take_values(v);
                for (i, var) in args.car().iter().enumerate() {
                    let s = self.expect_symbol(&var, "MULTIPLE-VALUE-SETQ")?;
                    self.set_variable(&s, vals.get(i).cloned().unwrap_or(Value::Nil), env)?;
                }
                Ok(vals.first().cloned().unwrap_or(Value::Nil))
            }
            SF::NthValue => {
                let n = self.eval(&args.car(), env)?;
                let v = self.eval(&nth(args, 1), env)?;
                let vals = self.take_values(v);
                let idx = match n {
                    Value::Fixnum(i) if i >= 0 => i as usize,
                    _ => {
                        let c = self.type_error(&n, "UNSIGNED-BYTE");
                        return Err(self.raise(c));
                    }
                };
                Ok(vals.get(idx).cloned().unwrap_or(Value::Nil))
            }
            SF::DestructuringBind => {
                let ll = self.parse_lambda_list(&args.car(), true)?;
                let v = self.eval(&nth(args, 1), env)?;
                let mark = self.dyn_mark();
                let r = (|| {
                    let new_env = self.destructure(&ll, &v, env)?;
                    let body = self.strip_declarations(&nthcdr(args, 2), false);
                    self.progn(&body, &new_env)
                })();
                self.unbind_to(mark);
                r
            }
            SF::HandlerCase => self.sf_handler_case(args, env),
            SF::HandlerBind => {
                let mut cluster = Vec::new();
                for b in args.car().iter() {
                    let f = self.eval(&b.cdr().car(), env)?;
                    cluster.push((b.car(), Handler::Function(f)));
                }
                let mark = self.handlers.len();
                self.handlers.push(cluster);
                let r = self.progn(&args.cdr(), env);
                self.handlers.truncate(mark);
                r
            }
            SF::IgnoreErrors => {
                let id = self.new_id();
                let mark = self.handlers.len();
                self.handlers.push(vec![(
                    Value::Symbol(cl_sym("ERROR")),
                    Handler::Case { id, clause: 0 },
                )]);
                let r = self.progn(args, env);
                self.handlers.truncate(mark);
                match r {
                    Err(e) => match e.into_kind() {
                        UnwindKind::HandlerCase {
                            id: hid, condition, ..
                        } if hid == id => Ok(self.values(vec![Value::Nil, condition])),
                        other => Err(other.into()),
                    },
                    ok => ok,
                }
            }
            SF::RestartCase => self.sf_restart_case(args, env),
            SF::WithSimpleRestart => {
                let spec = args.car();
                let name = spec.car();
                let id = self.new_id();
                let mark = self.restarts.len();
                self.restarts.push(RestartFrame {
                    name,
                    id,
                    index: 0,
                    report: None,
                });
                let r = self.progn(&args.cdr(), env);
                self.restarts.truncate(mark);
                match r {
                    Err(u) if matches!(u.kind(), UnwindKind::Restart { id: rid, .. } if *rid == id) => {
                        Ok(self.values(vec![Value::Nil, Value::bool(true)]))
                    }
                    other => other,
                }
            }
            SF::Assert => loop {
                let ok = self.eval(&args.car(), env)?;
                if ok.truthy() {
                    self.mv = None;
                    return Ok(Value::Nil);
                }
                let cond = if nthcdr(args, 2).is_cons() {
                    let mut eargs = Vec::new();
                    for a in nthcdr(args, 2).iter() {
                        eargs.push(self.eval(&a, env)?);
                    }
                    self.coerce_to_condition(&eargs, "SIMPLE-ERROR")?
                } else {
                    let msg = format!("The assertion {} failed.", prin1_to_string(&args.car()));
                    self.make_error("SIMPLE-ERROR", &msg)
                };
                match self.with_restart("CONTINUE", |it| Err::<(), _>(it.raise(cond)))? {
                    Ok(()) => return Ok(Value::Nil),
                    Err(_) => continue,
                }
            },
            SF::CheckType => {
                let place = args.car();
                let ty = nth(args, 1);
                let v = self.eval(&place, env)?;
                if self.typep(&v, &ty)? {
                    self.mv = None;
                    return Ok(Value::Nil);
                }
                let c = self.make_condition(
                    "SIMPLE-TYPE-ERROR",
                    &[
                        ("DATUM", v.clone()),
                        ("EXPECTED-TYPE", ty.clone()),
                        (
                            "FORMAT-CONTROL",
                            Value::string("The value of ~S is ~S, which is not ~A."),
                        ),
                        (
                            "FORMAT-ARGUMENTS",
                            Value::list([
                                place.clone(),
                                v,
                                match nth(args, 2) {
                                    Value::String(s) => Value::String(s),
                                    _ => Value::string(type_description(&ty)),
                                },
                            ]),
                        ),
                    ],
                );
                Err(self.raise(c))
            }
            SF::InPackage => {
                let name = self.string_designator(&args.car())?;
                match super::package::find_package(&name) {
                    Some(p) => {
                        super::package::set_current_package(p.clone());
                        Ok(Value::Package(p))
                    }
                    None => {
                        let msg = format!("The name \"{name}\" does not designate any package.");
                        let c = self.make_condition(
                            "PACKAGE-ERROR",
                            &[
                                ("PACKAGE", Value::string(name)),
                                ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
                            ],
                        );
                        Err(self.raise(c))
                    }
                }
            }
            SF::Declaim => {
                for spec in args.iter() {
                    if spec.car().is_sym(&self.s.special) {
                        for s in spec.cdr().iter() {
                            if let Value::Symbol(s) = s {
                                s.special.set(true);
                            }
                        }
                    }
                }
                Ok(Value::Nil)
            }
            SF::Declare => {
                let c = self.make_error(
                    "PROGRAM-ERROR",
                    "DECLARE is not allowed here (only at the start of a body)",
                );
                Err(self.raise(c))
            }
            SF::Defstruct => self.sf_defstruct(args),
            SF::DefineCondition => self.sf_define_condition(args, env),
            SF::Defsetf => {
                let access = self.expect_symbol(&args.car(), "DEFSETF")?;
                let update = nth(args, 1);
                if update.is_symbol() {
                    // Short form: (update args... new-value).
                    self.setf_functions.insert(
                        SymKey(access.clone()),
                        Value::cons(Value::Symbol(self.s.setf.clone()), update.clone()),
                    );
                    Ok(Value::Symbol(access))
                } else {
                    let c = self.make_error(
                        "PROGRAM-ERROR",
                        "the long form of DEFSETF is not supported; use (defun (setf name) ...)",
                    );
                    Err(self.raise(c))
                }
            }
            SF::Quasiquote => {
                let exp = self.qq_expand(&args.car(), 1)?;
                self.eval(&exp, env)
            }
        }
    }

    /// SBCL's report when no clause of `ecase`/`ccase`/`etypecase` took
    /// the key: a type-error whose expected type is `(combinator . wanted)`.
    fn fell_through(
        &mut self,
        key: &Value,
        operator: &str,
        combinator: &str,
        wanted: Vec<Value>,
    ) -> Unwind {
        let msg = format!(
            "{} fell through {operator} expression. Wanted one of {}.",
            prin1_to_string(key),
            prin1_to_string(&Value::list(wanted.clone()))
        );
        let expected = Value::cons(
            super::package::sym_value(cl_sym(combinator)),
            Value::list(wanted),
        );
        let c = self.make_condition(
            "TYPE-ERROR",
            &[
                ("DATUM", key.clone()),
                ("EXPECTED-TYPE", expected),
                ("FORMAT-CONTROL", Value::string(msg.replace('~', "~~"))),
            ],
        );
        self.raise(c)
    }

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

    fn sf_function(&mut self, name: &Value, env: &Env) -> LResult<Value> {
        match name {
            Value::Symbol(s) => self.function_named(s, env),
            Value::Cons(_) if name.car().is_sym(&self.s.lambda) => {
                self.make_closure(&name.cdr(), env, None, None)
            }
            Value::Cons(_) if name.car().is_sym(&self.s.setf) => {
                let target = name.cdr().car();
                if let Some(s) = target.as_symbol() {
                    if let Some(f) = self.setf_functions.get(&SymKey(s)).cloned() {
                        if !(f.is_cons() && f.car().is_sym(&self.s.setf)) {
                            return Ok(f);
                        }
                    }
                }
                Err(self.undefined_function(name))
            }
            _ => Err(self.undefined_function(name)),
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

    fn let_bindings(&mut self, bindings: &Value, env: &Env, sequential: bool) -> LResult<Env> {
        self.let_bindings_with(bindings, env, sequential, &[])
    }

    fn let_bindings_with(
        &mut self,
        bindings: &Value,
        env: &Env,
        sequential: bool,
        specials: &[Sym],
    ) -> LResult<Env> {
        let mut new_env = env.clone();
        if sequential {
            for b in bindings.iter() {
                let (s, v) = self.binding_value(&b, &new_env)?;
                new_env = self.bind_var_maybe_special(new_env, &s, v, specials);
            }
        } else {
            let mut vals = Vec::new();
            for b in bindings.iter() {
                vals.push(self.binding_value(&b, env)?);
            }
            for (s, v) in vals {
                new_env = self.bind_var_maybe_special(new_env, &s, v, specials);
            }
        }
        Ok(new_env)
    }

    fn binding_value(&mut self, b: &Value, env: &Env) -> LResult<(Sym, Value)> {
        if b.is_cons() {
            let s = self.expect_symbol(&b.car(), "LET")?;
            if s.constant.get() {
                let msg = format!("{} is a constant and cannot be bound", s.name);
                let c = self.make_error("PROGRAM-ERROR", &msg);
                return Err(self.raise(c));
            }
            let v = self.eval(&b.cdr().car(), env)?;
            Ok((s, v))
        } else {
            let s = self.expect_symbol(b, "LET")?;
            Ok((s, Value::Nil))
        }
    }

    fn sf_let(&mut self, args: &Value, env: &Env, sequential: bool) -> LResult<Value> {
        let mark = self.dyn_mark();
        let body = args.cdr();
        let specials = self.special_declarations(&body);
        let r = (|| {
            let mut new_env = self.let_bindings_with(&args.car(), env, sequential, &specials)?;
            for s in &specials {
                if new_env.lookup_var(s).is_none_or(|b| !b.special) {
                    new_env = new_env.declare_special(s.clone());
                }
            }
            let body = self.strip_declarations(&body, false);
            self.progn(&body, &new_env)
        })();
        self.unbind_to(mark);
        r
    }

    /// A body that may start with declarations (`locally`, `macrolet`).
    fn body_with_decls(&mut self, body: &Value, env: &Env) -> LResult<Value> {
        let specials = self.special_declarations(body);
        let mut new_env = env.clone();
        for s in specials {
            new_env = new_env.declare_special(s);
        }
        let body = self.strip_declarations(body, false);
        self.progn(&body, &new_env)
    }

    fn sf_flet(&mut self, args: &Value, env: &Env, recursive: bool) -> LResult<Value> {
        let mut new_env = env.clone();
        let defs: Vec<Value> = args.car().iter().collect();
        if recursive {
            for d in &defs {
                let name = self.expect_symbol(&d.car(), "LABELS")?;
                new_env = new_env.bind_fun(name, Value::Nil, false);
            }
            for d in &defs {
                let name = self.expect_symbol(&d.car(), "LABELS")?;
                let f = self.make_closure(
                    &d.cdr(),
                    &new_env,
                    Some(Value::Symbol(name.clone())),
                    Some(name.clone()),
                )?;
                if let Some(b) = new_env.lookup_fun(&name) {
                    *b.func.borrow_mut() = f;
                }
            }
        } else {
            for d in &defs {
                let name = self.expect_symbol(&d.car(), "FLET")?;
                let f = self.make_closure(
                    &d.cdr(),
                    env,
                    Some(Value::Symbol(name.clone())),
                    Some(name.clone()),
                )?;
                new_env = new_env.bind_fun(name, f, false);
            }
        }
        self.body_with_decls(&args.cdr(), &new_env)
    }

    fn block(&mut self, name: Sym, body: &Value, env: &Env) -> LResult<Value> {
        let id = self.new_id();
        let benv = env.bind_block(name, id);
        let r = self.progn(body, &benv);
        self.leave_block(&benv, id, r)
    }

    fn return_from(&mut self, name: &Sym, form: &Value, env: &Env) -> LResult<Value> {
        let id = self.open_block(name, env)?;
        let v = self.eval(form, env)?;
        let values = self.take_values(v);
        Err(UnwindKind::ReturnFrom { id, values }.into())
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

    /// `tagbody` (CLHS): symbols and integers in the body are tags.
    pub fn tagbody(&mut self, body: &Value, env: &Env) -> LResult<Value> {
        let items: Vec<Value> = body.iter().collect();
        let is_tag = |v: &Value| matches!(v, Value::Symbol(_) | Value::Fixnum(_) | Value::Nil);
        let tags: Vec<Value> = items.iter().filter(|v| is_tag(v)).cloned().collect();
        if tags.is_empty() {
            self.progn(body, env)?;
            self.mv = None;
            return Ok(Value::Nil);
        }
        let id = self.new_id();
        let tenv = env.bind_tags(tags.clone(), id);
        let mut pc = 0;
        while pc < items.len() {
            let item = &items[pc];
            pc += 1;
            if is_tag(item) {
                continue;
            }
            match self.eval(item, &tenv) {
                Ok(_) => {}
                Err(e) if matches!(e.kind(), UnwindKind::Go { id: gid, .. } if *gid == id) => {
                    let index = match e.kind() {
                        UnwindKind::Go { index, .. } => *index,
                        _ => 0,
                    };
                    let tag = &tags[index];
                    pc = items
                        .iter()
                        .position(|x| is_tag(x) && x.eql(tag))
                        .map(|p| p + 1)
                        .unwrap_or(items.len());
                }
                Err(e) => {
                    tenv.close_tags();
                    return Err(e);
                }
            }
        }
        tenv.close_tags();
        self.mv = None;
        Ok(Value::Nil)
    }

    /// A loop body: a tagbody when it has tags, else a progn.
    fn loop_body(&mut self, body: &Value, env: &Env) -> LResult<()> {
        if body
            .iter()
            .any(|v| matches!(v, Value::Symbol(_) | Value::Fixnum(_)))
        {
            self.tagbody(body, env)?;
        } else {
            self.progn(body, env)?;
        }
        Ok(())
    }

    fn sf_dolist(&mut self, args: &Value, env: &Env) -> LResult<Value> {
        let spec = args.car();
        let var = self.expect_symbol(&spec.car(), "DOLIST")?;
        let nil = super::package::nil_symbol();
        let id = self.new_id();
        // The implicit block surrounds the list form too (CLHS dolist).
        let benv = env.bind_block(nil, id);
        let specials = self.special_declarations(&args.cdr());
        let body = self.strip_declarations(&args.cdr(), false);
        let mark = self.dyn_mark();
        let r = (|| {
            let list = self.eval(&nth(&spec, 1), &benv)?;
            let mut cur = list.clone();
            while let Value::Cons(c) = &cur {
                self.check_interrupt()?;
                let item = c.car.borrow().clone();
                let lenv = self.bind_var_maybe_special(benv.clone(), &var, item, &specials);
                self.loop_body(&body, &lenv)?;
                let next = c.cdr.borrow().clone();
                cur = next;
            }
            if !cur.is_nil() {
                let c = self.type_error(&cur, "LIST");
                return Err(self.raise(c));
            }
            let lenv = self.bind_var_maybe_special(benv.clone(), &var, Value::Nil, &specials);
            self.eval(&nth(&spec, 2), &lenv)
        })();
        self.unbind_to(mark);
        self.leave_block(&benv, id, r)
    }

    fn sf_dotimes(&mut self, args: &Value, env: &Env) -> LResult<Value> {
        let spec = args.car();
        let var = self.expect_symbol(&spec.car(), "DOTIMES")?;
        let nil = super::package::nil_symbol();
        let id = self.new_id();
        // The implicit block surrounds the count form too (CLHS dotimes).
        let benv = env.bind_block(nil, id);
        let specials = self.special_declarations(&args.cdr());
        let body = self.strip_declarations(&args.cdr(), false);
        let mark = self.dyn_mark();
        let r = (|| {
            let count = self.eval(&nth(&spec, 1), &benv)?;
            let (n, end) = self.dotimes_count(count)?;
            let mut i = 0;
            while i < n {
                self.check_interrupt()?;
                let lenv =
                    self.bind_var_maybe_special(benv.clone(), &var, Value::Fixnum(i), &specials);
                self.loop_body(&body, &lenv)?;
                i += 1;
            }
            let lenv = self.bind_var_maybe_special(benv.clone(), &var, end, &specials);
            self.eval(&nth(&spec, 2), &lenv)
        })();
        self.unbind_to(mark);
        self.leave_block(&benv, id, r)
    }

    /// The iterations of `dotimes` and the variable's final value. A
    /// count beyond the fixnum range runs as many iterations as a fixnum
    /// can count (more than any loop will reach).
    pub(crate) fn dotimes_count(&mut self, count: Value) -> LResult<(i64, Value)> {
        match count {
            Value::Fixnum(n) => Ok((n.max(0), Value::Fixnum(n.max(0)))),
            Value::Bignum(ref b) => {
                let positive = b.sign() == num_bigint::Sign::Plus;
                let end = if positive {
                    count.clone()
                } else {
                    Value::Fixnum(0)
                };
                Ok((if positive { i64::MAX } else { 0 }, end))
            }
            _ => {
                let c = self.type_error(&count, "INTEGER");
                Err(self.raise(c))
            }
        }
    }

    fn sf_do(&mut self, args: &Value, env: &Env, sequential: bool) -> LResult<Value> {
        let specs: Vec<Value> = args.car().iter().collect();
        let end = nth(args, 1);
        let body = self.strip_declarations(&nthcdr(args, 2), false);
        let nil = super::package::nil_symbol();
        let id = self.new_id();
        let benv = env.bind_block(nil, id);
        let mark = self.dyn_mark();
        let r = (|| {
            // Variables live in fresh cells so steps can assign them.
            let mut lenv = benv.clone();
            let mut vars = Vec::new();
            for s in &specs {
                let (sym, init) = if s.is_cons() {
                    (self.expect_symbol(&s.car(), "DO")?, nth(s, 1))
                } else {
                    (self.expect_symbol(s, "DO")?, Value::Nil)
                };
                let v = self.eval(&init, if sequential { &lenv } else { &benv })?;
                if sequential {
                    lenv = self.bind_var_maybe_special(lenv, &sym, v, &[]);
                } else {
                    vars.push((sym.clone(), v));
                }
            }
            for (sym, v) in vars {
                lenv = self.bind_var_maybe_special(lenv, &sym, v, &[]);
            }
            loop {
                let done = self.eval(&end.car(), &lenv)?;
                if done.truthy() {
                    return self.progn(&end.cdr(), &lenv);
                }
                self.loop_body(&body, &lenv)?;
                let mut updates = Vec::new();
                for s in &specs {
                    if s.is_cons() && nthcdr(s, 2).is_cons() {
                        let sym = self.expect_symbol(&s.car(), "DO")?;
                        let v = self.eval(&nth(s, 2), &lenv)?;
                        if sequential {
                            self.set_variable(&sym, v, &lenv)?;
                        } else {
                            updates.push((sym, v));
                        }
                    }
                }
                for (sym, v) in updates {
                    self.set_variable(&sym, v, &lenv)?;
                }
            }
        })();
        self.unbind_to(mark);
        self.leave_block(&benv, id, r)
    }

    /// Assign a variable (CLHS `setq`): lexical binding, else the dynamic
    /// or global value.
    pub fn set_variable(&mut self, s: &Sym, v: Value, env: &Env) -> LResult<()> {
        if let Some(b) = env.lookup_var(s) {
            if b.symbol_macro {
                let exp = b.value.borrow().clone();
                let place = self.resolve_place(&exp, env)?;
                return self.place_set(&place, v).map(|_| ());
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

    fn sf_defun(&mut self, args: &Value, env: &Env) -> LResult<Value> {
        let name = args.car();
        let lambda = args.cdr();
        if let Some(s) = name.as_symbol() {
            let f = self.make_closure(&lambda, env, Some(name.clone()), Some(s.clone()))?;
            if let Value::String(d) = nth(&lambda, 1) {
                if nthcdr(&lambda, 2).is_cons() {
                    s.doc.borrow_mut().push(("FUNCTION", d.borrow().clone()));
                }
            }
            *s.function.borrow_mut() = Some(f);
            *s.macro_fn.borrow_mut() = None;
            self.mv = None;
            return Ok(name);
        }
        if name.is_cons() && name.car().is_sym(&self.s.setf) {
            let target = self.expect_symbol(&name.cdr().car(), "DEFUN")?;
            let f = self.make_closure(&lambda, env, Some(name.clone()), Some(target.clone()))?;
            self.setf_functions.insert(SymKey(target), f);
            return Ok(name);
        }
        let c = self.type_error(&name, "(OR SYMBOL (CONS (EQL SETF)))");
        Err(self.raise(c))
    }

    /// A macro expander from a `defmacro`-style lambda list and body.
    pub fn make_macro(
        &mut self,
        name: &Sym,
        ll: &Value,
        body: &Value,
        env: &Env,
    ) -> LResult<Value> {
        let lambda_list = self.parse_lambda_list(ll, true)?;
        let body = self.strip_declarations(body, true);
        Ok(Value::Function(Rc::new(Function::Closure(
            super::value::Closure {
                name: std::cell::RefCell::new(Some(Value::Symbol(name.clone()))),
                lambda_list: Rc::new(lambda_list),
                body,
                env: env.clone(),
                block: Some(name.clone()),
                is_macro: true,
                code: None,
            },
        ))))
    }

    fn sf_handler_case(&mut self, args: &Value, env: &Env) -> LResult<Value> {
        let form = args.car();
        let clauses: Vec<Value> = args.cdr().iter().collect();
        let id = self.new_id();
        let mut cluster = Vec::new();
        let mut no_error = None;
        for (i, c) in clauses.iter().enumerate() {
            if c.car()
                .as_symbol()
                .is_some_and(|s| s.name == "NO-ERROR" && s.is_keyword())
            {
                no_error = Some(c.clone());
                continue;
            }
            cluster.push((c.car(), Handler::Case { id, clause: i }));
        }
        let mark = self.handlers.len();
        self.handlers.push(cluster);
        let r = self.eval(&form, env);
        self.handlers.truncate(mark);
        match r {
            Ok(v) => match no_error {
                Some(ne) => {
                    let vals = self.take_values(v);
                    let ll = self.parse_lambda_list(&nth(&ne, 1), false)?;
                    let mark = self.dyn_mark();
                    let r = (|| {
                        let e = self.bind_lambda_list(&ll, &vals, env, false)?;
                        self.progn(&nthcdr(&ne, 2), &e)
                    })();
                    self.unbind_to(mark);
                    r
                }
                None => Ok(v),
            },
            Err(e) => match e.into_kind() {
                UnwindKind::HandlerCase {
                    id: hid,
                    clause,
                    condition,
                } if hid == id => {
                    let c = &clauses[clause];
                    let vars = nth(c, 1);
                    let body = self.strip_declarations(&nthcdr(c, 2), false);
                    let mark = self.dyn_mark();
                    let new_env = match vars.car().as_symbol() {
                        Some(s) if vars.is_cons() => {
                            self.bind_var_maybe_special(env.clone(), &s, condition, &[])
                        }
                        _ => env.clone(),
                    };
                    let r = self.progn(&body, &new_env);
                    self.unbind_to(mark);
                    r
                }
                other => Err(other.into()),
            },
        }
    }

    fn sf_restart_case(&mut self, args: &Value, env: &Env) -> LResult<Value> {
        let clauses: Vec<Value> = args.cdr().iter().collect();
        let id = self.new_id();
        let mark = self.restarts.len();
        for (i, c) in clauses.iter().enumerate() {
            self.restarts.push(RestartFrame {
                name: c.car(),
                id,
                index: i,
                report: None,
            });
        }
        // Innermost restarts are found first; keep the written order.
        self.restarts[mark..].reverse();
        let r = self.eval(&args.car(), env);
        self.restarts.truncate(mark);
        match r {
            Err(e) => match e.into_kind() {
                UnwindKind::Restart {
                    id: rid,
                    index,
                    args: rargs,
                } if rid == id => {
                    let c = &clauses[index];
                    let ll = self.parse_lambda_list(&nth(c, 1), false)?;
                    let mut body = nthcdr(c, 2);
                    while body.car().as_symbol().is_some_and(|s| s.is_keyword()) {
                        body = body.cdr().cdr();
                    }
                    let mark = self.dyn_mark();
                    let r = (|| {
                        let e = self.bind_lambda_list(&ll, &rargs, env, false)?;
                        self.progn(&body, &e)
                    })();
                    self.unbind_to(mark);
                    r
                }
                other => Err(other.into()),
            },
            ok => ok,
        }
    }

    // ----- places (CLHS 5.1) ---------------------------------------------

    pub fn resolve_place(&mut self, form: &Value, env: &Env) -> LResult<Place> {
        if let Some(s) = form.as_symbol() {
            if let Some(b) = env.lookup_var(&s) {
                if b.symbol_macro {
                    let exp = b.value.borrow().clone();
                    return self.resolve_place(&exp, env);
                }
                if !b.special {
                    return Ok(Place::Var(s, Some(b.clone())));
                }
            }
            return Ok(Place::Var(s, None));
        }
        let Value::Cons(_) = form else {
            return Err(self.bad_place(form));
        };
        let head = match form.car().as_symbol() {
            Some(h) => h,
            None => return Err(self.bad_place(form)),
        };
        let argf: Vec<Value> = form.cdr().iter().collect();
        let name = head.name.as_str();
        // Every standard place below takes at least one argument.
        let first_arg = argf.first().cloned();
        let in_cl = head.home_is_cl();
        if in_cl {
            // c[ad]+r, first..tenth, rest, nth.
            let path: Option<String> = if name.len() >= 3
                && name.starts_with('C')
                && name.ends_with('R')
                && name[1..name.len() - 1]
                    .chars()
                    .all(|c| c == 'A' || c == 'D')
            {
                Some(name[1..name.len() - 1].to_string())
            } else {
                let ordinals = [
                    "FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH",
                    "NINTH", "TENTH",
                ];
                ordinals
                    .iter()
                    .position(|o| *o == name)
                    .map(|i| format!("A{}", "D".repeat(i)))
                    .or_else(|| (name == "REST").then(|| "D".to_string()))
            };
            if let Some(path) = path {
                let mut obj = self.eval(&argf.first().cloned().unwrap_or(Value::Nil), env)?;
                let ops: Vec<char> = path.chars().rev().collect();
                for op in &ops[..ops.len() - 1] {
                    obj = if *op == 'A' { obj.car() } else { obj.cdr() };
                }
                return self.cons_place(obj, ops[ops.len() - 1] == 'A', form);
            }
            match name {
                "NTH" => {
                    let n = self.eval(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let l = self.eval(&argf.get(1).cloned().unwrap_or(Value::Nil), env)?;
                    let Value::Fixnum(n) = n else {
                        return Err(self.bad_place(form));
                    };
                    let cell = nthcdr(&l, n.max(0) as usize);
                    return self.cons_place(cell, true, form);
                }
                "GETHASH" => {
                    let k = self.eval(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let h = self.eval(&argf.get(1).cloned().unwrap_or(Value::Nil), env)?;
                    let d = match argf.get(2) {
                        Some(d) => self.eval(d, env)?,
                        None => Value::Nil,
                    };
                    return Ok(Place::Gethash(h, k, d));
                }
                "AREF" | "SVREF" | "CHAR" | "SCHAR" | "ELT" | "BIT" | "SBIT" => {
                    let seq = self.eval(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let i = self.eval(&argf.get(1).cloned().unwrap_or(Value::Nil), env)?;
                    let i = match i {
                        Value::Fixnum(n) if n >= 0 => n,
                        // A negative index is an error, never element 0.
                        other => {
                            let c = self.type_error(&other, "(INTEGER 0)");
                            return Err(self.raise(c));
                        }
                    };
                    if seq.is_list() && name == "ELT" {
                        let cell = nthcdr(&seq, i.max(0) as usize);
                        return self.cons_place(cell, true, form);
                    }
                    return Ok(Place::Index(seq, i.max(0) as usize));
                }
                "GETF" => {
                    let base =
                        self.resolve_place(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let ind = self.eval(&argf.get(1).cloned().unwrap_or(Value::Nil), env)?;
                    let d = match argf.get(2) {
                        Some(d) => self.eval(d, env)?,
                        None => Value::Nil,
                    };
                    return Ok(Place::Getf(Box::new(base), ind, d));
                }
                "GET" => {
                    let s = self.eval(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let s = self.expect_symbol(&s, "GET")?;
                    let ind = self.eval(&argf.get(1).cloned().unwrap_or(Value::Nil), env)?;
                    let d = match argf.get(2) {
                        Some(d) => self.eval(d, env)?,
                        None => Value::Nil,
                    };
                    return Ok(Place::Getf(Box::new(Place::Plist(s)), ind, d));
                }
                "SYMBOL-VALUE" => {
                    let s = self.eval(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let s = self.expect_symbol(&s, "SYMBOL-VALUE")?;
                    return Ok(Place::Var(s, None));
                }
                "SYMBOL-FUNCTION" | "FDEFINITION" => {
                    let s = self.eval(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let s = self.expect_symbol(&s, "SYMBOL-FUNCTION")?;
                    return Ok(Place::SymbolFunction(s));
                }
                "SYMBOL-PLIST" => {
                    let s = self.eval(first_arg.as_ref().unwrap_or(&Value::Nil), env)?;
                    let s = self.expect_symbol(&s, "SYMBOL-PLIST")?;
                    return Ok(Place::Plist(s));
                }
                "THE" => {
                    return self.resolve_place(&argf.get(1).cloned().unwrap_or(Value::Nil), env)
                }
                "VALUES" => {
                    let mut ps = Vec::new();
                    for a in &argf {
                        ps.push(self.resolve_place(a, env)?);
                    }
                    return Ok(Place::Values(ps));
                }
                _ => {}
            }
        }
        if let Some((_, idx)) = self.struct_accessors.get(&SymKey(head.clone())).cloned() {
            let obj = self.eval(&argf.first().cloned().unwrap_or(Value::Nil), env)?;
            return match obj {
                Value::Struct(o) => Ok(Place::Slot(o, idx)),
                other => {
                    let c = self.type_error(&other, "STRUCTURE-OBJECT");
                    Err(self.raise(c))
                }
            };
        }
        if let Some(setter) = self.setf_functions.get(&SymKey(head.clone())).cloned() {
            let mut vals = Vec::new();
            for a in &argf {
                vals.push(self.eval(a, env)?);
            }
            return Ok(Place::Call(setter, vals));
        }
        let (exp, expanded) = self.macroexpand_1(form, env)?;
        if expanded {
            return self.resolve_place(&exp, env);
        }
        Err(self.bad_place(form))
    }

    fn cons_place(&mut self, cell: Value, car: bool, form: &Value) -> LResult<Place> {
        match cell {
            Value::Cons(c) => Ok(if car { Place::Car(c) } else { Place::Cdr(c) }),
            other => {
                let _ = form;
                let c = self.type_error(&other, "CONS");
                Err(self.raise(c))
            }
        }
    }

    fn bad_place(&mut self, form: &Value) -> Unwind {
        let msg = format!(
            "{} is not a place SETF knows how to assign",
            prin1_to_string(form)
        );
        let c = self.make_error("PROGRAM-ERROR", &msg);
        self.raise(c)
    }

    pub fn place_get(&mut self, p: &Place) -> LResult<Value> {
        match p {
            Place::Var(s, Some(b)) => {
                let _ = s;
                Ok(b.value.borrow().clone())
            }
            Place::Var(s, None) => {
                let v = s.value.borrow().clone();
                match v {
                    Some(v) => Ok(v),
                    None => {
                        let c = self.make_condition(
                            "UNBOUND-VARIABLE",
                            &[("NAME", Value::Symbol(s.clone()))],
                        );
                        Err(self.raise(c))
                    }
                }
            }
            Place::Car(c) => Ok(c.car.borrow().clone()),
            Place::Cdr(c) => Ok(c.cdr.borrow().clone()),
            // The table is read directly (standard functions cannot be
            // redefined, CLHS 11.1.2.1.2); errors are signalled as a
            // call to GETHASH would.
            Place::Gethash(h, k, d) => match crate::builtins::hashtables::lookup(self, h, k) {
                Ok(v) => Ok(v.unwrap_or_else(|| d.clone())),
                Err(e) => Err(self.signal_at_boundary(e)),
            },
            Place::Index(seq, i) => self.call_named(
                &self.s.elt.clone(),
                &[seq.clone(), Value::Fixnum(*i as i64)],
            ),
            Place::Slot(o, i) => Ok(o.slots.borrow().get(*i).cloned().unwrap_or(Value::Nil)),
            Place::SymbolFunction(s) => {
                let f = s.function.borrow().clone();
                match f {
                    Some(f) => Ok(f),
                    None => Err(self.undefined_function(&Value::Symbol(s.clone()))),
                }
            }
            Place::Plist(s) => Ok(s.plist.borrow().clone()),
            Place::Getf(base, ind, d) => {
                let plist = self.place_get(base)?;
                let items: Vec<Value> = plist.iter().collect();
                for kv in items.chunks(2) {
                    if kv[0].eq(ind) {
                        return Ok(kv.get(1).cloned().unwrap_or(Value::Nil));
                    }
                }
                Ok(d.clone())
            }
            Place::Call(setter, args) => {
                // Reading a (setf foo) place calls foo itself.
                let _ = setter;
                let _ = args;
                let c =
                    self.make_error("PROGRAM-ERROR", "this place can only be assigned with SETF");
                Err(self.raise(c))
            }
            Place::Values(ps) => {
                let mut vals = Vec::new();
                for p in ps {
                    vals.push(self.place_get(p)?);
                }
                Ok(self.values(vals))
            }
        }
    }

    pub(crate) fn place_set_values(
        &mut self,
        p: &Place,
        v: Value,
        vals: Vec<Value>,
    ) -> LResult<Value> {
        if let Place::Values(ps) = p {
            // The values stored, one per place (CLHS 5.1.2.3).
            let mut stored = Vec::with_capacity(ps.len());
            for (i, q) in ps.iter().enumerate() {
                let v = vals.get(i).cloned().unwrap_or(Value::Nil);
                self.place_set(q, v.clone())?;
                stored.push(v);
            }
            let _ = v;
            return Ok(self.values(stored));
        }
        self.place_set(p, v)
    }

    pub fn place_set(&mut self, p: &Place, v: Value) -> LResult<Value> {
        match p {
            Place::Var(s, Some(b)) => {
                let _ = s;
                *b.value.borrow_mut() = v.clone();
            }
            Place::Var(s, None) => {
                let env = Env::default();
                self.set_variable(s, v.clone(), &env)?;
            }
            Place::Car(c) => *c.car.borrow_mut() = v.clone(),
            Place::Cdr(c) => *c.cdr.borrow_mut() = v.clone(),
            Place::Gethash(h, k, _) => {
                match crate::builtins::hashtables::store(self, h, k, v.clone()) {
                    Ok(()) => {}
                    Err(e) => return Err(self.signal_at_boundary(e)),
                }
            }
            Place::Index(seq, i) => {
                self.call_named(
                    &self.s.set_elt.clone(),
                    &[seq.clone(), Value::Fixnum(*i as i64), v.clone()],
                )?;
            }
            Place::Slot(o, i) => {
                if let Some(slot) = o.slots.borrow_mut().get_mut(*i) {
                    *slot = v.clone();
                }
            }
            Place::SymbolFunction(s) => *s.function.borrow_mut() = Some(v.clone()),
            Place::Plist(s) => *s.plist.borrow_mut() = v.clone(),
            Place::Getf(base, ind, _) => {
                let plist = self.place_get(base)?;
                let mut cur = plist.clone();
                while cur.is_cons() {
                    if cur.car().eq(ind) {
                        if let Value::Cons(c) = cur.cdr() {
                            *c.car.borrow_mut() = v.clone();
                            return Ok(v);
                        }
                    }
                    cur = cur.cdr().cdr();
                }
                let new = Value::cons(ind.clone(), Value::cons(v.clone(), plist));
                self.place_set(base, new)?;
            }
            Place::Call(setter, args) => {
                if setter.is_cons() && setter.car().is_sym(&self.s.setf) {
                    // defsetf short form: (update args... new-value).
                    let mut a = args.clone();
                    a.push(v.clone());
                    return self.apply(&setter.cdr(), &a);
                }
                let mut a = vec![v.clone()];
                a.extend(args.iter().cloned());
                return self.apply(setter, &a);
            }
            Place::Values(ps) => {
                if let Some(first) = ps.first() {
                    self.place_set(first, v.clone())?;
                }
            }
        }
        Ok(v)
    }

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

    fn sf_defstruct(&mut self, args: &Value) -> LResult<Value> {
        let spec = args.car();
        let (name, options) = if spec.is_cons() {
            (self.expect_symbol(&spec.car(), "DEFSTRUCT")?, spec.cdr())
        } else {
            (self.expect_symbol(&spec, "DEFSTRUCT")?, Value::Nil)
        };
        let mut conc = format!("{}-", name.name);
        let mut constructors: Vec<(String, Option<Value>)> = Vec::new();
        let mut default_ctor = true;
        let mut predicate = Some(format!("{}-P", name.name));
        let mut copier = Some(format!("COPY-{}", name.name));
        let mut include: Option<Sym> = None;
        for o in options.iter() {
            let (oname, oargs) = if o.is_cons() {
                (o.car(), o.cdr())
            } else {
                (o.clone(), Value::Nil)
            };
            let oname = oname
                .as_symbol()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            match oname.as_str() {
                "CONC-NAME" => {
                    conc = match oargs.car() {
                        Value::Nil => String::new(),
                        v => self.string_designator(&v)?,
                    }
                }
                "CONSTRUCTOR" => {
                    if oargs.is_cons() && oargs.car().is_nil() {
                        default_ctor = false;
                    } else if oargs.is_cons() {
                        default_ctor = false;
                        let n = self.string_designator(&oargs.car())?;
                        constructors.push((
                            n,
                            if oargs.cdr().is_cons() {
                                Some(oargs.cdr().car())
                            } else {
                                None
                            },
                        ));
                    }
                }
                "PREDICATE" => {
                    predicate = match oargs.car() {
                        Value::Nil if oargs.is_cons() => None,
                        Value::Nil => predicate,
                        v => Some(self.string_designator(&v)?),
                    }
                }
                "COPIER" => {
                    copier = match oargs.car() {
                        Value::Nil if oargs.is_cons() => None,
                        Value::Nil => copier,
                        v => Some(self.string_designator(&v)?),
                    }
                }
                "INCLUDE" => include = oargs.car().as_symbol(),
                _ => {}
            }
        }
        if default_ctor {
            constructors.push((format!("MAKE-{}", name.name), None));
        }
        let mut slot_specs: Vec<Value> = args.cdr().iter().collect();
        if matches!(slot_specs.first(), Some(Value::String(_))) {
            slot_specs.remove(0);
        }
        let mut own = Vec::new();
        let mut inits = Vec::new();
        for s in &slot_specs {
            let (sname, init) = if s.is_cons() {
                (
                    self.expect_symbol(&s.car(), "DEFSTRUCT")?,
                    Some(s.cdr().car()),
                )
            } else {
                (self.expect_symbol(s, "DEFSTRUCT")?, None)
            };
            own.push((sname.clone(), vec![super::package::keyword(&sname.name)]));
            inits.push((sname, init));
        }
        let class = self.define_class(name.clone(), include.clone(), vec![], own, false);
        // Init forms live in the class's slot definitions.
        let mut slots = Vec::new();
        for s in &class.slots {
            let init = inits
                .iter()
                .find(|(n, _)| Rc::ptr_eq(n, &s.name))
                .and_then(|(_, i)| i.clone());
            slots.push(super::value::SlotDef {
                name: s.name.clone(),
                initform: init.clone().unwrap_or_else(|| s.initform.clone()),
                initargs: s.initargs.clone(),
                readers: vec![],
                has_initform: init.is_some() || s.has_initform,
            });
        }
        let class = Rc::new(super::value::StructClass {
            name: name.clone(),
            parent: class.parent.clone(),
            slots,
            mixins: vec![],
            is_condition: false,
            report: std::cell::RefCell::new(None),
            conc_name: conc.clone(),
        });
        self.classes.insert(SymKey(name.clone()), class.clone());
        let pkg = super::package::current_package();
        let class_val = Value::Struct(Rc::new(super::value::StructObj {
            class: class.clone(),
            slots: std::cell::RefCell::new(vec![]),
        }));
        for (i, s) in class.slots.iter().enumerate() {
            let acc = intern_in(&format!("{conc}{}", s.name.name), &pkg);
            self.struct_accessors
                .insert(SymKey(acc.clone()), (class.clone(), i));
            let reader = self.struct_reader(&acc, &class, i);
            *acc.function.borrow_mut() = Some(reader);
        }
        for (ctor, boa) in constructors {
            let sym = intern_in(&ctor, &pkg);
            let f = match boa {
                None => self.struct_keyword_constructor(&sym, &class),
                Some(ll) => self.struct_boa_constructor(&sym, &class, &ll)?,
            };
            *sym.function.borrow_mut() = Some(f);
        }
        if let Some(p) = predicate {
            let sym = intern_in(&p, &pkg);
            let cls = name.clone();
            let f = self.closure_from_native(&sym, move |it, args| {
                let _ = it;
                Ok(Value::bool(
                    matches!(args.first(), Some(Value::Struct(o)) if o.class.is_subclass_of(&cls)),
                ))
            });
            *sym.function.borrow_mut() = Some(f);
        }
        if let Some(c) = copier {
            let sym = intern_in(&c, &pkg);
            let f = self.closure_from_native(&sym, |_, args| match args.first() {
                Some(Value::Struct(o)) => Ok(Value::Struct(Rc::new(super::value::StructObj {
                    class: o.class.clone(),
                    slots: std::cell::RefCell::new(o.slots.borrow().clone()),
                }))),
                _ => Ok(Value::Nil),
            });
            *sym.function.borrow_mut() = Some(f);
        }
        let _ = class_val;
        Ok(Value::Symbol(name))
    }

    fn struct_reader(
        &mut self,
        acc: &Sym,
        class: &Rc<super::value::StructClass>,
        i: usize,
    ) -> Value {
        let cls = class.name.clone();
        let accn = acc.clone();
        self.closure_from_native(acc, move |it, args| match args.first() {
            Some(Value::Struct(o)) if o.class.is_subclass_of(&cls) => {
                Ok(o.slots.borrow().get(i).cloned().unwrap_or(Value::Nil))
            }
            Some(other) => {
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
            None => it.simple_error("missing argument"),
        })
    }

    fn struct_keyword_constructor(
        &mut self,
        sym: &Sym,
        class: &Rc<super::value::StructClass>,
    ) -> Value {
        let class = class.clone();
        self.closure_from_native(sym, move |it, args| {
            if args.len() % 2 != 0 {
                let msg = format!(
                    "odd number of keyword arguments to the constructor of {}",
                    class.name.name
                );
                let c = it.make_error("PROGRAM-ERROR", &msg);
                return it.err(c);
            }
            for kv in args.chunks(2) {
                if !class
                    .slots
                    .iter()
                    .any(|s| s.initargs.iter().any(|k| kv[0].is_sym(k)))
                {
                    let msg = format!(
                        "unknown keyword argument {} to the constructor of {}",
                        prin1_to_string(&kv[0]),
                        class.name.name
                    );
                    let c = it.make_error("PROGRAM-ERROR", &msg);
                    return it.err(c);
                }
            }
            it.make_instance(&class, args)
        })
    }

    fn struct_boa_constructor(
        &mut self,
        sym: &Sym,
        class: &Rc<super::value::StructClass>,
        ll: &Value,
    ) -> LResult<Value> {
        // BOA constructor: build (lambda ll (sendletter::%make-struct 'name :slot slot ...)).
        let mut vars = Vec::new();
        for item in ll.iter() {
            let v = if item.is_cons() {
                item.car()
            } else {
                item.clone()
            };
            if let Value::Symbol(s) = &v {
                if !s.name.starts_with('&') {
                    vars.push(s.clone());
                }
            }
        }
        let mut call = vec![
            Value::Symbol(intern_in(
                "%MAKE-STRUCT",
                &find_package("SENDLETTER").unwrap_or_else(super::package::cl_package),
            )),
            Value::list([
                Value::Symbol(cl_sym("QUOTE")),
                Value::Symbol(class.name.clone()),
            ]),
        ];
        for v in vars {
            if class.slot_index(&v).is_some() || class.slot_index_by_name(&v.name).is_some() {
                call.push(Value::Symbol(super::package::keyword(&v.name)));
                call.push(Value::Symbol(v));
            }
        }
        let lambda = Value::list([ll.clone(), Value::list(call)]);
        let env = Env::default();
        self.make_closure(&lambda, &env, Some(Value::Symbol(sym.clone())), None)
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

    fn sf_define_condition(&mut self, args: &Value, env: &Env) -> LResult<Value> {
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
        let mut slots = Vec::new();
        for s in &base.slots {
            let info = slot_info.iter().find(|(n, _, _)| Rc::ptr_eq(n, &s.name));
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
        for o in nthcdr(args, 3).iter() {
            let k = o
                .car()
                .as_symbol()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            if k == "REPORT" {
                let r = o.cdr().car();
                let rv = match &r {
                    Value::String(_) => r.clone(),
                    Value::Symbol(_) => r.clone(),
                    _ => self.eval(
                        &Value::list([Value::Symbol(cl_sym("FUNCTION")), r.clone()]),
                        env,
                    )?,
                };
                *class.report.borrow_mut() = Some(rv);
            }
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

/// How `check-type` describes a type in its message when no type string
/// is given (SBCL: "which is not of type STRING").
fn type_description(ty: &Value) -> String {
    format!("of type {}", prin1_to_string(ty))
}

//! Ordinary and macro lambda lists (CLHS 3.4.1, 3.4.4).

use super::value::{Sym, Value};
use std::rc::Rc;

/// A parsed lambda list.
#[derive(Default)]
pub struct LambdaList {
    pub whole: Option<Param>,
    pub required: Vec<Param>,
    pub optional: Vec<OptParam>,
    pub rest: Option<Param>,
    pub has_key: bool,
    pub key: Vec<KeyParam>,
    pub allow_other_keys: bool,
    pub aux: Vec<(Sym, Value)>,
    /// `&environment` variable (macros).
    pub env: Option<Sym>,
    /// Just required variables (no patterns): the common case, bound
    /// without the general machinery.
    pub only_required: bool,
    /// Variables the body declares special (`(declare (special x))`).
    pub local_specials: Vec<Sym>,
}

impl LambdaList {
    /// Does this lambda list bind `s` (as a plain variable)?
    pub fn binds(&self, s: &Sym) -> bool {
        let var = |p: &Param| matches!(p, Param::Var(v) if Rc::ptr_eq(v, s));
        let opt = |o: &Option<Sym>| o.as_ref().is_some_and(|v| Rc::ptr_eq(v, s));
        self.required.iter().any(var)
            || self
                .optional
                .iter()
                .any(|o| var(&o.var) || opt(&o.supplied))
            || self.rest.as_ref().is_some_and(var)
            || self.key.iter().any(|k| var(&k.var) || opt(&k.supplied))
            || self.aux.iter().any(|(v, _)| Rc::ptr_eq(v, s))
    }
}

/// A variable, or (in macro lambda lists) a nested destructuring pattern.
pub enum Param {
    Var(Sym),
    Pattern(Rc<LambdaList>),
}

pub struct OptParam {
    pub var: Param,
    pub init: Value,
    pub supplied: Option<Sym>,
}

pub struct KeyParam {
    pub keyword: Sym,
    pub var: Param,
    pub init: Value,
    pub supplied: Option<Sym>,
}

use super::env::Env;
use super::interp::Interp;
use super::package::keyword;
use super::LResult;

#[derive(PartialEq, PartialOrd, Clone, Copy)]
enum Section {
    Required,
    Optional,
    Rest,
    Key,
    Aux,
}

impl Interp {
    /// Parse a lambda list. `destructuring` allows nested patterns, `&whole`,
    /// `&environment`, `&body` and a dotted rest variable (CLHS 3.4.4).
    pub fn parse_lambda_list(&mut self, list: &Value, destructuring: bool) -> LResult<LambdaList> {
        let mut ll = LambdaList::default();
        let mut section = Section::Required;
        let mut cur = list.clone();
        loop {
            let item = match &cur {
                Value::Nil => break,
                Value::Cons(_) => cur.car(),
                Value::Symbol(s) if destructuring => {
                    ll.rest = Some(Param::Var(s.clone()));
                    break;
                }
                _ => return Err(self.bad_lambda_list(list, "it is a dotted list")),
            };
            cur = cur.cdr();
            if let Value::Symbol(s) = &item {
                let n = s.name.as_str();
                if n.starts_with('&') {
                    match n {
                        "&OPTIONAL" if section == Section::Required => section = Section::Optional,
                        "&REST" | "&BODY" if section <= Section::Optional => {
                            let v = cur.car();
                            cur = cur.cdr();
                            ll.rest = Some(self.param(&v, destructuring, list)?);
                            section = Section::Rest;
                        }
                        "&KEY" if section <= Section::Rest => {
                            ll.has_key = true;
                            section = Section::Key;
                        }
                        "&ALLOW-OTHER-KEYS" if section == Section::Key => {
                            ll.allow_other_keys = true
                        }
                        "&AUX" => section = Section::Aux,
                        "&WHOLE" if destructuring => {
                            let v = cur.car();
                            cur = cur.cdr();
                            ll.whole = Some(self.param(&v, destructuring, list)?);
                        }
                        "&ENVIRONMENT" if destructuring => {
                            if let Value::Symbol(e) = cur.car() {
                                ll.env = Some(e);
                            }
                            cur = cur.cdr();
                        }
                        _ => {
                            return Err(self.bad_lambda_list(
                                list,
                                &format!("{n} is misplaced or not supported"),
                            ))
                        }
                    }
                    continue;
                }
            }
            match section {
                Section::Required => {
                    let p = self.param(&item, destructuring, list)?;
                    ll.required.push(p);
                }
                Section::Optional => {
                    let (var, init, supplied) = self.spec3(&item, destructuring, list)?;
                    ll.optional.push(OptParam {
                        var,
                        init,
                        supplied,
                    });
                }
                Section::Key => {
                    let (keyword_sym, var, init, supplied) = if item.is_cons() {
                        let head = item.car();
                        let (kw, var) = if head.is_cons() {
                            let kw = head.car().as_symbol();
                            let var = self.param(&head.cdr().car(), destructuring, list)?;
                            match kw {
                                Some(k) => (k, var),
                                None => return Err(self.bad_lambda_list(list, "bad keyword name")),
                            }
                        } else {
                            let v = self.var_sym(&head, list)?;
                            (keyword(&v.name), Param::Var(v))
                        };
                        let supplied = item
                            .cdr()
                            .cdr()
                            .car()
                            .as_symbol()
                            .filter(|_| item.cdr().cdr().is_cons());
                        (kw, var, item.cdr().car(), supplied)
                    } else {
                        let v = self.var_sym(&item, list)?;
                        (keyword(&v.name), Param::Var(v), Value::Nil, None)
                    };
                    ll.key.push(KeyParam {
                        keyword: keyword_sym,
                        var,
                        init,
                        supplied,
                    });
                }
                Section::Aux => {
                    if item.is_cons() {
                        let v = self.var_sym(&item.car(), list)?;
                        ll.aux.push((v, item.cdr().car()));
                    } else {
                        let v = self.var_sym(&item, list)?;
                        ll.aux.push((v, Value::Nil));
                    }
                }
                Section::Rest => {
                    return Err(self.bad_lambda_list(list, "extra variable after &REST"))
                }
            }
        }
        ll.only_required = ll.whole.is_none()
            && ll.optional.is_empty()
            && ll.rest.is_none()
            && !ll.has_key
            && ll.aux.is_empty()
            && ll.env.is_none()
            && ll.required.iter().all(|p| matches!(p, Param::Var(_)));
        Ok(ll)
    }

    /// Parse the lambda list of `(lambda-list . body)` for a closure,
    /// noting the body's special declarations.
    pub fn parse_closure_lambda_list(&mut self, lambda: &Value) -> LResult<LambdaList> {
        let mut ll = self.parse_lambda_list(&lambda.car(), false)?;
        ll.local_specials = self.special_declarations(&lambda.cdr());
        if !ll.local_specials.is_empty() {
            ll.only_required = false;
        }
        Ok(ll)
    }

    /// Make the variables declared special in a closure's body special:
    /// its parameters are rebound dynamically, and references in the body
    /// go to the dynamic value (CLHS 3.3.4).
    pub fn apply_local_specials(&mut self, ll: &LambdaList, mut env: Env) -> Env {
        for s in &ll.local_specials {
            if ll.binds(s) {
                let value = env
                    .lookup_var(s)
                    .filter(|b| !b.special && !b.symbol_macro)
                    .map(|b| b.value.borrow().clone());
                if let Some(v) = value {
                    self.bind_special(s, v);
                }
            }
            env = env.declare_special(s.clone());
        }
        env
    }

    fn spec3(
        &mut self,
        item: &Value,
        destructuring: bool,
        list: &Value,
    ) -> LResult<(Param, Value, Option<Sym>)> {
        if item.is_cons() {
            let var = self.param(&item.car(), destructuring, list)?;
            let supplied = if item.cdr().cdr().is_cons() {
                item.cdr().cdr().car().as_symbol()
            } else {
                None
            };
            Ok((var, item.cdr().car(), supplied))
        } else {
            Ok((Param::Var(self.var_sym(item, list)?), Value::Nil, None))
        }
    }

    fn param(&mut self, item: &Value, destructuring: bool, list: &Value) -> LResult<Param> {
        if destructuring && item.is_list() && !item.is_nil() {
            let sub = self.parse_lambda_list(item, true)?;
            return Ok(Param::Pattern(Rc::new(sub)));
        }
        Ok(Param::Var(self.var_sym(item, list)?))
    }

    fn var_sym(&mut self, item: &Value, list: &Value) -> LResult<Sym> {
        match item {
            Value::Symbol(s) if !s.constant.get() => Ok(s.clone()),
            _ => {
                let msg = format!(
                    "{} cannot be used as a variable",
                    crate::printer::prin1_to_string(item)
                );
                Err(self.bad_lambda_list(list, &msg))
            }
        }
    }

    fn bad_lambda_list(&mut self, list: &Value, why: &str) -> super::Unwind {
        let msg = format!(
            "Malformed lambda list {}: {why}",
            crate::printer::prin1_to_string(list)
        );
        let c = self.make_error("PROGRAM-ERROR", &msg);
        self.raise(c)
    }

    /// Bind a variable: lexically, or dynamically when it is special.
    pub(crate) fn bind_param_var(&mut self, env: Env, sym: &Sym, value: Value) -> Env {
        if sym.special.get() {
            self.bind_special(sym, value);
            env
        } else {
            env.with_var(sym.clone(), value)
        }
    }

    fn bind_param(&mut self, env: Env, p: &Param, value: Value) -> LResult<Env> {
        match p {
            Param::Var(s) => Ok(self.bind_param_var(env, s, value)),
            Param::Pattern(sub) => self.destructure(sub, &value, &env),
        }
    }

    /// Destructure a list value against a macro lambda list (CLHS 3.4.4).
    pub fn destructure(&mut self, ll: &LambdaList, value: &Value, env: &Env) -> LResult<Env> {
        let mut items = Vec::new();
        let mut cur = value.clone();
        while let Value::Cons(c) = &cur {
            items.push(c.car.borrow().clone());
            let next = c.cdr.borrow().clone();
            cur = next;
        }
        let mut env = env.clone();
        if let Some(w) = &ll.whole {
            env = self.bind_param(env, w, value.clone())?;
        }
        if !cur.is_nil() {
            if ll.rest.is_none() {
                let msg = format!(
                    "Cannot destructure {}: it is a dotted list",
                    crate::printer::prin1_to_string(value)
                );
                let c = self.make_error("PROGRAM-ERROR", &msg);
                return Err(self.raise(c));
            }
            // A dotted tail goes to the rest variable after the fixed ones.
            let fixed = ll.required.len() + ll.optional.len();
            if items.len() < fixed {
                return Err(self.arg_count_error(value, ll));
            }
            let tail = Value::list_with_tail(items.split_off(fixed), cur);
            env = self.bind_fixed(ll, &items, env)?;
            if let Some(r) = &ll.rest {
                env = self.bind_param(env, r, tail)?;
            }
            return self.bind_aux(ll, env);
        }
        self.bind_args(ll, &items, env, Some(value))
    }

    /// Bind arguments to a lambda list, evaluating init forms in the
    /// environment being built (CLHS 3.4.1).
    pub fn bind_lambda_list(
        &mut self,
        ll: &LambdaList,
        args: &[Value],
        env: &Env,
        _macro: bool,
    ) -> LResult<Env> {
        if ll.only_required && args.len() == ll.required.len() {
            let mut env = env.clone();
            for (p, a) in ll.required.iter().zip(args) {
                if let Param::Var(s) = p {
                    env = self.bind_param_var(env, s, a.clone());
                }
            }
            return Ok(env);
        }
        self.bind_args(ll, args, env.clone(), None)
    }

    fn arg_count_error(&mut self, what: &Value, ll: &LambdaList) -> super::Unwind {
        let msg = format!(
            "invalid number of arguments: {} (expected {}{})",
            crate::printer::prin1_to_string(what),
            ll.required.len(),
            if ll.rest.is_some() || ll.has_key {
                " or more".to_string()
            } else if ll.optional.is_empty() {
                String::new()
            } else {
                format!(" to {}", ll.required.len() + ll.optional.len())
            }
        );
        let c = self.make_error("PROGRAM-ERROR", &msg);
        self.raise(c)
    }

    fn bind_fixed(&mut self, ll: &LambdaList, args: &[Value], mut env: Env) -> LResult<Env> {
        for (p, a) in ll.required.iter().zip(args) {
            env = self.bind_param(env, p, a.clone())?;
        }
        for (i, o) in (ll.required.len()..).zip(&ll.optional) {
            let (v, supplied) = if i < args.len() {
                (args[i].clone(), true)
            } else {
                (self.eval(&o.init, &env)?, false)
            };
            env = self.bind_param(env, &o.var, v)?;
            if let Some(s) = &o.supplied {
                env = self.bind_param_var(env, s, Value::bool(supplied));
            }
        }
        Ok(env)
    }

    fn bind_aux(&mut self, ll: &LambdaList, mut env: Env) -> LResult<Env> {
        for (s, init) in &ll.aux {
            let v = self.eval(init, &env)?;
            env = self.bind_param_var(env, s, v);
        }
        Ok(env)
    }

    fn bind_args(
        &mut self,
        ll: &LambdaList,
        args: &[Value],
        env: Env,
        whole: Option<&Value>,
    ) -> LResult<Env> {
        let nfixed = ll.required.len() + ll.optional.len();
        if args.len() < ll.required.len()
            || (ll.rest.is_none() && !ll.has_key && args.len() > nfixed)
        {
            let what = match whole {
                Some(w) => w.clone(),
                None => Value::list(args.iter().cloned()),
            };
            return Err(self.arg_count_error(&what, ll));
        }
        let mut env = self.bind_fixed(ll, args, env)?;
        let rest: &[Value] = if args.len() > nfixed {
            &args[nfixed..]
        } else {
            &[]
        };
        if let Some(r) = &ll.rest {
            env = self.bind_param(env, r, Value::list(rest.iter().cloned()))?;
        }
        if ll.has_key {
            if !rest.len().is_multiple_of(2) {
                let c = self.make_error("PROGRAM-ERROR", "odd number of &KEY arguments");
                return Err(self.raise(c));
            }
            let allow = ll.allow_other_keys
                || rest
                    .chunks(2)
                    .any(|kv| kv[0].is_sym(&self.s.kw_allow_other_keys) && kv[1].truthy());
            if !allow {
                for kv in rest.chunks(2) {
                    let known = ll.key.iter().any(|k| kv[0].is_sym(&k.keyword))
                        || kv[0].is_sym(&self.s.kw_allow_other_keys);
                    if !known {
                        let valid: Vec<&str> =
                            ll.key.iter().map(|k| k.keyword.name.as_str()).collect();
                        let hint = match &kv[0] {
                            Value::Symbol(s) => crate::eval::suggest::keyword_hint(&s.name, &valid),
                            _ => String::new(),
                        };
                        let msg = format!(
                            "unknown &KEY argument: {}{hint}",
                            crate::printer::prin1_to_string(&kv[0])
                        );
                        let c = self.make_error("PROGRAM-ERROR", &msg);
                        return Err(self.raise(c));
                    }
                }
            }
            for k in &ll.key {
                // The leftmost occurrence of a keyword wins (CLHS 3.4.1.4).
                let found = rest.chunks(2).find(|kv| kv[0].is_sym(&k.keyword));
                let (v, supplied) = match found {
                    Some(kv) => (kv[1].clone(), true),
                    None => (self.eval(&k.init, &env)?, false),
                };
                env = self.bind_param(env, &k.var, v)?;
                if let Some(s) = &k.supplied {
                    env = self.bind_param_var(env, s, Value::bool(supplied));
                }
            }
        } else if ll.rest.is_none() && args.len() > nfixed {
            return Err(self.arg_count_error(&Value::list(args.iter().cloned()), ll));
        }
        self.bind_aux(ll, env)
    }
}

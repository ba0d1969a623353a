//! The walk over each form: lexical scopes of variables and local
//! functions, macros expanded (with the script's own macros in `--check`),
//! the 25 special operators (CLHS 3.1.2.1.2.1) followed, every call and
//! free variable looked at.

use crate::eval::env::Env;
use crate::eval::special::is_special_operator;
use crate::eval::{Interp, Sym, Value};
use crate::reader::positions::{self, Place};

use super::calls;
use super::defs::{id, Defs};
use super::{Finding, Level};

/// Deeper forms than this are not followed (the run reports them).
const MAX_DEPTH: usize = 400;

pub struct Walker<'a> {
    pub it: &'a mut Interp,
    pub defs: &'a Defs,
    /// Definitions found in macro expansions (`--check`'s first pass).
    pub expanded_defs: Defs,
    pub findings: Vec<Finding>,
    /// Lexical variables in scope, innermost last.
    vars: Vec<usize>,
    /// Local functions (`flet`, `labels`) in scope.
    funs: Vec<usize>,
    /// Local macros (`macrolet`): their calls are not followed.
    local_macros: Vec<usize>,
    depth: usize,
    /// Expand the script's own macros (`--check`: they were defined).
    pub expand_script_macros: bool,
}

fn is(v: &Value, name: &str) -> bool {
    matches!(v, Value::Symbol(s) if s.name == name)
}

impl<'a> Walker<'a> {
    pub fn new(it: &'a mut Interp, defs: &'a Defs) -> Self {
        Walker {
            it,
            defs,
            expanded_defs: Defs::default(),
            findings: Vec::new(),
            vars: Vec::new(),
            funs: Vec::new(),
            local_macros: Vec::new(),
            depth: 0,
            expand_script_macros: false,
        }
    }

    pub fn report(&mut self, level: Level, place: &Place, message: String) {
        let f = Finding {
            level,
            place: place.clone(),
            message,
        };
        if !self.findings.contains(&f) {
            self.findings.push(f);
        }
    }

    /// Undefined names are errors unless the script loads other files.
    pub fn undefined_level(&self) -> Level {
        if self.defs.loads_files || self.defs.unexpanded_macros {
            Level::Warning
        } else {
            Level::Error
        }
    }

    /// Walk one form evaluated at `place` (the nearest read position).
    pub fn form(&mut self, form: &Value, place: &Place) {
        if self.depth > MAX_DEPTH {
            return;
        }
        self.depth += 1;
        let here = positions::of(form).unwrap_or_else(|| place.clone());
        match form {
            Value::Symbol(s) => self.variable(s, &here),
            Value::Cons(_) => self.compound(form, &here),
            _ => {}
        }
        self.depth -= 1;
    }

    fn forms(&mut self, forms: &Value, place: &Place) {
        for f in forms.iter() {
            self.form(&f, place);
        }
    }

    fn variable(&mut self, s: &Sym, place: &Place) {
        let k = id(s);
        let known = s.is_keyword()
            || s.constant.get()
            || s.special.get()
            || s.value.borrow().is_some()
            || s.package.borrow().is_none()
            || self.vars.contains(&k)
            || self.defs.variables.contains(&k)
            || s.name == "T"
            || s.name == "NIL";
        if !known {
            let level = self.undefined_level();
            self.report(
                level,
                place,
                format!(
                    "undefined variable {}",
                    crate::printer::prin1_to_string(&Value::Symbol(s.clone()))
                ),
            );
        }
    }

    fn compound(&mut self, form: &Value, place: &Place) {
        let head = form.car();
        let args = form.cdr();
        let s = match head {
            Value::Symbol(s) => s,
            Value::Cons(_) if is(&head.car(), "LAMBDA") => {
                self.lambda(&head.cdr().car(), &head.cdr().cdr(), place);
                self.forms(&args, place);
                return;
            }
            // Malformed: the run reports it.
            _ => return,
        };
        if s.is_keyword() {
            // Data, e.g. the options of a macro the check does not know.
            return;
        }
        let k = id(&s);
        if self.funs.contains(&k) {
            self.forms(&args, place);
            return;
        }
        if self.local_macros.contains(&k) {
            return;
        }
        if is_special_operator(&s) {
            self.special(&s, &args, place);
            return;
        }
        let global_macro = s.macro_fn.borrow().is_some() && s.function.borrow().is_none();
        if global_macro {
            if self.defs.macros.contains(&k) && !self.expand_script_macros {
                return;
            }
            // A macro that fails to expand is the run's to report.
            if let Ok((expansion, true)) = self.it.macroexpand_1(form, &Env::default()) {
                if self.defs.macros.contains(&k) {
                    // The script's macro may define functions.
                    self.expanded_defs.collect(&expansion);
                }
                self.form(&expansion, place)
            }
            return;
        }
        if self.defs.macros.contains(&k) {
            return;
        }
        calls::check_call(self, &s, &args, place);
        self.forms(&args, place);
    }

    /// A body: leading declarations (their `special` names are in scope
    /// as variables), then forms.
    fn body(&mut self, body: &Value, place: &Place) {
        for f in body.iter() {
            if f.is_cons() && is(&f.car(), "DECLARE") {
                for decl in f.cdr().iter() {
                    if decl.is_cons() && is(&decl.car(), "SPECIAL") {
                        self.bind_all(&decl.cdr());
                    }
                }
                continue;
            }
            self.form(&f, place);
        }
    }

    fn bind(&mut self, v: &Value) {
        if let Value::Symbol(s) = v {
            self.vars.push(id(s));
        }
    }

    fn bind_all(&mut self, list: &Value) {
        for v in list.iter() {
            self.bind(&v);
        }
    }

    /// Every symbol of a (destructuring) pattern, as variables.
    fn bind_pattern(&mut self, pattern: &Value) {
        let mut stack = vec![pattern.clone()];
        let mut n = 0;
        while let Some(v) = stack.pop() {
            n += 1;
            if n > 10_000 {
                return;
            }
            match &v {
                Value::Symbol(s) if !s.name.starts_with('&') => self.bind(&v),
                Value::Cons(_) => {
                    stack.push(v.car());
                    stack.push(v.cdr());
                }
                _ => {}
            }
        }
    }

    /// A lambda list's variables bound in order (init forms walked in the
    /// scope of the parameters before them), then the body.
    fn lambda(&mut self, ll: &Value, body: &Value, place: &Place) {
        let (vars, funs) = (self.vars.len(), self.funs.len());
        let mut required = true;
        for item in ll.iter() {
            match &item {
                Value::Symbol(s) if s.name.starts_with('&') => required = false,
                Value::Symbol(_) => self.bind(&item),
                // A destructuring pattern (macro lambda lists).
                Value::Cons(_) if required => self.bind_pattern(&item),
                Value::Cons(_) => {
                    let var = item.car();
                    if var.is_cons() {
                        // ((:key var) init) or a nested pattern.
                        if var.car().as_symbol().is_some_and(|s| s.is_keyword()) {
                            self.bind_pattern(&var.cdr());
                        } else {
                            self.bind_pattern(&var);
                            continue;
                        }
                    } else {
                        // The init form sees the parameters before it.
                        let init = item.cdr().car();
                        self.form(&init, place);
                        self.bind(&var);
                    }
                    self.bind_pattern(&item.cdr().cdr());
                }
                _ => {}
            }
        }
        // A dotted tail (&rest in macro lambda lists).
        let mut tail = ll.clone();
        while tail.is_cons() {
            tail = tail.cdr();
        }
        self.bind(&tail);
        self.body(body, place);
        self.vars.truncate(vars);
        self.funs.truncate(funs);
    }

    fn special(&mut self, op: &Sym, args: &Value, place: &Place) {
        let first = args.car();
        let rest = args.cdr();
        let (vars, funs, macros) = (self.vars.len(), self.funs.len(), self.local_macros.len());
        match op.name.as_str() {
            "QUOTE" | "GO" => {}
            "FUNCTION" => match &first {
                Value::Symbol(s)
                    if !self.funs.contains(&id(s)) && !self.local_macros.contains(&id(s)) =>
                {
                    calls::check_function_name(self, s, place);
                }
                Value::Cons(_) if is(&first.car(), "LAMBDA") => {
                    self.lambda(&first.cdr().car(), &first.cdr().cdr(), place)
                }
                // (named-lambda name ll . body), (macro-lambda name ll . body)
                Value::Cons(_) if first.cdr().is_cons() && first.cdr().cdr().is_cons() => {
                    let ll = first.cdr().cdr().car();
                    let body = first.cdr().cdr().cdr();
                    if is(&first.car(), "MACRO-LAMBDA") {
                        self.bind_pattern(&ll);
                        self.body(&body, place);
                    } else if is(&first.car(), "NAMED-LAMBDA") {
                        self.lambda(&ll, &body, place);
                    }
                }
                _ => {}
            },
            "SETQ" => {
                for (i, v) in args.iter().enumerate() {
                    if i % 2 == 1 {
                        self.form(&v, place);
                    }
                }
            }
            "LET" | "LET*" => {
                let sequential = op.name == "LET*";
                let mut names = Vec::new();
                for b in first.iter() {
                    match &b {
                        Value::Cons(_) => {
                            self.form(&b.cdr().car(), place);
                            if sequential {
                                self.bind(&b.car());
                            } else {
                                names.push(b.car());
                            }
                        }
                        other => {
                            if sequential {
                                self.bind(other);
                            } else {
                                names.push(other.clone());
                            }
                        }
                    }
                }
                for n in &names {
                    self.bind(n);
                }
                self.body(&rest, place);
            }
            "FLET" | "LABELS" => {
                let labels = op.name == "LABELS";
                let names: Vec<Value> = first.iter().map(|d| d.car()).collect();
                if labels {
                    names
                        .iter()
                        .filter_map(Value::as_symbol)
                        .for_each(|s| self.funs.push(id(&s)));
                }
                for d in first.iter() {
                    self.lambda(&d.cdr().car(), &d.cdr().cdr(), place);
                }
                if !labels {
                    names
                        .iter()
                        .filter_map(Value::as_symbol)
                        .for_each(|s| self.funs.push(id(&s)));
                }
                self.body(&rest, place);
            }
            "MACROLET" => {
                for d in first.iter() {
                    if let Some(s) = d.car().as_symbol() {
                        self.local_macros.push(id(&s));
                    }
                }
                self.body(&rest, place);
            }
            "SYMBOL-MACROLET" => {
                for d in first.iter() {
                    self.bind(&d.car());
                }
                self.body(&rest, place);
            }
            "BLOCK" | "RETURN-FROM" | "THE" | "EVAL-WHEN" => self.forms(&rest, place),
            "LOCALLY" => self.body(args, place),
            "TAGBODY" => {
                for f in args.iter() {
                    if f.is_cons() {
                        self.form(&f, place);
                    }
                }
            }
            _ => self.forms(args, place),
        }
        self.vars.truncate(vars);
        self.funs.truncate(funs);
        self.local_macros.truncate(macros);
    }
}

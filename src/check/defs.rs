//! What a script defines anywhere in its text, found before walking it:
//! functions (with their lambda lists), macros, variables. Searched over
//! the whole tree, quoted data included, so a definition `--check` cannot
//! follow (an `(eval '(defun …))`, a struct's accessors) errs on the side
//! of "defined": no finding is better than a false one.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use crate::eval::package::{find_symbol, Status};
use crate::eval::{Sym, Value};

/// The arguments a function takes, as far as its lambda list says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub required: usize,
    /// `None`: `&rest`, `&body` or `&key`, any number.
    pub max: Option<usize>,
    /// The keywords of `&key` (names without the colon); `None` when it
    /// has no `&key` or allows other keys.
    pub keys: Option<Vec<String>>,
    /// Positional parameters before `&key` (required and optional).
    pub positional: usize,
}

/// A symbol's identity for the tables.
pub fn id(s: &Sym) -> usize {
    Rc::as_ptr(s) as usize
}

#[derive(Default)]
pub struct Defs {
    /// Functions defined in the script: `None` when the lambda list is not
    /// known for sure (defined twice differently, a method, an accessor).
    pub functions: HashMap<usize, Option<Signature>>,
    pub macros: HashSet<usize>,
    pub variables: HashSet<usize>,
    /// The script loads other files, which may define anything.
    pub loads_files: bool,
    /// Its own macros may define functions and variables the check cannot
    /// see (they are not expanded before a run).
    pub unexpanded_macros: bool,
}

fn sym_named(v: &Value, name: &str) -> bool {
    matches!(v, Value::Symbol(s) if s.name == name)
}

/// The signature a lambda list gives; `None` if it is not a list.
pub fn signature(ll: &Value) -> Option<Signature> {
    let items = ll.list_to_vec()?;
    let mut sig = Signature {
        required: 0,
        max: Some(0),
        keys: None,
        positional: 0,
    };
    let mut section = "";
    let mut skip_next = false;
    let mut keys = Vec::new();
    let mut allow_other = false;
    for item in &items {
        if skip_next {
            skip_next = false;
            continue;
        }
        if let Value::Symbol(s) = item {
            if s.name.starts_with('&') {
                match s.name.as_str() {
                    "&WHOLE" | "&ENVIRONMENT" => skip_next = true,
                    "&ALLOW-OTHER-KEYS" => allow_other = true,
                    other => section = other,
                }
                if matches!(section, "&REST" | "&BODY" | "&KEY") {
                    sig.max = None;
                }
                continue;
            }
        }
        match section {
            "" => {
                sig.required += 1;
                sig.positional += 1;
                sig.max = sig.max.map(|m| m + 1);
            }
            "&OPTIONAL" => {
                sig.positional += 1;
                sig.max = sig.max.map(|m| m + 1);
            }
            "&KEY" => {
                let name = match item {
                    Value::Symbol(s) => Some(s.name.clone()),
                    Value::Cons(_) => match item.car() {
                        Value::Symbol(s) => Some(s.name.clone()),
                        inner @ Value::Cons(_) => inner.car().as_symbol().map(|s| s.name.clone()),
                        _ => None,
                    },
                    _ => None,
                };
                keys.extend(name);
            }
            _ => {}
        }
    }
    if section == "&KEY" || items.iter().any(|i| sym_named(i, "&KEY")) {
        sig.keys = (!allow_other).then_some(keys);
    }
    Some(sig)
}

/// A symbol named `name` accessible where `like` was read (its home
/// package), if one exists: the names defstruct makes.
fn sibling(like: &Sym, name: &str) -> Option<Sym> {
    let pkg = like.package.borrow().clone()?;
    find_symbol(name, &pkg).map(|(s, _): (Sym, Status)| s)
}

impl Defs {
    fn function(&mut self, s: &Sym, sig: Option<Signature>) {
        let entry = self.functions.entry(id(s)).or_insert(sig.clone());
        if *entry != sig {
            *entry = None;
        }
    }

    fn function_unknown(&mut self, v: &Value) {
        if let Value::Symbol(s) = v {
            self.functions.insert(id(s), None);
        }
    }

    fn variable(&mut self, v: &Value) {
        if let Value::Symbol(s) = v {
            self.variables.insert(id(s));
        }
    }

    /// Search `form` for definitions.
    pub fn collect(&mut self, form: &Value) {
        let mut seen = HashSet::new();
        let mut stack = vec![form.clone()];
        while let Some(v) = stack.pop() {
            let Value::Cons(c) = &v else { continue };
            // Shared or circular structure (#1=) is searched once.
            if !seen.insert(Rc::as_ptr(c) as usize) || seen.len() > 1_000_000 {
                continue;
            }
            self.one(&v);
            stack.push(v.car());
            stack.push(v.cdr());
        }
    }

    fn one(&mut self, v: &Value) {
        let Value::Symbol(head) = v.car() else { return };
        let args: Vec<Value> = v.cdr().iter().collect();
        let first = args.first().cloned().unwrap_or(Value::Nil);
        let quoted = || match &first {
            Value::Cons(_) if sym_named(&first.car(), "QUOTE") => first.cdr().car(),
            _ => Value::Nil,
        };
        match head.name.as_str() {
            "DEFUN" => {
                if let Value::Symbol(s) = &first {
                    let sig = args.get(1).and_then(signature);
                    self.function(s, sig);
                }
            }
            "DEFGENERIC" => {
                if let Value::Symbol(s) = &first {
                    // Methods may add keywords: only the counts are checked.
                    let sig = args.get(1).and_then(signature).map(|mut s| {
                        s.keys = None;
                        s
                    });
                    self.functions.insert(id(s), sig);
                }
            }
            "DEFMETHOD" => {
                if let Value::Symbol(s) = &first {
                    self.functions.entry(id(s)).or_insert(None);
                }
            }
            "%DEFUN" | "%DEFGENERIC" => {
                // Expansions (the walk collects from them in --check).
                if let Value::Symbol(s) = quoted() {
                    self.functions.entry(id(&s)).or_insert(None);
                }
            }
            "%DEFMACRO" => {
                if let Value::Symbol(s) = quoted() {
                    self.macros.insert(id(&s));
                }
            }
            "DEFMACRO" | "DEFINE-COMPILER-MACRO" | "DEFINE-MODIFY-MACRO" => {
                if let Value::Symbol(s) = &first {
                    self.macros.insert(id(s));
                }
            }
            "DEFVAR" | "DEFPARAMETER" | "DEFCONSTANT" | "DEFINE-SYMBOL-MACRO" => {
                self.variable(&first)
            }
            // (declare (special …)), (declaim (special …)), (proclaim '(special …))
            "SPECIAL" => args.iter().for_each(|a| self.variable(a)),
            "SET" | "SYMBOL-VALUE" | "BOUNDP" | "MAKUNBOUND" => self.variable(&quoted()),
            "FBOUNDP" | "FDEFINITION" | "SYMBOL-FUNCTION" | "FMAKUNBOUND" | "COMPILE" => {
                self.function_unknown(&quoted())
            }
            // A variable set without a definition still runs (SBCL warns):
            // the check counts the assignment as its definition.
            "SETQ" | "SETF" | "PSETQ" | "PSETF" => {
                args.iter().step_by(2).for_each(|a| self.variable(a))
            }
            "MULTIPLE-VALUE-SETQ" => first.iter().for_each(|a| self.variable(&a)),
            "LOAD" => self.loads_files = true,
            "DEFSTRUCT" => self.defstruct(&first, &args),
            "DEFCLASS" | "DEFINE-CONDITION" => {
                // Every :reader, :writer and :accessor of the slots.
                let slots: Vec<Value> = args.get(2).map(|s| s.iter().collect()).unwrap_or_default();
                for slot in slots {
                    let opts: Vec<Value> = slot.cdr().iter().collect();
                    for pair in opts.chunks(2) {
                        if pair.len() == 2
                            && matches!(&pair[0], Value::Symbol(k) if k.is_keyword()
                                && matches!(k.name.as_str(), "READER" | "WRITER" | "ACCESSOR"))
                        {
                            self.function_unknown(&pair[1]);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The functions `defstruct` makes: constructors, copier, predicate,
    /// accessors (CLHS defstruct), with their options.
    fn defstruct(&mut self, first: &Value, args: &[Value]) {
        let (name, options) = match first {
            Value::Symbol(s) => (s.clone(), Vec::new()),
            Value::Cons(_) => match first.car() {
                Value::Symbol(s) => (s.clone(), first.cdr().iter().collect()),
                _ => return,
            },
            _ => return,
        };
        let mut conc = format!("{}-", name.name);
        for o in &options {
            // Named options: every symbol in them may name a function.
            let parts: Vec<Value> = if o.is_cons() {
                o.iter().collect()
            } else {
                vec![o.clone()]
            };
            if sym_named(&parts[0], "CONC-NAME") {
                conc = match parts.get(1) {
                    Some(Value::Symbol(s)) => s.name.clone(),
                    Some(Value::String(s)) => s.borrow().clone(),
                    _ => String::new(),
                };
            }
            for p in parts.iter().skip(1) {
                self.function_unknown(p);
            }
        }
        for made in [
            format!("MAKE-{}", name.name),
            format!("COPY-{}", name.name),
            format!("{}-P", name.name),
        ] {
            if let Some(s) = sibling(&name, &made) {
                self.functions.insert(id(&s), None);
            }
        }
        for slot in args.iter().skip(1) {
            let slot_name = match slot {
                Value::Symbol(s) => s.clone(),
                Value::Cons(_) => match slot.car() {
                    Value::Symbol(s) => s,
                    _ => continue,
                },
                _ => continue,
            };
            if let Some(s) = sibling(&name, &format!("{conc}{}", slot_name.name)) {
                self.functions.insert(id(&s), None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::package::{cl_sym, keyword};

    fn list(items: Vec<Value>) -> Value {
        Value::list(items)
    }

    #[test]
    fn signatures_count_and_name_keywords() {
        let s = |n: &str| Value::Symbol(cl_sym(n));
        let ll = list(vec![
            s("CAR"),
            s("&OPTIONAL"),
            s("CDR"),
            s("&KEY"),
            s("LIST"),
        ]);
        let sig = signature(&ll).expect("a list");
        assert_eq!(sig.required, 1);
        assert_eq!(sig.positional, 2);
        assert_eq!(sig.max, None);
        assert_eq!(sig.keys, Some(vec!["LIST".to_string()]));
        let ll = list(vec![
            s("&REST"),
            s("LIST"),
            s("&KEY"),
            s("&ALLOW-OTHER-KEYS"),
        ]);
        assert_eq!(signature(&ll).expect("a list").keys, None);
        let kw = Value::Symbol(keyword("X"));
        let ll = list(vec![s("CAR"), s("CDR"), kw]);
        assert_eq!(signature(&ll).expect("a list").max, Some(3));
    }
}

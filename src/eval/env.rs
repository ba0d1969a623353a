//! Lexical environments: chains of variable, function, block and tagbody
//! bindings. Each chain is a persistent linked list, so closures capture an
//! environment by cloning four pointers.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::value::{Sym, Value};

#[derive(Clone, Default)]
pub struct Env {
    pub vars: Option<Rc<VarBinding>>,
    pub funs: Option<Rc<FunBinding>>,
    pub blocks: Option<Rc<BlockBinding>>,
    pub tags: Option<Rc<TagBinding>>,
    /// A symbol macro or local macro is visible: code from it may return
    /// from blocks the analysis of a body could not see (`eval::compile`).
    pub lexical_macros: bool,
}

pub struct VarBinding {
    pub sym: Sym,
    pub value: RefCell<Value>,
    /// A local `(declare (special x))`: references go to the dynamic value.
    pub special: bool,
    /// `symbol-macrolet`: the expansion replaces the variable.
    pub symbol_macro: bool,
    pub next: Option<Rc<VarBinding>>,
}

pub struct FunBinding {
    pub sym: Sym,
    pub func: RefCell<Value>,
    /// `macrolet` binding: `func` is the expander.
    pub is_macro: bool,
    pub next: Option<Rc<FunBinding>>,
}

pub struct BlockBinding {
    pub name: Sym,
    pub id: usize,
    /// False once the block has been left: a closure that kept it can no
    /// longer return from it (CLHS 5.2).
    pub open: Cell<bool>,
    pub next: Option<Rc<BlockBinding>>,
}

pub struct TagBinding {
    pub tags: Vec<Value>,
    pub id: usize,
    /// False once the tagbody has been left.
    pub open: Cell<bool>,
    pub next: Option<Rc<TagBinding>>,
}

impl Env {
    /// Mark the innermost block (made by `bind_block` on this
    /// environment) as left.
    pub fn close_block(&self) {
        if let Some(b) = &self.blocks {
            b.open.set(false);
        }
    }

    /// Mark the innermost tagbody as left.
    pub fn close_tags(&self) {
        if let Some(t) = &self.tags {
            t.open.set(false);
        }
    }

    pub fn bind_var(&self, sym: Sym, value: Value) -> Env {
        let mut e = self.clone();
        e.vars = Some(Rc::new(VarBinding {
            sym,
            value: RefCell::new(value),
            special: false,
            symbol_macro: false,
            next: self.vars.clone(),
        }));
        e
    }

    /// `bind_var` consuming the environment (no reference counts touched
    /// for the chains that do not change).
    pub fn with_var(mut self, sym: Sym, value: Value) -> Env {
        let next = self.vars.take();
        self.vars = Some(Rc::new(VarBinding {
            sym,
            value: RefCell::new(value),
            special: false,
            symbol_macro: false,
            next,
        }));
        self
    }

    /// Mark `sym` special in this scope (a binding that defers to the
    /// dynamic value).
    pub fn declare_special(&self, sym: Sym) -> Env {
        let mut e = self.clone();
        e.vars = Some(Rc::new(VarBinding {
            sym,
            value: RefCell::new(Value::Nil),
            special: true,
            symbol_macro: false,
            next: self.vars.clone(),
        }));
        e
    }

    pub fn bind_symbol_macro(&self, sym: Sym, expansion: Value) -> Env {
        let mut e = self.clone();
        e.lexical_macros = true;
        e.vars = Some(Rc::new(VarBinding {
            sym,
            value: RefCell::new(expansion),
            special: false,
            symbol_macro: true,
            next: self.vars.clone(),
        }));
        e
    }

    pub fn lookup_var(&self, sym: &Sym) -> Option<&Rc<VarBinding>> {
        let mut cur = self.vars.as_ref();
        while let Some(b) = cur {
            if Rc::ptr_eq(&b.sym, sym) {
                return Some(b);
            }
            cur = b.next.as_ref();
        }
        None
    }

    pub fn bind_fun(&self, sym: Sym, func: Value, is_macro: bool) -> Env {
        let mut e = self.clone();
        e.lexical_macros |= is_macro;
        e.funs = Some(Rc::new(FunBinding {
            sym,
            func: RefCell::new(func),
            is_macro,
            next: self.funs.clone(),
        }));
        e
    }

    pub fn lookup_fun(&self, sym: &Sym) -> Option<&Rc<FunBinding>> {
        let mut cur = self.funs.as_ref();
        while let Some(b) = cur {
            if Rc::ptr_eq(&b.sym, sym) {
                return Some(b);
            }
            cur = b.next.as_ref();
        }
        None
    }

    pub fn bind_block(&self, name: Sym, id: usize) -> Env {
        let mut e = self.clone();
        e.blocks = Some(Rc::new(BlockBinding {
            name,
            id,
            open: Cell::new(true),
            next: self.blocks.clone(),
        }));
        e
    }

    /// The innermost block named `name`: its id, and whether it is still
    /// open.
    pub fn lookup_block(&self, name: &Sym) -> Option<(usize, bool)> {
        let mut cur = self.blocks.as_ref();
        while let Some(b) = cur {
            if Rc::ptr_eq(&b.name, name) {
                return Some((b.id, b.open.get()));
            }
            cur = b.next.as_ref();
        }
        None
    }

    pub fn bind_tags(&self, tags: Vec<Value>, id: usize) -> Env {
        let mut e = self.clone();
        e.tags = Some(Rc::new(TagBinding {
            tags,
            id,
            open: Cell::new(true),
            next: self.tags.clone(),
        }));
        e
    }

    /// The tagbody id and index of `tag`, innermost first, and whether the
    /// tagbody is still open.
    pub fn lookup_tag(&self, tag: &Value) -> Option<(usize, usize, bool)> {
        let mut cur = self.tags.as_ref();
        while let Some(b) = cur {
            if let Some(i) = b.tags.iter().position(|t| t.eql(tag)) {
                return Some((b.id, i, b.open.get()));
            }
            cur = b.next.as_ref();
        }
        None
    }
}

/// A lexical environment as a Lisp object: what a macro's `&environment`
/// parameter receives and `macroexpand` accepts (CLHS 3.4.4).
pub struct LexicalEnvironment(pub Env);

impl super::value::HostObject for LexicalEnvironment {
    fn type_name(&self) -> &str {
        "ENVIRONMENT"
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

impl Env {
    /// This environment as a Lisp value (`nil` for the null environment).
    pub fn to_value(&self) -> Value {
        if self.vars.is_none() && self.funs.is_none() {
            return Value::Nil;
        }
        Value::Object(Rc::new(Box::new(LexicalEnvironment(self.clone()))))
    }

    /// The environment a Lisp value stands for (`nil`: the null one).
    pub fn from_value(v: &Value) -> Env {
        match v {
            Value::Object(o) => o
                .as_any()
                .downcast_ref::<LexicalEnvironment>()
                .map(|e| e.0.clone())
                .unwrap_or_default(),
            _ => Env::default(),
        }
    }
}

//! The tree `eval::compile` makes of a form and `eval::exec` runs.

use std::cell::OnceCell;
use std::rc::Rc;

use super::lambda::LambdaList;
use super::value::{Sym, Value};

/// A form, analysed.
pub enum Node {
    Const(Value),
    /// A variable reference (lexical, special or symbol macro).
    Var(Sym),
    /// A call of the function named `name`: local if one is bound, else
    /// global. With neither, `form` is interpreted (a macro defined later,
    /// or the undefined-function error).
    Call {
        name: Sym,
        args: Box<[Node]>,
        form: Value,
    },
    /// A global macro call expanded at analysis time; `form` is
    /// interpreted instead when a local function shadows the name.
    Macro {
        name: Sym,
        form: Value,
        expansion: Box<Node>,
    },
    /// A call of a standard arithmetic, comparison or list function (or
    /// the hash-table store behind `(setf gethash)`): done here on fixnums, otherwise (or if the function
    /// was redefined) an ordinary call of `builtin`'s current definition.
    Prim {
        op: Prim,
        name: Sym,
        builtin: Rc<super::value::Function>,
        args: Box<[Node]>,
    },
    /// `#'name` of a symbol.
    Function(Sym),
    If(Box<(Node, Node, Node)>),
    Progn(Box<[Node]>),
    Let {
        sequential: bool,
        bindings: Box<[(Sym, Node)]>,
        body: Box<[Node]>,
    },
    Setq(Box<[(Sym, Node)]>),
    /// `block`; `needed` is false when nothing in the body can return
    /// from it, so no exit point is made.
    Block {
        name: Sym,
        body: Box<[Node]>,
        needed: bool,
    },
    ReturnFrom {
        name: Sym,
        value: Box<Node>,
    },
    Lambda(Rc<LambdaNode>),
    /// `tagbody` with go tags.
    Tagbody(Box<TagbodyNode>),
    Go(Value),
    /// A `go` to tag `index` of the `tagbody` whose statement this is:
    /// that tagbody jumps without unwinding (run elsewhere, a `go`).
    Jump {
        index: usize,
        tag: Value,
    },
    /// `macrolet`: the expanders are bound in the environment at run time
    /// (for interpreted forms inside); compiled forms were expanded with
    /// them already.
    Macrolet {
        macros: Box<[(Sym, Value)]>,
        body: Box<[Node]>,
        form: Value,
    },
    /// Left to the interpreter.
    Interp(Value),
}

/// A compiled `tagbody` (CLHS special operator TAGBODY).
pub struct TagbodyNode {
    /// The go tags, in order.
    pub tags: Vec<Value>,
    /// Statements, and where each tag's statements start.
    pub statements: Box<[Node]>,
    pub tag_starts: Box<[usize]>,
}

/// The operations [`Node::Prim`] does itself.
#[derive(Clone, Copy)]
pub enum Prim {
    Add,
    Sub,
    Mul,
    Lt,
    Gt,
    Le,
    Ge,
    NumEq,
    OnePlus,
    OneMinus,
    Car,
    Cdr,
    Cons,
    Endp,
    Puthash,
    Gethash,
}

impl Prim {
    /// The operation of CL function `name` called with `arity` arguments.
    pub(crate) fn of(name: &str, arity: usize) -> Option<Prim> {
        Some(match (name, arity) {
            ("+", 2) => Prim::Add,
            ("-", 2) => Prim::Sub,
            ("*", 2) => Prim::Mul,
            ("<", 2) => Prim::Lt,
            (">", 2) => Prim::Gt,
            ("<=", 2) => Prim::Le,
            (">=", 2) => Prim::Ge,
            ("=", 2) => Prim::NumEq,
            ("1+", 1) => Prim::OnePlus,
            ("1-", 1) => Prim::OneMinus,
            ("CAR", 1) => Prim::Car,
            ("CDR", 1) => Prim::Cdr,
            ("CONS", 2) => Prim::Cons,
            ("ENDP", 1) => Prim::Endp,
            ("PUTHASH", 3) => Prim::Puthash,
            ("GETHASH", 2 | 3) => Prim::Gethash,
            _ => return None,
        })
    }
}

/// A `lambda` expression: the closure it makes runs `body`.
pub struct LambdaNode {
    /// `(lambda-list . body)` as written.
    pub lambda: Value,
    /// The body without declarations and documentation.
    pub source_body: Value,
    /// Parsed when the first closure is made (errors are run-time errors).
    pub list: OnceCell<Rc<LambdaList>>,
    pub body: Rc<Compiled>,
    /// `sendletter::named-lambda` (`defun`): the function's name, and the
    /// block around its body.
    pub name: Option<Value>,
    pub block: Option<Sym>,
}

/// A compiled function body.
pub struct Compiled {
    pub body: Box<[Node]>,
    /// Code the analysis could not see into may run (interpreted forms,
    /// calls that may turn out to be macros), so it may return from any
    /// visible block.
    pub opaque: bool,
    /// Names of the blocks `return-from` forms in the body name.
    pub returns: Vec<Sym>,
}

impl Compiled {
    /// Must a block named `name` around this body be established?
    pub fn needs_block(&self, name: &Sym) -> bool {
        self.opaque || self.returns.iter().any(|r| Rc::ptr_eq(r, name))
    }
}

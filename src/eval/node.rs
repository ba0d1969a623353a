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
    /// A call of a standard arithmetic or comparison function on one or
    /// two arguments: done here on fixnums, otherwise (or if the function
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
    When {
        unless: bool,
        test: Box<Node>,
        body: Box<[Node]>,
    },
    Cond(Box<[CondClause]>),
    And(Box<[Node]>),
    Or(Box<[Node]>),
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
    Dotimes(Box<DoLoop>),
    Dolist(Box<DoLoop>),
    Lambda(Rc<LambdaNode>),
    Setf {
        place: Box<PlaceNode>,
        value: Box<Node>,
    },
    Incf {
        decf: bool,
        place: Box<PlaceNode>,
        delta: Option<Box<Node>>,
    },
    Push {
        item: Box<Node>,
        place: Box<PlaceNode>,
    },
    /// `tagbody` with go tags.
    Tagbody(Box<TagbodyNode>),
    Go(Value),
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
            _ => return None,
        })
    }
}

pub struct CondClause {
    pub test: Node,
    /// `None`: the clause is just a test, whose value is returned.
    pub body: Option<Box<[Node]>>,
}

/// `dotimes` and `dolist`: `(var source result) body`.
pub struct DoLoop {
    pub var: Sym,
    pub source: Node,
    pub result: Node,
    pub body: Box<[Node]>,
    /// The implicit `block nil` is needed.
    pub block: bool,
}

/// A place of `setf`, `incf` and `push`.
pub enum PlaceNode {
    /// `(gethash key table [default])`.
    Gethash {
        key: Node,
        table: Node,
        default: Option<Node>,
    },
    /// Any other place: resolved by the interpreter at run time.
    Form(Value),
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

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
    /// A call of a standard arithmetic, comparison or list function (or
    /// the hash-table store behind `(setf gethash)`): done here on fixnums, otherwise (or if the function
    /// was redefined) an ordinary call of `builtin`'s current definition.
    Prim {
        op: Prim,
        name: Sym,
        builtin: Rc<super::value::Function>,
        args: Box<[Node]>,
        /// The call as read, for the position of an error it signals.
        form: Value,
    },
    /// `#'name` of a symbol.
    Function(Sym),
    If(Box<(Node, Node, Node)>),
    Progn(Box<[Node]>),
    Let {
        sequential: bool,
        bindings: Box<[(Sym, Node)]>,
        body: Box<[Node]>,
        /// Declared special: bound dynamically, or referred to
        /// dynamically in the body when not bound here.
        specials: Box<[Sym]>,
    },
    /// A body with free `special` declarations (`locally` and the like).
    Locally {
        specials: Box<[Sym]>,
        body: Box<[Node]>,
    },
    /// `flet` / `labels`: local functions, then the body.
    Flet {
        recursive: bool,
        funs: Box<[(Sym, Rc<LambdaNode>)]>,
        body: Box<Node>,
    },
    Catch {
        tag: Box<Node>,
        body: Box<[Node]>,
    },
    /// `throw`: (tag, value).
    Throw(Box<(Node, Node)>),
    UnwindProtect {
        form: Box<Node>,
        cleanup: Box<[Node]>,
    },
    MultipleValueCall {
        function: Box<Node>,
        args: Box<[Node]>,
    },
    MultipleValueProg1 {
        first: Box<Node>,
        rest: Box<[Node]>,
    },
    Progv {
        symbols: Box<Node>,
        values: Box<Node>,
        body: Box<[Node]>,
    },
    /// `load-time-value`: evaluated the first time, then constant.
    LoadTimeValue {
        form: Box<Node>,
        value: OnceCell<Value>,
    },
    /// `#'(setf name)`.
    FunctionSetf(Value),
    /// `#'(sendletter::macro-lambda ...)`, made when it runs.
    /// The form, and the analysis environment (local macros) its body is
    /// analysed in.
    MakeFunction(Value, super::env::Env),
    /// A malformed form: the error it signals when it runs.
    Fail(Rc<dyn Fn(&mut super::interp::Interp) -> super::Unwind>),
    /// A macro call whose expansion failed during analysis: expanded
    /// again when it runs, so the error is signalled then.
    Reexpand {
        macro_fn: Value,
        form: Value,
        cenv: super::env::Env,
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
    /// A `let`/`let*` whose variables live in slots of the interpreter's
    /// local stack (`Interp::locals`) instead of the environment chain:
    /// each init's value is pushed in order, the body runs, the slots
    /// are popped. Made only when nothing in its scope can see the
    /// environment (`eval::slots`).
    SlotLet {
        inits: Box<[Node]>,
        body: Box<[Node]>,
    },
    /// A lexical variable in a slot: the value `distance` slots below the
    /// top of the local stack.
    Local(usize),
    /// `setq` of a variable in a slot.
    SetLocal(usize, Box<Node>),
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
    Mod,
    Rem,
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
            ("MOD", 2) => Prim::Mod,
            ("REM", 2) => Prim::Rem,
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
    /// `sendletter::destructuring-lambda`: one argument, destructured
    /// against the (macro) lambda list.
    pub destructuring: bool,
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

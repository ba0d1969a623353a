//! The evaluator: values, packages, environments, special forms, function
//! application, non-local exits and the condition system.

pub mod array;
pub mod array_types;
pub mod backtrace;
mod cl_symbols;
pub mod compile;
pub mod condition;
pub mod defstruct;
pub mod depth;
pub mod encoding;
pub mod env;
mod exec;
pub mod interp;
pub mod interrupt;
pub mod lambda;
pub mod macros;
pub mod node;
pub mod package;
pub mod slots;
pub mod special;
pub mod stream;
pub mod subtypes;
pub mod subtypes_compound;
pub mod suggest;
pub mod types;
pub mod value;

pub use interp::Interp;
pub use value::{Sym, Value};

/// Everything that leaves a form other than a normal return travels as an
/// `Unwind` through `Result` (CLHS 5.2: transfer of control to an exit point).
///
/// Boxed: exits are rare and `LResult<Value>` stays two words, so every
/// evaluation returns its result in registers.
pub struct Unwind(Box<UnwindKind>);

/// The kinds of [`Unwind`].
pub enum UnwindKind {
    /// A condition raised by Rust code that has not been signalled yet; the
    /// nearest function-call boundary signals it, so `handler-bind` handlers
    /// run before any unwinding.
    Signal(Value),
    /// A signalled error that no handler took: unwinds to the top level.
    Error(Value),
    Throw {
        tag: Value,
        values: Vec<Value>,
    },
    ReturnFrom {
        id: usize,
        values: Vec<Value>,
    },
    Go {
        id: usize,
        index: usize,
    },
    /// A `handler-case` clause was chosen: unwind to its frame.
    HandlerCase {
        id: usize,
        clause: usize,
        condition: Value,
    },
    /// `invoke-restart`: unwind to the `restart-case` frame.
    Restart {
        id: usize,
        index: usize,
        args: Vec<Value>,
    },
    /// `(exit code)`: unwind everything, running cleanups.
    Exit(i32),
}

impl From<UnwindKind> for Unwind {
    fn from(kind: UnwindKind) -> Unwind {
        Unwind(Box::new(kind))
    }
}

impl Unwind {
    /// A condition not signalled yet (see [`UnwindKind::Signal`]).
    #[allow(non_snake_case)]
    pub fn Signal(condition: Value) -> Unwind {
        UnwindKind::Signal(condition).into()
    }
    /// An error no handler took (see [`UnwindKind::Error`]).
    #[allow(non_snake_case)]
    pub fn Error(condition: Value) -> Unwind {
        UnwindKind::Error(condition).into()
    }
    /// `(exit code)`.
    #[allow(non_snake_case)]
    pub fn Exit(code: i32) -> Unwind {
        UnwindKind::Exit(code).into()
    }
    pub fn kind(&self) -> &UnwindKind {
        &self.0
    }
    pub fn into_kind(self) -> UnwindKind {
        *self.0
    }
    /// Is this a `return-from` the block `id` takes?
    pub fn returns_to(&self, id: usize) -> bool {
        matches!(*self.0, UnwindKind::ReturnFrom { id: rid, .. } if rid == id)
    }
    /// The values a `return-from` or `throw` carries.
    pub fn into_values(self) -> Vec<Value> {
        match *self.0 {
            UnwindKind::ReturnFrom { values, .. } | UnwindKind::Throw { values, .. } => values,
            _ => Vec::new(),
        }
    }
    /// A condition raised by Rust code, not yet signalled.
    pub fn unsignalled(&self) -> Option<&Value> {
        match &*self.0 {
            UnwindKind::Signal(c) => Some(c),
            _ => None,
        }
    }
    /// The condition of an error or unsignalled condition.
    pub fn condition(&self) -> Option<&Value> {
        match &*self.0 {
            UnwindKind::Signal(c) | UnwindKind::Error(c) => Some(c),
            _ => None,
        }
    }
}

/// The result of evaluating a form.
pub type LResult<T> = Result<T, Unwind>;

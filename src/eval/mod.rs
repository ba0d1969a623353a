//! The evaluator: values, packages, environments, special forms, function
//! application, non-local exits and the condition system.

pub mod compile;
pub mod condition;
pub mod env;
mod exec;
pub mod interp;
pub mod lambda;
pub mod package;
pub mod special;
pub mod stream;
pub mod types;
pub mod value;

pub use interp::Interp;
pub use value::{Sym, Value};

/// Everything that leaves a form other than a normal return travels as an
/// `Unwind` through `Result` (CLHS 5.2: transfer of control to an exit point).
pub enum Unwind {
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

/// The result of evaluating a form.
pub type LResult<T> = Result<T, Unwind>;

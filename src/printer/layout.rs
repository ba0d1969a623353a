//! SBCL's standard pprint-dispatch layouts for code (`sb-pretty`'s
//! `pprint-let`, `pprint-defun`, `pprint-if`, `pprint-block`, …), written
//! as small programs of the format directives they are made of, so the
//! printer runs them on its work stack (no recursion over the data).

use super::pretty::NewlineKind::{self, Fill, Linear, Mandatory, Miser};
use crate::eval::Value;

/// One step of a layout: the directive of SBCL's format string it stands
/// for. A program is the body of a `~:<...~:>` block over a list.
#[derive(Debug)]
pub enum L {
    /// Literal text.
    Text(&'static str),
    /// `~W`: the next element (pprint-pop).
    W,
    /// `~_`, `~:_`, `~@_`, `~:@_`.
    Nl(NewlineKind),
    /// `~nI` (`block` true) or `~:I`.
    Indent {
        block: bool,
        n: i64,
    },
    /// `~^`: leave the block when the list is exhausted.
    Exit,
    /// `~@{`: repeat to the matching `EndLoop` while elements remain.
    Loop,
    EndLoop,
    /// `~:<...~:>` over the next element.
    Sub(&'static [L]),
}

use L::*;

/// `~:<~^~W~^ ~:_~:I~@{~W~^ ~:_~}~:>` (pprint-fun-call).
pub const FUN_CALL: &[L] = &[
    Exit,
    W,
    Exit,
    Text(" "),
    Nl(Fill),
    Indent { block: false, n: 0 },
    Loop,
    W,
    Exit,
    Text(" "),
    Nl(Fill),
    EndLoop,
];

/// A lambda list, as fill-style elements.
const LAMBDA_LIST: &[L] = &[Exit, Loop, W, Exit, Text(" "), Nl(Fill), EndLoop];

const BINDING: &[L] = &[Exit, W, Loop, Text(" "), Nl(Linear), W, EndLoop];

const BINDINGS: &[L] = &[Loop, Sub(BINDING), Exit, Text(" "), Nl(Linear), EndLoop];

/// `~:<~^~W~^ ~@_~:<~@{~:<~^~W~@{ ~_~W~}~:>~^ ~_~}~:>~1I~^~:@_~@{~W~^ ~_~}~:>`
const LET: &[L] = &[
    Exit,
    W,
    Exit,
    Text(" "),
    Nl(Miser),
    Sub(BINDINGS),
    Indent { block: true, n: 1 },
    Exit,
    Nl(Mandatory),
    Loop,
    W,
    Exit,
    Text(" "),
    Nl(Linear),
    EndLoop,
];

/// `~:<~^~W~^ ~@_~:I~W~^ ~:_~/pprint-lambda-list/~1I~@{ ~_~W~}~:>`
const DEFUN: &[L] = &[
    Exit,
    W,
    Exit,
    Text(" "),
    Nl(Miser),
    Indent { block: false, n: 0 },
    W,
    Exit,
    Text(" "),
    Nl(Fill),
    Sub(LAMBDA_LIST),
    Indent { block: true, n: 1 },
    Loop,
    Text(" "),
    Nl(Linear),
    W,
    EndLoop,
];

/// `~:<~^~W~^~3I ~:_~W~1I~@{ ~_~W~}~:>` (pprint-block).
const BLOCK: &[L] = &[
    Exit,
    W,
    Exit,
    Indent { block: true, n: 3 },
    Text(" "),
    Nl(Fill),
    W,
    Indent { block: true, n: 1 },
    Loop,
    Text(" "),
    Nl(Linear),
    W,
    EndLoop,
];

/// `~:<~^~W~^~3I ~:_~/pprint-lambda-list/~1I~@{ ~_~W~}~:>`
const LAMBDA: &[L] = &[
    Exit,
    W,
    Exit,
    Indent { block: true, n: 3 },
    Text(" "),
    Nl(Fill),
    Sub(LAMBDA_LIST),
    Indent { block: true, n: 1 },
    Loop,
    Text(" "),
    Nl(Linear),
    W,
    EndLoop,
];

/// `~:<~^~W~^ ~:I~W~^ ~:@_~@{~W~^ ~:@_~}~:>` (pprint-if).
const IF: &[L] = &[
    Exit,
    W,
    Exit,
    Text(" "),
    Indent { block: false, n: 0 },
    W,
    Exit,
    Text(" "),
    Nl(Mandatory),
    Loop,
    W,
    Exit,
    Text(" "),
    Nl(Mandatory),
    EndLoop,
];

/// pprint-linear (`progn`, `locally`).
const PROGN: &[L] = &[Exit, Loop, W, Exit, Text(" "), Nl(Linear), EndLoop];

/// The layout SBCL's initial dispatch table gives a list whose car is
/// `car`, or `None` for data (pprint-fill).
pub fn for_form(car: &Value) -> Option<&'static [L]> {
    let Value::Symbol(s) = car else {
        return None;
    };
    if s.home_is_cl() {
        let special = match s.name.as_str() {
            "LET" | "LET*" | "SYMBOL-MACROLET" => Some(LET),
            "DEFUN"
            | "DEFMACRO"
            | "DEFTYPE"
            | "DEFSETF"
            | "DEFINE-SETF-EXPANDER"
            | "DEFINE-MODIFY-MACRO" => Some(DEFUN),
            "LAMBDA" => Some(LAMBDA),
            "IF" => Some(IF),
            "PROGN" | "LOCALLY" | "STEP" | "TIME" | "WITH-STANDARD-IO-SYNTAX" => Some(PROGN),
            "BLOCK"
            | "CATCH"
            | "RETURN-FROM"
            | "THROW"
            | "EVAL-WHEN"
            | "MULTIPLE-VALUE-CALL"
            | "MULTIPLE-VALUE-PROG1"
            | "UNWIND-PROTECT"
            | "DEFCONSTANT"
            | "DEFPARAMETER"
            | "DEFSTRUCT"
            | "DEFVAR"
            | "MULTIPLE-VALUE-SETQ"
            | "PROG1"
            | "PPRINT-LOGICAL-BLOCK"
            | "PRINT-UNREADABLE-OBJECT"
            | "UNLESS"
            | "WHEN"
            | "WITH-COMPILATION-UNIT"
            | "WITH-SIMPLE-RESTART"
            | "WITH-HASH-TABLE-ITERATOR"
            | "WITH-PACKAGE-ITERATOR"
            | "WITH-INPUT-FROM-STRING"
            | "WITH-OUTPUT-TO-STRING"
            | "WITH-OPEN-FILE"
            | "WITH-OPEN-STREAM" => Some(BLOCK),
            _ => None,
        };
        if special.is_some() {
            return special;
        }
    }
    let fbound =
        s.function.borrow().is_some() || s.macro_fn.borrow().is_some() || s.special_form.get() != 0;
    fbound.then_some(FUN_CALL)
}

/// The index of the `EndLoop` matching the `Loop` at `pc`.
pub fn loop_end(prog: &[L], pc: usize) -> usize {
    let mut depth = 0;
    for (i, l) in prog.iter().enumerate().skip(pc) {
        match l {
            Loop => depth += 1,
            EndLoop => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    prog.len()
}

/// The index of the `Loop` matching the `EndLoop` at `pc`.
pub fn loop_start(prog: &[L], pc: usize) -> usize {
    let mut depth = 0;
    for i in (0..=pc.min(prog.len().saturating_sub(1))).rev() {
        match prog[i] {
            EndLoop => depth += 1,
            Loop => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    0
}

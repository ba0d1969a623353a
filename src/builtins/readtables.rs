//! Readtables and the `read` family's Lisp face (CLHS 23): `copy-readtable`,
//! `readtable-case`, reader macro characters, `read-delimited-list`,
//! `read-preserving-whitespace`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::args;
use super::reader_calls::{read_stream, StreamRead};
use super::streams::in_stream;
use crate::def;
use crate::eval::interp::SymKey;
use crate::eval::package::{self, cl_sym, keyword};
use crate::eval::value::{Function, Native};
use crate::eval::{Interp, LResult, Value};
use crate::reader::readtable::{
    as_readtable, is_standard_object, readtable_value, standard_readtable, DispatchFn, Macro,
};
use crate::reader::{current_readtable, ReadCase, Readtable};

pub const BUILTINS: &[super::BuiltinDef] = &[
    def!("READTABLEP", "(object)", 1, 1, readtablep, "True if OBJECT is a readtable."),
    def!("COPY-READTABLE", "(&optional from-readtable to-readtable)", 0, 2, copy_readtable,
        "A copy of FROM-READTABLE (default *READTABLE*; NIL: the standard readtable), made in TO-READTABLE when given."),
    def!("READTABLE-CASE", "(readtable)", 1, 1, readtable_case, "The readtable case: :UPCASE, :DOWNCASE, :PRESERVE or :INVERT."),
    def!("SENDLETTER" : "%SET-READTABLE-CASE", "(readtable case)", 2, 2, set_readtable_case, "(setf readtable-case)."),
    def!("SENDLETTER" : "%STANDARD-READTABLE", "()", 0, 0, standard, "The standard readtable (WITH-STANDARD-IO-SYNTAX)."),
    def!("SET-MACRO-CHARACTER", "(char new-function &optional non-terminating-p readtable)", 2, 4, set_macro_character,
        "Make CHAR a macro character calling NEW-FUNCTION with the stream and CHAR."),
    def!("GET-MACRO-CHARACTER", "(char &optional readtable)", 1, 2, get_macro_character,
        "The macro function of CHAR and whether it is non-terminating."),
    def!("MAKE-DISPATCH-MACRO-CHARACTER", "(char &optional non-terminating-p readtable)", 1, 3, make_dispatch_macro_character,
        "Make CHAR a dispatching macro character with an empty dispatch table."),
    def!("SET-DISPATCH-MACRO-CHARACTER", "(disp-char sub-char new-function &optional readtable)", 3, 4, set_dispatch_macro_character,
        "Make DISP-CHAR SUB-CHAR call NEW-FUNCTION with the stream, SUB-CHAR and the numeric argument."),
    def!("GET-DISPATCH-MACRO-CHARACTER", "(disp-char sub-char &optional readtable)", 2, 3, get_dispatch_macro_character,
        "The function DISP-CHAR SUB-CHAR calls, or NIL."),
    def!("SET-SYNTAX-FROM-CHAR", "(to-char from-char &optional to-readtable from-readtable)", 2, 4, set_syntax_from_char,
        "Give TO-CHAR in TO-READTABLE the syntax of FROM-CHAR in FROM-READTABLE (default: the standard readtable)."),
    def!("READ-DELIMITED-LIST", "(char &optional input-stream recursive-p)", 1, 3, read_delimited_list,
        "Read objects up to CHAR and return them as a list."),
    def!("READ-PRESERVING-WHITESPACE", "(&optional input-stream eof-error-p eof-value recursive-p)", 0, 4, read_preserving_whitespace,
        "READ, leaving the whitespace after a token in the stream."),
];

/// `(setf readtable-case)` as a setf function.
pub fn install(it: &mut Interp) {
    let setter = package::intern_in("%SET-READTABLE-CASE", &package::sendletter_package());
    it.setf_functions.insert(
        SymKey(cl_sym("READTABLE-CASE")),
        Value::cons(Value::Symbol(it.s.setf.clone()), Value::Symbol(setter)),
    );
}

fn readtablep(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(as_readtable(&a[0]).is_some()))
}

/// A readtable argument; `nil_standard`: NIL designates the standard one.
fn readtable_arg(it: &mut Interp, v: Option<&Value>, nil_standard: bool) -> LResult<Rc<Readtable>> {
    match v {
        None => Ok(current_readtable()),
        Some(Value::Nil) if nil_standard => {
            Ok(as_readtable(&standard_readtable())
                .unwrap_or_else(|| Rc::new(Readtable::standard())))
        }
        Some(v) => match as_readtable(v) {
            Some(rt) => Ok(rt),
            None => {
                let c = it.type_error(v, "READTABLE");
                it.err(c)
            }
        },
    }
}

/// A readtable that may be changed: never the standard readtable
/// (CLHS 2.1.1.2 says modifying it has undefined consequences; SBCL
/// signals an error).
fn writable(it: &mut Interp, v: Option<&Value>) -> LResult<Rc<Readtable>> {
    let obj = match v {
        None | Some(Value::Nil) => cl_sym("*READTABLE*").value.borrow().clone(),
        Some(v) => Some(v.clone()),
    };
    if obj.as_ref().is_none_or(is_standard_object) {
        return it.simple_error("the standard readtable cannot be modified; use COPY-READTABLE");
    }
    readtable_arg(it, obj.as_ref(), false)
}

fn copy_readtable(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let from = readtable_arg(it, a.first(), true)?;
    match a.get(1) {
        None | Some(Value::Nil) => Ok(readtable_value(from.copy())),
        Some(to) => {
            let dest = writable(it, Some(to))?;
            dest.copy_into(&from);
            Ok(to.clone())
        }
    }
}

fn readtable_case(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let rt = readtable_arg(it, Some(&a[0]), false)?;
    Ok(Value::Symbol(keyword(rt.case().keyword())))
}

fn set_readtable_case(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let rt = writable(it, Some(&a[0]))?;
    let case = match &a[1] {
        Value::Symbol(s) if s.is_keyword() => ReadCase::from_keyword(&s.name),
        _ => None,
    };
    let Some(case) = case else {
        let c = it.type_error(&a[1], "(MEMBER :UPCASE :DOWNCASE :PRESERVE :INVERT)");
        return it.err(c);
    };
    rt.set_case(case);
    Ok(a[1].clone())
}

fn standard(_: &mut Interp, _: &[Value]) -> LResult<Value> {
    Ok(standard_readtable())
}

// ----- macro functions -------------------------------------------------------

/// Which standard macro function a Lisp function object stands for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum StdFn {
    /// The standard macro of this character.
    Macro(char),
    /// The dispatching macro character itself (`#`).
    Dispatch(char),
    /// A standard `#` sub-character.
    Sub(char),
}

thread_local! {
    /// One function object per standard macro, so that
    /// `get-macro-character` returns the same (`eq`) function each time
    /// and setting it elsewhere keeps the Rust implementation.
    static STD_FNS: RefCell<HashMap<StdFn, Value>> = RefCell::new(HashMap::new());
}

fn std_function(which: StdFn) -> Value {
    if let Some(f) = STD_FNS.with(|m| m.borrow().get(&which).cloned()) {
        return f;
    }
    let name = package::intern_in(
        match which {
            StdFn::Macro(_) | StdFn::Dispatch(_) => "STANDARD-READER-MACRO",
            StdFn::Sub(_) => "STANDARD-DISPATCH-MACRO",
        },
        &package::sendletter_package(),
    );
    let f = Value::Function(Rc::new(Function::Native(Native {
        name,
        f: Rc::new(move |it: &mut Interp, a: &[Value]| run_std(it, which, a)),
    })));
    STD_FNS.with(|m| m.borrow_mut().insert(which, f.clone()));
    f
}

/// Which standard function `f` is, if it is one of them.
fn std_of(f: &Value) -> Option<StdFn> {
    STD_FNS.with(|m| m.borrow().iter().find(|(_, v)| v.eq(f)).map(|(k, _)| *k))
}

/// A standard macro function called from Lisp: (stream char) or
/// (stream sub-char arg).
fn run_std(it: &mut Interp, which: StdFn, a: &[Value]) -> LResult<Value> {
    let Some(sv) = a.first() else {
        return it.simple_error("a reader macro function needs a stream argument");
    };
    let s = in_stream(it, Some(sv))?;
    let ch = match a.get(1) {
        Some(v) => args::character(it, v)?,
        None => return it.simple_error("a reader macro function needs a character argument"),
    };
    let arg = match a.get(2) {
        None | Some(Value::Nil) => None,
        Some(v) => Some(args::index(it, v)?),
    };
    let got = match which {
        StdFn::Macro(m) => read_stream(it, &s, StreamRead::StdMacro(m, ch))?,
        StdFn::Dispatch(d) => read_stream(it, &s, StreamRead::Dispatch(d, None))?,
        StdFn::Sub(sub) => read_stream(it, &s, StreamRead::Dispatch('#', Some((sub, arg))))?,
    };
    Ok(match got {
        Some(Some(v)) => v,
        _ => it.values(vec![]),
    })
}

fn function_arg(it: &mut Interp, v: &Value) -> LResult<Value> {
    match v {
        Value::Function(_) => Ok(v.clone()),
        Value::Symbol(_) => Ok(v.clone()),
        _ => {
            let c = it.type_error(v, "(OR FUNCTION SYMBOL)");
            it.err(c)
        }
    }
}

fn set_macro_character(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    let f = function_arg(it, &a[1])?;
    let non_terminating = a.get(2).is_some_and(Value::truthy);
    let rt = writable(it, a.get(3))?;
    match std_of(&f) {
        Some(StdFn::Macro(m)) => rt.set_macro(c, Macro::Std(m), non_terminating),
        _ => rt.set_macro(c, Macro::Lisp(f), non_terminating),
    }
    Ok(package::t())
}

fn get_macro_character(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    let rt = readtable_arg(it, a.get(1), true)?;
    let non_terminating = Value::bool(rt.kind(c) == crate::reader::readtable::Kind::NonTermMacro);
    let f = match rt.macro_of(c) {
        None => return Ok(it.values(vec![Value::Nil, Value::Nil])),
        Some(Macro::Std(m)) => std_function(StdFn::Macro(m)),
        Some(Macro::Dispatch) => std_function(StdFn::Dispatch(c)),
        Some(Macro::Lisp(f)) => f,
    };
    Ok(it.values(vec![f, non_terminating]))
}

fn make_dispatch_macro_character(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = args::character(it, &a[0])?;
    let non_terminating = a.get(1).is_some_and(Value::truthy);
    let rt = writable(it, a.get(2))?;
    rt.make_dispatch(c, non_terminating);
    Ok(package::t())
}

fn not_dispatching<T>(it: &mut Interp, c: char) -> LResult<T> {
    it.simple_error(format!(
        "{} is not a dispatching macro character",
        crate::printer::prin1_to_string(&Value::Char(c))
    ))
}

fn set_dispatch_macro_character(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let disp = args::character(it, &a[0])?;
    let sub = args::character(it, &a[1])?;
    let rt = writable(it, a.get(3))?;
    if sub.is_ascii_digit() {
        return it.simple_error(format!(
            "the sub-character {} of a dispatch macro cannot be a decimal digit",
            crate::printer::prin1_to_string(&Value::Char(sub))
        ));
    }
    let entry = match &a[2] {
        Value::Nil => None,
        f => {
            let f = function_arg(it, f)?;
            Some(match std_of(&f) {
                Some(StdFn::Sub(x)) => DispatchFn::Std(x),
                _ => DispatchFn::Lisp(f),
            })
        }
    };
    if !rt.set_dispatch_fn(disp, sub, entry) {
        return not_dispatching(it, disp);
    }
    Ok(package::t())
}

fn get_dispatch_macro_character(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let disp = args::character(it, &a[0])?;
    let sub = args::character(it, &a[1])?;
    let rt = readtable_arg(it, a.get(2), true)?;
    if !rt.is_dispatch(disp) {
        return not_dispatching(it, disp);
    }
    if sub.is_ascii_digit() {
        return Ok(Value::Nil);
    }
    Ok(match rt.dispatch_fn(disp, sub) {
        None => Value::Nil,
        Some(DispatchFn::Std(x)) => std_function(StdFn::Sub(x)),
        Some(DispatchFn::Lisp(f)) => f,
    })
}

fn set_syntax_from_char(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let to = args::character(it, &a[0])?;
    let from = args::character(it, &a[1])?;
    let dest = writable(it, a.get(2))?;
    let source = match a.get(3) {
        None => readtable_arg(it, Some(&Value::Nil), true)?,
        Some(v) => readtable_arg(it, Some(v), true)?,
    };
    dest.set_syntax_from(to, from, &source);
    Ok(package::t())
}

// ----- reading functions -----------------------------------------------------

fn read_delimited_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let close = args::character(it, &a[0])?;
    let s = in_stream(it, a.get(1))?;
    match read_stream(it, &s, StreamRead::Delimited(close))? {
        Some(Some(v)) => Ok(v),
        _ => Ok(Value::Nil),
    }
}

fn read_preserving_whitespace(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = in_stream(it, a.first())?;
    match read_stream(it, &s, StreamRead::Object { preserve: true })? {
        Some(Some(v)) => Ok(v),
        _ => super::streams::at_eof(it, &s, a.get(1), a.get(2)),
    }
}

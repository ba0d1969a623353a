//! Evaluation, control, equality, symbols and the condition functions.

use std::rc::Rc;

use super::args::{self, type_err};
use super::{BuiltinDef, MANY};
use crate::def;
use crate::eval::depth::{self, TooDeep};
use crate::eval::env::Env;
use crate::eval::package::{self, cl_sym, sym_value};
use crate::eval::value::Value;
use crate::eval::{Interp, LResult};

pub const BUILTINS: &[BuiltinDef] = &[
    def!("FUNCALL", "(function &rest args)", 1, MANY, funcall, "Call FUNCTION with ARGS."),
    def!("APPLY", "(function &rest args+)", 1, MANY, apply, "Call FUNCTION with ARGS, the last of which is a list of further arguments."),
    def!("VALUES", "(&rest values)", 0, MANY, values, "Return VALUES as multiple values."),
    def!("VALUES-LIST", "(list)", 1, 1, values_list, "Return the elements of LIST as multiple values."),
    def!("EVAL", "(form)", 1, 1, eval, "Evaluate FORM in the null lexical environment."),
    def!("MACROEXPAND-1", "(form &optional env)", 1, 2, macroexpand_1, "Expand FORM once if it is a macro call."),
    def!("MACROEXPAND", "(form &optional env)", 1, 2, macroexpand, "Expand FORM until it is not a macro call."),
    def!("EQ", "(x y)", 2, 2, eq, "True if X and Y are the same object."),
    def!("EQL", "(x y)", 2, 2, eql, "True if X and Y are EQ, or numbers of the same type and value, or the same character."),
    def!("EQUAL", "(x y)", 2, 2, equal, "Structural equality: conses, strings, pathnames compared by contents."),
    def!("EQUALP", "(x y)", 2, 2, equalp, "Like EQUAL, ignoring case and numeric type, descending into vectors, structures and hash tables."),
    def!("NOT", "(x)", 1, 1, not, "True if X is NIL."),
    def!("NULL", "(x)", 1, 1, not, "True if X is NIL."),
    def!("IDENTITY", "(x)", 1, 1, identity, "Return X."),
    def!("CONSTANTLY", "(value)", 1, 1, constantly, "A function that always returns VALUE."),
    def!("COMPLEMENT", "(function)", 1, 1, complement, "A function returning the negation of FUNCTION's result."),
    def!("FUNCTIONP", "(x)", 1, 1, functionp, "True if X is a function."),
    // Every function is analysed once, macros expanded, before it runs
    // (CLHS 3.2.2.2's minimal compilation), so all are compiled functions,
    // as `typep` says and as in SBCL.
    def!("COMPILED-FUNCTION-P", "(x)", 1, 1, functionp, "True if X is a compiled function: every function is."),
    def!("SYMBOLP", "(x)", 1, 1, symbolp, "True if X is a symbol."),
    def!("KEYWORDP", "(x)", 1, 1, keywordp, "True if X is a keyword."),
    def!("BOUNDP", "(symbol)", 1, 1, boundp, "True if SYMBOL has a global or dynamic value."),
    def!("FBOUNDP", "(name)", 1, 1, fboundp, "True if NAME names a function, macro or special operator."),
    def!("MAKUNBOUND", "(symbol)", 1, 1, makunbound, "Make SYMBOL unbound."),
    def!("FMAKUNBOUND", "(name)", 1, 1, fmakunbound, "Remove the function definition of NAME."),
    def!("SYMBOL-NAME", "(symbol)", 1, 1, symbol_name, "The name of SYMBOL."),
    def!("SYMBOL-VALUE", "(symbol)", 1, 1, symbol_value, "The dynamic value of SYMBOL."),
    def!("SET", "(symbol value)", 2, 2, set, "Set the dynamic value of SYMBOL."),
    def!("SYMBOL-FUNCTION", "(symbol)", 1, 1, symbol_function, "The global function of SYMBOL."),
    def!("FDEFINITION", "(name)", 1, 1, fdefinition, "The global function named NAME."),
    def!("SYMBOL-PACKAGE", "(symbol)", 1, 1, symbol_package, "The home package of SYMBOL."),
    def!("SYMBOL-PLIST", "(symbol)", 1, 1, symbol_plist, "The property list of SYMBOL."),
    def!("GET", "(symbol indicator &optional default)", 2, 3, get, "The INDICATOR property of SYMBOL."),
    def!("REMPROP", "(symbol indicator)", 2, 2, remprop, "Remove the INDICATOR property of SYMBOL."),
    def!("MAKE-SYMBOL", "(name)", 1, 1, make_symbol, "A fresh uninterned symbol."),
    def!("GENSYM", "(&optional prefix)", 0, 1, gensym, "A fresh uninterned symbol named G<counter>."),
    def!("GENTEMP", "(&optional prefix package)", 0, 2, gentemp, "A fresh interned symbol."),
    def!("COPY-SYMBOL", "(symbol &optional copy-properties)", 1, 2, copy_symbol, "A new uninterned symbol named as SYMBOL, with its value, function and plist if COPY-PROPERTIES."),
    def!("INTERN", "(name &optional package)", 1, 2, intern, "Find or create the symbol NAME in PACKAGE."),
    def!("FIND-SYMBOL", "(name &optional package)", 1, 2, find_symbol, "The symbol NAME accessible in PACKAGE, and its status."),
    def!("FIND-PACKAGE", "(name)", 1, 1, find_package, "The package named NAME, or NIL."),
    def!("PACKAGE-NAME", "(package)", 1, 1, package_name, "The name of PACKAGE."),
    def!("PACKAGEP", "(object)", 1, 1, packagep, "True if OBJECT is a package."),
    def!("PACKAGE-NICKNAMES", "(package)", 1, 1, package_nicknames, "The nicknames of PACKAGE."),
    def!("PACKAGE-USE-LIST", "(package)", 1, 1, package_use_list, "The packages PACKAGE uses."),
    def!("LIST-ALL-PACKAGES", "()", 0, 0, list_all_packages, "All packages."),
    def!("SPECIAL-OPERATOR-P", "(symbol)", 1, 1, special_operator_p, "True if SYMBOL names a special operator."),
    def!("CONSTANTP", "(form &optional environment)", 1, 2, constantp, "True if FORM always evaluates to the same value: a self-evaluating object, a constant variable or a QUOTE form."),
    def!("MACRO-FUNCTION", "(symbol &optional env)", 1, 2, macro_function, "The macro function of SYMBOL, or NIL."),
    def!("ERROR", "(datum &rest arguments)", 1, MANY, error, "Signal an error."),
    def!("CERROR", "(continue-format datum &rest arguments)", 2, MANY, cerror, "Signal an error with a CONTINUE restart."),
    def!("SIGNAL", "(datum &rest arguments)", 1, MANY, signal, "Signal a condition; return NIL if no handler takes it."),
    def!("WARN", "(datum &rest arguments)", 1, MANY, warn, "Signal a warning; print it to *ERROR-OUTPUT* unless muffled."),
    def!("MAKE-CONDITION", "(type &rest initargs)", 1, MANY, make_condition, "Make a condition object."),
    def!("INVOKE-RESTART", "(restart &rest arguments)", 1, MANY, invoke_restart, "Transfer control to RESTART."),
    def!("INVOKE-RESTART-INTERACTIVELY", "(restart)", 1, 1, invoke_restart_interactively, "Transfer control to RESTART with the arguments its :interactive function returns."),
    def!("FIND-RESTART", "(name &optional condition)", 1, 2, find_restart, "The innermost active restart named NAME."),
    def!("BREAK", "(&optional format-control &rest format-arguments)", 0, MANY, break_fn, "Enter the debugger (a break level at the REPL) on a SIMPLE-CONDITION, with *DEBUGGER-HOOK* bound to NIL and a CONTINUE restart that returns NIL; in a script, report it and end as an unhandled error does."),
    def!("INVOKE-DEBUGGER", "(condition)", 1, 1, invoke_debugger, "Call *DEBUGGER-HOOK* (bound to NIL) on CONDITION, then end as an unhandled error."),
    def!("COMPUTE-RESTARTS", "(&optional condition)", 0, 1, compute_restarts, "The active restarts, innermost first."),
    def!("RESTART-NAME", "(restart)", 1, 1, restart_name, "The name of RESTART."),
    def!("MUFFLE-WARNING", "(&optional condition)", 0, 1, muffle_warning, "Invoke the MUFFLE-WARNING restart."),
    def!("CONTINUE", "(&optional condition)", 0, 1, continue_, "Invoke the CONTINUE restart, if there is one."),
    def!("STORE-VALUE", "(value &optional condition)", 1, 2, store_value, "Invoke the STORE-VALUE restart with VALUE, if there is one."),
    def!("USE-VALUE", "(value &optional condition)", 1, 2, use_value, "Invoke the USE-VALUE restart with VALUE, if there is one."),
    def!("ABORT", "(&optional condition)", 0, 1, abort, "Invoke the ABORT restart."),
    def!("SIMPLE-CONDITION-FORMAT-CONTROL", "(condition)", 1, 1, format_control, "The format control of a simple condition."),
    def!("SIMPLE-CONDITION-FORMAT-ARGUMENTS", "(condition)", 1, 1, format_arguments, "The format arguments of a simple condition."),
    def!("TYPE-ERROR-DATUM", "(condition)", 1, 1, type_error_datum, "The offending datum of a TYPE-ERROR."),
    def!("TYPE-ERROR-EXPECTED-TYPE", "(condition)", 1, 1, type_error_expected, "The expected type of a TYPE-ERROR."),
    def!("CELL-ERROR-NAME", "(condition)", 1, 1, cell_error_name, "The name in a CELL-ERROR."),
    def!("FILE-ERROR-PATHNAME", "(condition)", 1, 1, file_error_pathname, "The pathname of a FILE-ERROR."),
    def!("STREAM-ERROR-STREAM", "(condition)", 1, 1, stream_error_stream, "The stream of a STREAM-ERROR."),
    def!("ARITHMETIC-ERROR-OPERATION", "(condition)", 1, 1, arith_op, "The operation of an ARITHMETIC-ERROR."),
    def!("ARITHMETIC-ERROR-OPERANDS", "(condition)", 1, 1, arith_operands, "The operands of an ARITHMETIC-ERROR."),
    def!("TYPEP", "(object type)", 2, 3, typep, "True if OBJECT is of TYPE."),
    def!("TYPE-OF", "(object)", 1, 1, type_of, "The type of OBJECT."),
    def!("SUBTYPEP", "(type1 type2)", 2, 3, subtypep, "Is TYPE1 a subtype of TYPE2, and is that certain?"),
    def!("COPY-STRUCTURE", "(structure)", 1, 1, copy_structure, "A fresh structure with the same slot values (a shallow copy)."),
    def!("SENDLETTER" : "%MAKE-STRUCT", "(name &rest initargs)", 1, MANY, make_struct, "Make a structure instance."),
    def!("COMPILE", "(name &optional definition)", 1, 2, compile, "Return the function: sendletter interprets everything."),
];

fn funcall(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    it.apply(&a[0], &a[1..])
}

fn apply(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let mut argv: Vec<Value> = a[1..a.len().max(1)].to_vec();
    if a.len() > 1 {
        let last = argv.pop().unwrap_or(Value::Nil);
        let spread = args::list(it, &last)?;
        argv.extend(spread);
    }
    it.apply(&a[0], &argv)
}

fn values(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(it.values(a.to_vec()))
}

fn values_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let items = args::list(it, &a[0])?;
    Ok(it.values(items))
}

fn eval(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let env = Env::default();
    it.eval(&a[0], &env)
}

fn macroexpand_1(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let env = Env::from_value(a.get(1).unwrap_or(&Value::Nil));
    let (f, e) = it.macroexpand_1(&a[0], &env)?;
    Ok(it.values(vec![f, Value::bool(e)]))
}

fn macroexpand(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let env = Env::from_value(a.get(1).unwrap_or(&Value::Nil));
    let (f, e) = it.macroexpand(&a[0], &env)?;
    Ok(it.values(vec![f, Value::bool(e)]))
}

fn eq(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(a[0].eq(&a[1])))
}

fn eql(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(a[0].eql(&a[1])))
}

/// Two lists compared element by element with `same` (`equal` or
/// `equalp`): along the cdrs in a loop, so long lists do not recurse; the
/// recursion into the cars is guarded (`eval::depth`).
fn lists_alike(
    x: &Value,
    y: &Value,
    same: fn(&Value, &Value) -> Result<bool, TooDeep>,
) -> Result<bool, TooDeep> {
    depth::check()?;
    let (mut a, mut b) = (x.clone(), y.clone());
    loop {
        match (&a, &b) {
            (Value::Cons(ca), Value::Cons(cb)) => {
                if Rc::ptr_eq(ca, cb) {
                    return Ok(true);
                }
                if !same(&ca.car.borrow(), &cb.car.borrow())? {
                    return Ok(false);
                }
                let (na, nb) = (ca.cdr.borrow().clone(), cb.cdr.borrow().clone());
                a = na;
                b = nb;
            }
            _ => return same(&a, &b),
        }
    }
}

/// `equal` (CLHS): recursive on conses, strings by contents, pathnames.
/// Recursion on the cars is guarded (`eval::depth`): a list circular
/// through its cars, or nested deeper than the stack allows, ends in
/// `TooDeep` (SBCL: control stack exhausted), not a stack overflow.
pub fn equal_values(x: &Value, y: &Value) -> Result<bool, TooDeep> {
    match (x, y) {
        (Value::Cons(_), Value::Cons(_)) => lists_alike(x, y, equal_values),
        (Value::String(a), Value::String(b)) => Ok(*a.borrow() == *b.borrow()),
        (Value::Pathname(a), Value::Pathname(b)) => Ok(a == b),
        // Strings and bit vectors of any representation: elementwise
        // (CLHS EQUAL).
        (Value::Array(_), _) | (_, Value::Array(_)) => {
            use crate::builtins::sequences::shape;
            if let (Some(a), Some(b)) = (shape::string_text(x), shape::string_text(y)) {
                return Ok(a == b);
            }
            let bits = |v: &Value| matches!(v, Value::Array(a) if a.is_bit_vector());
            if bits(x) && bits(y) {
                let (a, b) = (shape::vector_items(x), shape::vector_items(y));
                return Ok(match (a, b) {
                    (Some(a), Some(b)) => {
                        a.len() == b.len() && a.iter().zip(&b).all(|(p, q)| p.eql(q))
                    }
                    _ => false,
                });
            }
            Ok(x.eql(y))
        }
        _ => Ok(x.eql(y)),
    }
}

fn equal(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match equal_values(&a[0], &a[1]) {
        Ok(same) => Ok(Value::bool(same)),
        Err(TooDeep) => args::too_deep(it, "EQUAL"),
    }
}

/// `equalp` (CLHS): case-insensitive characters and strings, numbers by
/// `=`, elementwise on conses, vectors, structures and hash tables; guarded
/// like [`equal_values`].
pub fn equalp_values(x: &Value, y: &Value) -> Result<bool, TooDeep> {
    let is_num = |v: &Value| {
        matches!(
            v,
            Value::Fixnum(_)
                | Value::Bignum(_)
                | Value::Ratio(_)
                | Value::Single(_)
                | Value::Double(_)
                | Value::Complex(_)
        )
    };
    let all = |pairs: &mut dyn Iterator<Item = (&Value, &Value)>| -> Result<bool, TooDeep> {
        for (p, q) in pairs {
            if !equalp_values(p, q)? {
                return Ok(false);
            }
        }
        Ok(true)
    };
    match (x, y) {
        _ if is_num(x) && is_num(y) => {
            if let (Value::Fixnum(a), Value::Fixnum(b)) = (x, y) {
                return Ok(a == b);
            }
            if matches!(x, Value::Complex(_)) || matches!(y, Value::Complex(_)) {
                return Ok(crate::builtins::numbers::complex_eq(x, y) == Some(true));
            }
            // By `=` (CLHS 5.3.36), exactly: two bignums that round to
            // the same double are not equalp.
            Ok(crate::builtins::numbers::real_cmp(x, y) == Some(std::cmp::Ordering::Equal))
        }
        (Value::Char(a), Value::Char(b)) => Ok(a.to_lowercase().eq(b.to_lowercase())),
        (Value::Cons(_), Value::Cons(_)) => lists_alike(x, y, equalp_values),
        (Value::Struct(a), Value::Struct(b)) => {
            if !Rc::ptr_eq(&a.class, &b.class) {
                return Ok(false);
            }
            depth::check()?;
            let (sa, sb) = (a.slots.borrow(), b.slots.borrow());
            all(&mut sa.iter().zip(sb.iter()))
        }
        (Value::HashTable(a), Value::HashTable(b)) => {
            // Same test, same count, equalp values (CLHS EQUALP).
            if a.test != b.test {
                return Ok(false);
            }
            let (ma, mb) = (a.map.borrow(), b.map.borrow());
            if ma.len() != mb.len() {
                return Ok(false);
            }
            depth::check()?;
            for (k, (_, v)) in ma.iter() {
                match mb.get(k) {
                    Some((_, w)) if equalp_values(v, w)? => {}
                    _ => return Ok(false),
                }
            }
            Ok(true)
        }
        _ => match (seq_items(x), seq_items(y)) {
            // Arrays of rank other than 1 also need the same dimensions.
            (Some(_), Some(_)) if !same_shape(x, y) => Ok(false),
            (Some(a), Some(b)) => {
                if a.len() != b.len() {
                    return Ok(false);
                }
                depth::check()?;
                all(&mut a.iter().zip(b.iter()))
            }
            _ => equal_values(x, y),
        },
    }
}

fn same_shape(x: &Value, y: &Value) -> bool {
    use crate::builtins::sequences::shape::dims_of;
    let (a, b) = (dims_of(x), dims_of(y));
    a.len() == b.len() && (a.len() == 1 || a == b)
}

fn seq_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::Array(a) if a.rank() == 1 => crate::builtins::sequences::shape::vector_items(v),
        Value::Array(a) => Some(
            (0..a.total_size())
                .filter_map(|i| crate::builtins::sequences::shape::rm_get(v, i))
                .collect(),
        ),
        Value::String(s) => Some(s.borrow().chars().map(Value::Char).collect()),
        Value::Vector(v) => Some(v.borrow().clone()),
        Value::Bytes(b) => Some(
            b.borrow()
                .iter()
                .map(|x| Value::Fixnum(*x as i64))
                .collect(),
        ),
        _ => None,
    }
}

fn equalp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match equalp_values(&a[0], &a[1]) {
        Ok(same) => Ok(Value::bool(same)),
        Err(TooDeep) => args::too_deep(it, "EQUALP"),
    }
}

fn not(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(a[0].is_nil()))
}

fn identity(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(a[0].clone())
}

fn constantly(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let v = a[0].clone();
    Ok(it.closure_from_native(&cl_sym("CONSTANTLY"), move |_, _| Ok(v.clone())))
}

fn complement(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let f = a[0].clone();
    Ok(
        it.closure_from_native(&cl_sym("COMPLEMENT"), move |it, args| {
            Ok(Value::bool(it.apply(&f, args)?.is_nil()))
        }),
    )
}

fn functionp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(a[0], Value::Function(_))))
}

fn symbolp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(a[0].is_symbol()))
}

fn keywordp(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(
        matches!(&a[0], Value::Symbol(s) if s.is_keyword()),
    ))
}

fn boundp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let bound = s.value.borrow().is_some();
    Ok(Value::bool(bound))
}

fn fboundp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if a[0].is_cons() {
        // A function name: (setf symbol) only (CLHS 26 function name).
        let setf_name = a[0].car().as_symbol().is_some_and(|s| s.name == "SETF")
            && a[0].cdr().is_cons()
            && a[0].cdr().car().as_symbol().is_some()
            && a[0].cdr().cdr().is_nil();
        if !setf_name {
            return super::args::type_err(
                it,
                &a[0],
                "(OR SYMBOL (CONS (EQL SETF) (CONS SYMBOL NULL)))",
            );
        }
        return Ok(Value::bool(a[0].cdr().car().as_symbol().is_some_and(|s| {
            it.setf_functions
                .contains_key(&crate::eval::interp::SymKey(s))
        })));
    }
    let s = args::symbol(it, &a[0])?;
    Ok(Value::bool(
        s.function.borrow().is_some() || s.macro_fn.borrow().is_some() || s.special_form.get() != 0,
    ))
}

fn makunbound(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    *s.value.borrow_mut() = None;
    Ok(a[0].clone())
}

fn fmakunbound(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Some(s) = setf_name(it, &a[0]) {
        it.setf_functions.remove(&crate::eval::interp::SymKey(s));
        it.forget_expansions();
        return Ok(a[0].clone());
    }
    let s = args::symbol(it, &a[0])?;
    *s.function.borrow_mut() = None;
    *s.macro_fn.borrow_mut() = None;
    Ok(a[0].clone())
}

fn symbol_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    Ok(Value::string(s.name.clone()))
}

fn symbol_value(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let v = s.value.borrow().clone();
    match v {
        Some(v) => Ok(v),
        None => {
            let c = it.make_condition("UNBOUND-VARIABLE", &[("NAME", a[0].clone())]);
            it.err(c)
        }
    }
}

fn set(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    if s.constant.get() {
        return it.simple_error(format!("{} is a constant and cannot be set", s.name));
    }
    *s.value.borrow_mut() = Some(a[1].clone());
    Ok(a[1].clone())
}

/// The symbol of a `(setf symbol)` function name (CLHS 1.4.1.2.1).
pub(crate) fn setf_name(it: &Interp, name: &Value) -> Option<crate::eval::Sym> {
    let rest = name.cdr();
    if name.car().is_sym(&it.s.setf) && rest.is_cons() && rest.cdr().is_nil() {
        rest.car().as_symbol()
    } else {
        None
    }
}

/// `fdefinition`: `symbol-function`, and `(setf name)` functions too.
fn fdefinition(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Some(s) = setf_name(it, &a[0]) {
        return match it
            .setf_functions
            .get(&crate::eval::interp::SymKey(s))
            .cloned()
        {
            Some(f) if !f.is_cons() => Ok(f),
            _ => {
                let c = it.make_condition("UNDEFINED-FUNCTION", &[("NAME", a[0].clone())]);
                it.err(c)
            }
        };
    }
    symbol_function(it, a)
}

fn symbol_function(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let f = s
        .function
        .borrow()
        .clone()
        .or_else(|| s.macro_fn.borrow().clone());
    match f {
        Some(f) => Ok(f),
        None => {
            let c = it.make_condition("UNDEFINED-FUNCTION", &[("NAME", a[0].clone())]);
            it.err(c)
        }
    }
}

fn symbol_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let p = s.package.borrow().clone();
    Ok(p.map(Value::Package).unwrap_or(Value::Nil))
}

fn symbol_plist(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let p = s.plist.borrow().clone();
    Ok(p)
}

fn get(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let items: Vec<Value> = s.plist.borrow().iter().collect();
    for kv in items.chunks(2) {
        if kv[0].eq(&a[1]) {
            return Ok(kv.get(1).cloned().unwrap_or(Value::Nil));
        }
    }
    Ok(a.get(2).cloned().unwrap_or(Value::Nil))
}

fn remprop(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let items: Vec<Value> = s.plist.borrow().iter().collect();
    let mut out = Vec::new();
    let mut found = false;
    for kv in items.chunks(2) {
        if !found && kv[0].eq(&a[1]) {
            found = true;
        } else {
            out.extend(kv.iter().cloned());
        }
    }
    *s.plist.borrow_mut() = Value::list(out);
    Ok(Value::bool(found))
}

fn make_symbol(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::string(it, &a[0])?;
    Ok(Value::Symbol(Rc::new(crate::eval::value::Symbol::new(
        &name,
    ))))
}

thread_local! {
    static GENSYM_COUNTER: std::cell::Cell<u64> = const { std::cell::Cell::new(1) };
}

fn gensym(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let fresh = |name: String| {
        Ok(Value::Symbol(Rc::new(crate::eval::value::Symbol::new(
            &name,
        ))))
    };
    let prefix = match a.first() {
        Some(Value::String(s)) => s.borrow().clone(),
        Some(Value::Fixnum(k)) if *k >= 0 => return fresh(format!("G{k}")),
        Some(Value::Bignum(b)) if b.sign() != num_bigint::Sign::Minus => {
            return fresh(format!("G{b}"))
        }
        None => "G".to_string(),
        Some(other) => return type_err(it, other, "(OR STRING UNSIGNED-BYTE)"),
    };
    // The dynamic value of *gensym-counter*, incremented after use
    // (CLHS GENSYM), so a LET binding of it is honoured.
    let counter = package::cl_sym("*GENSYM-COUNTER*");
    let n = it.symbol_value(&counter).unwrap_or(Value::Fixnum(0));
    // Decimal whatever *print-base* is, as SBCL.
    let (digits, next) = match &n {
        Value::Fixnum(k) if *k >= 0 => (k.to_string(), num_bigint::BigInt::from(*k) + 1),
        Value::Bignum(b) if b.sign() != num_bigint::Sign::Minus => {
            (b.to_string(), (**b).clone() + 1)
        }
        other => return type_err(it, other, "UNSIGNED-BYTE"),
    };
    *counter.value.borrow_mut() = Some(Value::integer(next));
    fresh(format!("{prefix}{digits}"))
}

/// CLHS copy-symbol: a fresh uninterned symbol of the same name; with
/// COPY-PROPERTIES, also the value, function and a copy of the plist.
fn copy_symbol(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    let copy = crate::eval::value::Symbol::new(&s.name);
    if a.get(1).is_some_and(Value::truthy) {
        *copy.value.borrow_mut() = s.value.borrow().clone();
        *copy.function.borrow_mut() = s.function.borrow().clone();
        *copy.macro_fn.borrow_mut() = s.macro_fn.borrow().clone();
        let plist: Vec<Value> = s.plist.borrow().iter().collect();
        *copy.plist.borrow_mut() = Value::list(plist);
    }
    Ok(Value::Symbol(Rc::new(copy)))
}

fn gentemp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let prefix = match a.first() {
        Some(v) => args::string(it, v)?,
        None => "T".to_string(),
    };
    let pkg = package_arg(it, a.get(1))?;
    loop {
        let n = GENSYM_COUNTER.with(|c| {
            let n = c.get();
            c.set(n + 1);
            n
        });
        let name = format!("{prefix}{n}");
        if package::find_symbol(&name, &pkg).is_none() {
            return Ok(sym_value(package::intern_in(&name, &pkg)));
        }
    }
}

/// A package designator (package, string or symbol), or the current one.
pub fn package_arg(it: &mut Interp, v: Option<&Value>) -> LResult<Rc<package::Package>> {
    match v {
        None => Ok(package::current_package()),
        Some(Value::Package(p)) => Ok(p.clone()),
        Some(v) => {
            let name = args::designator(it, v)?;
            match package::find_package(&name) {
                Some(p) => Ok(p),
                None => {
                    let msg = crate::builtins::allegro::missing::unprovided_package(&name)
                        .unwrap_or_else(|| {
                            format!("The name \"{name}\" does not designate any package.")
                        })
                        .replace('~', "~~");
                    let c = it.make_condition(
                        "PACKAGE-ERROR",
                        &[
                            ("PACKAGE", v.clone()),
                            ("FORMAT-CONTROL", Value::string(msg)),
                        ],
                    );
                    it.err(c)
                }
            }
        }
    }
}

fn intern(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::string(it, &a[0])?;
    let pkg = package_arg(it, a.get(1))?;
    let status = package::find_symbol(&name, &pkg).map(|(_, s)| s);
    let s = package::intern_in(&name, &pkg);
    let st = match status {
        Some(s) => Value::Symbol(package::keyword(s.keyword_name())),
        None => Value::Nil,
    };
    Ok(it.values(vec![sym_value(s), st]))
}

fn find_symbol(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let name = args::string(it, &a[0])?;
    let pkg = package_arg(it, a.get(1))?;
    match package::find_symbol(&name, &pkg) {
        Some((s, st)) => Ok(it.values(vec![
            sym_value(s),
            Value::Symbol(package::keyword(st.keyword_name())),
        ])),
        None => Ok(it.values(vec![Value::Nil, Value::Nil])),
    }
}

fn find_package(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Value::Package(_) = &a[0] {
        return Ok(a[0].clone());
    }
    let name = args::designator(it, &a[0])?;
    Ok(package::find_package(&name)
        .map(Value::Package)
        .unwrap_or(Value::Nil))
}

fn package_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = package_arg(it, Some(&a[0]))?;
    if p.is_deleted() {
        return Ok(Value::Nil);
    }
    Ok(Value::string(p.name()))
}

fn packagep(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(matches!(a[0], Value::Package(_))))
}

fn package_nicknames(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = package_arg(it, Some(&a[0]))?;
    let names: Vec<Value> = p
        .nicknames
        .borrow()
        .iter()
        .map(|n| Value::string(n.clone()))
        .collect();
    Ok(Value::list(names))
}

fn package_use_list(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let p = package_arg(it, Some(&a[0]))?;
    let uses: Vec<Value> = p
        .uses
        .borrow()
        .iter()
        .cloned()
        .map(Value::Package)
        .collect();
    Ok(Value::list(uses))
}

fn list_all_packages(_: &mut Interp, _: &[Value]) -> LResult<Value> {
    Ok(Value::list(
        package::all_packages().into_iter().map(Value::Package),
    ))
}

fn special_operator_p(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    Ok(Value::bool(crate::eval::special::is_special_operator(&s)))
}

/// CLHS constantp: the cases 3.1.2.1 lets every implementation recognise
/// (self-evaluating objects, constant variables, `quote` forms).
fn constantp(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let form = &a[0];
    let constant = match form {
        Value::Symbol(s) => s.constant.get(),
        Value::Cons(_) => {
            form.car().is_sym(&it.s.quote) && form.cdr().is_cons() && form.cdr().cdr().is_nil()
        }
        _ => true,
    };
    Ok(Value::bool(constant))
}

fn macro_function(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    // A local function or macro of the environment shadows the global one
    // (CLHS macro-function).
    if let Some(env) = a.get(1).filter(|e| !e.is_nil()) {
        let env = crate::eval::env::Env::from_value(env);
        if let Some(b) = env.lookup_fun(&s) {
            return Ok(if b.is_macro {
                b.func.borrow().clone()
            } else {
                Value::Nil
            });
        }
    }
    let m = s.macro_fn.borrow().clone();
    Ok(m.unwrap_or(Value::Nil))
}

fn error(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = it.coerce_to_condition(a, "SIMPLE-ERROR")?;
    it.err(c)
}

fn cerror(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = it.coerce_to_condition(&a[1..], "SIMPLE-ERROR")?;
    // The CONTINUE restart reports the continue-format-control applied
    // to the arguments (CLHS cerror), as SBCL's does.
    let report = continue_text(it, &a[0], &a[2..]);
    match it.with_reported_restart("CONTINUE", Some(report), |it| Err::<(), _>(it.raise(c)))? {
        Ok(()) | Err(_) => Ok(Value::Nil),
    }
}

/// `cerror`'s continue-format-control applied to the arguments, as a
/// report function: formatted when the restart is printed, as SBCL does.
fn continue_text(it: &mut Interp, control: &Value, args: &[Value]) -> Value {
    let mut call = vec![Value::Nil, control.clone()];
    call.extend_from_slice(args);
    it.closure_from_native(&cl_sym("CERROR"), move |it, a| {
        let mut call = call.clone();
        call[0] = a.first().cloned().unwrap_or(Value::Nil);
        it.call_named(&cl_sym("FORMAT"), &call)
    })
}

fn signal(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = it.coerce_to_condition(a, "SIMPLE-CONDITION")?;
    it.signal(&c)?;
    Ok(Value::Nil)
}

fn warn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let c = it.coerce_to_condition(a, "SIMPLE-WARNING")?;
    let r = it.with_restart("MUFFLE-WARNING", |it| it.signal(&c))?;
    if r.is_ok() {
        let text = it.report_condition(&c)?;
        let out = it.s.error_output.value.borrow().clone();
        let msg = format!("WARNING: {text}\n");
        match out {
            Some(Value::Stream(s)) => {
                let _ = s.write_str(&msg);
            }
            _ => eprint!("{msg}"),
        }
    }
    Ok(Value::Nil)
}

fn make_condition(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    // The type is a condition class's name or the class itself.
    let name = match &a[0] {
        Value::Symbol(_) | Value::Nil => a[0].clone(),
        other => match crate::eval::package::find_package("CLOS")
            .and_then(|p| crate::eval::package::find_symbol("CLASSP", &p))
            .filter(|_| crate::clos::loaded(it))
        {
            Some((classp, _))
                if it
                    .call_named(&classp, std::slice::from_ref(other))?
                    .truthy() =>
            {
                it.call_named(&cl_sym("CLASS-NAME"), std::slice::from_ref(other))?
            }
            _ => return type_err(it, other, "(OR SYMBOL CLASS)"),
        },
    };
    let s = args::symbol(it, &name)?;
    match it.find_class(&s) {
        Some(class) if class.is_condition => it.make_instance(&class, &a[1..]),
        _ => it.simple_error(format!("{} does not name a condition class", s.name)),
    }
}

/// CLHS break: straight to the debugger, bypassing handlers and
/// `*debugger-hook*`, with a CONTINUE restart.
fn break_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let args = if a.is_empty() {
        vec![Value::string("Break".to_string())]
    } else {
        a.to_vec()
    };
    let c = it.coerce_to_condition(&args, "SIMPLE-CONDITION")?;
    let var = cl_sym("*DEBUGGER-HOOK*");
    let r = it.with_restart("CONTINUE", |it| {
        let mark = it.dyn_mark();
        it.bind_special(&var, Value::Nil);
        let e = it.unhandled(c);
        it.unbind_to(mark);
        Err::<(), _>(e)
    })?;
    match r {
        Ok(()) | Err(_) => Ok(Value::Nil),
    }
}

/// CLHS invoke-debugger: sendletter's debugger reports the condition at
/// the top level, as an unhandled error does.
fn invoke_debugger(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if Interp::condition_class(&a[0]).is_none() {
        return type_err(it, &a[0], "CONDITION");
    }
    let var = cl_sym("*DEBUGGER-HOOK*");
    let hook = var.value.borrow().clone().unwrap_or(Value::Nil);
    if hook.truthy() {
        let mark = it.dyn_mark();
        it.bind_special(&var, Value::Nil);
        let r = it.apply(&hook, &[a[0].clone(), hook.clone()]);
        it.unbind_to(mark);
        r?;
    }
    Err(it.unhandled(a[0].clone()))
}

/// A restart object as Lisp sees it.
struct RestartObj(crate::eval::interp::RestartFrame);

impl crate::eval::value::HostObject for RestartObj {
    fn type_name(&self) -> &str {
        "RESTART"
    }
    fn describe(&self) -> String {
        crate::printer::prin1_to_string(&self.0.name)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

thread_local! {
    /// Restarts associated with conditions (CLHS with-condition-restarts,
    /// and restart-case around a signalling form): (condition, id, index).
    static ASSOCIATIONS: std::cell::RefCell<Vec<(Value, usize, usize)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Associate restart objects with `condition`; returns the mark to undo it.
pub(crate) fn associate_restarts(condition: &Value, restarts: &[Value]) -> usize {
    let frames: Vec<crate::eval::interp::RestartFrame> = restarts
        .iter()
        .filter_map(|r| match r {
            Value::Object(o) => o.as_any().downcast_ref::<RestartObj>().map(|r| r.0.clone()),
            _ => None,
        })
        .collect();
    associate_frames(condition, &frames)
}

pub(crate) fn associate_frames(
    condition: &Value,
    frames: &[crate::eval::interp::RestartFrame],
) -> usize {
    ASSOCIATIONS.with(|a| {
        let mut a = a.borrow_mut();
        let mark = a.len();
        for f in frames {
            a.push((condition.clone(), f.id, f.index));
        }
        mark
    })
}

pub(crate) fn dissociate_restarts(mark: usize) {
    ASSOCIATIONS.with(|a| a.borrow_mut().truncate(mark));
}

/// Whether a restart's `:test` lets it be seen for `condition` (NIL: no
/// particular condition), and, for a condition, whether the restart is
/// associated with it or with none (CLHS 9.1.4.2.4).
fn restart_visible(
    it: &mut Interp,
    f: &crate::eval::interp::RestartFrame,
    condition: &Value,
) -> LResult<bool> {
    if !condition.is_nil() {
        let (associated, with_this) = ASSOCIATIONS.with(|a| {
            let a = a.borrow();
            let mine = a.iter().filter(|(_, id, ix)| *id == f.id && *ix == f.index);
            let mut any = false;
            let mut this = false;
            for (c, _, _) in mine {
                any = true;
                this |= c.eq(condition);
            }
            (any, this)
        });
        if associated && !with_this {
            return Ok(false);
        }
    }
    match &f.test {
        Some(test) => Ok(it.apply(test, std::slice::from_ref(condition))?.truthy()),
        None => Ok(true),
    }
}

/// The active restart `r` designates (a restart object, or the innermost
/// visible restart of that name; CLHS find-restart).
fn find_restart_frame(
    it: &mut Interp,
    r: &Value,
    condition: &Value,
) -> LResult<Option<crate::eval::interp::RestartFrame>> {
    if let Value::Object(o) = r {
        if let Some(ro) = o.as_any().downcast_ref::<RestartObj>() {
            return Ok(it
                .restarts
                .iter()
                .rev()
                .find(|f| f.id == ro.0.id && f.index == ro.0.index)
                .cloned());
        }
        return Ok(None);
    }
    // Anonymous restarts are found only as objects.
    if r.is_nil() {
        return Ok(None);
    }
    let named: Vec<_> = it
        .restarts
        .iter()
        .rev()
        .filter(|f| f.name.eq(r))
        .cloned()
        .collect();
    for f in named {
        if restart_visible(it, &f, condition)? {
            return Ok(Some(f));
        }
    }
    Ok(None)
}

fn invoke_restart(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match find_restart_frame(it, &a[0], &Value::Nil)? {
        Some(crate::eval::interp::RestartFrame {
            function: Some(g), ..
        }) => it.apply(&g, &a[1..]),
        Some(f) => Err(crate::eval::UnwindKind::Restart {
            id: f.id,
            index: f.index,
            args: a[1..].to_vec(),
        }
        .into()),
        None => {
            let msg = format!(
                "No restart {} is active.",
                crate::printer::prin1_to_string(&a[0])
            );
            let c = it.make_error("CONTROL-ERROR", &msg);
            it.err(c)
        }
    }
}

/// CLHS invoke-restart-interactively: the arguments come from the
/// restart's `:interactive` function (none without one).
fn invoke_restart_interactively(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let Some(f) = find_restart_frame(it, &a[0], &Value::Nil)? else {
        return invoke_restart(it, &a[..1]);
    };
    let args: Vec<Value> = match &f.interactive {
        Some(g) => it.apply(g, &[])?.iter().collect(),
        None => vec![],
    };
    if let Some(g) = &f.function {
        return it.apply(g, &args);
    }
    Err(crate::eval::UnwindKind::Restart {
        id: f.id,
        index: f.index,
        args,
    }
    .into())
}

fn find_restart(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let condition = a.get(1).cloned().unwrap_or(Value::Nil);
    Ok(match find_restart_frame(it, &a[0], &condition)? {
        Some(f) => Value::Object(Rc::new(Box::new(RestartObj(f)))),
        None => Value::Nil,
    })
}

fn compute_restarts(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let condition = a.first().cloned().unwrap_or(Value::Nil);
    let frames: Vec<_> = it.restarts.iter().rev().cloned().collect();
    let mut out = Vec::new();
    for f in frames {
        if restart_visible(it, &f, &condition)? {
            out.push(Value::Object(Rc::new(Box::new(RestartObj(f)))));
        }
    }
    Ok(Value::list(out))
}

/// Does this restart object have an `:interactive` function? (The REPL
/// asks for a value itself for `use-value` and `store-value` without one.)
pub(crate) fn restart_has_interactive(v: &Value) -> bool {
    let Value::Object(o) = v else { return false };
    o.as_any()
        .downcast_ref::<RestartObj>()
        .is_some_and(|r| r.0.interactive.as_ref().is_some_and(|f| !f.is_nil()))
}

/// The text `princ` shows for a restart with a `:report` (CLHS
/// restart-case); `None` for anything else.
pub(crate) fn restart_report(it: &mut Interp, v: &Value) -> Option<LResult<String>> {
    let Value::Object(o) = v else { return None };
    let report = o.as_any().downcast_ref::<RestartObj>()?.0.report.clone()?;
    if let Value::String(s) = &report {
        return Some(Ok(s.borrow().clone()));
    }
    let out = Rc::new(crate::eval::stream::Stream::string_output());
    Some(
        it.apply(&report, &[Value::Stream(out.clone())])
            .map(|_| out.take_string().unwrap_or_default()),
    )
}

fn restart_name(_: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Value::Object(o) = &a[0] {
        if let Some(r) = o.as_any().downcast_ref::<RestartObj>() {
            return Ok(r.0.name.clone());
        }
    }
    Ok(Value::Nil)
}

/// Invoke the restart `name` visible for `condition` with `args` (the
/// restart functions of CLHS 9.2); with none, an error if `required`,
/// else NIL.
fn invoke_named(
    it: &mut Interp,
    name: &str,
    required: bool,
    args: Vec<Value>,
    condition: Option<&Value>,
) -> LResult<Value> {
    let sym = sym_value(cl_sym(name));
    let condition = condition.cloned().unwrap_or(Value::Nil);
    match find_restart_frame(it, &sym, &condition)? {
        Some(f) => Err(crate::eval::UnwindKind::Restart {
            id: f.id,
            index: f.index,
            args,
        }
        .into()),
        None if required => {
            let msg = format!("No restart {name} is active.");
            let c = it.make_error("CONTROL-ERROR", &msg);
            it.err(c)
        }
        None => Ok(Value::Nil),
    }
}

fn muffle_warning(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    invoke_named(it, "MUFFLE-WARNING", true, vec![], a.first())
}

fn continue_(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    invoke_named(it, "CONTINUE", false, vec![], a.first())
}

fn abort(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    invoke_named(it, "ABORT", true, vec![], a.first())
}

fn store_value(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    invoke_named(it, "STORE-VALUE", false, vec![a[0].clone()], a.get(1))
}

fn use_value(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    invoke_named(it, "USE-VALUE", false, vec![a[0].clone()], a.get(1))
}

fn slot(name: &'static str) -> impl Fn(&mut Interp, &[Value]) -> LResult<Value> {
    move |_, a| Ok(Interp::slot_by_name(&a[0], name))
}

fn format_control(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("FORMAT-CONTROL")(it, a)
}
fn format_arguments(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("FORMAT-ARGUMENTS")(it, a)
}
fn type_error_datum(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("DATUM")(it, a)
}
fn type_error_expected(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("EXPECTED-TYPE")(it, a)
}
fn cell_error_name(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("NAME")(it, a)
}
fn file_error_pathname(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("PATHNAME")(it, a)
}
fn stream_error_stream(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("STREAM")(it, a)
}
fn arith_op(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("OPERATION")(it, a)
}
fn arith_operands(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    slot("OPERANDS")(it, a)
}

fn typep(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(Value::bool(it.typep(&a[0], &a[1])?))
}

fn type_of(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    Ok(it.type_of(&a[0]))
}

fn subtypep(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    if let Some((sub, certain)) = crate::clos::hooks::subtypep(it, &a[0], &a[1])? {
        return Ok(it.values(vec![Value::bool(sub), Value::bool(certain)]));
    }
    let result = it.subtypep(&a[0], &a[1])?;
    Ok(match result {
        Some(b) => it.values(vec![Value::bool(b), package::t()]),
        None => it.values(vec![Value::Nil, Value::Nil]),
    })
}

fn make_struct(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let s = args::symbol(it, &a[0])?;
    match it.find_class(&s) {
        Some(class) => it.make_instance(&class, &a[1..]),
        None => it.simple_error(format!("{} is not a structure type", s.name)),
    }
}

/// CLHS copy-structure: conditions are not structures.
fn copy_structure(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    match &a[0] {
        Value::Struct(o) if !o.class.is_condition => Ok(crate::eval::defstruct::copy_struct(o)),
        other => {
            let c = it.type_error(other, "STRUCTURE-OBJECT");
            it.err(c)
        }
    }
}

fn compile(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let f = match a.get(1) {
        Some(Value::Nil) | None => {
            let s = args::symbol(it, &a[0])?;
            let f = s.function.borrow().clone();
            f.unwrap_or(Value::Nil)
        }
        Some(def) => {
            let f = match def {
                Value::Function(_) => def.clone(),
                _ => {
                    let env = Env::default();
                    it.eval(
                        &Value::list([Value::Symbol(cl_sym("FUNCTION")), def.clone()]),
                        &env,
                    )?
                }
            };
            if let Some(s) = a[0].as_symbol().filter(|_| !a[0].is_nil()) {
                *s.function.borrow_mut() = Some(f.clone());
                return Ok(it.values(vec![a[0].clone(), Value::Nil, Value::Nil]));
            }
            f
        }
    };
    Ok(it.values(vec![f, Value::Nil, Value::Nil]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::depth::TooDeep;

    /// A list whose car is itself: `#1=(#1#)`.
    fn car_circular() -> Value {
        let a = Value::list([Value::Fixnum(1)]);
        if let Value::Cons(c) = &a {
            *c.car.borrow_mut() = a.clone();
        }
        a
    }

    /// Run `f` on a thread with a small stack: without the guard the
    /// recursion would overflow it at once.
    fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(f)
            .ok()?
            .join()
            .ok()
    }

    #[test]
    fn equal_on_lists_circular_through_their_cars_is_too_deep() {
        let r = on_small_stack(|| {
            let (a, b) = (car_circular(), car_circular());
            let r = (equal_values(&a, &b), equalp_values(&a, &b));
            // Break the cycles so the lists can be freed.
            for v in [a, b] {
                if let Value::Cons(c) = &v {
                    *c.car.borrow_mut() = Value::Nil;
                }
            }
            r
        });
        assert_eq!(r, Some((Err(TooDeep), Err(TooDeep))));
    }

    #[test]
    fn equalp_walks_a_long_list_without_recursing_along_it() {
        let r = on_small_stack(|| {
            let a = Value::list((0..200_000).map(Value::Fixnum).collect::<Vec<_>>());
            let b = Value::list((0..200_000).map(Value::Fixnum).collect::<Vec<_>>());
            (equalp_values(&a, &b), equal_values(&a, &b))
        });
        assert_eq!(r, Some((Ok(true), Ok(true))));
    }

    #[test]
    fn equalp_on_a_vector_holding_itself_is_too_deep() {
        let r = on_small_stack(|| {
            let (a, b) = (
                Value::vector(vec![Value::Nil]),
                Value::vector(vec![Value::Nil]),
            );
            for v in [&a, &b] {
                if let Value::Vector(x) = v {
                    x.borrow_mut()[0] = v.clone();
                }
            }
            let r = equalp_values(&a, &b);
            for v in [&a, &b] {
                if let Value::Vector(x) = v {
                    x.borrow_mut().clear();
                }
            }
            r
        });
        assert_eq!(r, Some(Err(TooDeep)));
    }
}

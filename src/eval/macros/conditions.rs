//! The condition system's macros (CLHS 9): `handler-case`,
//! `handler-bind`, `ignore-errors`, `restart-case`,
//! `with-simple-restart`, `assert`, `check-type`. The forms become
//! closures handed to internal functions that establish the handlers and
//! restarts around calling them.

use super::{arity, call, cl, form_and_env, gensym, items, lambda, list, malformed, quote, si};
use crate::builtins::MANY;
use crate::def;
use crate::eval::interp::{Handler, RestartFrame};
use crate::eval::value::{BuiltinFn, Value};
use crate::eval::{Interp, LResult, UnwindKind};

pub const MACROS: &[(&str, BuiltinFn)] = &[
    ("HANDLER-CASE", handler_case),
    ("HANDLER-BIND", handler_bind),
    ("IGNORE-ERRORS", ignore_errors),
    ("RESTART-CASE", restart_case),
    ("WITH-SIMPLE-RESTART", with_simple_restart),
    ("RESTART-BIND", restart_bind),
    ("WITH-CONDITION-RESTARTS", with_condition_restarts),
    ("ASSERT", assert),
    ("CHECK-TYPE", check_type),
];

#[rustfmt::skip]
pub const BUILTINS: &[crate::builtins::BuiltinDef] = &[
    def!("SENDLETTER" : "%HANDLER-CASE", "(thunk types clauses no-error)", 4, 4, handler_case_fn,
        "Call THUNK with a handler per type; a condition unwinds to here and runs its clause function."),
    def!("SENDLETTER" : "%HANDLER-BIND", "(bindings thunk)", 2, 2, handler_bind_fn,
        "Call THUNK with the handlers of BINDINGS (type function ...) established."),
    def!("SENDLETTER" : "%RESTART-CASE", "(thunk clauses &optional condition)", 2, 3, restart_case_fn,
        "Call THUNK with the named restarts established (associated with CONDITION, if given); invoking one runs its clause function."),
    def!("SENDLETTER" : "%RESTART-BIND", "(bindings thunk)", 2, 2, restart_bind_fn,
        "Call THUNK with the restarts of BINDINGS (name function . options) established."),
    def!("SENDLETTER" : "%WITH-CONDITION-RESTARTS", "(condition restarts thunk)", 3, 3, with_condition_restarts_fn,
        "Call THUNK with RESTARTS associated with CONDITION."),
    def!("SENDLETTER" : "%SIGNAL-CONDITION", "(operator datum &rest arguments)", 2, MANY, signal_condition,
        "The condition ERROR, SIGNAL, CERROR or WARN would make of DATUM and ARGUMENTS."),
    def!("SENDLETTER" : "%ASSERT-FAILED", "(test-form arguments)", 2, 2, assert_failed,
        "Signal ASSERT's error with a CONTINUE restart; returns when the restart is taken."),
    def!("SENDLETTER" : "%CHECK-TYPE-FAILED", "(place value type description)", 4, 4, check_type_failed,
        "Signal CHECK-TYPE's type-error."),
];

fn thunk(body: Vec<Value>) -> Value {
    lambda(Value::Nil, body)
}

/// `(handler-case form (type ([var]) . body)... [(:no-error ll . body)])`.
fn handler_case(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let mut types = Vec::new();
    let mut fns = Vec::new();
    let mut no_error = Value::Nil;
    for clause in &x[1..] {
        let c = items(it, clause, &form)?;
        if c.len() < 2 {
            return malformed(it, &form, "a clause without a variable list");
        }
        let is_no_error = c[0]
            .as_symbol()
            .is_some_and(|s| s.name == "NO-ERROR" && s.is_keyword());
        if is_no_error {
            no_error = lambda(c[1].clone(), c[2..].to_vec());
            continue;
        }
        let vars = items(it, &c[1], &form)?;
        let f = match vars.as_slice() {
            [] => {
                let g = gensym("CONDITION");
                let mut body = vec![list([cl("DECLARE"), list([cl("IGNORE"), g.clone()])])];
                body.extend(c[2..].iter().cloned());
                lambda(list([g]), body)
            }
            [v] if v.is_symbol() => lambda(list([v.clone()]), c[2..].to_vec()),
            _ => return malformed(it, &form, "a clause variable list that is not (var)"),
        };
        types.push(c[0].clone());
        fns.push(f);
    }
    Ok(list([
        si("%HANDLER-CASE"),
        thunk(vec![x[0].clone()]),
        quote(Value::list(types)),
        call(cl("LIST"), fns),
        no_error,
    ]))
}

fn handler_bind(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let mut pairs = Vec::new();
    for b in items(it, &x[0], &form)? {
        let bi = items(it, &b, &form)?;
        if bi.len() != 2 {
            return malformed(it, &form, "a binding that is not (type handler)");
        }
        pairs.push(quote(bi[0].clone()));
        pairs.push(bi[1].clone());
    }
    Ok(list([
        si("%HANDLER-BIND"),
        call(cl("LIST"), pairs),
        thunk(x[1..].to_vec()),
    ]))
}

fn ignore_errors(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 0, usize::MAX)?;
    let c = gensym("CONDITION");
    Ok(list([
        cl("HANDLER-CASE"),
        call(cl("PROGN"), x),
        list([
            cl("ERROR"),
            list([c.clone()]),
            list([cl("VALUES"), Value::Nil, c]),
        ]),
    ]))
}

/// `(restart-case form (name ll [:report r] [:interactive i] [:test t] . body)...)`.
/// Each clause becomes `(list name report test function interactive)`; a string report
/// stays a string, a report or test naming a function becomes `#'f`.
fn restart_case(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let mut specs = Vec::new();
    for clause in &x[1..] {
        let c = items(it, clause, &form)?;
        if c.len() < 2 {
            return malformed(it, &form, "a clause without a lambda list");
        }
        let (mut report, mut test, mut interactive) = (Value::Nil, Value::Nil, Value::Nil);
        let mut body = &c[2..];
        while body.len() >= 2 && body[0].as_symbol().is_some_and(|s| s.is_keyword()) {
            let option = body[0]
                .as_symbol()
                .map(|s| s.name.clone())
                .unwrap_or_default();
            let function = || match &body[1] {
                Value::String(_) => body[1].clone(),
                f => list([cl("FUNCTION"), f.clone()]),
            };
            match option.as_str() {
                "REPORT" => report = function(),
                "TEST" => test = function(),
                "INTERACTIVE" => interactive = function(),
                // Any other keyword is the first form of the body.
                _ => break,
            }
            body = &body[2..];
        }
        specs.push(call(
            cl("LIST"),
            [
                quote(c[0].clone()),
                report,
                test,
                lambda(c[1].clone(), body.to_vec()),
                interactive,
            ],
        ));
    }
    // CLHS restart-case: when the form is a call to SIGNAL, ERROR, CERROR
    // or WARN, its restarts are associated with the condition it signals.
    if let Some((bindings, signalling, condition)) = signalling_form(&x[0]) {
        return Ok(list([
            cl("LET*"),
            Value::list(bindings),
            list([
                si("%RESTART-CASE"),
                thunk(vec![signalling]),
                call(cl("LIST"), specs),
                condition,
            ]),
        ]));
    }
    Ok(list([
        si("%RESTART-CASE"),
        thunk(vec![x[0].clone()]),
        call(cl("LIST"), specs),
    ]))
}

/// For `(error datum . args)` and its kin: bindings making the condition
/// first, the call signalling that condition, and its variable.
fn signalling_form(form: &Value) -> Option<(Vec<Value>, Value, Value)> {
    let head = form.car().as_symbol()?;
    let is_cl = head
        .package
        .borrow()
        .as_ref()
        .is_some_and(|p| std::rc::Rc::ptr_eq(p, &crate::eval::package::cl_package()));
    if !is_cl || !form.cdr().is_cons() {
        return None;
    }
    let args: Vec<Value> = form.cdr().list_to_vec()?;
    let c = gensym("CONDITION");
    match head.name.as_str() {
        "SIGNAL" | "ERROR" | "WARN" if !args.is_empty() => {
            let mut make = vec![si("%SIGNAL-CONDITION"), quote(Value::Symbol(head.clone()))];
            make.extend(args);
            let bindings = vec![list([c.clone(), list(make)])];
            Some((bindings, list([Value::Symbol(head), c.clone()]), c))
        }
        "CERROR" if args.len() >= 2 => {
            let control = gensym("CONTINUE-CONTROL");
            let mut make = vec![si("%SIGNAL-CONDITION"), quote(Value::Symbol(head.clone()))];
            make.extend(args[1..].iter().cloned());
            let bindings = vec![
                list([control.clone(), args[0].clone()]),
                list([c.clone(), list(make)]),
            ];
            Some((bindings, list([Value::Symbol(head), control, c.clone()]), c))
        }
        _ => None,
    }
}

/// `(restart-bind ((name function {key value}*)*) . body)`.
fn restart_bind(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let mut specs = Vec::new();
    for binding in items(it, &x[0], &form)? {
        let b = items(it, &binding, &form)?;
        if b.len() < 2 || b.len() % 2 != 0 {
            return malformed(
                it,
                &form,
                "a restart binding that is not (name function {key value}*)",
            );
        }
        let mut spec = vec![quote(b[0].clone()), b[1].clone()];
        for pair in b[2..].chunks(2) {
            let known = pair[0].as_symbol().is_some_and(|s| {
                s.is_keyword()
                    && matches!(
                        s.name.as_str(),
                        "REPORT-FUNCTION" | "INTERACTIVE-FUNCTION" | "TEST-FUNCTION"
                    )
            });
            if !known {
                return malformed(it, &form, "an unknown restart-bind option");
            }
            spec.push(pair[0].clone());
            spec.push(pair[1].clone());
        }
        specs.push(call(cl("LIST"), spec));
    }
    Ok(list([
        si("%RESTART-BIND"),
        call(cl("LIST"), specs),
        thunk(x[1..].to_vec()),
    ]))
}

/// `(with-condition-restarts condition-form restarts-form . body)`.
fn with_condition_restarts(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, usize::MAX)?;
    Ok(list([
        si("%WITH-CONDITION-RESTARTS"),
        x[0].clone(),
        x[1].clone(),
        thunk(x[2..].to_vec()),
    ]))
}

fn with_simple_restart(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let spec = items(it, &x[0], &form)?;
    let Some(name) = spec.first() else {
        return malformed(it, &form, "no restart name");
    };
    // The restart reports FORMAT-CONTROL applied to the ARGUMENTS (CLHS
    // with-simple-restart): `(lambda (s) (format s control . args))`.
    let stream = gensym("STREAM");
    let mut format_call = vec![stream.clone()];
    format_call.extend(spec[1..].iter().cloned());
    let report = Value::cons(
        cl("LAMBDA"),
        list([list([stream]), call(cl("FORMAT"), format_call)]),
    );
    Ok(list([
        cl("RESTART-CASE"),
        call(cl("PROGN"), x[1..].to_vec()),
        list([
            name.clone(),
            Value::Nil,
            Value::Symbol(crate::eval::package::keyword("REPORT")),
            report,
            list([cl("VALUES"), Value::Nil, cl("T")]),
        ]),
    ]))
}

/// `(assert test [places [datum args...]])`: retried after CONTINUE.
fn assert(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 1, usize::MAX)?;
    let top = gensym("ASSERT");
    let datum = if x.len() > 2 {
        call(cl("LIST"), x[2..].to_vec())
    } else {
        Value::Nil
    };
    let fail = list([si("%ASSERT-FAILED"), quote(x[0].clone()), datum]);
    Ok(list([
        cl("TAGBODY"),
        top.clone(),
        list([cl("UNLESS"), x[0].clone(), fail, list([cl("GO"), top])]),
    ]))
}

/// `(check-type place type [description])` (CLHS): the type-error offers
/// a STORE-VALUE restart; the value stored goes into the place and is
/// checked again. `(tagbody top (let ((v place)) (unless (typep v 'type)
/// (setf place (%check-type-failed 'place v 'type description)) (go top))))`.
fn check_type(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let (form, _) = form_and_env(a);
    let x = arity(it, &form, 2, 3)?;
    let v = gensym("VALUE");
    let top = gensym("CHECK");
    let failed = list([
        si("%CHECK-TYPE-FAILED"),
        quote(x[0].clone()),
        v.clone(),
        quote(x[1].clone()),
        x.get(2).cloned().unwrap_or(Value::Nil),
    ]);
    Ok(list([
        cl("TAGBODY"),
        top.clone(),
        list([
            cl("LET"),
            list([list([v.clone(), x[0].clone()])]),
            list([
                cl("UNLESS"),
                list([cl("TYPEP"), v, quote(x[1].clone())]),
                list([cl("SETF"), x[0].clone(), failed]),
                list([cl("GO"), top]),
            ]),
        ]),
    ]))
}

// ----- the internal functions ------------------------------------------

fn handler_case_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let id = it.new_id();
    let types: Vec<Value> = a[1].iter().collect();
    let clauses: Vec<Value> = a[2].iter().collect();
    let cluster = types
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), Handler::Case { id, clause: i }))
        .collect();
    let mark = it.handlers.len();
    it.handlers.push(cluster);
    let r = it.apply(&a[0], &[]);
    it.handlers.truncate(mark);
    match r {
        Ok(v) if a[3].is_nil() => Ok(v),
        Ok(v) => {
            let vals = it.take_values(v);
            it.apply(&a[3], &vals)
        }
        Err(e) => match e.into_kind() {
            UnwindKind::HandlerCase {
                id: hid,
                clause,
                condition,
            } if hid == id => {
                let f = clauses.get(clause).cloned().unwrap_or(Value::Nil);
                it.apply(&f, &[condition])
            }
            other => Err(other.into()),
        },
    }
}

fn handler_bind_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let items: Vec<Value> = a[0].iter().collect();
    let cluster = items
        .chunks(2)
        .map(|p| {
            (
                p[0].clone(),
                Handler::Function(p.get(1).cloned().unwrap_or(Value::Nil)),
            )
        })
        .collect();
    let mark = it.handlers.len();
    it.handlers.push(cluster);
    let r = it.apply(&a[1], &[]);
    it.handlers.truncate(mark);
    r
}

fn restart_bind_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let id = it.new_id();
    let specs: Vec<Vec<Value>> = a[0].iter().map(|s| s.iter().collect()).collect();
    let mark = it.restarts.len();
    for (i, spec) in specs.iter().enumerate() {
        let option = |key: &str| {
            spec[2..]
                .chunks(2)
                .find(|p| p[0].as_symbol().is_some_and(|s| s.name == key))
                .and_then(|p| p.get(1).cloned())
                .filter(|v| v.truthy())
        };
        it.restarts.push(RestartFrame {
            name: spec.first().cloned().unwrap_or(Value::Nil),
            id,
            index: i,
            report: option("REPORT-FUNCTION"),
            test: option("TEST-FUNCTION"),
            interactive: option("INTERACTIVE-FUNCTION"),
            function: Some(spec.get(1).cloned().unwrap_or(Value::Nil)),
        });
    }
    it.restarts[mark..].reverse();
    let r = it.apply(&a[1], &[]);
    it.restarts.truncate(mark);
    r
}

fn with_condition_restarts_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let restarts: Vec<Value> = a[1].iter().collect();
    let mark = crate::builtins::core::associate_restarts(&a[0], &restarts);
    let r = it.apply(&a[2], &[]);
    crate::builtins::core::dissociate_restarts(mark);
    r
}

fn signal_condition(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let default = match a[0].as_symbol().map(|s| s.name.clone()).as_deref() {
        Some("SIGNAL") => "SIMPLE-CONDITION",
        Some("WARN") => "SIMPLE-WARNING",
        _ => "SIMPLE-ERROR",
    };
    it.coerce_to_condition(&a[1..], default)
}

fn restart_case_fn(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let id = it.new_id();
    let specs: Vec<Vec<Value>> = a[1].iter().map(|s| s.iter().collect()).collect();
    let option = |v: Option<&Value>| v.filter(|v| v.truthy()).cloned();
    let mark = it.restarts.len();
    for (i, spec) in specs.iter().enumerate() {
        it.restarts.push(RestartFrame {
            name: spec.first().cloned().unwrap_or(Value::Nil),
            id,
            index: i,
            report: option(spec.get(1)),
            test: option(spec.get(2)),
            interactive: option(spec.get(4)),
            function: None,
        });
    }
    // Innermost restarts are found first; keep the written order.
    it.restarts[mark..].reverse();
    let association = a.get(2).map(|c| {
        let frames: Vec<RestartFrame> = it.restarts[mark..].to_vec();
        crate::builtins::core::associate_frames(c, &frames)
    });
    let r = it.apply(&a[0], &[]);
    if let Some(m) = association {
        crate::builtins::core::dissociate_restarts(m);
    }
    it.restarts.truncate(mark);
    match r {
        Err(e) => match e.into_kind() {
            UnwindKind::Restart {
                id: rid,
                index,
                args,
            } if rid == id => {
                let f = specs
                    .get(index)
                    .and_then(|s| s.get(3))
                    .cloned()
                    .unwrap_or(Value::Nil);
                it.apply(&f, &args)
            }
            other => Err(other.into()),
        },
        ok => ok,
    }
}

fn assert_failed(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let cond = if a[1].is_cons() {
        let args: Vec<Value> = a[1].iter().collect();
        it.coerce_to_condition(&args, "SIMPLE-ERROR")?
    } else {
        let msg = format!(
            "The assertion {} failed.",
            crate::printer::prin1_to_string(&a[0])
        );
        it.make_error("SIMPLE-ERROR", &msg)
    };
    // The test is tried again once CONTINUE is taken (SBCL's report;
    // the places are not asked for again, docs/lisp-differences.md).
    let report = Some(Value::string("Retry assertion."));
    match it.with_reported_restart("CONTINUE", report, |it| Err::<(), _>(it.raise(cond)))? {
        Ok(()) | Err(_) => Ok(Value::Nil),
    }
}

fn check_type_failed(it: &mut Interp, a: &[Value]) -> LResult<Value> {
    let description = match &a[3] {
        Value::String(s) => Value::String(s.clone()),
        _ => Value::string(format!(
            "of type {}",
            crate::printer::prin1_to_string(&a[2])
        )),
    };
    let c = it.make_condition(
        "SIMPLE-TYPE-ERROR",
        &[
            ("DATUM", a[1].clone()),
            ("EXPECTED-TYPE", a[2].clone()),
            (
                "FORMAT-CONTROL",
                Value::string("The value of ~S is ~S, which is not ~A."),
            ),
            (
                "FORMAT-ARGUMENTS",
                Value::list([a[0].clone(), a[1].clone(), description]),
            ),
        ],
    );
    let report = Some(store_value_text(&a[0]));
    match it.with_reported_restart("STORE-VALUE", report, |it| Err::<Value, _>(it.raise(c)))? {
        Ok(v) => Ok(v),
        Err(args) => Ok(args.into_iter().next().unwrap_or(Value::Nil)),
    }
}

/// The STORE-VALUE restart's report of `check-type`, `ccase` and
/// `ctypecase` for `place`, as SBCL words it.
pub(crate) fn store_value_text(place: &Value) -> Value {
    Value::string(format!(
        "Supply a new value for {}.",
        crate::printer::prin1_to_string(place)
    ))
}

//! The extended `LOOP` macro (CLHS 6.1), expanded into `block`, `let`,
//! `tagbody` and `go`. The shape follows the MIT/SBCL implementation so
//! that stepping order and termination match SBCL: each iteration clause
//! contributes pre-step tests, steps, post-step tests and pseudo-steps for
//! the first and for later iterations (CLHS 6.1.2.1).

use std::rc::Rc;

use crate::eval::package::{cl_sym, find_package, intern_in, keyword};
use crate::eval::value::{Symbol, Value};
use crate::printer::prin1_to_string;

/// A loop that cannot be parsed: the message for a `program-error`.
pub type ParseResult<T> = Result<T, String>;

fn sym(name: &str) -> Value {
    Value::Symbol(cl_sym(name))
}

fn list(items: Vec<Value>) -> Value {
    Value::list(items)
}

fn gensym(name: &str) -> Value {
    Value::Symbol(Rc::new(Symbol::new(name)))
}

fn quote(v: Value) -> Value {
    list(vec![sym("QUOTE"), v])
}

/// An internal helper function of the SENDLETTER package.
fn sl_sym(name: &str) -> Value {
    match find_package("SENDLETTER") {
        Some(p) => Value::Symbol(intern_in(name, &p)),
        None => sym(name),
    }
}

/// The name of a loop keyword candidate: loop keywords are compared by
/// symbol name, whatever the package (CLHS 6.1.1.2).
fn kw_name(v: &Value) -> Option<&str> {
    match v {
        Value::Symbol(s) => Some(s.name.as_str()),
        _ => None,
    }
}

fn is_kw(v: &Value, names: &[&str]) -> bool {
    kw_name(v).is_some_and(|n| names.contains(&n))
}

/// `(setq var form)` for a destructuring pattern: NIL parts are skipped,
/// dotted tails get the rest (CLHS 6.1.1.7).
fn desetq(pattern: &Value, form: Value, out: &mut Vec<Value>) {
    match pattern {
        Value::Nil => {}
        Value::Symbol(_) => out.push(list(vec![sym("SETQ"), pattern.clone(), form])),
        Value::Cons(_) => {
            let g = gensym("LOOP-DESETQ-TEMP");
            let mut inner = Vec::new();
            desetq(
                &pattern.car(),
                list(vec![sym("CAR"), g.clone()]),
                &mut inner,
            );
            desetq(
                &pattern.cdr(),
                list(vec![sym("CDR"), g.clone()]),
                &mut inner,
            );
            let mut f = vec![sym("LET"), list(vec![list(vec![g, form])])];
            f.extend(inner);
            out.push(list(f));
        }
        _ => {}
    }
}

/// `let*` bindings of a destructuring pattern's variables to the parts of
/// `form` (a variable holding the whole value).
fn pattern_bindings(pattern: &Value, form: Value, out: &mut Vec<(Value, Value)>) {
    match pattern {
        Value::Symbol(_) => out.push((pattern.clone(), form)),
        Value::Cons(_) => {
            pattern_bindings(&pattern.car(), list(vec![sym("CAR"), form.clone()]), out);
            pattern_bindings(&pattern.cdr(), list(vec![sym("CDR"), form]), out);
        }
        _ => {}
    }
}

/// The variables of a destructuring pattern.
fn pattern_vars(pattern: &Value, out: &mut Vec<Value>) {
    match pattern {
        Value::Symbol(_) => out.push(pattern.clone()),
        Value::Cons(_) => {
            pattern_vars(&pattern.car(), out);
            pattern_vars(&pattern.cdr(), out);
        }
        _ => {}
    }
}

/// One iteration's contribution of a `for`/`as` clause.
#[derive(Default, Clone)]
struct Step {
    pre: Vec<Value>,
    steps: Vec<(Value, Value)>,
    post: Vec<Value>,
    pseudo: Vec<(Value, Value)>,
}

struct ForParts {
    first: Step,
    other: Step,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum AccClass {
    List,
    Sum,
    Max,
    Min,
}

struct Acc {
    /// The user's `into` variable, or `None` for the loop's result.
    into: Option<Value>,
    var: Value,
    class: AccClass,
    tail: Value,
    flag: Value,
}

/// A group of bindings: one `let` (parallel) or `let*`.
struct BindGroup {
    parallel: bool,
    vars: Vec<(Value, Value)>,
}

struct Parser {
    toks: Vec<Value>,
    pos: usize,
    /// Start of the clause being parsed, for error context.
    clause_start: usize,
    name: Value,
    binds: Vec<BindGroup>,
    acc_binds: Vec<(Value, Value)>,
    prologue: Vec<Value>,
    first: Vec<Value>,
    other: Vec<Value>,
    body: Vec<Value>,
    epilogue: Vec<Value>,
    end_tag: Value,
    accs: Vec<Acc>,
    result_t: bool,
    emitted_body: bool,
    /// Set when `it` was substituted in the current conditional.
    it_used: bool,
    /// The variables the clauses bind, each at most once (CLHS 6.1.1.7).
    user_vars: Vec<Value>,
}

const ACCUMULATIONS: &[&str] = &[
    "COLLECT",
    "COLLECTING",
    "APPEND",
    "APPENDING",
    "NCONC",
    "NCONCING",
    "SUM",
    "SUMMING",
    "COUNT",
    "COUNTING",
    "MAXIMIZE",
    "MAXIMIZING",
    "MINIMIZE",
    "MINIMIZING",
];

/// Expand a `(loop ...)` form.
pub fn expand_loop(form: &Value) -> ParseResult<Value> {
    let Some(toks) = form.cdr().list_to_vec() else {
        return Err("LOOP: the loop body is a dotted list".into());
    };
    // A simple loop (CLHS 6.1.1.1.1); like SBCL, any body that does not
    // start with a symbol is one.
    if !toks.first().is_some_and(|t| t.is_symbol()) {
        let top = gensym("LOOP-TOP");
        let mut body = vec![sym("PROGN")];
        body.extend(toks);
        return Ok(list(vec![
            sym("BLOCK"),
            Value::Nil,
            list(vec![
                sym("TAGBODY"),
                top.clone(),
                list(body),
                list(vec![sym("GO"), top]),
            ]),
        ]));
    }
    let mut p = Parser {
        toks,
        pos: 0,
        clause_start: 0,
        name: Value::Nil,
        binds: Vec::new(),
        acc_binds: Vec::new(),
        prologue: Vec::new(),
        first: Vec::new(),
        other: Vec::new(),
        body: Vec::new(),
        epilogue: Vec::new(),
        end_tag: gensym("END-LOOP"),
        accs: Vec::new(),
        result_t: false,
        emitted_body: false,
        it_used: false,
        user_vars: Vec::new(),
    };
    p.parse()?;
    Ok(p.build())
}

impl Parser {
    fn peek(&self) -> Option<&Value> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Value> {
        let v = self.toks.get(self.pos).cloned();
        if v.is_some() {
            self.pos += 1;
        }
        v
    }

    fn peek_kw(&self, names: &[&str]) -> bool {
        self.peek().is_some_and(|v| is_kw(v, names))
    }

    /// The clause being parsed, as SBCL shows it in its messages.
    fn context(&self) -> String {
        let end = self.toks.len().min(self.clause_start + 6);
        let parts: Vec<String> = self
            .toks
            .get(self.clause_start..end)
            .unwrap_or(&[])
            .iter()
            .map(prin1_to_string)
            .collect();
        let more = if end < self.toks.len() { " ..." } else { "" };
        format!("current LOOP context: {}{more}.", parts.join(" "))
    }

    fn error<T>(&self, msg: impl AsRef<str>) -> ParseResult<T> {
        Err(format!("{}\n{}", msg.as_ref(), self.context()))
    }

    fn form(&mut self) -> ParseResult<Value> {
        match self.next() {
            Some(v) => Ok(v),
            None => self.error("LOOP code ran out where a form was expected."),
        }
    }

    /// `do`, `initially`, `finally`: one form, then every following
    /// compound form (SBCL's reading of CLHS 6.1.4).
    fn compound_forms(&mut self) -> ParseResult<Vec<Value>> {
        let mut out = vec![self.form()?];
        while self.peek().is_some_and(|v| v.is_cons()) {
            out.extend(self.next());
        }
        Ok(out)
    }

    fn var_spec(&mut self) -> ParseResult<Value> {
        let v = self.form()?;
        match &v {
            Value::Symbol(_) | Value::Nil | Value::Cons(_) => Ok(v),
            _ => self.error(format!(
                "{} is not a variable or destructuring pattern in LOOP.",
                prin1_to_string(&v)
            )),
        }
    }

    /// Skip an optional type spec after a variable: `of-type T` or one of
    /// the simple types (CLHS 6.1.1.7 — types are not checked). Returns it.
    fn type_spec(&mut self) -> Option<Value> {
        if self.peek_kw(&["OF-TYPE"]) {
            self.pos += 1;
            return self.next();
        }
        if self.peek_kw(&["FIXNUM", "FLOAT", "T", "INTEGER", "NUMBER"]) {
            return self.next();
        }
        None
    }

    fn parse(&mut self) -> ParseResult<()> {
        if self.peek_kw(&["NAMED"]) {
            self.clause_start = self.pos;
            self.pos += 1;
            let n = self.form()?;
            if !n.is_symbol() {
                return self.error("LOOP NAMED needs a symbol.");
            }
            self.name = n;
        }
        while let Some(tok) = self.peek().cloned() {
            self.clause_start = self.pos;
            let Some(name) = kw_name(&tok).map(str::to_string) else {
                return self.error(format!(
                    "{} found where a LOOP keyword was expected.",
                    prin1_to_string(&tok)
                ));
            };
            self.pos += 1;
            match name.as_str() {
                "NAMED" => return self.error("NAMED must be the first LOOP clause."),
                "WITH" => self.with_clause()?,
                "FOR" | "AS" => self.for_clauses()?,
                "REPEAT" => {
                    let n = self.form()?;
                    let c = gensym("LOOP-REPEAT");
                    self.binds.push(BindGroup {
                        parallel: false,
                        vars: vec![(c.clone(), n)],
                    });
                    let f = list(vec![
                        sym("IF"),
                        list(vec![sym("<="), c.clone(), Value::Fixnum(0)]),
                        list(vec![sym("GO"), self.end_tag.clone()]),
                        list(vec![sym("SETQ"), c.clone(), list(vec![sym("1-"), c])]),
                    ]);
                    self.first.push(f.clone());
                    self.other.push(f);
                }
                "INITIALLY" => {
                    let forms = self.compound_forms()?;
                    self.prologue.extend(forms);
                }
                "FINALLY" => {
                    let forms = self.compound_forms()?;
                    self.epilogue.extend(forms);
                }
                "WHILE" | "UNTIL" => {
                    let test = self.form()?;
                    let op = if name == "WHILE" { "UNLESS" } else { "WHEN" };
                    let f = list(vec![
                        sym(op),
                        test,
                        list(vec![sym("GO"), self.end_tag.clone()]),
                    ]);
                    if self.emitted_body {
                        self.body.push(f);
                    } else {
                        self.first.push(f.clone());
                        self.other.push(f);
                    }
                }
                "ALWAYS" | "NEVER" | "THEREIS" => {
                    let test = self.form()?;
                    let ret =
                        |v: Value, name: &Value| list(vec![sym("RETURN-FROM"), name.clone(), v]);
                    let f = match name.as_str() {
                        "ALWAYS" => list(vec![sym("UNLESS"), test, ret(Value::Nil, &self.name)]),
                        "NEVER" => list(vec![sym("WHEN"), test, ret(Value::Nil, &self.name)]),
                        _ => {
                            let g = gensym("LOOP-THEREIS");
                            list(vec![
                                sym("LET"),
                                list(vec![list(vec![g.clone(), test])]),
                                list(vec![sym("WHEN"), g.clone(), ret(g, &self.name)]),
                            ])
                        }
                    };
                    if name != "THEREIS" {
                        self.result_t = true;
                    }
                    self.emit(f);
                }
                _ => {
                    self.pos -= 1;
                    match self.selectable(false)? {
                        Some(f) => self.emit(f),
                        None => {
                            return self.error(format!("unknown LOOP keyword: {name}"));
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn emit(&mut self, f: Value) {
        self.emitted_body = true;
        self.body.push(f);
    }

    /// `with var [type] [= form] {and var [type] [= form]}*`.
    /// Record the variables of a clause's pattern; one the loop already
    /// binds is an error (CLHS 6.1.1.7: "the same variable ... more than
    /// once").
    fn declare(&mut self, pattern: &Value) -> ParseResult<()> {
        let mut vars = Vec::new();
        pattern_vars(pattern, &mut vars);
        for v in vars {
            if self.user_vars.iter().any(|u| u.eq(&v)) {
                return self.error(format!(
                    "LOOP: the variable {} is bound more than once.",
                    prin1_to_string(&v)
                ));
            }
            self.user_vars.push(v);
        }
        Ok(())
    }

    fn with_clause(&mut self) -> ParseResult<()> {
        let mut group = Vec::new();
        let mut parallel = true;
        loop {
            let var = self.var_spec()?;
            self.declare(&var)?;
            let ty = self.type_spec();
            let init = if self.peek_kw(&["="]) {
                self.pos += 1;
                Some(self.form()?)
            } else {
                None
            };
            match (&var, init) {
                (Value::Cons(_), Some(init)) => {
                    // Destructure through a temporary; later parts see
                    // earlier ones, so the group becomes sequential.
                    let g = gensym("LOOP-WITH");
                    group.push((g.clone(), init));
                    pattern_bindings(&var, g, &mut group);
                    parallel = false;
                }
                (_, init) => {
                    let mut vars = Vec::new();
                    pattern_vars(&var, &mut vars);
                    let single = vars.len() == 1 && var.is_symbol();
                    for v in vars {
                        let i = match (&init, single) {
                            (Some(i), true) => i.clone(),
                            _ => type_default(ty.as_ref()),
                        };
                        group.push((v, i));
                    }
                }
            }
            if self.peek_kw(&["AND"]) {
                self.pos += 1;
                continue;
            }
            break;
        }
        self.binds.push(BindGroup {
            parallel,
            vars: group,
        });
        Ok(())
    }

    /// `for` clauses joined by `and` step in parallel (CLHS 6.1.2.1).
    fn for_clauses(&mut self) -> ParseResult<()> {
        let mut group = vec![self.for_clause()?];
        while self.peek_kw(&["AND"]) {
            self.pos += 1;
            group.push(self.for_clause()?);
        }
        let end = self.end_tag.clone();
        let firsts: Vec<Step> = group.iter().map(|g| g.first.clone()).collect();
        let others: Vec<Step> = group.iter().map(|g| g.other.clone()).collect();
        let parallel = group.len() > 1;
        let f = emit_steps(&firsts, &end, parallel);
        let o = emit_steps(&others, &end, parallel);
        self.first.extend(f);
        self.other.extend(o);
        Ok(())
    }

    fn bind(&mut self, var: Value, init: Value) {
        self.binds.push(BindGroup {
            parallel: false,
            vars: vec![(var, init)],
        });
    }

    fn bind_pattern(&mut self, pattern: &Value) {
        let mut vars = Vec::new();
        pattern_vars(pattern, &mut vars);
        for v in vars {
            self.bind(v, Value::Nil);
        }
    }

    fn for_clause(&mut self) -> ParseResult<ForParts> {
        let var = self.var_spec()?;
        self.declare(&var)?;
        self.type_spec();
        let Some(prep) = self.next() else {
            return self.error("LOOP code ran out where a FOR preposition was expected.");
        };
        match kw_name(&prep).unwrap_or("") {
            "IN" => self.for_in(var, false),
            "ON" => self.for_in(var, true),
            "=" => {
                let init = self.form()?;
                self.bind_pattern(&var);
                if self.peek_kw(&["THEN"]) {
                    self.pos += 1;
                    let then = self.form()?;
                    Ok(ForParts {
                        first: Step {
                            steps: vec![(var.clone(), init)],
                            ..Step::default()
                        },
                        other: Step {
                            steps: vec![(var, then)],
                            ..Step::default()
                        },
                    })
                } else {
                    let s = Step {
                        steps: vec![(var, init)],
                        ..Step::default()
                    };
                    Ok(ForParts {
                        first: s.clone(),
                        other: s,
                    })
                }
            }
            "ACROSS" => {
                let v = self.form()?;
                Ok(self.indexed(var, v, "AREF"))
            }
            "BEING" => self.for_being(var),
            "FROM" | "DOWNFROM" | "UPFROM" | "TO" | "UPTO" | "BELOW" | "DOWNTO" | "ABOVE"
            | "BY" => {
                self.pos -= 1;
                self.for_arith(var)
            }
            _ => self.error(format!(
                "{} is an unknown keyword in FOR or AS clause in LOOP.",
                prin1_to_string(&prep)
            )),
        }
    }

    /// `for x in list [by f]` and `for x on list [by f]`.
    fn for_in(&mut self, var: Value, on: bool) -> ParseResult<ForParts> {
        let lst = self.form()?;
        let by = if self.peek_kw(&["BY"]) {
            self.pos += 1;
            Some(self.form()?)
        } else {
            None
        };
        let step_of = |lv: &Value, by: &Option<Value>| match by {
            Some(f) => list(vec![sym("FUNCALL"), f.clone(), lv.clone()]),
            None => list(vec![sym("CDR"), lv.clone()]),
        };
        // The step function is evaluated once, before the loop.
        let by = match by {
            Some(f) if !is_function_form(&f) => {
                let g = gensym("LOOP-BY");
                self.bind(g.clone(), f);
                Some(g)
            }
            other => other,
        };
        if on && var.is_symbol() && !var.is_nil() {
            // SBCL steps the variable itself: after the loop it holds the
            // final atom.
            self.bind(var.clone(), lst);
            let test = list(vec![sym("ATOM"), var.clone()]);
            return Ok(ForParts {
                first: Step {
                    post: vec![test.clone()],
                    ..Step::default()
                },
                other: Step {
                    steps: vec![(var.clone(), step_of(&var, &by))],
                    post: vec![test],
                    ..Step::default()
                },
            });
        }
        let lv = gensym("LOOP-LIST");
        self.bind_pattern(&var);
        self.bind(lv.clone(), lst);
        let test = list(vec![sym(if on { "ATOM" } else { "ENDP" }), lv.clone()]);
        let value = if on {
            lv.clone()
        } else {
            list(vec![sym("CAR"), lv.clone()])
        };
        let s = Step {
            pre: vec![test],
            steps: vec![(var, value)],
            post: vec![],
            pseudo: vec![(lv.clone(), step_of(&lv, &by))],
        };
        Ok(ForParts {
            first: s.clone(),
            other: s,
        })
    }

    /// `across` and `being the elements of`: an index over a sequence.
    fn indexed(&mut self, var: Value, seq: Value, accessor: &str) -> ForParts {
        let v = gensym("LOOP-ACROSS-VECTOR");
        let i = gensym("LOOP-ACROSS-INDEX");
        let n = gensym("LOOP-ACROSS-LIMIT");
        self.bind_pattern(&var);
        self.bind(v.clone(), seq);
        self.bind(i.clone(), Value::Fixnum(0));
        self.bind(n.clone(), list(vec![sym("LENGTH"), v.clone()]));
        let s = Step {
            pre: vec![list(vec![sym(">="), i.clone(), n])],
            steps: vec![(var, list(vec![sym(accessor), v, i.clone()]))],
            post: vec![],
            pseudo: vec![(i.clone(), list(vec![sym("1+"), i]))],
        };
        ForParts {
            first: s.clone(),
            other: s,
        }
    }

    /// `for x being {the|each} {hash-key[s]|hash-value[s]|element[s]}
    /// {of|in} form [using (hash-value|hash-key v)]` (CLHS 6.1.2.1.6).
    fn for_being(&mut self, var: Value) -> ParseResult<ForParts> {
        if self.peek_kw(&["THE", "EACH"]) {
            self.pos += 1;
        }
        let Some(kind) = self.next() else {
            return self.error("LOOP code ran out after BEING.");
        };
        let kind = kw_name(&kind).unwrap_or("").to_string();
        if let Some(types) = package_path_types(&kind) {
            return self.for_package_symbols(var, types);
        }
        if !self.peek_kw(&["OF", "IN"]) {
            return self.error(format!("LOOP: OF or IN expected after BEING THE {kind}."));
        }
        self.pos += 1;
        let source = self.form()?;
        let mut other_var = None;
        if self.peek_kw(&["USING"]) {
            self.pos += 1;
            let u = self.form()?;
            let ok = u.is_cons()
                && is_kw(&u.car(), &["HASH-VALUE", "HASH-KEY"])
                && u.cdr().car().is_symbol()
                && u.cdr().cdr().is_nil();
            if !ok {
                return self
                    .error("LOOP: bad USING clause; expected (HASH-VALUE var) or (HASH-KEY var).");
            }
            other_var = Some(u.cdr().car());
        }
        let keys = match kind.as_str() {
            "HASH-KEY" | "HASH-KEYS" => true,
            "HASH-VALUE" | "HASH-VALUES" => false,
            "ELEMENT" | "ELEMENTS" => return Ok(self.indexed(var, source, "ELT")),
            _ => {
                return self.error(format!(
                    "{kind} is not a LOOP iteration path (hash-keys, hash-values, elements, symbols, present-symbols, external-symbols)."
                ))
            }
        };
        // Iterate over a snapshot of the entries, in the table's order.
        let lv = gensym("LOOP-HASH-ENTRIES");
        self.bind_pattern(&var);
        if let Some(o) = &other_var {
            self.bind_pattern(o);
        }
        self.bind(lv.clone(), list(vec![sl_sym("%HASH-PAIRS"), source]));
        let entry = list(vec![sym("CAR"), lv.clone()]);
        let key = list(vec![sym("CAR"), entry.clone()]);
        let val = list(vec![sym("CDR"), entry]);
        let (mine, theirs) = if keys { (key, val) } else { (val, key) };
        let mut steps = vec![(var, mine)];
        if let Some(o) = other_var {
            steps.push((o, theirs));
        }
        let s = Step {
            pre: vec![list(vec![sym("ENDP"), lv.clone()])],
            steps,
            post: vec![],
            pseudo: vec![(lv.clone(), list(vec![sym("CDR"), lv]))],
        };
        Ok(ForParts {
            first: s.clone(),
            other: s,
        })
    }

    /// `for x being {the|each} {symbol[s]|present-symbol[s]|external-symbol[s]}
    /// [{of|in} package]` (CLHS 6.1.2.1.7): the package defaults to the
    /// current one; the symbols are a snapshot taken when the loop starts.
    fn for_package_symbols(&mut self, var: Value, types: &[&str]) -> ParseResult<ForParts> {
        let package = if self.peek_kw(&["OF", "IN"]) {
            self.pos += 1;
            self.form()?
        } else {
            sym("*PACKAGE*")
        };
        let lv = gensym("LOOP-PACKAGE-SYMBOLS");
        self.bind_pattern(&var);
        let quoted_types = list(vec![
            sym("QUOTE"),
            list(types.iter().map(|t| Value::Symbol(keyword(t))).collect()),
        ]);
        self.bind(
            lv.clone(),
            list(vec![
                sl_sym("%PACKAGE-ITERATOR-ENTRIES"),
                list(vec![sym("LIST"), package]),
                quoted_types,
            ]),
        );
        let s = Step {
            pre: vec![list(vec![sym("ENDP"), lv.clone()])],
            steps: vec![(var, list(vec![sym("CAAR"), lv.clone()]))],
            post: vec![],
            pseudo: vec![(lv.clone(), list(vec![sym("CDR"), lv]))],
        };
        Ok(ForParts {
            first: s.clone(),
            other: s,
        })
    }

    /// Arithmetic stepping (CLHS 6.1.2.1.1): from/downfrom/upfrom,
    /// to/upto/below/downto/above, by — in any order, each at most once.
    fn for_arith(&mut self, var: Value) -> ParseResult<ForParts> {
        // `for nil from ...` counts without a visible variable.
        let var = if var.is_nil() {
            gensym("LOOP-COUNTER")
        } else {
            var
        };
        if !var.is_symbol() {
            return self.error("LOOP: arithmetic FOR needs a simple variable.");
        }
        let mut start_seen = false;
        let mut limit: Option<(Value, bool)> = None; // (form, inclusive)
        let mut by: Option<Value> = None;
        let mut down: Option<bool> = None;
        let set_dir = |p: &Parser, down: &mut Option<bool>, d: bool| -> ParseResult<()> {
            match *down {
                Some(x) if x != d => {
                    p.error("LOOP: conflicting stepping directions in FOR clause.")
                }
                _ => {
                    *down = Some(d);
                    Ok(())
                }
            }
        };
        while let Some(k) = self.peek().and_then(kw_name).map(str::to_string) {
            match k.as_str() {
                "FROM" | "DOWNFROM" | "UPFROM" => {
                    if start_seen {
                        return self.error("LOOP: two starting points in FOR clause.");
                    }
                    self.pos += 1;
                    if k == "DOWNFROM" {
                        set_dir(self, &mut down, true)?;
                    } else if k == "UPFROM" {
                        set_dir(self, &mut down, false)?;
                    }
                    let f = self.form()?;
                    self.bind(var.clone(), f);
                    start_seen = true;
                }
                "TO" | "UPTO" | "BELOW" | "DOWNTO" | "ABOVE" => {
                    if limit.is_some() {
                        return self.error("LOOP: two limits in FOR clause.");
                    }
                    self.pos += 1;
                    match k.as_str() {
                        "UPTO" | "BELOW" => set_dir(self, &mut down, false)?,
                        "DOWNTO" | "ABOVE" => set_dir(self, &mut down, true)?,
                        _ => {}
                    }
                    let f = self.form()?;
                    let f = self.once(f, "LOOP-LIMIT");
                    limit = Some((f, !matches!(k.as_str(), "BELOW" | "ABOVE")));
                }
                "BY" => {
                    if by.is_some() {
                        return self.error("LOOP: two BY steps in FOR clause.");
                    }
                    self.pos += 1;
                    let f = self.form()?;
                    // A positive literal needs no check; anything else is
                    // checked once, before the loop.
                    let f = match f {
                        Value::Fixnum(n) if n > 0 => f,
                        _ => list(vec![sl_sym("%LOOP-STEP-BY"), f]),
                    };
                    by = Some(self.once(f, "LOOP-STEP"));
                }
                _ => break,
            }
        }
        let down = down.unwrap_or(false);
        if !start_seen {
            if down {
                return self.error("LOOP: a decreasing FOR clause needs FROM or DOWNFROM.");
            }
            self.bind(var.clone(), Value::Fixnum(0));
        }
        let by = by.unwrap_or(Value::Fixnum(1));
        let step = list(vec![sym(if down { "-" } else { "+" }), var.clone(), by]);
        let test = limit.map(|(lim, inclusive)| {
            let op = match (down, inclusive) {
                (false, true) => ">",
                (false, false) => ">=",
                (true, true) => "<",
                (true, false) => "<=",
            };
            list(vec![sym(op), var.clone(), lim])
        });
        let tests: Vec<Value> = test.into_iter().collect();
        Ok(ForParts {
            first: Step {
                post: tests.clone(),
                ..Step::default()
            },
            other: Step {
                steps: vec![(var, step)],
                post: tests,
                ..Step::default()
            },
        })
    }

    /// A form evaluated once before the loop: constants stay inline.
    fn once(&mut self, f: Value, name: &str) -> Value {
        if f.is_cons() || (f.is_symbol() && !f.is_nil()) {
            let g = gensym(name);
            self.bind(g.clone(), f);
            g
        } else {
            f
        }
    }

    /// A clause allowed in the body and inside conditionals (CLHS 6.1.1.5
    /// `selectable-clause`): accumulation, `do`, `return`, conditionals.
    /// `it_var` replaces the form `it` in the first clause of a conditional.
    /// Returns `None` if the next token starts no such clause.
    fn selectable(&mut self, in_cond: bool) -> ParseResult<Option<Value>> {
        self.selectable_it(in_cond, None)
    }

    fn selectable_it(
        &mut self,
        in_cond: bool,
        it_var: Option<&Value>,
    ) -> ParseResult<Option<Value>> {
        let Some(tok) = self.peek().cloned() else {
            return self.error("LOOP code ran out where a clause was expected.");
        };
        let Some(name) = kw_name(&tok).map(str::to_string) else {
            return Ok(None);
        };
        let start = self.pos;
        if !in_cond {
            self.clause_start = start;
        }
        self.pos += 1;
        let take_form = |p: &mut Parser| -> ParseResult<Value> {
            let f = p.form()?;
            match it_var {
                Some(g) if is_kw(&f, &["IT"]) => {
                    p.it_used = true;
                    Ok(g.clone())
                }
                _ => Ok(f),
            }
        };
        match name.as_str() {
            "DO" | "DOING" => {
                let mut f = vec![sym("PROGN")];
                f.extend(self.compound_forms()?);
                Ok(Some(list(f)))
            }
            "RETURN" => {
                let v = take_form(self)?;
                Ok(Some(list(vec![sym("RETURN-FROM"), self.name.clone(), v])))
            }
            "WHEN" | "IF" | "UNLESS" => Ok(Some(self.conditional(name == "UNLESS")?)),
            n if ACCUMULATIONS.contains(&n) => {
                let v = take_form(self)?;
                let into = if self.peek_kw(&["INTO"]) {
                    self.pos += 1;
                    let var = self.form()?;
                    if !var.is_symbol() || var.is_nil() {
                        return self.error("LOOP: INTO needs a variable name.");
                    }
                    Some(var)
                } else {
                    None
                };
                let ty = self.type_spec();
                Ok(Some(self.accumulate(n, v, into, ty)?))
            }
            _ => {
                self.pos = start;
                Ok(None)
            }
        }
    }

    /// `when test clause {and clause}* [else clause {and clause}*] [end]`.
    /// `it` as the form of a branch's first clause is the test's value
    /// (CLHS 6.1.6).
    fn conditional(&mut self, negate: bool) -> ParseResult<Value> {
        let test = self.form()?;
        let it_var = gensym("LOOP-IT");
        let saved = std::mem::replace(&mut self.it_used, false);
        let then = self.branch(&it_var)?;
        let els = if self.peek_kw(&["ELSE"]) {
            self.pos += 1;
            Some(self.branch(&it_var)?)
        } else {
            None
        };
        if self.peek_kw(&["END"]) {
            self.pos += 1;
        }
        let used_it = std::mem::replace(&mut self.it_used, saved);
        let progn = |forms: Vec<Value>| {
            let mut f = vec![sym("PROGN")];
            f.extend(forms);
            list(f)
        };
        let t = if used_it {
            it_var.clone()
        } else {
            test.clone()
        };
        let t = if negate { list(vec![sym("NOT"), t]) } else { t };
        let mut f = vec![sym("IF"), t, progn(then)];
        if let Some(e) = els {
            f.push(progn(e));
        }
        let f = list(f);
        Ok(if used_it {
            list(vec![sym("LET"), list(vec![list(vec![it_var, test])]), f])
        } else {
            f
        })
    }

    /// The clauses of one branch of a conditional, joined by `and`.
    fn branch(&mut self, it_var: &Value) -> ParseResult<Vec<Value>> {
        let mut forms = Vec::new();
        let mut first = true;
        loop {
            let it = if first { Some(it_var) } else { None };
            match self.selectable_it(true, it)? {
                Some(f) => forms.push(f),
                None => {
                    let what = self.peek().map(prin1_to_string).unwrap_or_default();
                    return self.error(format!(
                        "{what} is not a clause allowed in a LOOP conditional."
                    ));
                }
            }
            first = false;
            if self.peek_kw(&["AND"]) {
                self.pos += 1;
                continue;
            }
            return Ok(forms);
        }
    }

    fn accumulate(
        &mut self,
        kind: &str,
        form: Value,
        into: Option<Value>,
        ty: Option<Value>,
    ) -> ParseResult<Value> {
        let class = match kind {
            "COLLECT" | "COLLECTING" | "APPEND" | "APPENDING" | "NCONC" | "NCONCING" => {
                AccClass::List
            }
            "SUM" | "SUMMING" | "COUNT" | "COUNTING" => AccClass::Sum,
            "MAXIMIZE" | "MAXIMIZING" => AccClass::Max,
            _ => AccClass::Min,
        };
        let idx = self.accs.iter().position(|a| match (&a.into, &into) {
            (None, None) => true,
            (Some(x), Some(y)) => x.eq(y),
            _ => false,
        });
        let idx = match idx {
            Some(i) => {
                if self.accs[i].class != class {
                    let what = match &into {
                        Some(v) => format!("the variable {}", prin1_to_string(v)),
                        None => "the loop's value".to_string(),
                    };
                    return self.error(format!(
                        "LOOP: {kind} conflicts with an earlier accumulation into {what}."
                    ));
                }
                i
            }
            None => {
                if let Some(v) = &into {
                    self.declare(v)?;
                }
                let var = into.clone().unwrap_or_else(|| gensym("LOOP-RESULT"));
                let init = match class {
                    AccClass::List => Value::Nil,
                    _ => zero_of_type(ty.as_ref()),
                };
                let tail = gensym("LOOP-TAIL");
                let flag = gensym("LOOP-MINMAX-FLAG");
                self.acc_binds.push((var.clone(), init));
                match class {
                    AccClass::List => self.acc_binds.push((tail.clone(), Value::Nil)),
                    AccClass::Max | AccClass::Min => {
                        self.acc_binds.push((flag.clone(), Value::Nil))
                    }
                    AccClass::Sum => {}
                }
                self.accs.push(Acc {
                    into,
                    var,
                    class,
                    tail,
                    flag,
                });
                self.accs.len() - 1
            }
        };
        let a = &self.accs[idx];
        let var = a.var.clone();
        let setq = |v: &Value, f: Value| list(vec![sym("SETQ"), v.clone(), f]);
        Ok(match kind {
            "COLLECT" | "COLLECTING" | "APPEND" | "APPENDING" | "NCONC" | "NCONCING" => {
                let g = gensym("LOOP-NEW");
                let tail = a.tail.clone();
                let new = match kind {
                    "COLLECT" | "COLLECTING" => list(vec![sym("LIST"), form]),
                    "APPEND" | "APPENDING" => list(vec![sym("COPY-LIST"), form]),
                    _ => form,
                };
                let link = list(vec![
                    sym("IF"),
                    tail.clone(),
                    list(vec![
                        sym("SETF"),
                        list(vec![sym("CDR"), tail.clone()]),
                        g.clone(),
                    ]),
                    setq(&var, g.clone()),
                ]);
                let advance = setq(&tail, list(vec![sym("LAST"), g.clone()]));
                list(vec![
                    sym("LET"),
                    list(vec![list(vec![g.clone(), new])]),
                    list(vec![sym("WHEN"), g, link, advance]),
                ])
            }
            "SUM" | "SUMMING" => setq(&var, list(vec![sym("+"), var.clone(), form])),
            "COUNT" | "COUNTING" => list(vec![
                sym("WHEN"),
                form,
                setq(&var, list(vec![sym("1+"), var.clone()])),
            ]),
            _ => {
                let g = gensym("LOOP-MINMAX");
                let flag = a.flag.clone();
                let cmp = if a.class == AccClass::Max { ">" } else { "<" };
                list(vec![
                    sym("LET"),
                    list(vec![list(vec![g.clone(), form])]),
                    list(vec![
                        sym("WHEN"),
                        list(vec![
                            sym("OR"),
                            list(vec![sym("NOT"), flag.clone()]),
                            list(vec![sym(cmp), g.clone(), var.clone()]),
                        ]),
                        setq(&var, g),
                    ]),
                    setq(&flag, sym("T")),
                ])
            }
        })
    }

    fn build(self) -> Value {
        let end = self.end_tag.clone();
        let result = match self.accs.iter().find(|a| a.into.is_none()) {
            Some(a) => a.var.clone(),
            None if self.result_t => sym("T"),
            None => Value::Nil,
        };
        let progn = |forms: Vec<Value>| {
            let mut f = vec![sym("PROGN")];
            f.extend(forms);
            list(f)
        };
        let next = gensym("NEXT-LOOP");
        let tagbody = list(vec![
            sym("TAGBODY"),
            progn(self.prologue),
            progn(self.first),
            next.clone(),
            progn(self.body),
            progn(self.other),
            list(vec![sym("GO"), next]),
            end.clone(),
            progn(self.epilogue),
            list(vec![sym("RETURN-FROM"), self.name.clone(), result]),
        ]);
        // `(loop-finish)` jumps to the epilogue of the innermost loop.
        let mut inner = list(vec![
            sym("MACROLET"),
            list(vec![list(vec![
                sym("LOOP-FINISH"),
                Value::Nil,
                quote(list(vec![sym("GO"), end])),
            ])]),
            tagbody,
        ]);
        // Bindings, innermost last: consecutive sequential groups share a let*.
        let mut groups: Vec<(bool, Vec<(Value, Value)>)> = Vec::new();
        for g in self.binds {
            match groups.last_mut() {
                Some((false, vars)) if !g.parallel => vars.extend(g.vars),
                _ => groups.push((g.parallel, g.vars)),
            }
        }
        for (parallel, vars) in groups.into_iter().rev() {
            let bl = list(vars.into_iter().map(|(v, i)| list(vec![v, i])).collect());
            inner = list(vec![sym(if parallel { "LET" } else { "LET*" }), bl, inner]);
        }
        if !self.acc_binds.is_empty() {
            let bl = list(
                self.acc_binds
                    .into_iter()
                    .map(|(v, i)| list(vec![v, i]))
                    .collect(),
            );
            inner = list(vec![sym("LET"), bl, inner]);
        }
        list(vec![sym("BLOCK"), self.name, inner])
    }
}

/// The initial value of a `with` variable without `=`: 0 for numeric
/// types, as SBCL does; NIL otherwise.
fn type_default(ty: Option<&Value>) -> Value {
    match ty.and_then(kw_name) {
        Some("FIXNUM" | "INTEGER" | "NUMBER" | "BIT" | "UNSIGNED-BYTE") => Value::Fixnum(0),
        Some("FLOAT" | "SINGLE-FLOAT" | "REAL") => Value::Single(0.0),
        Some("DOUBLE-FLOAT") => Value::Double(0.0),
        _ => Value::Nil,
    }
}

/// `#'f` and `(lambda ...)` need no temporary.
fn is_function_form(f: &Value) -> bool {
    f.is_cons() && is_kw(&f.car(), &["FUNCTION", "QUOTE"])
}

/// The forms of one iteration for a group of `for` clauses: pre-step
/// tests, steps (in parallel for an `and` group), post-step tests,
/// pseudo-steps.
fn emit_steps(parts: &[Step], end: &Value, parallel: bool) -> Vec<Value> {
    let mut out = Vec::new();
    let go = list(vec![sym("GO"), end.clone()]);
    let test = |tests: Vec<Value>| -> Option<Value> {
        match tests.len() {
            0 => None,
            1 => tests.into_iter().next(),
            _ => {
                let mut f = vec![sym("OR")];
                f.extend(tests);
                Some(list(f))
            }
        }
    };
    let pre: Vec<Value> = parts.iter().flat_map(|p| p.pre.clone()).collect();
    if let Some(t) = test(pre) {
        out.push(list(vec![sym("WHEN"), t, go.clone()]));
    }
    let steps: Vec<(Value, Value)> = parts.iter().flat_map(|p| p.steps.clone()).collect();
    if parallel && steps.len() > 1 {
        let temps: Vec<Value> = steps.iter().map(|_| gensym("LOOP-PSETQ")).collect();
        let mut sets = Vec::new();
        for ((pat, _), t) in steps.iter().zip(&temps) {
            desetq(pat, t.clone(), &mut sets);
        }
        let bl = list(
            steps
                .iter()
                .zip(&temps)
                .map(|((_, f), t)| list(vec![t.clone(), f.clone()]))
                .collect(),
        );
        let mut f = vec![sym("LET"), bl];
        f.extend(sets);
        out.push(list(f));
    } else {
        for (pat, f) in steps {
            desetq(&pat, f, &mut out);
        }
    }
    let post: Vec<Value> = parts.iter().flat_map(|p| p.post.clone()).collect();
    if let Some(t) = test(post) {
        out.push(list(vec![sym("WHEN"), t, go]));
    }
    for (pat, f) in parts.iter().flat_map(|p| p.pseudo.clone()) {
        desetq(&pat, f, &mut out);
    }
    out
}

/// A numeric accumulation's initial value: zero of its declared type
/// (`sum x of-type float` starts at 0.0, CLHS 6.1.3), else 0.
fn zero_of_type(ty: Option<&Value>) -> Value {
    let name = match ty {
        Some(Value::Cons(_)) => ty.map(|t| t.car()),
        other => other.cloned(),
    };
    match name
        .as_ref()
        .and_then(|n| n.as_symbol())
        .map(|s| s.name.clone())
    {
        Some(n) if n == "DOUBLE-FLOAT" || n == "LONG-FLOAT" => Value::Double(0.0),
        Some(n) if n == "FLOAT" || n == "SINGLE-FLOAT" || n == "SHORT-FLOAT" => Value::Single(0.0),
        _ => Value::Fixnum(0),
    }
}

/// The `with-package-iterator` symbol types a package path of LOOP visits.
fn package_path_types(kind: &str) -> Option<&'static [&'static str]> {
    match kind {
        "SYMBOL" | "SYMBOLS" => Some(&["INTERNAL", "EXTERNAL", "INHERITED"]),
        "PRESENT-SYMBOL" | "PRESENT-SYMBOLS" => Some(&["INTERNAL", "EXTERNAL"]),
        "EXTERNAL-SYMBOL" | "EXTERNAL-SYMBOLS" => Some(&["EXTERNAL"]),
        _ => None,
    }
}

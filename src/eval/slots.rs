//! Lexical variables resolved to slots at analysis time.
//!
//! A `let`/`let*` whose scope is closed — no closure, no form analysed
//! or interpreted later (a call that may turn out to be a macro, a macro
//! whose expansion failed), no special declaration — keeps its variables
//! in `Interp::locals`, a stack of values, instead of binding cells on the
//! `Env` chain. Every reference in the analysed body is rewritten from
//! `Node::Var(symbol)` to `Node::Local(distance)`, the distance from the
//! top of that stack when the reference runs; `setq` likewise. Only slot
//! lets push onto the stack, and each pops what it pushed however it is
//! left, so the distance is fixed at analysis time.
//!
//! The analysis environment (`Compiler::cenv`) still holds the variables,
//! so symbol macros are shadowed and macros' `&environment` sees them as
//! before; only the run-time representation changes.

use std::rc::Rc;

use super::node::Node;
use super::value::Sym;

/// A variable being resolved: its symbol and its distance from the top
/// of the local stack where its scope begins.
#[derive(Clone)]
pub(crate) struct Target {
    pub sym: Sym,
    pub distance: usize,
}

/// Rewrite references to `targets` in `node`, which runs with `extra`
/// more slots pushed than where the targets' distances were counted.
pub(crate) fn resolve(node: &mut Node, targets: &[Target], extra: usize) {
    if targets.is_empty() {
        return;
    }
    let find = |s: &Sym| {
        targets
            .iter()
            .rev()
            .find(|t| Rc::ptr_eq(&t.sym, s))
            .map(|t| t.distance + extra)
    };
    match node {
        Node::Var(s) => {
            if let Some(d) = find(s) {
                *node = Node::Local(d);
            }
        }
        Node::Setq(pairs) => {
            for (_, value) in pairs.iter_mut() {
                resolve(value, targets, extra);
            }
            if pairs.iter().any(|(s, _)| find(s).is_some()) {
                // Split into one assignment per variable, in order; the
                // last one's value is the setq's (CLHS setq).
                let pairs = std::mem::take(pairs).into_vec();
                let mut steps: Vec<Node> = pairs
                    .into_iter()
                    .map(|(s, value)| match find(&s) {
                        Some(d) => Node::SetLocal(d, Box::new(value)),
                        None => Node::Setq(Box::new([(s, value)])),
                    })
                    .collect();
                *node = match steps.len() {
                    1 => steps.pop().unwrap_or(Node::Const(super::value::Value::Nil)),
                    _ => Node::Progn(steps.into_boxed_slice()),
                };
            }
        }
        Node::SetLocal(_, value) => resolve(value, targets, extra),
        Node::Local(_)
        | Node::Const(_)
        | Node::Function(_)
        | Node::FunctionSetf(_)
        | Node::Fail(_)
        | Node::Go(_)
        | Node::Jump { .. } => {}
        // Analysed in the null lexical environment.
        Node::LoadTimeValue { .. } => {}
        // Closures and forms analysed when they run see the environment
        // chain: a scope holding one of these is never given slots
        // (`Compiler::escapes`), so they do not occur here.
        Node::Lambda(_) | Node::MakeFunction(..) | Node::Reexpand { .. } => {}
        Node::Flet { body, .. } => resolve(body, targets, extra),
        Node::Call { args, .. } | Node::Prim { args, .. } => {
            for a in args.iter_mut() {
                resolve(a, targets, extra);
            }
        }
        Node::If(branches) => {
            let (t, a, b) = &mut **branches;
            resolve(t, targets, extra);
            resolve(a, targets, extra);
            resolve(b, targets, extra);
        }
        Node::Progn(body) => resolve_all(body, targets, extra),
        Node::Block { body, .. } => resolve_all(body, targets, extra),
        Node::ReturnFrom { value, .. } => resolve(value, targets, extra),
        Node::Tagbody(t) => resolve_all(&mut t.statements, targets, extra),
        Node::Catch { tag, body } => {
            resolve(tag, targets, extra);
            resolve_all(body, targets, extra);
        }
        Node::Throw(b) => {
            resolve(&mut b.0, targets, extra);
            resolve(&mut b.1, targets, extra);
        }
        Node::UnwindProtect { form, cleanup } => {
            resolve(form, targets, extra);
            resolve_all(cleanup, targets, extra);
        }
        Node::MultipleValueCall { function, args } => {
            resolve(function, targets, extra);
            resolve_all(args, targets, extra);
        }
        Node::MultipleValueProg1 { first, rest } => {
            resolve(first, targets, extra);
            resolve_all(rest, targets, extra);
        }
        Node::Progv {
            symbols,
            values,
            body,
        } => {
            resolve(symbols, targets, extra);
            resolve(values, targets, extra);
            resolve_all(body, targets, extra);
        }
        Node::Locally { specials, body } => {
            // A free special declaration: the name means the dynamic
            // variable in this body.
            let visible = without(targets, specials.iter());
            resolve_all(body, &visible, extra);
        }
        Node::Let {
            sequential,
            bindings,
            body,
            specials,
        } => {
            // Bound on the environment chain: each binding hides a target
            // of its name from the scope it begins.
            let mut visible = targets.to_vec();
            for (s, init) in bindings.iter_mut() {
                if *sequential {
                    resolve(init, &visible, extra);
                } else {
                    resolve(init, targets, extra);
                }
                visible.retain(|t| !Rc::ptr_eq(&t.sym, s));
            }
            let visible = without(&visible, specials.iter());
            resolve_all(body, &visible, extra);
        }
        Node::SlotLet { inits, body } => {
            // Its own references are resolved already; while init `j`
            // runs, `j` slots are pushed above the targets.
            for (j, init) in inits.iter_mut().enumerate() {
                resolve(init, targets, extra + j);
            }
            let n = inits.len();
            resolve_all(body, targets, extra + n);
        }
    }
}

fn resolve_all(body: &mut [Node], targets: &[Target], extra: usize) {
    for n in body.iter_mut() {
        resolve(n, targets, extra);
    }
}

fn without<'a>(targets: &[Target], names: impl Iterator<Item = &'a Sym>) -> Vec<Target> {
    let names: Vec<&Sym> = names.collect();
    targets
        .iter()
        .filter(|t| !names.iter().any(|n| Rc::ptr_eq(n, &t.sym)))
        .cloned()
        .collect()
}

/// A `let` (`sequential` false) or `let*` of `syms` whose inits and body
/// are analysed: its slot form, every reference resolved.
pub(crate) fn slot_let(
    sequential: bool,
    syms: &[Sym],
    mut inits: Vec<Node>,
    mut body: Vec<Node>,
) -> Node {
    let n = syms.len();
    if sequential {
        // Init `j` sees variables 0..j, variable `i` at distance j-1-i.
        for (j, init) in inits.iter_mut().enumerate() {
            let targets: Vec<Target> = syms[..j]
                .iter()
                .enumerate()
                .map(|(i, s)| Target {
                    sym: s.clone(),
                    distance: j - 1 - i,
                })
                .collect();
            resolve(init, &targets, 0);
        }
    }
    // Later bindings of a name hide earlier ones (`find` searches from
    // the end).
    let targets: Vec<Target> = syms
        .iter()
        .enumerate()
        .map(|(i, s)| Target {
            sym: s.clone(),
            distance: n - 1 - i,
        })
        .collect();
    resolve_all(&mut body, &targets, 0);
    Node::SlotLet {
        inits: inits.into_boxed_slice(),
        body: body.into_boxed_slice(),
    }
}

#[cfg(test)]
mod tests {
    use super::Node;

    fn eval_print(src: &str) -> String {
        let mut it = crate::toplevel::new_interp();
        match crate::toplevel::load_source(&mut it, src, None) {
            Ok(v) => crate::printer::prin1_to_string(&v),
            Err(_) => "error".to_string(),
        }
    }

    fn analyse(src: &str) -> Node {
        let mut it = crate::toplevel::new_interp();
        let mut r = crate::reader::Reader::new(src, None);
        let form = match r.read(&mut crate::reader::NoEval) {
            Ok(Some(f)) => f,
            _ => panic!("unreadable test form"),
        };
        super::super::compile::Compiler::new(&mut it, None).form(&form)
    }

    #[test]
    fn closed_lets_get_slots_and_closures_keep_the_chain() {
        assert!(matches!(
            analyse("(let ((x 1)) (let* ((y x)) (setq x (+ x y)) x))"),
            Node::SlotLet { .. }
        ));
        assert!(matches!(
            analyse("(let ((x 1)) (lambda () x))"),
            Node::Let { .. }
        ));
        assert!(matches!(
            analyse("(let ((x 1)) (declare (special x)) x)"),
            Node::Let { .. }
        ));
        // A call of a function not yet defined may become a macro call,
        // interpreted in the environment: no slots.
        assert!(matches!(
            analyse("(let ((x 1)) (not-yet-defined-anywhere x))"),
            Node::Let { .. }
        ));
    }

    #[test]
    fn slot_variables_keep_lexical_semantics() {
        let cases = [
            (
                "(let ((x 1) (y 2)) (let* ((x (+ x y)) (z (* x 10))) (setq y (+ y z)) (list x y z)))",
                "(3 32 30)",
            ),
            ("(let ((x 1)) (let ((x 2) (y x)) (list x y)))", "(2 1)"),
            ("(let* ((x 1) (x (+ x 1))) x)", "2"),
            ("(let ((x 1)) (let ((x 2)) (setq x 3)) x)", "1"),
            ("(let ((x 1) (y 2)) (psetq x y y x) (list x y))", "(2 1)"),
            (
                "(let ((x 1)) (flet ((f () x)) (let ((x 2)) (list x (f)))))",
                "(2 1)",
            ),
            (
                "(let ((x 1)) (let ((f (lambda () (incf x)))) (funcall f) (funcall f) x))",
                "3",
            ),
            (
                "(let ((x 0)) (tagbody top (let ((y (incf x))) (when (< y 5) (go top)))) x)",
                "5",
            ),
            (
                "(catch 'c (let ((x 1)) (let ((y 2)) (throw 'c (list x y)))))",
                "(1 2)",
            ),
            (
                "(let ((x 1)) (handler-case (let ((y 0)) (/ x y)) (division-by-zero () (list :div x))))",
                "(:DIV 1)",
            ),
            (
                "(defvar *slot-sp* 10) (defun slot-sp () *slot-sp*) (let ((*slot-sp* 20)) (slot-sp))",
                "20",
            ),
            (
                "(let ((a 1)) (let ((b 2)) (locally (declare (special a)) (list (boundp 'a) b))))",
                "(NIL 2)",
            ),
            ("(let ((x 1)) (symbol-macrolet ((y x)) (setq y 5) x))", "5"),
            ("(let ((x 1)) (eval '(boundp 'x)))", "NIL"),
            (
                "(let ((x 2)) (progv '(x) '(7) (list x (symbol-value 'x))))",
                "(2 7)",
            ),
            (
                "(let ((v (vector 1 2 3)) (i 1)) (incf (aref v (incf i)) 100) (list v i))",
                "(#(1 2 103) 2)",
            ),
            (
                "(let ((n 0)) (dotimes (i 10) (let ((k i)) (setq n (+ n k)))) n)",
                "45",
            ),
        ];
        for (src, want) in cases {
            assert_eq!(eval_print(src), want, "{src}");
        }
    }
}

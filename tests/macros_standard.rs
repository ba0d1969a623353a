//! The standard macros are real macros (CLHS 3.1.2.1.2.2): each has a
//! macro function whose expansion evaluates like the original form; the
//! special operators are exactly CLHS 3.1.2.1.2.1's; declarations,
//! evaluation order of places (CLHS 5.1.1.1), `eval-when` (CLHS 3.8) and
//! `proclaim` behave as CLHS says.

mod common;
use common::in_process::run;

const STANDARD_MACROS: &[&str] = &[
    "WHEN",
    "UNLESS",
    "COND",
    "AND",
    "OR",
    "CASE",
    "ECASE",
    "CCASE",
    "TYPECASE",
    "ETYPECASE",
    "CTYPECASE",
    "RETURN",
    "PROG1",
    "PROG2",
    "LAMBDA",
    "MULTIPLE-VALUE-BIND",
    "MULTIPLE-VALUE-LIST",
    "NTH-VALUE",
    "DESTRUCTURING-BIND",
    "DO",
    "DO*",
    "DOTIMES",
    "DOLIST",
    "PROG",
    "PROG*",
    "SETF",
    "PSETF",
    "PSETQ",
    "INCF",
    "DECF",
    "PUSH",
    "PUSHNEW",
    "POP",
    "REMF",
    "ROTATEF",
    "SHIFTF",
    "MULTIPLE-VALUE-SETQ",
    "DEFSETF",
    "DEFINE-SETF-EXPANDER",
    "DEFINE-MODIFY-MACRO",
    "DEFUN",
    "DEFMACRO",
    "DEFVAR",
    "DEFPARAMETER",
    "DEFCONSTANT",
    "IN-PACKAGE",
    "DECLAIM",
    "DEFSTRUCT",
    "DEFINE-CONDITION",
    "HANDLER-CASE",
    "HANDLER-BIND",
    "IGNORE-ERRORS",
    "RESTART-CASE",
    "WITH-SIMPLE-RESTART",
    "ASSERT",
    "CHECK-TYPE",
    "LOOP",
    "DEFPACKAGE",
    "WITH-OUTPUT-TO-STRING",
    "DO-SYMBOLS",
];

const SPECIAL_OPERATORS: &str = "(BLOCK CATCH EVAL-WHEN FLET FUNCTION GO IF LABELS LET LET* \
LOAD-TIME-VALUE LOCALLY MACROLET MULTIPLE-VALUE-CALL MULTIPLE-VALUE-PROG1 PROGN PROGV QUOTE \
RETURN-FROM SETQ SYMBOL-MACROLET TAGBODY THE THROW UNWIND-PROTECT)";

#[test]
fn every_standard_macro_has_a_macro_function_and_is_no_special_operator() {
    let names = STANDARD_MACROS.join(" ");
    let src = format!(
        "(let ((bad nil))
           (dolist (s '({names}) (nreverse bad))
             (unless (and (macro-function s) (fboundp s) (not (special-operator-p s)))
               (push s bad))))"
    );
    assert_eq!(run(&src), "NIL");
}

#[test]
fn special_operator_p_is_exactly_the_clhs_list() {
    let src = "(let ((l nil))
                 (do-external-symbols (s :common-lisp)
                   (when (special-operator-p s) (push (symbol-name s) l)))
                 (sort l #'string<))";
    let want = SPECIAL_OPERATORS
        .trim_matches(|c| c == '(' || c == ')')
        .split(' ')
        .map(|s| format!("\"{s}\""))
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(run(src), format!("({want})"));
}

/// Each form is evaluated, then (after the same setup) its
/// `macroexpand-1`; the values and the state afterwards must agree, and
/// the form must have expanded.
#[test]
fn macroexpand_1_of_each_standard_macro_evaluates_like_the_original() {
    let forms = [
        "(when (> *a* 0) 'pos)",
        "(unless nil 1 2)",
        "(cond ((= *a* 2) 'two) ((= *a* 1) 'one) (t 'other))",
        "(cond ((car *l*)))",
        "(and 1 2 3)",
        "(or nil (values 2 3))",
        "(case *a* (0 'zero) ((1 2) 'small) (otherwise 'big))",
        "(ecase *a* ((1 2) 'ok))",
        "(ccase *a* (1 'one))",
        "(typecase *a* (string 's) (integer 'i))",
        "(etypecase *l* (list 'l))",
        "(prog1 *a* (setq *a* 5))",
        "(prog2 1 (values 2 3) 4)",
        "(do ((i 0 (1+ i)) (s 0 (+ s i))) ((= i 5) s))",
        "(do* ((i 0 (1+ i)) (j i i)) ((= i 3) (list i j)))",
        "(dotimes (i 5 *a*) (incf *a* i))",
        "(dolist (x *l* *a*) (incf *a* x))",
        "(prog ((x 1)) (setq x (+ x 1)) (return x))",
        "(prog* ((x 1) (y x)) top (incf y) (if (< y 3) (go top) (return (list x y))))",
        "(setf (car *l*) 9 *a* 3)",
        "(setf (values *a* *b*) (floor 7 2))",
        "(psetf *a* *b* *b* *a*)",
        "(psetq *a* 10 *b* *a*)",
        "(incf (cadr *l*) 10)",
        "(decf *a* 2)",
        "(push 0 *l*)",
        "(push 0 (cdr *l*))",
        "(pushnew 1 *l*)",
        "(pushnew 7 *l* :test #'=)",
        "(pop *l*)",
        "(remf *p* :b)",
        "(rotatef (car *l*) (cadr *l*))",
        "(shiftf *a* *b* 7)",
        "(multiple-value-setq (*a* *b*) (floor 7 2))",
        "(incf (getf *p* :a) 5)",
        "(setf (gethash :k *h*) 4)",
        "(multiple-value-bind (q r) (floor 7 2) (list q r))",
        "(multiple-value-list (floor 7 2))",
        "(nth-value 1 (floor 7 2))",
        "(destructuring-bind (a &optional (b 2) &key c) (list 1 3 :c 4) (list a b c))",
        "(handler-case (error \"x ~a\" 1) (error (c) (princ-to-string c)))",
        "(handler-case (values 1 2) (:no-error (a b) (list b a)))",
        "(handler-bind ((warning #'muffle-warning)) (warn \"w\") 5)",
        "(ignore-errors (+ 1 2))",
        "(restart-case (invoke-restart 'r 5) (r (x) (* x 2)))",
        "(with-simple-restart (skip \"Skip.\") (invoke-restart 'skip))",
        "(assert (= *a* 1))",
        "(check-type *a* integer)",
        "(return-from-nowhere-is-not-a-macro)",
    ];
    let mut src = String::from(
        "(defvar *a*) (defvar *b*) (defvar *l*) (defvar *p*) (defvar *h*)
         (defun setup () (setq *a* 1 *b* 2 *l* (list 1 2 3) *p* (list :a 1 :b 2)
                               *h* (make-hash-table)))
         (defun state () (list *a* *b* *l* *p* (gethash :k *h*)))
         (defun outcome (form)
           (setup)
           (list (multiple-value-list (eval form)) (state)))
         (defun check (form)
           (setup)
           (multiple-value-bind (expansion expanded) (macroexpand-1 form)
             (cond ((not (macro-function (car form))) :not-a-macro)
                   ((not expanded) (list :not-expanded form))
                   ((equal (outcome form) (outcome expansion)) :same)
                   (t (list form (outcome form) expansion (outcome expansion))))))
         (list ",
    );
    for f in forms {
        src.push_str(&format!("(check '{f})\n"));
    }
    src.push(')');
    let out = run(&src);
    let mut want = vec![":SAME"; forms.len() - 1];
    want.push(":NOT-A-MACRO");
    assert_eq!(out, format!("({})", want.join(" ")));
}

#[test]
fn expanded_definitions_define() {
    let src = "(eval (macroexpand-1 '(defun ff (x) \"Triple.\" (* x 3))))
               (eval (macroexpand-1 '(defmacro mm (x) `(list ,x ,x))))
               (eval (macroexpand-1 '(defparameter *pp* 4)))
               (eval (macroexpand-1 '(defstruct sq side)))
               (eval (macroexpand-1 '(define-condition oops (error) ((why :initarg :why :reader why)))))
               (list (ff 2) (mm 1) *pp* (sq-side (make-sq :side 3))
                     (handler-case (error 'oops :why 7) (oops (c) (why c)))
                     (documentation 'ff 'function))";
    assert_eq!(run(src), "(6 (1 1) 4 3 7 \"Triple.\")");
    assert_eq!(run("(macroexpand-1 '(lambda (x) x))"), "#'(LAMBDA (X) X)");
    assert_eq!(run("(macroexpand-1 '(return 5))"), "(RETURN-FROM NIL 5)");
}

#[test]
fn special_declarations_in_every_binding_form() {
    let src = "(defun sv () (symbol-value 'sv))
      (list
        (let ((r nil)) (dolist (sv '(1 2)) (declare (special sv)) (push (sv) r)) r)
        (let ((r nil)) (dotimes (sv 2) (declare (special sv)) (push (sv) r)) r)
        (do ((sv 0 (1+ sv)) (r nil (cons (sv) r))) ((= sv 2) r) (declare (special sv)))
        (let ((sv 5)) (declare (special sv)) (sv))
        (multiple-value-bind (sv) (values 6) (declare (special sv)) (sv))
        (destructuring-bind (sv) (list 7) (declare (special sv)) (sv))
        (funcall (lambda (sv) (declare (special sv)) (sv)) 8)
        (let ((sv 9)) (declare (special sv)) (let ((sv 0)) (locally (declare (special sv)) sv))))";
    assert_eq!(run(src), "((2 1) (1 0) (1 0) 5 6 7 8 9)");
}

#[test]
fn places_evaluate_their_subforms_once_left_to_right() {
    assert_eq!(run("(let ((x 10)) (incf x (setf x 1)) x)"), "2");
    assert_eq!(
        run("(let ((v (vector 0 0 0)) (i 0)) (setf (aref v (incf i)) (incf i)) v)"),
        "#(0 2 0)"
    );
    assert_eq!(
        run("(let ((x (list nil nil nil)) (i 0)) (push (incf i) (nth (incf i) x)) (list x i))"),
        "((NIL NIL (1)) 2)"
    );
    assert_eq!(
        run("(let ((l (list 1 2 3)) (n 0)) (incf (nth (incf n) l) 10) (list l n))"),
        "((1 12 3) 1)"
    );
}

#[test]
fn eval_when_runs_for_execute_only() {
    let src = "(defvar *r* nil)
      (eval-when (:load-toplevel) (push :load *r*))
      (eval-when (:compile-toplevel) (push :compile *r*))
      (eval-when (:execute) (push :execute *r*))
      (defun f () (eval-when (:compile-toplevel :load-toplevel) :inner))
      (eval-when (:compile-toplevel :load-toplevel :execute) (defmacro em () :em))
      (list *r* (f) (em) (eval-when (:execute) 1 2))";
    assert_eq!(run(src), "((:EXECUTE) NIL :EM 2)");
}

#[test]
fn proclaim_and_declaim() {
    let src = "(proclaim '(special *pv*))
      (defun g () *pv*)
      (declaim (inline g) (notinline g) (optimize (speed 3)) (ftype (function () t) g))
      (list (let ((*pv* 3)) (g)) (fboundp 'proclaim) (macro-function 'proclaim))";
    assert_eq!(run(src), "(3 T NIL)");
    assert!(run("(proclaim 5)").starts_with("error"));
}

#[test]
fn user_setf_expanders() {
    let src = "(defvar *store* (list 0 0))
      (defun slot-a (s) (first s))
      (define-setf-expander slot-a (s)
        (let ((v (gensym)) (new (gensym)))
          (values (list v) (list s) (list new) `(setf (first ,v) ,new) `(first ,v))))
      (defun mid (l) (second l))
      (defsetf mid (l) (new) `(setf (second ,l) ,new))
      (define-modify-macro appendf (&rest lists) append)
      (let ((l (list 1))) (appendf l '(2) '(3))
        (setf (slot-a *store*) 5)
        (incf (mid *store*) 2)
        (list l *store* (nth-value 3 (get-setf-expansion '(car x)))))";
    assert_eq!(
        run(src),
        "((1 2 3) (5 2) (SENDLETTER:%SET-CAR #:ARG #:NEW))"
    );
}

#[test]
fn malformed_macro_calls_are_program_errors_when_run() {
    let out = run("(handler-case (eval '(dolist (x))) (program-error (c) (princ-to-string c)))");
    assert!(out.contains("DOLIST"), "{out}");
    assert_eq!(
        run("(defun later () (setf a)) :defined"),
        ":DEFINED",
        "a malformed form is an error only when it runs"
    );
}

#[test]
fn places_in_the_lexical_environment() {
    // A local macro and a symbol macro as places; a short defsetf of a
    // macro's name takes precedence over the macro (CLHS 5.1.2.7).
    let src = "(defmacro expand-here (form &environment env) (macroexpand form env))
      (defmacro acc (x) `(car ,x))
      (defun acc-update (x v) (setf (cdr x) v))
      (defsetf acc acc-update)
      (list
        (macrolet ((m (z) `(car ,z))) (let ((y (list 1 2))) (push 0 (m y)) (incf (m (cdr y))) y))
        (macrolet ((m (z) z)) (let ((x 1)) (incf (expand-here (m x))) x))
        (symbol-macrolet ((s (car c))) (let ((c (list 5))) (incf s) c))
        (let ((c (list 1 2))) (setf (acc c) 9) c)
        (multiple-value-setq nil :good))";
    assert_eq!(run(src), "(((0 . 1) 3) 2 (6) (1 . 9) :GOOD)");
}

#[test]
fn loop_sum_of_a_float_type_starts_at_float_zero() {
    assert_eq!(
        run("(list (loop for x in nil sum x of-type float)
                   (loop for x in nil sum x of-type double-float)
                   (loop for x in '(1 2) sum x))"),
        "(0.0 0.0d0 3)"
    );
}

/// A malformed form is reported before any part of it runs: `eval` of a
/// dotted `progn` prints nothing and signals a program-error naming it.
#[test]
fn dotted_progn_is_reported_before_running() {
    let out = run("(defvar *ran* nil)
                   (list (handler-case (eval '(progn (setq *ran* t) . 5))
                           (program-error (e) (princ-to-string e)))
                         *ran*)");
    assert!(out.contains("PROGN"), "{out}");
    assert!(out.ends_with("NIL)"), "the first form ran: {out}");
}

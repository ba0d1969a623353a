;;; Top-level forms are analysed one at a time, just before each runs:
;;; blocks and loops at top level, top-level progn processed form by
;;; form (also nested, and from a macro expansion), definitions used
;;; by the next form, load from a stream, eval.

;;; compiled top-level forms
(print (block top (dotimes (i 10) (when (= i 3) (return-from top i)))))
(print (dolist (x '(a b c) :none) (when (eq x 'b) (return (list :b x)))))
(print (let ((acc nil)) (dotimes (i 3 (nreverse acc)) (push (* i i) acc))))
(print (let* ((h (make-hash-table)) (k :a))
         (incf (gethash k h 0) 2)
         (push 1 (gethash :l h))
         (list (gethash k h) (gethash :l h))))
(print (cond ((> 1 2) :no) ((assoc 'b '((a . 1) (b . 2)))) (t :never)))
(print (multiple-value-list (if t (floor 7 2) 0)))

;;; a closure over a top-level let
(let ((count 0))
  (defun next-count () (incf count))
  (defun reset-count () (setq count 0)))
(print (list (next-count) (next-count) (reset-count) (next-count)))

;;; redefining a function between top-level forms: callers see it
(defun leaf () :first)
(defun calls-leaf () (list :via (leaf)))
(print (calls-leaf))
(defun leaf () :second)
(print (calls-leaf))

;;; a top-level progn defines and uses a macro
(progn (defmacro pm (x) `(+ ,x 100)) (print (pm 1)))
(progn
  (defmacro pm (x) `(+ ,x 200))
  (defun uses-pm () (pm 1))
  (print (list (uses-pm) (pm 2))))
(progn
  (progn (defmacro pm2 () :inner-progn))
  (print (pm2)))

;;; a top-level macro form whose expansion is a progn that (re)defines
;;; a macro and then uses it
(defmacro m2 () :old)
(defmacro redefine-and-use ()
  '(progn (defmacro m2 () :new) (print (m2))))
(redefine-and-use)
(defmacro define-getter (name)
  `(progn (defmacro ,name (x) `(list :getter ,x))
          (print (,name 1))))
(define-getter get-it)
(defmacro get-it (x) `(list :replaced ,x))
(define-getter get-it)


;;; a top-level progn defining a variable, a function and using them
(progn
  (defvar *tl-var* 10)
  (defun tl-read () *tl-var*)
  (print (list (tl-read) (let ((*tl-var* 20)) (tl-read)))))

;;; a macro expanding into a progn of definitions and a use
(defmacro define-adder (name n)
  `(progn (defun ,name (x) (+ x ,n))
          (print (,name 1))))
(define-adder add5 5)
(define-adder add5 50)
(defmacro define-point ()
  '(progn (defstruct tl-point x y)
          (let ((p (make-tl-point :x 1 :y 2)))
            (incf (tl-point-x p) 10)
            (print (list (tl-point-x p) (tl-point-y p))))))
(define-point)

;;; load from a stream: each form analysed after the previous one ran
(defmacro lm () :before-load)
(load (make-string-input-stream
       "(defmacro lm () :loaded) (print (lm))
        (progn (defmacro lm () :in-progn) (print (lm)))
        (defun uses-lm () (lm))
        (defmacro lm () :after-defun)
        (print (list (uses-lm) (lm)))"))

;;; eval sees the definitions of the moment
(defmacro em () 1)
(defparameter *form* '(list (em) (funcall (lambda () (em)))))
(print (eval *form*))
(defmacro em () 2)
(print (eval *form*))
(print (eval '(progn (defmacro em () 3) (em))))

;;; Global macros in compiled function bodies and top-level forms:
;;; when they are expanded (definition time for a function body, each
;;; top-level form just before it runs), redefinition, shadowing by
;;; flet/labels/macrolet, symbol-macrolet and macrolet around compiled
;;; lambdas and defuns, &environment.

(defmacro try (form)
  `(handler-case ,form
     (error (c) (list :error (type-of c)))))

;;; a function body keeps the expansion made when it was defined
(defmacro twice (x) `(list ,x ,x))
(defun uses-twice () (twice 1))
(print (twice 2))
(defmacro twice (x) `(vector ,x ,x))
(print (twice 2))
(print (uses-twice))
(print (funcall (lambda () (twice 3))))
(defun uses-twice-again () (twice 4))
(print (list (uses-twice) (uses-twice-again)))

;;; the expansion depends on what holds when the function is defined
(defvar *mode* :a)
(defmacro mode-mac () *mode*)
(defun get-mode () (mode-mac))
(setq *mode* :b)
(print (list (get-mode) (mode-mac)))

;;; a macro used only by a function compiled after it is defined
(defun make-later-user ()
  (compile nil '(lambda (x) (later-mac x))))
(defmacro later-mac (x) `(* ,x 10))
(print (funcall (make-later-user) 3))

;;; a function referring to a function defined later
(defun calls-later-fn (x) (later-fn x))
(defun later-fn (x) (list :later x))
(print (calls-later-fn 1))
(defun later-fn (x) (list :redefined x))
(print (calls-later-fn 2))

;;; a macro whose expansion signals: the defun still happens
(defmacro bad-mac (x) (error "bad macro ~a" x))
(defun uses-bad () (bad-mac 1))
(print (not (null (fboundp 'uses-bad))))
(print (handler-case (uses-bad) (error () :error-at-call)))

;;; a global macro turned into a function: the recursive call is a call
(defmacro fact (n) `(list :macro ,n))
(defun fact (n) (if (= n 0) 1 (* n (fact (1- n)))))
(print (try (fact 5)))
(print (macro-function 'fact))

;;; flet / labels / macrolet shadowing a global user macro in a lambda
(defmacro shadowed (x) `(list :global ,x))
(print (funcall (lambda () (shadowed 1))))
(print (flet ((shadowed (x) (list :flet x)))
         (funcall (lambda () (shadowed 2)))))
(print (macrolet ((shadowed (x) `(list :macrolet ,x)))
         (funcall (lambda () (shadowed 3)))))
(print (labels ((shadowed (x) (if (> x 0) (shadowed (1- x)) :labels)))
         (mapcar (lambda (y) (shadowed y)) '(1 2))))
(print (flet ((shadowed (x) (list :flet x)))
         (mapcar (lambda (f) (funcall f 4)) (list #'shadowed))))
(flet ((shadowed (x) (list :flet-around-defun x)))
  (defun shadow-user (x) (shadowed x)))
(print (shadow-user 5))
(print (funcall (lambda () (shadowed 6))))

;;; ... and a global function shadowed the same ways
(defun gfn (x) (list :gfn x))
(print (flet ((gfn (x) (list :local x)))
         (funcall (lambda () (gfn 7)))))
(print (macrolet ((gfn (x) `(list :mlet ,x)))
         (funcall (lambda () (gfn 8)))))
(print (funcall (lambda () (gfn 9))))

;;; a global macro expanding into a call of a name a flet shadows
(defmacro local-user-mac () '(user-fn))
(defun user-fn () :global-fn)
(print (flet ((user-fn () :local-fn))
         (funcall (lambda () (local-user-mac)))))

;;; macros expanding into macros, &body, gensyms and a local function
(defmacro my-inc (v) `(setq ,v (1+ ,v)))
(defmacro my-twice-inc (v) `(progn (my-inc ,v) (my-inc ,v)))
(defun use-inc (n) (my-twice-inc n) n)
(print (use-inc 5))

(defmacro with-collect ((name) &body body)
  (let ((acc (gensym)))
    `(let ((,acc nil))
       (flet ((,name (x) (push x ,acc)))
         ,@body)
       (nreverse ,acc))))
(defun collect-evens (list)
  (with-collect (c) (dolist (x list) (when (evenp x) (c x)))))
(print (collect-evens '(1 2 3 4 5 6)))

;;; symbol-macrolet around compiled lambdas
(defvar *cell* (list 1 2))
(print (symbol-macrolet ((a (car *cell*)))
         (let ((f (lambda () (setq a (+ a 10)))))
           (funcall f) (funcall f) (list a *cell*))))
(print (symbol-macrolet ((b (cadr *cell*)))
         (funcall (lambda () (incf b 5) (setf b (* b 2)) (push :p b) b))))
(print *cell*)
(print (symbol-macrolet ((s 7)) (mapcar (lambda (x) (+ x s)) '(1 2))))
(print (symbol-macrolet ((x 'expanded))
         (funcall (lambda () (list x (let ((x 2)) x))))))
(print (symbol-macrolet ((x 'expanded))
         (funcall (lambda (x) x) :param)))
(symbol-macrolet ((head (car *cell*)))
  (defun bump-head () (incf head) head))
(print (list (bump-head) (bump-head) *cell*))

;;; macrolet around a defun, used in its body
(macrolet ((sq (x) `(* ,x ,x)))
  (defun sum-squares (list)
    (let ((s 0)) (dolist (x list s) (incf s (sq x))))))
(print (sum-squares '(1 2 3)))

;;; a global macro asking for the lexical environment
(defmacro expand-here (form &environment env)
  `',(macroexpand form env))
(print (macrolet ((m () 42))
         (funcall (lambda () (expand-here (m))))))
(print (symbol-macrolet ((sm (car *cell*)))
         (funcall (lambda () (expand-here sm)))))

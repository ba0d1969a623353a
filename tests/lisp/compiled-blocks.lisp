;;; block / return-from / return in compiled function bodies and
;;; top-level forms: exits through lambdas called by mapc and funcall,
;;; nested blocks of the same name, dotimes/dolist, flet/labels, and
;;; code the analysis cannot see (symbol macros and local macros from
;;; the lexical environment, lambda-list default forms).

(defmacro try (form)
  `(handler-case ,form
     (error (c) (list :error (type-of c)))))

;;; return-from out of a lambda called by mapc / funcall / mapcar
(defun first-even (list)
  (mapc (lambda (x) (when (evenp x) (return-from first-even x))) list)
  :none)
(print (list (first-even '(1 3 4 5 6)) (first-even '(1 3))))

(defun find-via-funcall (list)
  (block search
    (let ((probe (lambda (x) (when (> x 10) (return-from search x)))))
      (dolist (x list) (funcall probe x))
      :not-found)))
(print (list (find-via-funcall '(1 20 30)) (find-via-funcall '(1 2))))

(defun collect-until (stop list)
  (let ((acc nil))
    (block collect
      (mapcar (lambda (x)
                (if (eql x stop)
                    (return-from collect)
                    (push x acc)))
              list))
    (nreverse acc)))
(print (collect-until 'c '(a b c d e)))

;;; return-from through nested funcalls of closures made elsewhere
(defun make-exit (k) (lambda (v) (funcall k v)))
(defun deep-exit ()
  (block outer
    (funcall (make-exit (lambda (v) (return-from outer (list :out v))))
             42)
    :never))
(print (deep-exit))

;;; nested blocks with the same name: the innermost one is meant
(defun same-name (x)
  (block b
    (let ((inner (block b
                   (when x (return-from b :inner-exit))
                   :inner-normal)))
      (return-from b (list :outer inner)))))
(print (list (same-name t) (same-name nil)))

(defun same-name-lambda ()
  (block b
    (list (block b (funcall (lambda () (return-from b 1))) 2)
          (funcall (lambda () (block b (return-from b 3)))))))
(print (same-name-lambda))

(print (block a (block b (block a (return-from b :b)) :after-b)))

;;; return from dotimes and dolist (implicit block nil)
(defun find-square (limit)
  (dotimes (i limit :none)
    (when (> (* i i) 50) (return i))))
(print (list (find-square 100) (find-square 3)))

(defun first-symbol (list)
  (dolist (x list (values nil :exhausted))
    (when (symbolp x) (return (values x :found)))))
(print (multiple-value-list (first-symbol '(1 "a" b c))))
(print (multiple-value-list (first-symbol '(1 2))))

(defun nested-loops ()
  (let ((seen nil))
    (dotimes (i 3)
      (dolist (x '(a b c))
        (when (eq x 'b) (return))
        (push (list i x) seen)))
    (nreverse seen)))
(print (nested-loops))

(defun return-outer-from-inner ()
  (block nil
    (dotimes (i 5)
      (dotimes (j 5)
        (when (= (* i j) 6) (return-from return-outer-from-inner
                              (list i j)))))
    :none))
(print (return-outer-from-inner))

(defun return-in-result ()
  (dolist (x '(1 2) (return :from-result)) x))
(print (return-in-result))

(print (dotimes (i 10) (when (= i 4) (return (* i 100)))))

(print (let ((n 0))
         (dolist (x '(5 6 7) n)
           (when (= x 7) (return (list :stopped n)))
           (incf n x))))

;;; the list / count form is inside the implicit block nil
(defun return-in-list-form ()
  (block nil
    (list (dolist (x (return :inner)) x) :after)))
(print (return-in-list-form))

(defun return-in-count-form ()
  (block nil
    (list (dotimes (i (return :inner)) i) :after)))
(print (return-in-count-form))

;;; a count beyond the fixnum range
(defun big-count ()
  (dotimes (i (expt 10 30)) (when (= i 3) (return (list :at i)))))
(print (try (big-count)))

;;; return-from a function through flet and labels
(defun flet-exit (list)
  (flet ((check (x) (when (minusp x) (return-from flet-exit (list :neg x)))))
    (dolist (x list) (check x))
    :all-positive))
(print (list (flet-exit '(1 -2 3)) (flet-exit '(1 2))))

(defun labels-exit (tree)
  (labels ((walk (node)
             (cond ((null node) nil)
                   ((eq node :target) (return-from labels-exit :found))
                   ((consp node) (walk (car node)) (walk (cdr node))))))
    (walk tree)
    :missing))
(print (list (labels-exit '(a (b (c :target)) d)) (labels-exit '(a b))))

(defun labels-block-name ()
  (labels ((inner (n)
             (when (> n 2) (return-from inner (list :inner n)))
             (inner (1+ n))))
    (list (inner 0) :after)))
(print (labels-block-name))

;;; a local function's own block, reached from a lambda inside it
(defun flet-own-block ()
  (flet ((pick (list)
           (mapc (lambda (x) (when (stringp x) (return-from pick x))) list)
           nil))
    (list (pick '(1 "two" 3)) (pick '(1 2)))))
(print (flet-own-block))

;;; a function's block established only when needed, called many times
(defun maybe-exit (x) (if (> x 5) (return-from maybe-exit :big) :small))
(print (loop for i from 4 to 7 collect (maybe-exit i)))

;;; return-from carried by code from the lexical environment
(symbol-macrolet ((give-up (return-from search :gave-up)))
  (defun find-it (list)
    (block search
      (dolist (x list) (when (null x) give-up))
      :ok)))
(print (try (list (find-it '(1 2)) (find-it '(1 nil 2)))))

(symbol-macrolet ((bail (return-from early :bail)))
  (defun early (x) (when x bail) :normal))
(print (try (list (early nil) (early t))))

(symbol-macrolet ((stop (return :stopped)))
  (defun loop-stop (list)
    (dolist (x list :done) (when (eq x 'stop) stop))))
(print (try (list (loop-stop '(a b)) (loop-stop '(a stop b)))))

(defun helper () :global-helper)
(print (try (macrolet ((helper () '(return-from blk :from-macrolet)))
              (funcall (lambda () (block blk (helper) :fell-through))))))

;;; return-from in a lambda-list default form of a lambda
(defun default-exit ()
  (block b
    (funcall (lambda (&optional (x (return-from b :default-exit))) x))))
(print (try (default-exit)))

(defun key-default-exit ()
  (mapcar (lambda (y &key (x (return-from key-default-exit :key-exit)))
            (list x y))
          '(1)))
(print (try (key-default-exit)))

;;; Errors signalled from compiled function bodies and top-level forms
;;; are catchable by handler-case / handler-bind / ignore-errors, with
;;; the condition types and parts SBCL gives: wrong argument counts,
;;; undefined functions, unbound variables, gethash places of
;;; non-tables, type errors inside loops.

(defmacro try (form)
  `(handler-case ,form
     (undefined-function (c)
       (list :undefined-function (cell-error-name c)))
     (unbound-variable (c)
       (list :unbound-variable (cell-error-name c)))
     (type-error (c)
       (list :type-error (type-error-datum c)
             (type-error-expected-type c)))
     (program-error () (list :program-error))
     (error (c) (list :error (type-of c)))))

(defmacro show-error (form)
  `(handler-case ,form
     (error (c) (format t "~&~a~%" c))))

;;; wrong number of arguments
(defun two (a b) (list a b))
(defun opt (a &optional b) (list a b))
(defun key (&key a) a)
(defun calls-two-1 () (two 1))
(defun calls-two-3 () (two 1 2 3))
(print (try (calls-two-1)))
(print (try (calls-two-3)))
(print (try (funcall #'two 1)))
(print (try (apply #'opt '(1 2 3))))
(print (try (funcall (lambda (x) x))))
(print (try (funcall (lambda (x) x) 1 2)))
(print (try (key :b 1)))
(print (try (funcall 'key :a)))
(print (try (mapcar (lambda (x y) (list x y)) '(1 2))))
(print (typep (nth-value 1 (ignore-errors (calls-two-1)))
              'program-error))

;;; undefined functions
(defun calls-undefined () (no-such-function-xyz 1 2))
(print (try (calls-undefined)))
(print (try (funcall 'no-such-function-abc)))
(print (try (funcall (lambda () #'no-such-function-def))))
(print (try (dolist (x '(1 2)) (undefined-in-loop x))))
(show-error (calls-undefined))
(defun defined-later-fn () :now-defined)
(defun calls-defined-later () (defined-later-fn))
(print (try (calls-defined-later)))
(fmakunbound 'defined-later-fn)
(print (try (calls-defined-later)))

;;; unbound variables
(defun reads-unbound () (+ 1 *no-such-var*))
(print (try (reads-unbound)))
(print (try (funcall (lambda () (let ((y undefined-var-q)) y)))))
(print (try (funcall (lambda () (incf *undef-inc*)))))
(print (try (funcall (lambda () (push 1 *undef-push*)))))
(show-error (reads-unbound))
(defvar *unbound-special*)
(defun reads-special () *unbound-special*)
(print (try (reads-special)))
(print (try (let ((*unbound-special* 3)) (reads-special))))
(print (try (reads-special)))
(print (boundp '*unbound-special*))
(defun sets-then-reads () (setq *fresh-global* 5) *fresh-global*)
(print (try (sets-then-reads)))
(makunbound '*fresh-global*)
(print (try (funcall (lambda () *fresh-global*))))

;;; gethash places of something that is not a hash table
(defun setf-gethash (table) (setf (gethash 1 table) 2))
(print (try (setf-gethash 5)))
(print (try (setf-gethash nil)))
(print (try (let ((x "str")) (incf (gethash 1 x)))))
(print (try (let ((x '(1 2))) (push 1 (gethash 1 x)))))
(print (try (let ((x 5)) (gethash 1 x))))
(print (try (let ((h (make-hash-table))) (incf (gethash :missing h)))))

;;; type errors inside loops
(defun sum-list (list)
  (let ((sum 0)) (dolist (x list sum) (setq sum (+ sum x)))))
(print (try (sum-list '(1 2 3))))
(print (try (sum-list '(1 2 a 3))))
(defun incf-list (list)
  (let ((sum 0)) (dolist (x list sum) (incf sum x))))
(print (try (incf-list '(1 "two" 3))))
(defun sum-mixed (n)
  (let ((sum 0))
    (dotimes (i n sum) (setq sum (+ sum (if (= i 2) :k i))))))
(print (try (sum-mixed 2)))
(print (try (sum-mixed 5)))
(print (try (let ((x 'a)) (decf x 2))))
(print (try (let ((l (list* 1 2 3))) (dolist (x l) x))))
(print (try (let ((n 'a)) (dotimes (i n) i))))
(print (try (funcall (lambda () (car (funcall (lambda () 5)))))))
(print (try (funcall (lambda () (funcall 5)))))

;;; handlers run while the compiled frames are still active
(defvar *where* :top)
(defun signals-inside ()
  (let ((*where* :inside))
    (dotimes (i 3) (when (= i 1) (error "failed at ~a" i)))))
(print (let ((seen nil))
         (handler-case
             (handler-bind ((error (lambda (c)
                                     (declare (ignore c))
                                     (push *where* seen))))
               (signals-inside))
           (error (c) (list (format nil "~a" c) seen *where*)))))

;;; recovering inside a loop and carrying on
(defun safe-sum (list)
  (let ((sum 0) (bad nil))
    (dolist (x list (list sum (nreverse bad)))
      (handler-case (setq sum (+ sum x))
        (type-error (c) (push (type-error-datum c) bad))))))
(print (safe-sum '(1 a 2 "b" 3)))
(print (multiple-value-bind (v c) (ignore-errors (sum-list '(1 x)))
         (list v (typep c 'type-error) (type-error-datum c))))
(print (ignore-errors (sum-list '(1 2))))

;;; errors out of blocks, through return-from and lambdas
(defun err-through-block ()
  (block b
    (mapc (lambda (x) (when (zerop x) (error "zero")) (return-from b x))
          '(0 1))))
(show-error (err-through-block))
(print (try (funcall (lambda () (error 'type-error :datum 1
                                       :expected-type 'string)))))
(show-error (funcall (lambda () (error "custom ~a ~s" 1 "two"))))
(print (try (funcall (lambda () (signal 'simple-error)))))

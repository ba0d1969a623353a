;; unwind-protect cleanup ordering with errors, throws and return-from
(defvar *trace* nil)
(defun note (x) (push x *trace*))
(handler-case
    (unwind-protect
         (progn (note 'body) (error "fail") (note 'not-reached))
      (note 'cleanup-1))
  (error () (note 'handler)))
(print (reverse *trace*))
(setf *trace* nil)
(handler-case
    (handler-bind ((error (lambda (c) (declare (ignore c)) (note 'bind-handler))))
      (unwind-protect (error "x") (note 'cleanup)))
  (error () (note 'case-handler)))
(print (reverse *trace*))
(setf *trace* nil)
(catch 'out
  (unwind-protect
       (unwind-protect (throw 'out 1) (note 'inner))
    (note 'outer)))
(print (reverse *trace*))
(setf *trace* nil)
(defun early () (unwind-protect (return-from early 'early-value) (note 'cleanup-after-return)))
(print (list (early) (reverse *trace*)))
(setf *trace* nil)
(print (unwind-protect (progn (note 'a) 'value) (note 'b) 'ignored))
(print (reverse *trace*))
(setf *trace* nil)
(block b
  (unwind-protect (return-from b)
    (unwind-protect (note 'c1) (note 'c2))))
(print (reverse *trace*))
(print (multiple-value-list (unwind-protect (values 1 2) (values 3 4))))

;;; The standard macros written in Lisp behave the same whether or not a
;;; script has used one before, whatever reader settings are in force.
(defmacro documented () "A documented macro." 1)
(print (documentation 'documented 'function))
(print (functionp (macro-function 'with-open-stream)))
;; The first use of such a macro, expanded at run time with unusual
;; reader settings.
(let ((*read-base* 16) (*package* (find-package :keyword)))
  (cl-user::print (cl-user::eval '(cl-user::with-standard-io-syntax cl-user::*read-base*))))
(print *package*)
(print (with-output-to-string (s) (princ 42 s)))
(print (with-input-from-string (s "10 20") (list (read s) (read s))))
(let ((n 0))
  (with-hash-table-iterator (next (let ((h (make-hash-table))) (setf (gethash 1 h) 2) h))
    (loop (multiple-value-bind (more k v) (next) (unless more (return)) (setq n (+ k v)))))
  (print n))
(print (with-output-to-string (s) (funcall (formatter "~a-~a") s 1 2)))
(defun uses-macro-in-body () (with-output-to-string (s) (write-string "in a function" s)))
(print (uses-macro-in-body))

;; nested handlers, re-signalling, handler-case inside loops, error in cleanup
(defun safe-div (a b)
  (handler-case (/ a b)
    (division-by-zero () :infinity)))
(print (mapcar (lambda (b) (safe-div 10 b)) '(2 0 5)))
(print (handler-case
           (handler-case (error "inner")
             (type-error () 'wrong-clause))
         (simple-error (c) (format nil "outer got: ~a" c))))
(print (handler-case
           (handler-case (error "first")
             (error (c) (error "wrapped: ~a" c)))
         (error (c) (princ-to-string c))))
(let ((results nil))
  (dolist (x '(1 "two" 3 nil 5))
    (handler-case (push (* x 10) results)
      (type-error (c) (push (list :bad (type-error-datum c)) results))))
  (print (nreverse results)))
(print (handler-case
           (unwind-protect (error "body error")
             (format t "~&cleanup runs~%"))
         (error (c) (princ-to-string c))))
(define-condition app-error (error) ((stage :initarg :stage :reader stage)))
(print (handler-case
           (handler-bind ((app-error (lambda (c) (when (eq (stage c) :retry) (print (quote retrying))))))
             (error 'app-error :stage :fatal))
         (app-error (c) (list 'fatal (stage c)))))
(print (typep (make-condition 'app-error) 'serious-condition))

;;; Recursive Fibonacci: function calls and fixnum arithmetic.
;;; (*n* can be set before loading: sendletter -e '(defparameter *n* 15)')
(defvar *n* 25)

(defun fib (n)
  (if (< n 2)
      n
      (+ (fib (- n 1)) (fib (- n 2)))))

(print (fib *n*))

;; ~{ over its arguments (CLHS 22.3.7.4): a body of only ~newline is not
;; empty; a dotted list is a type-error naming its tail when reached.
(defmacro show (form)
  `(format t "~S => ~S~%" ',form
           (handler-case ,form
             (type-error (e) (list :type-error (type-error-datum e)
                                   (type-error-expected-type e)))
             (error (e) (list :error (type-of e))))))
(show (format nil (concatenate 'string "~{~" (string #\Newline) "~}") nil))
(show (format nil (concatenate 'string "~1{~" (string #\Newline) "~}") nil))
(show (format nil (concatenate 'string "~2{~" (string #\Newline) "~:}") nil))
(show (format nil (concatenate 'string "~:{~" (string #\Newline) "~}") nil))
(show (format nil (concatenate 'string "~@{~" (string #\Newline) "~}")))
(show (format nil "~{~}" "<~A>" '(1 2)))
(show (format nil "~{~A~}" '(x y . z)))
(show (format nil "~:{~A~}" '((x) . y)))
(show (format nil "~:@{~A ~A~}" '(x . y)))
(show (format nil "~:{~A~}" '((x . y))))
(show (format nil "~1{~A~}" '(x . y)))
(show (format nil "~{~A~}" 'x))
(show (format nil "~100000000000000000000000000000000[a~;b~;c~;d~]" 3))
(show (format nil "~-100000000000000000000[a~;b~:;c~]" 3))

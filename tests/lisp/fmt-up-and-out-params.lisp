;; ~^ with parameters (CLHS 22.3.9.2): characters compare by EQL, a V
;; argument of NIL counts as absent, the last given parameter decides.
(defmacro show (form)
  `(format t "~S => ~S~%" ',form
           (handler-case ,form
             (error (e) (list :error (type-of e))))))
(show (format nil "~{~'X^~A~}" '(1 2 3)))
(show (format nil "~{~v,'X^~A~}" '(0 1 #\x 2 nil 3 #\X 4 0 5)))
(show (format nil "~{~'X,v^~A~}" '(0 1 #\x 2 nil 3 #\X 4 0 5)))
(show (format nil "~{~v,v^~A~}" '(0 2 1 #\x #\X 2 5 #\X 3 #\y #\y 4 1 2 5)))
(show (format nil "~{~',,',^~A~}" '(1 2 3)))
(show (format nil "~{~1,v,v^~A~}" '(#\a nil 0)))
(show (format nil "~{~v,v,v^~A~}" '(#\a #\a nil 0)))
(show (format nil "~{~,0^~A~}" '(2)))
(show (format nil "~{~0,v^~A~}" '(3 8 1 7 3 6 nil 5)))
(show (format nil "~:{~v^~A~}" '((#\x 1) (#\y 2) (0 3) (1 4))))
(show (format nil "~:{~'X,'X:^~A~}" '((1) (2))))
(show (format nil "~:{~V:^~A~}" '((#\X 1) (0 2))))
(show (format nil "~@{~v,1,v^~A~}" #\a nil 0))
(show (format nil "~{~1,2,3^~A~}" '(1 2)))
(show (format nil "~{~3,2,1^~A~}" '(1 2)))

(format t "~? and ~a~%" "<~a ~a>" '(1 2) 3)
(format t "~@? and ~a~%" "<~a ~a>" 1 2 3)
(format t "~a~%" (format nil "~?" "~d%" '(50)))

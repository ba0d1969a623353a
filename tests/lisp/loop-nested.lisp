;; Nested loops
(print (loop for i from 1 to 3 collect (loop for j from 1 to i collect j)))
(print (loop for i from 1 to 3 append (loop for j from i to 3 collect (list i j))))
(print (loop for row in '((1 2) (3 4)) sum (loop for x in row sum x)))
(print (loop for i from 1 to 3
             thereis (loop for j from 1 to 3 thereis (and (= (* i j) 6) (list i j)))))
(let ((table '(("x" 1 2) ("y" 3))))
  (loop for (name . vals) in table
        do (format t "~a:~{ ~a~}~%" name (loop for v in vals collect (* v v)))))

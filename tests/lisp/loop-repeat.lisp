;; repeat n
(print (loop repeat 3 collect 'x))
(print (loop repeat 0 collect 'x))
(print (loop repeat -2 collect 'x))
(let ((n 0)) (loop repeat 4 do (incf n)) (print n))
(print (loop repeat 2 for x in '(a b c d) collect x))
(print (loop for x in '(a b) repeat 5 collect x))

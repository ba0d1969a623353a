;; for x = init [then step]
(print (loop for x = 1 then (* x 2) repeat 6 collect x))
(print (loop for i from 1 to 3 for sq = (* i i) collect sq))
(print (loop for x in '(1 2 3) for y = (* x 10) collect (list x y)))
(print (loop for a = 0 then b and b = 1 then (+ a b) repeat 8 collect a))
(print (loop for x = (list 1 2) then (cdr x) while x collect (car x)))
(print (loop for (q r) = (multiple-value-list (floor 17 5)) repeat 1 return (list q r)))
(let ((n 0))
  (print (loop for x = (incf n) repeat 3 collect x)))

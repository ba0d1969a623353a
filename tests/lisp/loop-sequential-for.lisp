;; for clauses step sequentially: a later clause sees the earlier clause's
;; new value (CLHS 6.1.2.1).
(print (loop for x in '(1 2 3) for y = (* x 10) collect (list x y)))
(print (loop for x in '(1 2) for y = 0 then x collect (list x y)))
(print (loop for x in '(1 2) for y = x then (+ y x) collect y))
(print (loop for i from 0 for x in '(a b c) collect (cons i x)))
;; Termination by the first exhausted clause; later ones are not stepped.
(print (loop for i from 0 to 10 for x in '(a b c) finally (return (list i x))))
(print (loop for x in '(a b c) for i from 0 to 1 finally (return (list i x))))
;; The init of a later clause is not evaluated if an earlier one is empty.
(print (loop for x in '() for y = (progn (print 'never) 1) collect y))

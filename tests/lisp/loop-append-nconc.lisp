;; append / nconc [into]
(print (loop for x in '((1 2) (3) () (4 5)) append x))
(print (loop for x in '(1 2 3) appending (list x x)))
(print (loop for x in '(1 2 3) nconc (list x (* x x))))
(print (loop for x in '(a b) nconcing (list x) into r finally (return r)))
(print (loop for x in '(1 2) collect x append (list 'a x)))
(let ((shared (list 1 2)))
  (loop for x in '(a) append shared)
  (print shared))

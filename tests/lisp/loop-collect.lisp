;; collect / collecting [into]
(print (loop for x in '(1 2 3) collect x))
(print (loop for x in '(1 2 3) collecting (list x)))
(print (loop for x in '(1 2 3) collect x into xs finally (return (reverse xs))))
(print (loop for x in '(1 2 3 4) when (evenp x) collect x into evens
             else collect x into odds
             finally (return (list evens odds))))
(print (loop for x in '(a b) collect x collect (list x)))
;; The into variable is visible while the loop runs.
(print (loop for x in '(1 2 3) collect x into so-far collect (length so-far)))
;; A fresh list: the result is not the input.
(let* ((src (list 1 2)) (copy (loop for x in src collect x)))
  (print (list copy (eq src copy))))

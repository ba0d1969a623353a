;; maximize / minimize
(print (loop for x in '(3 9 2 7) maximize x))
(print (loop for x in '(3 9 2 7) minimize x))
(print (loop for x in '(3 -9 2) maximizing (abs x)))
(print (loop for x in '(3 9 2) minimizing (- x)))
(print (loop for s in '("a" "abc" "ab") maximize (length s) into longest
             minimize (length s) into shortest
             finally (return (list longest shortest))))
(print (loop for x in '(1.5 0.5) maximize x))

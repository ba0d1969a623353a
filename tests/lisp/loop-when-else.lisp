;; when / if / unless with else and end
(print (loop for x in '(1 2 3 4 5) when (oddp x) collect x else collect (- x)))
(print (loop for x in '(1 2 3 4) if (evenp x) collect x))
(print (loop for x in '(1 2 3 4) unless (evenp x) collect x))
(print (loop for x in '(1 2 3 4) unless (evenp x) collect x else collect 'even))
(print (loop for x in '(1 2 3) unless (= x 2) collect x end collect 0))
(print (loop for x in '(1 2 3 4 5 6)
             when (evenp x)
               when (> x 2) collect x
               else collect (list 'small x)
             end
             else collect (- x)))
(print (loop for x in '(1 2 3) when (> x 1) return (* x 10)))

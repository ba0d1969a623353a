;; Several clauses joined with and under one test.
(print (loop for x in '(1 2 3 4)
             if (evenp x) collect x into evens and count t into n
             finally (return (list evens n))))
(print (loop for x in '(1 2 3) when (oddp x) sum x and count x))
(loop for x in '(1 2 3)
      when (oddp x) do (princ x) and do (princ "!") end
      do (princ "."))
(terpri)
(print (loop for x in '(1 2 3 4) when (evenp x) collect x and collect (* x 10) else collect 0))

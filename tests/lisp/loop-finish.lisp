;; loop-finish: terminate normally, running finally and returning the result.
(print (loop for i from 1 do (when (> i 3) (loop-finish)) collect i))
(print (loop for x in '(1 2 -1 4) when (minusp x) do (loop-finish) sum x))
(print (loop for x in '(a b c) collect x into l
             when (eq x 'b) do (loop-finish)
             finally (return (list 'stopped l))))
;; loop-finish belongs to the innermost loop.
(print (loop for i from 1 to 2
             collect (loop for j from 1 do (when (> j i) (loop-finish)) collect j)))

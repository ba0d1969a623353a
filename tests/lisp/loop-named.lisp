;; loop named: the block name for return-from.
(print (loop named outer
             for i from 1 to 5
             do (loop for j from 1 to 5
                      when (= (* i j) 6) do (return-from outer (list i j)))))
(print (loop named finder for x in '(a b c) when (eq x 'b) do (return-from finder 'found)))
;; A plain (return) inside a named loop leaves the innermost nil block.
(print (block nil
         (loop named inner for x in '(1 2 3) do (when (= x 2) (return 'outer-nil)))
         'not-reached))
(print (loop named n for x in '(1 2) collect x))

;; loop is a macro; its expansion runs without loop itself.
(print (not (null (macro-function 'loop))))
(print (nth-value 1 (macroexpand-1 '(loop for x in '(1 2) collect x))))
(print (eval (macroexpand '(loop for x in '(1 2) collect (* x 3)))))
(print (eval (macroexpand-1 '(loop for x across "ab" collect x))))
(print (special-operator-p 'loop))
(print (handler-case (eval '(loop-finish)) (error () 'outside-loop)))

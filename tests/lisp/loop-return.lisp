;; the return clause
(print (loop for x in '(1 2 3) return (* x 100)))
(print (loop for x in '(a b c) when (eq x 'b) return (list 'found x)))
(print (loop for x in '(a b c) when (eq x 'z) return 'found))
(print (multiple-value-list (loop for x in '(1) return (values x 2))))
(print (loop for x in '(1 2 3) do (when (= x 2) (return (list 'early x))) collect x))

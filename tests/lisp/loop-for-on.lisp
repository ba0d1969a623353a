;; for x on list: successive tails.
(print (loop for x on '(1 2 3) collect x))
(print (loop for x on '(1 2 3 4 5) by #'cddr collect (car x)))
(print (loop for x on '(1 2 3) finally (return x)))
(print (loop for (a b) on '(1 2 3 4) collect (list a b)))
(print (loop for x on '(1 2 . 3) collect x))
(print (loop for tail on '(a b c) when (cdr tail) collect (list (car tail) (cadr tail))))

;; Destructuring in for/with (CLHS 6.1.1.7).
(print (loop for (a b) in '((1 2) (3 4)) collect (+ a b)))
(print (loop for (k . v) in '((a . 1) (b . 2)) collect k collect v))
(print (loop for (a (b c)) in '((1 (2 3)) (4 (5 6))) collect (list c b a)))
(print (loop for (a nil c) in '((1 2 3) (4 5 6)) collect (list a c)))
(print (loop for (a b) in '((1) (2 3 4)) collect (list a b)))
(print (loop for (name . addrs) in '(("ann" "a@x" "a@y") ("bo" "b@z"))
             collect (format nil "~a:~d" name (length addrs))))
(print (loop for (x y) = '(1 2) then (list y (+ x y)) repeat 5 collect x))

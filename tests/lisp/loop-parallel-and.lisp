;; for ... and ...: parallel stepping.
(print (loop for x from 1 to 3 and y = 0 then x collect (list x y)))
(print (loop for x in '(1 2 3) and y = 10 then x collect (list x y)))
(print (loop for a = 1 then b and b = 2 then a repeat 4 collect (list a b)))
(print (loop for i from 1 to 3 and j from 10 collect (+ i j)))
(print (loop for a = 0 then b and b = 1 then (+ a b) repeat 10 collect a))

;; Type declarations in loop clauses are accepted and not checked.
(print (loop for x fixnum from 1 to 3 collect x))
(print (loop for x of-type fixnum in '(1 2) collect x))
(print (loop for x of-type (integer 0 10) below 3 collect x))
(print (loop for x float in '(1.0 2.0) sum x))
(print (loop with s of-type fixnum = 5 return s))
(print (loop with n fixnum and m float return (list n m)))
(print (loop for x in '(1 2) sum x of-type fixnum))
(print (loop for x t in '(a) collect x))

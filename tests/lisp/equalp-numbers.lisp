;; equalp compares numbers by = (CLHS 5.3.36), exactly: bignums that
;; round to the same double differ.
(print (equalp (expt 10 30) (1+ (expt 10 30))))
(print (equalp (expt 2 70) (float (expt 2 70))))
(print (equalp 1/3 0.33333334))
(print (equalp 1/2 0.5))
(print (equalp 1 1.0d0))
(print (equalp (list 1 "A" #\b) (list 1.0 "a" #\B)))
(print (equalp (vector (expt 10 20)) (vector (1+ (expt 10 20)))))
(print (equal (list 1 (list 2 "x")) (list 1 (list 2 "x"))))
(print (equal (list 1 (list 2 "x")) (list 1 (list 2 "X"))))

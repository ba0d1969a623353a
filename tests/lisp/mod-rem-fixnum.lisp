;;; mod and rem on fixnums (the evaluator computes them directly) agree with
;;; the general definitions: signs, zero divisors, most-negative-fixnum.
(print (list (mod 7 3) (mod -7 3) (mod 7 -3) (mod -7 -3) (mod 6 3) (mod -6 3) (mod 0 -5)))
(print (list (rem 7 3) (rem -7 3) (rem 7 -3) (rem -7 -3) (rem -6 3)))
(print (list (mod most-negative-fixnum -1) (rem most-negative-fixnum -1)))
(print (list (mod 7.5 2) (mod 10 5/2) (rem -7 2.0)))
(print (handler-case (mod 1 0) (division-by-zero () :div0)))
(print (handler-case (rem 1 0) (division-by-zero () :div0)))
(print (let ((h (make-hash-table))) (list (gethash 1 h 5) (multiple-value-list (gethash 1 h 5)) (+ (gethash 1 h 5) 1))))

(define-condition c19 () ((s1 :reader c19-s1 :initarg :i1) (s2 :reader c19-s2 :initarg :i2 :initform 5)) (:default-initargs :i1 10))
(print (list (c19-s1 (make-condition 'c19)) (c19-s2 (make-condition 'c19)) (c19-s1 (make-condition 'c19 :i1 'a))))
(define-condition c20 (c19) () (:default-initargs :i2 'z))
(print (list (c19-s1 (make-condition 'c20)) (c19-s2 (make-condition 'c20)) (c19-s2 (make-condition 'c20 :i2 'q))))

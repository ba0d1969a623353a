;; Read-modify-write macros evaluate the place's subforms, then their
;; arguments, then read the place (CLHS 5.1.1.1; ANSI INCF.ORDER.4).
(print (let ((x 0)) (list (incf x (setf x 1)) x)))
(print (let ((x 10)) (list (decf x (setf x 1)) x)))
(print (let ((a (vector 1 2 3)) (i 0)) (incf (aref a (incf i)) (progn (incf i) 10)) (list a i)))
(define-modify-macro appendf (&rest lists) append)
(print (let ((x (list 1))) (appendf x (progn (setf x (list 9)) (list 2))) x))
(print (let ((h (make-hash-table))) (dotimes (i 5) (incf (gethash (mod i 2) h 0) i)) (list (gethash 0 h) (gethash 1 h))))

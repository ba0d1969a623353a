;;; Sorting a list of 50,000 pseudo-random integers.
(let ((l nil) (x 12345))
  (dotimes (i 50000)
    (setf x (mod (+ (* x 1103515245) 12345) 2147483648))
    (push x l))
  (let ((s (sort l #'<)))
    (print (list (first s) (car (last s)) (length s)))))

;;; Sorting a list of pseudo-random integers.
(defvar *n* 50000)

(let ((l nil) (x 12345))
  (dotimes (i *n*)
    (setf x (mod (+ (* x 1103515245) 12345) 2147483648))
    (push x l))
  (let ((s (sort l #'<)))
    (print (list (first s) (car (last s)) (length s)))))

;; Loop variables are stepped by assignment: closures share one binding.
(print (mapcar #'funcall (loop for x in '(1 2 3) collect (lambda () x))))
(print (mapcar #'funcall (loop for x in '(1 2 3) collect (let ((y x)) (lambda () y)))))
(let ((fns (loop for i from 0 below 3 collect (let ((j i)) (lambda (k) (+ j k))))))
  (print (loop for f in fns collect (funcall f 10))))

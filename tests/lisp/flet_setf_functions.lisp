(print (flet (((setf %f) (x y) (setf (car y) x))) (let ((z (list 1 2))) (setf (%f z) 'a) z)))
(print (labels (((setf %f) (x y) (setf (car y) x))) (let ((z (list 1 2))) (funcall #'(setf %f) 'b z) z)))
(print (flet (((setf %f) (x y) (declare (ignore y)) (return-from %f x))) (setf (%f nil) 'blk)))

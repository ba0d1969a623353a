;;; map-into ignores a fill pointer in deciding how many elements to
;;; store, then sets it to the number stored (CLHS MAP-INTO).
(defun fp-vector (fill) (make-array 6 :initial-element 'x :fill-pointer fill))
(let ((v (fp-vector 2))) (print (list (map-into v #'identity '(1 2 3 4)) (fill-pointer v))))
(let ((v (fp-vector 5))) (print (list (map-into v #'identity '(a b)) (fill-pointer v))))
(let ((v (fp-vector 0))) (print (list (map-into v (constantly 'y)) (fill-pointer v))))
(let ((s (make-array 8 :element-type 'character :initial-element #\x :fill-pointer 3)))
  (print (list (map-into s #'char-upcase "abcde") (fill-pointer s))))
(let ((b (make-array 8 :element-type 'bit :initial-element 0 :fill-pointer 4)))
  (print (list (map-into b (constantly 1)) (fill-pointer b))))
(print (map-into (list 1 2 3) #'+ '(10 20) '(1 1 1)))

;; while / until
(print (loop for i from 0 while (< i 3) collect i))
(print (loop for i from 0 until (= i 3) collect i))
(print (loop for x in '(2 4 5 6) while (evenp x) collect x))
(print (loop for i from 0 collect i until (= i 2)))
(print (loop for i from 0 while (< i 3) finally (return (list 'stopped i))))
(let ((stack (list 1 2 3)))
  (print (loop while stack collect (pop stack))))
(print (loop for x in '(1 2 3) for y = (* x 10) while (< x 3) collect y))

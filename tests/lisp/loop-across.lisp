;; for x across vector / string
(print (loop for x across #(1 2 3) sum x))
(print (loop for c across "hello" collect (char-upcase c)))
(print (loop for c across "a,b,,c" count (char= c #\,)))
(print (loop for x across #() collect x))
(print (loop for x across (vector 'a 'b 'c) for i from 0 collect (list i x)))
(print (loop for x across "xyz" finally (return x)))
(let ((v (make-array 3 :initial-contents '(10 20 30))))
  (print (loop for x across v maximize x)))

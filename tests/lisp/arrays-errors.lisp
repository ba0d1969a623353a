;;; Malformed array syntax and array errors: errors, never a panic.
(print (handler-case (read-from-string "#2A((1 2) (3))") (error () :error)))
(print (handler-case (read-from-string "#3A(((1 2)) ((3 4)))") (error () :error)))
(print (handler-case (read-from-string "#*012") (error () :error)))
(print (handler-case (make-array '(2 2) :fill-pointer 1) (error () :error)))
(print (handler-case (make-array 3 :displaced-to #(1 2 3) :displaced-index-offset 1) (error () :error)))
(print (handler-case (adjust-array (make-array 3 :adjustable t) 5 :displaced-to (make-array 2)) (error () :error)))
(print (handler-case (aref #2A((1 2) (3 4)) 1 -1) (error () :error)))
(print (handler-case (row-major-aref #2A((1 2) (3 4)) 4) (error () :error)))

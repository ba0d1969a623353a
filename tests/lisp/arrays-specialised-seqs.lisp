;;; Specialised vectors as sequences: coerce, read-sequence, and arrays of
;;; the empty element type (which hold nothing and are not strings).
(print (coerce #*101 'list))
(print (coerce (make-array 3 :element-type 'fixnum :initial-element 2) 'list))
(print (string-left-trim (make-array '(0) :element-type nil) "abcd"))
(print (stringp (make-array 0 :element-type nil)))
(print (typep (make-array '(12) :element-type nil) 'simple-base-string))
(print (length (make-array 5 :element-type nil)))
(print (array-element-type (make-array 5 :element-type nil)))
(print (let ((s (make-array 0 :element-type nil))) (with-input-from-string (is "abcde") (read-sequence s is))))
(print (let ((v (make-array 3 :element-type 'bit :initial-element 0))) (with-input-from-string (is "") (read-sequence v is)) v))

;;; Counting with hash tables: integer keys (eql) and string keys (equal).
(let ((h (make-hash-table)))
  (dotimes (i 200000)
    (incf (gethash (mod (* i 7) 1000) h 0)))
  (print (list (hash-table-count h) (gethash 7 h))))

(let ((h (make-hash-table :test #'equal)))
  (dotimes (i 30000)
    (incf (gethash (format nil "k~d" (mod i 1000)) h 0)))
  (print (list (hash-table-count h) (gethash "k7" h))))

;;; Counting with hash tables: integer keys (eql) and string keys (equal).
(defvar *n* 200000)

(let ((h (make-hash-table)))
  (dotimes (i *n*)
    (incf (gethash (mod (* i 7) 1000) h 0)))
  (print (list (hash-table-count h) (gethash 7 h))))

(let ((h (make-hash-table :test #'equal)))
  (dotimes (i (floor *n* 20/3))
    (incf (gethash (format nil "k~d" (mod i 1000)) h 0)))
  (print (list (hash-table-count h) (gethash "k7" h))))

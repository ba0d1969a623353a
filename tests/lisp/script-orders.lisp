;;;; Invoices: sum orders per customer in cents; bad rows are reported.

(define-condition bad-order (error)
  ((line :initarg :line :reader bad-order-line)
   (why :initarg :why :reader bad-order-why))
  (:report (lambda (c s) (format s "line ~d: ~a" (bad-order-line c) (bad-order-why c)))))

(defun split (line sep)
  (loop for start = 0 then (1+ end)
        for end = (position sep line :start start)
        collect (subseq line start end)
        while end))

(defun cents (text)
  "\"2.50\" => 250"
  (let ((dot (position #\. text)))
    (if dot
        (+ (* 100 (parse-integer text :end dot))
           (parse-integer (subseq (concatenate 'string (subseq text (1+ dot)) "00") 0 2)))
        (* 100 (parse-integer text)))))

(defun money (cents)
  (multiple-value-bind (units rest) (floor cents 100)
    (format nil "$~:d.~2,'0d" units rest)))

(defun parse-order (fields n)
  (destructuring-bind (who item qty price) fields
    (let ((q (parse-integer qty :junk-allowed t)))
      (unless q
        (error 'bad-order :line n :why (format nil "quantity ~s is not a number" qty)))
      (list who item q (cents price)))))

(let ((totals (make-hash-table :test 'equal))
      (items (make-hash-table :test 'equal)))
  (with-open-file (in "data/orders.csv")
    (loop for line = (read-line in nil)
          for n from 1
          while line
          do (handler-case
                 (destructuring-bind (who item q price) (parse-order (split line #\;) n)
                   (incf (gethash who totals 0) (* q price))
                   (pushnew item (gethash who items) :test #'string=))
               (bad-order (c) (format t "skipped ~a~%" c)))))
  (loop for who in (sort (loop for k being the hash-keys of totals collect k) #'string<)
        for total = (gethash who totals)
        do (format t "~a: ~a for ~{~a~^ and ~}~:[~; (free shipping)~]~%"
                   who (money total) (sort (copy-list (gethash who items)) #'string<)
                   (>= total 2000)))
  (format t "Grand total: ~a~%"
          (money (loop for v being the hash-values of totals sum v))))

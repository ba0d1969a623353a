;;;; Mail merge: one letter per line of a CSV file (name,email,amount).
;;;; Bad lines are reported and skipped; a summary is printed at the end.
(define-condition bad-line (error)
  ((line :initarg :line :reader bad-line-text))
  (:report (lambda (c s) (format s "bad line: ~s" (bad-line-text c)))))

(defun split-csv (line)
  (loop with start = 0
        for comma = (position #\, line :start start)
        collect (string-trim " " (subseq line start comma))
        while comma
        do (setf start (1+ comma))))

(defun parse-line (line)
  (let ((fields (split-csv line)))
    (unless (and (= (length fields) 3) (find #\@ (second fields)))
      (error 'bad-line :line line))
    fields))

(let ((sent 0) (skipped 0))
  (with-open-file (in (merge-pathnames "data/recipients.csv" *load-truename*))
    (read-line in nil)                  ; the header line
    (loop for line = (read-line in nil)
          while line
          do (handler-case
                 (destructuring-bind (name email amount) (parse-line line)
                   (send-letter "localhost" "billing@example.com" email
                                (format nil "Dear ~a,~%~%your balance is ~a EUR.~%" name amount)
                                :subject (format nil "Your balance, ~a" name))
                   (incf sent))
               (bad-line (c)
                 (format t "skipped: ~a~%" c)
                 (incf skipped)))))
  (format t "~d sent, ~d skipped~%" sent skipped))

;;;; Mail merge: read recipients from a CSV file, build one letter each,
;;;; skip bad addresses with a custom condition.

(define-condition bad-address (error)
  ((address :initarg :address :reader bad-address-address)
   (who :initarg :who :reader bad-address-who))
  (:report (lambda (c stream)
             (format stream "bad address ~s for ~a"
                     (bad-address-address c) (bad-address-who c)))))

(defun split (line sep)
  (loop for start = 0 then (1+ end)
        for end = (position sep line :start start)
        collect (subseq line start end)
        while end))

(defun check-address (who address)
  (let ((at (position #\@ address)))
    (unless (and at (> at 0) (< at (1- (length address))))
      (error 'bad-address :address address :who who))
    address))

(defun read-recipients (path)
  (with-open-file (in path)
    (read-line in)                      ; header
    (loop for line = (read-line in nil)
          while line
          unless (string= line "")
            collect (mapcar (lambda (f) (string-trim " " f)) (split line #\,)))))

(defun letter (name email plan)
  (format nil "To: ~a <~a>~%Subject: ~@(~a~) plan renewal~%~%Dear ~a,~%~
               ~:[Thank you for staying with us.~;As a gold member you get a free upgrade.~]~%"
          name email plan (subseq name 0 (position #\Space name))
          (string= plan "gold")))

(let ((sent 0) (skipped '()))
  (dolist (r (read-recipients "data/recipients.csv"))
    (destructuring-bind (name email city plan) r
      (declare (ignore city))
      (handler-case
          (progn
            (check-address name email)
            (write-string (letter name email plan))
            (format t "----~%")
            (incf sent))
        (bad-address (c)
          (push (bad-address-who c) skipped)
          (format t "skipping: ~a~%" c)))))
  (format t "~d letter~:p written, ~d skipped: ~{~a~^, ~}~%"
          sent (length skipped) (reverse skipped)))

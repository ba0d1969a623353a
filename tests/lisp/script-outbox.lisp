;;;; Outbox: validate and de-duplicate addresses, write an outbox file,
;;;; read it back and summarise. Errors while writing are caught per item.

(define-condition invalid-recipient (error)
  ((text :initarg :text :reader invalid-recipient-text))
  (:report (lambda (c s) (format s "invalid recipient ~s" (invalid-recipient-text c)))))

(defun normalise (address)
  (let ((a (string-downcase (string-trim " <>" address))))
    (when (or (zerop (length a)) (not (find #\@ a)) (find #\Space a))
      (error 'invalid-recipient :text address))
    a))

(defparameter *input*
  '("Ann@Example.com" " <bob@example.org>" "ann@example.com" "not an address"
    "" "cy@example.com" "BOB@example.org"))

(defparameter *outbox* "script-outbox.tmp")

(let ((good '()) (errors 0))
  (dolist (a *input*)
    (handler-case (pushnew (normalise a) good :test #'string=)
      (invalid-recipient (c)
        (incf errors)
        (format t "~a~%" c))))
  (setf good (nreverse good))
  (with-open-file (out *outbox* :direction :output :if-exists :supersede)
    (loop for a in good for i from 1
          do (format out "~3,'0d ~a~%" i a)))
  (with-open-file (in *outbox*)
    (loop for line = (read-line in nil)
          while line
          do (format t "queued: ~a~%" line)))
  (delete-file *outbox*)
  (format t "~d unique, ~d rejected, ~:[some~;no~] duplicates~%"
          (length good) errors
          (= (length good) (- (length *input*) errors)))
  (print (probe-file *outbox*)))

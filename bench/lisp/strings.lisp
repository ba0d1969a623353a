;;; String building with format and concatenate.
(defvar *n* 3000)

(let ((s ""))
  (dotimes (i *n*)
    (setf s (concatenate 'string s (format nil "~d," i))))
  (print (length s)))

(let ((parts nil))
  (dotimes (i (* 10 *n*))
    (push (format nil "rcpt-~a-~d@example.com" "user" i) parts))
  (print (length (apply #'concatenate 'string parts))))

;;; String building with format and concatenate.
(let ((s ""))
  (dotimes (i 3000)
    (setf s (concatenate 'string s (format nil "~d," i))))
  (print (length s)))

(let ((parts nil))
  (dotimes (i 30000)
    (push (format nil "rcpt-~a-~d@example.com" "user" i) parts))
  (print (length (apply #'concatenate 'string parts))))

#!/usr/bin/env sendletter
;;;; An Allegro-style mail script: options parsed with
;;;; sys:with-command-line-arguments, log lines picked out with match-re,
;;;; branches written with if*. It mails the errors of a log file.
;;;; Try it:
;;;;   sendletter --sink out examples/log-alert.lisp \
;;;;       --to ops@example.com --to oncall@example.com -s Backup examples/data/server.log
(require :smtp)
(require :regexp2)

(defparameter *usage*
  "usage: log-alert.lisp --to ADDRESS [--to ADDRESS...] [--from ADDRESS] [-s SUBJECT] [-q] LOGFILE")

(defun log-errors (file)
  "The (time . message) of each ERROR line of FILE."
  (with-open-file (in file)
    (let ((found '()))
      (loop for line = (read-line in nil) while line
            do (multiple-value-bind (matched whole time message)
                   (match-re "^\\S+ (\\d\\d:\\d\\d:\\d\\d) ERROR (.*)$" line)
                 (declare (ignore whole))
                 (when matched (push (cons time message) found))))
      (nreverse found))))

(defun address-p (a)
  (match-re "^[^@\\s]+@[^@\\s]+\\.[a-z]{2,}$" a :case-fold t))

(sys:with-command-line-arguments
    (("to" :long to :required-companion :allow-multiple-options)
     ("from" :long from :required-companion)
     ("s" :short subject :required-companion)
     ("q" :short quiet))
    (files :usage *usage*)
  (if* (or (null to) (/= (length files) 1))
     then (format *error-output* "~a~%" *usage*)
          (exit 2)
   elseif (find-if-not #'address-p to)
     then (format *error-output* "not an address: ~a~%" (find-if-not #'address-p to))
          (exit 2))
  (let* ((file (first files))
         (errors (log-errors file))
         (subject (format nil "~:[~;[ALERT] ~]~a: ~d error~:p in ~a"
                          errors (or subject "Log") (length errors) (file-namestring file))))
    (if* (null errors)
       then (unless quiet (format t "no errors in ~a~%" file))
       else (send-letter "localhost" (or from "alerts@example.com") to
                         (format nil "~{~a  ~a~%~}"
                                 (loop for (time . message) in errors
                                       collect time collect message))
                         :subject subject)
            (unless quiet
              (format t "sent ~s to ~{~a~^, ~}~%" subject to)))))

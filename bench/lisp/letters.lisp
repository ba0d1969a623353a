;;; *letters* letters, one send-letter (one connection) each, as a mail
;;; loop over recipients does. The count comes from the command line:
;;;   sendletter -e '(defparameter *letters* 2000)' letters.lisp
(dotimes (i *letters*)
  (send-letter "localhost" "sender@example.com" "rcpt@example.com"
               "Hello, this is a benchmark letter."
               :subject "bench"))

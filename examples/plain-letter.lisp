;;;; The simplest letter: one recipient, a subject, a text body.
;;;; Try it:  sendletter --sink out examples/plain-letter.lisp
(send-letter "localhost" "me@example.com" "you@example.com"
             (format nil "Hello,~%~%this is a plain text letter.~%")
             :subject "A plain letter")
(format t "sent~%")

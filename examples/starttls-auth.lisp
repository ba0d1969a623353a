;;;; Submission over STARTTLS with AUTH, the password from the environment:
;;;;   SMTP_PASSWORD=... sendletter examples/starttls-auth.lisp
;;;; The server's certificate is verified; STARTTLS is required (an error if
;;;; the server does not offer it).
(let ((password (or (sys:getenv "SMTP_PASSWORD")
                    (error "Set SMTP_PASSWORD to the account's password."))))
  (send-letter '("smtp.example.com" :port 587 :starttls t)
               "me@example.com" "you@example.com"
               "Sent over an encrypted, authenticated connection."
               :subject "Over STARTTLS"
               :login "me" :password password))
(format t "sent~%")

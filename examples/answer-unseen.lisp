;;;; Read the unseen letters of an IMAP inbox, print sender and subject,
;;;; answer each with send-letter and flag it \Answered:
;;;;   IMAP_HOST=imap.example.com IMAP_USER=me IMAP_PASSWORD=... \
;;;;     sendletter examples/answer-unseen.lisp
;;;; Implicit TLS (port 993) with the certificate verified; IMAP_CA_FILE
;;;; names an extra CA to trust, IMAP_PORT another port. Try it first
;;;; with --sink DIR: the answers are then written to DIR, not sent.
(require :imap)

(defun env (name &optional default)
  (or (sys:getenv name) default
      (error "Set ~a." name)))

(let* ((ca (sys:getenv "IMAP_CA_FILE"))
       (server `(,(env "IMAP_HOST")
                 :ssl t
                 ,@(when (sys:getenv "IMAP_PORT")
                     (list :port (parse-integer (sys:getenv "IMAP_PORT"))))
                 ,@(when ca (list :ca-file ca)))))
  (net.post-office:with-imap-connection
      (mb server :user (env "IMAP_USER") :password (env "IMAP_PASSWORD"))
    (net.post-office:select-mailbox mb "INBOX")
    (dolist (n (net.post-office:search-mailbox mb :unseen))
      (let* ((info (net.post-office:fetch-parts mb n "envelope"))
             (envelope (net.post-office:fetch-field n "envelope" info))
             (from (first (net.post-office:envelope-from envelope)))
             (address (format nil "~a@~a"
                              (net.post-office:address-mailbox from)
                              (net.post-office:address-host from)))
             (subject (net.post-office:decode-header-text
                       (or (net.post-office:envelope-subject envelope) ""))))
        (format t "~a: ~a~%" address subject)
        (net.post-office:send-letter "localhost" (env "IMAP_USER" "me") address
                                     "Thank you, your letter has arrived."
                                     :subject (format nil "Re: ~a" subject))
        (net.post-office:alter-flags mb n :add-flags '(:\\answered :\\seen))))))

;;; *letters* letters over implicit TLS, one connection each, trusting the
;;; bench sink's CA (*ca-file*) as a script would trust a private CA.
(dotimes (i *letters*)
  (send-letter (list "localhost" :port 465 :ssl t :ca-file *ca-file*)
               "sender@example.com" "rcpt@example.com"
               "Hello, this is a benchmark letter."
               :subject "bench"))

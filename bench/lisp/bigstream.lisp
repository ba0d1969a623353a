;;; One letter with one large attachment given as a stream (*file* opened
;;; here): with DKIM, the case that spools the stream to a temporary file.
(with-open-file (s *file* :element-type '(unsigned-byte 8))
  (send-letter "localhost" "sender@example.com" "rcpt@example.com"
               "The file is attached."
               :subject "big attachment (stream)"
               :attachments (list s)))

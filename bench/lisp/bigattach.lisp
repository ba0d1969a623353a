;;; One letter with one large attachment (*file*).
(send-letter "localhost" "sender@example.com" "rcpt@example.com"
             "The file is attached."
             :subject "big attachment"
             :attachments *file*)

;;;; A letter with two attachments, sent in list order.
(send-letter "localhost" "reports@example.com" '("boss@example.com" "team@example.com")
             "The weekly report and the notes are attached."
             :cc "archive@example.com"
             :subject "Weekly report"
             :attachments (list (merge-pathnames "data/report.csv" *load-truename*)
                                  (merge-pathnames "data/notes.txt" *load-truename*)))
(format t "sent with 2 attachments~%")

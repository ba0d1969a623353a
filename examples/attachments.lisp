;;;; A letter with two attachments, sent in list order.
(send-letter "localhost" "reports@example.com" '("boss@example.com" "team@example.com")
             "The weekly report and the notes are attached."
             :cc "archive@example.com"
             :subject "Weekly report"
             :attachments (list "data/report.csv" "data/notes.txt"))
(format t "sent with 2 attachments~%")

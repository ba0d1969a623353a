;;;; Delivery through the local MTA: the message goes to `sendmail -t`'s
;;;; standard input. The list form runs the program without a shell.
(send-letter '(:program . ("/usr/sbin/sendmail" "-t" "-i"))
             "me@example.com" "you@example.com"
             "Handed to the local mail system."
             :bcc "audit@example.com"
             :subject "Via sendmail")
(format t "handed to sendmail~%")

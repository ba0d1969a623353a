;;;; A letter with a plain text and an HTML version of the same body
;;;; (multipart/alternative), built with make-mime-part.
(let* ((text (make-mime-part :content-type "text/plain"
                             :text (format nil "Our offer: 10% off this week.~%")))
       (html (make-mime-part :content-type "text/html"
                             :text "<p>Our offer: <b>10% off</b> this week.</p>"))
       (body (make-mime-part :content-type "multipart/alternative"
                             :subparts (list text html))))
  (send-letter "localhost" "shop@example.com" "customer@example.com" body
               :subject "This week's offer"))
(format t "sent~%")

;; ~:@R writes old Roman numerals up to 4999, ~@R new ones up to 3999.
(dolist (n '(1 4 9 14 40 90 400 900 1994 3999 4000 4444 4999))
  (format t "~D ~:@R~%" n n))
(dolist (n '(1 4 1994 3999))
  (format t "~D ~@R~%" n n))
(dolist (control '("~@R" "~:@R"))
  (dolist (n '(0 4000 5000 -1))
    (format t "~A ~D: ~A~%" control n
            (handler-case (format nil control n) (error () :error)))))

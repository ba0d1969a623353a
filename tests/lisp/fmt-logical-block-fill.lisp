;; ~<...~:@> puts a fill-style newline after every run of blanks of its
;; body, the text inside ~{...~} included.
(defun show (margin control &rest args)
  (let ((*print-pretty* t) (*print-right-margin* margin))
    (format t "~S~%" (apply #'format nil control args))))
(show 2 "~:@<~@{~A~^ ~}~:@>" 1 2 3)
(show 2 "~:@<~@{~A~^            ~}~:@>" 1 2 3)
(show 3 "~@<**~@;~@{~A~^       ~}~:@>" 1 2 3)
(show 3 "~@<**~@;~@{~A~^       ~}~;XX~:@>" 1 2 3)
(show 3 "~:@<**~@;~@{~A~^       ~}~:@>" 1 2 3)
(show 10 "~:@<~{~A ~A~^ ~}~:@>" '(aa bb cc dd ee ff))
(show 12 "~:@<~@{~[zero ~;one ~]~}~:@>" 0 1 0 1)
(show 2 "~:@<~@{~A~^/~
                   ~}~:@>" 1 2 3)

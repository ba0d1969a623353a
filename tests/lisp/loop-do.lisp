;; do / doing with several forms
(loop for x in '(1 2 3) do (princ x) (princ " "))
(terpri)
(loop for x in '(a b) doing (prin1 x) (terpri))
(print (loop for x in '(1 2) do (princ x)))
(let ((sum 0))
  (loop for i from 1 to 4 do (incf sum i) do (incf sum 100))
  (print sum))

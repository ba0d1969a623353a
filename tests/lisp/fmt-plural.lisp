(dolist (n '(0 1 2))
  (format t "~d item~:p, ~d famil~:@p, ~d cat~p~%" n n n n))
(format t "~d dog~:p~%" 1)

(dolist (n '(1 4 9 14 40 90 400 1994 2024 3999))
  (format t "~d: ~@r ~:@r~%" n n n))

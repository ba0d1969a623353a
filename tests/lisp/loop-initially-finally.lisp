;; initially runs before the first iteration, finally after the last.
(loop initially (princ "start ") (princ "[")
      for x in '(1 2 3) do (princ x)
      finally (princ "]") (princ " end") (terpri))
(print (loop for x in '() initially (print 'init) finally (print 'fin)))
(print (loop for i from 1 to 3 collect i finally (print 'done)))
(print (loop with x = 5 initially (setq x (* x 2)) return x))

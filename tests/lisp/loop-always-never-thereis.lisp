;; always / never / thereis
(print (loop for x in '(2 4 6) always (evenp x)))
(print (loop for x in '(2 3 6) always (evenp x)))
(print (loop for x in '() always nil))
(print (loop for x in '(1 3) never (evenp x)))
(print (loop for x in '(1 2) never (evenp x)))
(print (loop for x in '(1 2 3 4) thereis (and (> x 2) (* x 100))))
(print (loop for x in '(1 2) thereis (> x 5)))
;; always returns before finally runs when it fails.
(print (loop for x in '(1 2) always (< x 2) finally (print 'finally-ran)))
(print (loop for x in '(1 2) always (< x 5) finally (print 'finally-ran)))

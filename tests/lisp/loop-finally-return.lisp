;; finally (return ...) supplies the loop's value.
(print (loop for x in '(1 2 3) sum x into total finally (return (* 2 total))))
(print (loop for x in '(a b) collect x into l finally (return (values (length l) l))))
(print (multiple-value-list (loop for x in '(a b) finally (return (values 1 2)))))
(print (loop for i from 1 to 3 collect i finally (return 'overridden)))
(print (loop named top for i below 2 finally (return-from top 'named-exit)))

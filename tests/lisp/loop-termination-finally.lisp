;; finally runs after termination by for, while, until, repeat or
;; loop-finish, but not after return / return-from / always failing.
(loop for x in '(1) finally (print 'after-for))
(loop for i from 0 while (< i 1) finally (print 'after-while))
(loop for i from 0 until (> i 1) finally (print 'after-until))
(loop repeat 1 finally (print 'after-repeat))
(loop for i from 0 do (when (= i 2) (loop-finish)) finally (print 'after-loop-finish))
(print (loop for x in '(1 2) do (return 'returned) finally (print 'not-printed)))
(print (loop for x in '(1 2) when (= x 1) return 'clause-return finally (print 'not-printed)))
(print (block b (loop for x in '(1) do (return-from b 'from-b) finally (print 'not-printed))))

;; Decreasing arithmetic stepping.
(print (loop for i from 5 downto 1 collect i))
(print (loop for i downfrom 5 to 1 collect i))
(print (loop for i from 5 above 1 collect i))
(print (loop for i downfrom 10 above 0 by 3 collect i))
(print (loop for i downfrom 3 collect i into l when (= i 0) return l))
(print (loop for i from 10 downto 7 finally (return i)))
(print (loop for i from 1 downto 5 collect i))

;; for x being the elements of sequence (an SBCL extension of CLHS 6.1.2.1.6)
(print (loop for x being the elements of '(1 2 3) collect (* 2 x)))
(print (loop for x being the elements of "abc" collect x))
(print (loop for x being each element of #(4 5) sum x))

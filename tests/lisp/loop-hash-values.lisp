;; for v being the hash-values of h [using (hash-key k)]
(defvar *h* (make-hash-table))
(setf (gethash 'a *h*) 1 (gethash 'b *h*) 2 (gethash 'c *h*) 3)
(print (loop for v being the hash-values of *h* sum v))
(print (sort (loop for v being the hash-values of *h* using (hash-key k)
                   collect (cons v k))
             #'< :key #'car))
(print (loop for v being each hash-value of *h* maximize v))
(print (loop for v being the hash-values of *h* count (oddp v)))

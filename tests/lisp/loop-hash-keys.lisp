;; for k being the hash-keys of h using (hash-value v); sorted, as the
;; iteration order of hash tables is not specified.
(defvar *h* (make-hash-table :test 'equal))
(setf (gethash "bob" *h*) 3 (gethash "alice" *h*) 5 (gethash "carol" *h*) 1)
(print (sort (loop for k being the hash-keys of *h* collect k) #'string<))
(print (sort (loop for k being the hash-keys of *h* using (hash-value v)
                   collect (list k v))
             #'string< :key #'first))
(print (loop for k being each hash-key in *h* sum (length k)))
(print (loop for k being the hash-keys in (make-hash-table) collect k))
(print (sort (loop for k being the hash-key of *h* using (hash-value v)
                   when (> v 2) collect k)
             #'string<))

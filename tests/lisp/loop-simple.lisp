;; Simple loop: compound forms only, exits with return (CLHS 6.1.1.1.1).
(let ((n 0))
  (print (loop (incf n) (when (>= n 5) (return (* n 10))))))
(let ((acc '()) (i 0))
  (loop (when (= i 3) (return)) (push i acc) (incf i))
  (print acc))
(print (let ((i 0)) (loop (incf i) (if (> i 2) (return (values i 'done))))))
(print (multiple-value-list (let ((i 0)) (loop (incf i) (if (> i 2) (return (values i 'done)))))))
(print (block nil (loop (return 7))))

;; A mailing-list style loop: recipients grouped by domain.
(defvar *recipients*
  '(("Ann" . "ann@example.com") ("Bob" . "bob@example.org")
    ("Cy" . "cy@example.com") ("Dee" . "bad-address") ("Eve" . "eve@example.org")))
(defun domain (addr)
  (let ((at (position #\@ addr)))
    (and at (subseq addr (1+ at)))))
(let ((by-domain (make-hash-table :test 'equal))
      (bad '()))
  (loop for (name . addr) in *recipients*
        for d = (domain addr)
        if d do (push name (gethash d by-domain))
        else do (push name bad))
  (loop for d in (sort (loop for k being the hash-keys of by-domain collect k) #'string<)
        do (format t "~a: ~{~a~^, ~}~%" d (reverse (gethash d by-domain))))
  (format t "bad: ~{~a~^, ~}~%" bad)
  (print (loop for (nil . addr) in *recipients* count (domain addr))))

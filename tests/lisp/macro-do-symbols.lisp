;; do-symbols / do-external-symbols
(defpackage :colors (:use) (:export #:red #:green) (:intern #:secret))
(let ((ext '()))
  (do-external-symbols (s :colors) (push (symbol-name s) ext))
  (print (sort ext #'string<)))
(let ((all '()))
  (do-symbols (s :colors) (push (symbol-name s) all))
  (print (sort all #'string<)))
(print (do-external-symbols (s :colors 'finished)))

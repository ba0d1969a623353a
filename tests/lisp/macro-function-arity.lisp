;; A macro function takes exactly the form and the environment.
(dolist (m '(do dolist loop defstruct))
  (print (list m
               (handler-case (funcall (macro-function m) (list m)) (program-error () :pe))
               (handler-case (progn (funcall (macro-function m) (list m) nil nil) :ok) (program-error () :pe)))))
(print (car (funcall (macro-function 'when) '(when a b) nil)))

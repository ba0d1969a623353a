;;; fboundp takes a function name: a symbol or (setf symbol); another list is a type-error.
(print (handler-case (fboundp (quote (a b))) (type-error () :type-error)))
(print (handler-case (fboundp (quote (setf))) (type-error () :type-error)))
(print (not (null (fboundp (quote car)))))

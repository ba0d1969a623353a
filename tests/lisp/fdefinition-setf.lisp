;;; fdefinition and fmakunbound of (setf name) function names (CLHS 1.4.1.2.1).
(print (handler-case (fdefinition '(setf)) (type-error () :type-error) (error () :other)))
(print (handler-case (fmakunbound '(setf . foo)) (type-error () :type-error) (error () :other)))
(defun (setf foo9) (v x) (setf (car x) v))
(print (funcall (fdefinition '(setf foo9)) 1 (list 2)))
(fmakunbound '(setf foo9))
(print (fboundp '(setf foo9)))

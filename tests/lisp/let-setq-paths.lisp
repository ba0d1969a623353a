;;; One-variable let and setq as a tagbody statement: special variables,
;;; symbol macros and closures keep their meaning (CLHS 3.1.2.1.1, 5.1.2.7).
(defvar *depth* 0)
(defun depth () *depth*)
(print (list (let ((*depth* 5)) (depth)) (depth)))
(print (let ((c (list 1 2)))
         (symbol-macrolet ((head (car c)))
           (tagbody (setq head 10)))
         c))
(print (let ((fs nil))
         (dotimes (i 3) (let ((j i)) (push (lambda () j) fs)))
         (mapcar #'funcall fs)))
(print (let ((n 0))
         (tagbody
          top
            (setq n (+ n 1))
            (if (< n 5) (go top)))
         n))
(print (let ((x 1)) (declare (special x)) (let ((x 2)) (list x (symbol-value 'x)))))
(print (handler-case (let ((y (car 5))) y) (type-error () :type-error)))

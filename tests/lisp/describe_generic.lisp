(defgeneric mug (x y z))
(defmethod mug ((x integer) (y integer) (z integer)) (+ x y z))
(print (not (null (search "Lambda-list" (with-output-to-string (s) (describe (function mug) s))))))
(print (plusp (length (with-output-to-string (s) (describe (quote mug) s)))))

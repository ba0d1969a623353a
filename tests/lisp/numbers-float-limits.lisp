;;; Float limits and epsilons (CLHS 12.1.6.2 MOST-POSITIVE-SHORT-FLOAT,
;;; SHORT-FLOAT-EPSILON): short is single, long is double, as in SBCL.
(setf *print-right-margin* 1000)
(print (list most-positive-short-float most-positive-single-float most-negative-single-float
             least-positive-normalized-single-float least-negative-normalized-short-float))
(print (list most-positive-double-float most-negative-long-float
             least-positive-normalized-double-float least-negative-normalized-long-float))
(print (list (< 0 least-positive-single-float least-positive-normalized-single-float)
             (< 0 least-positive-double-float least-positive-normalized-double-float)
             (= least-positive-double-float (- least-negative-long-float))))
(print (list single-float-epsilon single-float-negative-epsilon short-float-epsilon
             double-float-epsilon double-float-negative-epsilon long-float-epsilon))
(print (list (/= (+ 1.0 single-float-epsilon) 1.0) (= (+ 1.0 (/ single-float-epsilon 2)) 1.0)
             (/= (- 1d0 double-float-negative-epsilon) 1d0)))
(print (constantp 'double-float-epsilon))

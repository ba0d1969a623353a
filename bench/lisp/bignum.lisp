;;; Bignums: a power (multiplication), printed in decimal and read back
;;; (radix conversion both ways). Portable CL, run by SBCL too.
;;; (*n* can be set before loading: sendletter -e '(defparameter *n* 1000)')
(defvar *n* 1000000)

(let* ((x (expt 7 *n*))
       (text (prin1-to-string x))
       (y (parse-integer text))
       (z (read-from-string text)))
  (print (list (length text) (= x y z) (mod x 1000000007))))

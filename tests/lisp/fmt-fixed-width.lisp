;; ~wF without d: as many digits as fit the width, the optional zeros
;; around the point dropped first (SBCL's format-fixed-aux); -0.0 keeps
;; its sign.
(print (format nil "~E|~$|~,2F|~F|~G|~5F|~3F" -0.0 -0.0 -0.0 -0.0 -0.0 -0.0 -0.0))
(dolist (c '("~3F" "~2F" "~4F" "~4@F" "~3@F" "~1F" "~5F" "~3,,,'*F" "~2,,,'*F" "~1,,,'*F"))
  (print (list c (format nil c 1.0) (format nil c 0.5) (format nil c -0.5)
               (format nil c 12.5) (format nil c 0.0) (format nil c 123.0))))
(dolist (c '("~3,1F" "~2,1F" "~4,0F" "~2,0F" "~1,0F" "~,0F" "~,1F" "~4,2F" "~3,2F"))
  (print (list c (format nil c 1.0) (format nil c 0.5) (format nil c -0.5)
               (format nil c 12.5) (format nil c 0.0) (format nil c 0.05))))
(dolist (c '("~3F" "~2F" "~4F" "~5F" "~6F" "~8F" "~3,,1F"))
  (print (list c (format nil c 0.000001) (format nil c 1.1) (format nil c 0.01)
               (format nil c 9.96) (format nil c 99.5) (format nil c 0.125)
               (format nil c 1234.5678) (format nil c 0.0999))))
(print (list (format nil "~3F" 1) (format nil "~4F" 1/2) (format nil "~4F" 1.0d0)))
(terpri)

;;; excl:if* — franz.com, Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/if_s.htm
;;; (if* test then forms [elseif test then forms]* [else forms]);
;;; thenret returns the test's value; the value of the last form of the
;;; chosen branch is returned, NIL when no branch is taken.
(format t "~s~%" (if* (> 2 1) then 'a 'b else 'c))
(format t "~s~%" (if* (< 2 1) then 'a else 'b 'c))
(format t "~s~%" (if* nil then 1 elseif (+ 1 2) thenret else 4))
(format t "~s~%" (if* nil then 1 elseif nil then 2 else 3 4))
(format t "~s~%" (if* nil then 1))
(format t "~s~%" (if* t then))
(format t "~s~%" (if* (member 2 '(1 2 3)) thenret))
;; THEN read in another package still counts: Allegro compares names.
(format t "~s~%" (if* t :then 'keyword-then))
(format t "~s~%" (let ((x 5))
                   (if* (< x 0) then :negative
                    elseif (= x 0) then :zero
                    elseif (< x 10) then :small
                      else :large)))
(format t "~a~%" (handler-case (macroexpand '(if* t 1)) (error () "malformed if* is an error")))
;; excl:while and excl:until — franz.com, Allegro CL 10.1,
;; operators/excl/while.htm, operators/excl/until.htm: repeat the body
;; while (until) the test is true; return NIL.
(let ((i 0) (acc nil))
  (format t "~s~%" (while (< i 3) (push i acc) (incf i)))
  (format t "~s~%" acc))
(let ((i 0))
  (format t "~s~%" (until (>= i 5) (incf i)))
  (format t "~s~%" i))
(let ((i 0)) (format t "~s~%" (while t (when (> (incf i) 2) (return i)))))
(format t "~s~%" (eq 'if* 'excl:if*))

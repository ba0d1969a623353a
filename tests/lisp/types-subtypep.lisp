;;; subtypep (CLHS SUBTYPEP): the standard type hierarchy, numeric ranges,
;;; and/or/not/member; certain answers where SBCL gives them.
(setf *print-right-margin* 1000)
(defmacro st (a b) `(format t "~S ~S => ~S~%" ',a ',b (multiple-value-list (subtypep ',a ',b))))
(st fixnum integer) (st integer fixnum) (st bit fixnum) (st (integer 0 10) (integer 0 20)) (st (integer 0 20) (integer 0 10))
(st (integer 0 (10)) (integer 0 9)) (st (mod 10) (unsigned-byte 4)) (st (unsigned-byte 4) (mod 10)) (st integer rational) (st rational integer)
(st integer float) (st single-float float) (st float single-float) (st real number) (st number real) (st complex number) (st integer real)
(st null symbol) (st null list) (st boolean symbol) (st cons list) (st list cons) (st keyword symbol) (st symbol keyword)
(st string vector) (st simple-string string) (st vector string) (st character number) (st cons atom) (st symbol atom) (st list atom)
(st (or fixnum bignum) integer) (st (and integer (satisfies evenp)) integer) (st (member 1 2 3) integer) (st (member 1 a) integer)
(st (eql 1) bit) (st nil integer) (st integer t) (st (not integer) (not fixnum)) (st fixnum (not float)) (st integer (and real number)) (st integer (and real float))
(st signed-byte integer) (st integer signed-byte) (st unsigned-byte (integer 0 *)) (st (integer 5 3) nil) (st (real 0 1) (real 0 (1))) (st (real 0 (1)) (real 0 1)) (st (float 0.0 1.0) (real 0 1))
(st sequence list) (st list sequence) (st vector sequence) (st hash-table atom) (st function atom) (st stream hash-table) (st error condition) (st simple-error error) (st error simple-error)
(st ratio rational) (st ratio integer) (st double-float long-float) (st short-float single-float) (st base-char character) (st standard-char character) (st character base-char)
;; member/eql types are decided element by element where typep is exact;
;; zero floats in ranges.
(st (or (long-float (0.0d0) *) (member -0.0d0 0.0d0)) (long-float 0.0d0 *))
(st (member 1 2) (integer 0 5))
(st (member 1 a) (integer 0 5))
(st (eql 0.0) (single-float 0.0 1.0))
(print (list (typep -0.0d0 '(long-float 0.0d0 *)) (typep 1.5 '(short-float 1.0 2.0))))

;;; typep on numeric ranges compares exactly (bignum bounds are not rounded),
;;; (mod n), (unsigned-byte n), (signed-byte n); expt with a zero float power.
(setf *print-right-margin* 1000)
(print (list (typep 9007199254740993 '(integer 0 9007199254740992)) (typep 9007199254740992 '(real 0 9007199254740992)) (typep 5 '(integer (5) 10)) (typep 5 '(integer 5 10)) (typep 10 '(integer 5 (10))) (typep 255 '(unsigned-byte 8)) (typep 256 '(unsigned-byte 8)) (typep -128 '(signed-byte 8)) (typep -129 '(signed-byte 8)) (typep 127 '(signed-byte 8)) (typep 128 '(signed-byte 8)) (typep 3 '(mod 3)) (typep 2 '(mod 3)) (typep -1 '(mod 3)) (typep (expt 2 64) '(unsigned-byte 64)) (typep (1- (expt 2 64)) '(unsigned-byte 64)) (typep 1.5 '(float 1.0 (1.5))) (typep 1/2 '(rational 0 1/2)) (typep 1 'unsigned-byte) (typep -1 'unsigned-byte)))
(print (list (expt -5 0.0) (expt -5.0d0 0.0) (imagpart -1.0) (imagpart -2d0)))

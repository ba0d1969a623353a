;;; The printer variables *print-gensym*, *print-array*, *print-readably*
;;; (print-not-readable), and write/write-to-string with every keyword.
(print (list *print-gensym* *print-array* *print-circle*))
(let ((g (make-symbol "FOO")))
  (print (list (write-to-string g) (write-to-string g :gensym nil)
               (write-to-string g :gensym nil :readably t)
               (write-to-string g :escape nil))))
(print (subseq (write-to-string #(1 2 3) :array nil) 0 2))
(print (subseq (write-to-string #*1011 :array nil) 0 2))
(print (write-to-string "a string" :array nil))
(print (write-to-string #(1 2 3) :array nil :readably t))
(print (write-to-string #2A((1 2)) :array t))
(dolist (x (list #'car *standard-output* (find-package "CL")
))
  (print (handler-case (progn (write-to-string x :readably t) :printed)
           (print-not-readable (c)
             (list :not-readable (eq (print-not-readable-object c) x))))))
(print (write-to-string 3 :allow-other-keys t :no-such-key 1))
(print (write-to-string 3 :allow-other-keys t '#:not-a-keyword 1))
(print (write-to-string 10 :base 2 :radix t :case :downcase :circle nil
                          :level 1 :length 1 :lines 3 :right-margin 40
                          :miser-width 10 :pretty nil :escape t :readably nil
                          :array t :gensym t
                          :pprint-dispatch *print-pprint-dispatch*))
(print (with-output-to-string (s) (write '(a b) :stream s :length 1 :pretty nil)))
(print (with-standard-io-syntax (list *print-gensym* *print-array*)))

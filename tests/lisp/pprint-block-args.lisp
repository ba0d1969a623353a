;;; pprint-logical-block checks its :prefix, :per-line-prefix and :suffix (CLHS 22.4); SBCL accepts a NIL prefix.
(print (with-output-to-string (os) (pprint-logical-block (os '(3) :prefix nil :suffix "]") (write (pprint-pop) :stream os))))
(print (handler-case (pprint-logical-block (*standard-output* '(1) :prefix 3)) (type-error () :type-error)))
(print (handler-case (pprint-logical-block (*standard-output* '(1) :suffix nil)) (type-error () :type-error)))
(print (handler-case (pprint-logical-block (*standard-output* '(1) :suffix 3)) (type-error () :type-error)))
(print (with-output-to-string (os) (pprint-logical-block (os '(1 2) :per-line-prefix ";; ") (write (pprint-pop) :stream os))))

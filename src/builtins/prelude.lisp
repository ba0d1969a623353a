;;;; Standard macros written in Lisp. Loaded once at start-up.
(in-package :common-lisp)
(in-package :common-lisp-user)

;;; net.post-office: the MIME macro (behaviour §1).
(in-package :net.post-office)
(defmacro with-mime-part-constructed-stream ((var part) &body body)
  "Bind VAR to an input stream of PART's rendering while BODY runs."
  `(let ((,var (sendletter::%mime-part-stream ,part)))
     ,@body))
(in-package :common-lisp-user)

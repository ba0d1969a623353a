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

;;;; ---- Package iteration, standard I/O syntax, ctypecase (loop area) ----
(in-package :common-lisp)
(export '(do-symbols do-external-symbols with-standard-io-syntax ctypecase))

;; CLHS do-symbols: RESULT is evaluated with VAR bound to NIL.
(defmacro do-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (sendletter::%package-symbols ,package nil) ,result) ,@body))

(defmacro do-external-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (sendletter::%package-symbols ,package t) ,result) ,@body))

;; CLHS with-standard-io-syntax: the standard values of the reader and
;; printer variables.
(defmacro with-standard-io-syntax (&body body)
  `(let ((*package* (find-package "COMMON-LISP-USER"))
         (*print-array* t) (*print-base* 10) (*print-case* :upcase)
         (*print-circle* nil) (*print-escape* t) (*print-gensym* t)
         (*print-length* nil) (*print-level* nil) (*print-lines* nil)
         (*print-miser-width* nil) (*print-pretty* nil) (*print-radix* nil)
         (*print-readably* t) (*print-right-margin* nil)
         (*read-base* 10) (*read-default-float-format* 'single-float)
         (*read-eval* t) (*read-suppress* nil))
     ,@body))

;; No store-value restart is offered, so ctypecase behaves as etypecase.
(defmacro ctypecase (keyplace &body clauses)
  `(etypecase ,keyplace ,@clauses))
(in-package :common-lisp-user)

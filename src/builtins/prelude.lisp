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

;;;; ---- Lists, sequences, hash tables (lists area) ----
(in-package :common-lisp)
;; Type names the sequence functions build into results and errors: make
;; them external CL symbols before any script can intern its own.
(export '(unsigned-byte signed-byte simple-array simple-vector vector array
          character base-char sequence integer fixnum string simple-string
          with-hash-table-iterator))

(defsetf fill-pointer sendletter::set-fill-pointer)
(defsetf subseq sendletter::set-subseq)

;; CLHS with-hash-table-iterator: NAME is a local macro returning
;; (values more-p key value) over a snapshot of the entries.
(defmacro with-hash-table-iterator ((name table) &body body)
  (let ((entries (gensym "ENTRIES")) (e (gensym "E")))
    `(let ((,entries (sendletter::hash-table-entries ,table)))
       (macrolet ((,name ()
                    '(let ((,e (pop ,entries)))
                      (if ,e (values t (car ,e) (cdr ,e)) nil))))
         ,@body))))
(in-package :common-lisp-user)

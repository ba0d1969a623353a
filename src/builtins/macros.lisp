;;;; Standard macros written in Lisp. Read and evaluated when a script
;;;; first expands one of them (builtins/prelude.rs lists them all), with
;;;; the standard reader settings; *package* is restored afterwards.

;;; net.post-office: the MIME macro (behaviour §1).
(in-package :net.post-office)
(defmacro with-mime-part-constructed-stream ((var part) &body body)
  "Bind VAR to an input stream of PART's rendering while BODY runs."
  `(let ((,var (sendletter::%mime-part-stream ,part)))
     ,@body))

;; imap.cl: a connection closed however BODY is left.
(defmacro with-imap-connection ((mb &rest options) &body body)
  "Bind MB to (make-imap-connection ,@OPTIONS) while BODY runs; close it after."
  `(let ((,mb (make-imap-connection ,@options)))
     (unwind-protect (progn ,@body)
       (close-connection ,mb))))

(defmacro with-pop-connection ((mb &rest options) &body body)
  "Bind MB to (make-pop-connection ,@OPTIONS) while BODY runs; close it after."
  `(let ((,mb (make-pop-connection ,@options)))
     (unwind-protect (progn ,@body)
       (close-connection ,mb))))

;;;; ---- Package iteration, standard I/O syntax ----
(in-package :common-lisp)

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
         (*read-eval* t) (*read-suppress* nil)
         (*readtable* (sendletter::%standard-readtable)))
     ,@body))

;;; Streams, files, format and system (CLHS 21, 20, 22.3, 25).
(defmacro with-output-to-string ((var &optional string &key element-type) &body body)
  "Bind VAR to a string output stream during BODY; return the text, or with
STRING append the text to it and return BODY's values."
  (declare (ignore element-type))
  (if string
      (let ((str (gensym "STRING")))
        `(let ((,str ,string) (,var (make-string-output-stream)))
           (multiple-value-prog1 (progn ,@body)
             (sendletter::%string-append ,str (get-output-stream-string ,var)))))
      `(let ((,var (make-string-output-stream)))
         ,@body
         (get-output-stream-string ,var))))

(defmacro with-input-from-string ((var string &key index start end) &body body)
  "Bind VAR to an input stream over STRING (from START to END) during BODY;
INDEX is set to the position reached."
  `(let ((,var (make-string-input-stream ,string ,@(if (or start end) `(,(or start 0) ,end)))))
     (multiple-value-prog1 (progn ,@body)
       ,@(when index `((setf ,index (+ ,(or start 0) (file-position ,var))))))))

(defmacro with-open-file ((var filespec &rest options) &body body)
  "Open FILESPEC with OPTIONS as by OPEN, bind VAR to the stream during BODY,
and close it however BODY is left."
  (let ((abort (gensym "ABORT")))
    `(let ((,var (open ,filespec ,@options)) (,abort t))
       (unwind-protect
            (multiple-value-prog1 (progn ,@body) (setq ,abort nil))
         (when ,var (close ,var :abort ,abort))))))

(defmacro with-open-stream ((var stream) &body body)
  "Bind VAR to STREAM during BODY and close it afterwards."
  `(let ((,var ,stream))
     (unwind-protect (progn ,@body)
       (when ,var (close ,var)))))

(defmacro time (form)
  "Evaluate FORM and print the elapsed real and run time to *TRACE-OUTPUT*."
  (let ((real (gensym "REAL")) (run (gensym "RUN")))
    `(let ((,real (get-internal-real-time)) (,run (get-internal-run-time)))
       (multiple-value-prog1 ,form (sendletter::%time-report ,real ,run)))))

(defmacro formatter (control)
  "A function of (stream &rest args) that formats ARGS under CONTROL and
returns the arguments it did not use (CLHS 22.2.1.3)."
  `(lambda (stream &rest args)
     (sendletter::%format-tail stream ,control args)))

;; CLHS 22.4 pprint-logical-block; the block itself is run by
;; %call-logical-block, pprint-pop counts against *print-length*.
(defmacro pprint-logical-block ((stream-symbol object &rest keys
                                 &key (prefix nil prefixp)
                                      (per-line-prefix nil per-line-prefix-p)
                                      (suffix ""))
                                &body body)
  "Print BODY's output as a logical block of the pretty printer."
  (declare (ignore prefix suffix))
  (when (and prefixp per-line-prefix-p)
    (error "cannot specify values for both PREFIX and PER-LINE-PREFIX."))
  (let* ((stream-var (case stream-symbol
                       ((nil) '*standard-output*)
                       ((t) '*terminal-io*)
                       (t stream-symbol)))
         (list (gensym "LIST")) (count (gensym "COUNT")) (blk (gensym "BLOCK"))
         (obj (gensym "OBJ")) (pre (gensym "PREFIX")) (suf (gensym "SUFFIX"))
         (bindings (list (list obj object))))
    ;; The keyword forms are evaluated in the order written, after OBJECT.
    (loop for (key value) on keys by #'cddr
          do (case key
               ((:prefix :per-line-prefix)
                (unless (assoc pre bindings) (push (list pre value) bindings)))
               (:suffix
                (unless (assoc suf bindings) (push (list suf value) bindings)))))
    (unless (assoc pre bindings) (push (list pre nil) bindings))
    (unless (assoc suf bindings) (push (list suf "") bindings))
    `(let* ,(reverse bindings)
       (sendletter::%call-logical-block
        (lambda (,list ,stream-var)
          (declare (ignorable ,list ,stream-var))
          (let ((,count 0))
            (declare (ignorable ,count))
            (block ,blk
              (macrolet ((pprint-exit-if-list-exhausted ()
                           '(when (null ,list) (return-from ,blk nil)))
                         (pprint-pop ()
                           '(if (sendletter::%pprint-length-check ,list ,count ,stream-var)
                                (progn (setq ,count (1+ ,count)) (pop ,list))
                                (return-from ,blk nil))))
                ,@body))))
        ,stream-symbol ,pre ,per-line-prefix-p ,suf
        ,@(if object (list obj))))))

;;;; ---- Hash tables ----
;; CLHS with-hash-table-iterator: NAME is a local macro returning
;; (values more-p key value) over a snapshot of the entries.
(defmacro with-hash-table-iterator ((name table) &body body)
  (let ((entries (gensym "ENTRIES")) (e (gensym "E")))
    `(let ((,entries (sendletter::hash-table-entries ,table)))
       (macrolet ((,name ()
                    '(let ((,e (pop ,entries)))
                      (if ,e (values t (car ,e) (cdr ,e)) nil))))
         ,@body))))

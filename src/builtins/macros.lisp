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

;; mime-parse.cl / mime-transfer-encoding.cl: streams of a parsed part,
;; read from INSTREAM where the caller positioned it; closed however BODY
;; is left.
(defmacro with-part-stream ((sym part instream &key (header t)) &body body)
  "Bind SYM to an input stream of PART's bytes (headers too when HEADER) from INSTREAM."
  `(let ((,sym (sendletter::%part-stream ,part ,instream ,header)))
     (unwind-protect (progn ,@body)
       (close ,sym))))

(defmacro with-decoded-part-body-stream ((sym part instream) &body body)
  "Bind SYM to an input stream of PART's body from INSTREAM, transfer-decoded, in the part's charset."
  `(let ((,sym (sendletter::%decoded-part-body-stream ,part ,instream)))
     (unwind-protect (progn ,@body)
       (close ,sym))))

;; imap.cl: a letter fetched in pieces; the rest is read (POP) or the
;; state dropped (IMAP) however BODY is left.
(defmacro with-fetch-letter-sequence ((mailbox &rest args) &body body)
  "Begin fetching message (number &key uid) from MAILBOX in pieces with fetch-letter-sequence; end it after BODY."
  (let ((mb (gensym "MB")))
    `(let ((,mb ,mailbox))
       (sendletter::%begin-fetch-letter-sequence ,mb ,@args)
       (unwind-protect (progn ,@body)
         (sendletter::%end-fetch-letter-sequence ,mb)))))

;;;; ---- Package iteration, standard I/O syntax ----
(in-package :common-lisp)

;; CLHS do-symbols: RESULT is evaluated with VAR bound to NIL.
(defmacro do-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (sendletter::%package-symbols ,package nil) ,result) ,@body))

(defmacro do-external-symbols ((var &optional (package '*package*) result) &body body)
  `(dolist (,var (sendletter::%package-symbols ,package t) ,result) ,@body))

;; CLHS do-all-symbols: every symbol present in any package, each once.
(defmacro do-all-symbols ((var &optional result) &body body)
  `(dolist (,var (sendletter::%all-symbols) ,result) ,@body))

;; CLHS with-package-iterator: NAME is a local macro returning, per call,
;; T and the next symbol, its status and package; NIL once exhausted.
(defmacro with-package-iterator ((name package-list-form &rest symbol-types) &body body)
  (unless symbol-types
    (error 'program-error :format-control "WITH-PACKAGE-ITERATOR: no symbol types given"))
  (dolist (type symbol-types)
    (unless (member type '(:internal :external :inherited))
      (error 'program-error
             :format-control "WITH-PACKAGE-ITERATOR: ~S is not :INTERNAL, :EXTERNAL or :INHERITED"
             :format-arguments (list type))))
  (let ((entries (gensym "ENTRIES")) (entry (gensym "ENTRY")))
    `(let ((,entries (sendletter::%package-iterator-entries ,package-list-form ',symbol-types)))
       (macrolet ((,name ()
                    '(if ,entries
                         (let ((,entry (pop ,entries)))
                           (values t (car ,entry) (cadr ,entry) (caddr ,entry)))
                         nil)))
         ,@body))))

;; CLHS with-standard-io-syntax: the standard values of the reader and
;; printer variables.
(defmacro with-standard-io-syntax (&body body)
  `(let ((*package* (find-package "COMMON-LISP-USER"))
         (*print-array* t) (*print-base* 10) (*print-case* :upcase)
         (*print-circle* nil) (*print-escape* t) (*print-gensym* t)
         (*print-length* nil) (*print-level* nil) (*print-lines* nil)
         (*print-miser-width* nil) (*print-pretty* nil) (*print-radix* nil)
         (*print-readably* t) (*print-right-margin* nil)
         (*print-pprint-dispatch* (sendletter::%standard-pprint-dispatch))
         (*read-base* 10) (*read-default-float-format* 'single-float)
         (*read-eval* t) (*read-suppress* nil)
         (*readtable* (sendletter::%standard-readtable)))
     ,@body))

;;; Streams, files, format and system (CLHS 21, 20, 22.3, 25).
;; A body's leading declarations go into the binding form, so that they
;; apply to the variable the macro binds (CLHS 3.3.4).
(defun sendletter::%split-declarations (body)
  (let ((decls '()))
    (loop (if (and (consp body) (consp (car body)) (eq (caar body) 'declare))
              (push (pop body) decls)
              (return (values (nreverse decls) body))))))

(defmacro with-output-to-string ((var &optional string &key element-type) &body body)
  "Bind VAR to a string output stream during BODY; return the text, or with
STRING append the text to it and return BODY's values."
  (declare (ignore element-type))
  (multiple-value-bind (decls forms) (sendletter::%split-declarations body)
    (if string
        (let ((str (gensym "STRING")))
          `(let ((,str ,string) (,var (make-string-output-stream)))
             ,@decls
             (multiple-value-prog1 (progn ,@forms)
               (sendletter::%string-append ,str (get-output-stream-string ,var)))))
        `(let ((,var (make-string-output-stream)))
           ,@decls
           ,@forms
           (get-output-stream-string ,var)))))

(defmacro with-input-from-string ((var string &key index start end) &body body)
  "Bind VAR to an input stream over STRING (from START to END) during BODY;
INDEX is set to the position reached."
  (multiple-value-bind (decls forms) (sendletter::%split-declarations body)
    `(let ((,var (make-string-input-stream ,string ,@(if (or start end) `(,(or start 0) ,end)))))
       ,@decls
       (multiple-value-prog1 (progn ,@forms)
         ,@(when index `((setf ,index (+ ,(or start 0) (file-position ,var)))))))))

(defmacro with-open-file ((var filespec &rest options) &body body)
  "Open FILESPEC with OPTIONS as by OPEN, bind VAR to the stream during BODY,
and close it however BODY is left."
  (let ((abort (gensym "ABORT")))
    (multiple-value-bind (decls forms) (sendletter::%split-declarations body)
      `(let ((,var (open ,filespec ,@options)) (,abort t))
         ,@decls
         (unwind-protect
              (multiple-value-prog1 (progn ,@forms) (setq ,abort nil))
           (when ,var (close ,var :abort ,abort)))))))

(defmacro with-open-stream ((var stream) &body body)
  "Bind VAR to STREAM during BODY and close it afterwards."
  (multiple-value-bind (decls forms) (sendletter::%split-declarations body)
    `(let ((,var ,stream))
       ,@decls
       (unwind-protect (progn ,@forms)
         (when ,var (close ,var))))))

(defmacro with-compilation-unit ((&key (override nil) &allow-other-keys) &body body)
  "Evaluate BODY. sendletter defers no warnings to the end of a compilation
unit (CLHS 3.2.5 leaves that to the implementation), so the unit is BODY."
  (let ((o (gensym "OVERRIDE")))
    `(let ((,o ,override))
       (declare (ignore ,o))
       ,@body)))

(defmacro time (form)
  "Evaluate FORM and print the elapsed real and run time and the bytes
allocated to *TRACE-OUTPUT*."
  (let ((real (gensym "REAL")) (run (gensym "RUN")) (consed (gensym "CONSED")))
    `(let ((,real (get-internal-real-time)) (,run (get-internal-run-time))
           (,consed (sendletter::%bytes-consed)))
       (multiple-value-prog1 ,form (sendletter::%time-report ,real ,run ,consed)))))

;;;; ---- trace, untrace (CLHS 25.2) ----
;; Tracing replaces a function's definition with a wrapper that prints
;; each call and what it returned on *TRACE-OUTPUT*, indented two spaces
;; a level, in SBCL's format ("  0: (FACT 3)" ... "  0: FACT returned 6");
;; untracing puts the original back. Redefining a traced function
;; replaces the wrapper, which ends the tracing of that name.
(defvar sendletter::*traced* nil
  "Traced functions: (name original . wrapper), most recent first.")
(defvar sendletter::*trace-depth* 0)

(defun sendletter::%trace-line (depth text)
  (let ((s *trace-output*))
    (fresh-line s)
    (write-string (make-string (* 2 (1+ depth)) :initial-element #\Space) s)
    (format s "~D: ~A~%" depth text)
    (force-output s)))

(defun sendletter::%trace-wrapper (name original)
  (lambda (&rest args)
    (let ((depth sendletter::*trace-depth*))
      (sendletter::%trace-line depth (prin1-to-string (cons name args)))
      (let ((vals (let ((sendletter::*trace-depth* (1+ depth)))
                    (multiple-value-list (apply original args)))))
        (sendletter::%trace-line
         depth (format nil "~S returned~{ ~S~}" name vals))
        (values-list vals)))))

(defun sendletter::%still-traced (entry)
  (and (fboundp (car entry)) (eq (fdefinition (car entry)) (cddr entry))))

(defun sendletter::%trace (names)
  ;; Entries whose function was redefined meanwhile are no longer traced.
  (setq sendletter::*traced*
        (remove-if-not #'sendletter::%still-traced sendletter::*traced*))
  (if (null names)
      (reverse (mapcar #'car sendletter::*traced*))
      (let ((done '()))
        (dolist (name names (nreverse done))
          (cond ((not (or (symbolp name)
                          (and (consp name) (eq (car name) 'setf))))
                 (warn "~S is not a function name, not tracing." name))
                ((and (symbolp name) (special-operator-p name))
                 (warn "~S is a special operator, not tracing." name))
                ((and (symbolp name) (macro-function name))
                 (warn "~S is a macro, not tracing." name))
                ((not (fboundp name))
                 (warn "~S is undefined, not tracing." name))
                ((assoc name sendletter::*traced* :test #'equal)
                 (push name done))
                (t (let* ((original (fdefinition name))
                          (wrapper (sendletter::%trace-wrapper name original)))
                     (sendletter::%gf-alias wrapper original t)
                     (setf (fdefinition name) wrapper)
                     (push (list* name original wrapper) sendletter::*traced*)
                     (push name done))))))))

;; A traced generic function stays one (as SBCL's encapsulation does): the
;; wrapper is known to the object system as the same generic function, so
;; defmethod, remove-method, typep and class-of find it through the name.
(defun sendletter::%gf-alias (wrapper original alias)
  (let ((table (find-symbol "*GF-TABLE*" "CLOS")))
    (when (and table (boundp table))
      (let ((gf (gethash original (symbol-value table))))
        (cond ((not alias) (remhash wrapper (symbol-value table)))
              (gf (setf (gethash wrapper (symbol-value table)) gf)))))))

(defun sendletter::%untrace (names)
  (let ((done '()))
    (dolist (entry (copy-list sendletter::*traced*) (nreverse done))
      (when (or (null names) (member (car entry) names :test #'equal))
        (when (sendletter::%still-traced entry)
          (setf (fdefinition (car entry)) (cadr entry)))
        (sendletter::%gf-alias (cddr entry) (cadr entry) nil)
        (setq sendletter::*traced* (remove entry sendletter::*traced*))
        (push (car entry) done)))))

(defmacro trace (&rest names)
  "Print each call of the functions NAMES and what it returns on
*TRACE-OUTPUT*. Without names: the list of traced functions."
  `(sendletter::%trace ',names))

(defmacro untrace (&rest names)
  "Stop tracing the functions NAMES; without names, every traced function."
  `(sendletter::%untrace ',names))

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
                (unless (assoc pre bindings)
                  (push (list pre `(sendletter::%pprint-string ,value t)) bindings)))
               (:suffix
                (unless (assoc suf bindings)
                  (push (list suf `(sendletter::%pprint-string ,value)) bindings)))))
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

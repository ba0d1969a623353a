;;;; print-object, which the printer calls (CLHS 22.1.3.13), the default
;;;; methods (SBCL's text without the address, as sendletter prints all
;;;; unreadable objects), print-unreadable-object, describe.

(in-package "CLOS")

(defun output-stream (designator)
  (cond ((null designator) *standard-output*)
        ((eq designator t) *terminal-io*)
        (t designator)))

(defun %print-unreadable-object (object stream type identity body)
  (declare (ignore identity))
  (let ((stream (output-stream stream)))
    (when *print-readably*
      (error 'print-not-readable :object object))
    (write-string "#<" stream)
    (when type
      (prin1 (let ((ty (type-of object)))
               (if (classp ty) (%class-name ty) ty))
             stream)
      (write-char #\Space stream))
    (when body (funcall body))
    ;; The identity (SBCL's address) is left out; drop the separator a
    ;; type with nothing after it would leave.
    (write-string ">" stream)
    nil))

(defgeneric print-object (object stream))

(defmethod print-object ((object t) stream)
  (write-string (%default-print-string object *print-escape*) stream)
  object)

(defmethod print-object ((object standard-object) stream)
  (write-string "#<" stream)
  (prin1 (%class-name (class-of object)) stream)
  (write-string ">" stream)
  object)

(defun print-name-qualified (name stream)
  (let ((*package* (find-package "KEYWORD")))
    (prin1 name stream)))

(defmethod print-object ((class class) stream)
  (write-string "#<" stream)
  (prin1 (%class-name (class-of class)) stream)
  (write-char #\Space stream)
  (print-name-qualified (%class-name class) stream)
  (write-string ">" stream)
  class)

(defmethod print-object ((gf standard-generic-function) stream)
  (write-string "#<" stream)
  (prin1 (%class-name (class-of gf)) stream)
  (write-char #\Space stream)
  (print-name-qualified (%gf-name gf) stream)
  (format stream " (~D)>" (length (%gf-methods gf)))
  gf)

(defmethod print-object ((m standard-method) stream)
  (write-string "#<" stream)
  (prin1 (%class-name (class-of m)) stream)
  (write-char #\Space stream)
  (when (%method-generic-function m)
    (print-name-qualified (%gf-name (%method-generic-function m)) stream)
    (write-char #\Space stream))
  (dolist (q (%method-qualifiers m))
    (prin1 q stream)
    (write-char #\Space stream))
  (prin1 (mapcar (lambda (s) (if (eql-specializer-p s)
                                  (list 'eql (eql-specializer-object s))
                                  (%class-name s)))
                  (%method-specializers m))
         stream)
  (write-string ">" stream)
  m)

(defmethod print-object ((s slot-definition) stream)
  (write-string "#<" stream)
  (prin1 (%class-name (class-of s)) stream)
  (write-char #\Space stream)
  (print-name-qualified (%slotd-name s) stream)
  (write-string ">" stream)
  s)

(defmethod print-object ((s eql-specializer) stream)
  (write-string "#<" stream)
  (print-name-qualified 'eql-specializer stream)
  (write-char #\Space stream)
  (prin1 (eql-specializer-object s) stream)
  (write-string ">" stream)
  s)

;;; Called by the printer for each standard instance (and structure, once
;;; print-object has a method for one): the text, or NIL to print it as
;;; usual.
(defun %print-hook (object escape readably)
  (when (functionp object)
    (return-from %print-hook (and (gf-object object) (gf-print-string object))))
  (when (or (%std-instance-p object)
            (let ((m (car (compute-applicable-methods #'print-object (list object t)))))
              (and m (not (eq (car (%method-specializers m)) (find-class t))))))
    (let ((s (make-string-output-stream))
          (*print-escape* escape)
          (*print-readably* readably))
      (print-object object s)
      (get-output-stream-string s))))

;;; Generic functions print as SBCL prints them.
(defun gf-print-string (f)
  (let ((gf (gf-object f)))
    (and gf (let ((s (make-string-output-stream)))
              (print-object gf s)
              (get-output-stream-string s)))))

;;; ---- describe (CLHS 25.2) ----

(defgeneric describe-object (object stream))

;;; The header is SBCL's: the object, then its kind in brackets; the
;;; sections after it follow SBCL's where its text does not depend on its
;;; own internals (docs/lisp.md, "describe").
(defun %describe-kind (object)
  (typecase object
    (null "null")
    (symbol "symbol")
    (fixnum "fixnum")
    (integer "bignum")
    (ratio "ratio")
    (single-float "single-float")
    (double-float "double-float")
    (complex "complex")
    (standard-char "standard-char")
    (character "character")
    (simple-string "simple-string")
    (string "string")
    (simple-vector "simple-vector")
    (cons "list")
    (hash-table "hash-table")
    (function "compiled function")
    (structure-object "structure-object")
    (t (string-downcase
        (let ((ty (type-of object))) (if (consp ty) (car ty) ty))))))

(defun %describe-doc (stream doc indent)
  (when doc
    (format stream "~ADocumentation:~%" indent)
    (with-input-from-string (in doc)
      (loop for line = (read-line in nil) while line
            do (format stream "~A  ~A~%" indent line)))))

(defmethod describe-object ((object t) stream)
  (format stream "~S~%  [~A]~%" object (%describe-kind object)))

(defmethod describe-object ((object string) stream)
  (call-next-method)
  (format stream "~%Element-type: ~S~%Length: ~D~%"
          (array-element-type object) (length object)))

(defmethod describe-object ((object character) stream)
  (call-next-method)
  (format stream "~%Char-code: ~D~%" (char-code object))
  (let ((name (char-name object)))
    (when name (format stream "Char-name: ~A~%" name))))

(defmethod describe-object ((object hash-table) stream)
  (call-next-method)
  (format stream "~%Test: ~S~%Count: ~D~%"
          (hash-table-test object) (hash-table-count object))
  (let ((n 0))
    (block entries
      (maphash (lambda (k v)
                 (when (= n 0) (format stream "Entries:~%"))
                 (when (>= n 20)
                   (format stream "  ...~%")
                   (return-from entries))
                 (format stream "  ~S -> ~S~%" k v)
                 (incf n))
               object))))

(defmethod describe-object ((object structure-object) stream)
  (call-next-method)
  (let ((slots (sendletter::%structure-slots object)))
    (when slots
      (format stream "~%Slots with :INSTANCE allocation:~%")
      (loop for (name . value) in slots
            do (format stream "  ~30A = ~A~%" name (prin1-to-string value))))))

(defmethod describe-object ((object function) stream)
  (call-next-method)
  (multiple-value-bind (ll known) (sendletter::%lambda-list object)
    (when known (format stream "~%Lambda-list: ~A~%" ll)))
  (let ((name (nth-value 2 (function-lambda-expression object))))
    (when (and name (or (symbolp name) (consp name)))
      (%describe-doc stream (documentation name 'function) ""))))

(defmethod describe-object ((object symbol) stream)
  (format stream "~A~%  [~A]~%"
          (let ((*package* (find-package "KEYWORD"))) (prin1-to-string object))
          (%describe-kind object))
  (when (boundp object)
    (format stream "~%~S names a ~:[special variable~;constant~]:~%  Value: ~S~%"
            object (constantp object) (symbol-value object))
    (%describe-doc stream (documentation object 'variable) "  "))
  (flet ((lambda-list-of (f)
           (multiple-value-bind (ll known) (sendletter::%lambda-list f)
             (when known (format stream "  Lambda-list: ~A~%" ll)))))
    (cond ((special-operator-p object)
           (format stream "~%~S names a special operator.~%" object))
          ((macro-function object)
           (format stream "~%~S names a macro:~%" object)
           (lambda-list-of (macro-function object))
           (%describe-doc stream (documentation object 'function) "  "))
          ((fboundp object)
           (format stream "~%~S names a ~:[compiled~;generic~] function:~%"
                   object (gf-object (fdefinition object)))
           (lambda-list-of (fdefinition object))
           (%describe-doc stream (documentation object 'function) "  "))))
  (let ((class (find-class object nil)))
    (when class
      (format stream "~%~S names the ~(~A~) ~S.~%"
              object (class-name (class-of class)) class))))

;;; A generic function is a function before it is a standard object: its
;;; lambda list, documentation and methods, not the metaobject's slots.
(defmethod describe-object ((object generic-function) stream)
  (let ((gf (gf-object object)))
    (format stream "~S~%  [generic-function]~%" object)
    (format stream "~%Lambda-list: ~S~%" (%gf-lambda-list gf))
    (%describe-doc stream (%gf-documentation gf) "")
    (let ((methods (%gf-methods gf)))
      (when methods
        (format stream "Methods:~%")
        (dolist (m methods)
          (format stream "  ~{~S ~}~S~%" (%method-qualifiers m)
                  (mapcar (lambda (c) (if (classp c) (class-name c) c))
                          (%method-specializers m))))))))

(defmethod describe-object ((object standard-object) stream)
  (let* ((class (class-of object))
         (slots (class-slots class)))
    (format stream "~S~%  [standard-object]~%" object)
    (dolist (alloc '(:class :instance))
      (let ((these (remove alloc slots :key #'%slotd-allocation :test-not #'eq)))
        (when these
          (format stream "~%Slots with ~S allocation:~%" alloc)
          (dolist (s these)
            (let ((name (%slotd-name s)))
              (format stream "  ~30A = ~A~%" name
                      (if (slot-boundp object name)
                          (prin1-to-string (slot-value object name))
                          "#<unbound slot>")))))))))

(defun describe (object &optional stream)
  (let ((stream (output-stream stream)))
    (fresh-line stream)
    (describe-object object stream)
    (values)))

;;; ---- documentation (CLHS 25.2) of the object system's objects ----

(defun %documentation-hook (x doc-type)
  (cond ((classp x) (list (%class-documentation x)))
        ((and (symbolp x) (eq doc-type 'type) (gethash x *class-table*)
              (%user-class-p (gethash x *class-table*)))
         (list (%class-documentation (gethash x *class-table*))))
        ((gf-object x) (list (%gf-documentation (gf-object x))))
        ((and (valid-function-name-p x) (eq doc-type 'function)
              (let ((f (%function-named x))) (and f (gf-object f))))
         (list (%gf-documentation (gf-object (%function-named x)))))
        ((and (%std-instance-p x) (member (find-class 'method)
                                          (class-precedence-list (class-of x))))
         (list (%method-documentation x)))
        (t nil)))

;;; (setf documentation) of the same objects: true when X was one of them.
(defun %set-documentation-hook (x doc-type new)
  (cond ((classp x) (setf (%class-documentation x) new) t)
        ((and (symbolp x) (eq doc-type 'type) (gethash x *class-table*)
              (%user-class-p (gethash x *class-table*)))
         (setf (%class-documentation (gethash x *class-table*)) new) t)
        ((gf-object x) (setf (%gf-documentation (gf-object x)) new) t)
        ((and (valid-function-name-p x) (eq doc-type 'function)
              (let ((f (%function-named x))) (and f (gf-object f))))
         (setf (%gf-documentation (gf-object (%function-named x))) new) t)
        ((and (%std-instance-p x) (member (find-class 'method)
                                          (class-precedence-list (class-of x))))
         (setf (%method-documentation x) new) t)
        (t nil)))

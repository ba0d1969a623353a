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

(defmethod describe-object ((object t) stream)
  (format stream "~S~%  [~(~A~)]~%" object
          (let ((ty (type-of object))) (if (consp ty) (car ty) ty))))

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

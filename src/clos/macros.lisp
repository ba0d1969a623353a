;;;; The defining macros of the object system: defclass (CLHS 7.7.20 and
;;;; 4.3.2), defgeneric, defmethod, define-method-combination (short
;;;; form), and with-slots, with-accessors, print-unreadable-object.

(in-package "CLOS")

(defun malformed (what form)
  (error 'program-error
         :format-control "Malformed ~A: ~S"
         :format-arguments (list what form)))

;;; ---- defclass ----

(defun canonical-slot (spec)
  (when (symbolp spec) (setq spec (list spec)))
  (unless (and (consp spec) (symbolp (car spec)) (car spec))
    (malformed "slot specifier" spec))
  (let ((name (car spec)) (options (cdr spec))
        (initargs '()) (readers '()) (writers '()) (others '())
        (seen '()))
    (unless (evenp (length options)) (malformed "slot specifier" spec))
    (loop for (key value) on options by #'cddr
          do (case key
               (:initarg (unless (symbolp value) (malformed "slot :initarg" spec))
                (push value initargs))
               (:reader (unless (and value (symbolp value)) (malformed "slot :reader" spec))
                (push value readers))
               (:writer (push value writers))
               (:accessor (unless (and value (symbolp value)) (malformed "slot :accessor" spec))
                (push value readers) (push `(setf ,value) writers))
               ((:initform :allocation :type :documentation)
                (when (member key seen) (malformed "slot specifier (option given twice)" spec))
                (push key seen)
                (when (and (eq key :allocation) (not (member value '(:instance :class))))
                  (malformed "slot :allocation" spec))
                (when (and (eq key :documentation) (not (stringp value)))
                  (malformed "slot :documentation" spec))
                (setq others (list* key value others)))
               (t (malformed "slot specifier (unknown option)" spec))))
    (let ((initform (getf others :initform others)))
      `(list :name ',name
             ,@(unless (eq initform others)
                 `(:initform ',initform :initfunction (lambda () ,initform)))
             :initargs ',(nreverse initargs)
             :readers ',(nreverse readers)
             :writers ',(nreverse writers)
             :allocation ',(getf others :allocation :instance)
             :type ',(getf others :type t)
             :documentation ',(getf others :documentation)))))

(defun canonical-default-initargs (form args)
  (unless (evenp (length args)) (malformed "DEFCLASS :default-initargs" form))
  (let ((keys (loop for (k) on args by #'cddr collect k)))
    (unless (= (length keys) (length (remove-duplicates keys)))
      (malformed "DEFCLASS :default-initargs (an initarg given twice)" form)))
  `(list ,@(loop for (k v) on args by #'cddr
                 collect `(list ',k ',v (lambda () ,v)))))

(defmacro defclass (&whole form name supers slots &rest options)
  (unless (and (symbolp name) (listp supers) (every #'symbolp supers) (listp slots))
    (malformed "DEFCLASS" form))
  (let ((slot-forms (mapcar #'canonical-slot slots))
        (names (mapcar (lambda (s) (if (consp s) (car s) s)) slots))
        (extra '()) (seen '()))
    (unless (= (length names) (length (remove-duplicates names)))
      (malformed "DEFCLASS (a slot named twice)" form))
    (dolist (o options)
      (unless (and (consp o) (symbolp (car o))) (malformed "DEFCLASS option" o))
      (when (member (car o) seen) (malformed "DEFCLASS (an option given twice)" form))
      (push (car o) seen)
      (case (car o)
        (:default-initargs
         (setq extra (list* :direct-default-initargs (canonical-default-initargs form (cdr o)) extra)))
        (:documentation (setq extra (list* :documentation (cadr o) extra)))
        (:metaclass (setq extra (list* :metaclass `',(cadr o) extra)))
        (t (malformed "DEFCLASS (unknown option)" o))))
    `(ensure-class ',name :direct-superclasses ',supers
                          :direct-slots (list ,@slot-forms)
                          ,@extra)))

;;; ---- methods ----

(defun split-body (body)
  "(values declarations forms documentation) of a method body."
  (let ((decls '()) (doc nil))
    (loop
      (cond ((and (stringp (car body)) (cdr body) (null doc))
             (setq doc (pop body)))
            ((and (consp (car body)) (eq (caar body) 'declare))
             (push (pop body) decls))
            (t (return))))
    (values (nreverse decls) body doc)))

(defun parse-specialized-lambda-list (ll form)
  "(values plain-lambda-list specializer-forms)"
  (let ((plain '()) (specs '()) (required t))
    (unless (listp ll) (malformed "specialized lambda list" form))
    (dolist (p ll)
      (cond ((member p lambda-list-keywords)
             (setq required nil) (push p plain))
            ((not required) (push p plain))
            ((symbolp p) (push p plain) (push `'t specs))
            ((and (consp p) (symbolp (car p)) (consp (cdr p)) (null (cddr p)))
             (push (car p) plain)
             (let ((s (cadr p)))
               (push (cond ((symbolp s) `',s)
                           ((and (consp s) (eq (car s) 'eql) (consp (cdr s)) (null (cddr s)))
                            `(list 'eql ,(cadr s)))
                           (t (malformed "specializer" p)))
                     specs)))
            (t (malformed "specialized lambda list" form))))
    (values (nreverse plain) (nreverse specs))))

(defun mentions-p (symbols tree)
  (cond ((symbolp tree) (member tree symbols))
        ((consp tree) (or (mentions-p symbols (car tree)) (mentions-p symbols (cdr tree))))
        (t nil)))

(defun method-lambda-list-for-apply (ll)
  ;; Methods accept any keyword the generic function does (CLHS 7.6.4):
  ;; the generic function checks them.
  (if (and (member '&key ll) (not (member '&allow-other-keys ll)))
      (let ((aux (member '&aux ll)))
        (append (ldiff ll aux) '(&allow-other-keys) aux))
      ll))

(defun method-maker (name ll body)
  (multiple-value-bind (decls forms) (split-body body)
    (let* ((block-name (if (consp name) (cadr name) name))
           (inner-body `(,@decls (block ,block-name ,@forms)))
           (simple (notany (lambda (p) (member p lambda-list-keywords)) ll))
           (call (if simple
                     `(let ,(loop for p in ll for i from 0 collect `(,p (nth ,i %args)))
                        ,@inner-body)
                     `(apply (lambda ,(method-lambda-list-for-apply ll) ,@inner-body) %args)))
           (cnm (mentions-p '(call-next-method next-method-p) forms)))
      `(lambda (%method)
         (declare (ignorable %method))
         (lambda (%args %next)
           (declare (ignorable %next))
           ,(if cnm
                `(flet ((call-next-method (&rest cnm-args)
                          (%call-next-method %method %args %next cnm-args))
                        (next-method-p () (not (null %next))))
                   ,call)
                call))))))

(defun method-form (name form qualifiers-and-rest maker-fn)
  (let ((qualifiers '()) (rest qualifiers-and-rest))
    (loop while (and rest (car rest) (atom (car rest)))
          do (push (pop rest) qualifiers))
    (when (null rest) (malformed "method" form))
    (let ((ll (pop rest)))
      (multiple-value-bind (plain specs) (parse-specialized-lambda-list ll form)
        (multiple-value-bind (decls forms doc) (split-body rest)
          (declare (ignore decls forms))
          (funcall maker-fn (nreverse qualifiers) `(list ,@specs) plain
                   (method-maker name plain rest) doc))))))

(defun valid-function-name-p (name)
  (or (and (symbolp name) name)
      (and (consp name) (eq (car name) 'setf) (consp (cdr name))
           (symbolp (cadr name)) (null (cddr name)))))

(defmacro defmethod (&whole form name &rest rest)
  (unless (valid-function-name-p name) (malformed "DEFMETHOD" form))
  (method-form name form rest
               (lambda (qualifiers specs ll maker doc)
                 `(%defmethod ',name ',qualifiers ,specs ',ll ,maker ,doc))))

;;; ---- defgeneric ----

(defmacro defgeneric (&whole form name lambda-list &rest options)
  (unless (and (valid-function-name-p name) (listp lambda-list))
    (malformed "DEFGENERIC" form))
  (let ((methods '()) (keys '()) (seen '()))
    (dolist (o options)
      (unless (consp o) (malformed "DEFGENERIC option" o))
      (unless (member (car o) '(:method declare))
        (when (member (car o) seen) (malformed "DEFGENERIC (an option given twice)" form))
        (push (car o) seen))
      (case (car o)
        (:method
         (push (method-form name form (cdr o)
                            (lambda (qualifiers specs ll maker doc)
                              `(list ',qualifiers ,specs ',ll ,maker ,doc)))
               methods))
        (:documentation (setq keys (list* :documentation (cadr o) keys)))
        (:method-combination (setq keys (list* :method-combination `',(cdr o) keys)))
        (:argument-precedence-order
         (setq keys (list* :argument-precedence-order `',(cdr o) keys)))
        ((:generic-function-class :method-class)
         (setq keys (list* (car o) `',(cadr o) keys)))
        (declare nil)
        (t (malformed "DEFGENERIC (unknown option)" o))))
    `(%defgeneric ',name ',lambda-list (list ,@(nreverse methods)) ,@keys)))

(defun %defgeneric (name lambda-list methods &rest keys)
  ;; The methods an earlier defgeneric defined go (CLHS defgeneric).
  (let* ((old (%function-named name))
         (old-gf (and old (gf-object old))))
    (when old-gf
      (dolist (m (%gf-initial-methods old-gf)) (remove-method old-gf m))
      (setf (%gf-initial-methods old-gf) nil)))
  (let* ((f (apply #'ensure-generic-function name :lambda-list lambda-list keys))
         (gf (gf-object f)))
    (let ((apo (getf keys :argument-precedence-order)))
      (when apo
        (unless (and (= (length apo) (gf-nreq gf))
                     (every (lambda (p) (member p lambda-list)) apo)
                     (= (length apo) (length (remove-duplicates apo))))
          (error 'program-error))))
    (setf (%gf-initial-methods gf)
          (mapcar (lambda (spec)
                    (destructuring-bind (qualifiers specs ll maker doc) spec
                      (let ((m (make-method-object gf qualifiers (mapcar #'resolve-specializer specs)
                                                   ll maker doc)))
                        (add-method gf m)
                        m)))
                  methods))
    f))

;;; ---- define-method-combination (short form, CLHS 7.7.37) ----

(defmacro define-method-combination (&whole form name &rest options)
  (when (and options (listp (car options)))
    (error "The long form of DEFINE-METHOD-COMBINATION is not supported by sendletter (see docs/lisp.md): ~S"
           name))
  (unless (and (symbolp name) (evenp (length options))) (malformed "DEFINE-METHOD-COMBINATION" form))
  `(progn
     (setf (gethash ',name *method-combinations*)
           (list ',(getf options :operator name)
                 ',(getf options :identity-with-one-argument)))
     ',name))

;;; ---- with-slots, with-accessors (CLHS 7.7.23, 7.7.24) ----

(defmacro with-slots (slots instance &body body)
  (let ((g (gensym "INSTANCE")))
    `(let ((,g ,instance))
       (declare (ignorable ,g))
       (symbol-macrolet ,(mapcar (lambda (s)
                                   (if (consp s)
                                       `(,(car s) (slot-value ,g ',(cadr s)))
                                       `(,s (slot-value ,g ',s))))
                                 slots)
         ,@body))))

(defmacro with-accessors (slots instance &body body)
  (let ((g (gensym "INSTANCE")))
    `(let ((,g ,instance))
       (declare (ignorable ,g))
       (symbol-macrolet ,(mapcar (lambda (s) `(,(car s) (,(cadr s) ,g))) slots)
         ,@body))))

;;; ---- print-unreadable-object (CLHS 22.4) ----

(defmacro print-unreadable-object ((object stream &key type identity) &body body)
  `(%print-unreadable-object ,object ,stream ,type ,identity
                             ,(if body `(lambda () ,@body) nil)))

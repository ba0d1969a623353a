;;;; The object system's metaobjects: classes, slot definitions, class
;;;; precedence (CLHS 4.3.5), finalization, slot access (CLHS 7.5) and
;;;; obsolete instances (CLHS 4.3.6). Generic functions come in
;;;; generic.lisp; the standard generic functions in protocol.lisp.

(in-package "CLOS")

(export '(class-slots class-direct-slots class-direct-superclasses
          class-direct-subclasses class-precedence-list class-finalized-p
          finalize-inheritance class-prototype class-default-initargs
          class-direct-default-initargs slot-definition-name
          slot-definition-initargs slot-definition-initform
          slot-definition-initfunction slot-definition-readers
          slot-definition-writers slot-definition-allocation
          slot-definition-type slot-definition-location
          generic-function-name generic-function-methods
          generic-function-lambda-list generic-function-method-combination
          generic-function-argument-precedence-order method-specializers
          method-lambda-list method-function method-generic-function
          eql-specializer-object intern-eql-specializer
          specializer-direct-methods compute-class-precedence-list
          ensure-class classp subclassp
          metaobject specializer eql-specializer forward-referenced-class
          funcallable-standard-class funcallable-standard-object
          slot-definition direct-slot-definition effective-slot-definition
          standard-slot-definition standard-direct-slot-definition
          standard-effective-slot-definition standard-accessor-method
          standard-reader-method standard-writer-method))

;;; The marker of an unbound slot.
(defvar +unbound+ (make-symbol "UNBOUND"))

;;; Class name -> class (CLHS find-class).
(defvar *class-table* (make-hash-table :test 'eq))

;;; Layout of every class metaobject.
(defmacro define-slot-accessors (&rest specs)
  `(progn
     ,@(loop for (name index) in specs
             collect `(progn
                        (defun ,name (x) (%std-instance-ref x ,index))
                        (defun (setf ,name) (v x) (%std-instance-set x ,index v))))))

(define-slot-accessors
  (%class-name 0) (%class-direct-superclasses 1) (%class-direct-slots 2)
  (%class-precedence-list 3) (%class-slots 4) (%class-direct-subclasses 5)
  (%class-direct-methods 6) (%class-direct-default-initargs 7)
  (%class-finalized-p 8) (%class-wrapper 9) (%class-prototype 10)
  (%class-documentation 11) (%class-default-initargs 12)
  (%class-initargs-cache 13) (%class-kind 14))
(defconstant +class-size+ 15)

;;; Layout of slot definitions (direct and effective).
(define-slot-accessors
  (%slotd-name 0) (%slotd-initform 1) (%slotd-initfunction 2)
  (%slotd-initargs 3) (%slotd-readers 4) (%slotd-writers 5)
  (%slotd-allocation 6) (%slotd-type 7) (%slotd-documentation 8)
  (%slotd-location 9) (%slotd-allocation-class 10))
(defconstant +slotd-size+ 11)

;;; A wrapper: the layout instances of a class are made with.
;;; #(class location-table size instance-slot-names)
(defun make-wrapper (class table size names)
  (vector class table size names))

(defun bare-class (metaclass name kind)
  (let ((c (%make-std-instance metaclass nil +class-size+ nil)))
    (setf (%class-name c) name
          (%class-kind c) kind
          (%class-initargs-cache c) :unknown)
    c))

;;; Bootstrap: standard-class is an instance of itself.
(defvar *the-standard-class*
  (let ((c (bare-class nil 'standard-class :standard)))
    (%set-std-instance-class c c nil)
    c))

(defun classp (x)
  (and (%std-instance-p x)
       (let ((mc (%std-instance-class x)))
         (and (%std-instance-p mc) (eq (%class-kind mc) :meta)))))

(defun class-name (class)
  (if (classp class)
      (%class-name class)
      (error 'type-error :datum class :expected-type 'class)))

(defun (setf class-name) (new class)
  (setf (%class-name class) new))

;;; ---- class precedence list (CLHS 4.3.5) ----

(defun all-superclasses (class)
  (let ((seen '()))
    (labels ((walk (c)
               (unless (member c seen)
                 (push c seen)
                 (mapc #'walk (%class-direct-superclasses c)))))
      (walk class))
    (nreverse seen)))

(defun local-precedence-pairs (class)
  (let ((l (cons class (%class-direct-superclasses class))))
    (loop for (a b) on l while b collect (list a b))))

(defun compute-class-precedence-list (class)
  (let* ((classes (all-superclasses class))
         (constraints (loop for c in classes append (local-precedence-pairs c)))
         (result '()))
    (loop
      (when (null classes) (return (nreverse result)))
      (let ((minimal (remove-if (lambda (c) (member c constraints :key #'cadr)) classes)))
        (when (null minimal)
          (error "Inconsistent class precedence for ~S: no ordering of its superclasses satisfies them all."
                 (%class-name class)))
        (let ((choice
                (if (null (cdr minimal))
                    (car minimal)
                    ;; CLHS 4.3.5: the one with a direct subclass rightmost
                    ;; in the list so far.
                    (dolist (c result (car minimal))
                      (let ((hit (find-if (lambda (s) (member s minimal))
                                          (%class-direct-superclasses c))))
                        (when hit (return hit)))))))
          (push choice result)
          (setq classes (remove choice classes))
          (setq constraints (remove choice constraints :key #'car)))))))

;;; ---- slot definitions ----

(defvar *the-direct-slotd-class* nil)
(defvar *the-effective-slotd-class* nil)

(defun make-slotd (class &key name initform initfunction initargs readers writers
                              (allocation :instance) (type t) documentation)
  (let ((s (%make-std-instance class nil +slotd-size+ nil)))
    (setf (%slotd-name s) name (%slotd-initform s) initform
          (%slotd-initfunction s) initfunction (%slotd-initargs s) initargs
          (%slotd-readers s) readers (%slotd-writers s) writers
          (%slotd-allocation s) allocation (%slotd-type s) type
          (%slotd-documentation s) documentation)
    s))

(defun make-direct-slotd (&rest args)
  (apply #'make-slotd *the-direct-slotd-class* args))

;;; ---- finalization ----

(defun forward-referenced-p (class)
  (eq (%class-kind class) :forward))

(defun class-finalizable-p (class)
  (every (lambda (c) (not (forward-referenced-p c))) (all-superclasses class)))

(defun compute-effective-slots (class cpl)
  (let ((names '()))
    (dolist (c (reverse cpl))
      (dolist (d (%class-direct-slots c))
        (unless (member (%slotd-name d) names)
          (setq names (append names (list (%slotd-name d)))))))
    (mapcar
     (lambda (name)
       (let* ((directs (loop for c in cpl
                             for d = (find name (%class-direct-slots c) :key #'%slotd-name)
                             when d collect (cons c d)))
              (first (cdar directs))
              (init (find-if #'%slotd-initfunction directs :key #'cdr))
              (doc (find-if #'%slotd-documentation directs :key #'cdr))
              (types (remove t (mapcar (lambda (x) (%slotd-type (cdr x))) directs)))
              (e (make-slotd *the-effective-slotd-class*
                             :name name
                             :initform (and init (%slotd-initform (cdr init)))
                             :initfunction (and init (%slotd-initfunction (cdr init)))
                             :initargs (remove-duplicates
                                        (loop for (nil . d) in directs append (%slotd-initargs d))
                                        :from-end t)
                             :allocation (%slotd-allocation first)
                             :type (cond ((null types) t)
                                         ((null (cdr types)) (car types))
                                         (t (cons 'and (remove-duplicates types :test #'equal))))
                             :documentation (and doc (%slotd-documentation (cdr doc))))))
         (setf (%slotd-allocation-class e) (caar directs))
         (when (eq (%slotd-allocation first) :class)
           ;; One cell shared by the class and its subclasses (CLHS 7.5.1).
           (unless (consp (%slotd-location first))
             (setf (%slotd-location first)
                   (cons name (if (%slotd-initfunction first)
                                  (funcall (%slotd-initfunction first))
                                  +unbound+))))
           (setf (%slotd-location e) (%slotd-location first)))
         e))
     names)))

(defun finalize-inheritance (class)
  (unless (class-finalizable-p class)
    (error "Cannot finalize ~S: a superclass is not defined yet." (%class-name class)))
  (let* ((cpl (compute-class-precedence-list class))
         (slots (compute-effective-slots class cpl))
         (table (make-hash-table :test 'eq))
         (index 0)
         (names '()))
    (setf (%class-precedence-list class) cpl)
    (dolist (s slots)
      (if (eq (%slotd-allocation s) :instance)
          (progn (setf (%slotd-location s) index)
                 (push (%slotd-name s) names)
                 (incf index))
          (unless (consp (%slotd-location s))
            (setf (%slotd-location s) (cons (%slotd-name s) +unbound+))))
      (setf (gethash (%slotd-name s) table) (%slotd-location s)))
    (setf (%class-slots class) slots)
    (setf (%class-default-initargs class)
          (let ((seen '()) (out '()))
            (dolist (c cpl (nreverse out))
              (dolist (d (%class-direct-default-initargs c))
                (unless (member (car d) seen)
                  (push (car d) seen)
                  (push d out))))))
    (setf (%class-wrapper class) (make-wrapper class table index (nreverse names)))
    (setf (%class-initargs-cache class) :unknown)
    (setf (%class-prototype class) nil)
    (setf (%class-finalized-p class) t)
    class))

(defun ensure-finalized (class)
  (unless (%class-finalized-p class)
    (finalize-inheritance class))
  class)

;;; ---- the metaclasses and the standard classes ----

(defun make-class-object (metaclass name supers kind &optional slot-specs)
  (let ((c (bare-class metaclass name kind)))
    (setf (%class-direct-superclasses c) supers)
    (dolist (s supers) (push c (%class-direct-subclasses s)))
    (setf (%class-direct-slots c)
          (mapcar (lambda (n) (make-slotd *the-direct-slotd-class* :name n)) slot-specs))
    (setf (gethash name *class-table*) c)
    c))

(defvar *boot-classes* '())

(defmacro boot-class (name metaclass kind supers &optional slots)
  `(push (make-class-object (gethash ',metaclass *class-table*) ',name
                            (mapcar (lambda (n) (gethash n *class-table*)) ',supers)
                            ,kind ',slots)
         *boot-classes*))

(setf (gethash 'standard-class *class-table*) *the-standard-class*)
(boot-class t standard-class :builtin ())
;; T is a built-in class; fixed below once BUILT-IN-CLASS exists.
(boot-class standard-object standard-class :standard (t))
(boot-class metaobject standard-class :standard (standard-object))
(boot-class specializer standard-class :standard (metaobject))
(boot-class class standard-class :standard (specializer))
(setf (%class-direct-superclasses *the-standard-class*) (list (gethash 'class *class-table*)))
(push *the-standard-class* (%class-direct-subclasses (gethash 'class *class-table*)))
(boot-class built-in-class standard-class :meta (class))
(boot-class structure-class standard-class :meta (class))
(boot-class condition-class standard-class :meta (class))
(boot-class forward-referenced-class standard-class :meta (class))
(boot-class funcallable-standard-class standard-class :meta (class))
(setf (%class-kind *the-standard-class*) :meta)
(%set-std-instance-class (gethash t *class-table*) (gethash 'built-in-class *class-table*) nil)
(boot-class eql-specializer standard-class :standard (specializer) (object))
(boot-class slot-definition standard-class :standard (metaobject))
(boot-class direct-slot-definition standard-class :standard (slot-definition))
(boot-class effective-slot-definition standard-class :standard (slot-definition))
(boot-class standard-slot-definition standard-class :standard (slot-definition)
            (name initform initfunction initargs readers writers allocation type
                  documentation location allocation-class))
(boot-class standard-direct-slot-definition standard-class :standard
            (standard-slot-definition direct-slot-definition))
(boot-class standard-effective-slot-definition standard-class :standard
            (standard-slot-definition effective-slot-definition))
(setf *the-direct-slotd-class* (gethash 'standard-direct-slot-definition *class-table*)
      *the-effective-slotd-class* (gethash 'standard-effective-slot-definition *class-table*))
(boot-class method standard-class :standard (metaobject))
(boot-class standard-method standard-class :standard (method)
            (generic-function specializers qualifiers lambda-list function
                              documentation keywords slot-name kind))
(boot-class standard-accessor-method standard-class :standard (standard-method))
(boot-class standard-reader-method standard-class :standard (standard-accessor-method))
(boot-class standard-writer-method standard-class :standard (standard-accessor-method))
(boot-class method-combination standard-class :standard (metaobject))
(boot-class function built-in-class :builtin (t))
(boot-class funcallable-standard-object standard-class :standard (function standard-object))
(boot-class generic-function funcallable-standard-class :standard
            (metaobject funcallable-standard-object))
(boot-class standard-generic-function funcallable-standard-class :standard (generic-function)
            (name lambda-list methods method-combination cache function documentation
                  argument-precedence-order declarations method-class info
                  dispatch-positions initial-methods))

;; The class metaobjects' own slots, for class-slots of a metaclass.
(setf (%class-direct-slots (gethash 'class *class-table*))
      (mapcar (lambda (n) (make-direct-slotd :name n))
              '(name direct-superclasses direct-slots precedence-list slots
                direct-subclasses direct-methods direct-default-initargs finalized-p
                wrapper prototype documentation default-initargs initargs-cache kind)))

;;; The built-in classes of the standard types (CLHS figure 4-8), their
;;; direct superclasses ordered so that the precedence lists are SBCL's.
(dolist (spec '((number t) (real number) (rational real) (integer rational)
                (fixnum integer) (bignum integer) (ratio rational) (float real)
                (single-float float) (double-float float) (complex number)
                (character t) (symbol t) (sequence t) (list sequence) (cons list)
                (null symbol list) (array t) (simple-array array)
                (vector array sequence) (simple-vector vector simple-array)
                (string vector) (simple-string string simple-array)
                (bit-vector vector) (simple-bit-vector bit-vector simple-array)
                (compiled-function function)
                (hash-table t) (package t) (pathname t) (logical-pathname pathname)
                (random-state t) (readtable t) (restart t)
                (stream t) (broadcast-stream stream) (concatenated-stream stream)
                (echo-stream stream) (file-stream stream) (string-stream stream)
                (synonym-stream stream) (two-way-stream stream)))
  (make-class-object (gethash 'built-in-class *class-table*) (car spec)
                     (mapcar (lambda (n) (gethash n *class-table*)) (cdr spec))
                     :builtin))

(make-class-object (gethash 'structure-class *class-table*) 'structure-object
                   (list (gethash t *class-table*)) :structure)
(make-class-object (gethash 'condition-class *class-table*) 'condition
                   (list (gethash t *class-table*)) :condition)

(maphash (lambda (name class)
           (declare (ignore name))
           (finalize-inheritance class))
         *class-table*)

;;; ---- structure and condition classes, made when first asked for ----

(defun ensure-struct-class (name)
  (let ((info (%struct-class-info name)))
    (when info
      (destructuring-bind (kind super-names slot-names) info
        (let* ((supers (mapcar (lambda (n) (or (find-class n nil)
                                               (gethash t *class-table*)))
                               super-names))
               (class (make-class-object (gethash (if (eq kind :condition)
                                                      'condition-class
                                                      'structure-class)
                                                  *class-table*)
                                         name supers kind slot-names)))
          (finalize-inheritance class))))))

(defun find-class (symbol &optional (errorp t) environment)
  (declare (ignore environment))
  (or (gethash symbol *class-table*)
      (and (symbolp symbol) (ensure-struct-class symbol))
      (if errorp
          (error "There is no class named ~S." symbol)
          nil)))

(defun (setf find-class) (new symbol &optional errorp environment)
  (declare (ignore errorp environment))
  (if (null new)
      (remhash symbol *class-table*)
      (setf (gethash symbol *class-table*) new))
  new)

;;; ---- class-of ----

;;; Generic function closures -> their metaobjects.
(defvar *gf-table* (make-hash-table :test 'eq))

(defun class-of (object)
  (cond ((%std-instance-p object) (%std-instance-class object))
        ((and (functionp object) (gethash object *gf-table*))
         (%std-instance-class (gethash object *gf-table*)))
        (t (let ((key (%class-key object)))
             (or (gethash key *class-table*)
                 (find-class key nil)
                 (gethash t *class-table*))))))

(defun class-precedence-list (class)
  (ensure-finalized class)
  (%class-precedence-list class))

(defun subclassp (c1 c2)
  (or (eq c1 c2)
      (and (member c2 (class-precedence-list c1)) t)))

(defun class-slots (class) (ensure-finalized class) (%class-slots class))
(defun class-direct-slots (class) (%class-direct-slots class))
(defun class-direct-superclasses (class) (%class-direct-superclasses class))
(defun class-direct-subclasses (class) (%class-direct-subclasses class))
(defun class-finalized-p (class) (%class-finalized-p class))
(defun class-default-initargs (class) (ensure-finalized class) (%class-default-initargs class))
(defun class-direct-default-initargs (class) (%class-direct-default-initargs class))
(defun slot-definition-name (s) (%slotd-name s))
(defun slot-definition-initargs (s) (%slotd-initargs s))
(defun slot-definition-initform (s) (%slotd-initform s))
(defun slot-definition-initfunction (s) (%slotd-initfunction s))
(defun slot-definition-readers (s) (%slotd-readers s))
(defun slot-definition-writers (s) (%slotd-writers s))
(defun slot-definition-allocation (s) (%slotd-allocation s))
(defun slot-definition-type (s) (%slotd-type s))
(defun slot-definition-location (s) (%slotd-location s))

;;; ---- slot access (CLHS 7.5) ----

(defun class-wrapper (class)
  (or (%class-wrapper class)
      (progn (finalize-inheritance class) (%class-wrapper class))))

;;; The wrapper of INSTANCE, bringing an obsolete instance up to date
;;; first (CLHS 4.3.6.1).
(defun current-wrapper (instance)
  (let ((w (%std-instance-wrapper instance)))
    (if (eq w (%class-wrapper (%std-instance-class instance)))
        w
      (if (null w)
        ;; A metaobject made before its class was finalized.
        (progn (%set-std-instance-class instance (%std-instance-class instance)
                                        (class-wrapper (%std-instance-class instance)))
               (%std-instance-wrapper instance))
        (progn (update-obsolete-instance instance)
               (%std-instance-wrapper instance))))))

(defun update-obsolete-instance (instance)
  (let* ((class (%std-instance-class instance))
         (old (%std-instance-wrapper instance))
         (new (class-wrapper class))
         (old-names (svref old 3))
         (old-values (%std-instance-slots instance))
         (new-table (svref new 1))
         (slots (make-array (svref new 2) :initial-element +unbound+))
         (added '())
         (discarded '())
         (plist '()))
    (loop for name in old-names
          for i from 0
          for loc = (gethash name new-table)
          for v = (svref old-values i)
          do (cond ((integerp loc) (setf (svref slots loc) v))
                   (t (push name discarded)
                      (unless (eq v +unbound+)
                        (setf plist (list* name v plist))))))
    (dolist (name (svref new 3))
      (unless (member name old-names) (push name added)))
    ;; A slot that was shared and is now local is added too.
    (%set-std-instance-slots instance slots)
    (%set-std-instance-class instance class new)
    (update-instance-for-redefined-class instance (nreverse added) (nreverse discarded) plist)))

(defun slot-location (instance name)
  (gethash name (svref (current-wrapper instance) 1)))

(defun %slot-value (object slot-name)
  (if (%std-instance-p object)
      (let ((loc (slot-location object slot-name)))
        (let ((v (cond ((integerp loc) (%std-instance-ref object loc))
                       ((consp loc) (cdr loc))
                       (t (return-from %slot-value
                            (values (slot-missing (class-of object) object slot-name 'slot-value)))))))
          (if (eq v +unbound+)
              (values (slot-unbound (class-of object) object slot-name))
              v)))
      (let ((v (%struct-slot-value object slot-name +unbound+)))
        (if (eq v +unbound+)
            (values (slot-missing (class-of object) object slot-name 'slot-value))
            v))))

;;; slot-value reads an up-to-date instance in place (dispatch.rs) and
;;; comes to %slot-value for everything else.
(%set-unbound-marker +unbound+)
(setf (symbol-function 'slot-value) #'%fast-slot-value)

(defun (setf slot-value) (new object slot-name)
  (if (%std-instance-p object)
      (let ((loc (slot-location object slot-name)))
        (cond ((integerp loc) (%std-instance-set object loc new))
              ((consp loc) (setf (cdr loc) new))
              (t (slot-missing (class-of object) object slot-name 'setf new)))
        new)
      (progn
        (unless (%set-struct-slot-value object slot-name new)
          (slot-missing (class-of object) object slot-name 'setf new))
        new)))

(defun slot-boundp (object slot-name)
  (if (%std-instance-p object)
      (let ((loc (slot-location object slot-name)))
        (cond ((integerp loc) (not (eq (%std-instance-ref object loc) +unbound+)))
              ((consp loc) (not (eq (cdr loc) +unbound+)))
              (t (and (slot-missing (class-of object) object slot-name 'slot-boundp) t))))
      (if (eq (%struct-slot-value object slot-name +unbound+) +unbound+)
          (and (slot-missing (class-of object) object slot-name 'slot-boundp) t)
          t)))

(defun slot-makunbound (object slot-name)
  (if (%std-instance-p object)
      (let ((loc (slot-location object slot-name)))
        (cond ((integerp loc) (%std-instance-set object loc +unbound+))
              ((consp loc) (setf (cdr loc) +unbound+))
              (t (slot-missing (class-of object) object slot-name 'slot-makunbound)))
        object)
      (progn (slot-missing (class-of object) object slot-name 'slot-makunbound)
             object)))

(defun slot-exists-p (object slot-name)
  (if (%std-instance-p object)
      (and (slot-location object slot-name) t)
      (not (eq (%struct-slot-value object slot-name +unbound+) +unbound+))))

;;; ---- typep and subtypep on classes (CLHS 4.3.7) ----

(defun %typep-hook (object type)
  (let ((class (cond ((symbolp type) (find-class type nil))
                     ((classp type) type))))
    (when class
      (list (and (member class (class-precedence-list (class-of object))) t)))))

(defun %subtypep-hook (a b)
  (let ((ca (if (classp a) a (and (symbolp a) (find-class a nil))))
        (cb (if (classp b) b (and (symbolp b) (find-class b nil)))))
    (cond ((and ca cb (or (%user-class-p ca) (%user-class-p cb) (classp a) (classp b)))
           (list (subclassp ca cb) t))
          ((and ca (%user-class-p ca) (eq b t)) (list t t))
          ;; Instances of classes other than the built-in ones are atoms.
          ((and ca (%user-class-p ca) (eq b 'atom)) (list t t))
          ((and cb (%user-class-p cb) (eq a nil)) (list t t))
          (t nil))))

;;; A class subtypep answers for: any but the built-in classes of the
;;; standard types, which the type system knows better.
(defun %user-class-p (class)
  (not (eq (%class-kind class) :builtin)))

;;;; Class definition (ensure-class, accessors, redefinition) and the
;;;; standard generic functions of object creation and change (CLHS 7.1,
;;;; 7.2, 7.3, 4.3.6).

(in-package "CLOS")

;;; ---- ensure-class ----

(defun make-forward-class (name)
  (let ((c (bare-class (find-class 'forward-referenced-class) name :forward)))
    (setf (gethash name *class-table*) c)
    c))

(defun fix-instance-wrapper (object)
  (%set-std-instance-class object (%std-instance-class object)
                           (class-wrapper (%std-instance-class object)))
  object)

(defun subclasses-closure (class)
  (let ((out '()))
    (labels ((walk (c)
               (unless (member c out)
                 (push c out)
                 (mapc #'walk (%class-direct-subclasses c)))))
      (walk class))
    (nreverse out)))

;;; Refinalize CLASS and its subclasses after a (re)definition. A class
;;; whose instances keep their slots keeps its wrapper (its instances
;;; need no update); otherwise they become obsolete (CLHS 4.3.6).
(defun refinalize-tree (class)
  (dolist (c (subclasses-closure class))
    (when (and (not (eq (%class-kind c) :forward)) (class-finalizable-p c))
      (let ((old (%class-wrapper c)))
        (finalize-inheritance c)
        (when (and old (equal (svref old 3) (svref (%class-wrapper c) 3)))
          (setf (svref old 1) (svref (%class-wrapper c) 1))
          (setf (%class-wrapper c) old))))))

(defun remove-accessor-methods (class)
  (dolist (d (%class-direct-slots class))
    (dolist (r (%slotd-readers d))
      (let* ((f (%function-named r)) (gf (and f (gf-object f))))
        (when gf
          (let ((m (find-method-1 gf nil (list class))))
            (when m (remove-method gf m))))))
    (dolist (w (%slotd-writers d))
      (let* ((f (%function-named w)) (gf (and f (gf-object f))))
        (when gf
          (let ((m (find-method-1 gf nil (list (find-class t) class))))
            (when m (remove-method gf m))))))))

(defun ensure-accessor-gf (name lambda-list)
  (let ((f (%function-named name)))
    (if (and f (gf-object f))
        (gf-object f)
        (gf-object (ensure-generic-function name :lambda-list lambda-list)))))

(defun add-accessor-methods (class)
  (dolist (d (%class-direct-slots class))
    (let ((slot (%slotd-name d)))
      (dolist (r (%slotd-readers d))
        (let* ((gf (ensure-accessor-gf r '(object)))
               (m (make-method-object gf nil (list class) '(object)
                                      (lambda (m) (declare (ignore m))
                                        (lambda (args next) (declare (ignore next))
                                          (slot-value (car args) slot)))
                                      nil)))
          (%set-std-instance-class m (find-class 'standard-reader-method) nil)
          (setf (%method-kind m) :reader (%method-slot-name m) slot)
          (add-method gf m)))
      (dolist (w (%slotd-writers d))
        (let* ((gf (ensure-accessor-gf w '(new-value object)))
               (m (make-method-object gf nil (list (find-class t) class) '(new-value object)
                                      (lambda (m) (declare (ignore m))
                                        (lambda (args next) (declare (ignore next))
                                          (setf (slot-value (cadr args) slot) (car args))))
                                      nil)))
          (%set-std-instance-class m (find-class 'standard-writer-method) nil)
          (setf (%method-kind m) :writer (%method-slot-name m) slot)
          (add-method gf m))))))

(defun ensure-class (name &key direct-superclasses direct-slots direct-default-initargs
                            documentation (metaclass 'standard-class) &allow-other-keys)
  (when (and name (member name direct-superclasses))
    (error "~S cannot be a superclass of itself." name))
  (let* ((metaclass (if (symbolp metaclass) (find-class metaclass) metaclass))
         (old (let ((c (and name (gethash name *class-table*))))
                ;; Only a class whose proper name this still is (CLHS 4.3.1).
                (and c (eq (%class-name c) name) c)))
         (supers (or (mapcar (lambda (s)
                               (cond ((classp s) s)
                                     ((gethash s *class-table*))
                                     ((find-class s nil))
                                     (t (make-forward-class s))))
                             direct-superclasses)
                     (list (if (eq metaclass (find-class 'funcallable-standard-class))
                               (find-class 'funcallable-standard-object)
                               (find-class 'standard-object)))))
         (cycle (when (and old (member old (mapcan #'all-superclasses (copy-list supers))))
                  (error "~S cannot be a superclass of itself." name)))
         (class (cond ((null old) (bare-class metaclass name :standard))
                      ((eq (%class-kind old) :forward)
                       (%set-std-instance-class old metaclass nil)
                       (setf (%class-kind old) :standard)
                       old)
                      ((eq (%class-kind old) :standard)
                       (unless (eq (%std-instance-class old) metaclass)
                         (%set-std-instance-class old metaclass nil))
                       old)
                      (t (error "~S names a ~(~A~) class; DEFCLASS cannot redefine it."
                                name (%class-kind old))))))
    (declare (ignore cycle))
    (remove-accessor-methods class)
    (dolist (s (%class-direct-superclasses class))
      (setf (%class-direct-subclasses s) (remove class (%class-direct-subclasses s))))
    (setf (%class-direct-superclasses class) supers)
    (dolist (s supers) (pushnew class (%class-direct-subclasses s)))
    (let ((old-slots (%class-direct-slots class)))
      (setf (%class-direct-slots class)
            (mapcar (lambda (plist)
                      (let* ((d (apply #'make-direct-slotd plist))
                             (was (find (%slotd-name d) old-slots :key #'%slotd-name)))
                        ;; A shared slot keeps its value (CLHS 4.3.6).
                        (when (and was (eq (%slotd-allocation d) :class)
                                   (eq (%slotd-allocation was) :class)
                                   (consp (%slotd-location was)))
                          (setf (%slotd-location d) (%slotd-location was)))
                        d))
                    direct-slots)))
    (setf (%class-direct-default-initargs class) direct-default-initargs
          (%class-documentation class) documentation)
    (when name (setf (gethash name *class-table*) class))
    (refinalize-tree class)
    (fix-instance-wrapper class)
    (add-accessor-methods class)
    class))

;;; ---- initargs (CLHS 7.1.2) ----

(defvar *initarg-gfs* '(make-instance allocate-instance initialize-instance shared-initialize))

(defun method-applies-to-class-p (m class gf-name)
  ;; make-instance and allocate-instance receive the class itself; the
  ;; others an instance of it (CLHS 7.1.2).
  (let ((s (car (%method-specializers m)))
        (of-class (member gf-name '(make-instance allocate-instance))))
    (or (eq s (find-class t))
        (and (classp s)
             (member s (class-precedence-list (if of-class (class-of class) class))))
        (and (eql-specializer-p s)
             (if of-class
                 (member (eql-specializer-object s) (list class (%class-name class)))
                 nil)))))

(defun valid-initargs (class gf-names)
  "T when any initarg is valid, else the list of valid ones."
  (let ((keys (list :allow-other-keys)))
    (dolist (s (class-slots class))
      (setq keys (append (%slotd-initargs s) keys)))
    (dolist (name gf-names keys)
      (let* ((f (%function-named name)) (gf (and f (gf-object f))))
        (when gf
          (dolist (m (%gf-methods gf))
            (when (method-applies-to-class-p m class name)
              (when (cdr (%method-keywords m)) (return-from valid-initargs t))
              (setq keys (append (car (%method-keywords m)) keys)))))))))

(defvar *standard-init-methods* '())

(defun fast-init-p (class)
  "Do only the standard methods of the initialization protocol apply to
instances of CLASS (so make-instance can skip the generic calls)?"
  (every (lambda (name)
           (let ((gf (gf-object (%function-named name))))
             (every (lambda (m) (or (member m *standard-init-methods*)
                                    (not (method-applies-to-class-p m class name))))
                    (%gf-methods gf))))
         '(allocate-instance initialize-instance shared-initialize)))

;;; Signal the errors of CLHS 7.1.2. With CACHE, the class caches
;;; (fast-init-p . valid-initargs) and the result is fast-init-p.
(defun check-initargs (class initargs gf-names &optional cache)
  (unless (evenp (length initargs))
    (error 'program-error :format-control "Odd number of initialization arguments: ~S"
           :format-arguments (list initargs)))
  (let* ((entry (and cache
                     (let ((c (%class-initargs-cache class)))
                       ;; (epoch fast-init-p . valid): stale once a method of
                       ;; the initialization protocol changes.
                       (if (and (consp c) (eql (car c) *init-epoch*))
                           (cdr c)
                           (cdr (setf (%class-initargs-cache class)
                                      (list* *init-epoch* (fast-init-p class)
                                             (valid-initargs class gf-names))))))))
         (valid (if cache (cdr entry) (valid-initargs class gf-names))))
    (unless (or (eq valid t) (null initargs) (getf initargs :allow-other-keys))
      (do ((l initargs (cddr l)))
          ((null l))
        (unless (member (car l) valid :test #'eq)
          (error 'program-error
                 :format-control "Invalid initialization argument ~S for ~S."
                 :format-arguments (list (car l) (%class-name class))))))
    (car entry)))

(defun default-initargs (class initargs)
  (let ((defaults (%class-default-initargs class)))
    (if (null defaults)
        initargs
        (let ((extra '()))
          (dolist (d defaults)
            (unless (loop for (k) on initargs by #'cddr thereis (eq k (car d)))
              (setq extra (list* (funcall (third d)) (car d) extra))))
          (append initargs (nreverse extra))))))

;;; ---- creation (CLHS 7.1) ----

(defgeneric allocate-instance (class &rest initargs &key &allow-other-keys))
(defmethod allocate-instance ((class standard-class) &rest initargs)
  (declare (ignore initargs))
  (let ((w (class-wrapper (ensure-finalized class))))
    (%make-std-instance class w (svref w 2) +unbound+)))
(defmethod allocate-instance ((class structure-class) &rest initargs)
  (declare (ignore initargs))
  (%allocate-structure (%class-name class)))

(defgeneric make-instance (class &rest initargs &key &allow-other-keys))
(defmethod make-instance ((class symbol) &rest initargs)
  (apply #'make-instance (find-class class) initargs))
(defmethod make-instance ((class standard-class) &rest initargs)
  (ensure-finalized class)
  (let ((initargs (default-initargs class initargs)))
    (if (check-initargs class initargs *initarg-gfs* t)
        ;; Only the standard methods apply: what they would do, directly.
        (let ((w (class-wrapper class)))
          (std-shared-initialize (%make-std-instance class w (svref w 2) +unbound+) t initargs))
        (let ((instance (apply #'allocate-instance class initargs)))
          (apply #'initialize-instance instance initargs)
          instance))))

(defun find-initarg (keys initargs)
  (do ((l initargs (cddr l)))
      ((null l) (values nil nil))
    (when (member (car l) keys :test #'eq)
      (return (values t (cadr l))))))

(defun std-shared-initialize (instance slot-names initargs)
  (unless (or (null initargs)
              (and (evenp (length initargs))
                   (do ((l initargs (cddr l))) ((null l) t)
                     (unless (symbolp (car l)) (return nil)))))
    (error 'program-error :format-control "Malformed initialization arguments: ~S"
           :format-arguments (list initargs)))
  (current-wrapper instance)
  (let ((class (class-of instance)))
    (dolist (s (class-slots class) instance)
      (let ((name (%slotd-name s))
            (loc (%slotd-location s)))
        (multiple-value-bind (found value)
            (if (%slotd-initargs s) (find-initarg (%slotd-initargs s) initargs) (values nil nil))
          (cond ((integerp loc)
                 ;; An instance slot, stored in place.
                 (cond (found (%std-instance-set instance loc value))
                       ((and (%slotd-initfunction s)
                             (or (eq slot-names t) (member name slot-names))
                             (eq (%std-instance-ref instance loc) +unbound+))
                        (%std-instance-set instance loc (funcall (%slotd-initfunction s))))))
                (found (setf (slot-value instance name) value))
                ((and (%slotd-initfunction s)
                      (or (eq slot-names t) (member name slot-names))
                      (not (slot-boundp instance name)))
                 (setf (slot-value instance name) (funcall (%slotd-initfunction s))))))))))

(defgeneric shared-initialize (instance slot-names &rest initargs &key &allow-other-keys))
(defmethod shared-initialize ((instance standard-object) slot-names &rest initargs)
  (unless (or (eq slot-names t) (listp slot-names))
    (error 'type-error :datum slot-names :expected-type '(or list (eql t))))
  (std-shared-initialize instance slot-names initargs))

(defgeneric initialize-instance (instance &rest initargs &key &allow-other-keys))
(defmethod initialize-instance ((instance standard-object) &rest initargs)
  (apply #'shared-initialize instance t initargs))

(defgeneric reinitialize-instance (instance &rest initargs &key &allow-other-keys))
(defmethod reinitialize-instance ((instance standard-object) &rest initargs)
  (check-initargs (class-of instance) initargs '(reinitialize-instance shared-initialize))
  (apply #'shared-initialize instance nil initargs))

;;; ---- change-class (CLHS 7.2) ----

(defgeneric update-instance-for-different-class (previous current &rest initargs
                                                 &key &allow-other-keys))
(defmethod update-instance-for-different-class ((previous standard-object) (current standard-object)
                                                &rest initargs)
  (check-initargs (class-of current) initargs
                  '(update-instance-for-different-class shared-initialize))
  (let ((added (loop for s in (class-slots (class-of current))
                     when (and (eq (%slotd-allocation s) :instance)
                               (not (slot-exists-p previous (%slotd-name s))))
                       collect (%slotd-name s))))
    (apply #'shared-initialize current added initargs)))

(defgeneric change-class (instance new-class &rest initargs &key &allow-other-keys))
(defmethod change-class ((instance standard-object) (new-class symbol) &rest initargs)
  (apply #'change-class instance (find-class new-class) initargs))
(defmethod change-class ((instance standard-object) (new-class standard-class) &rest initargs)
  (ensure-finalized new-class)
  (current-wrapper instance)
  (let ((copy (allocate-instance new-class)))
    (dolist (s (class-slots new-class))
      (let ((name (%slotd-name s)))
        (when (and (eq (%slotd-allocation s) :instance)
                   (slot-exists-p instance name)
                   (slot-boundp instance name))
          (setf (slot-value copy name) (slot-value instance name)))))
    (%std-instance-swap instance copy)
    (apply #'update-instance-for-different-class copy instance initargs)
    instance))

;;; ---- redefinition (CLHS 4.3.6) ----

(defgeneric update-instance-for-redefined-class (instance added-slots discarded-slots
                                                 property-list &rest initargs
                                                 &key &allow-other-keys))
(defmethod update-instance-for-redefined-class ((instance standard-object) added discarded plist
                                                &rest initargs)
  (declare (ignore discarded plist))
  (check-initargs (class-of instance) initargs
                  '(update-instance-for-redefined-class shared-initialize))
  (apply #'shared-initialize instance added initargs))

(defgeneric make-instances-obsolete (class))
(defmethod make-instances-obsolete ((class symbol))
  (make-instances-obsolete (find-class class)))
(defmethod make-instances-obsolete ((class standard-class))
  (let ((w (class-wrapper class)))
    (setf (%class-wrapper class) (copy-seq w))
    class))

;;; ---- errors of slot access and dispatch ----

(defgeneric slot-missing (class instance slot-name operation &optional new-value))
(defmethod slot-missing ((class t) instance slot-name operation &optional new-value)
  (declare (ignore new-value))
  (error "When attempting to ~A, the slot ~S is missing from the object ~S."
         (case operation
           (slot-value "read the slot's value (slot-value)")
           (setf "set the slot's value (setf of slot-value)")
           (slot-boundp "test whether the slot is bound (slot-boundp)")
           (slot-makunbound "make the slot unbound (slot-makunbound)")
           (t operation))
         slot-name instance))

(defgeneric slot-unbound (class instance slot-name))
(defmethod slot-unbound ((class t) instance slot-name)
  (error 'unbound-slot :name slot-name :instance instance))

(defgeneric no-applicable-method (generic-function &rest arguments))
(defmethod no-applicable-method ((gf t) &rest args)
  (error "There is no applicable method for the generic function ~S when called with arguments ~S."
         (if (gf-object gf) (%gf-name (gf-object gf)) gf) args))

(defgeneric no-next-method (generic-function method &rest arguments))
(defmethod no-next-method ((gf t) (method t) &rest args)
  (error "There is no next method for ~S when called with arguments ~S."
         (if (gf-object gf) (%gf-name (gf-object gf)) gf) args))

;;; ---- make-load-form (CLHS 7.7.29) ----

(defgeneric make-load-form (object &optional environment))
(defmethod make-load-form ((object t) &optional environment)
  (declare (ignore environment))
  (error "~S has no MAKE-LOAD-FORM method." object))
(defmethod make-load-form ((object standard-class) &optional environment)
  (declare (ignore environment))
  `(find-class ',(%class-name object)))

(defun make-load-form-saving-slots (object &key slot-names environment)
  (declare (ignore environment))
  (let* ((class (class-of object))
         (names (or slot-names (mapcar #'%slotd-name
                                       (remove :class (class-slots class)
                                               :key #'%slotd-allocation)))))
    (values `(allocate-instance (find-class ',(%class-name class)))
            `(progn
               ,@(loop for n in names
                       collect (if (slot-boundp object n)
                                   `(setf (slot-value ',object ',n) ',(slot-value object n))
                                   `(slot-makunbound ',object ',n)))))))

(defun class-prototype (class)
  (or (%class-prototype class)
      (setf (%class-prototype class)
            (if (eq (%class-kind class) :standard)
                (allocate-instance class)
                nil))))

(defun unbound-slot-instance (condition)
  (%struct-slot-value condition 'instance nil))

;;; class-name and its setf are generic (CLHS 7.7.7, 7.7.8).
(fmakunbound 'class-name)
(fmakunbound '(setf class-name))
(defgeneric class-name (class))
(defmethod class-name ((class class)) (%class-name class))
(defgeneric (setf class-name) (new-value class))
(defmethod (setf class-name) (new-value (class class))
  (setf (%class-name class) new-value))

;;; The methods defined here; any other makes make-instance take the
;;; generic path.
(setq *standard-init-methods*
      (loop for name in '(allocate-instance initialize-instance shared-initialize)
            append (copy-list (%gf-methods (gf-object (%function-named name))))))

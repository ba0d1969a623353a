;;;; Generic functions and methods (CLHS 7.6): lambda-list congruence,
;;;; dispatch with a cache of effective methods per argument classes,
;;;; method selection and ordering (CLHS 7.6.6) and the standard and
;;;; simple method combinations (CLHS 7.6.6.4).

(in-package "CLOS")

(define-slot-accessors
  (%gf-name 0) (%gf-lambda-list 1) (%gf-methods 2) (%gf-method-combination 3)
  (%gf-cache 4) (%gf-function 5) (%gf-documentation 6)
  (%gf-argument-precedence-order 7) (%gf-declarations 8) (%gf-method-class 9)
  (%gf-info 10) (%gf-dispatch-positions 11) (%gf-initial-methods 12))
(defconstant +gf-size+ 13)

(define-slot-accessors
  (%method-generic-function 0) (%method-specializers 1) (%method-qualifiers 2)
  (%method-lambda-list 3) (%method-function 4) (%method-documentation 5)
  (%method-keywords 6) (%method-slot-name 7) (%method-kind 8))
(defconstant +method-size+ 9)

;;; ---- lambda lists ----

;;; (nreq nopt restp keyp keys allow-other-keys-p) of an ordinary or
;;; specialized lambda list.
(defun analyze-lambda-list (ll)
  (let ((nreq 0) (nopt 0) (restp nil) (keyp nil) (keys '()) (aok nil) (state :req))
    (dolist (p ll)
      (case p
        (&optional (setq state :opt))
        ((&rest &body) (setq state :rest restp t))
        (&key (setq state :key keyp t))
        (&allow-other-keys (setq aok t))
        (&aux (setq state :aux))
        (t (case state
             (:req (incf nreq))
             (:opt (incf nopt))
             (:key (push (cond ((and (consp p) (consp (car p))) (caar p))
                               (t (intern (symbol-name (if (consp p) (car p) p)) "KEYWORD")))
                         keys))))))
    (list nreq nopt restp keyp (nreverse keys) aok)))

(defun gf-nreq (gf) (first (%gf-info gf)))

;;; ---- metaobjects for generic functions and methods ----

(defvar *the-gf-class* (find-class 'standard-generic-function))
(defvar *the-method-class* (find-class 'standard-method))

(defun gf-object (f)
  "The metaobject of generic function F (its function or itself)."
  (cond ((and (%std-instance-p f) (eq (%std-instance-class f) *the-gf-class*)) f)
        ((and (%std-instance-p f) (member *the-gf-class* (class-precedence-list (class-of f)))) f)
        ((functionp f) (gethash f *gf-table*))
        (t nil)))

(defun the-gf (f)
  (or (gf-object f)
      (error 'type-error :datum f :expected-type 'generic-function)))

(defun generic-function-p (x)
  (and (gf-object x) t))

(defun generic-function-name (gf) (%gf-name (the-gf gf)))
(defun generic-function-methods (gf) (%gf-methods (the-gf gf)))
(defun generic-function-lambda-list (gf) (%gf-lambda-list (the-gf gf)))
(defun generic-function-method-combination (gf) (%gf-method-combination (the-gf gf)))
(defun generic-function-argument-precedence-order (gf)
  (let ((g (the-gf gf)))
    (or (%gf-argument-precedence-order g)
        (subseq (%gf-lambda-list g) 0 (gf-nreq g)))))
(defun method-specializers (m) (%method-specializers m))
(defun method-lambda-list (m) (%method-lambda-list m))
(defun method-function (m) (%method-function m))
(defun method-generic-function (m) (%method-generic-function m))

;;; eql specializers, one per object (MOP intern-eql-specializer).
(defvar *eql-specializers* (make-hash-table :test 'eql))

(defun intern-eql-specializer (object)
  (or (gethash object *eql-specializers*)
      (setf (gethash object *eql-specializers*)
            (let ((s (%make-std-instance (find-class 'eql-specializer) nil 1 object)))
              s))))

(defun eql-specializer-p (x)
  (and (%std-instance-p x) (eq (%std-instance-class x) (find-class 'eql-specializer))))

(defun eql-specializer-object (s) (%std-instance-ref s 0))

(defun specializer-direct-methods (s)
  (let ((out '()))
    (maphash (lambda (f gf)
               (declare (ignore f))
               ;; A traced generic function is in the table twice.
               (dolist (m (%gf-methods gf))
                 (when (member s (%method-specializers m)) (pushnew m out))))
             *gf-table*)
    out))

;;; ---- making generic functions ----

(defun make-gf (name lambda-list)
  (let ((gf (%make-std-instance *the-gf-class* nil +gf-size+ nil)))
    (setf (%gf-name gf) name
          (%gf-lambda-list gf) lambda-list
          (%gf-info gf) (analyze-lambda-list lambda-list)
          (%gf-method-combination gf) '(standard)
          (%gf-method-class gf) *the-method-class*)
    (let ((f (make-discriminator gf)))
      (setf (%gf-function gf) f)
      (setf (gethash f *gf-table*) gf))
    gf))

(defun make-discriminator (gf)
  (%make-discriminator gf))

;;; Called by the discriminating function (dispatch.rs) when its cache has
;;; no effective method for the arguments: make the cache if the methods
;;; changed, check the argument count, and return the effective method.
(defun %dispatch-miss (gf args)
  (let ((positions (%gf-dispatch-positions gf)))
    (when (eq positions :unknown)
      (setq positions (compute-dispatch-positions gf))
      (setf (%gf-dispatch-positions gf) positions)
      (let ((info (%gf-info gf)))
        (setf (%gf-cache gf)
              (%make-dispatch-cache
               (if info (first info) 0)
               (and info (not (third info)) (not (fourth info)) (+ (first info) (second info)))
               (mapcar (lambda (p)
                         (cons (car p)
                               (and (cdr p)
                                    (let ((l '()))
                                      (maphash (lambda (k v) (push (cons k v) l)) (cdr p))
                                      l))))
                       positions)))))
    (let ((info (%gf-info gf)) (n (length args)))
      (when info
        (destructuring-bind (nreq nopt restp keyp &rest more) info
          (declare (ignore more))
          (when (or (< n nreq) (and (not restp) (not keyp) (> n (+ nreq nopt))))
            (error 'program-error
                   :format-control "Wrong number of arguments (~D) to the generic function ~S."
                   :format-arguments (list n (%gf-name gf)))))))
    (compute-effective-method-function gf args)))

(defun check-gf-lambda-list (ll)
  ;; CLHS 3.4.2: no default forms or supplied-p parameters, no &aux.
  (let ((state :req))
    (dolist (p ll)
      (cond ((member p '(&optional &rest &key &allow-other-keys)) (setq state p))
            ((member p lambda-list-keywords) (error 'program-error))
            ((eq state :req) (unless (and (symbolp p) p) (error 'program-error)))
            ((and (consp p) (cdr p)) (error 'program-error)))))
  (analyze-lambda-list ll))

(defun ensure-generic-function (name &key (lambda-list nil ll-p) (documentation nil doc-p)
                                       (method-combination nil mc-p)
                                       (argument-precedence-order nil apo-p)
                                       declare generic-function-class method-class
                                       environment)
  (declare (ignore environment generic-function-class method-class declare))
  (let* ((existing (%function-named name))
         (gf (and existing (gf-object existing))))
    (when (and (symbolp name) (or (macro-function name) (special-operator-p name)))
      (error 'program-error))
    (when (and existing (not gf))
      (error 'program-error))
    (when ll-p (check-gf-lambda-list lambda-list))
    (cond (gf
           (when ll-p
             (unless (every (lambda (m) (congruent-p (analyze-lambda-list lambda-list)
                                                     (analyze-lambda-list (%method-lambda-list m))))
                            (%gf-methods gf))
               (error "The lambda list ~S of ~S is not congruent with its methods' (CLHS 7.6.4)."
                      lambda-list name))
             (setf (%gf-lambda-list gf) lambda-list
                   (%gf-info gf) (analyze-lambda-list lambda-list))))
          (t (setq gf (make-gf name (if ll-p lambda-list nil)))
             (unless ll-p (setf (%gf-info gf) nil))
             (sendletter::%defun name (%gf-function gf) nil)))
    ;; Options not given keep their values (CLHS ensure-generic-function).
    (when doc-p (setf (%gf-documentation gf) documentation))
    (when mc-p (setf (%gf-method-combination gf) (or method-combination '(standard))))
    (when apo-p (setf (%gf-argument-precedence-order gf) argument-precedence-order))
    (invalidate-gf gf)
    (%gf-function gf)))

;;; Bumped whenever a method of the initialization protocol changes, so
;;; every class's cached initarg check is recomputed (protocol.lisp).
(defvar *init-epoch* 0)

(defun invalidate-gf (gf)
  (setf (%gf-cache gf) nil)
  (setf (%gf-dispatch-positions gf) :unknown)
  (when (member (%gf-name gf) '(initialize-instance shared-initialize allocate-instance
                               make-instance reinitialize-instance))
    (incf *init-epoch*)))

;;; ---- congruence (CLHS 7.6.4) ----

(defun congruent-p (g m)
  (destructuring-bind (greq gopt grest gkeyp gkeys gaok) g
    (declare (ignore gaok))
    (destructuring-bind (mreq mopt mrest mkeyp mkeys maok) m
      (and (= greq mreq) (= gopt mopt)
           (eq (or grest gkeyp) (or mrest mkeyp))
           ;; The gf's keywords must be accepted by each method.
           (or (not gkeyp) (not mkeyp) maok mrest
               (every (lambda (k) (member k mkeys)) gkeys))
           (or (not gkeyp) mkeyp mrest)))))

;;; ---- methods ----

(defun make-method-object (gf qualifiers specializers lambda-list maker documentation)
  (let ((m (%make-std-instance (or (and gf (%gf-method-class gf)) *the-method-class*)
                               nil +method-size+ nil)))
    (setf (%method-specializers m) specializers
          (%method-qualifiers m) qualifiers
          (%method-lambda-list m) lambda-list
          (%method-documentation m) documentation
          (%method-keywords m) (let ((i (analyze-lambda-list lambda-list)))
                                 (cons (fifth i) (sixth i))))
    (setf (%method-function m) (funcall maker m))
    m))

(defun method-qualifiers (m) (%method-qualifiers m))

(defun resolve-specializer (s)
  (cond ((classp s) s)
        ((eql-specializer-p s) s)
        ((and (consp s) (eq (car s) 'eql)) (intern-eql-specializer (cadr s)))
        ((symbolp s) (find-class s))
        (t (error "~S is not a specializer." s))))

(defun gf-lambda-list-from-method (ll)
  (let ((out '()) (state :req))
    (dolist (p ll (nreverse out))
      (case p
        (&optional (setq state :opt) (push p out))
        ((&rest &body) (setq state :rest) (push '&rest out))
        (&key (setq state :key) (push p out))
        (&allow-other-keys (setq state :aok))
        (&aux (return (nreverse out)))
        (t (case state
             (:req (push (if (consp p) (car p) p) out))
             (:opt (push (if (consp p) (car p) p) out))
             (:rest (push p out))))))))

(defun %defmethod (name qualifiers specializers lambda-list maker documentation)
  (let* ((existing (%function-named name))
         (gf (and existing (gf-object existing))))
    (unless gf
      (ensure-generic-function name :lambda-list (gf-lambda-list-from-method lambda-list))
      (setq gf (gf-object (%function-named name))))
    (let ((m (make-method-object gf qualifiers (mapcar #'resolve-specializer specializers)
                                 lambda-list maker documentation)))
      (add-method gf m)
      m)))

(defun add-method (gf method)
  (let ((gf (the-gf gf)))
    (when (and (%method-generic-function method)
               (not (eq (%method-generic-function method) gf)))
      (error "~S is already a method of ~S." method
             (%gf-name (%method-generic-function method))))
    (if (%gf-info gf)
        (unless (congruent-p (%gf-info gf) (analyze-lambda-list (%method-lambda-list method)))
          (error "The method's lambda list ~S is not congruent with the generic function ~S's ~S (CLHS 7.6.4)."
                 (%method-lambda-list method) (%gf-name gf) (%gf-lambda-list gf)))
        (setf (%gf-lambda-list gf) (gf-lambda-list-from-method (%method-lambda-list method))
              (%gf-info gf) (analyze-lambda-list (%gf-lambda-list gf))))
    (let ((old (find-method-1 gf (%method-qualifiers method) (%method-specializers method))))
      (when old (remove-method gf old)))
    (setf (%method-generic-function method) gf)
    (push method (%gf-methods gf))
    (when (and (eq (%gf-name gf) 'print-object)
               (let ((s (car (%method-specializers method))))
                 (and (classp s) (eq (%class-kind s) :structure))))
      (%note-structure-print-method))
    (invalidate-gf gf)
    (%gf-function gf)))

(defun remove-method (gf method)
  (let ((g (the-gf gf)))
    (when (member method (%gf-methods g))
      (setf (%gf-methods g) (remove method (%gf-methods g)))
      (setf (%method-generic-function method) nil)
      (invalidate-gf g))
    gf))

(defun find-method-1 (gf qualifiers specializers)
  (find-if (lambda (m) (and (equal (%method-qualifiers m) qualifiers)
                            (equal (%method-specializers m) specializers)))
           (%gf-methods gf)))

(defun find-method (gf qualifiers specializers &optional (errorp t))
  (let* ((g (the-gf gf))
         (specs (mapcar #'resolve-specializer specializers)))
    (when (and (%gf-info g) (/= (length specs) (gf-nreq g)))
      (error "~S has ~D required parameters, not ~D specializers."
             (%gf-name g) (gf-nreq g) (length specs)))
    (or (find-method-1 g qualifiers specs)
        (and errorp
             (error "There is no method of ~S with qualifiers ~S and specializers ~S."
                    (%gf-name g) qualifiers specializers)))))

;;; ---- dispatch ----

;;; The argument positions whose specializers vary: (position . eql-table).
(defun compute-dispatch-positions (gf)
  (let ((n (or (gf-nreq gf) 0)) (out '()))
    (dotimes (i n (nreverse out))
      (let ((table nil) (used nil))
        (dolist (m (%gf-methods gf))
          (let ((s (nth i (%method-specializers m))))
            (cond ((eql-specializer-p s)
                   (setq used t)
                   (unless table (setq table (make-hash-table :test 'eql)))
                   (setf (gethash (eql-specializer-object s) table) s))
                  ((not (eq s (find-class t))) (setq used t)))))
        (when used (push (cons i table) out))))))

(defun arg-key (position args)
  (let* ((arg (nth (car position) args))
         (table (cdr position)))
    (or (and table (gethash arg table))
        (class-of arg))))

;;; ---- method selection and ordering (CLHS 7.6.6.1) ----

(defun specializer-applicable-p (s arg)
  (cond ((eql-specializer-p s) (eql (eql-specializer-object s) arg))
        ((eq s (find-class t)) t)
        (t (member s (class-precedence-list (class-of arg))))))

(defun applicable-methods (gf args)
  (let ((ms (remove-if-not (lambda (m)
                             (every #'specializer-applicable-p (%method-specializers m) args))
                           (%gf-methods gf))))
    (sort-methods gf ms args)))

(defun precedence-indices (gf)
  (let ((apo (%gf-argument-precedence-order gf))
        (n (or (gf-nreq gf) 0)))
    (if apo
        (mapcar (lambda (p) (position p (%gf-lambda-list gf))) apo)
        (loop for i below n collect i))))

(defun more-specific-p (m1 m2 args indices)
  (dolist (i indices nil)
    (let ((s1 (nth i (%method-specializers m1)))
          (s2 (nth i (%method-specializers m2))))
      (unless (eq s1 s2)
        (return
          (cond ((eql-specializer-p s1) t)
                ((eql-specializer-p s2) nil)
                (t (let ((cpl (class-precedence-list (class-of (nth i args)))))
                     (< (position s1 cpl) (position s2 cpl))))))))))

(defun sort-methods (gf methods args)
  (let ((indices (precedence-indices gf)))
    (stable-sort (copy-list methods)
                 (lambda (a b) (more-specific-p a b args indices)))))

(defun compute-applicable-methods (gf args)
  (let ((g (the-gf gf)))
    (applicable-methods g args)))

;;; ---- keyword arguments (CLHS 7.6.5) ----

(defun key-checker (gf methods)
  "NIL, or a function checking the keyword arguments a call passes."
  (destructuring-bind (nreq nopt restp keyp keys aok) (%gf-info gf)
    (declare (ignore restp))
    (when (and keyp (not aok)
               (notany (lambda (m) (cdr (%method-keywords m))) methods))
      (let ((valid (append keys (loop for m in methods append (car (%method-keywords m)))))
            (skip (+ nreq nopt)))
        (lambda (args)
          (let ((rest (nthcdr skip args)))
            (when (oddp (length rest))
              (error 'program-error :format-control "Odd number of keyword arguments to ~S."
                     :format-arguments (list (%gf-name gf))))
            (unless (getf rest :allow-other-keys)
              (loop for (k) on rest by #'cddr
                    unless (or (member k valid) (eq k :allow-other-keys))
                      do (error 'program-error
                                :format-control "Unknown keyword argument ~S to ~S."
                                :format-arguments (list k (%gf-name gf)))))))))))

;;; ---- method combination (CLHS 7.6.6) ----

;;; Short-form method combinations: name -> (operator identity-with-one-argument).
(defvar *method-combinations* (make-hash-table :test 'eq))
(dolist (op '(+ and append list max min nconc or progn))
  (setf (gethash op *method-combinations*) (list op (member op '(and or progn max min + append nconc)))))

(defun call-method-function (m args next)
  (funcall (%method-function m) args next))

(defun no-primary (gf)
  (lambda (args)
    (error "There is no primary method for the generic function ~S when called with ~S."
           (%gf-name gf) args)))

(defun reader-emf (m)
  (let ((name (%method-slot-name m)))
    (lambda (args) (%fast-slot-value (car args) name))))

(defun standard-emf (gf methods)
  (let ((around '()) (before '()) (primary '()) (after '()))
    (dolist (m methods)
      (let ((q (%method-qualifiers m)))
        (cond ((null q) (push m primary))
              ((equal q '(:around)) (push m around))
              ((equal q '(:before)) (push m before))
              ((equal q '(:after)) (push m after))
              (t (invalid-method-error m "The qualifiers ~S are not those of the standard method combination." q)))))
    (setq around (nreverse around) before (nreverse before) primary (nreverse primary))
    ;; AFTER is least specific first already.
    (if (null primary)
        (no-primary gf)
        (let* ((pfns (mapcar #'%method-function primary))
               (main
                 (cond ((and (null before) (null after) (null (cdr primary))
                             (eq (%method-kind (car primary)) :reader))
                        (reader-emf (car primary)))
                       ((and (null before) (null after))
                        (let ((f (car pfns)) (next (cdr pfns)))
                          (lambda (args) (funcall f args next))))
                       (t
                        (let ((bfns (mapcar #'%method-function before))
                              (afns (mapcar #'%method-function after))
                              (f (car pfns)) (next (cdr pfns)))
                          (lambda (args)
                            (dolist (b bfns) (funcall b args nil))
                            (multiple-value-prog1 (funcall f args next)
                              (dolist (a afns) (funcall a args nil)))))))))
          (if around
              (let ((f (%method-function (car around)))
                    (next (append (mapcar #'%method-function (cdr around))
                                  (list (lambda (args next)
                                          (declare (ignore next))
                                          (funcall main args))))))
                (lambda (args) (funcall f args next)))
              main)))))

(defun simple-emf (gf methods name options)
  (let* ((spec (or (gethash name *method-combinations*)
                   (error "~S is not a method combination type." name)))
         (op (first spec))
         (one (second spec))
         (order (or (car options) :most-specific-first))
         (around '()) (primary '()))
    (unless (member order '(:most-specific-first :most-specific-last))
      (error "~S is not an order for the method combination ~S." order name))
    (dolist (m methods)
      (let ((q (%method-qualifiers m)))
        (cond ((equal q '(:around)) (push m around))
              ((equal q (list name)) (push m primary))
              (t (invalid-method-error m "The qualifiers ~S are not allowed in the method combination ~S." q name)))))
    (setq around (nreverse around) primary (nreverse primary))
    (when (eq order :most-specific-last) (setq primary (reverse primary)))
    (if (null primary)
        (no-primary gf)
        (let* ((fns (mapcar #'%method-function primary))
               (main
                 (cond ((and one (null (cdr fns)))
                        (let ((f (car fns))) (lambda (args) (funcall f args nil))))
                       ((eq op 'and)
                        (lambda (args)
                          (let ((v t))
                            (dolist (f fns v)
                              (setq v (funcall f args nil))
                              (unless v (return nil))))))
                       ((eq op 'or)
                        (lambda (args)
                          (dolist (f fns nil)
                            (let ((v (funcall f args nil)))
                              (when v (return v))))))
                       ((eq op 'progn)
                        (lambda (args)
                          (let ((v nil))
                            (dolist (f fns v) (setq v (funcall f args nil))))))
                       (t (lambda (args)
                            (apply op (mapcar (lambda (f) (funcall f args nil)) fns)))))))
          (if around
              (let ((f (%method-function (car around)))
                    (next (append (mapcar #'%method-function (cdr around))
                                  (list (lambda (args next)
                                          (declare (ignore next))
                                          (funcall main args))))))
                (lambda (args) (funcall f args next)))
              main)))))

(defun compute-effective-method-function (gf args)
  (let ((methods (applicable-methods gf args)))
    (if (null methods)
        (lambda (args) (apply #'no-applicable-method (%gf-function gf) args))
        (let* ((mc (%gf-method-combination gf))
               (emf (if (eq (car mc) 'standard)
                        (standard-emf gf methods)
                        (simple-emf gf methods (car mc) (cdr mc))))
               (check (key-checker gf methods)))
          (if check
              (lambda (args) (funcall check args) (funcall emf args))
              emf)))))

(defun %call-next-method (method args next cnm-args)
  (when (and cnm-args (not (equal cnm-args args)))
    ;; CLHS call-next-method: new arguments must select the same methods.
    (let ((gf (%method-generic-function method)))
      (unless (equal (applicable-methods gf cnm-args) (applicable-methods gf args))
        (error "CALL-NEXT-METHOD with arguments ~S selects other methods than ~S." cnm-args args))))
  (let ((args (or cnm-args args)))
    (if next
        (funcall (car next) args (cdr next))
        (apply #'no-next-method (%gf-function (%method-generic-function method)) method args))))

(defun call-next-method (&rest args)
  (declare (ignore args))
  (error "CALL-NEXT-METHOD called outside a method body."))

(defun next-method-p ()
  (error "NEXT-METHOD-P called outside a method body."))

(defun invalid-method-error (method format-control &rest args)
  (error "Invalid method ~S: ~?" method format-control args))

(defun method-combination-error (format-control &rest args)
  (error "Method combination error: ~?" format-control args))

(defun function-keywords (method)
  (let ((i (analyze-lambda-list (%method-lambda-list method))))
    (values (fifth i) (sixth i))))

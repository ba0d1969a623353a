;;; Variables in compiled function bodies: special variables bound by
;;; let/let*/dotimes/dolist/lambda lists and seen by callees (and
;;; restored on every kind of exit), special declarations, closures
;;; capturing loop variables, setq of symbol macros, let/let* order.

(defmacro try (form)
  `(handler-case ,form
     (error (c) (list :error (type-of c)))))

(defvar *depth* 0)
(defun cur-depth () *depth*)

;;; dynamic bindings made by compiled let are seen by callees
(defun nest (n)
  (if (= n 0)
      (cur-depth)
      (let ((*depth* (1+ *depth*))) (nest (1- n)))))
(print (list (nest 3) *depth*))

(defun seen-by-callee ()
  (let* ((*depth* 10) (r1 (cur-depth)))
    (list r1 (let ((*depth* 20)) (cur-depth)) (cur-depth))))
(print (list (seen-by-callee) *depth*))

;;; ... and undone on return-from, error, throw
(defun exit-restores ()
  (block out (let ((*depth* 99)) (return-from out (cur-depth)))))
(print (list (exit-restores) *depth*))

(defun err-restores ()
  (handler-case (let ((*depth* 55)) (error "x"))
    (error () (cur-depth))))
(print (list (err-restores) *depth*))

(defun throw-restores ()
  (catch 'tag
    (let ((*depth* 66))
      (dotimes (i 3) (throw 'tag (list i (cur-depth)))))))
(print (list (throw-restores) *depth*))

(defun lambda-binds ()
  (let ((*depth* 7))
    (mapcar (lambda (x) (let ((*depth* (+ x *depth*))) (cur-depth)))
            '(1 2))))
(print (list (lambda-binds) *depth*))

(defun setq-special ()
  (let ((*depth* 1)) (setq *depth* 2) (cur-depth)))
(print (list (setq-special) *depth*))

;;; a closure does not capture a dynamic binding
(defun closure-special () (let ((*depth* 5)) (lambda () *depth*)))
(print (funcall (closure-special)))

;;; special loop variables
(defvar *item* :none)
(defun item () *item*)
(defun dolist-special ()
  (let (r) (dolist (*item* '(a b)) (push (item) r)) (list r (item))))
(print (dolist-special))
(defun dotimes-special ()
  (let (r) (dotimes (*depth* 3) (push (cur-depth) r)) (list r *depth*)))
(print (dotimes-special))

;;; special parameters of compiled functions and lambdas
(defun param-special (*item*) (item))
(print (list (param-special :p) (item)))
(print (funcall (lambda (*item*) (item)) :lambda-param))
(print (funcall (lambda (&optional (*item* :opt)) (item))))
(print (funcall (lambda (&key ((:k *item*) :kdef)) (item)) :k :kk))
(defun rest-special (&rest *item*) (item))
(print (rest-special 1 2))

;;; local special declarations
(defun show-x () (declare (special x)) x)
(defun f1 (x) (declare (special x)) (show-x))
(print (try (f1 10)))
(print (try (funcall (lambda (x) (declare (special x)) (show-x)) 11)))
(defun let-declared (v)
  (let ((x v)) (declare (special x)) (show-x)))
(print (try (let-declared 12)))
(defun dotimes-declared ()
  (let ((r nil))
    (dotimes (x 3) (declare (special x)) (push (show-x) r))
    r))
(print (try (dotimes-declared)))
(defun dolist-declared ()
  (let ((r nil))
    (dolist (x '(a b)) (declare (special x)) (push (show-x) r))
    r))
(print (try (dolist-declared)))

;;; closures capturing loop variables
(print (let ((fs nil))
         (dolist (x '(1 2 3)) (push (lambda () x) fs))
         (mapcar #'funcall fs)))
(print (let ((fs nil))
         (dotimes (i 3) (let ((j i)) (push (lambda () j) fs)))
         (mapcar #'funcall fs)))
(print (let ((fs nil))
         (dolist (x '(1 2 3))
           (push (lambda () (setq x (* x 10))) fs))
         (list (mapcar #'funcall fs) (mapcar #'funcall fs))))
(defun counter ()
  (let ((n 0)) (list (lambda () (incf n)) (lambda () n))))
(print (let ((c (counter)))
         (funcall (first c)) (funcall (first c))
         (funcall (second c))))

;;; let and let* ordering
(print (let ((x 1) (y 2)) (let ((x y) (y x)) (list x y))))
(print (let ((x 1) (y 2)) (let* ((x y) (y x)) (list x y))))
(print (funcall (lambda ()
                  (let ((a 1))
                    (let* ((a (+ a 1)) (b (* a 10)) (a (+ a b)))
                      (list a b))))))
(defun let-order ()
  (let ((log nil))
    (let ((a (push 1 log)) (b (push 2 log)) (c (push 3 log)))
      (list a b c))))
(print (let-order))
(defun parallel-special ()
  (let ((*depth* 1) (seen *depth*)) (list (cur-depth) seen)))
(print (parallel-special))
(defun sequential-special ()
  (let* ((*depth* 1) (seen *depth*)) (list (cur-depth) seen)))
(print (sequential-special))
(print (let (a (b) (c 3)) (list a b c)))

;;; setq and setf of symbol macros
(defvar *sm-target* (list 1 2))
(defun sm-setq ()
  (symbol-macrolet ((h (car *sm-target*)))
    (setq h 10) (setf h (+ h 1)) (incf h) h))
(print (list (sm-setq) *sm-target*))
(print (let ((l (list 1 2)))
         (symbol-macrolet ((tl (cdr l)))
           (funcall (lambda () (setq tl '(a b)) l)))))
(print (let ((v (vector 0 0)))
         (symbol-macrolet ((e (aref v 1)))
           (funcall (lambda () (setq e 5) (setf e (* e 2)) v)))))
(defun psetq-test () (let ((a 1) (b 2)) (psetq a b b a) (list a b)))
(print (psetq-test))

;;; setq of an undeclared variable inside a function sets the global
(defun set-fresh () (setq *fresh-global* 5) *fresh-global*)
(print (list (set-fresh) (symbol-value '*fresh-global*)))

;;; compile-file and load (CLHS 24.1): the compiled file loads back, the
;;; compile-time processing of top-level forms (CLHS 3.2.3.1), the load
;;; variables, and with-compilation-unit.
(defvar *dir* (format nil "/tmp/sl-compile-~36R/" (random (expt 36 8) (make-random-state t))))
(ensure-directories-exist *dir*)
(setf *default-pathname-defaults* (pathname *dir*))

(print (list (pathnamep *load-pathname*) (pathnamep *load-truename*) *load-print* *load-verbose*
             *compile-file-pathname* *compile-file-truename* *compile-print*))

(with-open-file (o "cf.lisp" :direction :output :if-exists :supersede)
  (write-string "(eval-when (:compile-toplevel) (print :compile-time))
(eval-when (:load-toplevel) (print :load-time))
(eval-when (:execute) (print :execute-only))
(eval-when (:compile-toplevel :load-toplevel :execute) (print :both))
(progn (eval-when (:compile-toplevel) (print :in-progn)))
(eval-when (:compile-toplevel)
  (print (list (pathnamep *compile-file-pathname*) (pathnamep *compile-file-truename*))))
(defmacro cf-twice (x) `(list ,x ,x))
(defun cf-fun () (cf-twice 21))
(defvar *cf-var* (cf-twice 'v))
" o))

(multiple-value-bind (out warnings failure) (compile-file "cf.lisp" :verbose nil)
  (terpri)
  (print (list (pathnamep out) (equal (pathname-name out) "cf") warnings failure
               (fboundp 'cf-fun) (boundp '*cf-var*)))
  (print (list :macro-known-after-compile (not (null (macro-function 'cf-twice)))))
  (load out)
  (terpri)
  (print (list (cf-fun) *cf-var*)))

;; load binds *package* and *readtable*, and :print shows the values
(defpackage "CF-PKG" (:use "COMMON-LISP"))
(with-input-from-string (s "(in-package \"CF-PKG\") (defun f () 'good) (values 1 2)")
  (load s :print t))
(print (list (package-name *package*) (funcall (find-symbol "F" "CF-PKG"))))
(print (let ((*readtable* *readtable*))
         (with-input-from-string (s "(setq *readtable* (copy-readtable nil)) (set-macro-character #\\! (get-macro-character #\\'))")
           (load s))
         (get-macro-character #\!)))

(print (multiple-value-list (with-compilation-unit ())))
(print (multiple-value-list (with-compilation-unit (:override t) (values 1 2))))
(print (handler-case (compile-file "no-such-file.lisp") (file-error () :file-error)))

(delete-file "cf.lisp")
(delete-file (compile-file-pathname "cf.lisp"))
#+sbcl (sb-ext:delete-directory *dir*)
#-sbcl (excl:delete-directory *dir*)
(terpri)

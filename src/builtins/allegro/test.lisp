;;;; Franz's test harness util.test (franz.com, Allegro CL 10.1,
;;;; test-harness.htm), read on (require :test). Each test macro counts
;;;; a success or a failure in *test-successes* / *test-errors* and
;;;; reports a failure with the form, what was wanted and what came.

(defpackage :util.test
  (:use :common-lisp)
  (:nicknames :test)
  (:export #:*break-on-test-failures* #:*error-protect-tests*
           #:*test-errors* #:*test-successes* #:*test-unexpected-failures*
           #:*announce-test* #:test #:test-error #:test-no-error
           #:test-warning #:test-no-warning #:with-tests))

(in-package :util.test)

(defvar *break-on-test-failures* nil)
(defvar *error-protect-tests* t)
(defvar *test-errors* 0)
(defvar *test-successes* 0)
(defvar *test-unexpected-failures* 0)
(defvar *announce-test* nil)

(defun %succeed ()
  (incf *test-successes*)
  t)

(defun %fail (form known-failure fail-info control &rest arguments)
  (incf *test-errors*)
  (unless known-failure (incf *test-unexpected-failures*))
  (format t "~& * * * ~:[UNEXPECTED~;EXPECTED~] TEST FAILURE * * *~%Test failed: ~s~%"
          known-failure form)
  (apply #'format t control arguments)
  (when fail-info (format t "~&Additional info: ~a~%" fail-info))
  (when *break-on-test-failures* (break "test failure"))
  nil)

(defun %run (thunk)
  ;; The values of THUNK, or (values nil condition) when it signals an
  ;; error and *error-protect-tests* is true.
  (if *error-protect-tests*
      (handler-case (values (multiple-value-list (funcall thunk)) nil)
        (error (c) (values nil c)))
      (values (multiple-value-list (funcall thunk)) nil)))

(defun %test (expected-thunk thunk form test multiple-values known-failure fail-info)
  (when *announce-test* (format t "~&Just did ~s~%" form))
  (multiple-value-bind (got error) (%run thunk)
    (let ((wanted (multiple-value-list (funcall expected-thunk))))
      (cond (error
             (%fail form known-failure fail-info
                    "~&  wanted: ~s~%  got an error: ~a~%" (first wanted) error))
            ((if multiple-values
                 (and (= (length wanted) (length got)) (every test wanted got))
                 (funcall test (first wanted) (first got)))
             (if known-failure
                 (%fail form known-failure fail-info "~&  (a known failure passed)~%")
                 (%succeed)))
            (t (%fail form known-failure fail-info
                      "~&  wanted: ~{~s~^, ~}~%     got: ~{~s~^, ~}~%"
                      (if multiple-values wanted (list (first wanted)))
                      (if multiple-values got (list (first got)))))))))

(defmacro test (expected form &key (test '#'eql) multiple-values known-failure fail-info reference)
  (declare (ignore reference))
  `(%test (lambda () ,expected) (lambda () ,form) ',form ,test ,multiple-values ,known-failure ,fail-info))

(defun %test-error (thunk form condition-type include-subtypes format-control format-arguments
                    known-failure fail-info)
  (let ((c (handler-case (progn (funcall thunk) nil) (error (c) c))))
    (cond ((null c)
           (%fail form known-failure fail-info "~&  wanted an error of type ~s; none was signalled~%"
                  condition-type))
          ((not (if include-subtypes
                    (typep c condition-type)
                    (eq (type-of c) condition-type)))
           (%fail form known-failure fail-info "~&  wanted an error of type ~s, got ~s: ~a~%"
                  condition-type (type-of c) c))
          ((and format-control
                (not (and (typep c 'simple-condition)
                          (equal format-control (simple-condition-format-control c))
                          (or (null format-arguments)
                              (equal format-arguments (simple-condition-format-arguments c))))))
           (%fail form known-failure fail-info "~&  wanted the message ~s, got: ~a~%" format-control c))
          (t (%succeed)))))

(defmacro test-error (form &key announce catch-breaks fail-info known-failure
                                (condition-type ''simple-error) include-subtypes
                                format-control format-arguments)
  (declare (ignore announce catch-breaks))
  `(%test-error (lambda () ,form) ',form ,condition-type ,include-subtypes
                ,format-control ,format-arguments ,known-failure ,fail-info))

(defmacro test-no-error (form &key announce catch-breaks fail-info known-failure)
  (declare (ignore announce catch-breaks))
  `(let ((c (handler-case (progn ,form nil) (error (c) c))))
     (if c
         (%fail ',form ,known-failure ,fail-info "~&  wanted no error, got: ~a~%" c)
         (%succeed))))

(defun %warns-p (thunk)
  (let ((warned nil))
    (handler-bind ((warning (lambda (w) (setq warned t) (muffle-warning w))))
      (funcall thunk))
    warned))

(defmacro test-warning (form &key fail-info known-failure)
  `(if (%warns-p (lambda () ,form))
       (%succeed)
       (%fail ',form ,known-failure ,fail-info "~&  wanted a warning; none was signalled~%")))

(defmacro test-no-warning (form &key fail-info known-failure)
  `(if (%warns-p (lambda () ,form))
       (%fail ',form ,known-failure ,fail-info "~&  wanted no warning; one was signalled~%")
       (%succeed)))

(defmacro with-tests ((&key (name "unnamed")) &body body)
  `(let ((*test-errors* 0) (*test-successes* 0) (*test-unexpected-failures* 0))
     (format t "~&Begin ~a test~%" ,name)
     (unwind-protect (progn ,@body)
       (format t "~&End ~a test~%" ,name)
       (format t "Errors detected in this test: ~d~@[ UNEXPECTED: ~d~]~%"
               *test-errors*
               (and (plusp *test-unexpected-failures*) *test-unexpected-failures*))
       (format t "Successes this test: ~d~%" *test-successes*))))

;;; util.test, Franz's test harness — franz.com, Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/test-harness.htm
;;; (require :test) loads it; test compares the value of FORM with
;;; EXPECTED (eql unless :test), test-error wants an error (of
;;; :condition-type, simple-error by default), test-no-error none,
;;; test-warning a warning; successes and failures are counted in
;;; *test-successes* and *test-errors*; with-tests reports them.
(require :test)
(use-package :util.test)
(with-tests (:name "sendletter")
  (test 2 (+ 1 1))
  (test "abc" (string-downcase "ABC") :test #'string=)
  (test '(1 2) (list 1 2) :test #'equal)
  (test 3 (+ 1 1))
  (test 3 (+ 1 1) :known-failure t)
  (test-error (error "boom"))
  (test-error (car 1) :condition-type 'type-error)
  (test-error (car 1) :condition-type 'error :include-subtypes t)
  (test-error (+ 1 1))
  (test-no-error (+ 1 1))
  (test-warning (warn "careful"))
  (test-no-warning (+ 1 1))
  (test (values 1 2) (values 1 2) :multiple-values t)
  (test (values 1 2) (values 1 3) :multiple-values t)
  (format t "counts ~d ~d~%" *test-successes* *test-errors*))
(format t "outside ~d ~d~%" util.test:*test-successes* test:*test-errors*)

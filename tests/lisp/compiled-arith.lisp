;;; Arithmetic and comparisons in compiled code: fixnums, overflow into
;;; bignums, ratios, floats, mixed types, and type errors, each inside a
;;; function body, a lambda and at top level.

(defmacro try (form)
  `(handler-case ,form
     (error (c) (list :error (type-of c)))))

(defun add (a b) (+ a b))
(defun sub (a b) (- a b))
(defun mul (a b) (* a b))
(defun inc (a) (1+ a))
(defun dec (a) (1- a))
(defun cmp (a b) (list (< a b) (> a b) (<= a b) (>= a b) (= a b)))

(print (list (add 1 2) (sub 1 2) (mul 3 4) (inc 9) (dec 0)))
(print (list (add 4611686018427387903 1)
             (add 9223372036854775807 1)
             (sub -9223372036854775808 1)))
(print (list (mul 4294967296 4294967296)
             (mul 9223372036854775807 -2)))
(print (list (inc 9223372036854775807)
             (dec -9223372036854775808)))
(print (list (add 1/2 1/3) (sub 1 1/2) (mul 2/3 3/2) (inc 1/2)))
(print (list (add 1 2.5) (sub 1.5d0 1) (mul 2 0.25) (dec 1.5)))
(print (cmp 1 2))
(print (cmp 2 2))
(print (cmp 3 2))
(print (cmp 1/2 0.5))
(print (cmp 100000000000000000000 1))
(print (cmp 2 2.0))
(print (try (add 1 "2")))
(print (try (inc nil)))
(print (try (cmp 1 'a)))
(print (try (mul :k 2)))

;;; the same inside a loop and a lambda
(print (let ((s 0)) (dotimes (i 100 s) (setq s (+ s (* i i))))))
(print (funcall (lambda (x) (list (+ x x) (- x) (* x x x) (1+ x))) 3037000500))
(print (mapcar (lambda (x) (< x 5)) '(1 5 9)))
(print (let ((n most-positive-fixnum)) (list (= (1+ n) (+ n 1)) (> (1+ n) n))))

;;; more or fewer arguments than two are ordinary calls
(print (list (+) (+ 1) (+ 1 2 3) (- 5) (< 1 2 3) (< 1 3 2) (= 1 1 1) (*)))

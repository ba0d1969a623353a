;;; tagbody, go, macrolet and loop in compiled function bodies and at top
;;; level: jumps forwards and backwards, from nested forms and closures,
;;; tags that are integers or NIL, local macros shadowing global ones,
;;; and loop's expansion (which uses all three).

(defmacro try (form)
  `(handler-case ,form
     (error (c) (list :error (type-of c)))))

(defun count-up (n)
  (let ((i 0) (acc nil))
    (tagbody
     top
       (when (>= i n) (go done))
       (push i acc)
       (setq i (+ i 1))
       (go top)
     done)
    (nreverse acc)))
(print (list (count-up 5) (count-up 0)))

(defun int-tags (x)
  (let ((r nil))
    (tagbody
       (if x (go 10) (go 20))
     10 (push :ten r) (go 30)
     20 (push :twenty r)
     30 (push :end r))
    r))
(print (list (int-tags t) (int-tags nil)))

(print (let ((r nil))
         (tagbody (go nil) (push :skipped r) nil (push :after-nil r))
         r))

(defun go-from-closure ()
  (let ((r nil))
    (tagbody
       (mapc (lambda (x) (when (> x 2) (go out)) (push x r)) '(1 2 3 4))
       (push :not-here r)
     out
       (push :out r))
    (nreverse r)))
(print (go-from-closure))

(defun tagbody-value () (list (tagbody 1 2) (tagbody (+ 1 2))))
(print (tagbody-value))
(print (multiple-value-list (tagbody (values 1 2))))

(defun nested-tagbodies ()
  (let ((r nil))
    (tagbody
       (tagbody (push :inner r) (go outer-tag) (push :no r))
       (push :no-either r)
     outer-tag
       (push :outer r))
    (nreverse r)))
(print (nested-tagbodies))

(defun escaped-go ()
  (let ((k nil))
    (tagbody (setq k (lambda () (go gone))) gone)
    (funcall k)))
(print (handler-case (escaped-go)
         (control-error () :control-error)))


;;; macrolet in compiled code
(defun sq-sum (list)
  (macrolet ((sq (x) `(* ,x ,x)))
    (let ((s 0)) (dolist (x list s) (setq s (+ s (sq x)))))))
(print (sq-sum '(1 2 3)))

(defun gfn2 (x) (list :global x))
(defun local-over-global ()
  (macrolet ((gfn2 (x) `(list :local ,x)))
    (list (gfn2 1) (funcall (lambda () (gfn2 2))))))
(print (list (local-over-global) (gfn2 3)))

(defun nested-macrolet ()
  (macrolet ((a () :outer-a))
    (macrolet ((b () `(list (a) :b)))
      (b))))
(print (nested-macrolet))

(defun macrolet-body (n)
  (macrolet ((twice (&body body) `(progn ,@body ,@body)))
    (let ((c 0)) (twice (setq c (+ c n))) c)))
(print (macrolet-body 5))

(defun macrolet-shadowed-by-flet ()
  (macrolet ((f () :macro))
    (list (f) (flet ((f () :flet)) (f)))))
(print (macrolet-shadowed-by-flet))

;;; loop, which expands into block, let, macrolet and tagbody
(defun loops (n)
  (list (loop for i below n collect i)
        (loop for i from 1 to n sum i)
        (loop for x in '(a b c) for i from 0 collect (cons i x))
        (loop for i below 10 while (< i n) count (evenp i))
        (loop for i below 100 when (> (* i i) n) return i)
        (loop for i from 0 do (when (= i 3) (loop-finish))
              finally (return (list :finished i)))
        (loop named outer for i below 3
              do (loop for j below 3
                       do (when (= (+ i j) 3) (return-from outer (list i j)))))
        (loop for x across #(1 2 3) maximize x)
        (loop repeat 3 collect :r)
        (loop for (a . b) in '((1 . 2) (3 . 4)) collect (+ a b))))
(print (subseq (loops 5) 0 5))
(print (subseq (loops 5) 5))
(print (loops 0))
(print (let ((fs (loop for i below 3 collect (lambda () i))))
         (length fs)))
(print (loop for i below 5 sum (loop for j below i sum j)))

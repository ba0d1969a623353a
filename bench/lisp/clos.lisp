;;; CLOS: generic function dispatch on three classes, accessor calls, an
;;; :around method with call-next-method, and make-instance.
;;; (*n* can be set before loading: sendletter -e '(defparameter *n* 1000)')
(defvar *n* 200000)

(defclass shape () ((name :initarg :name :initform "shape" :reader name)))
(defclass rect (shape) ((w :initarg :w :reader w) (h :initarg :h :reader h)))
(defclass square (rect) ())
(defclass circle (shape) ((r :initarg :r :reader r)))

(defgeneric area (shape))
(defmethod area ((s rect)) (* (w s) (h s)))
(defmethod area ((s circle)) (* 3 (r s) (r s)))
(defmethod area :around ((s square)) (+ 1 (call-next-method)))

(defun make-shape (i)
  (case (mod i 3)
    (0 (make-instance 'rect :w i :h 2))
    (1 (make-instance 'square :w i :h i))
    (t (make-instance 'circle :r i))))

(let ((total 0) (made 0))
  (dotimes (k (floor *n* 100))
    (let ((shapes (loop for i below 10 collect (make-shape (+ i k)))))
      (incf made (length shapes))
      (dotimes (j 10)
        (dolist (s shapes) (incf total (area s))))))
  (print (list total made)))

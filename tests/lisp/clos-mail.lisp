
;;;; The rendering of examples/clos-notifications.lisp (which sends each
;;;; notice with send-letter under --sink, tests/examples.rs), printed.
;;;; Notifications as classes: one class per kind of notice, a generic
;;;; RENDER with :around methods for the common frame, PRINT-OBJECT for
;;;; the log. Each notice is sent as one letter.
(defclass notification ()
  ((recipient :initarg :recipient :reader recipient)
   (created :initarg :created :initform "2024-05-01" :reader created)))

(defclass invoice-due (notification)
  ((amount :initarg :amount :reader amount)
   (days :initarg :days :initform 14 :reader days)))

(defclass password-reset (notification)
  ((token :initarg :token :reader token)))

(defclass urgent-invoice (invoice-due) ()
  (:default-initargs :days 3))

(defgeneric subject (notice))
(defmethod subject ((n invoice-due)) (format nil "Invoice due in ~D days" (days n)))
(defmethod subject ((n password-reset)) "Password reset")
(defmethod subject ((n urgent-invoice)) (format nil "URGENT: ~A" (call-next-method)))

(defgeneric render (notice stream))
(defmethod render ((n invoice-due) s)
  (format s "Please pay ~,2F EUR within ~D days.~%" (amount n) (days n)))
(defmethod render ((n password-reset) s)
  (format s "Your reset code is ~A.~%" (token n)))
(defmethod render :around ((n notification) s)
  (format s "Hello ~A,~%~%" (recipient n))
  (call-next-method)
  (format s "~%-- sent ~A~%" (created n)))
(defmethod render :before ((n urgent-invoice) s)
  (format s "This is your final reminder.~%"))

(defmethod print-object ((n notification) stream)
  (print-unreadable-object (n stream :type t)
    (format stream "to ~A" (recipient n))))

(defun body-of (notice)
  (with-output-to-string (s) (render notice s)))

(defvar *notices*
  (list (make-instance 'invoice-due :recipient "ann@example.com" :amount 12.5)
        (make-instance 'password-reset :recipient "bob@example.com" :token "XJ-42")
        (make-instance 'urgent-invoice :recipient "cy@example.com" :amount 99)))

(dolist (n *notices*)
  (format t "~A~%Subject: ~A~%~A~%" n (subject n) (body-of n)))
(print (mapcar #'recipient *notices*))

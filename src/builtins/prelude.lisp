;;;; The part of the standard library written in Lisp that must exist at
;;;; start-up: setf functions, a constant and a variable. The macros are in
;;;; macros.lisp, read when a script first uses one (builtins/prelude.rs).
(in-package :common-lisp)

(defconstant internal-time-units-per-second 1000000)
(defvar *modules* nil)

(defun (setf sys:getenv) (value name)
  (sendletter::%setenv name value))

(defsetf fill-pointer sendletter::set-fill-pointer)
(defsetf subseq sendletter::set-subseq)
(in-package :common-lisp-user)

;;; require — franz.com, Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/operators/cl/require.htm
;;; (require returns T when it loaded the module, NIL when already
;;; present) and https://franz.com/support/documentation/10.1/doc/packages.htm
;;; for the packages of modules sendletter does not provide.
(dolist (m '(:smtp :mime :osi :regexp2 :rfc2822 :imap))
  (format t "~s ~s~%" m (require m)))
(format t "again ~s~%" (require :smtp))
(format t "~s~%" (and (member "REGEXP2" *modules* :test #'string-equal) t))
(defun report (thunk)
  (handler-case (progn (funcall thunk) (format t "no error~%"))
    (error (c) (format t "~a~%" c))))
(report (lambda () (require :aserve)))
(report (lambda () (require :process)))
(report (lambda () (require :no-such-module)))
(report (lambda () (read-from-string "mp:process-run-function")))
(report (lambda () (read-from-string "socket:make-socket")))
(report (lambda () (read-from-string "net.aserve:start")))
(report (lambda () (use-package :net.aserve)))
(report (lambda () (read-from-string "no-such-package:foo")))
(report (lambda () (read-from-string "excl.osi:fork")))
(report (lambda () (read-from-string "excl:no-such-function")))

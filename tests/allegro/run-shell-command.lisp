;;; excl:run-shell-command and sys:reap-os-subprocess — franz.com,
;;; Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/run-shell-command.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/system/reap-os-subprocess.htm
;;; With :wait t (the default) the exit status is returned. With a
;;; :stream argument (or :wait nil) it returns at once: the stream (input,
;;; output or error, in that order of preference), the error-output stream
;;; if that is :stream, and the process id; reap-os-subprocess waits for
;;; the process and returns its exit status and pid.
(format t "~s~%" (run-shell-command "exit 3"))
(format t "~s~%" (run-shell-command #("/bin/sh" "sh" "-c" "exit 4")))
(multiple-value-bind (out err pid) (run-shell-command "echo one; echo two" :output :stream)
  (format t "~s ~s ~s~%" (read-line out) (read-line out) err)
  (close out)
  (multiple-value-bind (status reaped) (sys:reap-os-subprocess :pid pid)
    (format t "~s ~s~%" status (= reaped pid))))
(multiple-value-bind (in err pid) (run-shell-command "tr a-z A-Z > shell-out.tmp" :input :stream :wait nil)
  (declare (ignore err))
  (write-line "to the sort" in)
  (close in)
  (format t "~s~%" (sys:reap-os-subprocess :pid pid)))
(with-open-file (s "shell-out.tmp") (format t "~s~%" (read-line s)))
(multiple-value-bind (out err pid) (run-shell-command "echo bad >&2" :output :stream :error-output :stream)
  (format t "~s ~s~%" (read-line err) (read-line out nil :eof))
  (close out) (close err)
  (format t "~s~%" (sys:reap-os-subprocess :pid pid)))
(format t "~s~%" (run-shell-command "rm shell-out.tmp"))

(defun lines-of (cmd)
  #+sendletter
  (let ((s (excl:run-shell-command cmd :output :stream :wait nil)))
    (prog1 (loop for l = (read-line s nil) while l collect l)
      (close s)
      (sys:reap-os-subprocess)))
  #-sendletter
  (let ((p (sb-ext:run-program "/bin/sh" (list "-c" cmd) :output :stream :wait nil)))
    (prog1 (loop for l = (read-line (sb-ext:process-output p) nil) while l collect l)
      (sb-ext:process-wait p))))
(print (lines-of "printf 'a\\nb\\nc\\n'"))
(print (lines-of "true"))
(terpri)

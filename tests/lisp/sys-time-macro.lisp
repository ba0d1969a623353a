(print (let ((*trace-output* (make-broadcast-stream))) (time (+ 1 2))))
(print (multiple-value-list (let ((*trace-output* (make-broadcast-stream))) (time (values 1 2)))))
(terpri)

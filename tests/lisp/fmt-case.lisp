(format t "~(~a~)|~:(~a~)|~@(~a~)|~:@(~a~)~%" "Hello World" "hello big world" "hello WORLD" "hello")
(format t "~:(~a~)~%" "one-two three_four")
(format t "~@(~r~) dogs~%" 21)
(format t "~(~{~a~^ ~}~)~%" '(A B C))

(format t "one ~
           two ~
           three~%")
(format t "keep~:
   spaces~%")
(format t "newline~@
   kept~%")

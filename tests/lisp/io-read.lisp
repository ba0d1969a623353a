(with-input-from-string (s "1 (2 3) foo \"str\" #\\c 'q ; comment
  4.5 :kw")
  (loop for x = (read s nil :eof)
        until (eq x :eof)
        do (print x)))
(with-input-from-string (s "(a
  b
  c) rest")
  (print (read s))
  (print (read-line s)))
(terpri)

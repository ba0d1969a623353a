(dolist (pair '(("apple" "apply") ("abc" "abc") ("abc" "abcd") ("abcd" "abc") ("b" "a") ("" "")))
  (let ((a (first pair)) (b (second pair)))
    (print (list a b (string< a b) (string> a b) (string<= a b) (string>= a b) (string/= a b)))))

(dolist (pair '(("apple" . "apply") ("abc" . "abc") ("abc" . "abcd") ("abcd" . "abc") ("b" . "a") ("" . "")))
  (destructuring-bind (a . b) pair
    (format t "~s ~s ~s ~s ~s ~s ~s~%" a b (string< a b) (string> a b) (string<= a b) (string>= a b) (string/= a b))))

;;; regexp2: match-re, replace-re, split-re, quote-re, compile-re, re-let,
;;; re-case, re-lambda — franz.com, Allegro CL 10.1:
;;; https://franz.com/support/documentation/10.1/doc/regexp.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/match-re.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/replace-re.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/split-re.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/re-let.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/re-case.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/re-lambda.htm
;;; match-re returns T, the whole match and each submatch (NIL for a group
;;; that did not take part); :return :index gives (start . end); :return
;;; nil only T; no match is NIL.
(format t "~s~%" (multiple-value-list (match-re "a(b+)(c)?" "xxabbbd")))
(format t "~s~%" (multiple-value-list (match-re "a(b+)" "xxabbbd" :return :index)))
(format t "~s~%" (multiple-value-list (match-re "a(b+)" "xxabbbd" :return nil)))
(format t "~s~%" (match-re "z" "abc"))
(format t "~s~%" (multiple-value-list (match-re "ABC" "xabcx" :case-fold t)))
(format t "~s~%" (match-re "^b" "abc" :start 1))
(format t "~s~%" (match-re "^b" "abc" :start 1 :start-unbounded t))
(format t "~s~%" (match-re "c" "abc" :end 2))
;; back-references and look-around (Perl syntax)
(format t "~s~%" (multiple-value-list (match-re "(\\w)\\1" "abccd")))
(format t "~s~%" (multiple-value-list (match-re "foo(?=bar)" "foobaz foobar" :return :index)))
(format t "~s~%" (multiple-value-list (match-re "(?<!x)y" "xy zy" :return :index)))
(format t "~s~%" (multiple-value-list (match-re "^(\\d{4})-(\\d\\d)-(\\d\\d)$" "2024-03-15")))
(format t "~s~%" (multiple-value-list (match-re "^Subject: (.*)$" (format nil "From: a~%Subject: hi there~%To: b") :multiple-lines t)))
(format t "~s~%" (multiple-value-list (match-re '(:sequence :start-anchor "a" (:register (:greedy-repetition 1 nil :digit-class))) "a123b")))
;; replace-re examples from replace-re.htm
(format t "~s~%" (replace-re ":f" "(\\W)(\\w)" "\\1 \\2"))
(format t "~s~%" (replace-re "00a1b23c99" "\\d+" "#"))
(format t "~s~%" (replace-re "12345" "\\d(\\d+)(\\d)" "#\\1.\\2"))
(format t "~s~%" (replace-re "12345" "\\d(?<middle>\\d+)(?<tail>\\d)" "#\\k<middle>.\\k<tail>"))
(format t "~s~%" (replace-re "abc abc bc" "^abc\\s+" "_"))
(format t "~s~%" (replace-re "abc def " "def$" "_" :end 7))
(format t "~s~%" (replace-re "a1b2c3" "\\d" "#" :count 2))
(format t "~s~%" (replace-re "joe@example.com" "(\\w+)@(\\w+)" (lambda (m) (string-upcase (second m)))))
;; split-re examples from split-re.htm
(format t "~s~%" (split-re "-" "a-b-c-d"))
(format t "~s~%" (split-re ":" "1:2:3:4:5"))
(format t "~s~%" (split-re ":" "1:2:3:4:5" :return :index))
(format t "~s~%" (split-re ":" "a:b:c:d" :limit 3))
(format t "~s~%" (split-re ":" "1:2:3:4:"))
(format t "~s~%" (split-re "\\s*,\\s*" "to@a.com , cc@b.com,bcc@c.com"))
;; quote-re and compile-re
(format t "~s~%" (quote-re "a.b*c"))
(format t "~s~%" (match-re (quote-re "a.b*c") "xa.b*cx"))
(let ((re (compile-re "^(\\w+)@([\\w.]+)$" :case-fold t)))
  (format t "~s~%" (multiple-value-list (match-re re "Joe@Example.COM")))
  (format t "~s~%" (match-re re "not an address")))
(format t "~a~%" (handler-case (compile-re "a(b") (error () "bad regexp: error")))
;; re-let, re-case, re-lambda examples from re-let.htm
(format t "~s~%" (re-let "([^ ]+) ([^ ]+) ([^ ]+)" "foo the bar" ((foo 1) (bar 2) (baz 3)) (list foo bar baz)))
(format t "~s~%" (re-let "(abc|def)(.*)" "defabc" ((a 0) (b 1) (c 2)) (list a b c)))
(format t "~s~%" (re-let "x(\\d)" "abc" ((d 1)) (list d)))
(format t "~s~%" (re-let "(b)" "abc" ((x 1 :before) (y 1 :after)) (list x y)))
(dolist (s '("foo the barmy" "foo a barmy" "foo xx barmy"))
  (format t "~s~%" (re-case s
                     ("foo a (.*)" ((it 1)) (list it))
                     ("foo the (.*)" ((it 1)) (list it))
                     (t :no-match))))
(format t "~s~%" (funcall (re-lambda "([^ ]+) ([^ ]+) ([^ ]+)" ((foo 1) (bar 2) (baz 3)) (list foo bar baz)) "foo the bar"))
(format t "~s~%" (funcall (re-lambda "x" ((a 0)) a) "abc" :if-does-not-match :none))

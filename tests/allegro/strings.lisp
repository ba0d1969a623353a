;;; excl string and octet functions — franz.com, Allegro CL 10.1:
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/string-to-octets.htm
;;;   (null-terminate defaults to true: a 0 octet ends the vector; the
;;;   second value is the number of octets)
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/octets-to-string.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/delimited-string-to-list.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/list-to-delimited-string.htm
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/split-into-words.htm
;;; and util.string:string+ (Franz's aserve and imap sources).
(format t "~s~%" (multiple-value-list (string-to-octets "abc")))
(format t "~s~%" (string-to-octets "abc" :null-terminate nil))
(format t "~s~%" (string-to-octets "é" :external-format :utf8 :null-terminate nil))
(format t "~s~%" (string-to-octets "é" :external-format :latin1 :null-terminate nil))
(format t "~s~%" (string-to-octets "hello" :start 1 :end 3 :null-terminate nil))
(format t "~s~%" (octets-to-string (string-to-octets "Grüße" :null-terminate nil :external-format :utf8) :external-format :utf8))
(format t "~s~%" (multiple-value-list (octets-to-string (coerce #(104 105 33) '(vector (unsigned-byte 8))))))
(format t "~s~%" (octets-to-string (coerce #(233) '(vector (unsigned-byte 8))) :external-format :latin1))
(format t "~s~%" (octets-to-string #(97 98 99 100) :start 1 :end 3))
;; a character the external format lacks becomes #\?
(format t "~s~%" (string-to-octets "é" :external-format :ascii))
(format t "~s~%" (delimited-string-to-list "a,b,,c" #\,))
(format t "~s~%" (delimited-string-to-list "joe@a.com;ann@b.com" ";"))
(format t "~s~%" (list-to-delimited-string '("a" "b" "c")))
(format t "~s~%" (list-to-delimited-string '(1 :two "three") ", "))
(format t "~s~%" (list-to-delimited-string '("x" "y") #\:))
(format t "~s~%" (split-into-words "  To:   joe@example.com
  Cc: ann "))
(format t "~s~%" (util.string:string+ "port " 25 #\/ :smtp))

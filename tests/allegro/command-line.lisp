;; args: -v --to=joe@example.com -s Weekly extra1 --cc ann@example.com extra2
;;; sys:command-line-arguments, sys:command-line-argument,
;;; sys:command-line-argument-count — franz.com, Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/operators/system/command-line-arguments.htm
;;; With :application t (the default) the arguments are the executable
;;; name (argument 0) followed by the words after "--"; `sendletter
;;; SCRIPT WORDS…` passes WORDS as those.
;;; sys:with-command-line-arguments — franz.com, Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/operators/system/with-command-line-arguments.htm
;;; getopt-style scanning, left to right; "--" ends option scanning; an
;;; option with a companion binds its variable to the companion string, one
;;; without to T; restvar gets the remaining arguments.
(let ((args (sys:command-line-arguments)))
  (format t "count ~s = ~s~%" (length args) (sys:command-line-argument-count))
  (format t "program ~s~%" (pathname-name (first args)))
  (format t "rest ~s~%" (rest args))
  (format t "arg1 ~s~%" (sys:command-line-argument 1))
  (format t "arg99 ~s~%" (sys:command-line-argument 99))
  (format t "script-arguments ~s~%" (equal (rest args) (sendletter:script-arguments)))
  (format t "whole line has the script ~s~%"
          (and (member "command-line.lisp" (sys:command-line-arguments :application nil)
                       :test #'string=)
               t)))
(sys:with-command-line-arguments
    (("v" :short verbose)
     ("s" :short subject :required-companion)
     ("to" :long to :required-companion)
     ("cc" :long cc :required-companion :allow-multiple-options)
     ("n" :short dry-run))
    (rest)
  (format t "verbose ~s subject ~s to ~s cc ~s dry-run ~s~%" verbose subject to cc dry-run)
  (format t "rest ~s~%" rest))
;; The old form: an option string in getopt(3) syntax and its variables.
(sys:with-command-line-arguments ("vs:n" v s n)
    (rest :command-line-arguments '("prog" "-vn" "-s" "hi" "a" "--" "-x"))
  (format t "old form ~s ~s ~s ~s~%" v s n rest))
;; :posixly-correct stops at the first non-option word.
(sys:with-command-line-arguments (("v" :short v))
    (rest :command-line-arguments '("prog" "a" "-v") :posixly-correct t)
  (format t "posix ~s ~s~%" v rest))
;; An unknown option or a missing companion is an error.
(format t "~a~%"
        (handler-case
            (sys:with-command-line-arguments (("v" :short v))
                (rest :command-line-arguments '("prog" "-q"))
              (list v rest))
          (error (c) (princ-to-string c))))
(format t "~a~%"
        (handler-case
            (sys:with-command-line-arguments (("f" :short f :required-companion))
                (rest :command-line-arguments '("prog" "-f"))
              (list f rest))
          (error (c) (princ-to-string c))))

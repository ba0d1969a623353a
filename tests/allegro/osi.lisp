;;; excl.osi — franz.com, Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/os-interface.htm
;;; getpid/getuid/getgid return the process's ids; getpwuid/getpwnam a
;;; password entry read with the pwent-* accessors (NIL for no such
;;; user); stat an object read with stat-* accessors (times are universal
;;; times); command-output runs a command and returns its standard output
;;; and standard error as lists of lines (strings with :whole t) and its
;;; exit status. Values here are checked against the system's own tools.
(require :osi)
(use-package :excl.osi)
(defun sh (command) (first (command-output command)))
(format t "pid ~s~%" (= (getpid) (parse-integer (sh "echo $PPID"))))
(format t "uid ~s~%" (= (getuid) (parse-integer (sh "id -u"))))
(format t "gid ~s~%" (= (getgid) (parse-integer (sh "id -g"))))
(let ((pw (getpwuid (getuid))))
  (format t "pwent-p ~s~%" (pwent-p pw))
  (format t "name ~s~%" (string= (pwent-name pw) (sh "id -un")))
  (format t "uid ~s~%" (= (pwent-uid pw) (getuid)))
  (format t "gid ~s~%" (= (pwent-gid pw) (getgid)))
  (format t "dir ~s~%" (stringp (pwent-dir pw)))
  (format t "shell ~s~%" (stringp (pwent-shell pw)))
  (format t "by name ~s~%" (= (pwent-uid (getpwnam (pwent-name pw))) (getuid))))
(format t "root ~s ~s~%" (pwent-name (getpwuid 0)) (pwent-dir (getpwnam "root")))
(format t "no such user ~s~%" (getpwnam "no-such-user-sendletter"))
(format t "group 0 ~s~%" (grent-name (getgrgid 0)))
(multiple-value-bind (out err status) (command-output "echo one; echo two; echo oops >&2; exit 3")
  (format t "~s ~s ~s~%" out err status))
(format t "~s~%" (multiple-value-list (command-output "printf 'a\\nb\\n'" :whole t)))
(format t "~s~%" (first (command-output "tr a-z A-Z" :input "hello mail")))
(format t "~s~%" (first (command-output #("/bin/echo" "echo" "vector" "form"))))
(format t "~s~%" (first (command-output "pwd" :directory "/")))
(with-open-file (s "osi-stat.tmp" :direction :output :if-exists :supersede)
  (write-string "12345" s))
(let ((st (stat "osi-stat.tmp")))
  (format t "size ~s type ~s~%" (stat-size st) (stat-type st))
  (format t "uid ~s~%" (= (stat-uid st) (getuid)))
  (format t "mtime ~s~%" (<= (abs (- (stat-mtime st) (get-universal-time))) 60))
  (format t "mtime = file-write-date ~s~%" (= (stat-mtime st) (file-write-date "osi-stat.tmp")))
  (chmod "osi-stat.tmp" #o600)
  (format t "mode ~o~%" (logand (stat-mode (stat "osi-stat.tmp")) #o777)))
(format t "dir type ~s~%" (stat-type (stat "/")))
(unlink "osi-stat.tmp")
(format t "gone ~s~%" (probe-file "osi-stat.tmp"))
(format t "~a~%" (handler-case (stat "no-such-file") (file-error () "stat of a missing file: file-error")))

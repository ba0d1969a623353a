;;; Bidirectional file streams, integer element types wider than an
;;; octet, and the stream functions around them (CLHS 21).
(defvar *dir* (format nil "/tmp/sl-streams-~36R/" (random (expt 36 8) (make-random-state t))))
(ensure-directories-exist *dir*)
(setf *default-pathname-defaults* (pathname *dir*))

;; :direction :io reads what it wrote, at one position
(with-open-file (s "tmp.dat" :direction :io :if-exists :supersede)
  (write-string "abcdefghij" s)
  (file-position s :start)
  (print (read-line s nil)))
(with-open-file (s "tmp.dat" :direction :io :if-exists :overwrite)
  (write-sequence "wxyz" s)
  (file-position s :start)
  (print (read-line s nil)))
(with-open-file (s "tmp.dat" :direction :io :if-exists :append)
  (write-sequence "wxyz" s)
  (file-position s :start)
  (print (read-line s nil)))

;; integer elements in whole octets
(with-open-file (s "tmp.dat" :direction :output :if-exists :supersede
                             :element-type '(unsigned-byte 100))
  (write-byte (- (ash 1 100) 5) s)
  (write-byte 7 s)
  (print (stream-element-type s)))
(with-open-file (s "tmp.dat" :element-type '(unsigned-byte 100))
  (print (list (read-byte s) (read-byte s) (read-byte s nil :eof) (file-length s))))
(print (handler-case (with-open-file (s "tmp.dat" :direction :output :if-exists :supersede
                                                 :element-type '(unsigned-byte 8))
                       (write-byte 256 s))
         (type-error () :type-error)))
(with-open-file (s "tmp.dat" :direction :output :if-exists :supersede
                             :element-type '(signed-byte 9))
  (write-byte -3 s)
  (write-byte 255 s)
  (print (stream-element-type s)))
(with-open-file (s "tmp.dat" :element-type '(signed-byte 9))
  (print (list (read-byte s) (file-position s) (read-byte s) (read-byte s nil :eof))))
(with-open-file (s "tmp.dat" :direction :output :if-exists :supersede :element-type 'bit)
  (dotimes (i 10) (write-byte (logand i 1) s)))
(with-open-file (s "tmp.dat" :element-type 'bit)
  (let ((v (make-array 10))) (read-sequence v s) (print v)))
(with-open-file (s "tmp.dat" :direction :output :if-exists :supersede
                             :element-type '(unsigned-byte 8))
  (write-sequence #(1 5 9 13) s))
(with-open-file (s1 "tmp.dat" :element-type '(unsigned-byte 8))
  (with-open-file (s2 "tmp.dat" :element-type '(unsigned-byte 8))
    (let ((c (make-concatenated-stream s1 s2)) (v (make-array 8)))
      (print (list (read-sequence v c) v (stream-element-type c))))))

;; an empty concatenated stream is at end of file, whatever is read
(print (list (read-byte (make-concatenated-stream) nil :eof)
             (read-char (make-concatenated-stream) nil :eof)))

;; broadcast streams without components
(print (list (file-length (make-broadcast-stream))
             (file-position (make-broadcast-stream))
             (file-string-length (make-broadcast-stream) "abc")))

;; :probe with :if-does-not-exist :create makes the file
(print (not (null (open "new.dat" :direction :probe :if-does-not-exist :create))))
(print (not (null (probe-file "new.dat"))))

;; declarations at the head of the body
(print (with-open-file (s "tmp.dat") (declare (ignorable s)) :declared))
(print (with-input-from-string (s "abc") (declare (type stream s)) (read-char s)))
(print (with-output-to-string (s) (declare (type stream s)) (write-string "out" s)))
(print (with-open-stream (s (make-string-input-stream "xy")) (declare (type stream s)) (read-char s)))

;; peek-char skips what the readtable calls whitespace; echo streams do
;; not echo what is only peeked at
(print (let ((*readtable* (copy-readtable)))
         (set-syntax-from-char #\x #\Space)
         (with-input-from-string (s "xxa") (list (peek-char t s) (read-char s)))))
(print (with-input-from-string (is "ab")
         (with-output-to-string (os)
           (let ((es (make-echo-stream is os)))
             (peek-char nil es)
             (write-string (princ-to-string (file-position os)) os)))))

;; the sides of two-way streams must be an input and an output stream
(print (handler-case (make-two-way-stream *standard-output* *standard-output*)
         (type-error () :type-error)))
(print (handler-case (read-sequence (make-string 3) (make-string-input-stream "abc") :start nil)
         (type-error () :type-error)))

(delete-file "tmp.dat")
(delete-file "new.dat")
#+sbcl (sb-ext:delete-directory *dir*)
#-sbcl (excl:delete-directory *dir*)
(terpri)

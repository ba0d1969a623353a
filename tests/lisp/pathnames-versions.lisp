;;; Pathname versions (CLHS 19.2.2.1.2, merge-pathnames), :wild name and
;;; type components, and the directory forms that name no directory.
(print (list (pathname-version (make-pathname :name "foo"))
             (pathname-version (make-pathname :name "foo" :version :wild))
             (pathname-version (make-pathname :version :newest))
             (pathname-version (make-pathname :version 3))
             (pathname-version #p"foo")))
(print (list (pathname-name (make-pathname :name :wild))
             (pathname-type (make-pathname :type :wild))))
(print (list (pathname-version (merge-pathnames "foo" "/tmp/"))
             (pathname-version (merge-pathnames (make-pathname)))
             (pathname-version (merge-pathnames (make-pathname :name "x") (make-pathname) nil))
             (pathname-version (merge-pathnames (make-pathname :name "x" :version 2) "/tmp/"))))
(print (list (not (null (wild-pathname-p (make-pathname :version :wild))))
             (not (null (wild-pathname-p (make-pathname :version :wild) :version)))
             (wild-pathname-p (make-pathname :version :wild) :name)))
(print (handler-case (make-pathname :version "x") (type-error () :type-error)))
(print (handler-case (pathname-host "foo" '#:bogus t) (program-error () :program-error)))
(print (handler-case (directory (make-pathname :directory '(:relative :wild-inferiors :up)))
         (file-error () :file-error)))
(print (handler-case (directory (make-pathname :directory '(:absolute :up)))
         (file-error () :file-error)))
(print (pathname-name (make-pathname :name (make-array 3 :element-type 'character
                                                         :initial-contents "abc"
                                                         :adjustable t))))
(print (equal (truename "/tmp/") (probe-file "/tmp/")))

;; a wild pathname names no one file
(print (list (handler-case (probe-file (make-pathname :name :wild)) (file-error () :file-error))
             (handler-case (truename (make-pathname :name "x" :type :wild)) (file-error () :file-error))
             (handler-case (probe-file (make-pathname :name "x" :version :wild)) (file-error () :file-error))
             (handler-case (ensure-directories-exist (make-pathname :directory '(:relative :wild)))
               (file-error () :file-error))))
(terpri)

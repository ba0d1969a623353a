;;; *features* and excl:featurep — franz.com, Allegro CL 10.1,
;;; https://franz.com/support/documentation/10.1/doc/operators/excl/featurep.htm
;;; and the feature list of implementation.htm ("Features"): an Allegro CL
;;; 10.1 64-bit Linux x86-64 image has :allegro :linux :unix :x86-64
;;; :64bit :little-endian :allegro-v10.1 :allegro-version>=, and
;;; #+(version>= major minor) holds for releases at least that new.
(dolist (f '(:allegro :linux :unix :x86-64 :64bit :little-endian
             :allegro-v10.1 :allegro-version>= :common-lisp :sendletter))
  (format t "~s ~s~%" f (and (member f *features*) t)))
(format t "~s~%" (featurep :linux))
(format t "~s~%" (featurep :windows))
(format t "~s~%" (featurep '(and :unix (not :mswindows))))
(format t "~s~%" (featurep '(or :mswindows :macosx)))
(format t "~s~%" (featurep '(version>= 8 2)))
(format t "~s~%" (featurep '(version>= 10 1)))
(format t "~s~%" (featurep '(version>= 10 2)))
(format t "~s~%" (featurep '(version>= 11)))
(format t "~s~%" #+(version>= 9 0) :new-enough #-(version>= 9 0) :too-old)
(format t "~s~%" #+linux :sends #-linux :silently-does-nothing)

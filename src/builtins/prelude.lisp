;;;; Standard macros written in Lisp. Loaded once at start-up.
(in-package :common-lisp)
(in-package :common-lisp-user)

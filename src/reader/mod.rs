//! The Common Lisp reader (CLHS 2): text to forms, one form at a time.

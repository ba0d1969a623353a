;;;; Bounce report: count bounces per address, hard (5xx) versus soft.

(defun split-words (line)
  (loop for start = (position #\Space line :test-not #'char=)
          then (position #\Space line :start end :test-not #'char=)
        while start
        for end = (or (position #\Space line :start start) (length line))
        collect (subseq line start end)))

(defstruct bounce address (hard 0) (soft 0) last-date)

(let ((table (make-hash-table :test 'equal))
      (bad-lines 0))
  (with-open-file (in "data/bounces.txt")
    (loop for line = (read-line in nil)
          while line
          do (let ((words (split-words line)))
               (if (< (length words) 3)
                   (incf bad-lines)
                   (destructuring-bind (date address code &rest reason) words
                     (declare (ignore reason))
                     (let ((b (or (gethash address table)
                                  (setf (gethash address table)
                                        (make-bounce :address address)))))
                       (if (char= (char code 0) #\5)
                           (incf (bounce-hard b))
                           (incf (bounce-soft b)))
                       (setf (bounce-last-date b) date)))))))
  (let ((rows (sort (loop for b being the hash-values of table collect b)
                    (lambda (x y)
                      (or (> (bounce-hard x) (bounce-hard y))
                          (and (= (bounce-hard x) (bounce-hard y))
                               (string< (bounce-address x) (bounce-address y))))))))
    (format t "~&~20a ~4@a ~4@a  ~a~%" "address" "hard" "soft" "last")
    (dolist (b rows)
      (format t "~20a ~4d ~4d  ~a~%" (bounce-address b) (bounce-hard b)
              (bounce-soft b) (bounce-last-date b)))
    (format t "~&Unsubscribe: ~{~a~^, ~}~%"
            (loop for b in rows when (>= (bounce-hard b) 2) collect (bounce-address b)))
    (format t "~d unreadable line~:p~%" bad-lines)
    (format t "Total bounces: ~d~%"
            (loop for b in rows sum (+ (bounce-hard b) (bounce-soft b))))))

;;;; City digest: group subscribers by city and write one summary each.

(defun split (line sep)
  (loop for start = 0 then (1+ end)
        for end = (position sep line :start start)
        collect (subseq line start end)
        while end))

(defun first-name (name)
  (subseq name 0 (or (position #\Space name) (length name))))

(let ((by-city (make-hash-table :test 'equal))
      (plans (make-hash-table :test 'equal)))
  (with-open-file (in "data/recipients.csv")
    (read-line in)
    (loop for line = (read-line in nil)
          while line
          for (name nil city plan) = (mapcar (lambda (s) (string-trim " " s)) (split line #\,))
          do (push (first-name name) (gethash city by-city))
             (incf (gethash plan plans 0))))
  (loop for city in (sort (loop for c being the hash-keys of by-city collect c) #'string<)
        for people = (sort (copy-list (gethash city by-city)) #'string<)
        do (format t "~a (~d subscriber~:p): ~{~a~^, ~}~%" city (length people) people))
  (format t "~{~{~a: ~d~}~^; ~}~%"
          (sort (loop for p being the hash-keys of plans using (hash-value n)
                      collect (list (string-upcase p) n))
                (lambda (a b)
                  (or (> (second a) (second b))
                      (and (= (second a) (second b)) (string< (first a) (first b)))))))
  (format t "~@(~a~) cities, ~r subscribers in all.~%"
          (format nil "~r" (hash-table-count by-city))
          (loop for c being the hash-values of by-city sum (length c))))

;;;; An Allegro script that knows nothing of DKIM: the signature comes
;;;; from the configuration outside it (examples/dkim/dkim.conf).
;;;; Try it (after making the keys, see dkim/dkim.conf):
;;;;   sendletter --dkim-config dkim/dkim.conf --sink out dkim-report.lisp
;;;; out/000001.eml then starts with "DKIM-Signature: v=1; a=rsa-sha256; ...",
;;;; out/000002.eml with "DKIM-Signature: v=1; a=ed25519-sha256; ...".
;;;; Run it from the examples folder: key and attachment names are relative.

(send-letter "localhost" "reports@example.com" '("boss@example.com" "team@example.com")
             (format nil "Good morning,~%~%the nightly report is attached.~%")
             :subject "Nightly report"
             :attachments '("data/report.csv"))

;; New scripts may also choose the key themselves (a sendletter extension):
(let ((net.post-office:*dkim* '(:domain "example.org" :selector "ed2026"
                                :key-file "dkim/keys/example.org-ed25519.pem"
                                :canonicalization "relaxed/relaxed" :expire 604800)))
  (send-letter "localhost" "alerts@example.org" "ops@example.com"
               "Disk usage is back to normal."
               :subject "All clear"))
(format t "sent~%")

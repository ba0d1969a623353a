(format t "[~c] [~:c] [~:c] [~:c] [~@c] [~:c]~%" #\a #\space #\newline #\a #\a #\tab)
(format t "[~c~c~c]~%" #\x #\y #\z)

(format t "[~10<foo~;bar~>] [~10:<foo~;bar~>] [~10@<foo~;bar~>]~%")
(format t "[~10<foo~>] [~11<a~;b~;c~;d~>] [~13<a~;b~;c~>]~%")
(format t "[~10:@<mid~>] [~8,,,'-<x~;y~>]~%")
(format t "[~5<toolongtext~>]~%")

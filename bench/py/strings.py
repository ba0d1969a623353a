# String building: the same as bench/lisp/strings.lisp.
s = ""
for i in range(3000):
    s = s + "{},".format(i)
print(len(s))

parts = []
for i in range(30000):
    parts.insert(0, "rcpt-{}-{}@example.com".format("user", i))
print(len("".join(parts)))

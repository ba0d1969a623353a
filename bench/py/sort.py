# Sorting 50,000 pseudo-random integers: the same as bench/lisp/sort.lisp.
l = []
x = 12345
for i in range(50000):
    x = (x * 1103515245 + 12345) % 2147483648
    l.append(x)
s = sorted(l)
print([s[0], s[-1], len(s)])

# Counting with dicts: the same as bench/lisp/hash.lisp.
h = {}
for i in range(200000):
    k = (i * 7) % 1000
    h[k] = h.get(k, 0) + 1
print([len(h), h[7]])

h = {}
for i in range(30000):
    k = "k{}".format(i % 1000)
    h[k] = h.get(k, 0) + 1
print([len(h), h["k7"]])

# The CLOS workload in Python classes: dispatch on three classes, attribute
# reads, an overriding method calling super(), object creation.
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000


class Shape:
    def __init__(self, name="shape"):
        self.name = name


class Rect(Shape):
    def __init__(self, w, h):
        super().__init__()
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h


class Square(Rect):
    def area(self):
        return 1 + super().area()


class Circle(Shape):
    def __init__(self, r):
        super().__init__()
        self.r = r

    def area(self):
        return 3 * self.r * self.r


def make_shape(i):
    m = i % 3
    if m == 0:
        return Rect(i, 2)
    if m == 1:
        return Square(i, i)
    return Circle(i)


total = made = 0
for k in range(N // 100):
    shapes = [make_shape(i + k) for i in range(10)]
    made += len(shapes)
    for j in range(10):
        for s in shapes:
            total += s.area()
print()
print("(%d %d) " % (total, made), end="")

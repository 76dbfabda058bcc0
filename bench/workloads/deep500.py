"""Benchmark workload: a 500-frame-deep stack. It recurses 500 levels and, at the bottom,
alternates leaf_long (3 units of work) and leaf_short (1 unit), so every sample carries 500+
frames. Ground truth: the time in each leaf. Usage: deep500.py SECONDS."""
import sys

from _report import Phases, clock, report

DEPTH = 500


def work(units):
    total = 0
    for i in range(units * 2000):
        total += i
    return total


def leaf_long():
    work(3)


def leaf_short():
    work(1)


def descend(n, rounds, phases):
    if n > 0:
        return descend(n - 1, rounds, phases)
    for _ in range(rounds):
        t0 = clock()
        leaf_long()
        t1 = clock()
        leaf_short()
        t2 = clock()
        phases.add("leaf_long", t1 - t0)
        phases.add("leaf_short", t2 - t1)


def main(rounds, phases):
    descend(DEPTH, rounds, phases)


if __name__ == "__main__":
    sys.setrecursionlimit(5000)
    rounds = int(float(sys.argv[1]) * 5700)
    phases = Phases()
    start = clock()
    main(rounds, phases)
    wall = clock() - start
    report("main", wall, phases.seconds, wall)

"""Benchmark workload: recursion-heavy CPU code. Each round runs naive fib(18) and then the
towers of Hanoi on 11 discs, so the stack changes every few hundred nanoseconds: the hardest case
for a profiler that does not pause its target. Ground truth: the time in fib and in hanoi.
Usage: recursion.py SECONDS (about how long the fixed amount of work takes unprofiled), or
recursion.py SECONDS --timed (rounds until SECONDS of wall time have passed)."""
import sys

from _report import Phases, clock, report


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def hanoi(n, a, b, c):
    if n == 0:
        return 0
    return hanoi(n - 1, a, c, b) + 1 + hanoi(n - 1, c, b, a)


def main(rounds, phases, until=None):
    done = 0
    while done < rounds if until is None else clock() < until:
        done += 1
        t0 = clock()
        fib(18)
        t1 = clock()
        hanoi(11, 1, 2, 3)
        t2 = clock()
        phases.add("fib", t1 - t0)
        phases.add("hanoi", t2 - t1)


if __name__ == "__main__":
    seconds = float(sys.argv[1])
    timed = "--timed" in sys.argv[2:]
    rounds = int(seconds * 2600)
    phases = Phases()
    start = clock()
    main(rounds, phases, until=start + seconds if timed else None)
    wall = clock() - start
    report("main", wall, phases.seconds, wall)

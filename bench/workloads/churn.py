"""Benchmark workload: code-object churn, with the test fixture's function template
(test/fixtures/python/code_churn.py, copied beside this file): every round compiles, runs and
frees a new function fn_<i>_<ms> that spins <ms> ms (1 and 4 in turn). Ground truth: the
measured time in the 1 ms and the 4 ms functions, found by name pattern, so a profiler that
reports a freed function's name for a new one is caught when the two differ in length.
Usage: churn.py SECONDS."""
import sys
import time

from code_churn import TEMPLATE
from _report import Phases, clock, report


def main(rounds, phases):
    for i in range(rounds):
        ms = 1 if i % 2 == 0 else 4
        namespace = {"perf_counter": time.perf_counter}
        exec(compile(TEMPLATE.format(i=i, ms=ms), "<churn-%d>" % i, "exec"), namespace)
        t0 = clock()
        namespace["fn_%d_%d" % (i, ms)]()
        phases.add("short" if ms == 1 else "long", clock() - t0)
        del namespace


if __name__ == "__main__":
    rounds = int(float(sys.argv[1]) * 300)
    phases = Phases()
    start = clock()
    main(rounds, phases)
    wall = clock() - start
    report("main", wall, phases.seconds, wall, {"short": r"^fn_\d+_1$", "long": r"^fn_\d+_4$"})

"""Benchmark workload: code-object churn, the test fixture test/fixtures/python/code_churn.py
(copied beside this file): every round compiles, runs and frees a new function fn_<i>_<ms> that
spins <ms> ms (1 and 4 in turn). Ground truth: the time in the 1 ms and the 4 ms functions,
found by name pattern, so a profiler that reports a freed function's name for a new one is
caught when the two differ in length. Usage: churn.py SECONDS."""
import sys

import code_churn
from _report import clock, report

if __name__ == "__main__":
    rounds = int(float(sys.argv[1]) * 300)
    start = clock()
    code_churn.main(rounds)
    wall = clock() - start
    pairs = rounds // 2
    report("main", wall, {"short": pairs * 0.001, "long": (rounds - pairs) * 0.004}, wall,
           {"short": r"^fn_\d+_1$", "long": r"^fn_\d+_4$"})

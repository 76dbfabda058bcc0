"""Benchmark workload: the accuracy test's fixture (test/fixtures/python/split.py, copied beside
this file), which busy-waits in alpha, beta and gamma in a 50/30/20 ratio for a fixed time and
measures the split it really had. Its run time is fixed, not its work, so it has no slowdown.
Usage: known_split.py SECONDS."""
import contextlib
import io
import json
import sys

import split
from _report import clock, report

if __name__ == "__main__":
    out = io.StringIO()
    start = clock()
    with contextlib.redirect_stdout(out):
        split.main(float(sys.argv[1]))
    wall = clock() - start
    shares = json.loads(out.getvalue().strip().splitlines()[-1])
    report("main", wall, {k: v * wall for k, v in shares.items()}, wall)

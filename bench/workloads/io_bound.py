"""Benchmark workload: I/O-bound. Each round writes 256 KiB to a temporary file and fsyncs it
(write_file), reads it back (read_file) and sleeps 1 ms (wait), so the process is mostly off the
CPU. Ground truth: the wall time in each. It runs rounds for SECONDS of wall time rather than a
fixed number of rounds, since how long an fsync takes depends on the storage more than on
anything else. Usage: io_bound.py SECONDS."""
import os
import sys
import tempfile
import time

from _report import Phases, clock, report

CHUNK = b"x" * (256 * 1024)


def write_file(path):
    with open(path, "wb") as f:
        f.write(CHUNK)
        f.flush()
        os.fsync(f.fileno())


def read_file(path):
    with open(path, "rb") as f:
        return len(f.read())


def wait():
    time.sleep(0.001)


def main(seconds, path, phases):
    end = clock() + seconds
    while clock() < end:
        t0 = clock()
        write_file(path)
        t1 = clock()
        read_file(path)
        t2 = clock()
        wait()
        t3 = clock()
        phases.add("write_file", t1 - t0)
        phases.add("read_file", t2 - t1)
        phases.add("wait", t3 - t2)


if __name__ == "__main__":
    phases = Phases()
    with tempfile.TemporaryDirectory() as tmp:
        start = clock()
        main(float(sys.argv[1]), os.path.join(tmp, "data"), phases)
        wall = clock() - start
    report("main", wall, phases.seconds, wall)

"""Benchmark workload: 50 threads, each alternating a CPU chunk (compute, contending for the GIL)
and a 2 ms sleep (pause). Ground truth: the wall time every thread spent in each, summed over
threads. Usage: threads50.py SECONDS."""
import sys
import threading
import time

from _report import Phases, clock, report

THREADS = 50


def compute():
    total = 0
    for i in range(20000):
        total += i * i
    return total


def pause():
    time.sleep(0.002)


def worker(rounds, phases):
    t_start = clock()
    for _ in range(rounds):
        t0 = clock()
        compute()
        t1 = clock()
        pause()
        t2 = clock()
        phases.add("compute", t1 - t0)
        phases.add("pause", t2 - t1)
    phases.add("worker", clock() - t_start)


if __name__ == "__main__":
    rounds = int(float(sys.argv[1]) * 23)
    phases = Phases()
    threads = [threading.Thread(target=worker, args=(rounds, phases)) for _ in range(THREADS)]
    start = clock()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = clock() - start
    scope = phases.seconds.pop("worker")
    report("worker", scope, phases.seconds, wall)

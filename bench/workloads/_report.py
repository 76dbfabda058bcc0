"""Shared by the benchmark workloads: times named phases with the wall clock and prints, at the
end, one JSON line the benchmark reads: the process id, its wall and CPU seconds, and the ground
truth (each group's share of the scope function's time, and how to find the group in a stack)."""
import json
import os
import resource
import threading
import time

clock = time.perf_counter
_lock = threading.Lock()


class Phases:
    """Wall seconds spent in each named phase, summed over all threads."""

    def __init__(self):
        self.seconds = {}

    def add(self, name, seconds):
        with _lock:
            self.seconds[name] = self.seconds.get(name, 0.0) + seconds


def spin(seconds):
    end = clock() + seconds
    while clock() < end:
        pass


def report(scope, scope_seconds, truth_seconds, wall_s, patterns=None):
    """`scope`: the function whose samples are the whole (its time: `scope_seconds`, summed over
    threads); `truth_seconds`: group → seconds inside it; `patterns`: group → regex on function
    names (default: the group's own name)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({
        "bench": 1,
        "pid": os.getpid(),
        "wall_s": wall_s,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "scope": scope,
        "scope_s": scope_seconds,
        "truth": {k: v / scope_seconds for k, v in truth_seconds.items()},
        "patterns": patterns or {},
    }), flush=True)

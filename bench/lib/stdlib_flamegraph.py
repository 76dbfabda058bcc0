"""The stdlib profiler's flamegraph writer on the same synthetic 1,000,000-sample profile that
bench/lib/write-format.mjs gives Tachyon's writers (same generator, same seed, so the same
stacks and counts), for a side-by-side time and size. Runs under CPython 3.15 in the sid
chroot: feeds profiling.sampling's FlamegraphCollector the samples (identical stacks batched,
as its replay does) and exports the HTML. Prints JSON: collect and export times, peak RSS, size.
Usage: python3.15 stdlib_flamegraph.py SAMPLES OUTFILE"""
import collections
import json
import os
import resource
import sys
import time

from profiling.sampling.stack_collector import FlamegraphCollector

Frame = collections.namedtuple("FrameInfo", "filename location funcname opcode")
Location = collections.namedtuple("LocationInfo", "lineno end_lineno col_offset end_col_offset")
Thread = collections.namedtuple("ThreadInfo", "thread_id status frame_info")
Interpreter = collections.namedtuple("InterpreterInfo", "interpreter_id threads")

seed = 0x9E3779B9


def random():
    """write-format.mjs's xorshift32, bit for bit."""
    global seed
    seed ^= (seed << 13) & 0xFFFFFFFF
    seed ^= seed >> 17
    seed ^= (seed << 5) & 0xFFFFFFFF
    return seed / 2**32


def main(samples, out):
    funcs = [(f"module{i % 60}.function_{i}", f"/srv/app/pkg{i % 60}/module{i % 60}.py") for i in range(600)]
    stacks = []
    for _ in range(5000):
        depth = 8 + int(random() * 52)
        frames = []
        for _ in range(depth):
            func = int(random() * len(funcs))
            line = 11 + func + int(random() * 10)
            name, filename = funcs[func]
            # Leaf first, as the stdlib's unwinder gives them and as write-format.mjs builds them.
            frames.append(Frame(filename, Location(line, line, -1, -1), name, None))
        stacks.append(frames)
    counts = collections.Counter()
    for i in range(samples):
        counts[(1000 + i % 4, int(random() ** 2 * 5000))] += 1

    collector = FlamegraphCollector(1000)
    start = time.perf_counter()
    for (tid, stack), count in counts.items():
        sample = [Interpreter(0, [Thread(tid, 0, stacks[stack])])]
        collector.collect(sample, timestamps_us=[0] * count)
    collected = time.perf_counter()
    collector.export(out)
    exported = time.perf_counter()
    print(json.dumps({
        "collectMs": (collected - start) * 1000,
        "exportMs": (exported - collected) * 1000,
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "sizeBytes": os.path.getsize(out),
        "distinctStacks": len(counts),
    }))


main(int(sys.argv[1]), sys.argv[2])

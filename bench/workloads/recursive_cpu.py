"""Benchmark workload: recursion-heavy CPU code. A loop calls naive fib(18) forever, so the
stack (about 20 frames deep) changes constantly: the hardest case for a profiler that does not
pause its target. Prints "ready" once running."""
import sys


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


def main():
    print("ready", flush=True)
    while True:
        fib(18)


if __name__ == "__main__":
    sys.exit(main())

"""Tachyon's demo workload: a few seconds of ordinary Python work (a prime sieve, word counting
over generated text, JSON round trips and a recursive tree walk) with a visible shape in the
report. Run it with: npm run demo"""
import json
import random
import sys


def sieve(limit):
    flags = bytearray([1]) * (limit + 1)
    flags[0:2] = b"\x00\x00"
    for n in range(2, int(limit ** 0.5) + 1):
        if flags[n]:
            flags[n * n :: n] = bytearray(len(flags[n * n :: n]))
    return [n for n, is_prime in enumerate(flags) if is_prime]


def make_text(words, rng):
    vocabulary = ["tachyon", "sample", "stack", "frame", "python", "profile", "thread", "helper"]
    return " ".join(rng.choice(vocabulary) for _ in range(words))


def count_words(text):
    counts = {}
    for word in text.split():
        counts[word] = counts.get(word, 0) + 1
    return counts


def json_round_trip(data, times):
    for _ in range(times):
        data = json.loads(json.dumps(data))
    return data


def build_tree(depth):
    if depth == 0:
        return []
    return [build_tree(depth - 1), build_tree(depth - 1)]


def tree_size(tree):
    return 1 + sum(tree_size(child) for child in tree)


def main():
    rng = random.Random(1)
    for round_number in range(20):
        primes = sieve(400_000)
        counts = count_words(make_text(60_000, rng))
        json_round_trip({"primes": primes[:2000], "counts": counts}, 60)
        size = tree_size(build_tree(15))
        # Progress goes to stderr, so that a report printed on stdout stays clean.
        print(f"round {round_number}: {len(primes)} primes, {sum(counts.values())} words, tree of {size} nodes", file=sys.stderr)


if __name__ == "__main__":
    main()

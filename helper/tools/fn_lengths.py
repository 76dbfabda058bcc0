#!/usr/bin/env python3
"""Prints the longest functions of the helper's Zig sources (lines from `fn` to its closing
brace, tests excluded), longest first: `python3 helper/tools/fn_lengths.py [files...] [--top N]`."""
import re, sys, pathlib

def functions(path):
    lines = path.read_text().split('\n')
    for i, line in enumerate(lines):
        m = re.match(r'^(\s*)(pub )?fn (\w+)\(', line)
        if not m:
            continue
        indent = m.group(1)
        for j in range(i, len(lines)):
            if lines[j] == indent + '}' or (j == i and line.rstrip().endswith('}')):
                yield j - i + 1, f'{path}:{i + 1}', m.group(3)
                break

args = [a for a in sys.argv[1:] if not a.startswith('--')]
top = int(sys.argv[sys.argv.index('--top') + 1]) if '--top' in sys.argv else 15
if '--top' in sys.argv:
    args.remove(str(top))
paths = [pathlib.Path(a) for a in args] or sorted(pathlib.Path('helper').rglob('*.zig'))
found = sorted((f for p in paths for f in functions(p)), reverse=True)
for length, where, name in found[:top]:
    print(f'{length:4d}  {name:28s} {where}')

/**
 * `--native` on every supported interpreter: in native_calls.py, sorted() (C) calls key()
 * (Python). From 3.11, where the interpreter marks where C called into Python, the stacks read
 * `<native>;<module>;main;<native>;key`: a `<native>` frame between main and key, one at the root
 * (the interpreter entering the module from C), never a leaf. Before 3.11 nothing marks C calls
 * and there are no `<native>` frames; without --native there never are.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { readCollapsed, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-native-'));

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`<native> frames where C calls Python (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const file = path.join(out, `${interpreter.label}.txt`);
    const result = await tachyon(['run', '--python', interpreter.python, '--native', '--collapsed', '-o', file, `${fixtures}/native_calls.py`, '1']);
    t.equal(result.exitCode, 0, result.stderr);
    const lines = readCollapsed(file);
    const inKey = lines.filter((l) => l.frames.some((f) => f.func === 'key'));
    const total = inKey.reduce((n, l) => n + l.count, 0);
    t.ok(total > 100, `${total} samples in key`);
    t.notOk(lines.some((l) => l.frames[l.frames.length - 1]?.func === '<native>'), 'never a leaf');
    const names = (l: (typeof lines)[number]): string => l.frames.map((f) => f.func).join(';');
    const shaped = inKey.filter((l) => names(l).startsWith('<native>;<module>;main;<native>;key')).reduce((n, l) => n + l.count, 0);
    if (Number(interpreter.minor.split('.')[1]) >= 11) {
      t.ok(shaped / total > 0.95, `${shaped} of ${total} key samples read <native>;<module>;main;<native>;key`);
      t.notMatch(result.stderr, /--native shows nothing/, 'no warning from 3.11 on');
    } else {
      t.notOk(lines.some((l) => l.frames.some((f) => f.func === '<native>')), 'no <native> frames before 3.11');
      t.match(result.stderr, /tachyon: warning: --native shows nothing on Python 3\.\d+\.\d+: before 3\.11/, 'and a warning says so');
    }
    const plain = path.join(out, `${interpreter.label}-plain.txt`);
    const without = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', plain, `${fixtures}/native_calls.py`, '0.3']);
    t.equal(without.exitCode, 0, without.stderr);
    t.notOk(readCollapsed(plain).some((l) => l.frames.some((f) => f.func === '<native>')), 'none without --native');
  });
}

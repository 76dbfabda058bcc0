/**
 * A coroutine suspended while its frame is being read loses the link to its caller; a walk
 * that trusted the cut chain would report a stack that stops at the coroutine (before this
 * check, a third of the asyncio server benchmark's samples on 3.14). With tasks switching
 * thousands of times a second (test/fixtures/python/coroutine_hops.py), every sampled stack
 * through hop() must still reach main(), and the torn reads must mostly succeed when re-read
 * (failed samples under 15% at 5 kHz). 3.11+ only: before 3.11 the helper cannot tell a cut
 * chain from a whole one (frame objects carry no owner), a gap docs/protocol.md states.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { parseSummary, readCollapsed, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-hops-'));

for (const interpreter of [...olderInterpreters(), ...coreInterpreters()].filter((i) => Number(i.minor.split('.')[1]) >= 11)) {
  t.test(`no stack through a switching coroutine is cut short (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const file = path.join(out, `${interpreter.label}.txt`);
    const result = await tachyon(['run', '-r', '5k', '--python', interpreter.python, '--collapsed', '-o', file, `${fixtures}/coroutine_hops.py`, '1.5']);
    t.equal(result.exitCode, 0, result.stderr);
    t.ok(parseSummary(result.stderr).failedPct < 15, `failed samples under 15% (${parseSummary(result.stderr).failedPct}%)`);
    const lines = readCollapsed(file);
    const hops = lines.filter((l) => l.frames.some((f) => f.func === 'hop'));
    const hopSamples = hops.reduce((n, l) => n + l.count, 0);
    const cut = hops.filter((l) => !l.frames.some((f) => f.func === 'main'));
    const cutSamples = cut.reduce((n, l) => n + l.count, 0);
    t.ok(hopSamples > 100, `hop() sampled (${hopSamples} samples)`);
    t.equal(cutSamples, 0, `stacks through hop() that do not reach main(): ${cut.slice(0, 3).map((l) => l.frames.map((f) => f.func).join(';')).join(' | ')}`);
  });
}

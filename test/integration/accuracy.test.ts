/**
 * Sampling accuracy against ground truth: split.py spends its time in alpha, beta and gamma in a
 * 50/30/20 ratio, measures the real split itself, and prints it. Each function's share of the
 * samples taken in main() must be within 1 percentage point of the truth, at 1 kHz and at 10 kHz.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage } from '../helpers/interpreters.js';
import { lastJsonLine, readCollapsed, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-accuracy-'));
const chosen = coreInterpreters().filter((i) => i.label === 'pyenv-3.13.0' || i.label === 'debian-3.15');

for (const interpreter of chosen) {
  for (const rate of ['1khz', '10khz']) {
    t.test(`function shares within 1 point of the truth at ${rate} (${interpreter.label})`, async (t) => {
      if (!interpreter.present) return t.fail(missingMessage(interpreter));
      const file = path.join(out, `${interpreter.label}-${rate}.txt`);
      const result = await tachyon(['run', '--python', interpreter.python, '-r', rate, '--collapsed', '-o', file, `${fixtures}/split.py`, '4']);
      t.equal(result.exitCode, 0, result.stderr);
      t.notMatch(result.stderr, /stopped unexpectedly/, 'the helper sampled to the end');
      const truth = lastJsonLine<Record<string, number>>(result.stdout);
      // The truth is each function's share of main()'s time: samples of the interpreter starting
      // and importing json before main() runs are outside it.
      const lines = readCollapsed(file).filter((l) => l.frames.some((f) => f.file === 'split.py' && f.func === 'main'));
      const total = lines.reduce((n, l) => n + l.count, 0);
      for (const [name, share] of Object.entries(truth)) {
        const samples = lines.filter((l) => l.frames.some((f) => f.func === name)).reduce((n, l) => n + l.count, 0);
        const measured = samples / total;
        const errorPoints = Math.abs(measured - share) * 100;
        t.ok(errorPoints < 1, `${name}: truth ${(share * 100).toFixed(2)}%, sampled ${(measured * 100).toFixed(2)}% (${errorPoints.toFixed(2)} points off, ${total} samples)`);
      }
    });
  }
}

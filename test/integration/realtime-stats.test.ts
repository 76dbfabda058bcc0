/**
 * `--realtime-stats` on a real run: stderr (not a terminal here, so one line per update) gets
 * the live line about once a second, with a rate close to the requested one and sane bounds.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage } from '../helpers/interpreters.js';
import { tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const interpreter = coreInterpreters()[0];

t.test(`live rate lines (${interpreter.label})`, async (t) => {
  if (!interpreter.present) return t.fail(missingMessage(interpreter));
  const result = await tachyon(['run', '--python', interpreter.python, '--realtime-stats', '--collapsed', '-o', '/dev/null', `${fixtures}/split.py`, '2.5']);
  t.equal(result.exitCode, 0, result.stderr);
  const lines = [...result.stderr.matchAll(/^Stats: ([\d.]+)Hz \(([\d.]+)µs\) Min: ([\d.]+)Hz Max: ([\d.]+)Hz N=(\d+)$/gm)];
  t.ok(lines.length >= 2, `a line about every second (${lines.length})`);
  for (const [, mean, , min, max] of lines) {
    t.ok(Number(min) <= Number(mean) && Number(mean) <= Number(max), `min ${min} <= mean ${mean} <= max ${max}`);
    t.ok(Number(mean) > 300 && Number(mean) < 1100, `mean rate ${mean} Hz near the requested 1000 Hz`);
  }
});

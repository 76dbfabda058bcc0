/**
 * `--mode exception` against ground truth on every supported interpreter: modes.py's alpha_exc,
 * beta_exc and gamma_exc spend known times inside and outside except blocks. Wall mode matches
 * their total times, exception mode only the time inside the except blocks.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { FIXTURES_SRC } from '../helpers/interpreters.js';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { close, describe, runScenario } from '../helpers/modes.js';

const fixtures = installFixtures();
// The line of handle() that spins outside the except block: never in exception mode.
const outsideLine = readFileSync(`${FIXTURES_SRC}/modes.py`, 'utf8').split('\n').indexOf('    spin(outside)') + 1;

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`wall and exception modes match the truth (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    for (const mode of ['wall', 'exception']) {
      const run = await runScenario(interpreter, fixtures, 'exception', ['--mode', mode]);
      t.equal(run.exitCode, 0, run.stderr);
      for (const [name, share] of Object.entries(run.truth[mode] as Record<string, number>)) {
        const sampled = run.share(name);
        t.ok(close(run, share, sampled), `${mode}: ${describe(name, share, sampled, run)}`);
      }
      const outside = run.lineShare('handle', outsideLine);
      if (mode === 'exception') t.ok(outside < 0.01, `exception mode: ${(outside * 100).toFixed(2)}% of samples outside the except block`);
      else t.ok(outside > 0.2, `wall mode: ${(outside * 100).toFixed(2)}% of samples outside the except block`);
    }
  });
}

/**
 * `--mode exception` against ground truth on every supported interpreter: modes.py's alpha_exc,
 * beta_exc and gamma_exc spend known times inside and outside except blocks. Wall mode matches
 * their total times, exception mode only the time inside the except blocks.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { close, describe, runScenario } from '../helpers/modes.js';

const fixtures = installFixtures();

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
    }
  });
}

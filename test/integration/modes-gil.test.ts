/**
 * `--mode gil` against ground truth on every supported interpreter: in modes.py two threads hand
 * the GIL to each other (alpha_gil 5 ms, beta_gil 3 ms) while a third hashes in a C call that
 * releases the GIL. Only the GIL holder's samples are kept: the split of alpha_gil and beta_gil
 * matches the time each held it, and c_call is absent.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { close, describe, runScenario } from '../helpers/modes.js';

const fixtures = installFixtures();

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`gil mode matches the truth (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const run = await runScenario(interpreter, fixtures, 'gil', ['-a', '--mode', 'gil']);
    t.equal(run.exitCode, 0, run.stderr);
    for (const [name, share] of Object.entries(run.truth.gil as Record<string, number>)) {
      const sampled = run.share(name);
      t.ok(close(run, share, sampled), describe(name, share, sampled, run));
    }
    // Between two hashes the hasher runs its loop holding the GIL (longer on a debug build); a
    // misread GIL bit would give it about a third of the samples.
    t.ok(run.share('c_call') < 0.03, `the thread in a C call without the GIL is left out (${(run.share('c_call') * 100).toFixed(2)}%)`);
  });
}

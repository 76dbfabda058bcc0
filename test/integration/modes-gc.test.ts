/**
 * `<GC>` frames on every supported interpreter: modes.py's gc scenario allocates cyclic garbage
 * and collects it, timing the collector with a gc callback. The share of samples under a `<GC>`
 * frame matches that time; with --no-gc there are none.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { close, describe, runScenario } from '../helpers/modes.js';

const fixtures = installFixtures();

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`<GC> frames match the collector's time, and --no-gc drops them (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const run = await runScenario(interpreter, fixtures, 'gc', []);
    t.equal(run.exitCode, 0, run.stderr);
    const truth = run.truth.gc as number;
    const sampled = run.share('<GC>');
    t.ok(close(run, truth, sampled), describe('<GC>', truth, sampled, run));

    const off = await runScenario(interpreter, fixtures, 'gc', ['--no-gc'], 1);
    t.equal(off.exitCode, 0, off.stderr);
    t.equal(off.share('<GC>'), 0, 'no <GC> frame with --no-gc');
    t.ok(off.share('collect') > 0.1, 'the collecting function is still there');
  });
}

/**
 * `--mode cpu` against ground truth on every supported interpreter: modes.py's main thread spins
 * in alpha_cpu and beta_cpu and sleeps in delta, another thread sleeps all along. With -a, wall
 * mode shows both threads in their true shares; cpu mode shows only the spinning functions, in
 * the shares of the time they ran.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { describe, runScenario, SHARE_TOLERANCE_POINTS } from '../helpers/modes.js';

const fixtures = installFixtures();

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`wall and cpu modes match the truth (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const wall = await runScenario(interpreter, fixtures, 'cpu', ['-a', '--mode', 'wall']);
    t.equal(wall.exitCode, 0, wall.stderr);
    t.equal(wall.tids.size, 2, 'wall mode shows both threads');
    for (const [name, share] of Object.entries(wall.truth.wall_all as Record<string, number>)) {
      const sampled = wall.share(name);
      t.ok(Math.abs(sampled - share) * 100 < SHARE_TOLERANCE_POINTS, `wall: ${describe(name, share, sampled, wall.total)}`);
    }

    const cpu = await runScenario(interpreter, fixtures, 'cpu', ['-a', '--mode', 'cpu']);
    t.equal(cpu.exitCode, 0, cpu.stderr);
    t.equal(cpu.share('sleeper'), 0, 'cpu mode leaves out the sleeping thread');
    for (const [name, share] of Object.entries(cpu.truth.cpu as Record<string, number>)) {
      const sampled = cpu.share(name);
      t.ok(Math.abs(sampled - share) * 100 < SHARE_TOLERANCE_POINTS, `cpu: ${describe(name, share, sampled, cpu.total)}`);
    }
    t.ok(cpu.total < wall.total * 0.6, `cpu mode keeps fewer samples (${cpu.total} of about ${wall.total})`);
  });
}

/**
 * `--mode cpu` against ground truth on every supported interpreter: modes.py's main thread spins
 * in alpha_cpu and beta_cpu and sleeps in delta, another thread sleeps all along. With -a, wall
 * mode shows both threads in their true shares; cpu mode shows only the spinning functions, in
 * the shares of the time they ran. The target runs with 1 ns timer slack (`--exact-timers`, see
 * modes.py) so that its sleeps are not woken by the helper's own tick.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { close, describe, runScenario } from '../helpers/modes.js';

const fixtures = installFixtures();

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`wall and cpu modes match the truth (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const wall = await runScenario(interpreter, fixtures, 'cpu', ['-a', '--mode', 'wall'], 2, ['--exact-timers']);
    t.equal(wall.exitCode, 0, wall.stderr);
    t.equal(wall.tids.size, 2, 'wall mode shows both threads');
    for (const [name, share] of Object.entries(wall.truth.wall_all as Record<string, number>)) {
      const sampled = wall.share(name);
      t.ok(close(wall, share, sampled), `wall: ${describe(name, share, sampled, wall)}`);
    }

    const cpu = await runScenario(interpreter, fixtures, 'cpu', ['-a', '--mode', 'cpu'], 2, ['--exact-timers']);
    t.equal(cpu.exitCode, 0, cpu.stderr);
    // Wall mode gives the sleeping thread half the samples; cpu mode only the moments it is
    // runnable after waking (10 times a second; longer on a loaded machine, where it waits for a CPU).
    t.ok(cpu.share('sleeper') < 0.2, `cpu mode leaves out the sleeping thread (${(cpu.share('sleeper') * 100).toFixed(2)}% of cpu samples, against 50% in wall mode)`);
    for (const [name, share] of Object.entries(cpu.truth.cpu as Record<string, number>)) {
      const sampled = cpu.share(name);
      t.ok(close(cpu, share, sampled), `cpu: ${describe(name, share, sampled, cpu)}`);
    }
    t.ok(cpu.total < wall.total * 0.6, `cpu mode keeps fewer samples (${cpu.total} of about ${wall.total})`);
  });
}

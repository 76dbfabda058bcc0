/**
 * `tachyon dump` on every supported interpreter: a program with 50 named threads, each blocked
 * at its own depth of recursion, and a main thread spinning. `dump -a --json` must show all 51
 * stacks, each complete (the right number of `nest` frames per worker), with the main thread's
 * status; on 3.14+, where `threading` names OS threads, the names too. The text form follows the
 * stdlib's layout, with source lines.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { startTarget, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const THREADS = 50;

interface DumpJson {
  pid: number;
  threads: { tid: number; name: string | null; status: string[]; frames: { file: string; line: number; func: string; source?: string }[] }[];
}

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`dump -a shows all ${THREADS + 1} stacks (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const { pid, child } = await startTarget([...interpreter.command, `${fixtures}/many_threads.py`, String(THREADS), '30']);
    try {
      const result = await tachyon(['dump', '-a', '--json', String(pid)]);
      t.equal(result.exitCode, 0, result.stderr);
      const dump = JSON.parse(result.stdout) as DumpJson;
      t.equal(dump.pid, pid);
      t.equal(dump.threads.length, THREADS + 1, 'one stack per thread');
      const main = dump.threads.filter((thread) => thread.status.includes('main thread'));
      t.equal(main.length, 1, 'one main thread');
      t.equal(main[0]?.name, 'MainThread', 'named as threading names it');
      t.same(main[0]?.frames.map((f) => f.func), ['<module>', 'main', 'main_spin'], 'the main thread spins');
      const depths = dump.threads
        .filter((thread) => thread.frames.some((f) => f.func === 'worker'))
        .map((thread) => thread.frames.filter((f) => f.func === 'nest').length)
        .sort((a, b) => a - b);
      const expected = Array.from({ length: THREADS }, (_, i) => (i % 7) + 1).sort((a, b) => a - b);
      t.same(depths, expected, 'every worker stack is complete');
      if (Number(interpreter.minor.split('.')[1]) >= 14) {
        const names = dump.threads.filter((thread) => !thread.status.includes('main thread')).map((thread) => thread.name).filter((name) => name !== null).sort();
        t.same(names, Array.from({ length: THREADS }, (_, i) => `worker-${i}`).sort(), 'thread names from threading');
      } else {
        t.ok(dump.threads.every((thread) => thread.status.includes('main thread') || thread.name === null), 'before 3.14 OS threads carry the process name only, which is not shown');
      }
      const text = await tachyon(['dump', String(pid)]);
      t.equal(text.exitCode, 0, text.stderr);
      t.match(text.stdout, new RegExp(`^Stack dump for PID ${pid}, thread \\d+ "MainThread" \\(main thread, [^)]*most recent call last\\):\\n  File "[^"]*many_threads.py", line \\d+, in <module>\\n    main\\(`), 'stdlib layout with source lines');
    } finally {
      child.kill();
      await child;
    }
  });
}

t.test('dump of a missing process is an error', async (t) => {
  const result = await tachyon(['dump', '999999']);
  t.equal(result.exitCode, 3);
  t.match(result.stderr, /^tachyon: error: no process with PID 999999\nhint: /);
});

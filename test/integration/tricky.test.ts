/**
 * Code shapes whose frames are easy to get wrong, on every interpreter 3.8-3.15: a generator, a
 * coroutine under asyncio, a lambda, a list comprehension (a frame of its own before 3.12,
 * inlined from 3.12), a class body and a closure. Each must show up under its real caller, at
 * the caller's real line, with about its real share of the six parts' time (test/fixtures/python/tricky.py).
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, FIXTURES_SRC, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { parseSummary, readCollapsed, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-tricky-'));
const source = readFileSync(path.join(FIXTURES_SRC, 'tricky.py'), 'utf8').split('\n');
/** The 1-based line of the first source line containing `text`. */
const lineOf = (text: string): number => source.findIndex((l) => l.includes(text)) + 1;

for (const interpreter of [...olderInterpreters(), ...coreInterpreters()]) {
  t.test(`generators, coroutines, lambdas, comprehensions, class bodies (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const minor = Number(interpreter.minor.split('.')[1]);
    const qualified = minor >= 11;
    const local = (outer: string, name: string): string => (qualified ? `${outer}.<locals>.${name}` : name);
    const file = path.join(out, `${interpreter.label}.txt`);
    const result = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', file, `${fixtures}/tricky.py`, '1.8']);
    t.equal(result.exitCode, 0, result.stderr);
    t.ok(parseSummary(result.stderr).failedPct < 1, 'failed samples under 1%');

    const lines = readCollapsed(file);
    // The parts together are the truth's whole: each spins for a sixth of their time. Start-up
    // (importing asyncio took 1.4 s of a 3.3 s run on a cold Debian 3.14) is left out of it.
    const PARTS = ['in_generator', 'in_coroutine', 'in_lambda', 'in_comprehension', 'in_class_body', 'in_closure'];
    const inParts = lines.filter((l) => l.frames.some((f) => PARTS.includes(f.func)));
    const total = inParts.reduce((n, l) => n + l.count, 0);
    t.ok(total >= 1000, `${total} samples inside the six parts (1.8 s at 1 kHz)`);
    const share = (path: string[]): number => {
      let n = 0;
      for (const l of lines) {
        const labels = l.frames.map((f) => (f.func === 'spin' && (f.line === loopLine || f.line === loopLine + 1) ? 'spin:loop' : `${f.func}:${f.line}`));
        if (labels.slice(-path.length).join(' > ') === path.join(' > ')) n += l.count;
      }
      return n / total;
    };
    // spin's time is on its loop's two lines, the condition (a call) and the body.
    const loopLine = lineOf('while time.perf_counter() < end:');
    const spinLine = 'loop';
    const expected: [string, string[]][] = [
      ['generator', [`in_generator:${lineOf('return sum(numbers())')}`, `numbers:${lineOf('spin(PART / 3)')}`, `spin:${spinLine}`]],
      ['lambda', [`in_lambda:${lineOf('    work()')}`, `${local('in_lambda', '<lambda>')}:${lineOf('work = lambda')}`, `spin:${spinLine}`]],
      [
        'comprehension',
        minor >= 12
          ? [`in_comprehension:${lineOf('[spin(PART / 3)')}`, `spin:${spinLine}`]
          : [`in_comprehension:${lineOf('[spin(PART / 3)')}`, `${local('in_comprehension', '<listcomp>')}:${lineOf('[spin(PART / 3)')}`, `spin:${spinLine}`],
      ],
      ['class body', [`in_class_body:${lineOf('class Built:')}`, `${local('in_class_body', 'Built')}:${lineOf('class Built:') + 1}`, `spin:${spinLine}`]],
      ['closure', [`in_closure:${lineOf('    inner()')}`, `${local('in_closure', 'inner')}:${lineOf('def inner():') + 1}`, `spin:${spinLine}`]],
      ['coroutine', [`ticker:${lineOf('async def ticker') + 1}`, `spin:${spinLine}`]],
    ];
    for (const [what, stack] of expected) {
      const s = share(stack);
      // Each part runs a sixth of the parts' time.
      t.ok(s > 0.1 && s < 0.23, `${what}: ${stack.join(' > ')} holds ${(s * 100).toFixed(1)}% (about 16.7%)`);
    }
    // The coroutine runs under the event loop, which runs under in_coroutine.
    const coroutine = lines.filter((l) => l.frames.some((f) => f.func === 'ticker'));
    t.ok(coroutine.length > 0 && coroutine.every((l) => l.frames.some((f) => f.func === 'in_coroutine')), 'ticker is always below in_coroutine');
  });
}

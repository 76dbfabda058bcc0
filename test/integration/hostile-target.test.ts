/**
 * A tick is bounded as a whole, whatever the target's memory says (docs/protocol.md, Ticks):
 * test/fixtures/python/self_loop.py makes its own thread state's and interpreter's `next` point
 * to themselves, or chains 20,000 copies of its thread state. The helper, run directly with
 * `--all-threads`, must end such a tick at the first repeated entry or at its thread budget and
 * say so (`sample_failed` `tick_cut`), keep its output small, and stop within a bound after
 * SIGTERM and after end of file on stdin. Before these bounds a self-looping target kept the
 * first tick going for 5 s (22 MB of output) and SIGTERM, stdin EOF and `--duration-ms` waited
 * for it. Times are asserted as generous bounds (seconds, where the helper takes milliseconds),
 * output sizes tightly.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { unpackMultiple } from 'msgpackr';
import { installFixtures, missingMessage, olderInterpreters, REPO_ROOT } from '../helpers/interpreters.js';
import { startTarget } from '../helpers/cli.js';
import { FailReason, MessageKind } from '../../src/protocol/messages.js';

const fixtures = installFixtures();
const HELPER = process.env.TACHYON_HELPER ?? path.join(REPO_ROOT, 'zig-out', 'bin', 'tachyon-helper');
/** limits.threads_max: threads sampled per tick across all interpreters. */
const THREADS_MAX = 4096;
/** A bound no bounded tick comes near (they take milliseconds) but an unbounded one passed. */
const STOP_WITHIN_MS = 2000;

interface HelperRun {
  exitCode: number | null;
  /** From the stop (signal or stdin closed) or, without one, from the start, to the exit. */
  elapsedMs: number;
  messages: unknown[][];
  bytes: number;
}

/** Runs the helper on `pid`; after `stopAfterMs` sends SIGTERM or closes its stdin. */
function runHelper(pid: number, args: string[], stop?: { after_ms: number; how: 'SIGTERM' | 'stdin' }): Promise<HelperRun> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const helper = spawn(HELPER, [`--pid=${pid}`, ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    let since = performance.now();
    helper.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    const kill = setTimeout(() => helper.kill('SIGKILL'), 60_000);
    if (stop !== undefined) {
      setTimeout(() => {
        since = performance.now();
        if (stop.how === 'SIGTERM') helper.kill('SIGTERM');
        else helper.stdin.end();
      }, stop.after_ms);
    }
    helper.on('error', reject);
    helper.on('close', (exitCode) => {
      clearTimeout(kill);
      const bytes = Buffer.concat(chunks);
      resolve({ exitCode, elapsedMs: performance.now() - since, messages: unpackMultiple(bytes) as unknown[][], bytes: bytes.length });
    });
  });
}

const ofKind = (run: HelperRun, kind: MessageKind): unknown[][] => run.messages.filter((m) => m[0] === kind);
const tickCuts = (run: HelperRun): number => ofKind(run, MessageKind.sample_failed).filter((m) => m[3] === FailReason.tick_cut).length;

for (const interpreter of olderInterpreters().filter((i) => ['3.8', '3.12'].includes(i.minor))) {
  t.test(`lists that point to themselves (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    t.ok(existsSync(HELPER), `the helper is built at ${HELPER}`);
    const target = await startTarget([...interpreter.command, `${fixtures}/self_loop.py`, 'interpreter']);
    try {
      const one = await runHelper(target.pid, ['--all-threads', '--rate-hz=100', '--duration-ms=1']);
      t.equal(one.exitCode, 0);
      t.ok(one.elapsedMs < STOP_WITHIN_MS, `one tick took ${one.elapsedMs.toFixed(0)} ms`);
      t.ok(one.bytes < 64 << 10, `one tick wrote ${one.bytes} bytes`);
      t.equal(ofKind(one, MessageKind.sample).length, 1, 'the thread is sampled once: its second visit ends the list');
      t.equal(tickCuts(one), 1, 'the tick says it was cut');

      for (const how of ['SIGTERM', 'stdin'] as const) {
        const run = await runHelper(target.pid, ['--all-threads', '--rate-hz=100', '--stop-on-stdin-eof'], { after_ms: 500, how });
        t.equal(run.exitCode, 0, `${how}: a clean stop`);
        t.ok(run.elapsedMs < STOP_WITHIN_MS, `${how}: exit ${run.elapsedMs.toFixed(0)} ms after it`);
        t.ok(run.bytes < 256 << 10, `${how}: ${run.bytes} bytes in about 0.5 s`);
        const samples = ofKind(run, MessageKind.sample).length;
        t.ok(samples >= 10 && samples <= 100, `${how}: ${samples} samples, one per tick`);
        t.same(ofKind(run, MessageKind.bye).at(-1), [MessageKind.bye, 3], `${how}: bye stop_requested`);
      }

      const main = await runHelper(target.pid, ['--rate-hz=100', '--duration-ms=200']);
      t.equal(main.exitCode, 0);
      t.ok(ofKind(main, MessageKind.sample).length >= 5, 'without --all-threads the main thread is still found and sampled');
      t.ok(ofKind(main, MessageKind.code).some((m) => m[3] === 'hostile_spin'), 'its stack is the real one');
    } finally {
      target.child.kill('SIGKILL');
    }
  });
}

t.test('a list of 20,000 distinct thread states: one thread budget per tick', async (t) => {
  const interpreter = olderInterpreters().find((i) => i.minor === '3.12');
  if (interpreter === undefined || !interpreter.present) return t.fail(interpreter ? missingMessage(interpreter) : 'no pyenv 3.12');
  const target = await startTarget([...interpreter.command, `${fixtures}/self_loop.py`, 'chain=20000']);
  try {
    const run = await runHelper(target.pid, ['--all-threads', '--rate-hz=100', '--stop-on-stdin-eof'], { after_ms: 1500, how: 'SIGTERM' });
    t.equal(run.exitCode, 0);
    t.ok(run.elapsedMs < STOP_WITHIN_MS, `SIGTERM: exit ${run.elapsedMs.toFixed(0)} ms after it`);
    // Every sample of a tick carries the tick's time.
    const perTick = new Map<number, number>();
    for (const m of ofKind(run, MessageKind.sample)) perTick.set(Number(m[1]), (perTick.get(Number(m[1])) ?? 0) + 1);
    const largest = Math.max(...perTick.values());
    t.ok(perTick.size >= 3, `${perTick.size} ticks`);
    t.ok(largest <= THREADS_MAX, `at most ${THREADS_MAX} threads per tick (largest ${largest})`);
    t.ok(tickCuts(run) >= perTick.size - 1, `${tickCuts(run)} ticks said they were cut`);
    const stats = ofKind(run, MessageKind.stats).at(-1) as number[];
    t.ok(Number(stats[3]) >= perTick.size - 1, 'cut ticks count as failed in stats');
  } finally {
    target.child.kill('SIGKILL');
  }
});

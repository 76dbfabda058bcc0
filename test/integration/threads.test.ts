/**
 * Thread identity on every interpreter 3.8-3.15: with -a, each sample carries the kernel thread
 * id of its thread (3.8-3.10 store only a pthread_t, which the helper maps to the tid), and
 * threads that start and end while being sampled are all seen, under their own ids, with no
 * failed samples (test/fixtures/python/thread_churn.py prints the ids it really had).
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { lastJsonLine, parseSummary, readCollapsed, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-threads-'));

for (const interpreter of [...olderInterpreters(), ...coreInterpreters()]) {
  t.test(`kernel thread ids, threads starting and ending (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const file = path.join(out, `${interpreter.label}.txt`);
    const result = await tachyon(['run', '-a', '--python', interpreter.python, '--collapsed', '-o', file, `${fixtures}/thread_churn.py`, '1.5']);
    t.equal(result.exitCode, 0, result.stderr);
    t.ok(parseSummary(result.stderr).failedPct < 1, 'failed samples under 1%');
    const truth = lastJsonLine<{ main: number; short: number[]; long: number[] }>(result.stdout);
    const lines = readCollapsed(file);
    const sampled = new Set(lines.map((l) => l.tid));
    const known = new Set([truth.main, ...truth.short, ...truth.long]);
    const unknown = [...sampled].filter((tid) => !known.has(tid));
    t.same(unknown, [], 'every sampled thread id is a kernel tid the program saw');
    t.ok(sampled.has(truth.main), `the main thread (${truth.main}) is sampled under its tid`);
    t.ok(truth.long.every((tid) => sampled.has(tid)), 'both long-lived workers are sampled');
    const shortSeen = truth.short.filter((tid) => sampled.has(tid)).length;
    t.ok(truth.short.length >= 10 && shortSeen >= truth.short.length * 0.9, `${shortSeen} of ${truth.short.length} short-lived (20 ms) threads sampled`);
    // A short-lived thread's samples are its own function, never another thread's stack.
    const shortIds = new Set(truth.short);
    const misplaced = lines.filter((l) => shortIds.has(l.tid) && l.frames.some((f) => f.func === 'long_lived' || f.func === 'main'));
    t.equal(misplaced.length, 0, 'no short-lived thread shows another thread\'s frames');
  });
}

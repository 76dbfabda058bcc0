/**
 * The run summary counts what the report holds, on a real run: with -a the thread samples it
 * names are the report's total (several per tick), and without -a the report plus the samples
 * left out before the script started are every tick taken.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { parseSummary, readCollapsed, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-summary-'));

for (const interpreter of [olderInterpreters()[0], coreInterpreters()[0]]) {
  t.test(`the summary's thread samples are the report's (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const all = path.join(out, `${interpreter.label}-all.txt`);
    const run = await tachyon(['run', '-a', '--python', interpreter.python, '--collapsed', '-o', all, `${fixtures}/threads_and_names.py`, '1']);
    t.equal(run.exitCode, 0, run.exitCode === 0 ? 'exit 0' : run.stderr);
    const summary = parseSummary(run.stderr);
    const total = readCollapsed(all).reduce((n, l) => n + l.count, 0);
    t.equal(summary.threadSamples, total, `-a: ${summary.threadSamples} thread samples named, ${total} in the report`);
    t.ok(summary.threadSamples > 2 * summary.captured, `three threads: ${summary.threadSamples} thread samples from ${summary.captured} ticks`);

    const main = path.join(out, `${interpreter.label}-main.txt`);
    const one = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', main, `${fixtures}/threads_and_names.py`, '1']);
    t.equal(one.exitCode, 0, one.exitCode === 0 ? 'exit 0' : one.stderr);
    const s = parseSummary(one.stderr);
    const reported = readCollapsed(main).reduce((n, l) => n + l.count, 0);
    t.equal(s.threadSamples, reported, 'without -a: the thread samples named are the report\'s');
    t.equal(reported + s.beforeStart, s.captured - s.failed, `report ${reported} + ${s.beforeStart} before the start = ${s.captured - s.failed} ticks taken`);
  });
}

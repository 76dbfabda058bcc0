/**
 * What the stack walk must get right beyond the basic workload, on every interpreter 3.8-3.15:
 * every thread with -a (only the main one without), non-ASCII names in all three string widths,
 * stacks deeper than the 4,096-frame limit, and code objects that are freed and replaced while
 * being sampled.
 */
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { lastJsonLine, parseSummary, readCollapsed, startTarget, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-stacks-'));
const chosen = [...olderInterpreters(), ...coreInterpreters()];

for (const interpreter of chosen) {
  t.test(`threads and non-ASCII names (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const all = path.join(out, `${interpreter.label}-threads-all.txt`);
    const result = await tachyon(['run', '-a', '--python', interpreter.python, '--collapsed', '-o', all, `${fixtures}/threads_and_names.py`, '1.5']);
    t.equal(result.exitCode, 0, result.stderr);
    const lines = readCollapsed(all);
    const leafFunctions = (tid: number): Set<string> => new Set(lines.filter((l) => l.tid === tid).flatMap((l) => l.frames.map((f) => f.func)));
    const tids = [...new Set(lines.map((l) => l.tid))];
    t.equal(tids.length, 3, `three threads sampled with -a: ${tids.join(', ')}`);
    const names = tids.map(leafFunctions);
    t.ok(names.some((n) => n.has('café') && n.has('<module>')), 'the main thread, in café (Latin-1)');
    // Before 3.11 code objects have no qualified name: methods show by their plain name.
    const qualified = Number(interpreter.minor.split('.')[1]) >= 11;
    const method = qualified ? '火箭𠀀.飞行' : '飞行';
    const bootstrap = qualified ? 'Thread._bootstrap' : '_bootstrap';
    t.ok(names.some((n) => n.has('работа') && n.has(bootstrap)), 'a worker in работа (Cyrillic, UCS-2)');
    t.ok(names.some((n) => n.has(method)), `a worker in ${method} (UCS-4)`);

    // Thread names in the reports: MainThread, and threading's names where CPython puts them on
    // the OS thread (3.14+).
    const jsonl = path.join(out, `${interpreter.label}-threads.jsonl`);
    const named = await tachyon(['run', '-a', '--python', interpreter.python, '--jsonl', '-o', jsonl, `${fixtures}/threads_and_names.py`, '1']);
    t.equal(named.exitCode, 0, named.stderr);
    const records = readFileSync(jsonl, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; thread_id?: number; thread_name?: string });
    const threadNames = new Map(records.filter((r) => r.type === 'samples').map((r) => [r.thread_id, r.thread_name ?? null]));
    t.equal(threadNames.size, 3, 'three threads');
    const expected = Number(interpreter.minor.split('.')[1]) >= 14 ? ['MainThread', 'cyrillic', 'ucs4'] : ['MainThread', null, null];
    t.same([...threadNames.values()].sort(), expected.sort(), `thread names: ${[...threadNames.values()].join(', ')}`);

    const main = path.join(out, `${interpreter.label}-threads-main.txt`);
    const mainOnly = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', main, `${fixtures}/threads_and_names.py`, '1']);
    t.equal(mainOnly.exitCode, 0, mainOnly.stderr);
    const mainLines = readCollapsed(main);
    t.equal(new Set(mainLines.map((l) => l.tid)).size, 1, 'without -a, one thread');
    const functions = new Set(mainLines.flatMap((l) => l.frames.map((f) => f.func)));
    t.ok(functions.has('café') && !functions.has('работа') && !functions.has('飞行') && !functions.has('火箭𠀀.飞行'), 'and it is the main thread');
  });

  t.test(`a stack deeper than 4,096 frames ends in <truncated> (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const target = await startTarget([...interpreter.command, `${fixtures}/very_deep.py`, '30']);
    t.teardown(() => void target.child.kill('SIGKILL'));
    const file = path.join(out, `${interpreter.label}-deep.txt`);
    const result = await tachyon(['attach', '-d', '1', '--collapsed', '-o', file, String(target.pid)]);
    t.equal(result.exitCode, 0, result.stderr);
    t.ok(parseSummary(result.stderr).failedPct < 5, 'deep stacks are read, not failed');
    const lines = readCollapsed(file);
    t.ok(lines.length > 0, 'samples');
    for (const line of lines.slice(0, 3)) {
      t.equal(line.frames[0].label, '<truncated>', 'the root end is the truncation marker');
      t.equal(line.frames.length, 4097, '4,096 innermost frames are kept');
      t.equal(line.frames[line.frames.length - 1].func, 'down', 'the leaf is there');
    }
  });

  t.test(`code objects freed and replaced keep their own names (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const file = path.join(out, `${interpreter.label}-churn.txt`);
    const result = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', file, `${fixtures}/code_churn.py`, '600']);
    t.equal(result.exitCode, 0, result.stderr);
    // fn_<i>_<ms> spins <ms> ms: 1 ms for even i, 4 ms for odd i. A code record reused for the
    // next function would move time between names and break both checks below.
    const perFunction = new Map<string, number>();
    let mismatchedFile = 0;
    for (const line of readCollapsed(file)) {
      const leaf = line.frames[line.frames.length - 1];
      const match = /^fn_(\d+)_(\d)$/.exec(leaf.func);
      if (!match) continue;
      if (leaf.file !== `<churn-${match[1]}>`) mismatchedFile += line.count;
      perFunction.set(leaf.func, (perFunction.get(leaf.func) ?? 0) + line.count);
    }
    t.equal(mismatchedFile, 0, 'every name comes with its own file');
    let short = 0;
    let long = 0;
    let worst = 0;
    for (const [name, count] of perFunction) {
      if (name.endsWith('_1')) short += count;
      else long += count;
      worst = Math.max(worst, count);
    }
    t.ok(perFunction.size > 400, `${perFunction.size} distinct generated functions seen`);
    const shortShare = short / (short + long);
    t.ok(Math.abs(shortShare - 0.2) < 0.05, `1 ms functions have ${(shortShare * 100).toFixed(1)}% of the generated functions' samples (truth 20%)`);
    // At 1 kHz a function gets about one sample per millisecond it really ran (the target
    // measures that, stalls included); a name that also collected its successors' samples would
    // exceed it.
    const tookMs = lastJsonLine<Record<string, number>>(result.stdout);
    const over = [...perFunction].filter(([name, count]) => count > Math.ceil(tookMs[name] ?? 0) + 2);
    t.same(over.slice(0, 5).map(([name, count]) => `${name}: ${count} samples in ${(tookMs[name] ?? 0).toFixed(1)} ms`), [], `no name collects another function's samples (most for one name: ${worst})`);
  });
}

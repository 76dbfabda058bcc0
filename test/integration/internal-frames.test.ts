/**
 * The interpreter's own frames never show, in any report format, on every interpreter 3.8-3.15:
 * not the 3.13+ init shim (`__init__`, file `__init__`, line 0, between a caller and
 * `Cls.__init__`), not 3.12's `<shim>`/`<interpreter trampoline>` frames, and no frame named
 * `<unknown>`; while the caller -> `Point.__init__` pair the shim sat in is there, so a walk that
 * dropped everything would fail too. `--native` keeps its `<native>` markers.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { tachyon } from '../helpers/cli.js';
import { stacksOf, type StackCounts } from '../helpers/format-stacks.js';
import { embeddedData } from '../helpers/report-pages.js';

/** A command's exit code checked, its stderr shown only when it failed. */
const exitedZero = (r: { exitCode: number; stderr: string }): [number, number, string] => [r.exitCode, 0, r.exitCode === 0 ? 'exit 0' : r.stderr];

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-internal-frames-'));
const INTERNAL = /^(__init__:__init__:|<shim>|<interpreter trampoline>|<unknown>)|:(<shim>|<interpreter trampoline>|<unknown>):/;
/** Samples the pair must have at least: `Point.__init__` runs a loop, most of the fixture's time. */
const PAIR_MIN = 20;

/** Frame labels (`file:func:line`, base file names) of every stack, with their counts. */
function frames(counts: StackCounts): { labels: string[]; count: number }[] {
  return [...counts.entries()].map(([key, count]) => ({ labels: key.split(';').slice(1), count }));
}

/** Samples whose stacks have `construct` directly calling `Point.__init__`; with `viaC`, a
 * `<native>` between them is allowed (before 3.13 `Point(...)` runs `__init__` from C). */
function pairSamples(counts: StackCounts, init: string, viaC = false): number {
  const isInit = (label: string | undefined): boolean => label?.startsWith(`init_shims.py:${init}:`) === true;
  const isPair = (labels: string[], i: number): boolean =>
    labels[i].startsWith('init_shims.py:construct:') && (isInit(labels[i + 1]) || (viaC && labels[i + 1] === '<native>' && isInit(labels[i + 2])));
  return frames(counts).filter(({ labels }) => labels.some((_, i) => isPair(labels, i))).reduce((n, s) => n + s.count, 0);
}

function internalFrames(counts: StackCounts): string[] {
  return [...new Set(frames(counts).flatMap(({ labels }) => labels.filter((l) => INTERNAL.test(l))))];
}

for (const interpreter of [...olderInterpreters(), ...coreInterpreters()]) {
  const minor = Number(interpreter.minor.split('.')[1]);
  // Before 3.11 code objects have no qualified name.
  const init = minor >= 11 ? 'Point.__init__' : '__init__';

  t.test(`no interpreter-internal frame in any format (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const capture = path.join(out, `${interpreter.label}.bin`);
    const collapsed = path.join(out, `${interpreter.label}.collapsed`);
    const run = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', collapsed, '--capture', capture, `${fixtures}/init_shims.py`, '2']);
    t.equal(...exitedZero(run));
    const reports: [string, StackCounts][] = [['collapsed', stacksOf('collapsed', readFileSync(collapsed))]];
    for (const format of ['gecko', 'jsonl']) {
      const file = path.join(out, `${interpreter.label}.${format}`);
      const replay = await tachyon(['replay', capture, `--${format}`, '-o', file]);
      t.equal(...exitedZero(replay));
      reports.push([format, stacksOf(format, readFileSync(file))]);
    }
    for (const [format, counts] of reports) {
      t.same(internalFrames(counts), [], `${format}: no init shim, trampoline or <unknown> frame`);
      const pairs = pairSamples(counts, init);
      t.ok(pairs >= PAIR_MIN, `${format}: construct -> ${init} in ${pairs} samples (at least ${PAIR_MIN})`);
    }

    // pstats: no such function, and Point.__init__'s callers include construct.
    const pstatsFile = path.join(out, `${interpreter.label}.pstats`);
    const pstats = await tachyon(['replay', capture, '--pstats', '-o', pstatsFile]);
    t.equal(...exitedZero(pstats));
    const read = 'import json, pstats, sys\ns = pstats.Stats(sys.argv[1]).stats\nprint(json.dumps([[list(f), [list(c) for c in v[4]]] for f, v in s.items()]))';
    const table = JSON.parse(execFileSync('python3', ['-c', read, pstatsFile]).toString()) as [[string, number, string], [string, number, string][]][];
    const internal = table.filter(([[file, , name]]) => (file === '__init__' && name === '__init__') || INTERNAL.test(`${name}:`) || INTERNAL.test(`:${name}:`));
    t.same(internal.map(([f]) => f.join(':')), [], 'pstats: no internal function');
    // Before 3.11 Labelled's __init__ has the same name: any row of that name will do.
    const initRows = table.filter(([[file, , name]]) => file.endsWith('init_shims.py') && name === init);
    t.ok(initRows.some(([, callers]) => callers.some(([file, , name]) => file.endsWith('init_shims.py') && name === 'construct')), `pstats: construct among ${init}'s callers`);

    // The flamegraph's embedded functions.
    const html = path.join(out, `${interpreter.label}.html`);
    const flame = await tachyon(['replay', capture, '--flamegraph', '-o', html]);
    t.equal(...exitedZero(flame));
    const data = embeddedData(readFileSync(html, 'utf8')) as { strings: string[]; funcs: { name: number[]; file: number[] } };
    const funcs = data.funcs.name.map((n, i) => `${path.basename(data.strings[data.funcs.file[i]] ?? '')}:${data.strings[n]}:`);
    t.same(funcs.filter((f) => INTERNAL.test(f)), [], 'flamegraph: no internal function');
    t.ok(funcs.includes(`init_shims.py:${init}:`), `flamegraph: ${init} is there`);
  });

  if (minor >= 11) {
    t.test(`--native keeps its markers and drops the shim (${interpreter.label})`, async (t) => {
      if (!interpreter.present) return t.fail(missingMessage(interpreter));
      const collapsed = path.join(out, `${interpreter.label}-native.collapsed`);
      const run = await tachyon(['run', '--native', '--python', interpreter.python, '--collapsed', '-o', collapsed, `${fixtures}/init_shims.py`, '1.5']);
      t.equal(...exitedZero(run));
      const counts = stacksOf('collapsed', readFileSync(collapsed));
      t.same(internalFrames(counts), [], 'no init shim, trampoline or <unknown> frame');
      // 3.13+ calls a specialised __init__ without C (through the shim, left out); before, the
      // call goes through C: `<native>` between them.
      const pairs = minor >= 13 ? pairSamples(counts, init) : pairSamples(counts, init, true);
      t.ok(pairs >= PAIR_MIN, `construct -> ${init} in ${pairs} samples`);
      // sorted() calls key() from C: a <native> frame right under key.
      const nativeUnderKey = frames(counts).some(({ labels }) => labels.some((l, i) => l === '<native>' && labels[i + 1]?.startsWith('init_shims.py:key:')));
      t.ok(nativeUnderKey, '<native> between sorted() and key()');
      const nativeLeaf = frames(counts).some(({ labels }) => labels[labels.length - 1] === '<native>');
      t.notOk(nativeLeaf, '<native> is never a leaf');
    });
  }
}

// Measures Tachyon's accuracy per profiling mode against the ground truth that
// test/fixtures/python/modes.py prints, on every interpreter of the test matrix, and writes the
// table between the modes-bench markers of docs/benchmarks.md (or prints it with --print).
//
// Usage: node bench/modes.mjs [--seconds=4] [--only=LABEL[,LABEL]] [--print] [--stdlib] [--pyspy] [--quick]
//   --quick (CI's smoke run): 1 s per run, printed, docs/ left alone.
//   --stdlib also runs CPython 3.15's own profiler (profiling.sampling) in the sid chroot on
//   the same scenarios, for comparison (needs /proc mounted there; done here if missing);
//   --pyspy runs py-spy on the same 3.15 in the modes it has (wall, cpu, gil). npm run bench
//   passes both.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { benchArgs, CHROOT, CLI, ROOT, writeDocSection } from './lib/tools.mjs';

const args = benchArgs();
const quick = args.quick === true;
const seconds = String(args.seconds ?? (quick ? 1 : 4));
const pyenv = path.join(homedir(), '.pyenv', 'versions');

const interpreters = [
  ...['3.8.18', '3.9.18', '3.10.13', '3.11.7', '3.12.1', '3.13.0'].map((v) => ({ label: v, python: path.join(pyenv, v, 'bin', `python${v.split('.').slice(0, 2).join('.')}`) })),
  ...['3.14', '3.15'].map((v) => ({ label: `${v} (Debian)`, python: wrapper(`python${v}`), inChroot: `/usr/bin/python${v}` })),
].filter((i) => args.only === undefined || String(args.only).split(',').includes(i.label));

/** The runs: scenario, mode, extra flags, and which truth (key of modes.py's JSON) they meet. */
const runs = [
  { scenario: 'cpu', mode: 'wall', flags: ['-a'], truth: 'wall_all' },
  { scenario: 'cpu', mode: 'cpu', flags: ['-a'], truth: 'cpu' },
  { scenario: 'gil', mode: 'gil', flags: ['-a'], truth: 'gil' },
  { scenario: 'exception', mode: 'wall', flags: [], truth: 'wall' },
  { scenario: 'exception', mode: 'exception', flags: [], truth: 'exception' },
  { scenario: 'gc', mode: 'wall', flags: [], truth: 'gc' },
];

function wrapper(executable) {
  const file = path.join(tmpdir(), `tachyon-bench-${executable}`);
  writeFileSync(file, `#!/bin/sh\nexec chroot ${CHROOT} /usr/bin/${executable} "$@"\n`, { mode: 0o755 });
  return file;
}

// The fixture, where both host and chroot interpreters see it.
const fixtures = '/tmp/tachyon-modes-bench';
for (const dir of [fixtures, path.join(CHROOT, fixtures)]) {
  if (dir !== fixtures && !existsSync(CHROOT)) continue;
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'modes.py'), path.join(dir, 'modes.py'));
}
const work = mkdtempSync(path.join(tmpdir(), 'tachyon-modes-'));

/**
 * Share of samples whose stack contains each function, from collapsed text, among the samples
 * inside the scenario (a frame of one of `scope`, modes.py's list; all samples when empty).
 */
export function sharesFrom(collapsed, scope = []) {
  const counts = new Map();
  let total = 0;
  for (const line of collapsed.split('\n')) {
    if (line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    const count = Number(line.slice(space + 1));
    const funcs = new Set(line.slice(0, space).split(';').slice(1).map((label) => (label.includes(':') ? label.split(':').slice(1, -1).join(':') : label)));
    // A scope function may be nested (`scenario_gil.<locals>.partner`, its qualified name from 3.11).
    if (scope.length > 0 && ![...funcs].some((f) => scope.includes(f) || scope.includes(f.slice(f.lastIndexOf('.') + 1)))) continue;
    total += count;
    for (const f of funcs) counts.set(f, (counts.get(f) ?? 0) + count);
  }
  return { total, share: (name) => (total > 0 ? (counts.get(name) ?? 0) / total : 0) };
}

/** modes.py's JSON line (the stdlib profiler prints its own lines after it). */
function truthFrom(stdout) {
  return JSON.parse(stdout.split('\n').filter((line) => line.startsWith('{')).pop() ?? '{}');
}

function measure(interpreter, run) {
  const out = path.join(work, 'out.txt');
  const result = spawnSync(process.execPath, [CLI, 'run', '--python', interpreter.python, '--mode', run.mode, ...run.flags, '--collapsed', '-o', out, `${fixtures}/modes.py`, run.scenario, seconds], { encoding: 'utf8' });
  if (result.status !== 0) return { error: result.stderr.trim().split('\n').pop() };
  const truths = truthFrom(result.stdout);
  const truth = truths[run.truth];
  const { total, share } = sharesFrom(readFileSync(out, 'utf8'), truths.scope);
  const rows = typeof truth === 'number' ? [['<GC>', truth, share('<GC>')]] : Object.entries(truth).map(([name, t]) => [name, t, share(name)]);
  const missed = /Missed samples: \d+ \(([\d.]+)%/.exec(result.stderr)?.[1];
  return { total, rows, missed: missed === undefined ? '?' : `${missed}%` };
}

function measureStdlib(run) {
  if (!existsSync(path.join(CHROOT, 'usr/bin/python3.15'))) return { error: 'no python3.15 in the chroot' };
  spawnSync('sh', ['-c', `mountpoint -q ${CHROOT}/proc || mount -t proc proc ${CHROOT}/proc`]);
  const inside = `${fixtures}/stdlib-${run.scenario}-${run.mode}.txt`;
  const flags = run.flags.includes('-a') ? ['-a'] : [];
  const result = spawnSync('chroot', [CHROOT, '/usr/bin/python3.15', '-m', 'profiling.sampling', 'run', '--mode', run.mode, ...flags, '--collapsed', '-o', inside, `${fixtures}/modes.py`, run.scenario, seconds], { encoding: 'utf8' });
  if (result.status !== 0) return { error: result.stderr.trim().split('\n').pop() };
  const truths = truthFrom(result.stdout);
  const truth = truths[run.truth];
  const { total, share } = sharesFrom(readFileSync(path.join(CHROOT, inside), 'utf8'), truths.scope);
  const rows = typeof truth === 'number' ? [['<GC>', truth, share('<GC>')]] : Object.entries(truth).map(([name, t]) => [name, t, share(name)]);
  return { total, rows };
}

/** py-spy's flags for each mode it has: wall (--idle keeps sleeping threads), cpu (its default: idle threads left out), gil. */
const PYSPY_MODES = { wall: ['--idle'], cpu: [], gil: ['--gil'] };
const pyspy = path.join(homedir(), '.cache', 'tachyon', 'bench-peers', 'bin', 'py-spy');

/** py-spy 0.4 on Debian's 3.15 (bench/setup-peers.sh installs it), in the modes it has. */
function measurePyspy(run) {
  if (!existsSync(pyspy)) return { error: 'py-spy is not installed (bash bench/setup-peers.sh)' };
  if (PYSPY_MODES[run.mode] === undefined || run.scenario === 'gc') return { unsupported: `py-spy has no ${run.scenario === 'gc' ? 'GC frames' : `${run.mode} mode`}` };
  const out = path.join(work, 'pyspy.txt');
  const result = spawnSync(pyspy, ['record', ...PYSPY_MODES[run.mode], '-r', '1000', '-f', 'raw', '-o', out, '--', 'chroot', CHROOT, '/usr/bin/python3.15', `${fixtures}/modes.py`, run.scenario, seconds], { encoding: 'utf8' });
  if (result.status !== 0) return { error: result.stderr.trim().split('\n').pop() };
  const truths = truthFrom(result.stdout);
  const truth = truths[run.truth];
  // Raw lines are "func (file:line);… count", root first: rewritten as "tid;file:func:line;…".
  const collapsed = readFileSync(out, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const space = line.lastIndexOf(' ');
      const frames = line.slice(0, space).split(';').map((f) => `file:${f.slice(0, f.lastIndexOf(' (')) || f}:0`);
      return `tid;${frames.join(';')} ${line.slice(space + 1)}`;
    })
    .join('\n');
  const { total, share } = sharesFrom(collapsed, truths.scope);
  const rows = Object.entries(truth).map(([name, t]) => [name, t, share(name)]);
  return { total, rows };
}

const pct = (x) => (x * 100).toFixed(2);
const lines = [];
lines.push(`Measured with \`node bench/modes.mjs\` (${seconds} s per run, 1 kHz, ${new Date().toISOString().slice(0, 10)}): each function's share of the kept samples against the truth modes.py measured, as \`sampled (truth)\`, and the worst error in points. cpu/gil scenarios use \`-a\`.`);
lines.push('');
lines.push('| interpreter | scenario / mode | samples | ticks missed | shares: sampled (truth) | worst error (points) |');
lines.push('|---|---|---|---|---|---|');
const sources = interpreters.map((i) => ({ label: i.label, measure: (run) => measure(i, run) }));
if (args.stdlib) sources.push({ label: '3.15 stdlib profiler', measure: measureStdlib });
if (args.pyspy) sources.push({ label: '3.15 py-spy', measure: measurePyspy });
for (const source of sources) {
  for (const run of runs) {
    const result = source.measure(run);
    const name = `${run.scenario} / ${run.mode}`;
    if (result.unsupported) {
      lines.push(`| ${source.label} | ${name} | – | – | (${result.unsupported}) | – |`);
    } else if (result.error) {
      lines.push(`| ${source.label} | ${name} | – | – | failed: ${result.error.replace(/\|/g, '/')} | – |`);
    } else {
      const worst = Math.max(...result.rows.map(([, t, s]) => Math.abs(t - s) * 100));
      const cells = result.rows.map(([n, t, s]) => `${n} ${pct(s)} (${pct(t)})`).join(', ');
      lines.push(`| ${source.label} | ${name} | ${result.total} | ${result.missed ?? '–'} | ${cells} | ${worst.toFixed(2)} |`);
    }
    process.stderr.write(`${lines[lines.length - 1]}\n`);
  }
}

const table = lines.join('\n');
if (args.print || quick) {
  console.log(table);
} else {
  writeDocSection(path.join(ROOT, 'docs', 'benchmarks.md'), 'modes-bench', `<!-- modes-bench:start -->\n${table}\n<!-- modes-bench:end -->`, {
    place: (text, block) => `${text.trimEnd()}\n\n## Accuracy per profiling mode\n\n${block}\n`,
  });
}

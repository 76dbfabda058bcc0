#!/usr/bin/env node
/**
 * The core benchmark: on a recursion-heavy CPU workload, attach for a fixed time at 1 kHz and
 * 10 kHz and measure failed samples and the profiler's own CPU use (helper and orchestrator
 * together, start-up included), for Tachyon on each CPython 3.13–3.15 and for the stdlib
 * profiler of CPython 3.15 on the same machine. Runs alternate between tools so machine noise
 * hits both; each figure is the median of the repeats, with min–max. Writes
 * docs/benchmarks.md. Usage: node bench/core.mjs [--quick]   (needs: bash scripts/setup.sh --test)
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { homedir, cpus, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const DURATION_S = quick ? 2 : 10;
const REPEATS = quick ? 1 : 3;
const CHROOT = process.env.TACHYON_CHROOT ?? path.join(process.env.TACHYON_CACHE ?? path.join(homedir(), '.cache', 'tachyon'), 'sid');
const PYENV = process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv');
const SHARED = '/tmp/tachyon-bench';

mkdirSync(SHARED, { recursive: true });
// The stdlib profiler runs inside the chroot and needs its own /proc there.
if (existsSync(CHROOT)) execFileSync('sh', ['-c', `mountpoint -q ${CHROOT}/proc || mount -t proc proc ${CHROOT}/proc`]);
cpSync(path.join(ROOT, 'bench', 'workloads'), SHARED, { recursive: true });
if (existsSync(CHROOT)) cpSync(path.join(ROOT, 'bench', 'workloads'), path.join(CHROOT, SHARED), { recursive: true });

const interpreters = [
  { label: 'pyenv 3.13.0 (shared libpython)', command: [path.join(PYENV, 'versions/3.13.0/bin/python3.13')] },
  { label: 'Debian 3.13 (static, non-PIE)', command: ['chroot', CHROOT, '/usr/bin/python3.13'] },
  { label: 'Debian 3.14 (static)', command: ['chroot', CHROOT, '/usr/bin/python3.14'] },
  { label: 'Debian 3.15 (static)', command: ['chroot', CHROOT, '/usr/bin/python3.15'], stdlib: true },
].filter((i) => existsSync(i.command[0] === 'chroot' ? path.join(CHROOT, i.command[2]) : i.command[0]));

function startTarget(command) {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], [...command.slice(1), `${SHARED}/recursive_cpu.py`], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.once('data', () => resolve(child));
    child.once('exit', () => reject(new Error(`${command.join(' ')} exited`)));
  });
}

function measure(argv) {
  const out = execFileSync('python3', [path.join(ROOT, 'bench', 'rusage.py'), ...argv], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  return JSON.parse(out.trim().split('\n').pop());
}

function tachyonRun(pid, rate) {
  const r = measure([process.execPath, path.join(ROOT, 'dist', 'cli.js'), 'attach', '-d', String(DURATION_S), '-r', rate, '--collapsed', '-o', '/tmp/tachyon-bench/out.txt', String(pid)]);
  const captured = Number(/Captured (\d+) samples/.exec(r.output)?.[1]);
  const failedPct = Number(/Failed samples: \d+ \(([\d.]+)%\)/.exec(r.output)?.[1]);
  const rateHz = Number(/Sample rate: ([\d.]+)/.exec(r.output)?.[1]);
  return { cpuPct: (r.cpu_s / DURATION_S) * 100, failedPct, captured, rateHz };
}

function stdlibRun(pid, rate) {
  const r = measure(['chroot', CHROOT, '/usr/bin/python3.15', '-m', 'profiling.sampling', 'attach', '-d', String(DURATION_S), '-r', rate, '--collapsed', '-o', '/tmp/stdlib-bench.txt', String(pid)]);
  const captured = Number(/Captured (\d+) samples/.exec(r.output)?.[1] ?? NaN);
  const failedPct = Number(/Error rate: ([\d.]+)/.exec(r.output)?.[1] ?? NaN);
  const rateHz = Number(/Sample rate: ([\d.]+)/.exec(r.output)?.[1] ?? NaN);
  return { cpuPct: (r.cpu_s / DURATION_S) * 100, failedPct, captured, rateHz };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

const rows = [];
for (const interpreter of interpreters) {
  for (const rate of ['1khz', '10khz']) {
    const target = await startTarget(interpreter.command);
    const results = { tachyon: [], stdlib: [] };
    try {
      for (let i = 0; i < REPEATS; i++) {
        results.tachyon.push(tachyonRun(target.pid, rate));
        if (interpreter.stdlib) results.stdlib.push(stdlibRun(target.pid, rate));
      }
    } finally {
      target.kill('SIGKILL');
    }
    for (const [tool, runs] of Object.entries(results)) {
      if (runs.length === 0) continue;
      const row = {
        tool: tool === 'tachyon' ? 'Tachyon' : 'stdlib profiling.sampling 3.15',
        target: interpreter.label,
        rate,
        failed: median(runs.map((r) => r.failedPct)),
        failedSpread: spread(runs.map((r) => r.failedPct)),
        cpu: median(runs.map((r) => r.cpuPct)),
        cpuSpread: spread(runs.map((r) => r.cpuPct)),
        achieved: median(runs.map((r) => r.rateHz)),
      };
      rows.push(row);
      console.log(JSON.stringify(row));
    }
  }
}

const stdlibVersion = existsSync(path.join(CHROOT, 'usr/bin/python3.15'))
  ? execFileSync('chroot', [CHROOT, '/usr/bin/python3.15', '-c', 'import sys; print(sys.version.split()[0])']).toString().trim()
  : 'absent';
const table = [
  '| tool | target | rate | achieved rate (samples/s) | failed samples % (median, min–max) | profiler CPU % of one core (median, min–max) |',
  '|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.tool} | ${r.target} | ${r.rate} | ${r.achieved.toFixed(1)} | ${r.failed.toFixed(2)} (${r.failedSpread}) | ${r.cpu.toFixed(1)} (${r.cpuSpread}) |`),
].join('\n');

const doc = path.join(ROOT, 'docs', 'benchmarks.md');
const previous = existsSync(doc) ? readFileSync(doc, 'utf8') : '';
const section = `<!-- core-bench:start -->
## Failed samples and profiler CPU on a recursion-heavy workload

Generated by \`node bench/core.mjs${quick ? ' --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}; stdlib profiler: CPython ${stdlibVersion} (Debian) in the sid chroot.

Workload: \`bench/workloads/recursive_cpu.py\`, a loop calling naive \`fib(18)\`: the stack changes
every few hundred nanoseconds. Each run attaches to the already-running target for ${DURATION_S} s
(\`attach -d ${DURATION_S} -r RATE --collapsed\`); ${REPEATS} run(s) per cell, alternating Tachyon and the
stdlib profiler on the same target. "Profiler CPU" is the user + system time of the profiler
process and everything it waited for (Tachyon: node and the helper; stdlib: its python), start-up
included, divided by the ${DURATION_S} s sampled. Failed samples: Tachyon's "Failed samples" line (ticks
whose stack could not be read consistently after re-reads); the stdlib's "Error rate".

${table}
<!-- core-bench:end -->`;
const updated = previous.includes('<!-- core-bench:start -->')
  ? previous.replace(/<!-- core-bench:start -->[\s\S]*<!-- core-bench:end -->/, section)
  : `# Benchmarks\n\nNumbers measured on this project's machine, with the commands that reproduce them.\n\n${section}\n`;
writeFileSync(doc, updated);
console.log(`wrote ${doc}`);

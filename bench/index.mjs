#!/usr/bin/env node
/**
 * `npm run bench`: Tachyon against the stdlib profiler of CPython 3.15, py-spy and Austin on this
 * machine. Installs the pinned peers (bench/setup-peers.sh), finds which Pythons each tool can
 * profile at all, sweeps the sampling rate on a recursion-heavy workload, runs the other
 * workloads at 1 kHz, times every report format on 1,000,000 samples, and writes
 * docs/benchmarks.md (between the core-bench markers), docs/benchmarks.svg and
 * docs/benchmarks.json (with --quick: the same files in /tmp/tachyon-bench/quick). Runs alternate between the tools so that machine noise hits all alike.
 * Then runs bench/versions.mjs, bench/formats.mjs and bench/modes.mjs.
 * Usage: node bench/index.mjs [--quick | --render]   (needs: bash scripts/setup.sh --test)
 * --quick: one repeat of short runs, for CI; exits non-zero when a tool is missing, a peer fails
 * every run, or a Tachyon figure is not a number (a peer failing some runs is reported, since
 * that is a finding about the peer). It never checks a time. --render: redraw docs/ from docs/benchmarks.json only.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import path from 'node:path';
import { accuracy, summarize } from './lib/figures.mjs';
import { measureRun, TIMEOUT_MS } from './lib/measure.mjs';
import { renderChart, renderSection } from './lib/report.mjs';
import { benchArgs, CHROOT, CLI, RATES, ROOT, TOOLS, interpreters, outFile, prepareWorkloads, writeDocSection } from './lib/tools.mjs';

const args = benchArgs();
const quick = args.quick === true;
const REPEATS = quick ? 1 : 3;
const MATRIX_S = quick ? 0.5 : 1;
/**
 * Seconds of work per rate of the sweep: longer at 1 and 10 kHz, where the profiler's CPU is a
 * few percent and its steady state (JIT warm-up over, half the run left out) needs seconds to
 * show through this machine's noise.
 */
const SWEEP_S = quick ? { '1 kHz': 0.5, '10 kHz': 0.5, '100 kHz': 0.5, max: 0.5 } : { '1 kHz': 6, '10 kHz': 6, '100 kHz': 2, max: 2 };
/** Where the steady state starts: half-way, at most 3 s in. */
const steadyAfterS = (seconds) => Math.min(3, seconds / 2);
const WORKLOAD_S = quick ? 1 : 1.5;
const FORMAT_SAMPLES = quick ? 100_000 : 1_000_000;
const RATE_HZ = { '1 kHz': 1000, '10 kHz': 10000, '100 kHz': 100000, max: NaN };
const WORKLOADS = [
  { name: 'recursion', what: 'recursion-heavy CPU (fib and Hanoi)' },
  { name: 'known_split', what: 'known 50/30/20 split (busy-waits in alpha, beta, gamma for a fixed time)', fixedTime: true },
  { name: 'threads50', what: '50 threads, each alternating CPU work and a 2 ms sleep' },
  { name: 'deep500', what: '500-frame-deep stack, two leaves below it' },
  { name: 'asyncio_server', what: 'asyncio TCP server under 20 local client connections' },
  { name: 'io_bound', what: 'I/O-bound: write + fsync, read back, 1 ms sleep, for a fixed time', fixedTime: true },
  { name: 'churn', what: 'code-object churn: a new function compiled, run and freed every round' },
];
const startedMs = Date.now();
/** The 1-minute load average at the start: how busy the machine was with other work. */
const loadAtStart = loadavg()[0];

/**
 * Writes benchmarks.json, benchmarks.svg and the core-bench section of benchmarks.md into `dir`
 * (a benchmarks.md there, or else docs/'s, keeps everything outside the markers).
 */
function publish(results, dir) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'benchmarks.json'), `${JSON.stringify(results, null, 1)}\n`);
  writeFileSync(path.join(dir, 'benchmarks.svg'), renderChart(results));
  writeDocSection(path.join(dir, 'benchmarks.md'), 'core-bench', renderSection(results), { from: path.join(ROOT, 'docs', 'benchmarks.md') });
}

// --render: only redraw docs/ from docs/benchmarks.json (after a change to the report's wording).
if (args.render) {
  const docs = path.join(ROOT, 'docs');
  publish(JSON.parse(readFileSync(path.join(docs, 'benchmarks.json'), 'utf8')), docs);
  process.exit(0);
}
const log = (...args) => console.error(`[bench ${((Date.now() - startedMs) / 1000).toFixed(0)}s]`, ...args);

execFileSync('bash', [path.join(ROOT, 'bench', 'setup-peers.sh')], { stdio: 'inherit' });
if (!existsSync(CLI)) throw new Error('bench: dist/cli.js is missing: run npm run build first');
if (!existsSync(path.join(CHROOT, 'usr/bin/python3.15'))) throw new Error(`bench: no CPython 3.15 in ${CHROOT}: run bash scripts/setup.sh --test`);
prepareWorkloads();

/**
 * How fast this machine runs the workloads today: the fixed amounts of work were sized for the
 * nominal seconds on a quiet day, and a busy host can run them several times slower, which
 * would stretch the benchmark past its time budget. recursion.py bare on the reference Python,
 * median of three short runs; every fixed-work workload's seconds are scaled by the factor.
 */
async function calibrate(reference) {
  const nominalS = 0.25;
  const walls = [];
  for (let i = 0; i < 3; i++) {
    const r = await measureRun([...reference.argv, path.join('/tmp/tachyon-bench', 'recursion.py'), String(nominalS)]);
    if (r.result !== null) walls.push(r.result.wall_s);
  }
  const median = summarize(walls).median;
  return Number.isFinite(median) && median > 0 ? Math.min(1.5, Math.max(0.15, nominalS / median)) : 1;
}

const versions = Object.fromEntries(Object.entries(TOOLS).map(([key, tool]) => [key, tool.version()]));
// Quick mode tries only the Pythons the comparisons below need.
const interps = interpreters().filter((i) => !quick || ['pyenv 3.13.0', 'Debian 3.14', 'Debian 3.15'].includes(i.label));
log('versions', versions);
const reference = interps.find((i) => i.label === 'Debian 3.15' && i.present) ?? interps.find((i) => i.present);
const SPEED = quick ? 1 : await calibrate(reference);

/**
 * The wake-up floor of this machine today: bench/wake_floor.zig sleeping to absolute deadlines
 * and nothing else, at 1 and 10 kHz (3 runs of 3 s; one of 1 s in quick mode), as a share of a
 * core. Every sampler that sleeps between samples pays at least this.
 */
function measureWakeFloor() {
  const binary = path.join('/tmp/tachyon-bench', 'wake_floor');
  execFileSync('python3', ['-m', 'ziglang', 'build-exe', path.join(ROOT, 'bench', 'wake_floor.zig'), '-O', 'ReleaseSafe', `-femit-bin=${binary}`], { stdio: 'inherit' });
  const floor = {};
  for (const [rate, hz] of [['1 kHz', 1000], ['10 kHz', 10000]]) {
    floor[rate] = [];
    for (let i = 0; i < (quick ? 1 : 3); i++) floor[rate].push(Number(execFileSync(binary, [String(hz), quick ? '1' : '3']).toString().trim()));
  }
  return floor;
}
const wakeFloor = measureWakeFloor();
log('wake-up floor, % of a core:', JSON.stringify(wakeFloor));
log(`speed factor ${SPEED.toFixed(2)} (fixed-work workloads scaled to their nominal time on ${reference.label})`);
/** The argument a workload gets for `seconds`: fixed-time workloads run that long; the others do that much nominal work, scaled to today's speed. */
const workloadArg = (workload, seconds) => String(WORKLOADS.find((w) => w.name === workload)?.fixedTime ? seconds : +(seconds * SPEED).toFixed(3));

/** One run of `workload` under `toolKey` on `interp` at `rate`, or bare when toolKey is null. */
async function run(toolKey, interp, workload, seconds, rate) {
  const script = path.join('/tmp/tachyon-bench', `${workload}.py`);
  if (toolKey === null) {
    const r = await measureRun([...interp.argv, script, workloadArg(workload, seconds)]);
    return { ok: r.result !== null, wallS: r.result?.wall_s ?? NaN, targetCpuS: r.result?.cpu_s ?? NaN };
  }
  const tool = TOOLS[toolKey];
  const out = outFile(`${toolKey}-${workload}.txt`);
  for (const f of [out, `${out}.mojo`, path.join(CHROOT, out), path.join(CHROOT, `${out}.mojo`)]) rmSync(f, { force: true });
  const r = await measureRun(tool.command(interp, `${workload}.py`, [workloadArg(workload, seconds)], rate, out), { steadyAfterS: steadyAfterS(seconds) });
  if (r.timedOut) return { ok: false, timedOut: true, why: `did not finish within ${TIMEOUT_MS / 1000} s (killed; not retried)` };
  if (r.result === null || r.exitCode !== 0) {
    const why = r.output.replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => /error|not|unsupported|fail/i.test(l))[0] ?? `exit ${r.exitCode}`;
    return { ok: false, why: why.trim().slice(0, 120) };
  }
  const stats = tool.stats(r.output);
  const { errorPoints, samplesInScope } = accuracy(tool.samples(out), r.result);
  // Samples per second of each thread: the workload's samples over its threads' time in it.
  const achievedHz = samplesInScope / r.result.scope_s;
  const requestedHz = RATE_HZ[rate];
  return {
    ok: samplesInScope > 0,
    why: samplesInScope > 0 ? '' : 'no samples of the workload',
    wallS: r.result.wall_s,
    targetCpuS: r.result.cpu_s,
    achievedHz,
    failedPct: stats.failedPct,
    missedPct: Number.isFinite(requestedHz) ? Math.max(0, 1 - achievedHz / requestedHz) * 100 : NaN,
    cpuPct: Number.isFinite(r.steadyCpuPct) ? r.steadyCpuPct : (r.profilerCpuS / r.wallS) * 100,
    cpuPctWithStartup: (r.profilerCpuS / r.wallS) * 100,
    peakRssBytes: r.profilerPeakRssBytes,
    peakRssByProcess: r.peakRssByProcess,
    errorPoints,
  };
}

// 1. Which Pythons each tool can profile at all (recursion workload, 1 kHz, one short run).
const matrix = [];
for (const interp of interps) {
  for (const toolKey of Object.keys(TOOLS)) {
    if (!interp.present) {
      matrix.push({ tool: toolKey, interp: interp.label, ok: false, why: 'interpreter not installed' });
      continue;
    }
    if (!TOOLS[toolKey].supports(interp)) {
      matrix.push({ tool: toolKey, interp: interp.label, ok: false, why: 'by design: it profiles only its own version (3.15)' });
      continue;
    }
    const r = await run(toolKey, interp, 'recursion', MATRIX_S, '1 kHz');
    matrix.push({ tool: toolKey, interp: interp.label, ...r });
    log('matrix', toolKey, interp.label, r.ok ? `${r.achievedHz?.toFixed(0)} Hz` : `no: ${r.why}`);
  }
}
const canProfile = (toolKey, label) => matrix.some((m) => m.tool === toolKey && m.interp === label && m.ok);

// The stdlib profiler only profiles 3.15; the peers may not. Each is compared with Tachyon on the
// newest Python it can profile (Debian builds first, then pyenv's).
const newestFirst = [...interps].reverse();
const peerInterp = newestFirst.find((i) => canProfile('pyspy', i.label) && canProfile('austin', i.label)) ?? newestFirst.find((i) => canProfile('pyspy', i.label) || canProfile('austin', i.label));
const byLabel = (label) => interps.find((i) => i.label === label);
const configs = [
  { tool: 'tachyon', interp: byLabel('Debian 3.15') },
  { tool: 'stdlib', interp: byLabel('Debian 3.15') },
];
if (peerInterp && peerInterp.label !== 'Debian 3.15') configs.push({ tool: 'tachyon', interp: peerInterp });
for (const peer of ['pyspy', 'austin']) {
  const interp = [byLabel('Debian 3.15'), peerInterp].find((i) => i && canProfile(peer, i.label));
  if (interp) configs.push({ tool: peer, interp });
}
const configKey = (c) => `${c.tool}@${c.interp.label}`;
const baselineInterps = [...new Map(configs.map((c) => [c.interp.label, c.interp])).values()];
log('configs', configs.map(configKey).join(', '));

// 2 and 3. The rate sweep on the recursion workload, and every workload at 1 kHz, alternating.
const cells = [
  ...RATES.map((rate) => ({ workload: 'recursion', rate, seconds: SWEEP_S[rate] })),
  ...WORKLOADS.filter((w) => w.name !== 'recursion').map((w) => ({ workload: w.name, rate: '1 kHz', seconds: WORKLOAD_S })),
];
const runs = new Map();
const push = (key, value) => runs.set(key, [...(runs.get(key) ?? []), value]);
/** Cells where a tool ran out of time: not run again in later rounds (each try costs TIMEOUT_MS). */
const timedOut = new Set();
for (let round = 0; round < REPEATS; round++) {
  for (const cell of cells) {
    const jobs = [...configs.map((c) => ({ config: c })), ...baselineInterps.map((interp) => ({ baseline: interp }))];
    // Rotate the order each round, so no tool always runs first or right after another.
    for (let k = 0; k < jobs.length; k++) {
      const job = jobs[(k + round) % jobs.length];
      if (job.baseline) {
        push(`bare|${job.baseline.label}|${cell.workload}|${cell.rate}`, await run(null, job.baseline, cell.workload, cell.seconds));
      } else {
        const key = `${configKey(job.config)}|${cell.workload}|${cell.rate}`;
        if (timedOut.has(key)) continue;
        const r = await run(job.config.tool, job.config.interp, cell.workload, cell.seconds, cell.rate);
        if (r.timedOut) timedOut.add(key);
        push(key, r);
        log(round, cell.workload, cell.rate, configKey(job.config), r.ok ? `${r.achievedHz?.toFixed(0)} Hz cpu ${r.cpuPct?.toFixed(1)}% err ${r.errorPoints?.toFixed(2)}` : `FAILED: ${r.why}`);
      }
    }
  }
}

const rows = [];
for (const cell of cells) {
  const fixedTime = WORKLOADS.find((w) => w.name === cell.workload).fixedTime === true;
  for (const config of configs) {
    const rs = runs.get(`${configKey(config)}|${cell.workload}|${cell.rate}`) ?? [];
    const bare = runs.get(`bare|${config.interp.label}|${cell.workload}|${cell.rate}`) ?? [];
    const bareWall = summarize(bare.map((b) => b.wallS)).median;
    const bareCpu = summarize(bare.map((b) => b.targetCpuS)).median;
    const ok = rs.filter((r) => r.ok);
    const fig = (key) => summarize(rs.map((r) => (r.ok ? r[key] : NaN)));
    rows.push({
      tool: config.tool,
      interp: config.interp.label,
      workload: cell.workload,
      rate: cell.rate,
      runs: rs.length,
      failedRuns: rs.length - ok.length,
      why: rs.find((r) => !r.ok)?.why ?? '',
      achievedHz: fig('achievedHz'),
      missedPct: fig('missedPct'),
      failedPct: fig('failedPct'),
      cpuPct: fig('cpuPct'),
      cpuPctWithStartup: fig('cpuPctWithStartup'),
      peakRssBytes: fig('peakRssBytes'),
      // Per process (Tachyon: node and the helper), from the run with the median total.
      peakRssByProcess: ok.length > 0 ? [...ok].sort((a, b) => a.peakRssBytes - b.peakRssBytes)[Math.floor(ok.length / 2)].peakRssByProcess : {},
      slowdown: fixedTime ? null : summarize(rs.map((r) => (r.ok ? r.wallS / bareWall : NaN))),
      // The target's own CPU time against a bare run's: unlike wall time, hardly moved by other
      // work on the machine; it misses a pausing profiler's cost (a paused target uses no CPU).
      targetCpuRatio: fixedTime ? null : summarize(rs.map((r) => (r.ok ? r.targetCpuS / bareCpu : NaN))),
      errorPoints: fig('errorPoints'),
    });
  }
}

// 4. Report writing: every registered format, from 1,000,000 samples, each in its own process.
// --binary is a capture of the helper's stream, not a writer of a profile: bench/formats.mjs measures it.
const { OUTPUT_FORMAT_NAMES } = await import(path.join(ROOT, 'dist', 'output', 'index.js'));
const formatNames = [...OUTPUT_FORMAT_NAMES];
const formatRuns = new Map();
for (let round = 0; round < REPEATS; round++) {
  for (let k = 0; k < formatNames.length; k++) {
    const name = formatNames[(k + round) % formatNames.length];
    const out = outFile(`format-${name}`);
    const child = spawnSync(process.execPath, [path.join(ROOT, 'bench', 'lib', 'write-format.mjs'), name, String(FORMAT_SAMPLES), out], { encoding: 'utf8', maxBuffer: 1 << 20 });
    let result = null;
    try {
      result = JSON.parse(child.stdout.trim().split('\n').pop());
    } catch {
      log('format', name, 'FAILED', child.stderr.slice(-300));
    }
    rmSync(out, { force: true, recursive: true });
    formatRuns.set(name, [...(formatRuns.get(name) ?? []), result]);
    if (result) log('format', name, `${result.writeMs.toFixed(0)} ms`);
  }
}
const formatRows = formatNames.map((name) => {
  const rs = formatRuns.get(name);
  const fig = (key) => summarize(rs.map((r) => (r ? r[key] : NaN)));
  return { format: name, writeMs: fig('writeMs'), peakRssBytes: fig('peakRssBytes'), modelPeakRssBytes: fig('modelPeakRssBytes'), sizeBytes: fig('sizeBytes') };
});

// The stdlib profiler's flamegraph of the same synthetic profile (bench/lib/stdlib_flamegraph.py
// replays write-format.mjs's generator), inside the chroot: its collect + export time, peak RSS, size.
{
  const inside = '/tmp/tachyon-bench/stdlib_flamegraph.py';
  mkdirSync(path.join(CHROOT, path.dirname(inside)), { recursive: true });
  writeFileSync(path.join(CHROOT, inside), readFileSync(path.join(ROOT, 'bench', 'lib', 'stdlib_flamegraph.py')));
  const runs = [];
  for (let round = 0; round < REPEATS; round++) {
    const out = '/tmp/tachyon-bench/stdlib-flamegraph.html';
    const child = spawnSync('chroot', [CHROOT, '/usr/bin/python3.15', inside, String(FORMAT_SAMPLES), out], { encoding: 'utf8', maxBuffer: 1 << 20 });
    try {
      const r = JSON.parse(child.stdout.trim().split('\n').pop());
      runs.push({ ...r, writeMs: r.collectMs + r.exportMs });
      log('format', 'stdlib flamegraph', `${(r.collectMs + r.exportMs).toFixed(0)} ms`);
    } catch {
      log('format', 'stdlib flamegraph', 'FAILED', child.stderr.slice(-300));
      runs.push(null);
    }
    rmSync(path.join(CHROOT, out), { force: true });
  }
  const fig = (key) => summarize(runs.map((r) => (r ? r[key] : NaN)));
  formatRows.push({ format: 'stdlib profiling.sampling 3.15 --flamegraph (collect + export)', writeMs: fig('writeMs'), peakRssBytes: fig('peakRssBytes'), modelPeakRssBytes: summarize([NaN]), sizeBytes: fig('sizeBytes') });
}

const machine = {
  cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  kernel: release(),
  virtualization: (() => {
    try {
      return execFileSync('systemd-detect-virt', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    } catch {
      return readFileSync('/proc/cpuinfo', 'utf8').includes('hypervisor') ? 'a virtual machine' : 'unknown';
    }
  })(),
  node: process.version,
  loadAverage: { start: loadAtStart, end: loadavg()[0] },
};
const results = {
  date: new Date().toISOString(),
  quick,
  repeats: REPEATS,
  seconds: { matrix: MATRIX_S, sweep: SWEEP_S, workload: WORKLOAD_S },
  speedFactor: SPEED,
  wakeFloor,
  machine,
  versions,
  tools: Object.fromEntries(Object.entries(TOOLS).map(([k, t]) => [k, { label: t.label, maxRate: t.maxRate }])),
  workloads: WORKLOADS,
  configs: configs.map((c) => ({ tool: c.tool, interp: c.interp.label })),
  matrix,
  rows,
  formatRows,
  formatSamples: FORMAT_SAMPLES,
  benchSeconds: (Date.now() - startedMs) / 1000,
};

// Quick figures are a smoke test: they go to /tmp, so they never overwrite the real ones in docs/.
const outDir = quick ? path.join('/tmp/tachyon-bench', 'quick') : path.join(ROOT, 'docs');
publish(results, outDir);
log(`wrote benchmarks.md, benchmarks.svg and benchmarks.json in ${outDir}`);

// The other engineers' sections, when their scripts are there.
for (const script of ['versions.mjs', 'formats.mjs', 'modes.mjs']) {
  const file = path.join(ROOT, 'bench', script);
  if (!existsSync(file)) continue;
  log(`running bench/${script}`);
  const extra = quick ? ['--quick'] : script === 'modes.mjs' ? ['--stdlib', '--pyspy'] : [];
  execFileSync(process.execPath, [file, ...extra], { stdio: 'inherit' });
}

// In quick mode (CI), a missing tool, a peer that fails every run, or a Tachyon figure that is not
// a number fails the run loudly.
if (quick) {
  const problems = [];
  for (const key of Object.keys(TOOLS)) if (!configs.some((c) => c.tool === key)) problems.push(`${TOOLS[key].label} could not profile any Python here`);
  // A peer that fails some runs is a finding (the report lists such runs), not a broken bench;
  // a peer that fails every run, or Tachyon failing any, is.
  const peerBroken = (tool) => rows.filter((r) => r.tool === tool).every((r) => r.failedRuns === r.runs);
  for (const row of rows) {
    if (row.tool !== 'tachyon' && row.failedRuns > 0 && !peerBroken(row.tool)) {
      log(`quick: ${row.tool} on ${row.interp}, ${row.workload} at ${row.rate}: ${row.failedRuns} of ${row.runs} runs failed (${row.why}); reported, not an error`);
      continue;
    }
    for (const [name, value] of Object.entries(row)) {
      if (value === null || typeof value !== 'object' || !('median' in value)) continue;
      const bareRateFigure = row.rate === 'max' && name === 'missedPct';
      if (!bareRateFigure && !Number.isFinite(value.median)) problems.push(`${row.tool} on ${row.interp}, ${row.workload} at ${row.rate}: ${name} is not a number${row.why ? ` (${row.why})` : ''}`);
    }
  }
  for (const row of formatRows) for (const key of ['writeMs', 'peakRssBytes', 'sizeBytes']) if (!Number.isFinite(row[key].median)) problems.push(`format ${row.format}: ${key} is not a number`);
  if (problems.length > 0) {
    console.error(`bench: error: ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  log('quick: every tool ran and every figure is a number');
}

/**
 * Turns the benchmark's results (docs/benchmarks.json) into the docs/benchmarks.md section and
 * the SVG chart. Pure functions of the results: no measuring and no I/O here.
 */
import { summarize } from './figures.mjs';

const LABEL = { tachyon: 'Tachyon', stdlib: 'stdlib profiling.sampling', pyspy: 'py-spy', austin: 'Austin' };
const COLOR = { tachyon: '#d9480f', stdlib: '#1c7ed6', pyspy: '#2f9e44', austin: '#7048e8' };

const num = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '–');
/** "median (min–max)", or the median alone after a single run; notes runs that gave no number. */
function cell(s, digits = 1, scale = 1) {
  if (s === null) return 'n/a';
  if (s === undefined) return '–';
  if (!Number.isFinite(s.median)) return s.runs > 0 ? `failed (${s.failed}/${s.runs} runs)` : '–';
  const body = s.runs - s.failed > 1 ? `${num(s.median * scale, digits)} (${num(s.min * scale, digits)}–${num(s.max * scale, digits)})` : num(s.median * scale, digits);
  return s.failed > 0 ? `${body}; ${s.failed} of ${s.runs} runs failed` : body;
}
const MiB = 1 / 2 ** 20;
const who = (row) => `${LABEL[row.tool]} (${row.interp})`;

function matrixTable(results) {
  const interps = [...new Set(results.matrix.map((m) => m.interp))];
  const tools = Object.keys(LABEL);
  const lines = [`| Python | ${tools.map((t) => LABEL[t]).join(' | ')} |`, `|---|${tools.map(() => '---').join('|')}|`];
  for (const interp of interps) {
    const cells = tools.map((t) => {
      const m = results.matrix.find((x) => x.tool === t && x.interp === interp);
      if (!m) return '–';
      if (!m.ok) return `✗ ${m.why.replace(/^\W+/, '').split('. ')[0].replace(/\.$/, '')}`;
      return `✓ ${num(m.achievedHz, 0)} Hz, ${num(m.failedPct, 2)}% failed, CPU ${num(m.cpuPctWithStartup, 1)}%`;
    });
    lines.push(`| ${interp} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function sweepTable(results) {
  const lines = [
    '| tool (target Python) | rate | achieved samples/s | missed % | failed % | profiler CPU, % of a core | profiler peak RSS, MiB | target slowdown, × | target CPU time, × | largest share error, points |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of results.rows.filter((r) => r.workload === 'recursion')) {
    const rate = row.rate === 'max' ? `max: ${results.tools[row.tool].maxRate}` : row.rate;
    lines.push(
      `| ${who(row)} | ${rate} | ${cell(row.achievedHz, 0)} | ${row.rate === 'max' ? 'n/a' : cell(row.missedPct, 1)} | ${cell(row.failedPct, 2)} | ${cell(row.cpuPct, 1)} | ${cell(row.peakRssBytes, 1, MiB)} | ${cell(row.slowdown, 2)} | ${cell(row.targetCpuRatio, 2)} | ${cell(row.errorPoints, 2)} |`,
    );
  }
  return lines.join('\n');
}

/** Which of a tool's processes the memory is in (Tachyon: Node.js and the helper), at 1 kHz on the recursion workload. */
function rssBreakdown(results) {
  const parts = results.rows
    .filter((r) => r.workload === 'recursion' && r.rate === '1 kHz' && r.peakRssByProcess && Object.keys(r.peakRssByProcess).length > 0)
    .map((r) => `${who(r)}: ${Object.entries(r.peakRssByProcess).map(([name, bytes]) => `${name} ${num(bytes * MiB, 1)}`).join(', ')}`);
  return parts.length > 0 ? `\nPeak RSS by process at 1 kHz, MiB (the process's command name): ${parts.join('; ')}.\n` : '';
}

function workloadTable(results) {
  const lines = [
    '| workload | tool (target Python) | achieved samples/s | failed % | profiler CPU, % of a core | profiler peak RSS, MiB | target slowdown, × | target CPU time, × | largest share error, points |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const w of results.workloads) {
    for (const row of results.rows.filter((r) => r.workload === w.name && r.rate === '1 kHz')) {
      lines.push(
        `| ${w.name} | ${who(row)} | ${cell(row.achievedHz, 0)} | ${cell(row.failedPct, 2)} | ${cell(row.cpuPct, 1)} | ${cell(row.peakRssBytes, 1, MiB)} | ${cell(row.slowdown, 2)} | ${cell(row.targetCpuRatio, 2)} | ${cell(row.errorPoints, 2)} |`,
      );
    }
  }
  return lines.join('\n');
}

function formatTable(results) {
  const lines = ['| format | write time, ms | peak RSS of the process, MiB (of which the model: before writing) | file size, MB |', '|---|---|---|---|'];
  for (const row of results.formatRows) {
    const model = row.modelPeakRssBytes.median !== undefined && Number.isFinite(row.modelPeakRssBytes.median) ? ` (${cell(row.modelPeakRssBytes, 0, MiB)})` : '';
    lines.push(`| ${row.format} | ${cell(row.writeMs, 0)} | ${cell(row.peakRssBytes, 0, MiB)}${model} | ${cell(row.sizeBytes, 1, 1e-6)} |`);
  }
  return lines.join('\n');
}

/**
 * Where Tachyon is behind: every figure of every workload and rate where some peer does better
 * than Tachyon by a margin that run-to-run noise does not explain (the peer's worst run beats
 * Tachyon's best, and by a real amount), one sentence per figure and peer, listing the cells.
 */
const FIGURES = {
  missedPct: { lowerIsBetter: true, margin: () => 2, unit: '% missed', digits: 1, what: 'samples missed (achieved rate below the rate asked for)' },
  achievedHz: { lowerIsBetter: false, margin: (t) => t * 0.05, unit: ' samples/s', digits: 0, what: 'fastest achievable rate', onlyAtMax: true },
  failedPct: { lowerIsBetter: true, margin: () => 0.5, unit: '% failed', digits: 2, what: 'failed samples' },
  cpuPct: { lowerIsBetter: true, margin: (t) => Math.max(0.5, t * 0.1), unit: '% of a core', digits: 1, what: 'profiler CPU' },
  peakRssBytes: { lowerIsBetter: true, margin: (t) => t * 0.1, unit: ' MiB', digits: 1, scale: MiB, what: 'profiler peak memory' },
  slowdown: { lowerIsBetter: true, margin: () => 0.03, unit: '×', digits: 2, what: 'target slowdown' },
  targetCpuRatio: { lowerIsBetter: true, margin: () => 0.03, unit: '×', digits: 2, what: "the target's own CPU time" },
  errorPoints: { lowerIsBetter: true, margin: () => 0.3, unit: ' points', digits: 2, what: 'largest share error' },
};

export function behind(results) {
  /** "figure|peer" → cells where the peer is ahead */
  const ahead = new Map();
  for (const row of results.rows.filter((r) => r.tool !== 'tachyon')) {
    const same = results.rows.filter((r) => r.workload === row.workload && r.rate === row.rate && r.tool === 'tachyon');
    // Tachyon on the same Python as the peer when there is such a run, else on 3.15.
    const t = same.find((r) => r.interp === row.interp) ?? same[0];
    if (!t) continue;
    for (const [figure, rule] of Object.entries(FIGURES)) {
      if (rule.onlyAtMax === true && row.rate !== 'max') continue;
      const tf = t[figure];
      const pf = row[figure];
      if (!tf || !pf || !Number.isFinite(tf.median) || !Number.isFinite(pf.median)) continue;
      const peerAhead = rule.lowerIsBetter
        ? pf.max < tf.min && tf.median - pf.median > rule.margin(tf.median)
        : pf.min > tf.max && pf.median - tf.median > rule.margin(tf.median);
      if (!peerAhead) continue;
      const key = `${figure}|${row.tool}`;
      ahead.set(key, [...(ahead.get(key) ?? []), { workload: row.workload, rate: row.rate, t: tf.median, p: pf.median, interp: row.interp }]);
    }
  }
  const notes = [];
  const order = Object.keys(FIGURES);
  const keys = [...ahead.keys()].sort((a, b) => order.indexOf(a.split('|')[0]) - order.indexOf(b.split('|')[0]));
  for (const key of keys) {
    const cells = ahead.get(key);
    const [figure, peer] = key.split('|');
    const rule = FIGURES[figure];
    const v = (x) => num(x * (rule.scale ?? 1), rule.digits);
    const list = cells.map((c) => `${c.workload} at ${c.rate}: ${v(c.t)} against ${v(c.p)}`).join('; ');
    notes.push(`- **${rule.what}**, against ${LABEL[peer]} (on ${cells[0].interp}), in ${cells.length} of ${results.rows.filter((r) => r.tool === peer).length} cells (Tachyon's figure first, ${rule.unit.trim()}): ${list}.`);
  }
  return notes;
}

/** The measured wake-up floor (bench/wake_floor.zig), where the results have it. */
function wakeFloorLine(results) {
  const floor = results.wakeFloor;
  if (floor === undefined) return '';
  const range = (values) => {
    const s = summarize(values);
    return `${num(s.median, 1)}% (${num(s.min, 1)}–${num(s.max, 1)})`;
  };
  return `
  On this VM merely waking up at a fixed rate costs a share of a core before anything is read: a
  loop doing nothing but \`clock_nanosleep\` to absolute deadlines (\`bench/wake_floor.zig\`, measured
  at the start of this run) used ${range(floor['1 kHz'])} at 1 kHz and ${range(floor['10 kHz'])} at 10 kHz, the floor under any
  sampler that sleeps between samples instead of spinning.`;
}

/** The sweep's seconds of work: one number (older results) or one per rate. */
function sweepSeconds(results) {
  const sweep = results.seconds.sweep;
  if (typeof sweep === 'number') return `${sweep} s`;
  const byLength = new Map();
  for (const [rate, seconds] of Object.entries(sweep)) byLength.set(seconds, [...(byLength.get(seconds) ?? []), rate]);
  return [...byLength].map(([seconds, rates]) => `${seconds} s at ${rates.join(' and ')}`).join(', ');
}

export function renderSection(results) {
  const v = results.versions;
  const notes = behind(results);
  const peerRows = results.configs.map((c) => `${LABEL[c.tool]} on ${c.interp}`).join(', ');
  const minutes = (results.benchSeconds / 60).toFixed(1);
  const failedRuns = results.rows.filter((r) => r.failedRuns > 0);
  return `<!-- core-bench:start -->
## Tachyon against the stdlib profiler, py-spy and Austin

Generated by \`npm run bench${results.quick ? ' -- --quick' : ''}\` (\`bench/index.mjs\`) on ${results.date.slice(0, 16).replace('T', ' ')} UTC, in ${minutes} minutes;
raw results in [benchmarks.json](benchmarks.json).${results.quick ? ' **Quick mode: one short run per cell; the figures are a smoke test, not measurements.**' : ''}

- **Machine:** ${results.machine.cpus}, ${results.machine.memoryGiB} GiB, Linux ${results.machine.kernel} (systemd-detect-virt: ${results.machine.virtualization}${/-fc-/.test(results.machine.kernel) ? '; a Firecracker guest kernel' : ''}), Node ${results.machine.node}${results.machine.loadAverage ? `; load average ${num(results.machine.loadAverage.start, 1)} at the start and ${num(results.machine.loadAverage.end, 1)} at the end (${results.machine.loadAverage.start > 1.5 ? '**other work shared the machine: wall-clock figures such as missed samples and slowdown are noisy**' : 'a quiet machine'})` : ''}.${wakeFloorLine(results)}
- **Tools:** Tachyon ${v.tachyon} (this checkout); the stdlib profiler \`profiling.sampling\` of CPython ${v.stdlib} (Debian, in the sid chroot);
  py-spy ${v.pyspy} and Austin ${v.austin} (PyPI's \`py-spy\` and \`austin-dist\`, pinned in \`bench/setup-peers.sh\`; Austin's MOJO
  files are read by \`bench/lib/mojo.mjs\`). Austin's binary needs glibc 2.38, so it runs with the
  sid chroot's loader and libc, and inside the chroot for the chroot's Pythons (it reads the target's files by the
  paths in /proc/PID/maps).
- **Options:** every tool samples all threads in wall-clock mode (\`tachyon run -a\`, \`profiling.sampling run -a\`,
  \`py-spy record --idle\`, \`austin\`), each at its own defaults otherwise: py-spy pauses the target for every
  sample (its default, blocking mode); the others never do.
- **Compared:** ${peerRows}. The stdlib profiler profiles only its own version, 3.15; py-spy and Austin are
  compared with Tachyon on the newest Python they could both profile (table 1).
- **Speed:** ${results.speedFactor === undefined || results.speedFactor === 1 ? 'the workloads ran their nominal amounts of work' : `this machine ran the workloads at ${results.speedFactor.toFixed(2)} of their nominal speed at the start (recursion.py bare on the reference Python), so every fixed-work workload was given that share of its nominal work, to take its nominal time`}.
- **Method:** each workload runs under a tool from its first line to its exit (\`run\`/\`record\` mode), ${results.repeats} run(s) per
  cell, the tools and a bare run of the workload alternating in a rotating order. Each cell is the median, with
  min–max over the runs. *Achieved rate*: samples per second of each thread, counted from the
  tool's own output: the samples inside the workload's scope function over the time the workload's threads spent in
  it (the same count for every tool, whatever each calls a sample); *missed*: how far it fell short of the rate asked for; *failed*: samples the tool itself reports
  as errors (Tachyon: "Failed samples", stdlib: "Error rate", py-spy: "Errors", Austin: "Error rate").
  *Profiler CPU*: the CPU time of every process in the run other than the target (Tachyon: node and the helper),
  from the scheduler's nanosecond counters (/proc/PID/task/TID/schedstat), over the steady state (from half-way through the run, at most 3 s after the
  start, to the target's exit: start-up such as loading Node.js and compiling its hot code, and writing the report once the target is gone, left out), as a share of one core. *Peak RSS*: the sum of those processes' VmHWM.
  *Slowdown*: the workload's own wall time under the tool over its median bare wall time (same Python); on a
  busy machine the bare runs vary too, and a slowdown under 1 is that noise. *Target CPU time*: the same
  ratio for the target's own CPU time (getrusage in the workload), which other work on the machine hardly
  moves; it does not show a pausing profiler's cost.
  *Largest share error*: each workload measures, with the wall clock, the share of its time spent in two or
  three functions (its ground truth, printed at the end); a profile's share of a function is the share of its
  samples inside the workload's scope function that have it on the stack; the figure is the largest
  difference over the functions, in percentage points.

### 1. Which Pythons each tool could profile at all

\`recursion.py\` for ${results.seconds.matrix} s at 1 kHz under each tool (one run; a ✗ gives the tool's own message). pyenv's builds
share libpython; Debian's are static (3.13 non-PIE).

${matrixTable(results)}

### 2. The sampling rate: recursion-heavy CPU workload

\`bench/workloads/recursion.py\` (naive \`fib(18)\` and Hanoi on 11 discs in turn, ${sweepSeconds(results)} of work bare; the stack
changes every few hundred nanoseconds). "max" is each tool's fastest setting.

${sweepTable(results)}
${rssBreakdown(results)}

![Profiler CPU and target slowdown by requested rate](benchmarks.svg)

### 3. The workloads, at 1 kHz

About ${results.seconds.workload} s of work each, bare (\`bench/workloads/\`):
${results.workloads.map((w) => `\`${w.name}\`: ${w.what}`).join('; ')}. \`known_split\` runs for a fixed time, so it has no slowdown.

${workloadTable(results)}

### 4. Writing reports from ${results.formatSamples.toLocaleString('en-US')} samples

Every format in Tachyon's registry (\`OUTPUT_FORMATS\`), each in its own node process: a synthetic profile
(\`bench/lib/write-format.mjs\`: 4 threads, 5,000 distinct stacks 8–60 frames deep over 600 functions, a few hot
stacks and many rare ones) is built through \`ProfileBuilder\`, then written to a file; the time covers the
writer and the file write. The last row is the stdlib profiler's flamegraph of the same profile
(\`bench/lib/stdlib_flamegraph.py\` replays the same generator into its FlamegraphCollector, identical
stacks batched as its own replay does), inside the chroot: collect plus export time.

${formatTable(results)}

### Where Tachyon is behind

${notes.length > 0 ? `Generated from the figures above: every cell where a peer's worst run beat Tachyon's best run, by more than noise margins (missed samples 2 points, maximum rate 5%, CPU 10% or 0.5 points, memory 10%, slowdown and target CPU 0.03×, share error 0.3 points, failed samples 0.5 points). Tachyon is compared with the peer on the same Python where it ran on it (Austin: 3.14), else on 3.15.\n\n${notes.join('\n')}` : 'In this run, no peer beat Tachyon on any figure by more than run-to-run noise.'}
${failedRuns.length > 0 ? `\nRuns that produced no figures:\n\n${failedRuns.map((r) => `- ${who(r)}, ${r.workload} at ${r.rate}: ${r.failedRuns} of ${r.runs} runs (${r.why}).`).join('\n')}\n` : ''}
To reproduce: \`bash scripts/setup.sh --test && npm run bench\` (the peers are installed into
\`~/.cache/tachyon/bench-peers\` by \`bench/setup-peers.sh\`); \`npm run bench -- --quick\` is the short smoke run CI does.
<!-- core-bench:end -->`;
}

/**
 * A grouped bar chart of the recursion workload's rate sweep: one panel per figure (profiler
 * CPU, target slowdown), a bar per tool at each rate.
 */
export function renderChart(results) {
  const rows = results.rows.filter((r) => r.workload === 'recursion');
  const configs = results.configs;
  const rates = [...new Set(rows.map((r) => r.rate))];
  const panels = [
    { title: 'Profiler CPU, % of one core (median)', figure: 'cpuPct' },
    // The dashed line at 1: no slowdown.
    { title: 'Target slowdown, × (median)', figure: 'slowdown', floor: 1 },
  ];
  const W = 460;
  const H = 300;
  const pad = { left: 50, right: 12, top: 34, bottom: 40 };
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [];
  panels.forEach((panel, p) => {
    const x0 = p * W;
    const values = rows.map((r) => r[panel.figure]?.median).filter(Number.isFinite);
    const top = Math.max(panel.floor ?? 0, ...values) * 1.12 || 1;
    const plotW = W - pad.left - pad.right;
    const plotH = H - pad.top - pad.bottom;
    const y = (v) => pad.top + plotH - (v / top) * plotH;
    parts.push(`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">${esc(panel.title)}</text>`);
    for (let t = 0; t <= 4; t++) {
      const v = (top / 4) * t;
      parts.push(`<line x1="${x0 + pad.left}" x2="${x0 + W - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
      parts.push(`<text x="${x0 + pad.left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v >= 10 ? v.toFixed(0) : v.toFixed(1)}</text>`);
    }
    const groupW = plotW / rates.length;
    const barW = (groupW * 0.8) / configs.length;
    rates.forEach((rate, g) => {
      const gx = x0 + pad.left + g * groupW + groupW * 0.1;
      parts.push(`<text x="${gx + groupW * 0.4}" y="${H - pad.bottom + 16}" text-anchor="middle" font-size="11">${esc(rate)}</text>`);
      configs.forEach((c, k) => {
        const row = rows.find((r) => r.rate === rate && r.tool === c.tool && r.interp === c.interp);
        const v = row?.[panel.figure]?.median;
        const bx = gx + k * barW;
        if (!Number.isFinite(v)) {
          parts.push(`<text x="${bx + barW / 2}" y="${y(0) - 3}" text-anchor="middle" font-size="9">–</text>`);
          return;
        }
        const shade = c.interp === 'Debian 3.15' || c.tool !== 'tachyon' ? 1 : 0.55;
        parts.push(`<rect x="${bx.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${(y(0) - y(v)).toFixed(1)}" fill="${COLOR[c.tool]}" fill-opacity="${shade}"><title>${esc(`${LABEL[c.tool]} (${c.interp}) at ${rate}: ${v.toFixed(2)}`)}</title></rect>`);
      });
    });
    parts.push(`<line x1="${x0 + pad.left}" x2="${x0 + W - pad.right}" y1="${y(0)}" y2="${y(0)}" stroke="#333"/>`);
    if (panel.floor !== undefined) {
      parts.push(`<line x1="${x0 + pad.left}" x2="${x0 + W - pad.right}" y1="${y(panel.floor)}" y2="${y(panel.floor)}" stroke="#333" stroke-dasharray="4 3"/>`);
    }
  });
  const legendY = H + 8;
  let lx = 20;
  configs.forEach((c) => {
    const label = `${LABEL[c.tool]} (${c.interp})`;
    const shade = c.interp === 'Debian 3.15' || c.tool !== 'tachyon' ? 1 : 0.55;
    parts.push(`<rect x="${lx}" y="${legendY}" width="12" height="12" fill="${COLOR[c.tool]}" fill-opacity="${shade}"/>`);
    parts.push(`<text x="${lx + 16}" y="${legendY + 10}" font-size="11">${esc(label)}</text>`);
    lx += 16 + label.length * 6.2 + 18;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 30}" viewBox="0 0 ${2 * W} ${H + 30}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
${parts.join('\n')}
</svg>
`;
}

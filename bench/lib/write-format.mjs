/**
 * One report-writing measurement, in its own process so that its peak memory is its own: builds a
 * synthetic profile of SAMPLES samples through ProfileBuilder (4 threads, 5,000 distinct stacks
 * 8–60 frames deep over 600 functions in 60 files, ten lines each, a skewed choice of stack per sample, as a long
 * capture of a real program has), then writes it in FORMAT to a file and prints, as JSON, the
 * write time, the process's peak RSS before and after, and the file size.
 * Usage: node bench/lib/write-format.mjs FORMAT SAMPLES OUTFILE   (after npm run build)
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import path from 'node:path';

const [formatName, samplesArg, outFile] = process.argv.slice(2);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const { ProfileBuilder } = await import(path.join(ROOT, 'dist', 'model', 'builder.js'));
const { OUTPUT_FORMATS } = await import(path.join(ROOT, 'dist', 'output', 'index.js'));
const { PROFILE_FORMAT_VERSION } = await import(path.join(ROOT, 'dist', 'model', 'profile.js'));
const { loadReportAssets } = await import(path.join(ROOT, 'dist', 'commands', 'report-assets.js'));

const format = OUTPUT_FORMATS[formatName];
if (!format) {
  console.error(`write-format: no format ${formatName}`);
  process.exit(2);
}

/** A small deterministic generator (xorshift32), so every run writes the same profile. */
let seed = 0x9e3779b9;
const random = () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
};

const SAMPLES = Number(samplesArg);
const THREADS = 4;
const STACKS = 5000;
const builder = new ProfileBuilder();
const funcs = Array.from({ length: 600 }, (_, i) => builder.func(`module${i % 60}.function_${i}`, `/srv/app/pkg${i % 60}/module${i % 60}.py`, 10 + i, 'python'));
const stacks = Array.from({ length: STACKS }, () => {
  const depth = 8 + Math.floor(random() * 52);
  const frames = [];
  for (let d = 0; d < depth; d++) {
    const func = Math.floor(random() * funcs.length);
    // Each function executes at one of ten lines below its first.
    frames.push(builder.frame(funcs[func], 11 + func + Math.floor(random() * 10)));
  }
  return builder.stack(frames);
});
const intervalUs = 1000;
for (let i = 0; i < SAMPLES; i++) {
  // Squaring skews the choice: a few stacks are hot, most are rare.
  const stack = stacks[Math.floor(random() ** 2 * STACKS)];
  builder.addSample(1000 + (i % THREADS), Math.floor(i / THREADS) * intervalUs, 0, stack);
}
const ticks = Math.ceil(SAMPLES / THREADS);
const profile = builder.finish({
  formatVersion: PROFILE_FORMAT_VERSION,
  tool: { name: 'tachyon', version: 'bench', helperVersion: 'bench', protocolVersion: 1 },
  target: { pid: 4242, argv: ['python3', 'app.py'], pythonVersion: '3.15.0', runtimePath: '/usr/bin/python3.15' },
  mode: 'wall',
  startUnixMs: Date.UTC(2026, 0, 1),
  durationUs: ticks * intervalUs,
  sampleIntervalUs: intervalUs,
  ticksTaken: ticks,
  ticksFailed: 0,
  ticksMissed: 0,
  stopReason: 'duration_elapsed',
});

const peakRssBytes = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
const beforeBytes = peakRssBytes();
const start = performance.now();
// The HTML formats get their templates and d3, as the command layer gives them (loading them is
// timed too); the differential flamegraph is drawn against the same profile as its baseline.
const options = {
  pstats: { sort: 'nsamples', limit: 15, summary: true, color: false },
  assets: format.needsAssets ? loadReportAssets() : undefined,
  baseline: profile,
};
const data = format.write(profile, options, true);
let sizeBytes = 0;
if (data instanceof Map) {
  // A directory format (the heatmap): its files, as writeOutput would lay them out.
  mkdirSync(outFile, { recursive: true });
  for (const [name, text] of data) {
    mkdirSync(path.dirname(path.join(outFile, name)), { recursive: true });
    writeFileSync(path.join(outFile, name), text);
    sizeBytes += Buffer.byteLength(text);
  }
} else {
  writeFileSync(outFile, data);
  sizeBytes = statSync(outFile).size;
}
const writeMs = performance.now() - start;
console.log(JSON.stringify({ format: formatName, writeMs, peakRssBytes: peakRssBytes(), modelPeakRssBytes: beforeBytes, sizeBytes }));

#!/usr/bin/env node
/**
 * Capture size and replay time: attaches to the recursion fixture (Debian's CPython 3.15 in the
 * sid chroot) at 10 kHz, once with `tachyon attach --binary` and once with the stdlib profiler's
 * `--binary`, then replays both into collapsed stacks; then scales Tachyon's real capture to
 * 1,000,000 samples (its sample records repeated with shifted times) and replays that. Writes the
 * section between <!-- formats-bench:start/end --> in docs/benchmarks.md.
 *
 *   node bench/formats.mjs [--seconds 5] [--no-write]
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pack, unpackMultiple } from 'msgpackr';
import { benchArgs, CHROOT, CLI, mountChrootProc, ROOT, writeDocSection } from './lib/tools.mjs';

const args = benchArgs();
const seconds = Number(args.seconds) || 5;
const write = args['no-write'] !== true;
const SAMPLES_PER_REPORT = 1_000_000;
/** The scaled capture: large enough to time replay, small enough for a shared machine. */
const SAMPLES_TARGET = Number(args['scaled-samples']) || 100_000;

const { openCapture, encodeCaptureHeader } = await import(path.join(ROOT, 'dist', 'capture', 'format.js'));
const { replayCapture } = await import(path.join(ROOT, 'dist', 'capture', 'replay.js'));

// Inside the chroot and on the host at the same path, so both profilers see the same script.
const work = `/tmp/tachyon-formats-bench-${process.pid}`;
for (const dir of [work, path.join(CHROOT, work)]) {
  mkdirSync(dir, { recursive: true });
  copyFileSync(path.join(ROOT, 'test', 'fixtures', 'python', 'recursive.py'), path.join(dir, 'recursive.py'));
}
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-formats-bench-'));
mountChrootProc();

function startTarget() {
  const child = spawn('chroot', [CHROOT, '/usr/bin/python3.15', `${work}/recursive.py`, '--forever'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => chunk.toString().includes('ready') && resolve(child));
    child.once('exit', () => reject(new Error('target exited')));
  });
}

function timed(command, commandArgs) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, commandArgs, { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0) throw new Error(`${command} ${commandArgs.join(' ')} failed:\n${result.stderr}`);
  return { seconds, stderr: result.stderr, stdout: result.stdout };
}

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(2);
const perMillion = (bytes, samples) => (bytes / samples) * SAMPLES_PER_REPORT;

const target = await startTarget();
let tachyonRun;
let stdlibRun;
try {
  const capture = path.join(out, 'tachyon.bin');
  tachyonRun = timed('node', [CLI, 'attach', '-d', String(seconds), '-r', '10khz', '--binary', '-o', capture, String(target.pid)]);
  const samples = Number(/Binary capture written to \S+ \((\d+) samples\)/.exec(tachyonRun.stderr)[1]);
  const compression = /compression: (\w+)/.exec(tachyonRun.stderr)[1];
  const replay = timed('node', [CLI, 'replay', capture, '--collapsed', '-o', path.join(out, 'tachyon.txt')]);
  const streamBytes = openCapture(readFileSync(capture)).stream.length;
  tachyonRun = { capture, samples, compression, bytes: statSync(capture).size, streamBytes, replaySeconds: replay.seconds };

  const stdlibCapture = `${work}/stdlib.bin`;
  const stdlib = timed('chroot', [CHROOT, '/usr/bin/python3.15', '-m', 'profiling.sampling', 'attach', '-d', String(seconds), '-r', '10khz', '--binary', '-o', stdlibCapture, String(target.pid)]);
  const stdlibSamples = Number(/\((\d+) samples\)/.exec(stdlib.stdout + stdlib.stderr)?.[1] ?? NaN);
  const stdlibReplay = timed('chroot', [CHROOT, '/usr/bin/python3.15', '-m', 'profiling.sampling', 'replay', '--collapsed', '-o', `${work}/stdlib.txt`, stdlibCapture]);
  stdlibRun = { samples: stdlibSamples, bytes: statSync(path.join(CHROOT, stdlibCapture)).size, replaySeconds: stdlibReplay.seconds };
} finally {
  target.kill('SIGKILL');
}

// 1,000,000 samples: the real capture's sample records repeated, each pass shifted past the last.
const values = unpackMultiple(openCapture(readFileSync(tachyonRun.capture)).stream);
const head = values.filter((v) => v[0] !== 3 && v[0] !== 4 && v[0] !== 5 && v[0] !== 6);
const body = values.filter((v) => v[0] === 3);
// Times are 64-bit (BigInt once unpacked); kept so, the records pack to the helper's own sizes.
const span = BigInt(body[body.length - 1][1]) - BigInt(body[0][1]) + 100_000n;
const parts = head.map((v) => pack(v));
let count = 0;
for (let pass = 0; count < SAMPLES_TARGET; pass++) {
  for (const v of body) {
    if (count++ >= SAMPLES_TARGET) break;
    parts.push(pack([v[0], BigInt(v[1]) + BigInt(pass) * span, ...v.slice(2)]));
  }
}
parts.push(pack([6, 2]));
const stream = Buffer.concat(parts);
const meta = { tool: { name: 'tachyon', version: 'bench' }, commandLine: ['bench'], argv: [], mode: 'wall', rateHz: 10000, allThreads: false, target: { pid: 1 }, startUnixMs: 0 };
const compressStart = process.hrtime.bigint();
// As capture/format.ts compresses without zstd: brotli, quality 5, 16 MiB window.
const brotli = { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } };
const big = Buffer.concat([encodeCaptureHeader(meta, 'brotli'), zlib.brotliCompressSync(stream, brotli)]);
const compressSeconds = Number(process.hrtime.bigint() - compressStart) / 1e9;
const bigFile = path.join(out, 'million.bin');
writeFileSync(bigFile, big);
const replayStart = process.hrtime.bigint();
const replayed = replayCapture(openCapture(readFileSync(bigFile)), 'bench');
const inProcessSeconds = Number(process.hrtime.bigint() - replayStart) / 1e9;
const bigReplay = timed('node', [CLI, 'replay', bigFile, '--collapsed', '-o', path.join(out, 'million.txt')]);
const replayedSamples = replayed.profile.threads.reduce((n, t) => n + t.samples.length, 0);

const rows = [
  `| Tachyon \`attach -r 10khz --binary\` (${tachyonRun.compression}) | ${tachyonRun.samples} | ${mib(tachyonRun.bytes)} | ${mib(perMillion(tachyonRun.bytes, tachyonRun.samples))} | ${mib(perMillion(tachyonRun.streamBytes, tachyonRun.samples))} | ${tachyonRun.replaySeconds.toFixed(2)} |`,
  `| stdlib \`attach -r 10khz --binary\` (zstd) | ${stdlibRun.samples} | ${mib(stdlibRun.bytes)} | ${mib(perMillion(stdlibRun.bytes, stdlibRun.samples))} | — | ${stdlibRun.replaySeconds.toFixed(2)} |`,
  `| Tachyon, the capture above scaled to ${replayedSamples} samples (brotli) | ${replayedSamples} | ${mib(big.length)} | ${mib(perMillion(big.length, replayedSamples))} | ${mib(perMillion(stream.length, replayedSamples))} | ${bigReplay.seconds.toFixed(2)} (${((bigReplay.seconds / replayedSamples) * SAMPLES_PER_REPORT).toFixed(1)} per 1,000,000) |`,
];
const section = `<!-- formats-bench:start -->
## Capture size and replay time

Generated by \`node bench/formats.mjs --seconds ${seconds}\` on ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; stdlib profiler: CPython 3.15 (Debian) in the sid chroot.

Target: \`test/fixtures/python/recursive.py --forever\` on Debian's CPython 3.15 (naive \`fib(18)\`
and a 1,000-frame recursion), sampled for ${seconds} s at 10 kHz by each profiler in turn. "Replay"
is the wall time of the whole command (\`tachyon replay FILE --collapsed -o …\`, start-up included;
the stdlib's \`python3.15 -m profiling.sampling replay --collapsed\`). The last row repeats the
real capture's sample records (times shifted) up to ${replayedSamples} samples, and scales the
replay time to 1,000,000 linearly; its replay through the ProfileAssembler alone, without start-up and
output, took ${inProcessSeconds.toFixed(2)} s, compressing it ${compressSeconds.toFixed(2)} s. Node ${process.version} has
no zstd in node:zlib, so Tachyon's captures are brotli (quality 5, 16 MiB window), which the run
says; the stdlib profiler's file is zstd, and its format stores each stack as a change from the
thread's previous one and keeps only the innermost 256 frames, where Tachyon keeps the helper's
stream (every sample's whole stack, here up to 1,000 frames) as it was received. Where Tachyon is
behind: its captures are ${(perMillion(tachyonRun.bytes, tachyonRun.samples) / perMillion(stdlibRun.bytes, stdlibRun.samples)).toFixed(0)} times the stdlib's size per sample on this deep-stack workload, and
replay decodes every frame of every sample (samples are read straight from the bytes, other
records through msgpackr); only the frames where a sample's stack differs from its thread's
previous one, from the leaf to the first shared caller, are symbolized and interned.

| capture | samples | file MiB | MiB per 1,000,000 samples | helper stream MiB per 1,000,000 samples (uncompressed) | replay s |
|---|---|---|---|---|---|
${rows.join('\n')}
<!-- formats-bench:end -->`;

console.log(section);
if (write) {
  const doc = path.join(ROOT, 'docs', 'benchmarks.md');
  writeDocSection(doc, 'formats-bench', section);
  console.log(`wrote ${doc}`);
}
rmSync(out, { recursive: true, force: true });
rmSync(work, { recursive: true, force: true });
rmSync(path.join(CHROOT, work), { recursive: true, force: true });

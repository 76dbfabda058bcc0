/**
 * Captures and replay end to end: a live run's report and the replay of the capture it saved are
 * byte-identical in every format; a helper stream written without tachyon replays, whole or cut;
 * a capture of a target in a chroot, replayed on the host, gives every format the stacks of the
 * direct run; bad input files give one error line, a hint and exit code 7.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, REPO_ROOT } from '../helpers/interpreters.js';
import { parseCollapsed, startTarget, tachyon } from '../helpers/cli.js';
import { checkRecursiveProfile } from '../helpers/recursive-profile.js';
import { stacksFromCollapsed, stacksOf, stacksText } from '../helpers/format-stacks.js';
import { OUTPUT_FORMATS, OUTPUT_FORMAT_NAMES } from '../../src/output/index.js';
import { ExitCode } from '../../src/session/errors.js';

const fixtures = installFixtures();
const HELPER = path.join(REPO_ROOT, 'zig-out', 'bin', 'tachyon-helper');
const dir = mkdtempSync(path.join(tmpdir(), 'tachyon-replay-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
/** A report's bytes; a directory report's files in order, with their names. */
function contentOf(file: string): Buffer {
  if (!statSync(file).isDirectory()) return readFileSync(file);
  const names = readdirSync(file, { recursive: true, encoding: 'utf8' }).filter((name) => statSync(path.join(file, name)).isFile()).sort();
  return Buffer.concat(names.flatMap((name) => [Buffer.from(`${name}\n`), readFileSync(path.join(file, name))]));
}
const pyenv313 = coreInterpreters().find((i) => i.label === 'pyenv-3.13.0');
const debian315 = coreInterpreters().find((i) => i.label === 'debian-3.15');

t.test('live and replayed reports are byte-identical, in every format', async (t) => {
  if (!pyenv313?.present) return t.fail(missingMessage(pyenv313 ?? coreInterpreters()[0]));
  // The differential flamegraph's baseline: any capture.
  const baseline = path.join(dir, 'baseline.bin');
  await tachyon(['run', '--python', pyenv313.python, '-d', '0.5', '--binary', '-o', baseline, `${fixtures}/recursive.py`, '--forever']);
  for (const format of OUTPUT_FORMAT_NAMES) {
    const flag = OUTPUT_FORMATS[format].flagArgument !== undefined ? [`--${format}`, baseline] : [`--${format}`];
    const live = path.join(dir, `live.${format}`);
    const capture = path.join(dir, `capture-${format}.bin`);
    const run = await tachyon(['run', '--python', pyenv313.python, '-d', '1', ...flag, '-o', live, '--capture', capture, `${fixtures}/recursive.py`, '--forever']);
    t.match(run.stderr, /Binary capture written to .*compression: (brotli \(this Node v[\d.]+ has no zstd\)|zstd)/s, `${format}: the capture is announced with its compression`);
    const replayed = path.join(dir, `replayed.${format}`);
    const replay = await tachyon(['replay', capture, ...flag, '-o', replayed]);
    t.equal(replay.exitCode, 0, replay.stderr);
    t.match(replay.stderr, /Replaying .*tachyon \S+ capture .* of `tachyon run --python/);
    const a = contentOf(live);
    const b = contentOf(replayed);
    t.ok(a.length > 100 && a.equals(b), `${format}: ${a.length} bytes live, ${b.length} replayed, identical`);
  }
  // pstats on stdout, the default: the same table.
  const capture = path.join(dir, 'capture-stdout.bin');
  const run = await tachyon(['run', '--python', pyenv313.python, '-d', '1', '-l', '5', '--capture', capture, `${fixtures}/recursive.py`, '--forever']);
  const replay = await tachyon(['replay', '-l', '5', capture]);
  // The target's own "ready" line passes through run's stdout too.
  const table = run.stdout.replace(/^ready\n/m, '');
  t.ok(table.length > 100 && table === replay.stdout, 'pstats table on stdout: identical');
});

t.test('--binary writes binary_PID.bin, which replays', async (t) => {
  if (!pyenv313?.present) return t.fail(missingMessage(pyenv313 ?? coreInterpreters()[0]));
  const run = await tachyon(['run', '--python', pyenv313.python, '-d', '1', '--binary', '-o', dir, `${fixtures}/recursive.py`, '--forever']);
  const written = /Binary capture written to (\S+) \((\d+) samples\)/.exec(run.stderr);
  t.ok(written, run.stderr);
  if (!written) return;
  t.match(path.basename(written[1]), /^binary_\d+\.bin$/);
  const out = path.join(dir, 'from-binary.txt');
  const replay = await tachyon(['replay', written[1], '--collapsed', '-o', out]);
  t.match(replay.stderr, new RegExp(`Collapsed stack output written to ${out} \\(${written[2]} samples\\)`));
  checkRecursiveProfile(t, parseCollapsed(readFileSync(out, 'utf8')), { viaRun: true });
});

t.test('tachyon killed mid-run (the machine died): its --binary capture replays up to the last flush', async (t) => {
  if (!pyenv313?.present) return t.fail(missingMessage(pyenv313 ?? coreInterpreters()[0]));
  const target = await startTarget([...pyenv313.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));
  const capture = path.join(dir, 'killed.bin');
  const run = execa(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), 'attach', '-d', '30', '--binary', '-o', capture, String(target.pid)], { reject: false, env: { PATH: process.env.PATH ?? '' }, extendEnv: false });
  await new Promise((resolve) => setTimeout(resolve, 3500));
  run.kill('SIGKILL');
  await run;
  const out = path.join(dir, 'killed.txt');
  const replay = await tachyon(['replay', capture, '--collapsed', '-o', out]);
  t.equal(replay.exitCode, 0, replay.stderr);
  t.match(replay.stderr, /tachyon: warning: the capture ends [\d.]+ s into the run without the helper's closing record \(-d asked for 30\.00 s: about \d+ ticks at 1000 Hz are missing\)/);
  const total = parseCollapsed(readFileSync(out, 'utf8')).reduce((n, l) => n + l.count, 0);
  t.ok(total > 300, `${total} samples recovered`);
});

t.test('a helper stream written without tachyon replays; cut short, it replays what it holds and says so', async (t) => {
  const interpreter = pyenv313?.present ? pyenv313 : coreInterpreters().find((i) => i.present);
  if (!interpreter) return t.fail('MISSING INTERPRETER: no CPython 3.13+');
  const target = await startTarget([...interpreter.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));
  const capture = await execa(HELPER, [`--pid=${target.pid}`, '--duration-ms=1500'], { encoding: 'buffer', reject: false, stdin: 'ignore' });
  const stream = Buffer.from(capture.stdout as Uint8Array);
  const file = path.join(dir, 'helper.msgpack');
  writeFileSync(file, stream);
  const out = path.join(dir, 'helper.txt');
  const whole = await tachyon(['replay', file, '--collapsed', '-o', out]);
  t.equal(whole.exitCode, 0, whole.stderr);
  t.match(whole.stderr, /a helper stream written without tachyon/);
  t.notMatch(whole.stderr, /warning/);
  const wholeLines = parseCollapsed(readFileSync(out, 'utf8'));
  checkRecursiveProfile(t, wholeLines, { viaRun: false });

  const cutFile = path.join(dir, 'helper-cut.msgpack');
  writeFileSync(cutFile, stream.subarray(0, Math.floor(stream.length * 0.7) + 3));
  const cutOut = path.join(dir, 'helper-cut.txt');
  const cut = await tachyon(['replay', cutFile, '--collapsed', '-o', cutOut]);
  t.equal(cut.exitCode, 0, cut.stderr);
  t.match(cut.stderr, /tachyon: warning: the capture ends [\d.]+ s into the run without the helper's closing record; the last \d+ bytes \(an unfinished record\) were dropped/);
  const total = (lines: { count: number }[]): number => lines.reduce((n, l) => n + l.count, 0);
  const cutTotal = total(parseCollapsed(readFileSync(cutOut, 'utf8')));
  t.ok(cutTotal > 0 && cutTotal < total(wholeLines), `${cutTotal} of ${total(wholeLines)} samples`);
});

t.test('a capture of a chroot target, replayed on the host, gives every format the direct run\'s stacks', async (t) => {
  if (!debian315?.present) return t.fail(missingMessage(debian315 ?? coreInterpreters()[0]));
  const live = path.join(dir, 'chroot-live.txt');
  const capture = path.join(dir, 'chroot.bin');
  const run = await tachyon(['run', '--python', debian315.python, '-d', '1.5', '-a', '--collapsed', '-o', live, '--capture', capture, `${fixtures}/recursive.py`, '--forever']);
  t.ok(existsSync(capture), run.stderr);
  const expected = stacksText(stacksFromCollapsed(readFileSync(live, 'utf8')));
  checkRecursiveProfile(t, parseCollapsed(readFileSync(live, 'utf8')), { viaRun: true });
  for (const format of ['collapsed', 'gecko', 'speedscope', 'pprof', 'jsonl']) {
    const out = path.join(dir, `chroot-replayed.${format}`);
    const replay = await tachyon(['replay', capture, `--${format}`, '-o', out]);
    t.equal(replay.exitCode, 0, replay.stderr);
    const got = stacksText(stacksOf(format, readFileSync(out)));
    t.ok(got === expected, `${format}: the same ${expected.split('\n').length} stacks with the same counts`);
  }
});

t.test('bad input: one error line, a hint, a distinct exit code; never a crash', async (t) => {
  const check = async (args: string[], code: number, message: RegExp): Promise<void> => {
    const r = await tachyon(args);
    t.equal(r.exitCode, code, `${args.join(' ')} → exit ${code}`);
    t.match(r.stderr, message);
    t.match(r.stderr, /\nhint: /);
    t.notMatch(r.stderr, /internal error|    at /, 'no stack trace');
  };
  await check(['replay', path.join(dir, 'nothing-here.bin')], ExitCode.fileError, /^tachyon: error: capture file not found: /);
  await check(['replay', dir], ExitCode.fileError, /is a directory, not a capture file/);
  const json = path.join(dir, 'profile.json');
  writeFileSync(json, '{"meta": {}}\n');
  await check(['replay', json, '--collapsed'], ExitCode.fileError, /^tachyon: error: cannot replay .*: the file is not a tachyon capture/);
  const hcat = path.join(dir, 'cpython.bin');
  writeFileSync(hcat, Buffer.concat([Buffer.from('HCAT'), Buffer.alloc(100)]));
  await check(['replay', hcat], ExitCode.fileError, /CPython's own profiling.sampling/);
  const header = path.join(dir, 'header-only.bin');
  writeFileSync(header, Buffer.from('TACHYCAP\x01\x01', 'latin1'));
  await check(['replay', header], ExitCode.fileError, /ends inside its header/);
  await check(['replay', json, '--binary'], ExitCode.usage, /unknown option '--binary'/);
  await check(['replay', json, '--gecko', '--pprof'], ExitCode.usage, /--gecko and --pprof cannot be combined/);
  await check(['replay', json, '--gecko', '--sort', 'name'], ExitCode.usage, /--sort only apply to --pstats/);
  await check(['run', '--binary', '--capture', path.join(dir, 'x.bin'), `${fixtures}/recursive.py`], ExitCode.usage, /--capture and --binary cannot be combined/);
});

t.test('--help: replay is listed, and lists its options; run lists the new formats', async (t) => {
  const top = await tachyon(['--help']);
  t.match(top.stdout, /replay \[options\] <file>/);
  const replay = await tachyon(['replay', '--help']);
  t.equal(replay.exitCode, 0);
  for (const option of [...OUTPUT_FORMAT_NAMES.map((n) => `--${n}`), '--output', '--sort', '--limit', '--no-summary']) t.match(replay.stdout, option, `replay --help lists ${option}`);
  t.notMatch(replay.stdout, /^\s+(-r, )?--(binary|sampling-rate|capture)\b/m, 'no capture or sampling options');
  const run = await tachyon(['run', '--help']);
  for (const option of ['--binary', '--capture', '--gecko', '--jsonl', '--speedscope', '--pprof']) t.match(run.stdout, option, `run --help lists ${option}`);
});

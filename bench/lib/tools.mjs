/**
 * The profilers the benchmark compares, each as: how to run a workload under it at a rate, and
 * how to read back its samples (as lists of function names, root first, with a weight) and its
 * own closing statistics. Also the interpreters the workloads run on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { readMojo } from './mojo.mjs';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
/** The built command-line tool, as the scripts run it. */
export const CLI = path.join(ROOT, 'dist', 'cli.js');

/**
 * A bench script's options as an object: `--key=value` and `--key value` give a string, a bare
 * `--flag` gives true. The scripts take no positional arguments.
 */
export function benchArgs(argv = process.argv.slice(2)) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) continue;
    const [key, value] = argv[i].slice(2).split(/=(.*)/s);
    if (value !== undefined) args[key] = value;
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) args[key] = argv[++i];
    else args[key] = true;
  }
  return args;
}

/**
 * Puts `section` (which starts with `<!-- NAME:start -->` and ends with `<!-- NAME:end -->`) into
 * the Markdown file `doc` in place of the previous one, or where `place` puts it (default: at
 * the end) when there is none yet. `from` is the file to start from when `doc` does not exist.
 */
export function writeDocSection(doc, name, section, { from = doc, place = (text, s) => `${text.trimEnd()}\n\n${s}\n` } = {}) {
  const previous = readFileSync(existsSync(doc) ? doc : from, 'utf8');
  const markers = new RegExp(`<!-- ${name}:start -->[\\s\\S]*<!-- ${name}:end -->`);
  writeFileSync(doc, markers.test(previous) ? previous.replace(markers, () => section) : place(previous, section));
}

/** The node flags on the shebang line of dist/cli.js (`#!/usr/bin/env -S node FLAGS`). */
export function cliNodeFlags() {
  const shebang = readFileSync(CLI, 'utf8').split('\n', 1)[0];
  return shebang.replace(/^#!\/usr\/bin\/env -S node\s*/, '').split(/\s+/).filter((flag) => flag.startsWith('--'));
}
export const CACHE = process.env.TACHYON_CACHE ?? path.join(homedir(), '.cache', 'tachyon');
export const CHROOT = process.env.TACHYON_CHROOT ?? path.join(CACHE, 'sid');
export const PEERS = path.join(CACHE, 'bench-peers');
const PYENV = process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv');
/** Workloads are copied here, and to the same path inside the chroot. */
export const SHARED = '/tmp/tachyon-bench';
const OUT = path.join(SHARED, 'out');

/** The rates every tool is run at; `max` is each tool's own fastest setting. */
export const RATES = ['1 kHz', '10 kHz', '100 kHz', 'max'];
const RATE_HZ = { '1 kHz': 1000, '10 kHz': 10000, '100 kHz': 100000 };

export function prepareWorkloads() {
  for (const dir of existsSync(CHROOT) ? [SHARED, path.join(CHROOT, SHARED)] : [SHARED]) {
    mkdirSync(path.join(dir, 'out'), { recursive: true });
    execFileSync('cp', [
      ...['_report.py', 'recursion.py', 'known_split.py', 'threads50.py', 'deep500.py', 'asyncio_server.py', 'io_bound.py', 'churn.py'].map((f) =>
        path.join(ROOT, 'bench', 'workloads', f),
      ),
      path.join(ROOT, 'test', 'fixtures', 'python', 'split.py'),
      path.join(ROOT, 'test', 'fixtures', 'python', 'code_churn.py'),
      dir,
    ]);
  }
  if (existsSync(CHROOT)) execFileSync('cp', [path.join(PEERS, 'bin', 'austin'), path.join(CHROOT, SHARED, 'austin')]);
  if (existsSync(CHROOT)) mountChrootProc();
}

/** Mounts /proc inside the chroot unless it is: the stdlib profiler and chroot targets need it. */
export function mountChrootProc() {
  execFileSync('sh', ['-c', `mountpoint -q ${CHROOT}/proc || mount -t proc proc ${CHROOT}/proc`]);
}

/** A Python to run workloads on: `argv` starts it (host paths); `chrooted` when it lives in the sid chroot. */
function interpreter(label, version, argv, chrooted) {
  return { label, version, argv, chrooted };
}

export function interpreters() {
  const list = [
    ...['3.8.18', '3.9.18', '3.10.13', '3.11.7', '3.12.1', '3.13.0'].map((v) => {
      const minor = v.split('.').slice(0, 2).join('.');
      return interpreter(`pyenv ${v}`, minor, [path.join(PYENV, `versions/${v}/bin/python${minor}`)], false);
    }),
    ...['3.13', '3.14', '3.15'].map((minor) => interpreter(`Debian ${minor}`, minor, ['chroot', CHROOT, `/usr/bin/python${minor}`], true)),
  ];
  return list.map((i) => ({ ...i, present: existsSync(i.chrooted ? path.join(CHROOT, i.argv[2]) : i.argv[0]) }));
}

/** A one-file wrapper that runs a chroot interpreter, for tools that take an interpreter path. */
function pythonPath(interp) {
  if (!interp.chrooted) return interp.argv[0];
  const wrapper = path.join(SHARED, 'wrappers', path.basename(interp.argv[2]));
  mkdirSync(path.dirname(wrapper), { recursive: true });
  writeFileSync(wrapper, `#!/bin/sh\nexec chroot ${CHROOT} ${interp.argv[2]} "$@"\n`, { mode: 0o755 });
  return wrapper;
}

const lastNumber = (re, text) => {
  const m = re.exec(text);
  return m ? Number(m[1]) : NaN;
};

/** `file:func:line` frames (collapsed and Austin's text): the function is the second-last field. */
function funcOfColonFrame(frame) {
  const parts = frame.split(':');
  return parts.length >= 3 ? parts[parts.length - 2] : null;
}

/** Collapsed-stack text → [{ funcs (root first), weight }]; `frameFunc` names each frame or null to skip it. */
function parseStackLines(text, frameFunc) {
  const stacks = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const funcs = line.slice(0, space).split(';').map(frameFunc).filter((f) => f !== null);
    stacks.push({ funcs, weight: Number(line.slice(space + 1)) });
  }
  return stacks;
}

const readOrEmpty = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : '');

/**
 * Each tool: `command(interp, script, args, rate, outFile)` → argv; `samples(outFile)` → stacks;
 * `stats(output)` → { failedPct }: the samples the tool itself reports as failed.
 */
export const TOOLS = {
  tachyon: {
    label: 'Tachyon',
    // Run as the `tachyon` command runs: with the node flags of dist/cli.js's shebang.
    maxRate: '200 kHz (its cap)',
    supports: (interp) => interp.present,
    version: () => JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
    command: (interp, script, args, rate, outFile) => [
      process.execPath, ...cliNodeFlags(), CLI, 'run', '-a', '-r', String(rate === 'max' ? 200000 : RATE_HZ[rate]),
      '--collapsed', '-o', outFile, '--python', pythonPath(interp), path.join(SHARED, script), ...args,
    ],
    samples: (outFile) => parseStackLines(readOrEmpty(outFile), (f) => (f.startsWith('tid:') ? null : funcOfColonFrame(f))),
    stats: (output) => ({ failedPct: lastNumber(/Failed samples: \d+ \(([\d.]+)%\)/, output) }),
  },
  stdlib: {
    label: 'stdlib profiling.sampling',
    maxRate: '1 MHz requested (no cap)',
    supports: (interp) => interp.present && interp.label === 'Debian 3.15',
    version: () => execFileSync('chroot', [CHROOT, '/usr/bin/python3.15', '-c', 'import sys; print(sys.version.split()[0])']).toString().trim(),
    command: (interp, script, args, rate, outFile) => [
      'chroot', CHROOT, '/usr/bin/python3.15', '-m', 'profiling.sampling', 'run', '-a', '-r', String(rate === 'max' ? 1000000 : RATE_HZ[rate]),
      '--collapsed', '-o', outFile, path.join(SHARED, script), ...args,
    ],
    samples: (outFile) => parseStackLines(readOrEmpty(path.join(CHROOT, outFile)), (f) => (f.startsWith('tid:') ? null : funcOfColonFrame(f))),
    stats: (output) => ({ failedPct: lastNumber(/Error rate: ([\d.]+)/, output) }),
  },
  pyspy: {
    label: 'py-spy',
    maxRate: '1 MHz requested (no cap)',
    supports: (interp) => interp.present,
    version: () => execFileSync(path.join(PEERS, 'bin', 'py-spy'), ['--version']).toString().trim().replace(/^py-spy /, ''),
    // Its defaults otherwise: it pauses the target for each sample (blocking), as a user gets it.
    // --idle keeps sleeping threads, so its samples are wall-clock like the other three.
    command: (interp, script, args, rate, outFile) => [
      path.join(PEERS, 'bin', 'py-spy'), 'record', '--idle', '-r', String(rate === 'max' ? 1000000 : RATE_HZ[rate]), '-f', 'raw', '-o', outFile,
      '--', ...interp.argv, path.join(SHARED, script), ...args,
    ],
    // Raw format: "func (file:line);… count".
    samples: (outFile) =>
      parseStackLines(readOrEmpty(outFile), (f) => {
        const paren = f.lastIndexOf(' (');
        return paren > 0 ? f.slice(0, paren) : f;
      }),
    stats: (output) => {
      const samples = lastNumber(/Samples: (\d+)/, output);
      const errors = lastNumber(/Errors: (\d+)/, output);
      return { failedPct: (errors / (samples + errors)) * 100 };
    },
  },
  austin: {
    label: 'Austin',
    maxRate: 'interval 0 (no wait between samples)',
    supports: (interp) => interp.present,
    version: () => {
      const [command, ...args] = austinArgv(['-V']);
      return /austin ([\d.]+)/.exec(execFileSync(command, args).toString())?.[1] ?? 'unknown';
    },
    // Austin reads the target's files by the paths in /proc/PID/maps, so for a Python in the
    // chroot it runs inside the chroot too (a copy of its binary is put there).
    command: (interp, script, args, rate, outFile) => [
      ...(interp.chrooted ? ['chroot', CHROOT, path.join(SHARED, 'austin')] : austinArgv([])),
      '-i', rate === 'max' ? '0' : `${1e6 / RATE_HZ[rate]}us`, '-o', `${outFile}.mojo`,
      ...(interp.chrooted ? interp.argv.slice(2) : interp.argv), path.join(SHARED, script), ...args,
    ],
    // Austin 4 writes its binary MOJO format (bench/lib/mojo.mjs reads it): one sample per thread per tick.
    samples: (outFile) => {
      const mojo = [`${outFile}.mojo`, path.join(CHROOT, `${outFile}.mojo`)].find((f) => existsSync(f));
      return mojo === undefined ? [] : readMojo(readFileSync(mojo)).samples.map((s) => ({ funcs: s.funcs, weight: 1 }));
    },
    stats: (output) => {
      const errors = /Error rate[ .]*(\d+)\/(\d+)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ''));
      return { failedPct: errors ? (Number(errors[1]) / Math.max(1, Number(errors[2]))) * 100 : NaN };
    },
  },
};

/**
 * austin-dist's binary needs glibc 2.38; when the host's is older, it runs under the sid
 * chroot's dynamic loader and libc, still on the host's file system (so it sees host paths).
 */
let austinPrefix = null;
export function austinArgv(args) {
  if (austinPrefix === null) {
    const binary = path.join(PEERS, 'bin', 'austin');
    try {
      execFileSync(binary, ['-V'], { stdio: 'ignore' });
      austinPrefix = [binary];
    } catch {
      austinPrefix = [path.join(CHROOT, 'lib64', 'ld-linux-x86-64.so.2'), '--library-path', path.join(CHROOT, 'lib', 'x86_64-linux-gnu'), binary];
    }
  }
  return [...austinPrefix, ...args];
}

export function outFile(name) {
  return path.join(OUT, name);
}

/**
 * What the tests of the setuid-root helper need: test users, setuid and setgid copies of
 * binaries, running a command as a test user (directly, under strace, or under a seccomp filter
 * that takes away its own right to read processes), starting Python targets as any user in the
 * chroot, and reading an strace log. The helper under test is TACHYON_TEST_HELPER when set
 * (another branch's build, say), else this checkout's zig-out/bin/tachyon-helper.
 */
import { execa, type ResultPromise } from 'execa';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { CHROOT, REPO_ROOT } from './interpreters.js';

export const HELPER_UNDER_TEST = process.env.TACHYON_TEST_HELPER ?? path.join(REPO_ROOT, 'zig-out', 'bin', 'tachyon-helper');
/** Where the test-hooks build comes from: the source tree of the helper under test. */
export const HELPER_SOURCE = process.env.TACHYON_TEST_HELPER_SRC ?? REPO_ROOT;
/** The Python every target runs, inside the chroot (readable by every user, unlike pyenv's). */
export const CHROOT_PYTHON = '/usr/bin/python3.15';
/** A root-run Python outside the chroot, for the seccomp launcher. */
export const HOST_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export interface User {
  name: string;
  uid: number;
  gid: number;
}

/** The tools these tests cannot do without: a missing one is a failure that says so. */
export function missingTools(tools: string[]): string[] {
  return tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

function idOf(flag: '-u' | '-g', name: string): number | undefined {
  const result = spawnSync('id', [flag, name], { encoding: 'utf8' });
  return result.status === 0 ? Number(result.stdout.trim()) : undefined;
}

/** The user `name`, created (with its own group, no home) when absent. */
export function ensureUser(name: string): User {
  if (idOf('-u', name) === undefined) {
    const made = spawnSync('useradd', ['--no-create-home', '--user-group', '--shell', '/usr/sbin/nologin', name], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`useradd ${name} failed: ${made.stderr}`);
  }
  return { name, uid: idOf('-u', name) as number, gid: idOf('-g', name) as number };
}

/** A copy of `source` at `dest` owned by uid:gid with `mode` (set after chown, which clears set-id bits). */
export function privilegedCopy(source: string, dest: string, mode: number, uid = 0, gid = 0): string {
  mkdirSync(path.dirname(dest), { recursive: true, mode: 0o755 });
  copyFileSync(source, dest);
  chownSync(dest, uid, gid);
  chmodSync(dest, mode);
  return dest;
}

/** The argv prefix that runs a command as `user`, with no supplementary groups. */
export function asUser(user: User): string[] {
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'];
}

/** The argv prefix that runs a command as `user` under the seccomp filter (ptrace_scope=1-like). */
export function asUserWithoutPtrace(user: User, fixtures: string): string[] {
  return [HOST_PYTHON, path.join(fixtures, 'seccomp_launcher.py'), String(user.uid), String(user.gid)];
}

export interface RunResult {
  exitCode: number | undefined;
  signal: string | undefined;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

/** Runs argv (a prefix from asUser included) and collects its output as bytes, final newline kept. */
export async function run(argv: string[], timeoutMs = 30_000): Promise<RunResult> {
  const result = await execa(argv[0], argv.slice(1), { reject: false, encoding: 'buffer', stdin: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL', stripFinalNewline: false });
  return {
    exitCode: result.exitCode,
    signal: result.signal ?? undefined,
    stdout: Buffer.from(result.stdout as Uint8Array),
    stderr: Buffer.from(result.stderr as Uint8Array).toString(),
    timedOut: result.timedOut,
  };
}

export interface Target {
  pid: number;
  /** The words after "ready" on the line the fixture printed. */
  ready: string[];
  child: ResultPromise;
}

/** Starts the chroot's Python (or `python`) as uid:gid on a fixture; resolves on its "ready" line. */
export async function startPython(user: { uid: number; gid: number }, args: string[], python = CHROOT_PYTHON): Promise<Target> {
  const argv = ['chroot', `--userspec=${user.uid}:${user.gid}`, CHROOT, python, ...args];
  const child = execa(argv[0], argv.slice(1), { reject: false, stdin: 'ignore', buffer: false });
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => void (errors += chunk.toString()));
  const ready = await new Promise<string[]>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${argv.join(' ')} did not print ready: ${errors}`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const line = /^ready\b(.*)$/m.exec(seen);
      if (!line) return;
      clearTimeout(timer);
      resolve(line[1].trim().split(/\s+/).filter((w) => w !== ''));
    });
    void child.then(() => reject(new Error(`${argv.join(' ')} exited early: ${errors}`)));
  });
  return { pid: child.pid as number, ready, child };
}

/** Kills a target and waits for it (chroot execs, so the pid is the Python's). */
export async function stop(target: Target): Promise<void> {
  target.child.kill('SIGKILL');
  await target.child.catch(() => undefined);
}

/** The helper's argv prefix under strace, run by root as `user` so the setuid bit is honoured. */
export function straced(user: User, log: string): string[] {
  return ['strace', '-u', user.name, '-f', '-y', '-qq', '-e', 'trace=openat,openat2,open,setresuid,setresgid', '-o', log];
}

export interface StraceEvent {
  pid: number;
  call: string;
  /** openat*: the path opened, made absolute with the directory fd strace -y decoded. */
  path?: string;
  /** The return value; undefined when the call never returned (still blocked when killed). */
  result?: number;
  /** What strace -y decoded the returned fd to (the file actually opened). */
  opened?: string;
  line: string;
}

const CALL = /^(\d+)\s+(openat2|openat|open|setresuid|setresgid)\((.*)$/;
const RESUMED = /^(\d+)\s+<\.\.\. (\w+) resumed>(.*)$/;
const RESULT = /\)\s+=\s+(-?\d+)(?:<([^>]*)>)?/;

function openedPath(call: string, args: string): string | undefined {
  if (call === 'open') return /^"((?:[^"\\]|\\.)*)"/.exec(args)?.[1];
  const match = /^(AT_FDCWD|-?\d+)(?:<([^>]*)>)?,\s*"((?:[^"\\]|\\.)*)"/.exec(args);
  if (!match) return undefined;
  const [, , dir, name] = match;
  return name.startsWith('/') || dir === undefined ? name : path.posix.join(dir, name);
}

/** Parses an `strace -f -y` log of the calls `straced` traces, unfinished calls included. */
export function parseStrace(text: string): StraceEvent[] {
  const events: StraceEvent[] = [];
  const pending = new Map<string, StraceEvent>();
  for (const line of text.split('\n')) {
    const call = CALL.exec(line);
    if (call) {
      const [, pid, name, rest] = call;
      const event: StraceEvent = { pid: Number(pid), call: name, path: name.startsWith('open') ? openedPath(name, rest) : undefined, line };
      const result = RESULT.exec(rest);
      if (result) {
        event.result = Number(result[1]);
        event.opened = result[2];
      } else if (rest.includes('<unfinished ...>')) {
        pending.set(`${pid} ${name}`, event);
      }
      events.push(event);
      continue;
    }
    const resumed = RESUMED.exec(line);
    if (resumed) {
      const event = pending.get(`${resumed[1]} ${resumed[2]}`);
      const result = RESULT.exec(resumed[3]);
      if (event && result) {
        event.result = Number(result[1]);
        event.opened = result[2];
      }
      pending.delete(`${resumed[1]} ${resumed[2]}`);
    }
  }
  return events;
}

/** The open calls made before the first setresgid/setresuid (made while still privileged). */
export function opensBeforeDrop(events: StraceEvent[]): StraceEvent[] {
  const drop = events.findIndex((e) => e.call === 'setresuid' || e.call === 'setresgid');
  return events.slice(0, drop === -1 ? events.length : drop).filter((e) => e.call.startsWith('open'));
}

/**
 * Whether `file` names the target's /proc directory or a file in it that is not a way out of
 * it: root/, cwd/, fd/, map_files/ and exe lead to files the target chose.
 */
export function isInsideProcDir(file: string, pid: number): boolean {
  const prefix = `/proc/${pid}`;
  if (file === prefix) return true;
  if (!file.startsWith(`${prefix}/`)) return false;
  const first = file.slice(prefix.length + 1).split('/')[0];
  return !['root', 'cwd', 'fd', 'map_files', 'exe'].includes(first);
}

/** The `policy` field (41) of /proc/PID/stat: 0 SCHED_OTHER, 1 SCHED_FIFO, 2 SCHED_RR. */
export function schedulingPolicy(pid: number): number | undefined {
  const stat = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' });
  if (stat.status !== 0) return undefined;
  const fields = stat.stdout.slice(stat.stdout.lastIndexOf(')') + 2).split(' ');
  // Field 3 (state) is fields[0], so field N is fields[N - 3].
  return Number(fields[41 - 3]);
}

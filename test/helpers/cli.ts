/**
 * Runs the built `tachyon` command (dist/cli.js; `npm test` builds it first) and the fixture
 * programs, and reads what they leave behind: collapsed stacks and summaries.
 */
import { execa, type ResultPromise } from 'execa';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './interpreters.js';

export const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');

/** Our environment without the test runner's hooks (NODE_OPTIONS would load tap into tachyon). */
export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: '1' };
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(TAP|_TAPJS|NODE_OPTIONS$)/.test(key)) env[key] = value;
  }
  return env;
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function tachyon(
  args: string[],
  options: { input?: string; timeoutMs?: number; user?: string; root?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  // `env -i` because tap hooks child processes (it injects its process tracking into any node
  // started below it), which a process running as another user cannot even write.
  const env = Object.entries({ ...cleanEnv(), ...options.env }).map(([key, value]) => `${key}=${value}`);
  const asUser = options.user ? ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--clear-groups'] : [];
  const cli = options.root ? path.join(options.root, 'dist', 'cli.js') : CLI;
  const result = await execa('env', ['-i', ...env, ...asUser, process.execPath, cli, ...args], {
    reject: false,
    input: options.input ?? '',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** Starts a long-running target and resolves once it printed "ready". */
export async function startTarget(command: string[]): Promise<{ pid: number; child: ResultPromise }> {
  const child = execa(command[0], command.slice(1), { reject: false, stdin: 'ignore', buffer: false });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`target ${command.join(' ')} did not print ready`)), 30_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    void child.then(() => reject(new Error(`target ${command.join(' ')} exited early`)));
  });
  return { pid: child.pid as number, child };
}

export interface CollapsedLine {
  tid: number;
  frames: { file: string; func: string; line: number; label: string }[];
  count: number;
}

export function parseCollapsed(text: string): CollapsedLine[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((line) => {
      const space = line.lastIndexOf(' ');
      const [tid, ...labels] = line.slice(0, space).split(';');
      return {
        tid: Number(tid.replace('tid:', '')),
        count: Number(line.slice(space + 1)),
        frames: labels.map((label) => {
          const parts = label.split(':');
          if (parts.length < 3) return { file: '', func: label, line: 0, label };
          return { file: parts[0], func: parts.slice(1, -1).join(':'), line: Number(parts[parts.length - 1]), label };
        }),
      };
    });
}

export function readCollapsed(file: string): CollapsedLine[] {
  return parseCollapsed(readFileSync(file, 'utf8'));
}

/** The JSON a fixture prints as its last line of stdout (its ground truth); throws if there is none. */
export function lastJsonLine<T>(stdout: string): T {
  return JSON.parse(stdout.trim().split('\n').pop() as string) as T;
}

/** The numbers of the closing summary on stderr. */
export function parseSummary(stderr: string): { captured: number; threadSamples: number; beforeStart: number; failed: number; failedPct: number; missed: number; rate: number } {
  const captured = /Captured (\d+) ticks? in [\d.]+ seconds \(.*\): (\d+) thread samples? in the report/.exec(stderr);
  const beforeStart = /Left out of the report: .*?(\d+) samples? before the script started/.exec(stderr);
  const rate = /Sample rate: ([\d.]+) samples\/sec/.exec(stderr);
  const failed = /Failed samples: (\d+) \(([\d.]+)%\)/.exec(stderr);
  const missed = /Missed samples: (\d+)/.exec(stderr);
  if (!captured || !rate || !failed || !missed) throw new Error(`no run summary in:\n${stderr}`);
  return { captured: Number(captured[1]), threadSamples: Number(captured[2]), beforeStart: Number(beforeStart?.[1] ?? 0), rate: Number(rate[1]), failed: Number(failed[1]), failedPct: Number(failed[2]), missed: Number(missed[1]) };
}

/** Line ranges of each top-level or nested `def` in a Python source: name → [first, last]. */
export function functionLineRanges(source: string): Map<string, [number, number]> {
  const lines = source.split('\n');
  const ranges = new Map<string, [number, number]>();
  lines.forEach((text, i) => {
    const match = /^(\s*)def (\w+)\(/.exec(text);
    if (!match) return;
    const indent = match[1].length;
    let end = i;
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j];
      if (next.trim() === '') continue;
      if (next.length - next.trimStart().length <= indent) break;
      end = j;
    }
    ranges.set(match[2], [i + 1, end + 1]);
  });
  return ranges;
}

/**
 * A copy of the built package that an unprivileged user can run: where the checkout itself is
 * unreadable to others (under /root, say), its dist/, node_modules/, package.json and zig-out/
 * are hard-linked (copied, across file systems) into a world-readable temporary directory.
 */
export function installReadableByAll(): string {
  const probe = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', path.join(REPO_ROOT, 'dist', 'cli.js')]);
  if (probe.status === 0) return REPO_ROOT;
  const copy = '/tmp/tachyon-readable-install';
  rmSync(copy, { recursive: true, force: true });
  mkdirSync(copy, { recursive: true, mode: 0o755 });
  for (const entry of ['dist', 'node_modules', 'package.json', 'zig-out']) {
    const linked = spawnSync('cp', ['-al', path.join(REPO_ROOT, entry), copy]);
    if (linked.status !== 0) spawnSync('cp', ['-a', path.join(REPO_ROOT, entry), copy]);
  }
  spawnSync('chmod', ['-R', 'a+rX', copy]);
  return copy;
}

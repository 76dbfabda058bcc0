/**
 * Finds the helper binary: $TACHYON_HELPER if it names an executable file (a bad value is warned
 * about and ignored), then the one `npm run build` puts in zig-out/bin of this package, then
 * `tachyon-helper` on PATH (where a packaged or setuid install would put it). Reads what the
 * helper says of itself in `--version`: its version, protocol and the CPython versions it reads
 * (written once, in helper/py_offsets.zig).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../config/env.js';
import { ExitCode, TachyonError } from './errors.js';

const HELPER_NAME = 'tachyon-helper';

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function packageRoot(): string {
  // dist/session/helper-path.js → the package root two levels up.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export function findHelper(env: Environment, warn: (line: string) => void): string {
  if (env.helperPath !== undefined) {
    if (isExecutableFile(env.helperPath)) return env.helperPath;
    warn(`tachyon: warning: TACHYON_HELPER=${env.helperPath} is not an executable file; ignoring it`);
  }
  const built = path.join(packageRoot(), 'zig-out', 'bin', HELPER_NAME);
  if (isExecutableFile(built)) return built;
  for (const dir of env.path.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, HELPER_NAME);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new TachyonError(
    ExitCode.helperProblem,
    `cannot find the ${HELPER_NAME} binary`,
    `build it with "npm run build" in ${packageRoot()}, or set TACHYON_HELPER to its path`,
  );
}

/** What `tachyon-helper --version` says: `tachyon-helper 0.1.0 protocol 5 python 3.8-3.15`. */
export interface HelperVersion {
  helperVersion: string;
  protocolVersion: number;
  /** The CPython versions the helper reads, first and last: `['3.8', '3.15']`. */
  pythons: [string, string];
}

/** Parses the helper's `--version` line; undefined if it is not one. */
export function parseHelperVersion(text: string): HelperVersion | undefined {
  const match = /^tachyon-helper (\S+) protocol (\d+) python (3\.\d+)-(3\.\d+)$/m.exec(text);
  if (!match) return undefined;
  return { helperVersion: match[1], protocolVersion: Number(match[2]), pythons: [match[3], match[4]] };
}

/** Runs `helperPath --version`; undefined if it does not answer with a version line. */
export function readHelperVersion(helperPath: string): HelperVersion | undefined {
  const result = spawnSync(helperPath, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? parseHelperVersion(result.stdout) : undefined;
}

/** The supported range for messages: `3.8 to 3.15`. */
export function supportedPythonsText(version: HelperVersion): string {
  return `${version.pythons[0]} to ${version.pythons[1]}`;
}

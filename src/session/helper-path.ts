/**
 * Finds the helper binary: $TACHYON_HELPER if it names an executable file (a bad value is warned
 * about and ignored), then the one `npm run build` puts in zig-out/bin of this package, then
 * `tachyon-helper` on PATH (where a packaged or setuid install would put it).
 */
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

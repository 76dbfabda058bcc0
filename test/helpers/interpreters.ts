/**
 * The interpreters the tests profile: pyenv's shared-libpython builds and Debian's builds inside
 * the sid chroot made by scripts/setup-chroot.sh (static non-PIE, PIE and debug). Each one comes
 * with a `python` path usable as `tachyon run --python` (a small wrapper for chroot ones) and a
 * fixture directory visible to it at the same path inside and outside the chroot. A missing
 * interpreter is a failure with a message saying how to install it, never a silent skip.
 */
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES_SRC = path.join(REPO_ROOT, 'test', 'fixtures', 'python');
export const CHROOT = process.env.TACHYON_CHROOT ?? path.join(process.env.TACHYON_CACHE ?? path.join(homedir(), '.cache', 'tachyon'), 'sid');
const PYENV_ROOT = process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv');
/** Same path on the host and inside the chroot; one per checkout, so two checkouts can test at once. */
export const FIXTURES = `/tmp/tachyon-test-fixtures-${createHash('sha1').update(REPO_ROOT).digest('hex').slice(0, 8)}`;
const WRAPPERS = '/tmp/tachyon-test-wrappers';

export interface Interpreter {
  /** Short label used in test names: `pyenv-3.13.0`, `debian-3.15-dbg`. */
  label: string;
  /** The executable `tachyon run --python` gets. */
  python: string;
  /** argv prefix that starts it directly (for attach tests). */
  command: string[];
  /** Expected `major.minor`. */
  minor: string;
  present: boolean;
  /** How to get it when it is missing. */
  install: string;
}

function pyenvInterpreter(version: string): Interpreter {
  const minor = version.split('.').slice(0, 2).join('.');
  const python = path.join(PYENV_ROOT, 'versions', version, 'bin', `python${minor}`);
  return { label: `pyenv-${version}`, python, command: [python], minor, present: existsSync(python), install: `pyenv install ${version} (with --enable-shared)` };
}

function chrootInterpreter(executable: string, label: string, minor: string): Interpreter {
  const inside = path.join('/usr/bin', executable);
  const present = existsSync(path.join(CHROOT, inside));
  const wrapper = path.join(WRAPPERS, executable);
  if (present) {
    mkdirSync(WRAPPERS, { recursive: true });
    writeFileSync(wrapper, `#!/bin/sh\nexec chroot ${CHROOT} ${inside} "$@"\n`);
    chmodSync(wrapper, 0o755);
  }
  return { label, python: wrapper, command: ['chroot', CHROOT, inside], minor, present, install: 'bash scripts/setup-chroot.sh' };
}

/** Every interpreter of the core matrix (CPython 3.13 to 3.15). */
export function coreInterpreters(): Interpreter[] {
  return [
    pyenvInterpreter('3.13.0'),
    chrootInterpreter('python3.13', 'debian-3.13-nopie', '3.13'),
    chrootInterpreter('python3.13-pie', 'debian-3.13-pie', '3.13'),
    chrootInterpreter('python3.14', 'debian-3.14', '3.14'),
    chrootInterpreter('python3.15', 'debian-3.15', '3.15'),
    chrootInterpreter('python3.15d', 'debian-3.15-dbg', '3.15'),
  ];
}

/** pyenv's builds of the versions before debug offsets existed (3.8 to 3.12). */
export function olderInterpreters(): Interpreter[] {
  return ['3.8.18', '3.9.18', '3.10.13', '3.11.7', '3.12.1'].map(pyenvInterpreter);
}

/** Copies the Python fixtures where every interpreter, chrooted or not, sees them at FIXTURES. */
export function installFixtures(): string {
  const targets = [FIXTURES];
  if (existsSync(CHROOT)) targets.push(path.join(CHROOT, FIXTURES));
  for (const dir of targets) {
    mkdirSync(dir, { recursive: true });
    for (const name of readdirSync(FIXTURES_SRC)) copyFileSync(path.join(FIXTURES_SRC, name), path.join(dir, name));
  }
  return FIXTURES;
}

export function missingMessage(interpreter: Interpreter): string {
  return `MISSING INTERPRETER ${interpreter.label} (${interpreter.python}): install it with: ${interpreter.install}`;
}

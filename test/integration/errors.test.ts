/**
 * Bad input ends with one `tachyon: error: …` line, a `hint: …` line, a distinct exit code per
 * cause, and no stack trace: unknown PID, not a Python process, unsupported Python version, no
 * permission, bad option values, a missing script, an unwritable output.
 */
import t, { type Test } from 'tap';
import { execa } from 'execa';
import { coreInterpreters, installFixtures } from '../helpers/interpreters.js';
import { installReadableByAll, tachyon } from '../helpers/cli.js';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

const fixtures = installFixtures();

function checkOneError(t: Test, result: { exitCode: number; stderr: string }, exitCode: number, message: RegExp, hint: RegExp): void {
  t.equal(result.exitCode, exitCode, `exit code ${exitCode}`);
  const lines = result.stderr.trim().split('\n');
  t.equal(lines.length, 2, `exactly an error line and a hint line:\n${result.stderr}`);
  t.match(lines[0], /^tachyon: error: /);
  t.match(lines[0], message);
  t.match(lines[1] ?? '', /^hint: /);
  t.match(lines[1] ?? '', hint);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

t.test('attach to a PID that does not exist', async (t) => {
  checkOneError(t, await tachyon(['attach', '4000000']), 3, /no process with PID 4000000/, /ps or pgrep/);
});

t.test('attach to a process that is not Python', async (t) => {
  const sleeper = execa('sleep', ['100'], { reject: false });
  t.teardown(() => void sleeper.kill('SIGKILL'));
  checkOneError(t, await tachyon(['attach', String(sleeper.pid)]), 4, /does not look like CPython|not a CPython/, /python process itself/);
});

t.test('attach to an unsupported Python version names it', async (t) => {
  const python37 = path.join(process.env.PYENV_ROOT ?? path.join(homedir(), '.pyenv'), 'versions', '3.7.16', 'bin', 'python3.7');
  if (!existsSync(python37)) return t.fail(`MISSING INTERPRETER pyenv 3.7.16 (${python37})`);
  const target = execa(python37, ['-c', 'import time; print("ready", flush=True); time.sleep(100)'], { reject: false, buffer: false });
  t.teardown(() => void target.kill('SIGKILL'));
  await new Promise((resolve) => target.stdout?.once('data', resolve));
  checkOneError(t, await tachyon(['attach', String(target.pid)]), 5, /3\.7/, /3\.8 to 3\.15/);
});

t.test('attach without permission says how to get it', async (t) => {
  const python = coreInterpreters().find((i) => i.present && !i.command[0].startsWith('chroot'));
  if (!python) return t.fail('MISSING INTERPRETER: no pyenv 3.13');
  const target = execa(python.python, ['-c', 'import time; print("ready", flush=True); time.sleep(100)'], { reject: false, buffer: false });
  t.teardown(() => void target.kill('SIGKILL'));
  await new Promise((resolve) => target.stdout?.once('data', resolve));
  // The target runs as root; tachyon runs as nobody.
  checkOneError(t, await tachyon(['attach', '-d', '1', String(target.pid)], { user: '65534', root: installReadableByAll() }), 6, /no permission to read process/, /CAP_SYS_PTRACE|sudo/);
});

t.test('bad option values', async (t) => {
  checkOneError(t, await tachyon(['attach', '-r', 'fast', '1']), 2, /invalid sampling rate 'fast'/, /10khz/);
  checkOneError(t, await tachyon(['attach', '-d', 'never', '1']), 2, /invalid duration/, /seconds/);
  checkOneError(t, await tachyon(['attach', 'abc']), 2, /invalid PID 'abc'/, /pgrep/);
  checkOneError(t, await tachyon(['attach', '--bogus', '1']), 2, /unknown option '--bogus'/, /tachyon attach --help/);
  checkOneError(t, await tachyon(['attach', '--collapsed', '--sort', 'name', '1']), 2, /--sort only apply to --pstats/, /--pstats/);
  checkOneError(t, await tachyon(['frobnicate']), 2, /unknown command 'frobnicate'/, /tachyon --help/);
});

t.test('run with a missing script or interpreter, or an unwritable output', async (t) => {
  checkOneError(t, await tachyon(['run', 'no/such/script.py']), 7, /script 'no\/such\/script.py' not found/, /path/);
  checkOneError(t, await tachyon(['run', '--python', '/no/such/python', `${fixtures}/exit_code.py`, '0']), 7, /cannot start the Python interpreter/, /--python/);
  checkOneError(t, await tachyon(['run', '--python', '/bin/false', `${fixtures}/exit_code.py`, '0']), 1, /exited with code 1 before the target started/, /CPython 3\.8\+/);
  const python = coreInterpreters().find((i) => i.present);
  if (!python) return t.fail('MISSING INTERPRETER: no 3.13+');
  const result = await tachyon(['run', '--python', python.python, '--collapsed', '-o', '/proc/version/x.txt', `${fixtures}/exit_code.py`, '0']);
  t.equal(result.exitCode, 7);
  t.match(result.stderr, /tachyon: error: cannot write \/proc\/version\/x.txt/);
});

t.test('--help explains the commands, options and exit codes', async (t) => {
  const top = await tachyon(['--help']);
  t.equal(top.exitCode, 0);
  t.match(top.stdout, /run \[options\] <target> \[args\.\.\.\]/);
  t.match(top.stdout, /attach \[options\] <pid>/);
  t.match(top.stdout, /Exit codes:/);
  const run = await tachyon(['run', '--help']);
  for (const option of ['--sampling-rate', '--duration', '--all-threads', '--output', '--pstats', '--collapsed', '--sort', '--limit', '--no-summary', '--python', '--module']) {
    t.match(run.stdout, option, `run --help lists ${option}`);
  }
});

/**
 * Version detection on every interpreter 3.8-3.15: the version Tachyon reports is the one the
 * interpreter reports of itself, to the micro level, and --verbose says which method decided:
 * debug offsets (3.13+), the `Py_Version` symbol (3.11, 3.12), or the `PY_VERSION` string in the
 * binary (3.8-3.10, which have neither).
 */
import t from 'tap';
import { execa } from 'execa';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();

for (const interpreter of [...olderInterpreters(), ...coreInterpreters()]) {
  t.test(`version and how it was found (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const own = await execa(interpreter.command[0], [...interpreter.command.slice(1), '-c', 'import platform; print(platform.python_version())']);
    const version = own.stdout.trim();
    const result = await tachyon(['run', '-v', '--python', interpreter.python, '--collapsed', '-o', '/dev/null', `${fixtures}/recursive.py`]);
    t.equal(result.exitCode, 0, result.stderr);
    t.match(result.stderr, new RegExp(`Captured \\d+ ticks .*\\(Python ${version.replace(/\./g, '\\.')}, PID`), `the summary names Python ${version}`);
    const minor = Number(interpreter.minor.split('.')[1]);
    if (minor >= 13) {
      t.match(result.stderr, /layout from debug offsets/, 'read through _Py_DebugOffsets');
    } else {
      const method = minor >= 11 ? 'py_version_symbol' : 'version_string';
      t.match(result.stderr, new RegExp(`Python ${version.replace(/\./g, '\\.')} \\(version from ${method}, `), `the helper says the version came from ${method}`);
      t.match(result.stderr, /layout from builtin table/, 'and the built-in layout was used');
    }
  });
}

/**
 * `tachyon run` end to end, on every interpreter of the core matrix (pyenv's shared-libpython
 * 3.13 and Debian's static 3.13 non-PIE and PIE, 3.14, 3.15 and 3.15-dbg inside a chroot), then
 * the process plumbing on one of them: exit code, stdin/stdout/stderr, -m, pstats files.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { execa } from 'execa';
import { CLI, cleanEnv, parseSummary, readCollapsed, tachyon } from '../helpers/cli.js';
import { checkRecursiveProfile } from '../helpers/recursive-profile.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-run-'));
const interpreters = [...olderInterpreters(), ...coreInterpreters()];

for (const interpreter of interpreters) {
  t.test(`run on ${interpreter.label}: recursive workload`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const file = path.join(out, `${interpreter.label}.txt`);
    const result = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', file, `${fixtures}/recursive.py`, '1.5']);
    t.equal(result.exitCode, 0, result.stderr);
    const summary = parseSummary(result.stderr);
    t.ok(summary.failedPct < 5, `failed samples ${summary.failedPct}% (the benchmark holds the <1% figure)`);
    t.match(result.stderr, new RegExp(`Python ${interpreter.minor.replace('.', '\\.')}[., ]`), 'the summary names the target version');
    checkRecursiveProfile(t, readCollapsed(file), { viaRun: true });
  });
}

// The process plumbing is checked once, on the first CPython 3.13+ present.
const main = coreInterpreters().find((i) => i.present) ?? coreInterpreters()[0];

t.test(`run passes stdin, stdout, stderr, arguments and the exit code through (${main.label})`, async (t) => {
  const result = await tachyon(['run', '--python', main.python, '--collapsed', '-o', path.join(out, 'exit.txt'), `${fixtures}/exit_code.py`, '7', '--flag', 'x y'], { input: 'hello from stdin\n' });
  t.equal(result.exitCode, 7, 'the target\'s exit code');
  t.match(result.stdout, 'args=7,--flag,x y stdin=hello from stdin');
  t.match(result.stderr, 'to-stderr');
});

// The script runs under the launcher as `__main__` with module semantics, and an uncaught
// exception's traceback shows only the script's frames, as `python script.py` would.
for (const interpreter of [olderInterpreters()[0], main]) {
  t.test(`an uncaught exception's traceback shows the script's frames only (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const result = await tachyon(['run', '--python', interpreter.python, '--collapsed', '-o', path.join(out, 'uncaught.txt'), `${fixtures}/uncaught.py`, 'x']);
    t.equal(result.exitCode, 1, 'the exit code of an uncaught exception');
    t.match(result.stdout, 'argv=x');
    const traceback = result.stderr.slice(result.stderr.indexOf('Traceback (most recent call last):'));
    const frames = [...traceback.matchAll(/^ {2}File "([^"]+)", line \d+, in (\S+)$/gm)].map((m) => `${path.basename(m[1])}:${m[2]}`);
    t.same(frames, ['uncaught.py:<module>', 'uncaught.py:outer', 'uncaught.py:inner'], traceback);
    t.match(traceback, /^LookupError: raised in inner$/m);
  });
}

t.test(`run -m runs a module as __main__ with its arguments (${main.label})`, async (t) => {
  const file = path.join(out, 'module.txt');
  // -m finds modules relative to the working directory, as python -m does.
  const result = await execa(process.execPath, [CLI, 'run', '--python', main.python, '--collapsed', '-o', file, '-m', 'tachyon_fixture_mod', 'a1', 'a2'], {
    cwd: fixtures,
    reject: false,
    env: cleanEnv(),
    extendEnv: false,
  });
  t.equal(result.exitCode, 0, String(result.stderr));
  t.match(String(result.stdout), 'module-main a1 a2');
  const lines = readCollapsed(file);
  t.ok(lines.some((l) => l.frames.some((f) => f.file === 'tachyon_fixture_mod.py' && f.func === 'work')), 'work() of the module is sampled');
});

t.test(`pstats: the table on stdout and a file pstats loads, totals equal to the samples (${main.label})`, async (t) => {
  const table = await tachyon(['run', '--python', main.python, '--limit', '5', `${fixtures}/recursive.py`, '1']);
  t.equal(table.exitCode, 0, table.stderr);
  t.match(table.stdout, /^ready\nProfile Stats:\n\s+nsamples\s+sample%/, 'the target\'s output, then the table');
  t.match(table.stdout, /recursive\.py:\d+\(fib\)/);

  const file = path.join(out, 'profile.pstats');
  const result = await tachyon(['run', '--python', main.python, '-o', file, `${fixtures}/recursive.py`, '1']);
  t.equal(result.exitCode, 0, result.stderr);
  const written = /pstats file written to \S+ \((\d+) samples;/.exec(result.stderr);
  t.ok(written, 'the summary says how many samples the file holds');
  const loaded = JSON.parse(
    execFileSync('python3', ['-c', 'import pstats, sys, json; s = pstats.Stats(sys.argv[1]); print(json.dumps([s.prim_calls, s.total_tt, len(s.stats)]))', file]).toString(),
  ) as [number, number, number];
  t.equal(loaded[0], Number(written?.[1]), 'direct samples in the file equal the samples taken');
  t.ok(Math.abs(loaded[1] - loaded[0] / 1000) < 1e-6, 'total time is samples × 1 ms');
  t.ok(readFileSync(file).length > 0 && loaded[2] > 3, `${loaded[2]} positions`);
});

t.test(`run -d stops sampling, writes the report and ends the target (${main.label})`, async (t) => {
  const file = path.join(out, 'duration.txt');
  const started = Date.now();
  const result = await tachyon(['run', '-d', '1', '--python', main.python, '--collapsed', '-o', file, `${fixtures}/recursive.py`, '--forever']);
  t.equal(result.exitCode, 128 + 15, 'the target was ended by SIGTERM');
  t.ok(Date.now() - started < 10_000, 'promptly');
  const summary = parseSummary(result.stderr);
  t.ok(summary.captured >= 800 && summary.captured <= 1100, `${summary.captured} samples in about 1 s`);
  t.ok(readCollapsed(file).length > 0, 'the report was written');
});

t.test(`without -o, files get the stdlib's default names in the working directory (${main.label})`, async (t) => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'tachyon-default-name-'));
  const result = await execa(process.execPath, [CLI, 'run', '--python', main.python, '--collapsed', `${fixtures}/exit_code.py`, '0'], { cwd, reject: false, env: cleanEnv(), extendEnv: false, input: '' });
  t.equal(result.exitCode, 0, String(result.stderr));
  const written = /Collapsed stack output written to (collapsed_(\d+)\.txt)/.exec(String(result.stderr));
  t.ok(written, 'the summary names the file');
  t.ok(existsSync(path.join(cwd, written?.[1] ?? 'missing')), 'collapsed_PID.txt exists in the working directory');

  const dirOutput = await tachyon(['run', '--python', main.python, '--collapsed', '-o', cwd, `${fixtures}/exit_code.py`, '0']);
  const inDir = /written to (\S+)/.exec(dirOutput.stderr);
  t.match(inDir?.[1] ?? '', new RegExp(`^${cwd}/collapsed_\\d+\\.txt$`), '-o DIR puts the default name inside DIR');
});

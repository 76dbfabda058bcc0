/**
 * `tachyon attach` end to end on every interpreter of the core matrix: a running target is
 * profiled for a fixed duration, left running afterwards, and its profile passes the same checks
 * as under `run`. Then stopping: SIGINT and SIGTERM to tachyon, and a helper killed mid-run, all
 * still write the samples taken so far.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { CLI, cleanEnv, parseSummary, readCollapsed, startTarget, tachyon } from '../helpers/cli.js';
import { checkRecursiveProfile } from '../helpers/recursive-profile.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-attach-'));
const interpreters = [...olderInterpreters(), ...coreInterpreters()];

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

for (const interpreter of interpreters) {
  t.test(`attach on ${interpreter.label}: recursive workload, -d 1.5`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const target = await startTarget([...interpreter.command, `${fixtures}/recursive.py`, '--forever']);
    t.teardown(() => void target.child.kill('SIGKILL'));
    const file = path.join(out, `${interpreter.label}.txt`);
    const result = await tachyon(['attach', '-d', '1.5', '--collapsed', '-o', file, String(target.pid)]);
    t.equal(result.exitCode, 0, result.stderr);
    const summary = parseSummary(result.stderr);
    t.ok(summary.captured >= 1200 && summary.captured <= 1600, `${summary.captured} samples in 1.5 s at 1 kHz`);
    t.ok(summary.failedPct < 5, `failed samples ${summary.failedPct}%`);
    checkRecursiveProfile(t, readCollapsed(file), { viaRun: false });
    t.ok(isAlive(target.pid), 'the target is still running after the profiler left');
  });
}

// The process plumbing is checked once, on the first CPython 3.13+ present.
const main = coreInterpreters().find((i) => i.present) ?? coreInterpreters()[0];

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  t.test(`attach stopped by ${signal} still writes its samples (${main.label})`, async (t) => {
    const target = await startTarget([...main.command, `${fixtures}/recursive.py`, '--forever']);
    t.teardown(() => void target.child.kill('SIGKILL'));
    const file = path.join(out, `${signal}.txt`);
    const run = execa(process.execPath, [CLI, 'attach', '--collapsed', '-o', file, String(target.pid)], { reject: false, env: cleanEnv(), extendEnv: false });
    // Long enough for tachyon to start and sample a while even on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    run.kill(signal);
    const result = await run;
    t.equal(result.exitCode, 0, String(result.stderr));
    if (signal === 'SIGINT') t.match(String(result.stderr), 'Interrupted by user.');
    t.ok(existsSync(file), 'the report was written');
    t.ok(readCollapsed(file).reduce((n, l) => n + l.count, 0) > 500, 'with the samples of the run so far');
    t.ok(isAlive(target.pid), 'the target keeps running');
  });
}

t.test(`a helper killed mid-run still leaves the samples so far (${main.label})`, async (t) => {
  const target = await startTarget([...main.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));
  const file = path.join(out, 'helper-killed.txt');
  const run = execa(process.execPath, [CLI, 'attach', '--collapsed', '-o', file, String(target.pid)], { reject: false, env: cleanEnv(), extendEnv: false });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await execa('pkill', ['-KILL', '-f', `tachyon-helper --pid=${target.pid} `], { reject: false });
  const result = await run;
  t.match(String(result.stderr), /the helper stopped unexpectedly \(killed by SIGKILL\)/);
  t.equal(result.exitCode, 8, 'exit code 8: the helper failed');
  t.ok(readCollapsed(file).reduce((n, l) => n + l.count, 0) > 500, 'the samples taken before the helper died were written');
  t.ok(isAlive(target.pid), 'the target keeps running');
});

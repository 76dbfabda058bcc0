/**
 * `--blocking` on every supported interpreter: recursive.py rewrites its stack all the time
 * (naive fib), so a reader that does not stop it sees torn stacks and re-reads; stopped, every
 * read is consistent: zero failed samples and no retries needed. A helper killed with SIGKILL
 * mid-run leaves the target traced by no one and running. Rates blocking cannot sustain, and
 * `--mode cpu` (a stopped thread is never on a CPU), are refused.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { execa } from 'execa';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { CLI, cleanEnv, parseSummary, startTarget, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`--blocking: no failed samples on a fast-changing stack (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const result = await tachyon(['run', '--python', interpreter.python, '--blocking', '-a', '--collapsed', '-o', '/dev/null', `${fixtures}/recursive.py`, '2']);
    t.equal(result.exitCode, 0, result.stderr);
    const summary = parseSummary(result.stderr);
    t.ok(summary.captured > 500, `${summary.captured} samples`);
    t.equal(summary.failed, 0, 'no failed samples');
  });
}

function procStat(pid: number): { state: string; cpuTicks: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: fields[0], cpuTicks: Number(fields[11]) + Number(fields[12]) };
}

function tracerPid(pid: number): number {
  return Number(/TracerPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

t.test('kill -9 of the helper mid-run leaves the target running', async (t) => {
  const interpreter = coreInterpreters()[0];
  if (!interpreter.present) return t.fail(missingMessage(interpreter));
  const target = await startTarget([...interpreter.command, `${fixtures}/recursive.py`, '--forever']);
  const session = execa('env', ['-i', ...Object.entries(cleanEnv()).map(([k, v]) => `${k}=${v}`), process.execPath, CLI, 'attach', '--blocking', '-a', '-d', '30', '--collapsed', '-o', '/dev/null', String(target.pid)], { reject: false });
  try {
    let helper: number | undefined;
    for (let i = 0; i < 50 && helper === undefined; i++) {
      await sleep(100);
      const found = await execa('pgrep', ['-f', `tachyon-helper --pid=${target.pid} `], { reject: false });
      if (found.stdout.trim() !== '') helper = Number(found.stdout.trim().split('\n')[0]);
    }
    t.ok(helper, 'the helper runs');
    await sleep(500);
    t.equal(tracerPid(target.pid), helper, 'the helper traces the target');
    process.kill(helper as number, 'SIGKILL');
    const result = await session;
    t.equal(result.exitCode, 8, 'tachyon reports the helper problem');
    t.match(result.stderr, /the helper stopped unexpectedly/);
    await sleep(100);
    t.equal(tracerPid(target.pid), 0, 'nobody traces the target any more');
    const before = procStat(target.pid);
    await sleep(1000);
    const after = procStat(target.pid);
    t.not(after.state, 't', `not stopped (state ${after.state})`);
    t.ok(after.cpuTicks > before.cpuTicks, `it keeps running (${before.cpuTicks} -> ${after.cpuTicks} ticks of CPU)`);
  } finally {
    target.child.kill('SIGKILL');
    await target.child;
  }
});

t.test('rates and modes --blocking cannot serve are refused', async (t) => {
  const fast = await tachyon(['attach', '--blocking', '-r', '2khz', '1']);
  t.equal(fast.exitCode, 2);
  t.match(fast.stderr, /^tachyon: error: --blocking cannot sustain 2000 Hz: it stops every thread of the target at each sample\nhint: use -r 1khz or lower with --blocking/m);
  const cpu = await tachyon(['attach', '--blocking', '--mode', 'cpu', '1']);
  t.equal(cpu.exitCode, 2);
  t.match(cpu.stderr, /--blocking and --mode cpu cannot be combined/);
});

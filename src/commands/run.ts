/**
 * `tachyon run script.py args…` and `tachyon run -m module args…`: start the target under the
 * launcher (see session/launcher.ts), attach the helper while the launcher waits, let the target
 * go, and sample it until it exits (or -d passes: then the target is ended). The target's stdin,
 * stdout and stderr pass through, and Tachyon exits with the target's exit code.
 *
 *   tachyon ──spawn──▶ python -c <launcher> target…   (waits on fd 3)
 *      │ ◀──────── "R" (interpreter ready) ───────────┘
 *      ├──spawn──▶ helper --pid ──hello──▶ tachyon
 *      └──"G"──▶ launcher runs the target ──exit──▶ tachyon stops the helper, writes the report
 */
import { existsSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Duplex } from 'node:stream';
import type { Command } from 'commander';
import { ExitCode, TachyonError } from '../session/errors.js';
import { GO_BYTE, LAUNCHER_FD, READY_BYTE, launcherArgs } from '../session/launcher.js';
import { ProfilingRun, type Io } from './profiling-run.js';
import { addSamplingOptions, recordOptionsFrom, type CommandContext, type SamplingFlags } from './shared.js';

export interface RunFlags extends SamplingFlags {
  module?: boolean;
  python: string;
}

/** How long a target still running after -d may take to exit on SIGTERM before SIGKILL. */
const TARGET_TERMINATE_GRACE_MS = 2000;

/** How long the interpreter may take to start before we give up on it. */
const READY_TIMEOUT_MS = 30_000;

function exitCodeOf(result: { exitCode?: number; signal?: string }): number {
  if (result.exitCode !== undefined) return result.exitCode;
  const signalNumber = result.signal ? (osConstants.signals as Record<string, number>)[result.signal] : undefined;
  return signalNumber !== undefined ? 128 + signalNumber : 1;
}

/** Resolves when the launcher says it is ready; false if the process ended first. */
function waitForReady(channel: Duplex, exited: Promise<unknown>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new TachyonError(ExitCode.failure, `the Python interpreter did not start within ${READY_TIMEOUT_MS / 1000} s`, 'check --python')), READY_TIMEOUT_MS);
    timer.unref();
    channel.once('data', (chunk: Buffer) => {
      clearTimeout(timer);
      resolve(chunk.toString('latin1').startsWith(READY_BYTE));
    });
    void exited.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}

export async function run(target: string, args: string[], flags: RunFlags, context: CommandContext, io: Io): Promise<number> {
  const targetArgv = flags.module ? ['-m', target, ...args] : [target, ...args];
  const options = recordOptionsFrom(flags, context, targetArgv);
  if (!flags.module && !existsSync(target)) {
    throw new TachyonError(ExitCode.fileError, `script '${target}' not found`, 'check the path, or use run -m for a module');
  }

  // Loaded here, not at the top: attach and --help start faster without execa's module tree.
  const { execa } = await import('execa');
  const child = execa(flags.python, launcherArgs(targetArgv), {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    reject: false,
    buffer: false,
    forceKillAfterDelay: TARGET_TERMINATE_GRACE_MS,
  });
  const exited = child.then((result) => result);
  const channel = child.stdio[LAUNCHER_FD] as unknown as Duplex;
  channel.on('error', () => undefined);

  if (!(await waitForReady(channel, exited))) {
    const result = await exited;
    if (result.exitCode === undefined && result.signal === undefined) {
      throw new TachyonError(ExitCode.fileError, `cannot start the Python interpreter '${flags.python}'`, 'give its path with --python, e.g. --python /usr/bin/python3.13');
    }
    // The interpreter failed before the target started (a Python says why on stderr itself).
    throw new TachyonError(
      ExitCode.failure,
      `'${flags.python}' exited with code ${exitCodeOf(result)} before the target started`,
      'check that --python names a CPython 3.8+ interpreter',
    );
  }

  const profiling = new ProfilingRun({ ...options, pid: child.pid as number }, io);
  let forwardedSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    profiling.interrupted = true;
    profiling.stop();
    // Ctrl-C reaches the whole process group, the target included; SIGTERM sent to us alone is passed on.
    if (signal === 'SIGTERM' && forwardedSignal === undefined) {
      forwardedSignal = signal;
      child.kill(signal);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    try {
      await profiling.attached();
    } catch (error) {
      channel.destroy();
      child.kill('SIGKILL');
      await exited;
      throw error;
    }
    channel.end(GO_BYTE);
    const first = await Promise.race([exited.then(() => 'target' as const), profiling.session.helperDone.then(() => 'helper' as const)]);
    if (first === 'target') {
      profiling.stop();
      await profiling.finish();
      return exitCodeOf(await exited);
    }
    // Sampling ended before the target: -d passed (then the target is ended, as the stdlib
    // profiler does) or the helper died (then the target runs on to its natural end).
    await profiling.finish();
    if (!profiling.helperDied && !profiling.interrupted) {
      child.kill('SIGTERM');
    }
    return exitCodeOf(await exited);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerRunCommand(program: Command, context: CommandContext, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('run')
    .description('start a Python script (or -m module) under the profiler and sample it from its first line to its exit')
    .argument('<target>', 'script path, or module name with -m')
    .argument('[args...]', 'arguments for the target')
    .option('-m, --module', 'run the target as a module, like python -m')
    .option('--python <path>', 'the interpreter that runs the target', 'python3')
    .passThroughOptions();
  addSamplingOptions(command);
  command.action(async (target: string, args: string[], flags: RunFlags) => setExitCode(await run(target, args, flags, context, io)));
}

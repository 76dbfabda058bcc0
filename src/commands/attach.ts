/**
 * `tachyon attach PID`: profile a running CPython until it exits, the duration passes or the
 * user presses Ctrl-C. The target is only read, never paused or written to.
 */
import type { Command } from 'commander';
import { ExitCode, processNotFound } from '../session/errors.js';
import { parsePid } from './options.js';
import { ProfilingRun, type Io } from './profiling-run.js';
import { addSamplingOptions, recordOptionsFrom, type CommandContext, type SamplingFlags } from './shared.js';

function checkProcessExists(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // EPERM means it exists but belongs to someone else: the helper will say whether it may read it.
    if (code === 'ESRCH') {
      throw processNotFound(pid);
    }
  }
}

export async function attach(pidText: string, flags: SamplingFlags, context: CommandContext, io: Io): Promise<number> {
  const pid = parsePid(pidText);
  const options = { ...recordOptionsFrom(flags, context, []), pid };
  checkProcessExists(pid);
  const profiling = new ProfilingRun(options, io);
  const onSignal = (): void => {
    profiling.interrupted = true;
    profiling.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await profiling.attached();
    await profiling.finish();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return profiling.helperDied ? ExitCode.helperProblem : 0;
}

export function registerAttachCommand(program: Command, context: CommandContext, io: Io, setExitCode: (code: number) => void): void {
  const command = program
    .command('attach')
    .description('profile a running CPython process by PID until it exits, -d passes or Ctrl-C')
    .argument('<pid>', 'process id of the running Python program');
  addSamplingOptions(command);
  command.action(async (pid: string, flags: SamplingFlags) => setExitCode(await attach(pid, flags, context, io)));
}

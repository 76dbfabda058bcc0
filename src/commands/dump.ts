/**
 * `tachyon dump PID`: print the current stack of the main thread (or, with -a, of every thread)
 * of a running CPython once, with each thread's id, name and status, as text or JSON. The helper
 * takes one tick (`--duration-ms=1`) with the OS thread state; thread names come from
 * `/proc/PID/task/TID/comm` and source lines from the files as the target sees them
 * (session/target-files.ts).
 * With --locals the helper also reads each frame's local variables as short reprs.
 */
import type { Command } from 'commander';
import { ProfileAssembler } from '../model/profile-assembler.js';
import { MessageKind, type FrameLocal } from '../protocol/messages.js';
import { buildDump, writeDumpJson, writeDumpText } from '../output/dump.js';
import { errorForHelperExit, ExitCode, helperEndedBeforeHello, TachyonError } from '../session/errors.js';
import { findHelper } from '../session/helper-path.js';
import { HelperSession } from '../session/helper-session.js';
import { TargetFiles } from '../session/target-files.js';
import { parsePid } from './options.js';
import type { Io } from './profiling-run.js';
import type { CommandContext } from './shared.js';

export interface DumpFlags {
  allThreads?: boolean;
  json?: boolean;
  gc?: boolean;
  blocking?: boolean;
  locals?: boolean;
  verbose?: boolean;
}

export async function dump(pidText: string, flags: DumpFlags, context: CommandContext, io: Io): Promise<number> {
  const pid = parsePid(pidText);
  const helperPath = findHelper(context.env, context.warn);
  // Before the helper reads it: the target's root, working directory and user are noted now.
  const files = new TargetFiles(pid);
  try {
    return await dumpWith(files, pid, helperPath, flags, context, io);
  } finally {
    files.close();
  }
}

async function dumpWith(files: TargetFiles, pid: number, helperPath: string, flags: DumpFlags, context: CommandContext, io: Io): Promise<number> {
  const assembler = new ProfileAssembler({ toolVersion: context.toolVersion, argv: [], gc: flags.gc !== false });
  let firstTickNs: number | undefined;
  /** `--locals`: by thread id and frame position from the leaf. */
  const locals = new Map<string, FrameLocal[]>();
  const session = new HelperSession({
    helperPath, pid, rateHz: 1000, durationMs: 1, allThreads: flags.allThreads === true, cpuState: flags.blocking !== true, blocking: flags.blocking === true,
    locals: flags.locals === true, verbose: flags.verbose === true,
    log: (line) => io.stderr(line),
    onMessage: (message) => {
      // Only the first tick: every thread at one instant.
      if (message.kind === MessageKind.sample || message.kind === MessageKind.sample_failed || message.kind === MessageKind.frame_locals) {
        firstTickNs ??= message.timeNs;
        if (message.timeNs !== firstTickNs) return;
      }
      if (message.kind === MessageKind.frame_locals) {
        locals.set(`${message.threadId}:${message.frameIndex}`, message.locals);
        return;
      }
      assembler.feed(message);
    },
  });
  const outcome = await session.done;
  if (assembler.hello === undefined) {
    if (outcome.exitCode !== undefined && outcome.exitCode !== 0) throw errorForHelperExit(outcome.exitCode, pid, outcome.stderrTail, helperPath);
    throw helperEndedBeforeHello();
  }
  const profile = assembler.finish('duration_elapsed');
  if (assembler.samplesFailed > 0 && profile.threads.length === 0) {
    throw new TachyonError(ExitCode.failure, `no stack dump collected: the stacks of process ${pid} changed during every read`, 'try again');
  }
  const threadNames = new Map(profile.threads.flatMap((t) => (t.name !== undefined ? [[t.tid, t.name] as const] : [])));
  // Every Python file of the dump in one read.
  files.readAll([...new Set(profile.funcs.kind.flatMap((kind, f) => (kind === 'python' ? [profile.strings[profile.funcs.file[f]]] : [])))].filter((f) => f.startsWith('/')));
  const result = buildDump(profile, {
    threadNames,
    sourceLine: (file, line) => files.sourceLine(file, line),
    ...(flags.locals === true ? { locals: (tid: number, leafIndex: number) => locals.get(`${tid}:${leafIndex}`) ?? [] } : {}),
  });
  io.stdout(flags.json === true ? writeDumpJson(result) : writeDumpText(result));
  return 0;
}

export function registerDumpCommand(program: Command, context: CommandContext, io: Io, setExitCode: (code: number) => void): void {
  program
    .command('dump')
    .description('print the current stack of a running CPython process, with thread ids, names and status')
    .argument('<pid>', 'process id of the running Python program')
    .option('-a, --all-threads', 'every thread (default: only the main thread)')
    .option('--json', 'print JSON for programs: {pid, pythonVersion, threads: [{tid, name, status, frames: [{file, line, func, source, locals}]}]}')
    .option('--no-gc', 'leave out the <GC> frame of a thread that is collecting garbage')
    .option('--blocking', 'stop the threads while their stacks are read (ptrace): always consistent, but no on-CPU status')
    .option('--locals', "each frame's local variables, as short reprs read from memory (numbers, strings, None/True/False; containers as type and size); with --blocking they match the stack exactly")
    .option('-v, --verbose', "show the helper's messages")
    .action(async (pid: string, flags: DumpFlags) => setExitCode(await dump(pid, flags, context, io)));
}

#!/usr/bin/env -S node --no-memory-reducer
/**
 * The `tachyon` command: builds the commander program, runs it, and is the only place that
 * exits. A TachyonError (an operating failure: no such process, no permission, bad option…) is
 * printed as one `tachyon: error: …` line plus a hint; anything else is a bug and is printed with
 * its stack.
 *
 * The shebang turns V8's memory reducer off (the flag only works at start-up): a sampling session
 * allocates little and steadily, which the reducer takes for idleness, and it then ran full
 * collections to shrink a heap that only grows again, bursts of about 90 ms of CPU at 1 kHz.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { readEnvironment } from './config/env.js';
import { registerAttachCommand } from './commands/attach.js';
import { registerDumpCommand } from './commands/dump.js';
import { registerReplayCommand } from './commands/replay.js';
import { registerRunCommand } from './commands/run.js';
import type { CommandContext } from './commands/shared.js';
import type { Io } from './commands/profiling-run.js';
import { ExitCode, TachyonError } from './session/errors.js';
import { packageRoot } from './session/helper-path.js';

const EXIT_CODES_HELP = `
Output:
  The report goes to stdout (the pstats table) or to a file (-o, or the default name such as
  collapsed_PID.txt); the closing summary (samples, rate, failed and missed samples) goes to
  stderr. Ctrl-C or SIGTERM stop sampling and still write the report.

Exit codes:
  run exits with the target's own exit code. Otherwise:
  0 success, 1 failure, 2 bad option, 3 no such process, 4 not a Python process,
  5 unsupported Python version, 6 no permission to read the process, 7 file error,
  8 helper missing or broken.

Examples:
  tachyon run script.py arg1            profile a script, print a pstats table
  tachyon run -r 10khz --collapsed -m mypkg.cli   10 kHz, collapsed stacks to collapsed_PID.txt
  tachyon attach -d 30 -a 1234          30 s of every thread of process 1234
  tachyon dump -a 1234                  the current stack of every thread of process 1234
  tachyon run --flamegraph --browser script.py   an offline HTML flamegraph, opened when written
  tachyon run --binary script.py        save a capture (binary_PID.bin) ...
  tachyon replay binary_1234.bin --gecko    ... and turn it into any report later`;

function toolVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function printError(error: TachyonError): void {
  process.stderr.write(`tachyon: error: ${error.message}\n`);
  if (error.hint) process.stderr.write(`hint: ${error.hint}\n`);
}

async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const io: Io = {
    stdout: (text) => process.stdout.write(text),
    stderr: (line) => process.stderr.write(`${line}\n`),
    // On a terminal the line is rewritten in place; elsewhere each update is a line of its own.
    status: (line) => {
      if (process.stderr.isTTY) process.stderr.write(line === undefined ? '\r\x1b[K' : `\r\x1b[K${line}`);
      else if (line !== undefined) process.stderr.write(`${line}\n`);
    },
  };
  const context: CommandContext = {
    env: readEnvironment(),
    toolVersion: toolVersion(),
    stdoutIsTty: process.stdout.isTTY === true,
    warn: (line) => process.stderr.write(`${line}\n`),
  };
  const program = new Command()
    .name('tachyon')
    .description('A sampling profiler for CPython: it reads the call stacks of a running Python from outside, with no code changes and no restart.')
    .version(context.toolVersion, '-V, --version')
    .enablePositionalOptions()
    .showHelpAfterError(false)
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined });
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  registerRunCommand(program, context, io, setExitCode);
  registerAttachCommand(program, context, io, setExitCode);
  registerDumpCommand(program, context, io, setExitCode);
  registerReplayCommand(program, context, io, setExitCode);
  for (const command of program.commands) command.exitOverride().configureOutput({ writeErr: () => undefined });

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return 0;
      const message = error.message.replace(/^error: /, '');
      const command = argv.find((a) => a === 'run' || a === 'attach' || a === 'replay');
      printError(new TachyonError(ExitCode.usage, message, `see tachyon ${command ? `${command} ` : ''}--help`));
      return ExitCode.usage;
    }
    if (error instanceof TachyonError) {
      printError(error);
      return error.exitCode;
    }
    process.stderr.write(`tachyon: internal error (please report it):\n${error instanceof Error ? error.stack : String(error)}\n`);
    return ExitCode.failure;
  }
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`tachyon: internal error (please report it):\n${String(error)}\n`);
    process.exit(ExitCode.failure);
  },
);

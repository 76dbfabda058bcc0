/**
 * Operating failures as values: a TachyonError carries the exit code, a one-line message and a
 * hint. `cli.ts` prints them as `tachyon: error: …` / `hint: …`; everything else that is thrown
 * is a bug and is printed with its stack. Exit codes are distinct per cause and documented in
 * `--help` and the README.
 */
import { HelperExit } from '../protocol/messages.js';
import { readHelperVersion, supportedPythonsText } from './helper-path.js';

export enum ExitCode {
  failure = 1,
  usage = 2,
  processNotFound = 3,
  notPython = 4,
  pythonUnsupported = 5,
  permissionDenied = 6,
  fileError = 7,
  helperProblem = 8,
}

export class TachyonError extends Error {
  override name = 'TachyonError';
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function permissionHint(helperPath: string): string {
  return (
    `run tachyon as root (sudo), give the helper CAP_SYS_PTRACE (sudo setcap cap_sys_ptrace+ep ${helperPath}), ` +
    'or, for a process of your own user, allow tracing with: sudo sysctl kernel.yama.ptrace_scope=0'
  );
}

/** The target is gone (or never was): from `attach`'s own check and from the helper's exit code. */
export function processNotFound(pid: number): TachyonError {
  return new TachyonError(ExitCode.processNotFound, `no process with PID ${pid}`, 'check the PID with ps or pgrep; the process may have exited');
}

/** Two options that exclude each other: `--collapsed and --binary cannot be combined`. */
export function cannotCombine(first: string, second: string, hint: string): TachyonError {
  return new TachyonError(ExitCode.usage, `${first} and ${second} cannot be combined`, hint);
}

/** A report or capture file that cannot be written, for `reason` (an errno code); `hint` for a failure after it was opened. */
export function cannotWrite(file: string, reason: string, hint = "choose another path with -o, or check the directory's permissions"): TachyonError {
  return new TachyonError(ExitCode.fileError, `cannot write ${file} (${reason})`, hint);
}

/** The helper exited before its hello, without a code that says why; `signal` if one ended it. */
export function helperEndedBeforeHello(signal?: string): TachyonError {
  return new TachyonError(ExitCode.helperProblem, `the helper ended before attaching${signal ? ` (signal ${signal})` : ''}`, 'run with --verbose to see its messages');
}

/** The helper's stream could not be read (bad bytes, or a reader of it refused a message). */
export function helperBrokeProtocol(error: Error): TachyonError {
  return new TachyonError(ExitCode.helperProblem, `the helper's output broke the protocol: ${error.message}`, 'rebuild with "npm run build" so the helper and tachyon match');
}

/** The TachyonError for a helper that exited with `code`, given the last line it wrote on stderr. */
export function errorForHelperExit(code: number, pid: number, stderrLine: string, helperPath: string): TachyonError {
  const detail = stderrLine.trim();
  switch (code) {
    case HelperExit.permission_denied:
      return new TachyonError(ExitCode.permissionDenied, `no permission to read process ${pid}${detail ? ` (${detail})` : ''}`, permissionHint(helperPath));
    case HelperExit.process_not_found:
      return processNotFound(pid);
    case HelperExit.not_python:
      return new TachyonError(
        ExitCode.notPython,
        detail || `process ${pid} is not a CPython process`,
        'attach to the python process itself, not a shell or wrapper around it (pgrep -a python)',
      );
    case HelperExit.python_unsupported:
      return new TachyonError(ExitCode.pythonUnsupported, detail || `process ${pid} runs a Python version Tachyon cannot read`, `Tachyon reads CPython ${supportedPythons(helperPath)} (GIL builds, x86_64 Linux); see the table in its README`);
    case HelperExit.usage:
      return new TachyonError(ExitCode.helperProblem, `the helper refused its options: ${detail}`, 'this is a bug in tachyon; please report it');
    default:
      return new TachyonError(ExitCode.helperProblem, `the helper failed (exit ${code})${detail ? `: ${detail}` : ''}`, 'run with --verbose for the helper\'s messages');
  }
}

/** The CPython versions the helper reads, as its `--version` states them (the one place they are written). */
function supportedPythons(helperPath: string): string {
  const version = readHelperVersion(helperPath);
  return version === undefined ? 'of the versions in its README' : supportedPythonsText(version);
}

/**
 * The part of `run` and `attach` that is the same: drive one helper session into a Recorder,
 * stop it on Ctrl-C, SIGTERM, the duration or the target's exit, and write the chosen output and
 * the closing summary whatever happened (a helper that dies mid-run still leaves its samples).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CaptureWriter } from '../capture/writer.js';
import { preferredCompression } from '../capture/format.js';
import { Recorder } from '../model/recorder.js';
import type { ProfileMode } from '../model/modes.js';
import { formatPythonVersion, type Profile } from '../model/profile.js';
import { OUTPUT_FORMATS, type OutputFormatName, type OutputOptions } from '../output/index.js';
import { formatRunSummary } from '../output/summary.js';
import { errorForHelperExit, ExitCode, TachyonError } from '../session/errors.js';
import { HelperSession, type HelperOutcome, type HelperRequest } from '../session/helper-session.js';
import { RealtimeStats } from '../session/realtime-stats.js';
import { HelloFlags, MessageKind } from '../protocol/messages.js';
import { TargetFiles } from '../session/target-files.js';

export interface RecordOptions extends HelperRequest {
  argv: string[];
  toolVersion: string;
  format: OutputFormatName;
  output: string | undefined;
  outputOptions: OutputOptions;
  mode: ProfileMode;
  /** `<GC>` frames (off with --no-gc). */
  gc: boolean;
  /** Print a live line with the achieved rate and intervals, at most once a second. */
  realtimeStats?: boolean;
  /** The command that opens the written report (`--browser`), if asked for. */
  browser?: string;
  /** --capture: also save the capture here, next to the report (with --binary the capture is the report). */
  capturePath?: string;
}

/** How often the --realtime-stats line is rewritten, in helper time. */
const REALTIME_STATS_INTERVAL_NS = 1e9;

export interface Io {
  stdout(text: string): void;
  stderr(line: string): void;
  /** Rewrites the live status line on stderr (--realtime-stats); undefined clears it. */
  status?(line: string | undefined): void;
}

/** How long a stopped helper may take to say bye before it is killed. */
const HELPER_STOP_GRACE_MS = 3000;

export class Recording {
  readonly recorder: Recorder;
  readonly session: HelperSession;
  interrupted = false;
  /** Set by finish() when the helper ended without its bye (crashed or was killed). */
  helperDied = false;
  private stopTimer: NodeJS.Timeout | undefined;
  /** The target's files as it sees them, opened on attach when the format shows source. */
  private targetFiles: TargetFiles | undefined;
  /** With --binary: the helper's stream goes to this file as it arrives. */
  readonly capture: CaptureWriter | undefined;

  constructor(
    readonly options: RecordOptions,
    private readonly io: Io,
  ) {
    this.recorder = new Recorder({ toolVersion: options.toolVersion, argv: options.argv, mode: options.mode, gc: options.gc });
    const isCapture = OUTPUT_FORMATS[options.format].capture === true;
    if (isCapture || options.capturePath !== undefined) {
      const file = isCapture ? (resolveOutputPath(options.format, options.output, options.pid) as string) : (options.capturePath as string);
      this.capture = new CaptureWriter(
        file,
        {
          tool: { name: 'tachyon', version: options.toolVersion },
          commandLine: process.argv.slice(2),
          argv: options.argv,
          mode: options.mode,
          rateHz: options.rateHz,
          allThreads: options.allThreads,
          ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
          target: { pid: options.pid },
          startUnixMs: Date.now(),
        },
        preferredCompression(),
      );
    }
    const capture = this.capture;
    const realtime = options.realtimeStats === true && io.status !== undefined ? new RealtimeStats() : undefined;
    let nextStatusNs = 0;
    this.session = new HelperSession({
      ...options,
      onMessage: (message) => {
        this.recorder.feed(message);
        if (realtime !== undefined && (message.kind === MessageKind.sample || message.kind === MessageKind.sample_failed)) {
          realtime.addTick(message.timeNs);
          if (message.timeNs >= nextStatusNs) {
            const line = realtime.line();
            if (line !== undefined) {
              io.status?.(line);
              nextStatusNs = message.timeNs + REALTIME_STATS_INTERVAL_NS;
            }
          }
        }
      },
      ...(capture !== undefined ? { onChunk: (chunk: Buffer) => capture.push(chunk) } : {}),
      log: (line) => io.stderr(line),
    });
  }

  /** Waits for the helper's hello, turning an early helper exit into the matching TachyonError. */
  async attached(): Promise<void> {
    const first = await Promise.race([this.session.hello.then(() => undefined), this.session.done]);
    if (first !== undefined) {
      await this.capture?.discard();
      throw this.failureBeforeHello(first);
    }
    const hello = await this.session.hello;
    if (this.options.verbose) {
      this.io.stderr(`tachyon: Python ${formatPythonVersion(hello.pythonVersionHex)} in ${hello.runtimePath}, layout from ${hello.layoutSource.replace(/_/g, ' ')}`);
      this.io.stderr(`tachyon: sampling at ${(hello.flags & HelloFlags.realtime) !== 0 ? 'real-time' : 'normal'} scheduling priority${this.options.realtime === true && (hello.flags & HelloFlags.realtime) === 0 ? ' (real-time scheduling needs root or CAP_SYS_NICE, or ulimit -r above 0, and a rate of at most 20 kHz)' : ''}`);
    }
    if (this.options.native === true && hello.pythonVersionHex < 0x030b0000) {
      this.io.stderr(`tachyon: warning: --native shows nothing on Python ${formatPythonVersion(hello.pythonVersionHex)}: before 3.11 the interpreter leaves no mark where C code calls into Python`);
    }
    if (OUTPUT_FORMATS[this.options.format].sourceFiles !== undefined) this.targetFiles = new TargetFiles(this.options.pid);
  }

  stop(): void {
    this.session.stop();
    this.stopTimer ??= setTimeout(() => this.session.kill(), HELPER_STOP_GRACE_MS);
    this.stopTimer.unref();
  }

  private failureBeforeHello(outcome: HelperOutcome): TachyonError {
    if (outcome.streamError !== undefined) {
      return new TachyonError(ExitCode.helperProblem, `the helper's output broke the protocol: ${outcome.streamError.message}`, 'rebuild with "npm run build" so the helper and tachyon match');
    }
    if (outcome.exitCode !== undefined && outcome.exitCode !== 0) return errorForHelperExit(outcome.exitCode, this.options.pid, outcome.stderrTail, this.options.helperPath);
    return new TachyonError(ExitCode.helperProblem, `the helper ended before attaching${outcome.signal ? ` (signal ${outcome.signal})` : ''}`, 'run with --verbose to see its messages');
  }

  /** Waits for the helper to end, then writes the output and the summary. */
  async finish(): Promise<Profile> {
    const outcome = await this.session.done;
    if (this.stopTimer !== undefined) clearTimeout(this.stopTimer);
    if (this.options.realtimeStats === true) this.io.status?.(undefined);
    if (this.recorder.hello === undefined) {
      await this.capture?.discard();
      throw this.failureBeforeHello(outcome);
    }
    let stopReasonIfUnknown = 'helper_died';
    if (!outcome.sawBye) {
      this.helperDied = true;
      const why = outcome.streamError?.message ?? `${outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.exitCode}`}${outcome.stderrTail ? `: ${outcome.stderrTail}` : ''}`;
      this.io.stderr(`tachyon: warning: the helper stopped unexpectedly (${why}); writing the ${this.recorder.builder.sampleCount} samples collected so far`);
    } else stopReasonIfUnknown = 'stop_requested';
    const profile = this.recorder.finish(stopReasonIfUnknown);
    for (const line of formatRunSummary(profile.meta, this.interrupted)) this.io.stderr(line);
    if (this.capture !== undefined) {
      await this.capture.close();
      this.io.stderr(OUTPUT_FORMATS.binary.writtenMessage(this.capture.file, profile));
      this.io.stderr(captureSizeLine(this.capture));
    }
    if (OUTPUT_FORMATS[this.options.format].capture !== true) {
      let written: string | undefined;
      try {
        written = writeOutput(profile, this.options, this.io, this.targetFiles ?? new TargetFiles(undefined));
      } finally {
        this.targetFiles?.close();
      }
      if (written !== undefined && this.options.browser !== undefined) await openInBrowser(this.options.browser, this.options.format, written, this.io);
    }
    return profile;
  }
}

function captureSizeLine(capture: CaptureWriter): string {
  const why = capture.compression === 'zstd' ? 'zstd' : `${capture.compression} (this Node ${process.version} has no zstd)`;
  return `  ${capture.fileBytes} bytes on disk for ${capture.streamBytes} bytes of helper stream; compression: ${why}; turn it into any report with: tachyon replay ${capture.file} --pstats|--collapsed|--gecko|…`;
}

function resolveOutputPath(format: OutputFormatName, output: string | undefined, pid: number): string | undefined {
  const spec = OUTPUT_FORMATS[format];
  if (output === undefined) return spec.stdoutByDefault ? undefined : spec.defaultFileName(pid);
  if (spec.directory) return output.replace(/\.html?$/i, '') || output;
  try {
    if (statSync(output).isDirectory()) return path.join(output, spec.defaultFileName(pid));
  } catch {
    // Not an existing directory: a file name.
  }
  return output;
}

/** Writes the report; returns where it went (undefined: stdout). */
export function writeOutput(
  profile: Profile,
  options: Pick<RecordOptions, 'format' | 'output' | 'outputOptions'>,
  io: Io,
  targetFiles: TargetFiles = new TargetFiles(undefined),
): string | undefined {
  const spec = OUTPUT_FORMATS[options.format];
  const target = resolveOutputPath(options.format, options.output, profile.meta.target.pid);
  const outputOptions = spec.sourceFiles ? { ...options.outputOptions, sources: targetFiles.readAll(spec.sourceFiles(profile)) } : options.outputOptions;
  const data = spec.write(profile, outputOptions, target !== undefined);
  if (target === undefined) {
    io.stdout(typeof data === 'string' ? data : Buffer.from(data as Uint8Array).toString('utf8'));
    return undefined;
  }
  try {
    if (data instanceof Map) {
      mkdirSync(target, { recursive: true });
      for (const [name, content] of data) writeFileSync(path.join(target, name), content);
    } else {
      mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
      writeFileSync(target, data);
    }
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TachyonError(ExitCode.fileError, `cannot write ${target} (${reason})`, 'choose another path with -o, or check the directory\'s permissions');
  }
  io.stderr(spec.writtenMessage(target, profile));
  return target;
}

/**
 * Starts the browser on a written report (the file, or a directory's entry page) and waits only
 * until it has started; a browser that cannot be started is a warning, not a failure.
 */
export function openInBrowser(command: string, format: OutputFormatName, written: string, io: Io): Promise<void> {
  const entry = OUTPUT_FORMATS[format].browserEntry;
  if (entry === undefined) return Promise.resolve();
  const file = path.resolve(written, entry);
  const url = `file://${file.split('/').map(encodeURIComponent).join('/')}`;
  const warn = (why: string): void => io.stderr(`tachyon: warning: could not open a browser (${why}); open ${url} yourself, or set BROWSER`);
  return new Promise((resolve) => {
    try {
      const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
      child.once('spawn', () => {
        child.unref();
        resolve();
      });
      child.once('error', (error: NodeJS.ErrnoException) => {
        warn(`${command}: ${error.code ?? error.message}`);
        resolve();
      });
    } catch (error) {
      warn(`${command}: ${(error as Error).message}`);
      resolve();
    }
  });
}

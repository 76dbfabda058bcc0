/**
 * The part of `run` and `attach` that is the same: a sampling session whose listeners build the
 * profile, write the capture (--binary, --capture) and show the realtime stats line; the lines
 * --verbose prints once the helper attached; and, whatever happened (a helper that dies mid-run
 * still leaves its samples), the closing summary, the report and the browser.
 */
import { CaptureWriter, defaultCaptureFileName } from '../capture/writer.js';
import { preferredCompression } from '../capture/format.js';
import { ProfileAssembler } from '../model/profile-assembler.js';
import type { ProfileMode } from '../model/modes.js';
import { formatPythonVersion, sampleCount, type Profile } from '../model/profile.js';
import { OUTPUT_FORMATS, type OutputOptions } from '../output/index.js';
import { formatRunSummary } from '../output/summary.js';
import { openInBrowser, resolveOutputPath, writeReport } from '../output/write-report.js';
import type { HelperRequest } from '../session/helper-session.js';
import { RealtimeStatsLine } from '../session/realtime-stats.js';
import { SamplingSession, type SamplingListener } from '../session/sampling-session.js';
import { TargetFiles } from '../session/target-files.js';
import { HelloFlags, type HelloMessage } from '../protocol/messages.js';
import { CAPTURE_CHOICE, type ReportChoice } from './options.js';

export interface ProfilingOptions extends HelperRequest {
  argv: string[];
  toolVersion: string;
  /** The report's format, or `binary`: the capture is all the run writes. */
  format: ReportChoice;
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

export interface Io {
  stdout(text: string): void;
  stderr(line: string): void;
  /** Rewrites the live status line on stderr (--realtime-stats); undefined clears it. */
  status?(line: string | undefined): void;
}

/** Where the capture goes: -o or binary_PID.bin with --binary, the --capture path beside a report, else none. */
function capturePathOf(options: ProfilingOptions): string | undefined {
  if (options.format !== CAPTURE_CHOICE) return options.capturePath;
  return resolveOutputPath({ defaultFileName: defaultCaptureFileName, stdoutByDefault: false }, options.output, options.pid);
}

function openCapture(file: string, options: ProfilingOptions): CaptureWriter {
  const meta = {
    tool: { name: 'tachyon' as const, version: options.toolVersion },
    commandLine: process.argv.slice(2),
    argv: options.argv,
    mode: options.mode,
    rateHz: options.rateHz,
    allThreads: options.allThreads,
    ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    target: { pid: options.pid },
    startUnixMs: Date.now(),
  };
  return new CaptureWriter(file, meta, preferredCompression());
}

export class ProfilingRun {
  /** The profile builder, the session's first listener. */
  readonly assembler: ProfileAssembler;
  readonly session: SamplingSession;
  interrupted = false;
  /** Set by finish() when the helper ended without its bye (crashed or was killed). */
  helperDied = false;
  /** The target's files as it sees them, opened on attach when the format shows source. */
  private targetFiles: TargetFiles | undefined;
  /** With --binary or --capture: the helper's stream goes to this file as it arrives. */
  readonly capture: CaptureWriter | undefined;

  constructor(
    readonly options: ProfilingOptions,
    private readonly io: Io,
  ) {
    this.assembler = new ProfileAssembler({ toolVersion: options.toolVersion, argv: options.argv, mode: options.mode, gc: options.gc });
    const captureFile = capturePathOf(options);
    this.capture = captureFile !== undefined ? openCapture(captureFile, options) : undefined;
    const listeners: SamplingListener[] = [{ onMessage: (message) => this.assembler.feed(message) }];
    if (options.realtimeStats === true && io.status !== undefined) listeners.push(new RealtimeStatsLine(io.status));
    if (this.capture !== undefined) listeners.push(this.capture);
    this.session = new SamplingSession({ ...options, log: (line) => io.stderr(line) }, listeners);
  }

  /** Waits for the helper's hello, turning an early helper exit into the matching TachyonError. */
  async attached(): Promise<void> {
    const hello = await this.session.attached();
    if (this.options.verbose) this.describeAttach(hello);
    if (this.options.native === true && hello.pythonVersionHex < 0x030b0000) {
      this.io.stderr(`tachyon: warning: --native shows nothing on Python ${formatPythonVersion(hello.pythonVersionHex)}: before 3.11 the interpreter leaves no mark where C code calls into Python`);
    }
    if (this.options.format !== CAPTURE_CHOICE && OUTPUT_FORMATS[this.options.format].sourceFiles !== undefined) this.targetFiles = new TargetFiles(this.options.pid);
  }

  /** --verbose: which Python, where, and at which scheduling priority the helper samples. */
  private describeAttach(hello: HelloMessage): void {
    const realtime = (hello.flags & HelloFlags.realtime) !== 0;
    this.io.stderr(`tachyon: Python ${formatPythonVersion(hello.pythonVersionHex)} in ${hello.runtimePath}, layout from ${hello.layoutSource.replace(/_/g, ' ')}`);
    this.io.stderr(`tachyon: sampling at ${realtime ? 'real-time' : 'normal'} scheduling priority${this.options.realtime === true && !realtime ? ' (real-time scheduling needs root or CAP_SYS_NICE, or ulimit -r above 0, and a rate of at most 20 kHz)' : ''}`);
  }

  stop(): void {
    this.session.stop();
  }

  /** Waits for the helper to end, then writes the summary, the capture's lines and the report. */
  async finish(): Promise<Profile> {
    const outcome = await this.session.finish();
    if (outcome.helperDied) {
      this.helperDied = true;
      const why = outcome.streamError?.message ?? `${outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.exitCode}`}${outcome.stderrTail ? `: ${outcome.stderrTail}` : ''}`;
      this.io.stderr(`tachyon: warning: the helper stopped unexpectedly (${why}); writing the ${this.assembler.builder.sampleCount} samples collected so far`);
    }
    const profile = this.assembler.finish(outcome.sawBye ? 'stop_requested' : 'helper_died');
    for (const line of formatRunSummary(profile, this.interrupted)) this.io.stderr(line);
    if (this.capture !== undefined) for (const line of this.capture.written(sampleCount(profile))) this.io.stderr(line);
    if (this.options.format !== CAPTURE_CHOICE) await this.report(profile, { ...this.options, format: this.options.format });
    return profile;
  }

  /** Writes the report (reading the target's files it shows) and opens the browser on it. */
  private async report(profile: Profile, options: ProfilingOptions & { format: Exclude<ReportChoice, typeof CAPTURE_CHOICE> }): Promise<void> {
    const files = this.targetFiles ?? new TargetFiles(undefined);
    let written: string | undefined;
    try {
      written = writeReport(profile, options, this.io, (names) => files.readAll(names));
    } finally {
      this.targetFiles?.close();
    }
    if (written !== undefined && options.browser !== undefined) await openInBrowser(options.browser, options.format, written, this.io);
  }
}

/**
 * The part of `run` and `attach` that is the same: drive one helper session into a Recorder,
 * stop it on Ctrl-C, SIGTERM, the duration or the target's exit, and write the chosen output and
 * the closing summary whatever happened (a helper that dies mid-run still leaves its samples).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Recorder } from '../model/recorder.js';
import type { ProfileMode } from '../model/modes.js';
import { formatPythonVersion, type Profile } from '../model/profile.js';
import { OUTPUT_FORMATS, type OutputFormatName, type OutputOptions } from '../output/index.js';
import { formatRunSummary } from '../output/summary.js';
import { errorForHelperExit, ExitCode, TachyonError } from '../session/errors.js';
import { HelperSession, type HelperOutcome, type HelperRequest } from '../session/helper-session.js';
import { RealtimeStats } from '../session/realtime-stats.js';
import { MessageKind } from '../protocol/messages.js';

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

  constructor(
    readonly options: RecordOptions,
    private readonly io: Io,
  ) {
    this.recorder = new Recorder({ toolVersion: options.toolVersion, argv: options.argv, mode: options.mode, gc: options.gc });
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
      log: (line) => io.stderr(line),
    });
  }

  /** Waits for the helper's hello, turning an early helper exit into the matching TachyonError. */
  async attached(): Promise<void> {
    const first = await Promise.race([this.session.hello.then(() => undefined), this.session.done]);
    if (first !== undefined) throw this.failureBeforeHello(first);
    const hello = await this.session.hello;
    if (this.options.verbose) {
      this.io.stderr(`tachyon: Python ${formatPythonVersion(hello.pythonVersionHex)} in ${hello.runtimePath}, layout from ${hello.layoutSource.replace(/_/g, ' ')}`);
    }
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
    if (this.recorder.hello === undefined) throw this.failureBeforeHello(outcome);
    let stopReasonIfUnknown = 'helper_died';
    if (!outcome.sawBye) {
      this.helperDied = true;
      const why = outcome.streamError?.message ?? (outcome.signal ? `killed by ${outcome.signal}` : `exit ${outcome.exitCode}${outcome.stderrTail ? `: ${outcome.stderrTail}` : ''}`);
      this.io.stderr(`tachyon: warning: the helper stopped unexpectedly (${why}); writing the ${this.recorder.builder.sampleCount} samples collected so far`);
    } else stopReasonIfUnknown = 'stop_requested';
    const profile = this.recorder.finish(stopReasonIfUnknown);
    for (const line of formatRunSummary(profile.meta, this.interrupted)) this.io.stderr(line);
    writeOutput(profile, this.options, this.io);
    return profile;
  }
}

function resolveOutputPath(format: OutputFormatName, output: string | undefined, pid: number): string | undefined {
  const spec = OUTPUT_FORMATS[format];
  if (output === undefined) return spec.stdoutByDefault ? undefined : spec.defaultFileName(pid);
  try {
    if (statSync(output).isDirectory()) return path.join(output, spec.defaultFileName(pid));
  } catch {
    // Not an existing directory: a file name.
  }
  return output;
}

export function writeOutput(profile: Profile, options: Pick<RecordOptions, 'format' | 'output' | 'outputOptions'>, io: Io): void {
  const spec = OUTPUT_FORMATS[options.format];
  const target = resolveOutputPath(options.format, options.output, profile.meta.target.pid);
  const data = spec.write(profile, options.outputOptions, target !== undefined);
  if (target === undefined) {
    io.stdout(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
    return;
  }
  try {
    mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
    writeFileSync(target, data);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new TachyonError(ExitCode.fileError, `cannot write ${target} (${reason})`, 'choose another path with -o, or check the directory\'s permissions');
  }
  io.stderr(spec.writtenMessage(target, profile));
}

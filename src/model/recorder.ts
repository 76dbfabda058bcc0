/**
 * Recorder: feeds helper messages into a ProfileBuilder and keeps the run's counters, so that a
 * live session, a saved stream and a test all build a Profile the same way. Pure: it is given
 * messages and extra metadata; it never reads a clock, a file or a process.
 */
import { ProfileBuilder } from './builder.js';
import { PROFILE_FORMAT_VERSION, formatPythonVersion, type Profile } from './profile.js';
import { MessageKind, PROTOCOL_VERSION, READABLE_PROTOCOL_VERSIONS, StopReason, ThreadStatus, type HelloMessage, type Message } from '../protocol/messages.js';
import { Symbolizer } from '../symbolize/symbolizer.js';
import { ProtocolError } from '../protocol/decode.js';
import { GC_FRAME_NAME, keepsSample, type ProfileMode } from './modes.js';

export interface RecorderOptions {
  toolVersion: string;
  argv: string[];
  /** Default `wall`. */
  mode?: ProfileMode;
  /** Put a `<GC>` frame on top of stacks sampled while the collector runs (default true). */
  gc?: boolean;
}

export class Recorder {
  readonly builder = new ProfileBuilder();
  hello: HelloMessage | undefined;
  private symbolizer: Symbolizer | undefined;
  ticksTaken = 0;
  ticksFailed = 0;
  ticksMissed = 0;
  retries = 0;
  samplesFailed = 0;
  /** Samples whose whole stack belonged to the launcher (the target had not started yet). */
  samplesBeforeStart = 0;
  /** Samples the mode left out (e.g. off-CPU samples in `cpu` mode). */
  samplesFilteredOut = 0;
  private readonly mode: ProfileMode;
  private readonly gc: boolean;
  private gcFrame = -1;
  lastTimeNs = 0;
  stopReason: string | undefined;
  /** Each thread's latest OS name (`thread_name` messages). */
  private readonly osNames = new Map<number, string>();
  /** Per thread: the previous sample's helper frame list and the stack it became. */
  private readonly lastStack = new Map<number, { raw: number[]; collecting: boolean; stack: number }>();

  constructor(private readonly options: RecorderOptions) {
    this.mode = options.mode ?? 'wall';
    this.gc = options.gc ?? true;
  }

  feed(message: Message): void {
    if (message.kind === MessageKind.hello) {
      if (this.hello !== undefined) throw new ProtocolError('a second hello message');
      if (!READABLE_PROTOCOL_VERSIONS.includes(message.protocolVersion)) {
        throw new ProtocolError(
          `the helper speaks protocol ${message.protocolVersion} (helper ${message.helperVersion}), this tachyon speaks ${PROTOCOL_VERSION} (and reads ${READABLE_PROTOCOL_VERSIONS.join(', ')})`,
        );
      }
      this.hello = message;
      this.symbolizer = new Symbolizer(this.builder, message.pythonVersionHex);
      this.lastTimeNs = message.startMonotonicNs;
      return;
    }
    const hello = this.hello;
    const symbolizer = this.symbolizer;
    if (hello === undefined || symbolizer === undefined) throw new ProtocolError(`message kind ${message.kind} before hello`);
    switch (message.kind) {
      case MessageKind.code:
        symbolizer.addCode(message);
        break;
      case MessageKind.sample: {
        this.lastTimeNs = Math.max(this.lastTimeNs, message.timeNs);
        if (!keepsSample(this.mode, message.status)) {
          this.samplesFilteredOut++;
          break;
        }
        const stack = this.stackFor(message.threadId, message.frames, message.status, symbolizer);
        if (stack === -1) {
          this.samplesBeforeStart++;
          break;
        }
        const timeUs = Math.round((message.timeNs - hello.startMonotonicNs) / 1000);
        this.builder.addSample(message.threadId, timeUs, message.status, stack);
        break;
      }
      case MessageKind.sample_failed:
        this.samplesFailed++;
        this.lastTimeNs = Math.max(this.lastTimeNs, message.timeNs);
        break;
      case MessageKind.stats:
        this.ticksTaken = message.ticksTaken;
        this.ticksFailed = message.ticksFailed;
        this.ticksMissed = message.ticksMissed;
        this.retries = message.retries;
        this.lastTimeNs = Math.max(this.lastTimeNs, message.timeNs);
        break;
      case MessageKind.thread_name:
        this.osNames.set(message.threadId, message.name);
        break;
      case MessageKind.bye:
        this.stopReason = StopReason[message.reason] ?? `unknown (${message.reason})`;
        break;
    }
  }

  /**
   * The profile stack for a helper frame list; -1 when nothing is left once launcher frames are
   * cut. A thread's stack often repeats from one sample to the next (a loop, a wait): a frame list
   * equal to that thread's previous one, with the same `<GC>` state, maps to the same stack, since
   * a (code id, instruction) pair always resolves to the same frame, so the symbolizing and
   * interning are skipped.
   */
  private stackFor(threadId: number, raw: number[], status: number, symbolizer: Symbolizer): number {
    const collecting = this.gc && (status & ThreadStatus.gcCollecting) !== 0;
    const last = this.lastStack.get(threadId);
    if (last !== undefined && last.collecting === collecting && sameNumbers(last.raw, raw)) return last.stack;
    const frames = symbolizer.frames(raw);
    if (collecting && frames.length > 0) {
      if (this.gcFrame === -1) this.gcFrame = this.builder.frame(this.builder.func(GC_FRAME_NAME, '~', 0, 'pseudo'), 0);
      frames.unshift(this.gcFrame);
    }
    const stack = frames.length === 0 ? -1 : this.builder.stack(frames);
    this.lastStack.set(threadId, { raw, collecting, stack });
    return stack;
  }

  /** The profile so far; callable at any time, e.g. after the helper died mid-run. */
  finish(stopReasonIfUnknown: string): Profile {
    const hello = this.hello;
    if (hello === undefined) throw new ProtocolError('the helper sent no hello');
    return this.builder.finish({
      formatVersion: PROFILE_FORMAT_VERSION,
      tool: { name: 'tachyon', version: this.options.toolVersion, helperVersion: hello.helperVersion, protocolVersion: hello.protocolVersion },
      target: { pid: hello.pid, argv: this.options.argv, pythonVersion: formatPythonVersion(hello.pythonVersionHex), runtimePath: hello.runtimePath },
      mode: this.mode,
      samplesFilteredOut: this.samplesFilteredOut,
      startUnixMs: hello.startUnixNs / 1e6,
      durationUs: Math.max(0, Math.round((this.lastTimeNs - hello.startMonotonicNs) / 1000)),
      sampleIntervalUs: hello.sampleIntervalNs / 1000,
      ticksTaken: this.ticksTaken,
      ticksFailed: this.ticksFailed,
      ticksMissed: this.ticksMissed,
      stopReason: this.stopReason ?? stopReasonIfUnknown,
    }, this.threadNames(hello.pid));
  }

  /**
   * Names for the report: the main thread (its kernel id is the pid) is `MainThread`, as
   * `threading` calls it; another thread is named by its OS name unless that is just the name it
   * inherited from the process (CPython before 3.14 does not name OS threads).
   */
  private threadNames(pid: number): Map<number, string> {
    const processName = this.osNames.get(pid);
    const names = new Map<number, string>();
    for (const [tid, name] of this.osNames) {
      if (tid === pid) names.set(tid, 'MainThread');
      else if (name !== processName) names.set(tid, name);
    }
    return names;
  }
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * ProfileAssembler: turns the helper's message stream into a Profile, feeding a ProfileBuilder
 * and keeping the run's counters, so that a live session, a saved stream and a test all build a
 * Profile the same way. This is where the protocol's words become the model's, once: status bits
 * become SampleStatus, the truncation marker and `gc_collecting` become pseudo-frames. Pure: it
 * is given messages and extra metadata; it never reads a clock, a file or a process.
 */
import { ProfileBuilder } from './builder.js';
import { PROFILE_FORMAT_VERSION, PseudoFrame, SampleStatus, formatPythonVersion, type Profile } from './profile.js';
import { HelloFlags, MessageKind, PROTOCOL_VERSION, READABLE_PROTOCOL_VERSIONS, StopReason, ThreadStatus, type HelloMessage, type Message } from '../protocol/messages.js';
import { CUT_LAUNCHER, CUT_TRUNCATED, Symbolizer } from '../symbolize/symbolizer.js';
import { ProtocolError } from '../protocol/decode.js';
import { keepsSample, type ProfileMode } from './modes.js';

/** Compiles only while SampleStatus has the helper's ThreadStatus names and values, bit for bit. */
type SameBits = typeof ThreadStatus extends typeof SampleStatus ? (typeof SampleStatus extends typeof ThreadStatus ? true : never) : never;
export const STATUS_BITS_ARE_THE_HELPERS: SameBits = true;

/** The helper's status bits as SampleStatus bits: the same bits (see SameBits), passed through as they are. */
export function sampleStatus(helperStatus: number): number {
  return helperStatus;
}

export interface ProfileAssemblerOptions {
  toolVersion: string;
  argv: string[];
  /** Default `wall`. */
  mode?: ProfileMode;
  /** Put a `<GC>` frame on top of stacks sampled while the collector runs (default true). */
  gc?: boolean;
}

export class ProfileAssembler {
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
  /**
   * Per thread: the previous sample's helper frame list and, for each count k of its root-most
   * frames, the stack those k frames became (`nodes[0]` is -1, the empty stack).
   */
  private readonly lastStack = new Map<number, { raw: number[]; nodes: number[] }>();

  constructor(private readonly options: ProfileAssemblerOptions) {
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
        const status = sampleStatus(message.status);
        if (!keepsSample(this.mode, status)) {
          this.samplesFilteredOut++;
          break;
        }
        const stack = this.stackFor(message.threadId, message.frames, status, symbolizer);
        if (stack === -1) {
          this.samplesBeforeStart++;
          break;
        }
        const timeUs = Math.round((message.timeNs - hello.startMonotonicNs) / 1000);
        this.builder.addSample(message.threadId, timeUs, status, stack);
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
   * cut. Successive samples of a thread mostly share their root-most frames (only the leaf end
   * moves), and a (code id, instruction) pair always resolves to the same frame, so the stack is
   * built from the root, starting where this frame list first differs from the thread's previous
   * one: the shared part is neither symbolized nor interned again. A launcher frame drops itself
   * and every caller (the stack restarts empty); the truncation marker makes `<truncated>` the root.
   */
  private stackFor(threadId: number, raw: number[], status: number, symbolizer: Symbolizer): number {
    const pairs = raw.length >> 1;
    let last = this.lastStack.get(threadId);
    let shared = 0;
    if (last === undefined) {
      last = { raw, nodes: [-1] };
      this.lastStack.set(threadId, last);
    } else {
      const before = last.raw;
      const beforePairs = before.length >> 1;
      const most = Math.min(pairs, beforePairs);
      // Pair j from the root is at index 2 * (pairs - 1 - j) of a leaf-first list.
      let a = 2 * (pairs - 1);
      let b = 2 * (beforePairs - 1);
      while (shared < most && raw[a] === before[b] && raw[a + 1] === before[b + 1]) {
        shared++;
        a -= 2;
        b -= 2;
      }
      last.raw = raw;
    }
    const nodes = last.nodes;
    let stack = nodes[shared];
    try {
      for (let j = shared; j < pairs; j++) {
        const i = 2 * (pairs - 1 - j);
        const frame = symbolizer.resolve(raw[i], raw[i + 1]);
        if (frame === CUT_LAUNCHER) stack = -1;
        else if (frame === CUT_TRUNCATED) stack = this.builder.child(-1, symbolizer.truncatedRoot);
        else stack = this.builder.child(stack, frame);
        nodes[j + 1] = stack;
      }
    } catch (error) {
      // The remembered prefix is half rewritten: forget it.
      this.lastStack.delete(threadId);
      throw error;
    }
    if (stack !== -1 && this.gc && (status & SampleStatus.gcCollecting) !== 0) {
      if (this.gcFrame === -1) this.gcFrame = this.builder.pseudoFrame(PseudoFrame.gc);
      stack = this.builder.child(stack, this.gcFrame);
    }
    return stack;
  }

  /** The profile so far; callable at any time, e.g. after the helper died mid-run. */
  finish(stopReasonIfUnknown: string): Profile {
    const hello = this.hello;
    if (hello === undefined) throw new ProtocolError('the helper sent no hello');
    return this.builder.finish({
      formatVersion: PROFILE_FORMAT_VERSION,
      tool: { name: 'tachyon', version: this.options.toolVersion, helperVersion: hello.helperVersion, protocolVersion: hello.protocolVersion },
      target: {
        pid: hello.pid,
        argv: this.options.argv,
        pythonVersion: formatPythonVersion(hello.pythonVersionHex),
        runtimePath: hello.runtimePath,
        ...((hello.flags & HelloFlags.otherPidNamespace) !== 0 ? { ownPid: hello.targetNsPid } : {}),
      },
      mode: this.mode,
      samplesFilteredOut: this.samplesFilteredOut,
      samplesBeforeStart: this.samplesBeforeStart,
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

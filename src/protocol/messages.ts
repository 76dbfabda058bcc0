/**
 * The helper protocol as TypeScript types: the one file on this side that mirrors
 * `helper/wire.zig` and `helper/fatal.zig` (docs/protocol.md is the prose contract). Decoding
 * and shape checks live in `decode.ts`; turning frames into names and lines is `symbolize/`.
 */

export const PROTOCOL_VERSION = 5;
/**
 * Protocol versions whose streams this orchestrator reads: 4 only added `frame_locals`, which a
 * version-3 stream (a capture made before) never holds; 5 only added a failure reason, a hello
 * flag and a trailing hello field, which older streams lack and read as their defaults.
 */
export const READABLE_PROTOCOL_VERSIONS: readonly number[] = [3, 4, 5];

/** The first element of every MessagePack array on the helper's stdout. */
export enum MessageKind {
  hello = 1,
  code = 2,
  sample = 3,
  sample_failed = 4,
  stats = 5,
  bye = 6,
  thread_name = 7,
  frame_locals = 8,
}

/** Why the helper stopped sampling (`bye.reason`). */
export enum StopReason {
  target_exited = 1,
  duration_elapsed = 2,
  stop_requested = 3,
}

/** Why one tick could not be read (`sample_failed.reason`). */
export enum FailReason {
  torn = 1,
  read_error = 2,
  /** The tick ended early: its time or thread budget ran out, or a thread or interpreter list looped. */
  tick_cut = 3,
}

/** The helper's exit status. */
export enum HelperExit {
  ok = 0,
  usage = 2,
  process_not_found = 3,
  not_python = 4,
  python_unsupported = 5,
  permission_denied = 6,
  output_closed = 7,
  internal = 8,
}

/** Thread status bits carried by each sample. */
export const ThreadStatus = {
  hasGil: 1,
  onCpu: 2,
  cpuUnknown: 4,
  hasException: 16,
  mainThread: 32,
  gcCollecting: 64,
} as const;

/** Code id 0 in a frame list marks frames dropped beyond the helper's depth limit. */
export const TRUNCATION_CODE_ID = 0;
/** With code id 0, this instruction index marks a `<native>` frame (C called into Python there); 0 is the truncation marker. */
export const NATIVE_INSTR_INDEX = 1;

/** Bits of `hello.flags`. */
export const HelloFlags = {
  freeThreaded: 1,
  debugBuild: 2,
  /** The helper samples under real-time scheduling. */
  realtime: 4,
  /** The target is in a PID namespace below the helper's: thread ids were translated into `pid`'s namespace. */
  otherPidNamespace: 8,
} as const;

export interface HelloMessage {
  kind: MessageKind.hello;
  protocolVersion: number;
  helperVersion: string;
  pid: number;
  pythonVersionHex: number;
  layoutSource: string;
  runtimePath: string;
  sampleIntervalNs: number;
  startMonotonicNs: number;
  startUnixNs: number;
  flags: number;
  /** The target's pid in its own PID namespace (`pid` when it is the helper's; protocol 5, else `pid`). */
  targetNsPid: number;
}

export interface CodeMessage {
  kind: MessageKind.code;
  codeId: number;
  filename: string;
  name: string;
  qualname: string;
  firstLine: number;
  lineTable: Uint8Array;
}

export interface SampleMessage {
  kind: MessageKind.sample;
  timeNs: number;
  threadId: number;
  status: number;
  /** `codeId, instrIndex` pairs, leaf first. */
  frames: number[];
}

export interface SampleFailedMessage {
  kind: MessageKind.sample_failed;
  timeNs: number;
  threadId: number;
  reason: FailReason;
}

export interface StatsMessage {
  kind: MessageKind.stats;
  timeNs: number;
  ticksTaken: number;
  ticksFailed: number;
  ticksMissed: number;
  retries: number;
}

export interface ByeMessage {
  kind: MessageKind.bye;
  reason: StopReason;
}

/** A thread's OS name (`/proc/PID/task/TID/comm`), sent before its first sample and when it changes. */
export interface ThreadNameMessage {
  kind: MessageKind.thread_name;
  timeNs: number;
  threadId: number;
  name: string;
}

/** One local variable of a frame: its name and a short repr read from memory (`--locals`). */
export interface FrameLocal {
  name: string;
  repr: string;
}

/** The locals of frame `frameIndex` (counted from the leaf) of the thread's sample just before (`--locals`). */
export interface FrameLocalsMessage {
  kind: MessageKind.frame_locals;
  timeNs: number;
  threadId: number;
  frameIndex: number;
  locals: FrameLocal[];
}

export type Message =
  | FrameLocalsMessage
  | ThreadNameMessage
  | HelloMessage
  | CodeMessage
  | SampleMessage
  | SampleFailedMessage
  | StatsMessage
  | ByeMessage;

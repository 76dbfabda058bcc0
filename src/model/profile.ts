/**
 * The profile model: the one structure in the middle that every output format reads. Strings,
 * functions, frames and stacks are interned once, in columnar tables; samples point at stacks.
 * Only `builder.ts` creates a Profile; writers in `output/` read it and never touch the helper's
 * raw records. These types are the documentation of the format.
 */

import type { ProfileMode } from './modes.js';

export const PROFILE_FORMAT_VERSION = 1;

export type StringIndex = number;
export type FuncIndex = number;
export type FrameIndex = number;
/** -1 is the empty stack (the parent of a root frame). */
export type StackIndex = number;

/** `python` for code objects; `pseudo` for the pseudo-frames below, which have no source. */
export type FuncKind = 'python' | 'pseudo';

/**
 * A sample's thread status, as bit flags. The values are the helper's status bits
 * (docs/protocol.md), which the profile assembler checks at compile time where it translates
 * them, so the jsonl format writes them out as they are.
 */
export const SampleStatus = {
  /** The thread held the GIL. */
  hasGil: 1,
  /** The thread was on a CPU (read only in `--mode cpu`). */
  onCpu: 2,
  /** The thread's OS state was not read, or could not be: neither on nor off a CPU. */
  cpuUnknown: 4,
  /** The thread was handling an exception. */
  hasException: 16,
  /** The interpreter's main thread. */
  mainThread: 32,
  /** The garbage collector was running (the `<GC>` pseudo-frame's cue). */
  gcCollecting: 64,
} as const;

/** The file name of every pseudo function: no code object has it. */
export const PSEUDO_FILE = '~';

/** The names of the pseudo-frames: functions of kind `pseudo`, standing for what has no code object. */
export const PseudoFrame = {
  /** On top of a stack sampled while the garbage collector runs (unless turned off). */
  gc: '<GC>',
  /** Where C code called into Python (`--native`). */
  native: '<native>',
  /** The root of a stack cut at the helper's depth limit: its callers were never sent. */
  truncated: '<truncated>',
  // Async task stacks will add `<task>` here.
} as const;
export type PseudoFrameName = (typeof PseudoFrame)[keyof typeof PseudoFrame];

export interface ProfileMeta {
  formatVersion: typeof PROFILE_FORMAT_VERSION;
  tool: { name: 'tachyon'; version: string; helperVersion: string; protocolVersion: number };
  /**
   * `pid` and every thread id are in the profiler's PID namespace; `ownPid`, present only when the
   * target runs in a PID namespace of its own, is its pid there.
   */
  target: { pid: number; argv: string[]; pythonVersion: string; runtimePath: string; ownPid?: number };
  /** Which samples were kept (`model/modes.ts`); `samplesFilteredOut` counts the others. */
  mode: ProfileMode;
  samplesFilteredOut: number;
  /**
   * `run`: samples taken while only the launcher was on the stack (the target had not started),
   * left out of the report like the launcher's frames.
   */
  samplesBeforeStart: number;
  /** Wall-clock time at the first tick, in milliseconds since the Unix epoch. */
  startUnixMs: number;
  /** From the first tick to the stop, in microseconds. */
  durationUs: number;
  sampleIntervalUs: number;
  ticksTaken: number;
  ticksFailed: number;
  ticksMissed: number;
  /** Why sampling ended: `target_exited`, `duration_elapsed`, `stop_requested`, `helper_died`. */
  stopReason: string;
}

export interface FuncTable {
  /** The qualified name (`Class.method`), as CPython's `co_qualname`. */
  name: StringIndex[];
  file: StringIndex[];
  firstLine: number[];
  kind: FuncKind[];
  length: number;
}

/** A function at one executing position. Line and columns are -1 when unknown. */
export interface FrameTable {
  func: FuncIndex[];
  line: number[];
  endLine: number[];
  column: number[];
  endColumn: number[];
  length: number;
}

/** A prefix tree of frames: each stack is its parent plus one frame, parents first. */
export interface StackTable {
  frame: FrameIndex[];
  parent: StackIndex[];
  length: number;
}

export interface SampleTable {
  stack: StackIndex[];
  /** Since the first tick, in microseconds. */
  timeUs: number[];
  /** SampleStatus bits. */
  status: number[];
  length: number;
}

export interface ThreadProfile {
  /** Native (kernel) thread id. */
  tid: number;
  /**
   * The thread's name, when known: `MainThread` for the main thread, otherwise its OS name when
   * that differs from the process's (CPython 3.14+ gives each `threading.Thread` its name there).
   */
  name?: string;
  samples: SampleTable;
}

export interface Profile {
  meta: ProfileMeta;
  strings: string[];
  funcs: FuncTable;
  frames: FrameTable;
  stacks: StackTable;
  threads: ThreadProfile[];
}

/**
 * Whether a function's file name is a file the target could read: not empty, not `<…>` (frozen
 * modules, `<string>`, `<stdin>`, the launcher) and not `[…]`. The one rule for every writer.
 */
export function isSourceFile(file: string): boolean {
  return file !== '' && !file.startsWith('<') && !file.startsWith('[');
}

/** Walks a stack from its leaf to its root, yielding frame indexes (leaf first). */
export function* framesLeafFirst(profile: Profile, stack: StackIndex): Generator<FrameIndex> {
  const { frame, parent } = profile.stacks;
  for (let s = stack; s !== -1; s = parent[s]) yield frame[s];
}

/** The frames of a stack, root first. */
export function framesRootFirst(profile: Profile, stack: StackIndex): FrameIndex[] {
  const out: FrameIndex[] = [];
  for (const f of framesLeafFirst(profile, stack)) out.push(f);
  return out.reverse();
}

/** Total number of samples over all threads. */
export function sampleCount(profile: Profile): number {
  let n = 0;
  for (const t of profile.threads) n += t.samples.length;
  return n;
}

/** `3.13.0`, `3.15.0b4`, or `3.9` when only the minor version is known: a `PY_VERSION_HEX` as people write it. */
export function formatPythonVersion(hex: number): string {
  const major = (hex >>> 24) & 0xff;
  const minor = (hex >>> 16) & 0xff;
  const micro = (hex >>> 8) & 0xff;
  const level = (hex >>> 4) & 0xf;
  const serial = hex & 0xf;
  // Level 0 is no real release level: the helper only knew major.minor (from a file name).
  if (level === 0) return `${major}.${minor}`;
  const suffix = level === 0xa ? `a${serial}` : level === 0xb ? `b${serial}` : level === 0xc ? `rc${serial}` : '';
  return `${major}.${minor}.${micro}${suffix}`;
}

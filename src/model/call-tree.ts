/**
 * The aggregations every writer shares, computed one way: samples per stack, subtree totals over
 * any parents-first tree (the profile's stacks, a flamegraph's merged nodes), and per-key self and
 * cumulative samples with recursion counted once (a key on the stack twice counts its samples
 * once). Pure; derived from the Profile alone.
 */
import type { Profile, StackIndex, ThreadProfile } from './profile.js';

/** Samples per stack over `threads`, in the order of each stack's first sample (writers rely on it for a stable output). */
export function stackCounts(threads: readonly ThreadProfile[]): Map<StackIndex, number> {
  const counts = new Map<StackIndex, number>();
  for (const thread of threads) {
    const s = thread.samples;
    for (let i = 0; i < s.length; i++) counts.set(s.stack[i], (counts.get(s.stack[i]) ?? 0) + 1);
  }
  return counts;
}

/** Samples per stack over all threads, indexed by stack (the stacks' self samples). */
export function stackSamples(profile: Profile): Float64Array {
  const samples = new Float64Array(profile.stacks.length);
  for (const thread of profile.threads) {
    const s = thread.samples;
    for (let i = 0; i < s.length; i++) samples[s.stack[i]]++;
  }
  return samples;
}

/**
 * Turns per-node values into subtree totals, in place: each node's value is added into its
 * parent's, leaves first. `parent[n]` comes before `n` (-1 for a root), as in every tree here.
 */
export function addSubtrees(parent: ArrayLike<number>, values: Float64Array): Float64Array {
  for (let n = values.length - 1; n >= 0; n--) {
    const p = parent[n];
    if (p >= 0) values[p] += values[n];
  }
  return values;
}

/** Each stack's samples including those of the stacks under it. */
export function stackTotals(profile: Profile): Float64Array {
  return addSubtrees(profile.stacks.parent, stackSamples(profile));
}

/** What a depth-first walk of the stack tree tells its visitor. */
export interface StackVisitor {
  /** A stack with `total` > 0 samples in its subtree, entered before the stacks under it. */
  enter(stack: StackIndex, total: number): void;
  /** The same stack, once everything under it was visited. */
  leave(stack: StackIndex): void;
}

/** Walks the stacks with samples depth first; `totals` from stackTotals. Subtrees without samples are skipped. */
export function walkStacks(profile: Profile, totals: Float64Array, visitor: StackVisitor): void {
  const { parent } = profile.stacks;
  const count = profile.stacks.length;
  const children: number[][] = Array.from({ length: count }, () => []);
  const roots: number[] = [];
  for (let s = 0; s < count; s++) (parent[s] === -1 ? roots : children[parent[s]]).push(s);
  // A leaving step is the stack's index encoded as -2 - stack.
  const todo: number[] = [...roots];
  while (todo.length > 0) {
    const step = todo.pop() as number;
    if (step < 0) {
      visitor.leave(-2 - step);
      continue;
    }
    if (totals[step] === 0) continue;
    visitor.enter(step, totals[step]);
    todo.push(-2 - step);
    for (const c of children[step]) todo.push(c);
  }
}

/**
 * How many times each key is on the current path of a depth-first walk, so that a key adds a
 * subtree's samples only where it first occurs: recursion counts once. Keys are non-negative
 * integers: below `keyCount` (dense) or, without one, any (sparse, e.g. call edges).
 */
export class OnPath {
  private readonly dense: Int32Array | undefined;
  private readonly sparse = new Map<number, number>();

  constructor(keyCount?: number) {
    this.dense = keyCount === undefined ? undefined : new Int32Array(keyCount);
  }

  /** Puts `key` on the path; true when it was not on it yet. */
  enter(key: number): boolean {
    if (this.dense !== undefined) return this.dense[key]++ === 0;
    const depth = this.sparse.get(key) ?? 0;
    this.sparse.set(key, depth + 1);
    return depth === 0;
  }

  leave(key: number): void {
    if (this.dense !== undefined) this.dense[key]--;
    else this.sparse.set(key, (this.sparse.get(key) as number) - 1);
  }
}

export interface KeyTotals {
  /** Samples whose leaf frame has this key. */
  self: Float64Array;
  /** Samples with this key anywhere on their stack, counted once per sample. */
  cumulative: Float64Array;
}

/**
 * Self and cumulative samples per key, where `keyOfFrame` gives each frame a key in
 * [0, keyCount) or -1 (not counted): per function, per line, per file, as a writer needs.
 */
export function keyTotals(profile: Profile, keyOfFrame: Int32Array, keyCount: number, totals: Float64Array = stackTotals(profile)): KeyTotals {
  const self = new Float64Array(keyCount);
  const cumulative = new Float64Array(keyCount);
  const stackFrame = profile.stacks.frame;
  const samples = stackSamples(profile);
  for (let s = 0; s < samples.length; s++) {
    const key = keyOfFrame[stackFrame[s]];
    if (key !== -1 && samples[s] > 0) self[key] += samples[s];
  }
  const onPath = new OnPath(keyCount);
  walkStacks(profile, totals, {
    enter(stack, total) {
      const key = keyOfFrame[stackFrame[stack]];
      if (key !== -1 && onPath.enter(key)) cumulative[key] += total;
    },
    leave(stack) {
      const key = keyOfFrame[stackFrame[stack]];
      if (key !== -1) onPath.leave(key);
    },
  });
  return { self, cumulative };
}

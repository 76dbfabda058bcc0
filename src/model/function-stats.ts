/**
 * Per-position sample counts, the data behind the pstats outputs: for every (file, executing
 * line, function) the samples where it was the leaf (direct) and where it was anywhere on the
 * stack (cumulative, counted once per sample even under recursion), plus caller edges. Pure;
 * derived from the Profile alone.
 */
import { keyTotals, stackCounts } from './call-tree.js';
import { sampleCount, type Profile } from './profile.js';

export interface FunctionStat {
  file: string;
  line: number;
  name: string;
  direct: number;
  cumulative: number;
  /** Caller key → samples in which that caller called this position. */
  callers: Map<string, number>;
}

export function functionKey(file: string, line: number, name: string): string {
  return `${file}\u0000${line}\u0000${name}`;
}

export interface FunctionStats {
  byKey: Map<string, FunctionStat>;
  /** The denominator of every percentage: samples over all threads. */
  totalSamples: number;
}

export function functionStats(profile: Profile): FunctionStats {
  const { frame: stackFrame, parent } = profile.stacks;
  const { func: frameFunc, line: frameLine } = profile.frames;

  // One key per frame, computed once; positions numbered in order of first use for call-tree.ts.
  const frameKey: string[] = new Array(profile.frames.length);
  const statOfFrame = new Int32Array(profile.frames.length);
  const stats: FunctionStat[] = [];
  const statIndex = new Map<string, number>();
  for (let f = 0; f < profile.frames.length; f++) {
    const func = frameFunc[f];
    const file = profile.strings[profile.funcs.file[func]];
    const name = profile.strings[profile.funcs.name[func]];
    const line = frameLine[f];
    const key = functionKey(file, line, name);
    frameKey[f] = key;
    let index = statIndex.get(key);
    if (index === undefined) {
      statIndex.set(key, (index = stats.length));
      stats.push({ file, line, name, direct: 0, cumulative: 0, callers: new Map() });
    }
    statOfFrame[f] = index;
  }

  // Direct and cumulative samples per position (recursion counted once).
  const { self, cumulative } = keyTotals(profile, statOfFrame, stats.length);
  stats.forEach((stat, i) => {
    stat.direct = self[i];
    stat.cumulative = cumulative[i];
  });

  // Caller edges: every call on the stack counts, each distinct stack walked once.
  for (const [stack, count] of stackCounts(profile.threads)) {
    for (let s = stack; parent[s] !== -1; s = parent[s]) {
      const stat = stats[statOfFrame[stackFrame[s]]];
      const callerKey = frameKey[stackFrame[parent[s]]];
      stat.callers.set(callerKey, (stat.callers.get(callerKey) ?? 0) + count);
    }
  }
  const byKey = new Map<string, FunctionStat>();
  for (const [key, i] of statIndex) if (stats[i].cumulative > 0) byKey.set(key, stats[i]);
  return { byKey, totalSamples: sampleCount(profile) };
}

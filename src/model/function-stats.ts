/**
 * Per-position sample counts, the data behind the pstats outputs: for every (file, executing
 * line, function) the samples where it was the leaf (direct) and where it was anywhere on the
 * stack (cumulative, counted once per sample even under recursion), plus caller edges. Pure;
 * derived from the Profile alone.
 */
import type { Profile } from './profile.js';

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
  const byKey = new Map<string, FunctionStat>();
  const { frame: stackFrame, parent } = profile.stacks;
  const { func: frameFunc, line: frameLine } = profile.frames;

  // One key per frame, computed once.
  const frameKey: string[] = new Array(profile.frames.length);
  const frameStat: FunctionStat[] = new Array(profile.frames.length);
  for (let f = 0; f < profile.frames.length; f++) {
    const func = frameFunc[f];
    const file = profile.strings[profile.funcs.file[func]];
    const name = profile.strings[profile.funcs.name[func]];
    const line = frameLine[f];
    const key = functionKey(file, line, name);
    frameKey[f] = key;
    let stat = byKey.get(key);
    if (stat === undefined) {
      stat = { file, line, name, direct: 0, cumulative: 0, callers: new Map() };
      byKey.set(key, stat);
    }
    frameStat[f] = stat;
  }

  // Count per distinct stack first: far fewer stacks than samples in any real profile.
  const stackSamples = new Map<number, number>();
  let totalSamples = 0;
  for (const thread of profile.threads) {
    const s = thread.samples;
    for (let i = 0; i < s.length; i++) stackSamples.set(s.stack[i], (stackSamples.get(s.stack[i]) ?? 0) + 1);
    totalSamples += s.length;
  }

  const seen = new Set<FunctionStat>();
  for (const [stack, count] of stackSamples) {
    seen.clear();
    frameStat[stackFrame[stack]].direct += count;
    for (let s = stack; s !== -1; s = parent[s]) {
      const stat = frameStat[stackFrame[s]];
      if (!seen.has(stat)) {
        seen.add(stat);
        stat.cumulative += count;
      }
      const p = parent[s];
      if (p !== -1) {
        const callerKey = frameKey[stackFrame[p]];
        stat.callers.set(callerKey, (stat.callers.get(callerKey) ?? 0) + count);
      }
    }
  }
  for (const [key, stat] of byKey) if (stat.cumulative === 0) byKey.delete(key);
  return { byKey, totalSamples };
}

/**
 * Shared by the mode tests: runs test/fixtures/python/modes.py under `tachyon run` in one mode
 * and returns the truth the fixture printed next to each function's share of the samples.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseSummary, readCollapsed, tachyon } from './cli.js';
import type { Interpreter } from './interpreters.js';

/**
 * Largest error, in percentage points, a share may have in the tests. The goal of 1 point is
 * measured by bench/modes.mjs on a quiet machine (docs/benchmarks.md). The tests also run while
 * other work loads the machine's two cores: the helper then misses ticks, and the ones it misses
 * are those where the target runs, which skews the shares by up to about ten points. A run
 * that missed more than `LOADED_MISSED_PCT` of its ticks is checked with the wider tolerance,
 * which still catches a mode that misclassifies (a wrong bit gives errors of tens of points).
 */
export const SHARE_TOLERANCE_POINTS = 3;
export const LOADED_SHARE_TOLERANCE_POINTS = 15;
export const LOADED_MISSED_PCT = 5;
/** Above this share of missed ticks the machine is overloaded; each test also has a check that load cannot skew. */
export const OVERLOADED_SHARE_TOLERANCE_POINTS = 25;
export const OVERLOADED_MISSED_PCT = 20;

const out = mkdtempSync(path.join(tmpdir(), 'tachyon-modes-'));

export interface ModeRun {
  exitCode: number | undefined;
  stderr: string;
  /** modes.py's JSON: truth per mode. */
  truth: Record<string, Record<string, number> | number>;
  /** Kept samples inside the scenario (a frame of one of modes.py's `scope` functions). */
  total: number;
  /** Share (0..1) of the scenario's kept samples whose stack holds a frame of `func`. */
  share(func: string): number;
  /** Share of the scenario's kept samples with a frame of `func` at `line`. */
  lineShare(func: string, line: number): number;
  tids: Set<number>;
  /** The tolerance for this run's shares (wider when the machine was too loaded to sample evenly). */
  tolerancePoints: number;
  missedPct: number;
}

export async function runScenario(interpreter: Interpreter, fixtures: string, scenario: string, flags: string[], seconds = 2, scriptArgs: string[] = []): Promise<ModeRun> {
  const file = path.join(out, `${interpreter.label}-${scenario}-${flags.join('')}.txt`);
  const result = await tachyon(['run', '--python', interpreter.python, ...flags, '--collapsed', '-o', file, `${fixtures}/modes.py`, scenario, String(seconds), ...scriptArgs]);
  const last = result.stdout.trim().split('\n').pop() ?? '{}';
  const { scope, ...truth } = JSON.parse(last.startsWith('{') ? last : '{}') as { scope?: string[] } & ModeRun['truth'];
  // Start-up, imports and the JSON at the end are sampled too, but no truth covers them.
  // A scope function may be nested (`scenario_gil.<locals>.partner` is its qualified name from 3.11).
  const inScope = new Set(scope ?? []);
  const scoped = (func: string) => inScope.has(func) || inScope.has(func.slice(func.lastIndexOf('.') + 1));
  const lines = (result.exitCode === 0 ? readCollapsed(file) : []).filter((l) => l.frames.some((f) => scoped(f.func)));
  const total = lines.reduce((n, l) => n + l.count, 0);
  let missedPct = 0;
  try {
    const summary = parseSummary(result.stderr);
    missedPct = (summary.missed / Math.max(1, summary.captured + summary.missed)) * 100;
  } catch {
    // No summary: the run failed, which the exit code check reports.
  }
  return {
    missedPct,
    tolerancePoints: missedPct > OVERLOADED_MISSED_PCT ? OVERLOADED_SHARE_TOLERANCE_POINTS : missedPct > LOADED_MISSED_PCT ? LOADED_SHARE_TOLERANCE_POINTS : SHARE_TOLERANCE_POINTS,
    exitCode: result.exitCode,
    stderr: result.stderr,
    truth,
    total,
    lineShare: (func, line) => (total === 0 ? 0 : lines.filter((l) => l.frames.some((f) => f.func === func && f.line === line)).reduce((n, l) => n + l.count, 0) / total),
    share: (func) => (total === 0 ? 0 : lines.filter((l) => l.frames.some((f) => f.func === func)).reduce((n, l) => n + l.count, 0) / total),
    tids: new Set(lines.map((l) => l.tid)),
  };
}

/** One line per function: truth, sampled, and the error in points. */
export function describe(name: string, truth: number, sampled: number, run: ModeRun): string {
  return `${name}: truth ${(truth * 100).toFixed(2)}%, sampled ${(sampled * 100).toFixed(2)}% (${(Math.abs(truth - sampled) * 100).toFixed(2)} points off, ${run.total} samples; tolerance ${run.tolerancePoints} points, ${run.missedPct.toFixed(1)}% of ticks missed)`;
}

/** Whether a sampled share is within the run's tolerance of the truth. */
export function close(run: ModeRun, truth: number, sampled: number): boolean {
  return Math.abs(truth - sampled) * 100 < run.tolerancePoints;
}

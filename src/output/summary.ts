/**
 * The closing summary every run prints: samples captured, the achieved rate, failed and missed
 * samples with their shares, and, for a target in a PID namespace of its own, whose ids are shown.
 * Pure: numbers in, lines out.
 */
import type { ProfileMeta } from '../model/profile.js';

function percent(part: number, whole: number): string {
  return whole > 0 ? ((part / whole) * 100).toFixed(2) : '0.00';
}

export function formatRunSummary(meta: ProfileMeta, interrupted: boolean): string[] {
  const captured = meta.ticksTaken + meta.ticksFailed;
  const seconds = meta.durationUs / 1e6;
  const rate = seconds > 0 ? captured / seconds : 0;
  const expected = captured + meta.ticksMissed;
  const lines: string[] = [];
  if (interrupted) lines.push('Interrupted by user.');
  lines.push(`Captured ${captured} samples in ${seconds.toFixed(2)} seconds (Python ${meta.target.pythonVersion}, PID ${meta.target.pid})`);
  if (meta.target.ownPid !== undefined) lines.push(`Thread ids are the profiler's PID namespace's; the target is PID ${meta.target.ownPid} in its own.`);
  lines.push(`Sample rate: ${rate.toFixed(2)} samples/sec (requested ${(1e6 / meta.sampleIntervalUs).toFixed(2)})`);
  lines.push(`Failed samples: ${meta.ticksFailed} (${percent(meta.ticksFailed, captured)}%)`);
  lines.push(`Missed samples: ${meta.ticksMissed} (${percent(meta.ticksMissed, expected)}% of ${expected} due)`);
  return lines;
}

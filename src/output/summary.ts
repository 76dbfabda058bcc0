/**
 * The closing summary every run prints: ticks taken and the thread samples the report holds (one
 * tick samples every thread with -a), the samples left out of the report and why, the achieved
 * rate, failed and missed ticks with their shares, and, for a target in a PID namespace of its
 * own, whose ids are shown. Pure: a profile in, lines out.
 */
import { sampleCount, type Profile } from '../model/profile.js';

function percent(part: number, whole: number): string {
  return whole > 0 ? ((part / whole) * 100).toFixed(2) : '0.00';
}

function plural(count: number, one: string): string {
  return `${count} ${one}${count === 1 ? '' : 's'}`;
}

/** What was sampled but is not in the report, as a line; none when nothing was left out. */
function leftOutLine(profile: Profile): string[] {
  const meta = profile.meta;
  const parts: string[] = [];
  if (meta.samplesBeforeStart > 0) parts.push(`${plural(meta.samplesBeforeStart, 'sample')} before the script started`);
  if (meta.samplesFilteredOut > 0) parts.push(`${plural(meta.samplesFilteredOut, 'sample')} outside --mode ${meta.mode}`);
  return parts.length > 0 ? [`Left out of the report: ${parts.join(', ')}`] : [];
}

export function formatRunSummary(profile: Profile, interrupted: boolean): string[] {
  const meta = profile.meta;
  const captured = meta.ticksTaken + meta.ticksFailed;
  const seconds = meta.durationUs / 1e6;
  const rate = seconds > 0 ? captured / seconds : 0;
  const expected = captured + meta.ticksMissed;
  const lines: string[] = [];
  if (interrupted) lines.push('Interrupted by user.');
  lines.push(
    `Captured ${plural(captured, 'tick')} in ${seconds.toFixed(2)} seconds (Python ${meta.target.pythonVersion}, PID ${meta.target.pid}): ` +
      `${plural(sampleCount(profile), 'thread sample')} in the report`,
  );
  lines.push(...leftOutLine(profile));
  if (meta.target.ownPid !== undefined) lines.push(`Thread ids are the profiler's PID namespace's; the target is PID ${meta.target.ownPid} in its own.`);
  // Rate, failures and misses count ticks (the stdlib profiler's and py-spy's "samples").
  lines.push(`Sample rate: ${rate.toFixed(2)} samples/sec (requested ${(1e6 / meta.sampleIntervalUs).toFixed(2)})`);
  lines.push(`Failed samples: ${meta.ticksFailed} (${percent(meta.ticksFailed, captured)}%)`);
  lines.push(`Missed samples: ${meta.ticksMissed} (${percent(meta.ticksMissed, expected)}% of ${expected} due)`);
  return lines;
}

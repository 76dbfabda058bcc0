/**
 * Parsing and checking of the option values shared by `run` and `attach`: sampling rate,
 * duration, PID, output format and pstats display options. Pure: bad values become
 * TachyonErrors (exit code 2) naming the option, the value and what would be accepted.
 */
import { ExitCode, TachyonError } from '../session/errors.js';
import { PSTATS_SORT_KEYS, type PstatsSortKey } from '../output/pstats.js';
import { OUTPUT_FORMATS, OUTPUT_FORMAT_NAMES, formatFlagKey, formatUsage, type OutputFormatName } from '../output/index.js';
import { PROFILE_MODES, type ProfileMode } from '../model/modes.js';

/** The helper's own limit; above it a tick cannot finish before the next one is due. */
export const RATE_HZ_MAX = 200_000;
/** The helper's limit with --blocking (helper/limits.zig `blocking_rate_hz_max`). */
export const BLOCKING_RATE_HZ_MAX = 1000;

/** --blocking stops every thread at each sample: refuse what it cannot sustain or what it would falsify. */
export function checkBlocking(rateHz: number, mode: ProfileMode): void {
  if (rateHz > BLOCKING_RATE_HZ_MAX) {
    throw new TachyonError(ExitCode.usage, `--blocking cannot sustain ${rateHz} Hz: it stops every thread of the target at each sample`, `use -r ${BLOCKING_RATE_HZ_MAX / 1000}khz or lower with --blocking`);
  }
  if (mode === 'cpu') {
    throw new TachyonError(ExitCode.usage, '--blocking and --mode cpu cannot be combined: a stopped thread is never on a CPU', 'drop --blocking, or use another mode');
  }
}

/** `1000`, `1000hz`, `10khz`, `10k`, `2.5k` → Hz; the stdlib profiler's syntax. */
export function parseSamplingRate(text: string): number {
  const value = text.trim().toLowerCase();
  const match = /^(\d+(?:\.\d+)?)(hz|khz|k)?$/.exec(value);
  if (match === null) {
    throw new TachyonError(ExitCode.usage, `invalid sampling rate '${text}'`, 'give a number with an optional suffix hz, khz or k and no spaces, e.g. 1000, 10khz or 10k');
  }
  const rateHz = Number(match[1]) * (match[2] === 'khz' || match[2] === 'k' ? 1000 : 1);
  if (!(rateHz > 0)) throw new TachyonError(ExitCode.usage, `sampling rate must be positive, got '${text}'`, 'e.g. -r 1khz');
  if (rateHz > RATE_HZ_MAX) {
    throw new TachyonError(ExitCode.usage, `sampling rate ${text} is above the maximum of ${RATE_HZ_MAX / 1000} kHz`, 'use -r 100khz or lower');
  }
  return rateHz;
}

export function parseDurationSeconds(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new TachyonError(ExitCode.usage, `invalid duration '${text}'`, 'give the number of seconds to sample, e.g. -d 10');
  }
  return seconds;
}

export function parsePid(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0 || Number(text) > 2 ** 31) {
    throw new TachyonError(ExitCode.usage, `invalid PID '${text}'`, 'give the numeric process id, e.g. tachyon attach $(pgrep -f myscript.py)');
  }
  return Number(text);
}

export function parseLimit(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) <= 0) {
    throw new TachyonError(ExitCode.usage, `invalid --limit '${text}'`, 'give a positive number of rows, e.g. -l 30');
  }
  return Number(text);
}

export function parseMode(text: string): ProfileMode {
  if ((PROFILE_MODES as readonly string[]).includes(text)) return text as ProfileMode;
  throw new TachyonError(ExitCode.usage, `invalid --mode '${text}'`, `choose one of: ${PROFILE_MODES.join(', ')}`);
}

export function parseSort(text: string): PstatsSortKey {
  if ((PSTATS_SORT_KEYS as readonly string[]).includes(text)) return text as PstatsSortKey;
  throw new TachyonError(ExitCode.usage, `invalid --sort '${text}'`, `choose one of: ${PSTATS_SORT_KEYS.join(', ')}`);
}

/** commander's flags: one per output format (`--collapsed` → `collapsed: true`, `--diff-flamegraph B` → `diffFlamegraph: 'B'`), plus the pstats options. */
export interface FormatFlags {
  [format: string]: unknown;
  sort?: string;
  limit?: string;
  summary?: boolean;
}

/** The one output format asked for; pstats when none is. */
export function chooseFormat(flags: FormatFlags): OutputFormatName {
  // A boolean flag is true when given; one with a value (--diff-flamegraph BASELINE) is a string.
  const chosen = OUTPUT_FORMAT_NAMES.filter((name) => {
    const value = flags[formatFlagKey(name)];
    return value === true || typeof value === 'string';
  });
  if (chosen.length > 1) {
    throw new TachyonError(ExitCode.usage, `--${chosen[0]} and --${chosen[1]} cannot be combined`, 'choose one output format per run');
  }
  const format = chosen[0] ?? 'pstats';
  if (format !== 'pstats') {
    const pstatsOnly = [flags.sort !== undefined && '--sort', flags.limit !== undefined && '--limit', flags.summary === false && '--no-summary'].filter(Boolean);
    if (pstatsOnly.length > 0) {
      throw new TachyonError(ExitCode.usage, `${pstatsOnly.join(', ')} only apply to --pstats, not --${format}`, 'drop them, or use --pstats');
    }
  }
  return format;
}

/** `--browser` only goes with a format a browser shows. */
export function checkBrowser(format: OutputFormatName, browser: boolean): void {
  if (!browser || OUTPUT_FORMATS[format].browserEntry !== undefined) return;
  const html = OUTPUT_FORMAT_NAMES.filter((name) => OUTPUT_FORMATS[name].browserEntry !== undefined).map(formatUsage);
  throw new TachyonError(ExitCode.usage, `--browser opens an HTML report, not --${format}`, `add ${html.slice(0, -1).join(', ')} or ${html[html.length - 1]}`);
}

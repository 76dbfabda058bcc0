/**
 * Parsing and checking of the option values shared by `run` and `attach`: sampling rate,
 * duration, PID, output format (or `--binary`) and the options each format declares. Pure: bad
 * values become TachyonErrors (exit code 2) naming the option, the value and what would be accepted.
 */
import { Option } from 'commander';
import { cannotCombine, ExitCode, TachyonError } from '../session/errors.js';
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

/** commander's flags: one per output format (`--collapsed` → `collapsed: true`, `--diff-flamegraph B` → `diffFlamegraph: 'B'`), plus the formats' own options. */
export interface FormatFlags {
  [format: string]: unknown;
  binary?: boolean;
  sort?: string;
  limit?: string;
  summary?: boolean;
}

/** `--binary`: no writer of a Profile but the capture of the helper's stream, chosen as a format is (one per run). */
export const CAPTURE_CHOICE = 'binary';

/** What a run writes: a report in one of the formats, or (`--binary`) only the capture. */
export type ReportChoice = OutputFormatName | typeof CAPTURE_CHOICE;

/** The options a format declares (OutputFormat.options), as commander options. */
export function formatOptions(name: OutputFormatName): Option[] {
  return (OUTPUT_FORMATS[name].options ?? []).map((option) => new Option(option.flags, option.help));
}

/** The one output format asked for (replay's choice); pstats when none is. */
export function chooseFormat(flags: FormatFlags): OutputFormatName {
  return choose(flags, false) as OutputFormatName;
}

/** What a sampling run writes: one output format, or `--binary`'s capture alone; pstats when none is asked for. */
export function chooseReport(flags: FormatFlags): ReportChoice {
  return choose(flags, true);
}

function choose(flags: FormatFlags, captureChoice: boolean): ReportChoice {
  // A boolean flag is true when given; one with a value (--diff-flamegraph BASELINE) is a string.
  const chosen: ReportChoice[] = OUTPUT_FORMAT_NAMES.filter((name) => {
    const value = flags[formatFlagKey(name)];
    return value === true || typeof value === 'string';
  });
  if (captureChoice && flags.binary === true) chosen.push(CAPTURE_CHOICE);
  if (chosen.length > 1) {
    throw cannotCombine(`--${chosen[0]}`, `--${chosen[1]}`, 'choose one output format per run');
  }
  const format = chosen[0] ?? 'pstats';
  checkFormatOptions(format, flags);
  return format;
}

/** A format's own options (pstats' --sort, --limit, --no-summary) go with that format only. */
function checkFormatOptions(format: ReportChoice, flags: FormatFlags): void {
  for (const name of OUTPUT_FORMAT_NAMES) {
    if (name === format) continue;
    // A --no-x option is given when its value is false; any other when it has a value.
    const given = formatOptions(name).filter((option) => (option.negate ? flags[option.attributeName()] === false : flags[option.attributeName()] !== undefined));
    if (given.length > 0) {
      throw new TachyonError(ExitCode.usage, `${given.map((option) => option.long).join(', ')} only apply to --${name}, not --${format}`, `drop them, or use --${name}`);
    }
  }
}

/** `--browser` only goes with a format a browser shows. */
export function checkBrowser(format: ReportChoice, browser: boolean): void {
  if (!browser || (format !== CAPTURE_CHOICE && OUTPUT_FORMATS[format].browserEntry !== undefined)) return;
  const html = OUTPUT_FORMAT_NAMES.filter((name) => OUTPUT_FORMATS[name].browserEntry !== undefined).map(formatUsage);
  throw new TachyonError(ExitCode.usage, `--browser opens an HTML report, not --${format}`, `add ${html.slice(0, -1).join(', ')} or ${html[html.length - 1]}`);
}

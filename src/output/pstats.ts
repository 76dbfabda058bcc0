/**
 * pstats outputs: the text table the stdlib profiler prints (direct/cumulative samples, sample%,
 * tottime, cumul%, cumtime, then a legend and a summary of interesting functions), and the binary
 * file that Python's `pstats.Stats(path)` loads. Both are pure functions of the Profile.
 */
import { functionKey, functionStats, type FunctionStat } from '../model/function-stats.js';
import type { Profile } from '../model/profile.js';
import { MarshalFloat, MarshalTuple, marshalDumps, type MarshalValue } from './marshal.js';
import { basename } from './file-names.js';

export const PSTATS_SORT_KEYS = ['nsamples', 'tottime', 'cumtime', 'sample-pct', 'cumul-pct', 'nsamples-cumul', 'name'] as const;
export type PstatsSortKey = (typeof PSTATS_SORT_KEYS)[number];

export interface PstatsTextOptions {
  sort: PstatsSortKey;
  limit: number;
  summary: boolean;
  color: boolean;
}

interface Row {
  file: string;
  line: number;
  name: string;
  direct: number;
  cumulative: number;
}


/** Python's repr of the (file, line, name) tuple, which the `name` sort orders by. */
function tupleRepr(row: { file: string; line: number; name: string }): string {
  return `('${row.file}', ${row.line}, '${row.name}')`;
}

function bestUnit(maxSeconds: number): [string, number] {
  if (maxSeconds >= 1) return ['s', 1];
  if (maxSeconds >= 0.001) return ['ms', 1e3];
  return ['μs', 1e6];
}

/** Rows keyed by base file name, line and function: entries differing only in directory merge. */
function strippedRows(stats: Map<string, FunctionStat>): Row[] {
  const rows = new Map<string, Row>();
  for (const stat of stats.values()) {
    const file = basename(stat.file);
    const key = functionKey(file, stat.line, stat.name);
    const row = rows.get(key);
    if (row === undefined) rows.set(key, { file, line: stat.line, name: stat.name, direct: stat.direct, cumulative: stat.cumulative });
    else {
      row.direct += stat.direct;
      row.cumulative += stat.cumulative;
    }
  }
  return [...rows.values()];
}

function compareRows(sort: PstatsSortKey): (a: Row, b: Row) => number {
  const byName = (a: Row, b: Row): number => {
    const ra = tupleRepr(a);
    const rb = tupleRepr(b);
    return ra < rb ? -1 : ra > rb ? 1 : 0;
  };
  switch (sort) {
    case 'name':
      return byName;
    case 'cumtime':
    case 'cumul-pct':
    case 'nsamples-cumul':
      return (a, b) => b.cumulative - a.cumulative || b.direct - a.direct || byName(a, b);
    default:
      return (a, b) => b.direct - a.direct || b.cumulative - a.cumulative || byName(a, b);
  }
}

const ANSI = { blue: '\u001b[1;34m', green: '\u001b[32m', yellow: '\u001b[33m', cyan: '\u001b[36m', reset: '\u001b[0m' };

export function writePstatsText(profile: Profile, options: PstatsTextOptions): string {
  const c = options.color ? ANSI : { blue: '', green: '', yellow: '', cyan: '', reset: '' };
  const { byKey, totalSamples } = functionStats(profile);
  const lines: string[] = [];
  if (totalSamples === 0) return 'No samples were collected.\n';

  const intervalSeconds = profile.meta.sampleIntervalUs / 1e6;
  const allRows = strippedRows(byKey).sort(compareRows(options.sort));
  const rows = allRows.slice(0, options.limit);
  const [totUnit, totScale] = bestUnit(Math.max(0, ...rows.map((r) => r.direct * intervalSeconds)));
  const [cumUnit, cumScale] = bestUnit(Math.max(0, ...rows.map((r) => r.cumulative * intervalSeconds)));
  const totWidth = Math.max(12, `tottime (${totUnit})`.length);
  const cumWidth = Math.max(12, `cumtime (${cumUnit})`.length);
  const pct = (n: number): string => ((n / totalSamples) * 100).toFixed(1).padStart(8);
  const func = (file: string, line: number | string, name: string): string =>
    `${c.green}${file}${c.reset}:${c.yellow}${line}${c.reset}(${c.cyan}${name}${c.reset})`;

  lines.push(`${c.blue}Profile Stats:${c.reset}`);
  lines.push(
    `${c.blue}${'nsamples'.padStart(15)}  ${'sample%'.padStart(8)}  ${`tottime (${totUnit})`.padStart(totWidth)}  ` +
      `${'cumul%'.padStart(8)}  ${`cumtime (${cumUnit})`.padStart(cumWidth)}  filename:lineno(function)${c.reset}`,
  );
  for (const r of rows) {
    lines.push(
      `${`${r.direct}/${r.cumulative}`.padStart(15)}  ${pct(r.direct)}  ${(r.direct * intervalSeconds * totScale).toFixed(3).padStart(totWidth)}  ` +
        `${pct(r.cumulative)}  ${(r.cumulative * intervalSeconds * cumScale).toFixed(3).padStart(cumWidth)}  ${func(r.file, r.line, r.name)}`,
    );
  }
  if (allRows.length > rows.length) lines.push(`(${allRows.length - rows.length} more rows; raise --limit to see them)`);

  lines.push('', `${c.blue}Legend:${c.reset}`);
  lines.push(`  ${c.yellow}nsamples${c.reset}: samples with this line executing / samples with it anywhere on the stack`);
  lines.push(`  ${c.yellow}sample%${c.reset}: share of all samples in which this line was executing`);
  lines.push(`  ${c.yellow}tottime${c.reset}: executing samples times the sampling interval, an estimate of time spent here`);
  lines.push(`  ${c.yellow}cumul%${c.reset}: share of all samples in which this line was on the stack`);
  lines.push(`  ${c.yellow}cumtime${c.reset}: on-stack samples times the sampling interval, including time in callees`);
  lines.push(`  ${c.yellow}filename:lineno(function)${c.reset}: file, executing line and qualified function name`);

  if (options.summary) lines.push(...summaryLines(allRows, totalSamples, func, c.blue, c.reset));
  return lines.join('\n') + '\n';
}

/** "Summary of Interesting Functions": the stdlib's three top-3 lists, per file and function. */
function summaryLines(
  rows: Row[],
  totalSamples: number,
  func: (file: string, line: string, name: string) => string,
  blue: string,
  reset: string,
): string[] {
  const byFunction = new Map<string, Row>();
  for (const r of rows) {
    const key = `${r.file}:${r.name}`;
    const agg = byFunction.get(key);
    if (agg === undefined) byFunction.set(key, { ...r, line: 0 });
    else {
      agg.direct += r.direct;
      agg.cumulative += r.cumulative;
    }
  }
  const all = [...byFunction.values()];
  const out: string[] = ['', `${blue}Summary of Interesting Functions:${reset}`];
  const section = (title: string, score: (r: Row) => number, text: (r: Row) => string | undefined): void => {
    out.push('', `${blue}${title}:${reset}`);
    const ranked = [...all].sort((a, b) => score(b) - score(a)).slice(0, 3);
    for (const r of ranked) {
      const line = text(r);
      if (line !== undefined) out.push(`  ${line}`);
    }
  };
  const pct = (n: number): string => ((n / totalSamples) * 100).toFixed(1);
  section(
    'Functions with Highest Direct/Cumulative Ratio (Hot Spots)',
    (r) => (r.cumulative > 0 ? r.direct / r.cumulative : 0),
    (r) =>
      r.direct > 0 && r.cumulative > 0
        ? `${(r.direct / r.cumulative).toFixed(3)} direct/cumulative ratio, ${pct(r.direct)}% direct samples: ${func(r.file, '', r.name)}`
        : undefined,
  );
  section(
    'Functions with Highest Call Frequency (Indirect Calls)',
    (r) => r.cumulative - r.direct,
    (r) =>
      r.cumulative > r.direct
        ? `${r.cumulative - r.direct} indirect calls, ${pct(r.cumulative)}% total stack presence: ${func(r.file, '', r.name)}`
        : undefined,
  );
  section(
    'Functions with Highest Call Magnification (Cumulative/Direct)',
    (r) => (r.direct > 0 ? r.cumulative / r.direct : 0),
    (r) =>
      r.direct > 0 && r.cumulative > r.direct
        ? `${(r.cumulative / r.direct).toFixed(1)}x call magnification, ${r.cumulative - r.direct} indirect calls from ${r.direct} direct: ${func(r.file, '', r.name)}`
        : undefined,
  );
  return out;
}

/**
 * The marshal file `pstats.Stats(path)` loads: {(file, line, name): (direct, cumulative, tottime,
 * cumtime, {caller: count})}, times in seconds. Full paths are kept, as the stdlib does. The
 * stdlib's `("__sampled__",)` marker entry is left out because pstats before 3.15 cannot load a
 * file that has it.
 */
export function writePstatsFile(profile: Profile): Uint8Array {
  const { byKey } = functionStats(profile);
  const intervalSeconds = profile.meta.sampleIntervalUs / 1e6;
  const keys = new Map<string, MarshalTuple>();
  for (const [key, stat] of byKey) keys.set(key, new MarshalTuple([stat.file, stat.line, stat.name]));
  const dict = new Map<MarshalValue, MarshalValue>();
  for (const [key, stat] of byKey) {
    const callers = new Map<MarshalValue, MarshalValue>();
    for (const [callerKey, count] of stat.callers) callers.set(keys.get(callerKey) as MarshalTuple, count);
    dict.set(
      keys.get(key) as MarshalTuple,
      new MarshalTuple([stat.direct, stat.cumulative, new MarshalFloat(stat.direct * intervalSeconds), new MarshalFloat(stat.cumulative * intervalSeconds), callers]),
    );
  }
  return marshalDumps(dict);
}

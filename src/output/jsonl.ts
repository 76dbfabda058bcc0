/**
 * JSON Lines for programs: one compact JSON record per line, in the order meta, string table,
 * frame table, stack table, samples, per-frame aggregates, end. The schema is documented in
 * docs/formats.md; ids start at 0 and tables come in chunks so no line grows without bound.
 * Pure: the same Profile always gives the same bytes.
 */
import type { Profile } from '../model/profile.js';

export const JSONL_VERSION = 1;
const CHUNK_ENTRIES = 256;
const SAMPLE_CHUNK_ENTRIES = 1024;

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export function writeJsonl(profile: Profile): string {
  const m = profile.meta;
  const runId = `${m.target.pid}-${Math.round(m.startUnixMs * 1000)}`;
  const head = { v: JSONL_VERSION, run_id: runId };
  const lines: string[] = [];
  const emit = (record: object): void => {
    lines.push(JSON.stringify(record));
  };

  emit({
    type: 'meta',
    ...head,
    tool: `tachyon ${m.tool.version}`,
    helper_version: m.tool.helperVersion,
    pid: m.target.pid,
    argv: m.target.argv,
    python_version: m.target.pythonVersion,
    mode: m.mode,
    sample_interval_usec: m.sampleIntervalUs,
    start_unix_ms: m.startUnixMs,
    duration_usec: m.durationUs,
    ticks_taken: m.ticksTaken,
    ticks_failed: m.ticksFailed,
    ticks_missed: m.ticksMissed,
    stop_reason: m.stopReason,
  });

  const strings = profile.strings.map((value, id) => ({ str_id: id, value }));
  for (const chunk of chunks(strings, CHUNK_ENTRIES)) emit({ type: 'string_table', ...head, strings: chunk });

  const f = profile.frames;
  const frames: object[] = [];
  for (let id = 0; id < f.length; id++) {
    const func = f.func[id];
    const entry: Record<string, number | boolean> = {
      frame_id: id,
      path_str_id: profile.funcs.file[func],
      func_str_id: profile.funcs.name[func],
      line: Math.max(0, f.line[id]),
    };
    if (f.endLine[id] > 0) entry.end_line = f.endLine[id];
    if (f.column[id] >= 0) entry.col = f.column[id];
    if (f.endColumn[id] >= 0) entry.end_col = f.endColumn[id];
    if (profile.funcs.kind[func] === 'pseudo') entry.synthetic = true;
    frames.push(entry);
  }
  for (const chunk of chunks(frames, CHUNK_ENTRIES)) emit({ type: 'frame_table', ...head, frames: chunk });

  const stacks: object[] = [];
  for (let id = 0; id < profile.stacks.length; id++) {
    const parent = profile.stacks.parent[id];
    stacks.push({ stack_id: id, frame_id: profile.stacks.frame[id], parent_id: parent === -1 ? null : parent });
  }
  for (const chunk of chunks(stacks, CHUNK_ENTRIES)) emit({ type: 'stack_table', ...head, stacks: chunk });

  const self = new Array<number>(f.length).fill(0);
  const cumulative = new Array<number>(f.length).fill(0);
  const lastCounted = new Array<number>(f.length).fill(-1);
  let total = 0;
  for (const thread of profile.threads) {
    const s = thread.samples;
    const rows: number[][] = [];
    for (let i = 0; i < s.length; i++) {
      rows.push([s.timeUs[i], s.stack[i], s.status[i]]);
      const leaf = profile.stacks.frame[s.stack[i]];
      self[leaf]++;
      // A frame counts once per sample however often recursion repeats it.
      for (let st = s.stack[i]; st !== -1; st = profile.stacks.parent[st]) {
        const frame = profile.stacks.frame[st];
        if (lastCounted[frame] === total) continue;
        lastCounted[frame] = total;
        cumulative[frame]++;
      }
      total++;
    }
    for (const chunk of chunks(rows, SAMPLE_CHUNK_ENTRIES)) emit({ type: 'samples', ...head, thread_id: thread.tid, ...(thread.name !== undefined ? { thread_name: thread.name } : {}), fields: ['time_usec', 'stack_id', 'status'], samples: chunk });
  }

  const entries: object[] = [];
  for (let id = 0; id < f.length; id++) {
    if (cumulative[id] > 0) entries.push({ frame_id: id, self: self[id], cumulative: cumulative[id] });
  }
  for (const chunk of chunks(entries, CHUNK_ENTRIES)) emit({ type: 'agg', ...head, kind: 'frame', scope: 'final', samples_total: total, entries: chunk });
  emit({ type: 'end', ...head, samples_total: total });
  return `${lines.join('\n')}\n`;
}

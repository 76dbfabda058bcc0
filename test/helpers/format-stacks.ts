/**
 * Reads every report format back into the same shape, stack counts keyed by
 * `tid:N;file:func:line;…` (root first, base file names, pseudo frames by name alone), so a test
 * can check that gecko, speedscope, pprof and JSONL say what the collapsed output says.
 */
import { gunzipSync } from 'node:zlib';
import path from 'node:path';
import protobuf from 'protobufjs';
import { REPO_ROOT } from './interpreters.js';

export type StackCounts = Map<string, number>;

function add(counts: StackCounts, key: string, n = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

const label = (file: string | null | undefined, name: string, line: number | null | undefined): string =>
  file ? `${path.basename(file)}:${name}:${line ?? 0}` : name;

export function stacksFromCollapsed(text: string): StackCounts {
  const counts: StackCounts = new Map();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const space = line.lastIndexOf(' ');
    add(counts, line.slice(0, space), Number(line.slice(space + 1)));
  }
  return counts;
}

interface GeckoThread {
  tid: number;
  samples: { stack: (number | null)[]; length: number };
  stackTable: { frame: number[]; prefix: (number | null)[] };
  frameTable: { func: number[]; line: (number | null)[] };
  funcTable: { name: number[]; resource: number[] };
  resourceTable: { name: number[] };
}

export function stacksFromGecko(json: string): StackCounts {
  const gecko = JSON.parse(json) as { threads: GeckoThread[]; shared: { stringArray: string[] } };
  const strings = gecko.shared.stringArray;
  const counts: StackCounts = new Map();
  for (const t of gecko.threads) {
    for (let i = 0; i < t.samples.length; i++) {
      const labels: string[] = [];
      for (let s = t.samples.stack[i]; s !== null; s = t.stackTable.prefix[s]) {
        const frame = t.stackTable.frame[s];
        const func = t.frameTable.func[frame];
        const resource = t.funcTable.resource[func];
        labels.push(label(resource === -1 ? null : strings[t.resourceTable.name[resource]], strings[t.funcTable.name[func]], t.frameTable.line[frame]));
      }
      add(counts, [`tid:${t.tid}`, ...labels.reverse()].join(';'));
    }
  }
  return counts;
}

interface SpeedscopeFile {
  shared: { frames: { name: string; file?: string; line?: number }[] };
  profiles: { name: string; samples: number[][] }[];
}

export function stacksFromSpeedscope(json: string): StackCounts {
  const file = JSON.parse(json) as SpeedscopeFile;
  const labels = file.shared.frames.map((f) => (f.file === undefined ? f.name : label(f.file, f.name.replace(/ \([^()]*\)$/, ''), f.line)));
  const counts: StackCounts = new Map();
  for (const p of file.profiles) {
    // "Thread 123", or "MainThread (thread 123)" for a named thread.
    const tid = /(\d+)\)?$/.exec(p.name)?.[1];
    for (const sample of p.samples) add(counts, [`tid:${tid}`, ...sample.map((f) => labels[f])].join(';'));
  }
  return counts;
}

let profileType: protobuf.Type | undefined;

/** Decodes a gzipped pprof file against the published profile.proto (test/fixtures/pprof). */
export function decodePprof(data: Uint8Array): Record<string, unknown> & PprofProfile {
  profileType ??= protobuf.loadSync(path.join(REPO_ROOT, 'test', 'fixtures', 'pprof', 'profile.proto')).lookupType('perftools.profiles.Profile');
  const message = profileType.decode(gunzipSync(data));
  return profileType.toObject(message, { longs: Number, defaults: true, arrays: true }) as Record<string, unknown> & PprofProfile;
}

export interface PprofProfile {
  sampleType: { type: number; unit: number }[];
  sample: { locationId: number[]; value: number[]; label: { key: number; num: number }[] }[];
  location: { id: number; line: { functionId: number; line: number; column: number }[] }[];
  function: { id: number; name: number; filename: number; startLine: number }[];
  stringTable: string[];
  timeNanos: number;
  durationNanos: number;
  period: number;
}

export function stacksFromPprof(data: Uint8Array): StackCounts {
  const p = decodePprof(data);
  const s = p.stringTable;
  const functions = new Map(p.function.map((f) => [f.id, f]));
  const locations = new Map(
    p.location.map((l) => {
      const fn = functions.get(l.line[0].functionId);
      if (fn === undefined) throw new Error(`location ${l.id} names no function`);
      return [l.id, label(s[fn.filename], s[fn.name], l.line[0].line)];
    }),
  );
  const counts: StackCounts = new Map();
  for (const sample of p.sample) {
    const tid = sample.label.find((l) => s[l.key] === 'thread_id')?.num;
    const labels = sample.locationId.map((id) => locations.get(id) as string).reverse();
    add(counts, [`tid:${tid}`, ...labels].join(';'), sample.value[0]);
  }
  return counts;
}

export function stacksFromJsonl(text: string): StackCounts {
  const strings = new Map<number, string>();
  const frames = new Map<number, string>();
  const stacks = new Map<number, { frame: number; parent: number | null }>();
  const counts: StackCounts = new Map();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const r = JSON.parse(line);
    if (r.type === 'string_table') for (const e of r.strings) strings.set(e.str_id, e.value);
    if (r.type === 'frame_table') {
      for (const f of r.frames) frames.set(f.frame_id, f.synthetic ? (strings.get(f.func_str_id) as string) : label(strings.get(f.path_str_id), strings.get(f.func_str_id) as string, f.line));
    }
    if (r.type === 'stack_table') for (const e of r.stacks) stacks.set(e.stack_id, { frame: e.frame_id, parent: e.parent_id });
    if (r.type === 'samples') {
      const stackIndex = r.fields.indexOf('stack_id');
      for (const row of r.samples) {
        const labels: string[] = [];
        for (let st: number | null = row[stackIndex]; st !== null; st = (stacks.get(st) as { parent: number | null }).parent) {
          labels.push(frames.get((stacks.get(st) as { frame: number }).frame) as string);
        }
        add(counts, [`tid:${r.thread_id}`, ...labels.reverse()].join(';'));
      }
    }
  }
  return counts;
}

/** The stacks of a report in `format`, given its bytes. */
export function stacksOf(format: string, data: Buffer): StackCounts {
  switch (format) {
    case 'collapsed':
      return stacksFromCollapsed(data.toString('utf8'));
    case 'gecko':
      return stacksFromGecko(data.toString('utf8'));
    case 'speedscope':
      return stacksFromSpeedscope(data.toString('utf8'));
    case 'pprof':
      return stacksFromPprof(data);
    case 'jsonl':
      return stacksFromJsonl(data.toString('utf8'));
    default:
      throw new Error(`no stack reader for ${format}`);
  }
}

/** Stack counts as sorted text, for a readable same/different assertion. */
export function stacksText(counts: StackCounts): string {
  return [...counts.entries()].map(([k, v]) => `${k} ${v}`).sort().join('\n');
}

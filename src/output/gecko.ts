/**
 * The Firefox Profiler's processed profile format (the JSON profiler.firefox.com opens), at the
 * format version the stdlib profiler writes (meta.version 32, preprocessedProfileVersion 57) and
 * with its categories, so the two files read alike: one thread object per sampled thread with
 * its own func, frame, stack and resource tables, a shared string array, samples with their
 * times, and interval markers for the samples' status bits. Pure.
 */
import { StringTable } from '../model/string-table.js';
import { isSourceFile, SampleStatus, type Profile, type ThreadProfile } from '../model/profile.js';
import { basename } from './file-names.js';

export const GECKO_VERSION = 32;
export const GECKO_PREPROCESSED_VERSION = 57;

/** Category indexes as the stdlib profiler numbers them. */
const Category = { other: 0, python: 1, native: 2, gc: 3, gil: 4, cpu: 5, codeType: 6, opcodes: 7, exception: 8 } as const;
const CATEGORIES = [
  ['Other', 'grey'],
  ['Python', 'yellow'],
  ['Native', 'blue'],
  ['GC', 'orange'],
  ['GIL', 'green'],
  ['CPU', 'purple'],
  ['Code Type', 'red'],
  ['Opcodes', 'magenta'],
  ['Exception', 'lightblue'],
].map(([name, color]) => ({ name, color, subcategories: ['Other'] }));

/**
 * One interval marker per run of a status bit: its name while the bit is set and while it is
 * clear. Bits not listed here (unknown, or added to the protocol later) make no markers.
 */
const STATUS_MARKERS: { bit: number; whenSet: string; whenClear: string; category: number }[] = [
  { bit: SampleStatus.hasGil, whenSet: 'Has GIL', whenClear: 'No GIL', category: Category.gil },
];

/**
 * A Python function the Firefox Profiler shows as "JS" (ours): code from source, a file or the
 * text given to `python -c` or on stdin, not `<frozen …>`, as the stdlib profiler decides.
 */
function isPythonSource(file: string): boolean {
  return isSourceFile(file) || file === '<stdin>' || file === '<string>';
}

/** Milliseconds with microsecond precision, as a number (no float noise from the division). */
function ms(timeUs: number): number {
  return Math.round(timeUs) / 1000;
}

function threadObject(profile: Profile, thread: ThreadProfile, strings: StringTable): object {
  const samples = thread.samples;
  // Renumber only what this thread uses; stacks are parents-first, so marking up the parent chain
  // and keeping index order keeps every prefix before its stack.
  const usedStack = new Uint8Array(profile.stacks.length);
  for (let i = 0; i < samples.length; i++) {
    for (let s = samples.stack[i]; s !== -1 && usedStack[s] === 0; s = profile.stacks.parent[s]) usedStack[s] = 1;
  }
  const stackMap = new Int32Array(profile.stacks.length).fill(-1);
  const frameMap = new Map<number, number>();
  const funcMap = new Map<number, number>();
  const resourceMap = new Map<number, number>();
  const funcTable = { name: [] as number[], isJS: [] as boolean[], relevantForJS: [] as boolean[], resource: [] as number[], fileName: [] as (number | null)[], lineNumber: [] as (number | null)[], columnNumber: [] as null[], length: 0 };
  const resourceTable = { lib: [] as null[], name: [] as number[], host: [] as null[], type: [] as number[], length: 0 };
  const frameTable = {
    address: [] as number[], category: [] as number[], subcategory: [] as number[], func: [] as number[], innerWindowID: [] as null[],
    implementation: [] as null[], optimizations: [] as null[], line: [] as (number | null)[], column: [] as (number | null)[],
    inlineDepth: [] as number[], nativeSymbol: [] as null[], length: 0,
  };
  const stackTable = { frame: [] as number[], category: [] as number[], subcategory: [] as number[], prefix: [] as (number | null)[], length: 0 };

  const funcOf = (f: number): number => {
    let out = funcMap.get(f);
    if (out !== undefined) return out;
    const file = profile.strings[profile.funcs.file[f]];
    const python = profile.funcs.kind[f] === 'python' && isPythonSource(file);
    let resource = -1;
    if (profile.funcs.kind[f] === 'python') {
      const fileIndex = profile.funcs.file[f];
      let r = resourceMap.get(fileIndex);
      if (r === undefined) {
        r = resourceTable.length++;
        resourceTable.lib.push(null);
        resourceTable.name.push(strings.intern(basename(file)));
        resourceTable.host.push(null);
        resourceTable.type.push(1);
        resourceMap.set(fileIndex, r);
      }
      resource = r;
    }
    out = funcTable.length++;
    funcTable.name.push(strings.intern(profile.strings[profile.funcs.name[f]]));
    funcTable.isJS.push(python);
    funcTable.relevantForJS.push(python);
    funcTable.resource.push(resource);
    funcTable.fileName.push(python ? strings.intern(basename(file)) : null);
    funcTable.lineNumber.push(python && profile.funcs.firstLine[f] > 0 ? profile.funcs.firstLine[f] : null);
    funcTable.columnNumber.push(null);
    funcMap.set(f, out);
    return out;
  };
  const frameOf = (frame: number): number => {
    let out = frameMap.get(frame);
    if (out !== undefined) return out;
    const func = funcOf(profile.frames.func[frame]);
    out = frameTable.length++;
    frameTable.address.push(-1);
    frameTable.category.push(funcTable.isJS[func] ? Category.python : Category.native);
    frameTable.subcategory.push(0);
    frameTable.func.push(func);
    frameTable.innerWindowID.push(null);
    frameTable.implementation.push(null);
    frameTable.optimizations.push(null);
    frameTable.line.push(profile.frames.line[frame] > 0 ? profile.frames.line[frame] : null);
    frameTable.column.push(profile.frames.column[frame] >= 0 ? profile.frames.column[frame] : null);
    frameTable.inlineDepth.push(0);
    frameTable.nativeSymbol.push(null);
    frameMap.set(frame, out);
    return out;
  };
  for (let s = 0; s < profile.stacks.length; s++) {
    if (usedStack[s] === 0) continue;
    const frame = frameOf(profile.stacks.frame[s]);
    const parent = profile.stacks.parent[s];
    stackMap[s] = stackTable.length++;
    stackTable.frame.push(frame);
    stackTable.category.push(frameTable.category[frame]);
    stackTable.subcategory.push(0);
    stackTable.prefix.push(parent === -1 ? null : stackMap[parent]);
  }

  const sampleTable = { stack: [] as number[], time: [] as number[], eventDelay: [] as null[], weight: null, weightType: 'samples', length: samples.length };
  for (let i = 0; i < samples.length; i++) {
    sampleTable.stack.push(stackMap[samples.stack[i]]);
    sampleTable.time.push(ms(samples.timeUs[i]));
    sampleTable.eventDelay.push(null);
  }

  const markers = { data: [] as object[], name: [] as number[], startTime: [] as number[], endTime: [] as number[], phase: [] as number[], category: [] as number[], length: 0 };
  const addMarker = (name: string, category: number, startUs: number, endUs: number): void => {
    markers.data.push({ type: name.replace(/ /g, ''), duration: ms(endUs - startUs), tid: thread.tid });
    markers.name.push(strings.intern(name));
    markers.startTime.push(ms(startUs));
    markers.endTime.push(ms(endUs));
    markers.phase.push(1);
    markers.category.push(category);
    markers.length++;
  };
  if (samples.length > 0) {
    const endUs = samples.timeUs[samples.length - 1];
    for (const spec of STATUS_MARKERS) {
      let since = samples.timeUs[0];
      let set = (samples.status[0] & spec.bit) !== 0;
      for (let i = 1; i < samples.length; i++) {
        const now = (samples.status[i] & spec.bit) !== 0;
        if (now === set) continue;
        addMarker(set ? spec.whenSet : spec.whenClear, spec.category, since, samples.timeUs[i]);
        since = samples.timeUs[i];
        set = now;
      }
      addMarker(set ? spec.whenSet : spec.whenClear, spec.category, since, endUs);
    }
  }

  let isMainThread = false;
  for (let i = 0; i < samples.length && !isMainThread; i++) isMainThread = (samples.status[i] & SampleStatus.mainThread) !== 0;
  return {
    name: thread.name ?? `Thread-${thread.tid}`,
    isMainThread,
    processStartupTime: 0,
    processShutdownTime: null,
    registerTime: 0,
    unregisterTime: null,
    pausedRanges: [],
    pid: String(profile.meta.target.pid),
    tid: thread.tid,
    processType: 'default',
    processName: 'Python Process',
    samples: sampleTable,
    stackTable,
    frameTable,
    funcTable,
    resourceTable,
    nativeSymbols: { libIndex: [], address: [], name: [], functionSize: [], length: 0 },
    markers,
  };
}

export function writeGecko(profile: Profile): string {
  const strings = new StringTable();
  strings.intern('(root)');
  const threads = profile.threads.map((thread) => threadObject(profile, thread, strings));
  const meta = {
    interval: profile.meta.sampleIntervalUs / 1000,
    startTime: profile.meta.startUnixMs,
    // The helper reads x86_64 Linux targets only.
    abi: 'x86_64',
    misc: 'Python profiler',
    oscpu: 'x86_64',
    platform: 'Linux',
    processType: 0,
    categories: CATEGORIES,
    stackwalk: 0,
    toolkit: '',
    version: GECKO_VERSION,
    preprocessedProfileVersion: GECKO_PREPROCESSED_VERSION,
    appBuildID: '',
    CPUName: '',
    product: `Python ${profile.meta.target.pythonVersion} (PID ${profile.meta.target.pid}${profile.meta.target.argv.length > 0 ? `: ${profile.meta.target.argv.join(' ')}` : ''})`,
    symbolicated: true,
    markerSchema: [],
    importedFrom: `Tachyon ${profile.meta.tool.version}`,
    extensions: { id: [], name: [], baseURL: [], length: 0 },
  };
  return JSON.stringify({ meta, libs: [], threads, pages: [], shared: { stringArray: strings.strings, sources: { length: 0, uuid: [], filename: [] } } });
}

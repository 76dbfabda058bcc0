/**
 * The `dump` report: the current stack of each sampled thread, most recent call last, in the
 * style of CPython's `profiling.sampling dump`, or the same as JSON for programs. Pure: it reads
 * the profile of one tick plus thread names and source lines looked up by the caller.
 */
import { framesRootFirst, PSEUDO_FILE, PseudoFrame, SampleStatus, type Profile } from '../model/profile.js';

/** A bound local variable of a frame: its name and a short repr of its value. */
export interface FrameLocal {
  name: string;
  repr: string;
}

export interface DumpContext {
  /** Thread name by native id, when known. */
  threadNames: Map<number, string>;
  /** The stripped source text of a line, or undefined. */
  sourceLine(file: string, line: number): string | undefined;
  /** `--locals`: the locals of a thread's frame, by its position counted from the leaf. */
  locals?(tid: number, leafIndex: number): FrameLocal[] | undefined;
}

export interface DumpFrame {
  file: string;
  line: number;
  func: string;
  source?: string;
  /** With `--locals`: name and short repr of each bound local variable. */
  locals?: FrameLocal[];
}

export interface DumpThread {
  tid: number;
  /** null when unknown. */
  name: string | null;
  status: string[];
  /** Root first (most recent call last). */
  frames: DumpFrame[];
}

export interface Dump {
  pid: number;
  pythonVersion: string;
  threads: DumpThread[];
}

/** The labels of a SampleStatus bit set, in the stdlib's order; `idle` when nothing else applies. */
export function statusLabels(status: number): string[] {
  const labels: string[] = [];
  if (status & SampleStatus.mainThread) labels.push('main thread');
  if (status & SampleStatus.hasGil) labels.push('has GIL');
  if (status & SampleStatus.onCpu) labels.push('on CPU');
  if (status & SampleStatus.hasException) labels.push('has exception');
  if (status & SampleStatus.gcCollecting) labels.push('collecting garbage');
  const busy = SampleStatus.hasGil | SampleStatus.onCpu | SampleStatus.hasException | SampleStatus.cpuUnknown;
  if ((status & busy) === 0) labels.push('idle');
  return labels;
}

/** Each thread's last sample in the profile, as a Dump. */
export function buildDump(profile: Profile, context: DumpContext): Dump {
  const { funcs, frames, strings } = profile;
  const threads: DumpThread[] = profile.threads.map((thread) => {
    const last = thread.samples.length - 1;
    const stack = thread.samples.stack[last];
    const rootFirst = framesRootFirst(profile, stack);
    // The helper counts frames from the leaf; a `<GC>` frame on top is the model's, not the helper's.
    const leaf = rootFirst[rootFirst.length - 1];
    const gcOnTop = leaf !== undefined && funcs.kind[frames.func[leaf]] === 'pseudo' && strings[funcs.name[frames.func[leaf]]] === PseudoFrame.gc;
    const helperFrames = gcOnTop ? rootFirst.length - 1 : rootFirst.length;
    return {
      tid: thread.tid,
      name: context.threadNames.get(thread.tid) ?? null,
      status: statusLabels(thread.samples.status[last]),
      frames: rootFirst.map((frame, i) => {
        const func = frames.func[frame];
        const file = strings[funcs.file[func]];
        const line = frames.line[frame];
        const source = funcs.kind[func] === 'python' && line > 0 ? context.sourceLine(file, line) : undefined;
        const locals = funcs.kind[func] === 'python' && i < helperFrames ? context.locals?.(thread.tid, helperFrames - 1 - i) : undefined;
        return { file, line, func: strings[funcs.name[func]], ...(source !== undefined ? { source } : {}), ...(locals !== undefined ? { locals } : {}) };
      }),
    };
  });
  return { pid: profile.meta.target.pid, pythonVersion: profile.meta.target.pythonVersion, threads };
}

export function writeDumpText(dump: Dump): string {
  if (dump.threads.length === 0) return `No Python stacks found for PID ${dump.pid}\n`;
  const sections = dump.threads.map((thread, i) => {
    const who = `thread ${thread.tid}${thread.name !== null ? ` "${thread.name}"` : ''}`;
    const head = i === 0 ? `Stack dump for PID ${dump.pid}, ${who}` : `Stack dump, ${who}`;
    const lines = [`${head} (${[...thread.status, 'most recent call last'].join(', ').replace(/, most recent/, '; most recent')}):`];
    if (thread.frames.length === 0) lines.push('  No Python frames');
    for (const frame of thread.frames) {
      if (frame.file === PSEUDO_FILE) {
        lines.push(`  ${frame.func}`);
        continue;
      }
      lines.push(`  File "${frame.file}"${frame.line > 0 ? `, line ${frame.line}` : ''}, in ${frame.func}`);
      if (frame.source !== undefined) lines.push(`    ${frame.source}`);
      for (const local of frame.locals ?? []) lines.push(`      ${local.name} = ${local.repr}`);
    }
    return lines.join('\n');
  });
  return `${sections.join('\n\n')}\n`;
}

export function writeDumpJson(dump: Dump): string {
  return `${JSON.stringify(dump, null, 2)}\n`;
}

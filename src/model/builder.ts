/**
 * ProfileBuilder: the only code that creates a Profile. It interns strings, functions, frames and
 * stacks as samples arrive, so memory grows with the number of distinct stacks, not samples.
 * `finish()` hands out the finished, read-only Profile. It knows nothing of the helper protocol
 * (that is `profile-assembler.ts`) nor of any output format.
 */
import { PairIndex } from './pair-index.js';
import { StringTable } from './string-table.js';
import { PSEUDO_FILE, type FuncKind, type Profile, type ProfileMeta, type PseudoFrameName, type SampleTable, type StackIndex, type ThreadProfile } from './profile.js';

export class ProfileBuilder {
  private readonly strings = new StringTable();
  private readonly funcs = { name: [] as number[], file: [] as number[], firstLine: [] as number[], kind: [] as FuncKind[], length: 0 };
  private readonly funcIndex = new Map<string, number>();
  private readonly frames = { func: [] as number[], line: [] as number[], endLine: [] as number[], column: [] as number[], endColumn: [] as number[], length: 0 };
  private readonly frameIndex = new Map<string, number>();
  private readonly stacks = { frame: [] as number[], parent: [] as number[], length: 0 };
  /** (parent + 1, frame) → stack. */
  private readonly stackIndex = new PairIndex();
  private readonly threads = new Map<number, ThreadProfile>();

  string(text: string): number {
    return this.strings.intern(text);
  }

  func(name: string, file: string, firstLine: number, kind: FuncKind): number {
    const nameIndex = this.string(name);
    const fileIndex = this.string(file);
    const key = `${nameIndex}\u0000${fileIndex}\u0000${firstLine}\u0000${kind}`;
    let index = this.funcIndex.get(key);
    if (index === undefined) {
      const t = this.funcs;
      index = t.length++;
      t.name.push(nameIndex);
      t.file.push(fileIndex);
      t.firstLine.push(firstLine);
      t.kind.push(kind);
      this.funcIndex.set(key, index);
    }
    return index;
  }

  frame(func: number, line: number, endLine = -1, column = -1, endColumn = -1): number {
    const key = `${func},${line},${endLine},${column},${endColumn}`;
    let index = this.frameIndex.get(key);
    if (index === undefined) {
      const t = this.frames;
      index = t.length++;
      t.func.push(func);
      t.line.push(line);
      t.endLine.push(endLine);
      t.column.push(column);
      t.endColumn.push(endColumn);
      this.frameIndex.set(key, index);
    }
    return index;
  }

  /** The frame of a pseudo-frame (`<GC>`, `<native>`, `<truncated>`). */
  pseudoFrame(name: PseudoFrameName): number {
    return this.frame(this.func(name, PSEUDO_FILE, 0, 'pseudo'), 0);
  }

  /** The stack made of `framesLeafFirst`, interned root first. An empty list is stack -1. */
  stack(framesLeafFirst: readonly number[]): StackIndex {
    let parent = -1;
    for (let i = framesLeafFirst.length - 1; i >= 0; i--) parent = this.child(parent, framesLeafFirst[i]);
    return parent;
  }

  /** The stack `frame` called from stack `parent` (-1: `frame` is a root). */
  child(parent: StackIndex, frame: number): StackIndex {
    let index = this.stackIndex.get(parent + 1, frame);
    if (index === -1) {
      const t = this.stacks;
      index = t.length++;
      t.frame.push(frame);
      t.parent.push(parent);
      this.stackIndex.add(parent + 1, frame, index);
    }
    return index;
  }

  /** `status`: SampleStatus bits. */
  addSample(tid: number, timeUs: number, status: number, stack: StackIndex): void {
    let thread = this.threads.get(tid);
    if (thread === undefined) {
      thread = { tid, samples: { stack: [], timeUs: [], status: [], length: 0 } };
      this.threads.set(tid, thread);
    }
    const s: SampleTable = thread.samples;
    s.stack.push(stack);
    s.timeUs.push(timeUs);
    s.status.push(status);
    s.length++;
  }

  get sampleCount(): number {
    let n = 0;
    for (const t of this.threads.values()) n += t.samples.length;
    return n;
  }

  /** `names`: the threads' names, where known (see ThreadProfile.name). */
  finish(meta: ProfileMeta, names: ReadonlyMap<number, string> = new Map()): Profile {
    for (const [tid, name] of names) {
      const thread = this.threads.get(tid);
      if (thread !== undefined) thread.name = name;
    }
    // Threads in order of first appearance keeps output stable from run to run of the same input.
    return {
      meta,
      strings: this.strings.strings,
      funcs: this.funcs,
      frames: this.frames,
      stacks: this.stacks,
      threads: [...this.threads.values()],
    };
  }
}

/**
 * The collapsed ("folded") stack format of Brendan Gregg's FlameGraph, in the stdlib profiler's
 * flavour: one line per distinct (thread, stack), `tid:N;file:func:line;… count`, root first,
 * file names shortened to their base name, lines sorted by count (descending), then text.
 * Pseudo frames (`<truncated>`) appear by name alone.
 */
import { stackCounts } from '../model/call-tree.js';
import type { Profile } from '../model/profile.js';
import { basename } from './file-names.js';

/** The text of one frame as the collapsed format writes it. */
export function collapsedFrameLabel(profile: Profile, frame: number): string {
  const func = profile.frames.func[frame];
  const name = profile.strings[profile.funcs.name[func]];
  if (profile.funcs.kind[func] === 'pseudo') return name;
  const file = basename(profile.strings[profile.funcs.file[func]]);
  return `${file}:${name}:${profile.frames.line[frame]}`;
}

export function writeCollapsed(profile: Profile): string {
  const counts = new Map<string, number>();
  const labelCache = new Map<number, string>();
  const stackText = new Map<number, string>();
  const { frame: stackFrame, parent } = profile.stacks;

  // Stacks are a prefix tree with parents first, so each stack's text is its parent's plus one label.
  const textOf = (stack: number): string => {
    let text = stackText.get(stack);
    if (text !== undefined) return text;
    const chain: number[] = [];
    for (let s = stack; s !== -1 && !stackText.has(s); s = parent[s]) chain.push(s);
    for (let i = chain.length - 1; i >= 0; i--) {
      const s = chain[i];
      const f = stackFrame[s];
      let label = labelCache.get(f);
      if (label === undefined) {
        label = collapsedFrameLabel(profile, f);
        labelCache.set(f, label);
      }
      const p = parent[s];
      stackText.set(s, p === -1 ? label : `${stackText.get(p)};${label}`);
    }
    text = stackText.get(stack) as string;
    return text;
  };

  // Count by stack index first: a million samples fall on a few thousand stacks, and only those
  // get their text. Different stacks can print alike (columns, same base name), so texts are
  // merged after.
  for (const thread of profile.threads) {
    for (const [stack, count] of stackCounts([thread])) {
      const key = `tid:${thread.tid};${textOf(stack)}`;
      counts.set(key, (counts.get(key) ?? 0) + count);
    }
  }
  const lines = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return lines.map(([stack, count]) => `${stack} ${count}\n`).join('');
}

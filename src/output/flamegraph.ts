/**
 * `--flamegraph`: one standalone HTML page (d3 and the page's script inlined, the call tree
 * embedded as escaped JSON) that works offline. Pure: the profile and the assets in, the page's
 * text out; the page itself (templates/flamegraph.js) draws, zooms, searches and filters.
 */
import { StringTable } from '../model/string-table.js';
import type { Profile } from '../model/profile.js';
import { buildFlameTree, MERGED_FUNC, ROOT_FUNC, type FlameTree } from './flame-tree.js';
import type { SourceFile } from './heatmap.js';
import { embedJson, escapeHtml, fillTemplate, inlineScript, runFacts, template, type ReportAssets, type RunFacts } from './html-page.js';

/** The functions a page refers to, by index into its `strings`. */
export interface PageFuncs {
  name: number[];
  file: number[];
  firstLine: number[];
  pseudo: number[];
}

/** The JSON embedded in a flamegraph page; `tree.func` indexes `funcs` (-1 root, -2 merged). */
export interface FlamePageTree {
  parent: number[];
  func: number[];
  line: number[];
  merged: number[];
  /** Merged box → [page function, self samples] pairs of the largest functions inside it. */
  mergedTop: Record<number, [number, number][]>;
}

export interface FlamegraphPageData {
  kind: 'flamegraph';
  facts: RunFacts;
  strings: string[];
  funcs: PageFuncs;
  tree: FlamePageTree;
  threads: { tid: number; samples: number; nodes: number[]; counts: number[] }[];
  pruning: PruningFacts;
  /** The source line of each box, by `pageFunc:line`, for the tooltips (when the source was readable). */
  lines: Record<string, string>;
}

/** Longest source line a tooltip shows. */
const LINE_TEXT_MAX = 160;

export interface PruningFacts {
  minSamples: number;
  minSharePct: number;
  fullNodes: number;
  keptNodes: number;
  /** Boxes that each stand for several small frames. */
  mergedBoxes: number;
  /** Nodes of the full tree that went into those boxes. */
  mergedNodes: number;
}

/** Interns the profile's functions that a tree uses into a page's own small tables. */
export class PageFuncTable {
  private readonly table = new StringTable();
  readonly strings: string[] = this.table.strings;
  readonly funcs: PageFuncs = { name: [], file: [], firstLine: [], pseudo: [] };
  private readonly funcIndex = new Map<string, number>();

  private string(text: string): number {
    return this.table.intern(text);
  }

  /** The page's index for function `func` of `profile`; ROOT_FUNC and MERGED_FUNC pass through. */
  add(profile: Profile, func: number): number {
    if (func === ROOT_FUNC || func === MERGED_FUNC) return func;
    const name = profile.strings[profile.funcs.name[func]];
    const file = profile.strings[profile.funcs.file[func]];
    const firstLine = profile.funcs.firstLine[func];
    const pseudo = profile.funcs.kind[func] === 'pseudo' ? 1 : 0;
    const key = `${name}\u0000${file}\u0000${firstLine}\u0000${pseudo}`;
    let i = this.funcIndex.get(key);
    if (i === undefined) {
      i = this.funcs.name.length;
      this.funcs.name.push(this.string(name));
      this.funcs.file.push(this.string(file));
      this.funcs.firstLine.push(firstLine);
      this.funcs.pseudo.push(pseudo);
      this.funcIndex.set(key, i);
    }
    return i;
  }
}

export function pruningFacts(tree: FlameTree): PruningFacts {
  let mergedBoxes = 0;
  let mergedNodes = 0;
  for (const n of tree.mergedNodes) {
    if (n > 0) {
      mergedBoxes++;
      mergedNodes += n;
    }
  }
  return { minSamples: tree.minSamples, minSharePct: tree.minShare * 100, fullNodes: tree.fullNodeCount, keptNodes: tree.parent.length, mergedBoxes, mergedNodes };
}

export function pageTree(profile: Profile, tree: FlameTree, table: PageFuncTable): FlamePageTree {
  const mergedTop: Record<number, [number, number][]> = {};
  for (const [node, top] of tree.mergedTop) mergedTop[node] = top.map(([func, samples]) => [table.add(profile, func), samples]);
  return { parent: tree.parent, func: tree.func.map((f) => table.add(profile, f)), line: tree.line, merged: tree.mergedNodes, mergedTop };
}

/** The text of each (function, line) of a page's tree, from the sources that could be read. */
export function lineTexts(profile: Profile, tree: FlamePageTree, funcs: PageFuncs, strings: string[], sources: ReadonlyMap<string, SourceFile>): Record<string, string> {
  const lines: Record<string, string> = {};
  const split = new Map<string, string[]>();
  for (let n = 0; n < tree.func.length; n++) {
    const f = tree.func[n];
    const line = tree.line[n];
    if (f < 0 || line <= 0 || funcs.pseudo[f]) continue;
    const key = `${f}:${line}`;
    if (key in lines) continue;
    const file = strings[funcs.file[f]];
    let text = split.get(file);
    if (text === undefined) {
      const source = sources.get(file);
      text = source !== undefined && 'text' in source ? source.text.split(/\r?\n/) : [];
      split.set(file, text);
    }
    const code = text[line - 1]?.trim();
    if (code) lines[key] = code.length > LINE_TEXT_MAX ? `${code.slice(0, LINE_TEXT_MAX - 1)}…` : code;
  }
  return lines;
}

export function flamegraphPageData(profile: Profile, tree: FlameTree = buildFlameTree(profile), sources: ReadonlyMap<string, SourceFile> = new Map()): FlamegraphPageData {
  const table = new PageFuncTable();
  const page = pageTree(profile, tree, table);
  return {
    kind: 'flamegraph',
    facts: runFacts(profile),
    tree: page,
    lines: lineTexts(profile, page, table.funcs, table.strings, sources),
    strings: table.strings,
    funcs: table.funcs,
    threads: tree.threads.map((t) => ({ tid: t.tid, samples: t.samples, nodes: t.selfNodes, counts: t.selfCounts })),
    pruning: pruningFacts(tree),
  };
}

/** Puts page data into the flamegraph template (shared with the differential page). */
export function renderFlamePage(assets: ReportAssets, title: string, data: unknown): string {
  return fillTemplate(template(assets, 'flamegraph.html'), {
    TITLE: escapeHtml(title),
    STYLE: template(assets, 'report.css'),
    D3: inlineScript(assets.d3Source),
    DATA: embedJson(data),
    SCRIPT: inlineScript(template(assets, 'flamegraph.js')),
  });
}

/** `sources` (file → text, as the target saw it) adds each box's line of code to its tooltip. */
export function writeFlamegraph(profile: Profile, assets: ReportAssets, sources: ReadonlyMap<string, SourceFile> = new Map()): string {
  const facts = profile.meta.target;
  const name = facts.argv.length > 0 ? facts.argv.join(' ') : `PID ${facts.pid}`;
  return renderFlamePage(assets, `Flamegraph: ${name}`, flamegraphPageData(profile, buildFlameTree(profile), sources));
}

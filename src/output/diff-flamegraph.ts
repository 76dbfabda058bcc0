/**
 * The differential flamegraph: the current profile's call tree, each box coloured by how its
 * share of all samples changed against a baseline profile (red: grew, blue: shrank, purple: new),
 * plus the baseline's own tree with the frames that vanished marked. Frames are matched by the
 * path of (file, function) from the root, lines ignored, so a function that moved still matches;
 * shares, not raw counts, are compared, so runs of different length or rate compare fairly. Pure.
 */
import type { Profile } from '../model/profile.js';
import { addSubtrees, stackSamples } from '../model/call-tree.js';
import { buildFlameTree, buildFullTree, DEFAULT_MIN_SHARE, flameTotals, MERGED_FUNC, type FrameKeys, type FullTree } from './flame-tree.js';
import { PageFuncTable, pageTree, pruningFacts, renderFlamePage, type FlamePageTree, type PruningFacts } from './flamegraph.js';
import { runFacts, type ReportAssets, type RunFacts } from './html-page.js';

export interface DiffPageData {
  kind: 'diff';
  facts: RunFacts;
  baselineFacts: RunFacts;
  strings: string[];
  funcs: PageFuncTable['funcs'];
  tree: FlamePageTree;
  threads: { tid: number; samples: number; nodes: number[]; counts: number[] }[];
  diff: {
    /** Per node of `tree`: the baseline's samples on the same (file, function) path; -1 when it has none. */
    baseTotal: number[];
    baselineSamples: number;
    currentSamples: number;
  };
  baseline: {
    tree: FlamePageTree;
    threads: { tid: number; samples: number; nodes: number[]; counts: number[] }[];
    /** Per node of the baseline tree: 1 when the current run has no such path. */
    vanished: number[];
    vanishedCount: number;
    /** The largest vanished subtrees: node of the baseline tree and its baseline samples. */
    vanishedTop: { node: number; samples: number }[];
  };
  pruning: PruningFacts;
}

/** Frame keys by (file, function name), shared by both profiles so their trees can be walked together. */
function keysByName(profiles: Profile[]): FrameKeys[] {
  const ids = new Map<string, number>();
  const keys = profiles.map((profile) => {
    const byFunc = new Int32Array(profile.funcs.length);
    for (let f = 0; f < profile.funcs.length; f++) {
      const text = `${profile.strings[profile.funcs.file[f]]}\u0000${profile.strings[profile.funcs.name[f]]}`;
      let id = ids.get(text);
      if (id === undefined) ids.set(text, (id = ids.size));
      byFunc[f] = id;
    }
    const frameIds = new Int32Array(profile.frames.length);
    for (let i = 0; i < profile.frames.length; i++) frameIds[i] = byFunc[profile.frames.func[i]];
    return frameIds;
  });
  return keys.map((frameIds) => ({ ids: frameIds, span: ids.size + 1 }));
}

/** Samples per node of a full tree, its subtree's included. */
function fullTotals(profile: Profile, full: FullTree): Float64Array {
  const totals = new Float64Array(full.parent.length);
  const samples = stackSamples(profile);
  for (let s = 0; s < samples.length; s++) totals[full.stackNode[s]] += samples[s];
  return addSubtrees(full.parent, totals);
}

/** For each node of a pruned tree, the node with the same key path in another full tree, or -1. */
function counterparts(tree: { parent: number[]; func: number[]; key: number[] }, other: FullTree): Int32Array {
  const match = new Int32Array(tree.parent.length).fill(-1);
  match[0] = 0;
  for (let n = 1; n < tree.parent.length; n++) {
    const p = match[tree.parent[n]];
    if (p < 0 || tree.func[n] === MERGED_FUNC) continue;
    match[n] = other.children.get(p * other.keySpan + tree.key[n]) ?? -1;
  }
  return match;
}

export function diffFlamegraphPageData(current: Profile, baseline: Profile, minShare = DEFAULT_MIN_SHARE): DiffPageData {
  const [currentKeys, baselineKeys] = keysByName([current, baseline]);
  const currentFull = buildFullTree(current, currentKeys);
  const baselineFull = buildFullTree(baseline, baselineKeys);
  const currentTree = buildFlameTree(current, minShare, currentFull);
  const baselineTree = buildFlameTree(baseline, minShare, baselineFull);
  const baselineTotals = fullTotals(baseline, baselineFull);

  const inBaseline = counterparts(currentTree, baselineFull);
  const baseTotal = Array.from(inBaseline, (b) => (b < 0 ? -1 : baselineTotals[b]));
  const inCurrent = counterparts(baselineTree, currentFull);
  const currentTotals = fullTotals(current, currentFull);
  const vanished = Array.from(inCurrent, (c, n) => (n > 0 && baselineTree.func[n] !== MERGED_FUNC && (c < 0 || currentTotals[c] === 0) ? 1 : 0));
  const baselineNodeTotals = flameTotals(baselineTree);
  const vanishedTop: { node: number; samples: number }[] = [];
  let vanishedCount = 0;
  for (let n = 1; n < vanished.length; n++) {
    if (!vanished[n]) continue;
    vanishedCount++;
    if (!vanished[baselineTree.parent[n]]) vanishedTop.push({ node: n, samples: baselineNodeTotals[n] });
  }
  vanishedTop.sort((a, b) => b.samples - a.samples);

  const table = new PageFuncTable();
  const threadsOf = (tree: typeof currentTree): DiffPageData['threads'] => tree.threads.map((t) => ({ tid: t.tid, samples: t.samples, nodes: t.selfNodes, counts: t.selfCounts }));
  return {
    kind: 'diff',
    facts: runFacts(current),
    baselineFacts: runFacts(baseline),
    tree: pageTree(current, currentTree, table),
    threads: threadsOf(currentTree),
    diff: { baseTotal, baselineSamples: baselineTree.totalSamples, currentSamples: currentTree.totalSamples },
    baseline: { tree: pageTree(baseline, baselineTree, table), threads: threadsOf(baselineTree), vanished, vanishedCount, vanishedTop: vanishedTop.slice(0, 30) },
    strings: table.strings,
    funcs: table.funcs,
    pruning: pruningFacts(currentTree),
  };
}

export function writeDiffFlamegraph(current: Profile, baseline: Profile, assets: ReportAssets): string {
  const target = current.meta.target;
  const name = target.argv.length > 0 ? target.argv.join(' ') : `PID ${target.pid}`;
  return renderFlamePage(assets, `Differential flamegraph: ${name}`, diffFlamegraphPageData(current, baseline));
}

/**
 * The call tree behind the flamegraph pages: the profile's stacks merged root→leaf by (function,
 * line), with self samples per thread, and nodes too small to see merged into one "small frames"
 * box per parent so a page stays light with a million samples and 100,000 distinct frames. Pure.
 */
import { addSubtrees, stackCounts } from '../model/call-tree.js';
import { sampleCount, type Profile, type ThreadProfile } from '../model/profile.js';

/** `func` of the root node. */
export const ROOT_FUNC = -1;
/** `func` of a node that stands for the merged small children of its parent. */
export const MERGED_FUNC = -2;

/** A node is kept when it has this share of all samples, or of one thread's samples. */
export const DEFAULT_MIN_SHARE = 0.0001;

/** How many of the functions inside a merged box the page names. */
const MERGED_TOP_FUNCS = 8;

/** Threads beyond this many (by samples) are not looked at one by one when choosing what to keep. */
const MAX_THREADS_CHECKED = 64;

export interface FlameTree {
  /** Node 0 is the root; every node comes after its parent. */
  parent: number[];
  /** Function index in the profile; ROOT_FUNC or MERGED_FUNC for the synthetic nodes. */
  func: number[];
  line: number[];
  /** The frame key the node was merged by (FullTree.key); -1 for synthetic nodes. */
  key: number[];
  /** For MERGED_FUNC nodes: how many nodes of the full tree went into it; 0 elsewhere. */
  mergedNodes: number[];
  /** For MERGED_FUNC nodes: the functions with the most self samples inside, as [func, samples]. */
  mergedTop: Map<number, [number, number][]>;
  threads: { tid: number; samples: number; selfNodes: number[]; selfCounts: number[] }[];
  totalSamples: number;
  /** Nodes of the full tree, before merging. */
  fullNodeCount: number;
  /** Samples a node needed to be kept on its own (over all threads). */
  minSamples: number;
  minShare: number;
}

/** The full merged tree of a profile, before anything is dropped. */
export interface FullTree {
  parent: number[];
  func: number[];
  line: number[];
  /** The frame key of each node (see FrameKeys); -1 for the root. */
  key: number[];
  /** (parent node × keySpan + key) → child node. */
  children: Map<number, number>;
  keySpan: number;
  /** The node of each stack of the profile. */
  stackNode: Int32Array;
}

/** Gives each frame a small id: frames with the same id are merged into one box. */
export interface FrameKeys {
  ids: Int32Array;
  /** One more than the largest id. */
  span: number;
}

/** Frames keyed by (function, line): columns do not split a box. */
export function keysByLine(profile: Profile): FrameKeys {
  const positionId = new Map<number, number>();
  const ids = new Int32Array(profile.frames.length);
  const lineSpan = 1 << 22;
  for (let f = 0; f < profile.frames.length; f++) {
    const raw = profile.frames.func[f] * lineSpan + Math.min(lineSpan - 1, profile.frames.line[f] + 1);
    let id = positionId.get(raw);
    if (id === undefined) positionId.set(raw, (id = positionId.size));
    ids[f] = id;
  }
  return { ids, span: positionId.size + 1 };
}

export function buildFullTree(profile: Profile, keys: FrameKeys = keysByLine(profile)): FullTree {
  const parent = [-1];
  const func = [ROOT_FUNC];
  const line = [0];
  const key = [-1];
  const children = new Map<number, number>();
  const { frame: stackFrame, parent: stackParent } = profile.stacks;
  const keySpan = keys.span;
  const stackNode = new Int32Array(profile.stacks.length);
  for (let s = 0; s < profile.stacks.length; s++) {
    const p = stackParent[s] === -1 ? 0 : stackNode[stackParent[s]];
    const f = stackFrame[s];
    const childKey = p * keySpan + keys.ids[f];
    let node = children.get(childKey);
    if (node === undefined) {
      node = parent.length;
      parent.push(p);
      func.push(profile.frames.func[f]);
      line.push(profile.frames.line[f]);
      key.push(keys.ids[f]);
      children.set(childKey, node);
    }
    stackNode[s] = node;
  }
  return { parent, func, line, key, children, keySpan, stackNode };
}

/** Self samples per node for one thread, sparse, in the order of each node's first sample. */
function threadSelf(thread: ThreadProfile, stackNode: Int32Array): Map<number, number> {
  const self = new Map<number, number>();
  for (const [stack, count] of stackCounts([thread])) {
    const node = stackNode[stack];
    self.set(node, (self.get(node) ?? 0) + count);
  }
  return self;
}

/** Subtree totals of the nodes with the given self samples, in `into`. */
function totalsOf(parent: number[], self: Iterable<[number, number]>, into: Float64Array): Float64Array {
  into.fill(0);
  for (const [node, count] of self) into[node] += count;
  return addSubtrees(parent, into);
}

export function buildFlameTree(profile: Profile, minShare = DEFAULT_MIN_SHARE, full: FullTree = buildFullTree(profile)): FlameTree {
  const nodeCount = full.parent.length;
  const selfs = profile.threads.map((t) => threadSelf(t, full.stackNode));
  const totalSamples = sampleCount(profile);
  const all = new Float64Array(nodeCount);
  for (const self of selfs) for (const [node, count] of self) all[node] += count;
  addSubtrees(full.parent, all);

  const minSamples = Math.max(1, Math.ceil(totalSamples * minShare));
  const keep = new Uint8Array(nodeCount);
  for (let n = 0; n < nodeCount; n++) keep[n] = n === 0 || all[n] >= minSamples ? 1 : 0;
  // A small thread's frames stay visible when the page shows that thread alone.
  const scratch = new Float64Array(nodeCount);
  const byThreadSize = profile.threads.map((t, i) => i).sort((a, b) => profile.threads[b].samples.length - profile.threads[a].samples.length);
  for (const i of byThreadSize.slice(0, MAX_THREADS_CHECKED)) {
    const threadMin = Math.max(1, Math.ceil(profile.threads[i].samples.length * minShare));
    if (threadMin >= minSamples) continue;
    const totals = totalsOf(full.parent, selfs[i], scratch);
    for (let n = 1; n < nodeCount; n++) if (totals[n] >= threadMin) keep[n] = 1;
  }

  // Kept nodes in order; the rest go into one merged node under their nearest kept ancestor.
  const parent: number[] = [];
  const func: number[] = [];
  const line: number[] = [];
  const key: number[] = [];
  const mergedNodes: number[] = [];
  const newIndex = new Int32Array(nodeCount);
  const mergedChild = new Map<number, number>();
  for (let n = 0; n < nodeCount; n++) {
    if (keep[n]) {
      newIndex[n] = parent.length;
      parent.push(n === 0 ? -1 : newIndex[full.parent[n]]);
      func.push(full.func[n]);
      line.push(full.line[n]);
      key.push(full.key[n]);
      mergedNodes.push(0);
      continue;
    }
    const p = full.parent[n];
    let target: number;
    if (keep[p]) {
      const keptParent = newIndex[p];
      let merged = mergedChild.get(keptParent);
      if (merged === undefined) {
        merged = parent.length;
        parent.push(keptParent);
        func.push(MERGED_FUNC);
        line.push(0);
        key.push(-1);
        mergedNodes.push(0);
        mergedChild.set(keptParent, merged);
      }
      target = merged;
    } else target = newIndex[p];
    newIndex[n] = target;
    mergedNodes[target]++;
  }

  // What each merged box holds: the functions whose samples ended inside it, largest first.
  const mergedSelf = new Map<number, Map<number, number>>();
  const threads = profile.threads.map((t, i) => {
    const self = new Map<number, number>();
    for (const [node, count] of selfs[i]) {
      const target = newIndex[node];
      self.set(target, (self.get(target) ?? 0) + count);
      if (keep[node]) continue;
      let byFunc = mergedSelf.get(target);
      if (byFunc === undefined) mergedSelf.set(target, (byFunc = new Map()));
      byFunc.set(full.func[node], (byFunc.get(full.func[node]) ?? 0) + count);
    }
    const selfNodes = [...self.keys()].sort((a, b) => a - b);
    return { tid: t.tid, samples: t.samples.length, selfNodes, selfCounts: selfNodes.map((n) => self.get(n) as number) };
  });
  const mergedTop = new Map<number, [number, number][]>();
  for (const [node, byFunc] of mergedSelf) mergedTop.set(node, [...byFunc.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, MERGED_TOP_FUNCS));
  return { parent, func, line, key, mergedNodes, mergedTop, threads, totalSamples, fullNodeCount: nodeCount, minSamples, minShare };
}

/** Total samples per node (self plus descendants) over the given threads (all when omitted). */
export function flameTotals(tree: FlameTree, tids?: readonly number[]): Float64Array {
  const totals = new Float64Array(tree.parent.length);
  for (const thread of tree.threads) {
    if (tids !== undefined && !tids.includes(thread.tid)) continue;
    for (let i = 0; i < thread.selfNodes.length; i++) totals[thread.selfNodes[i]] += thread.selfCounts[i];
  }
  return addSubtrees(tree.parent, totals);
}

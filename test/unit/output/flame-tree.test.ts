/** The flamegraph's call tree: merging by (function, line), self and total per thread, and merging of nodes too small to see. */
import t from 'tap';
import { buildFlameTree, flameTotals, MERGED_FUNC, ROOT_FUNC } from '../../../src/output/flame-tree.js';
import { profileFromText } from '../../helpers/profile-from-text.js';

const nameOf = (profile: ReturnType<typeof profileFromText>, func: number): string =>
  func === ROOT_FUNC ? 'root' : func === MERGED_FUNC ? 'merged' : profile.strings[profile.funcs.name[func]];

t.test('stacks merge root to leaf by function and line; totals and self add up', async (t) => {
  const profile = profileFromText(`tid:1;a.py:main:1;a.py:work:5 6
tid:1;a.py:main:1;a.py:work:6 2
tid:1;a.py:main:1 2
tid:2;a.py:main:1;a.py:work:5 4`);
  const tree = buildFlameTree(profile);
  const labels = tree.parent.map((_, n) => `${nameOf(profile, tree.func[n])}:${tree.line[n]}`);
  t.same(labels, ['root:0', 'main:1', 'work:5', 'work:6'], 'one node per (function, line) path, parents first');
  const totals = flameTotals(tree);
  t.same([...totals], [14, 14, 10, 2]);
  t.same([...flameTotals(tree, [2])], [4, 4, 4, 0], 'one thread alone');
  t.same(tree.threads.map((th) => [th.tid, th.samples, th.selfNodes, th.selfCounts]), [
    [1, 10, [1, 2, 3], [2, 6, 2]],
    [2, 4, [2], [4]],
  ]);
  t.equal(tree.mergedNodes.reduce((a, b) => a + b, 0), 0, 'nothing merged in a small profile');
});

t.test('nodes under the threshold are merged into one box per parent, keeping every sample', async (t) => {
  const lines = ['tid:1;a.py:main:1;a.py:hot:2 9000'];
  for (let i = 0; i < 50; i++) lines.push(`tid:1;a.py:main:1;b.py:tiny${i}:1;b.py:leaf:3 2`);
  const profile = profileFromText(lines.join('\n'));
  const tree = buildFlameTree(profile, 0.001);
  t.equal(tree.minSamples, 10, '0.1% of 9,100 samples, rounded up');
  const names = tree.func.map((f) => nameOf(profile, f));
  t.same(names, ['root', 'main', 'hot', 'merged']);
  t.equal(tree.mergedNodes[3], 100, 'the 50 small functions and their 50 leaves went into the box');
  t.equal(tree.fullNodeCount, 103);
  t.same(tree.mergedTop.get(3)?.map(([f, n]) => [nameOf(profile, f), n]), [['leaf', 100]], 'the box knows what is inside: leaf, 100 samples');
  const totals = flameTotals(tree);
  t.equal(totals[0], 9100, 'no sample lost');
  t.equal(totals[3], 100);
});

t.test('a small thread keeps its frames for the per-thread view', async (t) => {
  const profile = profileFromText(`tid:1;a.py:main:1 100000
tid:2;b.py:worker:1;b.py:step:2 5`);
  const tree = buildFlameTree(profile, 0.001);
  t.ok(tree.func.some((f) => nameOf(profile, f) === 'step'), 'under 0.1% of all samples, but all of thread 2');
  t.same([...flameTotals(tree, [2])].filter((v) => v > 0), [5, 5, 5]);
});

t.test('recursion stays a chain of nodes, one per level', async (t) => {
  const profile = profileFromText('tid:1;a.py:f:1;a.py:f:2;a.py:f:2;a.py:f:2 3');
  const tree = buildFlameTree(profile);
  t.equal(tree.parent.length, 5);
  t.same([...flameTotals(tree)], [3, 3, 3, 3, 3]);
});

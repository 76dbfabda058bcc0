/** The differential flamegraph: matching by (file, function) path, shares, new and vanished frames. */
import t from 'tap';
import { loadReportAssets } from '../../../src/commands/report-assets.js';
import { diffFlamegraphPageData, writeDiffFlamegraph } from '../../../src/output/diff-flamegraph.js';
import { diffBaseline, diffCurrent } from '../../helpers/diff-profiles.js';
import { embeddedData } from '../../helpers/report-pages.js';

const baseline = diffBaseline();
// parse moved to line 25 and doubled its share; render shrank; legacy vanished; cache is new.
const current = diffCurrent();

t.test('current frames carry the baseline samples of the same path; lines do not matter', async (t) => {
  const data = diffFlamegraphPageData(current, baseline);
  const name = (tree: { func: number[] }, n: number) => (tree.func[n] < 0 ? String(tree.func[n]) : data.strings[data.funcs.name[tree.func[n]]]);
  const byName = Object.fromEntries(data.tree.func.map((_, n) => [name(data.tree, n), data.diff.baseTotal[n]]));
  t.same(byName, { '-1': 100, main: 100, parse: 50, render: 30, cache: -1 });
  t.equal(data.diff.baselineSamples, 100);
  t.equal(data.diff.currentSamples, 200);
  const vanished = data.baseline.tree.func.map((_, n) => name(data.baseline.tree, n)).filter((_, n) => data.baseline.vanished[n]);
  t.same(vanished, ['legacy']);
  t.equal(data.baseline.vanishedCount, 1);
  t.same(data.baseline.vanishedTop.map((v) => [name(data.baseline.tree, v.node), v.samples]), [['legacy', 20]]);
});

t.test('a profile against itself has no change, nothing new, nothing vanished', async (t) => {
  const data = diffFlamegraphPageData(current, current);
  const totals = new Map<number, number>();
  for (const th of data.threads) th.nodes.forEach((n, i) => totals.set(n, th.counts[i]));
  t.notOk(data.diff.baseTotal.some((b) => b < 0));
  t.equal(data.baseline.vanishedCount, 0);
  t.equal(data.diff.baseTotal[0], 200);
});

t.test('the page embeds the diff data and the baseline facts', async (t) => {
  const html = writeDiffFlamegraph(current, baseline, loadReportAssets());
  const data = embeddedData(html);
  t.equal(data.kind, 'diff');
  t.equal(data.baselineFacts.samples, 100);
  t.match(html, /<title>Differential flamegraph: test.py<\/title>/);
});

/** The flamegraph writer: a standalone page with d3 inlined and the tree embedded as escaped JSON. */
import t from 'tap';
import { loadReportAssets } from '../../../src/commands/report-assets.js';
import { flamegraphPageData, writeFlamegraph } from '../../../src/output/flamegraph.js';
import { embedJson, fillTemplate, runFacts } from '../../../src/output/html-page.js';
import { profileFromText } from '../../helpers/profile-from-text.js';
import { embeddedData } from '../../helpers/report-pages.js';

const assets = loadReportAssets();

t.test('the page is standalone: d3 inlined, no external resource, the data embedded', async (t) => {
  const profile = profileFromText(`tid:1;/app/main.py:main:10;/app/main.py:work:20 30
tid:1;/app/main.py:main:10 10`);
  const html = writeFlamegraph(profile, assets);
  t.match(html, /^<!doctype html>/);
  t.ok(html.includes(assets.d3Source.slice(0, 200)), 'd3 is inlined');
  t.equal(assets.d3Version, '7.9.2', 'the pinned d3');
  t.notMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'nothing loaded from elsewhere');
  t.notMatch(html.replace(assets.d3Source, ''), /https?:\/\//, 'no address outside d3 (whose are XML namespaces and its banner)');
  const data = embeddedData(html);
  t.equal(data.kind, 'flamegraph');
  t.equal(data.facts.samples, 40);
  const names = data.tree.func.map((f: number) => (f < 0 ? f : data.strings[data.funcs.name[f]]));
  t.same(names, [-1, 'main', 'work']);
  t.same(data.threads, [{ tid: 1, samples: 40, nodes: [1, 2], counts: [10, 30] }]);
});

t.test('names that look like HTML stay text inside the JSON', async (t) => {
  const evil = '</script><script>alert(1)</script><!--';
  const profile = profileFromText(`tid:1;/app/x.py:${evil}:1 3`);
  const html = writeFlamegraph(profile, assets);
  t.equal((html.match(/<script/g) ?? []).length, 3, 'd3, the data and the page script; no injected one');
  t.ok(embeddedData(html).strings.includes(evil), 'the name survives the round trip');
  t.equal(embedJson('\u2028<>'), '"\\u2028\\u003c\\u003e"');
});

t.test('templates are filled in one pass and a missing value is an error', async (t) => {
  t.equal(fillTemplate('a {{X}} b', { X: '{{Y}}' }), 'a {{Y}} b');
  t.throws(() => fillTemplate('{{NOPE}}', {}), /NOPE/);
});

t.test('the run facts: rate, failures, threads, the GIL share', async (t) => {
  const profile = profileFromText('tid:5;a.py:f:1 3', { durationUs: 2_000_000, ticksTaken: 3, ticksFailed: 1, sampleIntervalUs: 500 });
  const facts = runFacts(profile);
  t.equal(facts.achievedRateHz, 2);
  t.equal(facts.requestedRateHz, 2000);
  t.equal(facts.ticksFailed, 1);
  t.same(facts.threads.map((th) => th.tid), [5]);
  t.equal(facts.gilShare, 0, 'the test profile records no GIL bit');
  t.equal(flamegraphPageData(profile).pruning.mergedNodes, 0);
});

t.test('each box gets its line of code from the sources that could be read', async (t) => {
  const profile = profileFromText(`tid:1;/app/main.py:main:2;/app/lib.py:work:1 3
tid:1;/app/main.py:main:3 1`);
  const long = 'x = ' + '1 + '.repeat(60) + '1';
  const sources = new Map([
    ['/app/main.py', { text: 'import lib\n    lib.work()   \n' + long + '\n' }],
    ['/app/lib.py', { error: 'permission denied' }],
  ]);
  const data = embeddedData(writeFlamegraph(profile, assets, sources));
  const key = (name: string, line: number) => `${data.funcs.name.findIndex((s: number) => data.strings[s] === name)}:${line}`;
  t.equal(data.lines[key('main', 2)], 'lib.work()', 'trimmed');
  t.equal(data.lines[key('main', 3)].length, 160, 'long lines cut');
  t.match(data.lines[key('main', 3)], /…$/);
  t.notOk(key('work', 1) in data.lines, 'no text for an unreadable file');
});

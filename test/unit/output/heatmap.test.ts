/** The heatmap writer: per-line self and cumulative samples, callers and callees, the index, unreadable files. */
import t from 'tap';
import { loadReportAssets } from '../../../src/commands/report-assets.js';
import { fileOrigin, heatColour, heatmapSourceFiles, heatmapStats, heatOf, writeHeatmap } from '../../../src/output/heatmap.js';
import { profileFromText } from '../../helpers/profile-from-text.js';

const assets = loadReportAssets();
const text = `tid:1;/app/main.py:main:10;/app/work.py:fib:3;/app/work.py:fib:4;/app/work.py:fib:4 6
tid:1;/app/main.py:main:10;/app/work.py:fib:3 2
tid:1;/app/main.py:main:11;/app/work.py:parse:8 3
tid:2;<frozen runpy>:_run_code:87;/app/main.py:main:12 4
tid:2;/app/main.py:main:12;<truncated> 1`;

t.test('self and cumulative per line, counted once per sample under recursion', async (t) => {
  const stats = heatmapStats(profileFromText(text));
  t.equal(stats.totalSamples, 16);
  t.same(stats.files.map((f) => [f.file, f.cumulative, f.self]), [
    ['/app/main.py', 16, 4],
    ['/app/work.py', 11, 11],
  ]);
  const work = stats.files[1];
  const line = (n: number) => work.lines.get(n);
  t.same([line(3)?.self, line(3)?.cumulative], [2, 8], 'fib:3 is on 8 stacks and the leaf of 2');
  t.same([line(4)?.self, line(4)?.cumulative], [6, 6], 'fib:4 appears twice on 6 stacks: counted 6 times, not 12');
  t.same([line(8)?.self, line(8)?.cumulative], [3, 3]);
  const main = stats.files[0];
  t.same([main.lines.get(12)?.self, main.lines.get(12)?.cumulative], [4, 5], 'the truncated marker has no file: main:12 keeps the sample in its cumulative');
  // main:10 calls fib (first line 1 in the test profiles) in 8 samples; fib:3 → fib once per sample.
  const fib = stats.funcs.findIndex((f) => f.name === 'fib');
  t.equal(main.lines.get(10)?.callees.get(fib), 8);
  t.equal(line(3)?.callees.get(fib), 6);
  t.equal(line(4)?.callees.get(fib), 6, 'the recursive call from fib:4 counted once per sample');
  t.same([...stats.callers[fib].entries()].sort(), [['/app/main.py\u000010', 8], ['/app/work.py\u00003', 6], ['/app/work.py\u00004', 6]].sort());
  t.same(heatmapSourceFiles(profileFromText(text)).sort(), ['/app/main.py', '/app/work.py']);
});

t.test('pages: the index ranks files, each page shows every line with its counts', async (t) => {
  const source = ['import sys', ...Array.from({ length: 11 }, (_, i) => `line_${i + 2} = ${i}`)].join('\n') + '\n';
  const sources = new Map([
    ['/app/main.py', { text: source }],
    ['/app/work.py', { error: 'permission denied' }],
  ]);
  const files = writeHeatmap(profileFromText(text), assets, sources);
  t.same([...files.keys()].sort(), ['file_0000.html', 'file_0001.html', 'index.html']);
  const index = files.get('index.html') as string;
  t.match(index, /data-file="\/app\/main.py" data-self="4" data-cumulative="16"/);
  t.match(index, /<a href="file_0001.html">\/app\/work.py<\/a> <span class="unreadable">source unreadable: permission denied<\/span><\/td><td>program<\/td>/);
  t.match(index, /id="totals" data-samples="16"/);
  t.match(index, /1 samples \(6.25%\) were in code with no source file/);
  const main = files.get('file_0000.html') as string;
  t.equal((main.match(/<tr id="L\d+"/g) ?? []).length, 12, 'every line of the source');
  t.match(main, /<tr id="L12" [^>]*data-self="4" data-cumulative="5">.*line_12 = 10/);
  t.match(main, /<a href="file_0001.html#L1"[^>]*>▶ calls fib \(work.py:1\) 8<\/a>/, 'a link to the callee');
  const work = files.get('file_0001.html') as string;
  t.match(work, /Source not shown: permission denied/);
  t.match(work, /<tr id="L4" [^>]*data-self="6" data-cumulative="6">/, 'lines with samples listed without the source');
  t.match(work, /<a class="caller" href="file_0000.html#L10"[^>]*>◀ called from main.py:10 8<\/a>/, 'a link to the caller');
});

t.test('files are told apart by where they come from', async (t) => {
  t.equal(fileOrigin('/usr/lib/python3.13/threading.py'), 'stdlib');
  t.equal(fileOrigin('/root/.pyenv/versions/3.13.0/lib/python3.13t/json/decoder.py'), 'stdlib');
  t.equal(fileOrigin('/usr/lib/python3/dist-packages/yaml/reader.py'), 'package');
  t.equal(fileOrigin('/venv/lib/python3.12/site-packages/requests/api.py'), 'package');
  t.equal(fileOrigin('/home/me/app/main.py'), 'program');
});

t.test('heat is on a log scale, from white to red', async (t) => {
  t.equal(heatOf(0, 10), 0);
  t.equal(heatOf(10, 10), 1);
  t.ok(heatOf(1, 1000) > 0.09, 'a single sample of a thousand still shows');
  t.equal(heatColour(0), 'transparent');
  t.equal(heatColour(1), '#ec6a40');
});

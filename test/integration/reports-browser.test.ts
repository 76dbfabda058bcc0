/**
 * The HTML reports in a real browser (headless Debian chromium, network blocked): each page loads
 * with no console error and no request leaving its files; search highlights the expected frames;
 * zoom and the thread filter change the shown totals to the right numbers; the heatmap's counts
 * equal the profile's. Pages come from fixture profiles and from real runs of a tiny program.
 * Screenshots are kept in test-artifacts/.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Browser, Page } from 'playwright-core';
import { loadReportAssets } from '../../src/commands/report-assets.js';
import { writeDiffFlamegraph } from '../../src/output/diff-flamegraph.js';
import { writeFlamegraph } from '../../src/output/flamegraph.js';
import { writeHeatmap } from '../../src/output/heatmap.js';
import { chromiumPresent, launchBrowser, missingChromiumMessage, openOffline, screenshot, type OpenedPage } from '../helpers/browser.js';
import { tachyon } from '../helpers/cli.js';
import { CHROOT, coreInterpreters, FIXTURES_SRC, installFixtures, missingMessage } from '../helpers/interpreters.js';
import { profileFromText } from '../helpers/profile-from-text.js';
import { diffBaseline, diffCurrent } from '../helpers/diff-profiles.js';

const assets = loadReportAssets();
const work = mkdtempSync(path.join(tmpdir(), 'tachyon-reports-'));

// Thread 1: main → parse → checksum 60, main → render 25, main 5; thread 2: run → checksum 40, run → wait 10.
const PROFILE = `tid:1;/app/main.py:main:10;/app/main.py:parse:20;/app/util.py:checksum:5 60
tid:1;/app/main.py:main:10;/app/main.py:render:30 25
tid:1;/app/main.py:main:10 5
tid:2;/app/worker.py:run:3;/app/util.py:checksum:5 40
tid:2;/app/worker.py:run:3;/app/worker.py:wait:9 10`;

let browser: Browser | undefined;
if (chromiumPresent()) browser = await launchBrowser();
else t.fail(missingChromiumMessage());
t.teardown(async () => browser?.close());

async function open(t: Test, file: string, options: Parameters<typeof openOffline>[2] = {}): Promise<OpenedPage> {
  const opened = await openOffline(browser as Browser, file, options);
  t.teardown(() => opened.page.context().close());
  return opened;
}

function clean(t: Test, opened: OpenedPage): void {
  t.same(opened.errors, [], 'no console error');
  t.same(opened.blocked, [], 'no request left the file');
}

const shown = async (page: Page) => ({
  samples: Number(await page.locator('#shown').getAttribute('data-samples')),
  all: Number(await page.locator('#shown').getAttribute('data-all')),
});
const matchedNames = async (page: Page) => (await page.locator('#flame g.match').evaluateAll((gs) => gs.map((g) => (g as HTMLElement).dataset.name))).sort();
const searched = async (page: Page) => Number(await page.locator('#search-result').getAttribute('data-samples'));

async function ready(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
}

t.test('flamegraph of a fixture profile: search, zoom, thread filter, inverted view, tooltip', { skip: browser === undefined }, async (t) => {
  const file = path.join(work, 'fixture-flamegraph.html');
  const mainSource = Array.from({ length: 30 }, (_, i) => (i + 1 === 30 ? '    html = template.render(rows)' : `# line ${i + 1}`)).join('\n');
  writeFileSync(file, writeFlamegraph(profileFromText(PROFILE), assets, new Map([['/app/main.py', { text: mainSource }]])));
  const opened = await open(t, file);
  const { page } = opened;
  await ready(page);
  t.same(await shown(page), { samples: 140, all: 140 }, 'all samples shown');

  await page.fill('#search', 'checksum');
  await page.waitForFunction(() => document.querySelector('#search-result')?.getAttribute('data-samples') !== '0');
  t.same(await matchedNames(page), ['checksum', 'checksum'], 'both checksum boxes highlighted, nothing else');
  t.equal(await searched(page), 100, 'checksum is on 100 of 140 samples');
  t.match(await page.locator('#search-result').textContent(), /100 samples, 71.43%/);
  await screenshot(page, 'flamegraph-fixture-search');

  await page.locator('#flame g.frame[data-name="parse"]').click();
  t.same(await shown(page), { samples: 60, all: 140 }, 'zoomed on parse: 60 samples');
  t.match(await page.locator('#breadcrumb').textContent(), /all samples›main \(main.py:10\)›parse \(main.py:20\)/);
  t.equal(await page.locator('#flame g.frame[data-name="render"]').count(), 0, 'a sibling of the zoomed box is not drawn');
  await page.locator('#breadcrumb a', { hasText: /^main/ }).click();
  t.same(await shown(page), { samples: 90, all: 140 }, 'the breadcrumb zooms out to main: 90');
  await page.click('#reset');
  t.same(await shown(page), { samples: 140, all: 140 }, 'reset');

  await page.selectOption('#thread', '2');
  t.same(await shown(page), { samples: 50, all: 50 }, 'thread 2 alone: 50 samples');
  t.equal(await searched(page), 40, 'the search share follows the thread filter');
  t.same(await matchedNames(page), ['checksum']);
  t.equal(await page.locator('#flame g.frame[data-name="main"]').count(), 0, 'thread 1\'s frames are gone');
  t.match(page.url(), /#thread=2&search=checksum$/, 'the view is in the address, to share');
  await page.selectOption('#thread', 'all');

  await page.click('#view-inverted');
  const checksum = page.locator('#flame g.frame[data-name="checksum"]');
  t.equal(await checksum.count(), 1, 'inverted: one checksum box for both callers');
  t.equal(await checksum.getAttribute('data-samples'), '100');
  await checksum.click();
  const callers = await page.locator('#flame g.frame:not(.ancestor)').evaluateAll((gs) => gs.map((g) => `${(g as HTMLElement).dataset.name}=${(g as HTMLElement).dataset.samples}`));
  t.same(callers.sort(), ['checksum=100', 'main=60', 'parse=60', 'run=40'], 'its callers below it');
  t.match(await page.locator('#hotspots li').first().textContent(), /^checksum \(util.py\) — 71.43%$/, 'the hotspots stay the functions with the most self samples');
  await page.click('#view-flame');

  await page.locator('#flame g.frame[data-name="render"]').hover();
  const tip = await page.locator('#tooltip').textContent();
  t.match(tip, /\/app\/main.py:30/, 'the tooltip has file:line');
  t.match(tip, /html = template.render\(rows\)/, 'and the line of code');
  t.match(tip, /25 samples, 17.86% of all/, 'total samples and share');
  t.match(tip, /self25 samples/, 'self samples');
  t.match(await page.locator('#run-facts').textContent(), /Samples140/);
  t.same(await page.locator('#hotspots li').allTextContents(), ['checksum (util.py) — 71.43%', 'render (main.py) — 17.86%', 'wait (worker.py) — 7.14%', 'main (main.py) — 3.57%'], 'where the time goes, by self samples');
  await screenshot(page, 'flamegraph-fixture');
  clean(t, opened);
});

t.test('a shared address opens on the same search', { skip: browser === undefined }, async (t) => {
  const file = path.join(work, 'fixture-flamegraph.html');
  const opened = await open(t, file, { hash: '#search=render' });
  await ready(opened.page);
  t.equal(await searched(opened.page), 25);
  t.same(await matchedNames(opened.page), ['render']);
  clean(t, opened);
});

t.test('a profile with a million samples and 100,000 frames stays light', { skip: browser === undefined }, async (t) => {
  // 100,000 distinct functions under 20 modules, a million samples: most boxes are too small to see.
  const lines: string[] = ['tid:1;/app/main.py:main:1;/app/main.py:hot:2 400000'];
  for (let i = 0; i < 100_000; i++) lines.push(`tid:1;/app/main.py:main:1;/app/m${i % 20}.py:f${i}:${(i % 50) + 1} 6`);
  const profile = profileFromText(lines.join('\n'));
  const started = performance.now();
  const html = writeFlamegraph(profile, assets);
  const writeMs = performance.now() - started;
  t.comment(`1,000,000 samples, 100,001 frames: written in ${writeMs.toFixed(0)} ms, ${(html.length / 1024).toFixed(0)} KiB`);
  t.ok(html.length < 2_000_000, 'under 2 MB');
  const file = path.join(work, 'big-flamegraph.html');
  writeFileSync(file, html);
  const opened = await open(t, file);
  const loadStarted = Date.now();
  await ready(opened.page);
  t.comment(`page ready in ${Date.now() - loadStarted} ms`);
  t.same(await shown(opened.page), { samples: 1_000_000, all: 1_000_000 });
  t.match(await opened.page.locator('#notes').textContent(), /100,000 of 100,003 call-tree nodes had fewer than 100 samples .* were merged into 1 “… small frames” box/, 'the page says what was merged');
  await opened.page.locator('#flame g.frame[data-name="… 100,000 small frames"]').hover();
  t.match(await opened.page.locator('#tooltip').textContent(), /largest insidef0 \(m0.py\) 6f1 \(m1.py\) 6/, 'its tooltip names the largest functions inside');
  await screenshot(opened.page, 'flamegraph-million');
  clean(t, opened);
});

t.test('differential flamegraph: colours by change, legend, vanished frames', { skip: browser === undefined }, async (t) => {
  const baseline = diffBaseline();
  const current = diffCurrent();
  const file = path.join(work, 'diff.html');
  writeFileSync(file, writeDiffFlamegraph(current, baseline, assets));
  const opened = await open(t, file);
  const { page } = opened;
  await ready(page);
  const fill = async (name: string) => page.locator(`#flame g.frame[data-name="${name}"] rect`).getAttribute('fill');
  const rgb = (colour: string | null) => {
    const text = colour ?? '';
    if (text.startsWith('#')) return [1, 3, 5].map((i) => parseInt(text.slice(i, i + 2), 16));
    return (/rgb\((\d+), (\d+), (\d+)\)/.exec(text) ?? []).slice(1).map(Number);
  };
  const [pr, , pb] = rgb(await fill('parse'));
  t.ok(pr > pb + 60, `parse grew from 50% to 80%: red (${await fill('parse')})`);
  const [rr, , rb] = rgb(await fill('render'));
  t.ok(rb > rr + 30, `render shrank from 30% to 10%: blue (${await fill('render')})`);
  t.equal(await fill('cache'), '#8e44ad', 'cache is new: purple');
  t.ok(await page.locator('#legend').isVisible(), 'a legend');
  t.match(await page.locator('#legend').textContent(), /new: no counterpart in the baseline.*vanished/);
  await page.locator('#flame g.frame[data-name="parse"]').hover();
  t.match(await page.locator('#tooltip').textContent(), /50 samples, 50.00% → now 80.00% \(\+30.00 pt\)/);
  t.match(await page.locator('#vanished').textContent(), /legacy \(old.py:5\) — was 20.00%/);
  await screenshot(page, 'diff-flamegraph');
  await page.click('#view-baseline');
  t.equal(await page.locator('#flame g.frame[data-name="legacy"] rect').getAttribute('fill'), '#2f9e44', 'the baseline view marks legacy as vanished');
  t.equal(await page.locator('#flame g.frame[data-name="cache"]').count(), 0);
  await screenshot(page, 'diff-flamegraph-baseline');
  clean(t, opened);
});

t.test('heatmap of a fixture profile: counts equal the profile\'s, links work', { skip: browser === undefined }, async (t) => {
  const dir = path.join(work, 'heatmap-fixture');
  mkdirSync(dir, { recursive: true });
  const main = ['def main():', ...Array.from({ length: 29 }, (_, i) => `    step_${i + 2}()`)].join('\n');
  const pages = writeHeatmap(profileFromText(PROFILE), assets, new Map([
    ['/app/main.py', { text: main }],
    ['/app/util.py', { text: 'import zlib\n\ndef checksum(data):\n    total = 0\n    return zlib.crc32(data)\n' }],
    ['/app/worker.py', { error: 'no such file' }],
  ]));
  for (const [name, text] of pages) writeFileSync(path.join(dir, name), text);
  const opened = await open(t, path.join(dir, 'index.html'), { allowedDir: dir });
  const { page } = opened;
  t.equal(await page.locator('#totals').getAttribute('data-samples'), '140');
  const files = await page.locator('#files tbody tr').evaluateAll((rows) => rows.map((r) => [(r as HTMLElement).dataset.file, Number((r as HTMLElement).dataset.cumulative), Number((r as HTMLElement).dataset.self)]));
  t.same(files, [['/app/util.py', 100, 100], ['/app/main.py', 90, 30], ['/app/worker.py', 50, 10]], 'files ranked by samples, with the profile\'s counts');
  t.match(await page.locator('#files').textContent(), /\/app\/worker.py source unreadable: no such file/);
  await screenshot(page, 'heatmap-fixture-index');
  await page.click('a[href="file_0001.html"]');
  await page.waitForURL(/file_0001.html$/);
  const lines = await page.locator('#source tbody tr').evaluateAll((rows) => rows.map((r) => [r.id, Number((r as HTMLElement).dataset.self ?? 0), Number((r as HTMLElement).dataset.cumulative ?? 0)]).filter((r) => r[2] !== 0));
  t.same(lines, [['L10', 5, 90], ['L20', 0, 60], ['L30', 25, 25]], 'main.py: each line\'s self and cumulative samples');
  await page.click('a:has-text("▶ calls checksum")');
  await page.waitForURL(/file_0000.html#L1$/);
  t.match(await page.locator('h1').textContent(), /\/app\/util.py/, 'the callee link leads to checksum\'s file');
  t.match(await page.locator('#L5').textContent(), /100.*zlib.crc32/, 'whose line 5 has 100 samples');
  await screenshot(page, 'heatmap-fixture-file');
  clean(t, opened);
});

/** A copy of the report fixture whose last line says where it was read from: host or chroot. */
function installMarkedFixture(): string {
  const dir = installFixtures();
  const source = readFileSync(path.join(FIXTURES_SRC, 'report_workload.py'), 'utf8');
  writeFileSync(path.join(dir, 'report_workload.py'), `${source}# read from the host\n`);
  if (existsSync(path.join(CHROOT, dir))) writeFileSync(path.join(CHROOT, dir, 'report_workload.py'), `${source}# read from inside the target's root\n`);
  return path.join(dir, 'report_workload.py');
}

const [pyenv313, , , , debian315] = coreInterpreters();

t.test('real run: flamegraph of the report fixture', { skip: browser === undefined }, async (t) => {
  if (!pyenv313.present) return t.fail(missingMessage(pyenv313));
  const script = installMarkedFixture();
  const out = path.join(work, 'run-flamegraph.html');
  const result = await tachyon(['run', '-a', '--flamegraph', '-o', out, '--python', pyenv313.python, script, '1.5']);
  t.equal(result.exitCode, 0, result.stderr);
  t.notMatch(result.stderr, /stopped unexpectedly/, 'the helper sampled to the end');
  const samples = Number(/Flamegraph written to .* \((\d+) samples/.exec(result.stderr)?.[1]);
  const opened = await open(t, out);
  const { page } = opened;
  await ready(page);
  t.same(await shown(page), { samples, all: samples }, 'the page shows every sample of the run');
  await page.fill('#search', 'checksum');
  await page.waitForFunction(() => document.querySelector('#search-result')?.getAttribute('data-samples') !== '0');
  const names = await matchedNames(page);
  t.ok(names.length >= 2 && names.every((n) => n === 'checksum'), `checksum highlighted under both callers (${names.join(', ')})`);
  const share = (await searched(page)) / samples;
  t.ok(share > 0.5, `checksum is on ${(share * 100).toFixed(1)}% of the samples`);
  // The worker thread alone: the shown total is its own sample count.
  const threads = await page.locator('#thread option').evaluateAll((os) => os.map((o) => [(o as HTMLOptionElement).value, o.textContent ?? '']));
  const worker = threads.find(([value, label]) => value !== 'all' && !/main/i.test(label));
  t.ok(worker, 'a worker thread in the filter');
  if (worker) {
    await page.selectOption('#thread', worker[0]);
    const workerSamples = Number(/\(([\d,]+) samples\)/.exec(worker[1])?.[1].replace(/,/g, ''));
    t.same(await shown(page), { samples: workerSamples, all: workerSamples }, `thread ${worker[0]}: ${workerSamples} samples`);
    t.ok(workerSamples > 0 && workerSamples < samples);
    await page.selectOption('#thread', 'all');
  }
  await page.fill('#search', '');
  await page.waitForFunction(() => document.querySelector('#search-result')?.getAttribute('data-samples') === '0');
  const boxes = page.locator('#flame g.frame[data-name="parse_records"]');
  const sizes = await boxes.evaluateAll((gs) => gs.map((g) => Number((g as HTMLElement).dataset.samples)));
  const biggest = sizes.indexOf(Math.max(...sizes));
  await boxes.nth(biggest).click();
  const zoomed = await shown(page);
  t.equal(zoomed.samples, sizes[biggest], 'zoomed on the biggest parse_records box: the shown total is its samples');
  t.ok(zoomed.samples > 0.2 * samples && zoomed.samples < 0.6 * samples, `parse_records (three quarters of the main thread): ${zoomed.samples} of ${samples}`);
  await page.click('#reset');
  const checksums = page.locator('#flame g.frame[data-name="checksum"]');
  const checksumSizes = await checksums.evaluateAll((gs) => gs.map((g) => Number((g as HTMLElement).dataset.samples)));
  await checksums.nth(checksumSizes.indexOf(Math.max(...checksumSizes))).hover();
  t.match(await page.locator('#tooltip').textContent(), /report_workload.py:1[12]for ch in data:|total = \(total \* 31 \+ ord\(ch\)\) & 0xFFFF/, 'the tooltip shows the line of code');
  await screenshot(page, 'flamegraph-real-run');
  clean(t, opened);
});

t.test('real run: heatmap of a chrooted target reads the source inside its root', { skip: browser === undefined }, async (t) => {
  if (!debian315.present) return t.fail(missingMessage(debian315));
  const script = installMarkedFixture();
  const out = path.join(work, 'run-heatmap');
  const result = await tachyon(['run', '-a', '--heatmap', '-o', `${out}.html`, '--python', debian315.python, script, '1.5']);
  t.equal(result.exitCode, 0, result.stderr);
  t.match(result.stderr, new RegExp(`Heatmap written to ${out}/`), '-o x.html names the directory x');
  const samples = Number(/Heatmap written to .* \((\d+) samples/.exec(result.stderr)?.[1]);
  const opened = await open(t, path.join(out, 'index.html'), { allowedDir: out });
  const { page } = opened;
  t.equal(Number(await page.locator('#totals').getAttribute('data-samples')), samples);
  const files = await page.locator('#files tbody tr').evaluateAll((rows) => rows.map((r) => ({ file: (r as HTMLElement).dataset.file ?? '', self: Number((r as HTMLElement).dataset.self) })));
  t.equal(files[0]?.file, script, 'the program itself ranks first');
  await screenshot(page, 'heatmap-real-run-index');
  await page.click('#files tbody tr:first-child a');
  await page.waitForURL(/file_0000.html$/);
  t.match(await page.locator('#source').textContent(), /# read from inside the target's root/, 'the source as the chrooted target saw it');
  const selfSum = await page.locator('#source tbody tr').evaluateAll((rows) => rows.reduce((n, r) => n + Number((r as HTMLElement).dataset.self ?? 0), 0));
  t.equal(selfSum, files[0].self, 'the lines\' self samples add up to the file\'s');
  const hottest = await page.locator('#source tbody tr').evaluateAll((rows) => rows.map((r) => [Number((r as HTMLElement).dataset.self ?? 0), r.textContent ?? '']).sort((a, b) => (b[0] as number) - (a[0] as number))[0][1] as string);
  t.match(hottest, /total = \(total \* 31/, 'the hottest line is the checksum loop body');
  await screenshot(page, 'heatmap-real-run-file');
  clean(t, opened);
  t.ok(readdirSync(out).includes('index.html'));
});

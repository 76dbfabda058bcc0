/** The report assets (templates, pinned d3) and which formats --browser goes with. */
import t from 'tap';
import { loadReportAssets } from '../../../src/commands/report-assets.js';
import { checkBrowser } from '../../../src/commands/options.js';

t.test('assets: every template and the pinned d3', async (t) => {
  const assets = loadReportAssets();
  t.same(Object.keys(assets.templates).sort(), ['flamegraph.html', 'flamegraph.js', 'heatmap.html', 'report.css']);
  t.equal(assets.d3Version, '7.9.2');
  t.match(assets.d3Source, /^\/\/ https:\/\/d3js.org v7.9.2/);
});

t.test('--browser goes with the HTML formats only', async (t) => {
  t.doesNotThrow(() => checkBrowser('flamegraph', true));
  t.doesNotThrow(() => checkBrowser('heatmap', true));
  t.doesNotThrow(() => checkBrowser('pstats', false));
  t.throws(() => checkBrowser('pstats', true), /--browser opens an HTML report, not --pstats/);
});

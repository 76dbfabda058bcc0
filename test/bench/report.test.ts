/** The benchmark's report (bench/lib/report.mjs): where Tachyon is behind, and the chart drawn from the results. */
import t from 'tap';
// @ts-expect-error: a plain JavaScript module without type declarations
import { behind, renderChart } from '../../bench/lib/report.mjs';

const fig = (median: number, min = median, max = median) => ({ median, min, max, failed: 0, runs: 3 });
function row(tool: string, interp: string, rate: string, cpuPct: ReturnType<typeof fig>, errorPoints: ReturnType<typeof fig>) {
  return { tool, interp, workload: 'recursion', rate, achievedHz: fig(1000), failedPct: fig(0), cpuPct, peakRssBytes: fig(2 ** 20), slowdown: fig(1.01), errorPoints };
}

t.test('a peer ahead by more than noise is named; overlapping runs are not', async (t) => {
  const results = {
    configs: [
      { tool: 'tachyon', interp: 'Debian 3.15' },
      { tool: 'stdlib', interp: 'Debian 3.15' },
    ],
    rows: [
      row('tachyon', 'Debian 3.15', '1 kHz', fig(5, 4.8, 5.3), fig(0.2, 0.1, 0.3)),
      // CPU: clearly lower in every run. Share error: better median, but the runs overlap.
      row('stdlib', 'Debian 3.15', '1 kHz', fig(3, 2.9, 3.1), fig(0.1, 0.05, 0.25)),
    ],
  };
  const notes = behind(results);
  t.equal(notes.length, 1, notes.join('\n'));
  t.match(notes[0], /profiler CPU\*\*, against stdlib profiling\.sampling .*recursion at 1 kHz: 5\.0 against 3\.0/);
});

t.test('the chart has one bar per tool, rate and panel, and marks a missing figure', async (t) => {
  const results = {
    configs: [
      { tool: 'tachyon', interp: 'Debian 3.15' },
      { tool: 'austin', interp: 'Debian 3.14' },
    ],
    rows: [
      row('tachyon', 'Debian 3.15', '1 kHz', fig(5), fig(0.2)),
      row('austin', 'Debian 3.14', '1 kHz', fig(2), fig(0.2)),
      row('tachyon', 'Debian 3.15', 'max', fig(40), fig(0.2)),
      { ...row('austin', 'Debian 3.14', 'max', fig(NaN), fig(NaN)), slowdown: fig(NaN) },
    ],
  };
  const svg = renderChart(results);
  t.match(svg, /^<svg /);
  t.equal((svg.match(/<rect [^>]*><title>/g) ?? []).length, 2 * 3, 'three bars with values in each of two panels');
  t.match(svg, /Tachyon \(Debian 3\.15\) at max: 40\.00/);
  t.equal((svg.match(/>–<\/text>/g) ?? []).length, 2, 'the missing Austin max bar is a dash in both panels');
});

/** The benchmark's arithmetic (bench/lib/figures.mjs): share errors against a workload's ground truth, medians and spreads. */
import t from 'tap';
// @ts-expect-error: a plain JavaScript module without type declarations
import { accuracy, median, summarize } from '../../bench/lib/figures.mjs';

const truth = { scope: 'main', scope_s: 2, truth: { alpha: 0.5, beta: 0.3, gamma: 0.2 }, patterns: {} };

t.test('shares count only samples with the scope function on the stack', async (t) => {
  const stacks = [
    { funcs: ['<module>', 'main', 'alpha', 'spin'], weight: 50 },
    { funcs: ['<module>', 'main', 'beta', 'spin'], weight: 30 },
    { funcs: ['<module>', 'main', 'gamma', 'spin'], weight: 20 },
    // Start-up samples, outside main: left out, so they cannot skew the shares.
    { funcs: ['<module>', 'import_stuff'], weight: 400 },
  ];
  const result = accuracy(stacks, truth);
  t.equal(result.samplesInScope, 100);
  t.ok(result.errorPoints < 1e-9, `exact split gives no error (got ${result.errorPoints})`);
});

t.test('the error is the largest gap over the groups, in points', async (t) => {
  const stacks = [
    { funcs: ['main', 'alpha'], weight: 60 },
    { funcs: ['main', 'beta'], weight: 25 },
    { funcs: ['main', 'gamma'], weight: 15 },
  ];
  t.ok(Math.abs(accuracy(stacks, truth).errorPoints - 10) < 1e-9);
});

t.test('a group is found by its pattern anywhere on the stack', async (t) => {
  const churn = { scope: 'main', scope_s: 1, truth: { short: 0.2, long: 0.8 }, patterns: { short: '^fn_\\d+_1$', long: '^fn_\\d+_4$' } };
  const stacks = [
    { funcs: ['main', 'fn_0_1'], weight: 2 },
    { funcs: ['main', 'fn_1_4'], weight: 4 },
    { funcs: ['main', 'fn_3_4'], weight: 4 },
  ];
  t.ok(Math.abs(accuracy(stacks, churn).errorPoints - 0) < 1e-9);
});

t.test('no sample in scope is not a number, not zero error', async (t) => {
  const result = accuracy([{ funcs: ['other'], weight: 5 }], truth);
  t.equal(result.samplesInScope, 0);
  t.ok(Number.isNaN(result.errorPoints));
});

t.test('median and spread; runs without a number are counted, not folded in', async (t) => {
  t.equal(median([3, 1, 2]), 2);
  t.equal(median([4, 1, 3, 2]), 2.5);
  t.same(summarize([5, NaN, 1, 3]), { median: 3, min: 1, max: 5, failed: 1, runs: 4 });
  t.ok(Number.isNaN(summarize([NaN]).median));
});

/**
 * Pure arithmetic on benchmark results: a profile's share of each ground-truth group and its
 * largest error, and the median with its spread over repeated runs.
 */

/**
 * `stacks`: [{ funcs (function names, root first), weight }]; `truth`: the workload's result
 * (scope, truth shares, name patterns). Only samples with the scope function on the stack count;
 * a group's share is the weight of those that also have one of its functions on the stack.
 * Returns the largest |measured − true| share over the groups, in percentage points, and the
 * number of samples in scope (NaN error when there are none).
 */
export function accuracy(stacks, result) {
  const scope = new RegExp(`^${result.scope}$`);
  const groups = Object.keys(result.truth).map((name) => ({ name, re: new RegExp(result.patterns[name] ?? `^${name}$`), weight: 0 }));
  let inScope = 0;
  for (const { funcs, weight } of stacks) {
    if (!funcs.some((f) => scope.test(f))) continue;
    inScope += weight;
    for (const g of groups) if (funcs.some((f) => g.re.test(f))) g.weight += weight;
  }
  if (inScope === 0) return { errorPoints: NaN, samplesInScope: 0 };
  const errorPoints = Math.max(...groups.map((g) => Math.abs(g.weight / inScope - result.truth[g.name]) * 100));
  return { errorPoints, samplesInScope: inScope };
}

export function median(values) {
  const xs = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (xs.length === 0) return NaN;
  const mid = Math.floor(xs.length / 2);
  return xs.length % 2 === 1 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

/** `{ median, min, max, failed }` over runs; runs that gave no number are counted in `failed`. */
export function summarize(values) {
  const xs = values.filter(Number.isFinite);
  return {
    median: median(xs),
    min: xs.length > 0 ? Math.min(...xs) : NaN,
    max: xs.length > 0 ? Math.max(...xs) : NaN,
    failed: values.length - xs.length,
    runs: values.length,
  };
}

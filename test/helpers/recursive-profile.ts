/**
 * The checks every profile of test/fixtures/python/recursive.py must pass, whichever interpreter
 * and command produced it: known functions only, every line inside its function's body, the
 * module root at the line that calls main(), the 1,000-frame recursion whole, no launcher frames.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { FIXTURES_SRC } from './interpreters.js';
import { functionLineRanges, type CollapsedLine } from './cli.js';

const SOURCE = readFileSync(path.join(FIXTURES_SRC, 'recursive.py'), 'utf8');
const RANGES = functionLineRanges(SOURCE);
const MAIN_CALL_LINE = SOURCE.split('\n').findIndex((l) => l.trimStart().startsWith('main(')) + 1;
// Lines of statements at the module's top level (imports, defs, the main guard): a sample taken
// while the module is still starting shows the module frame alone at one of them.
const TOP_LEVEL_LINES = new Set(
  SOURCE.split('\n').flatMap((l, i) => (/^[A-Za-z_]/.test(l) ? [i + 1] : [])),
);

export function checkRecursiveProfile(t: Test, lines: CollapsedLine[], options: { viaRun: boolean }): void {
  const total = lines.reduce((n, l) => n + l.count, 0);
  t.ok(total > 100, `${total} samples`);
  const bad: string[] = [];
  let fibSamples = 0;
  let deepest = 0;
  let outsideScript = 0;
  for (const line of lines) {
    const ours = line.frames.filter((f) => f.file === 'recursive.py');
    const [only] = line.frames.length === 1 ? ours : [];
    const moduleStarting = options.viaRun && only?.func === '<module>' && only.line !== MAIN_CALL_LINE && TOP_LEVEL_LINES.has(only.line);
    if (moduleStarting) {
      // Sampled between the launcher's release and the call of main(): start-up, counted below.
      outsideScript += line.count;
      continue;
    }
    for (const f of ours) {
      if (f.func === '<module>') {
        if (f.line !== MAIN_CALL_LINE) bad.push(`${f.label}: the module runs main() at line ${MAIN_CALL_LINE}`);
        continue;
      }
      const range = RANGES.get(f.func);
      if (!range) bad.push(`${f.label}: no such function in recursive.py`);
      else if (f.line < range[0] || f.line > range[1]) bad.push(`${f.label}: line outside ${f.func} (${range[0]}-${range[1]})`);
    }
    if (line.frames.some((f) => f.func === 'fib')) fibSamples += line.count;
    deepest = Math.max(deepest, line.frames.filter((f) => f.func === 'deep').length);
    if (line.frames.some((f) => f.label.includes('tachyon-launcher') || f.func === '_tachyon_start' || f.file === '<string>')) {
      bad.push(`launcher frame in ${line.frames.map((f) => f.label).join(';')}`);
    }
    if (line.frames.some((f) => f.label === '<truncated>')) bad.push('a truncated stack');
    if (options.viaRun && ours.length === 0) {
      // The interpreter's own start-up or shutdown (site imports, atexit handlers of installed
      // packages such as certifi's): not the script, allowed as a sliver, checked below.
      outsideScript += line.count;
    } else if (options.viaRun && line.frames[0]?.label !== `recursive.py:<module>:${MAIN_CALL_LINE}`) {
      bad.push(`run: stack does not start at the script's module: ${line.frames[0]?.label}`);
    }
  }
  if (options.viaRun) t.ok(outsideScript / total < 0.02, `${outsideScript} samples outside main() (interpreter and module start-up, exit), under 2%`);
  t.same(bad.slice(0, 10), [], 'every frame is a real function at a line inside it');
  t.ok(fibSamples / total > 0.1, `fib is on the stack in ${((fibSamples / total) * 100).toFixed(1)}% of samples`);
  t.equal(deepest, 1001, 'the 1,000-deep recursion comes out whole (1,001 deep() frames)');
}

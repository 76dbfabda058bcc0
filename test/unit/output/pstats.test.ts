/**
 * pstats outputs: the text table's numbers, sorting and limits, and the binary file loaded by a
 * real Python `pstats` whose totals must equal the sample counts.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writePstatsFile, writePstatsText } from '../../../src/output/pstats.js';
import { functionStats } from '../../../src/model/function-stats.js';
import { profileFromText } from '../../helpers/profile-from-text.js';

// fib recurses: its cumulative count must count each sample once, not once per frame.
const profile = profileFromText(`tid:1;/w/work.py:<module>:9;/w/work.py:main:7;/w/work.py:fib:3;/w/work.py:fib:3;/w/work.py:fib:3 6
tid:1;/w/work.py:<module>:9;/w/work.py:main:7;/w/work.py:fib:3 2
tid:1;/w/work.py:<module>:9;/w/work.py:main:8 2`);

const options = { sort: 'nsamples' as const, limit: 15, summary: true, color: false };

t.test('direct and cumulative counts, recursion counted once', async (t) => {
  const { byKey, totalSamples } = functionStats(profile);
  t.equal(totalSamples, 10);
  const fib = [...byKey.values()].find((s) => s.name === 'fib');
  t.equal(fib?.direct, 8);
  t.equal(fib?.cumulative, 8);
  const main7 = [...byKey.values()].find((s) => s.name === 'main' && s.line === 7);
  t.equal(main7?.cumulative, 8);
  t.equal(main7?.direct, 0);
});

t.test('text table rows, units and percentages', async (t) => {
  const text = writePstatsText(profile, options);
  const lines = text.split('\n');
  t.equal(lines[0], 'Profile Stats:');
  t.match(lines[1], /^\s+nsamples\s+sample%\s+tottime \(ms\)\s+cumul%\s+cumtime \(ms\)\s+filename:lineno\(function\)$/);
  t.match(lines[2], /^\s+8\/8\s+80\.0\s+8\.000\s+80\.0\s+8\.000\s+work\.py:3\(fib\)$/);
  t.match(lines[3], /^\s+2\/2\s+20\.0\s+2\.000\s+20\.0\s+2\.000\s+work\.py:8\(main\)$/);
  t.match(text, /Legend:/);
  t.match(text, /Summary of Interesting Functions:/);
  t.notMatch(text, /\u001b\[/, 'no colour when not asked');
});

t.test('sorting, limit and no summary', async (t) => {
  const text = writePstatsText(profile, { ...options, sort: 'cumtime', limit: 1, summary: false });
  const rows = text.split('\n').filter((l) => /^\s+\d+\/\d+\s/.test(l));
  t.equal(rows.length, 1);
  t.match(rows[0], /work\.py:9\(<module>\)$/);
  t.match(text, /3 more rows; raise --limit/);
  t.notMatch(text, /Summary of Interesting Functions/);
  t.match(writePstatsText(profile, { ...options, color: true }), /\u001b\[/, 'colour when asked');
});

t.test('an empty profile says so', async (t) => {
  t.equal(writePstatsText(profileFromText(''), options), 'No samples were collected.\n');
});

t.test('the binary file loads in Python pstats with totals equal to the samples', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tachyon-pstats-'));
  const file = path.join(dir, 'out.pstats');
  writeFileSync(file, writePstatsFile(profile));
  const script = [
    'import pstats, sys, json',
    's = pstats.Stats(sys.argv[1])',
    'fib = [v for k, v in s.stats.items() if k[2] == "fib"][0]',
    'print(json.dumps({"prim": s.prim_calls, "tt": round(s.total_tt, 6), "fib": [fib[0], fib[1], round(fib[2], 6), round(fib[3], 6)], "fibCallers": {k[2] + ":" + str(k[1]): n for k, n in fib[4].items()}}))',
  ].join('\n');
  const out = JSON.parse(execFileSync('python3', ['-c', script, file]).toString()) as { prim: number; tt: number; fib: number[]; fibCallers: Record<string, number> };
  t.equal(out.prim, 10, 'direct samples add up to the sample count');
  t.equal(out.tt, 0.01, 'total time is samples × interval');
  t.same(out.fib, [8, 8, 0.008, 0.008]);
  t.same(out.fibCallers, { 'main:7': 8, 'fib:3': 12 }, 'caller edges, the recursive one per frame pair');
});

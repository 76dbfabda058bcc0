/**
 * The helper's own unit tests (`test` blocks next to the code in helper/*.zig: maps and ELF
 * parsing, MessagePack encoding, PEP 393 strings, the cycle detector, the frame cache, options)
 * run through `zig build test`, so that `npm test` covers both halves of Tachyon.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from '../../helpers/interpreters.js';

t.test('zig build test passes', async (t) => {
  const result = spawnSync('python3', ['-m', 'ziglang', 'build', 'test', '--summary', 'all'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  t.equal(result.status, 0, output.slice(-4000));
  const counts = /run test (\d+) pass \((\d+) total\)/.exec(output);
  t.ok(counts, 'zig reports how many tests passed');
  t.ok(Number(counts?.[2]) >= 20 && counts?.[1] === counts?.[2], `helper unit tests: ${counts?.[0]}`);
});

/**
 * The MOJO reader (bench/lib/mojo.mjs): a hand-built file exercising every event it must follow,
 * and a real file written by the pinned Austin (installed by bench/setup-peers.sh) on a tiny
 * program with a known split.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error: a plain JavaScript module without type declarations
import { readMojo } from '../../bench/lib/mojo.mjs';
// @ts-expect-error: a plain JavaScript module without type declarations
import { austinArgv, PEERS } from '../../bench/lib/tools.mjs';

/** MOJO's integer: 6 bits and a sign in the first byte, then 7 bits per byte. */
function varint(n: number): number[] {
  const out: number[] = [];
  let b = n < 0 ? 0x40 : 0;
  let v = Math.abs(n);
  b |= v & 0x3f;
  v = Math.floor(v / 64);
  if (v > 0) b |= 0x80;
  out.push(b);
  while (v > 0) {
    let c = v & 0x7f;
    v = Math.floor(v / 128);
    if (v > 0) c |= 0x80;
    out.push(c);
  }
  return out;
}
const str = (s: string) => [...Buffer.from(s, 'utf8'), 0];

t.test('a hand-built file: strings, frames, references, repeats, task frames', async (t) => {
  const bytes = Buffer.from([
    ...Buffer.from('MOJ'), ...varint(3),
    1, ...str('mode'), ...str('wall'),
    11, ...varint(2), ...str('app.py'),
    11, ...varint(3), ...str('main'),
    11, ...varint(200), ...str('work'),
    2, ...varint(42), ...varint(0), ...str('0:42'),
    3, ...varint(7), ...varint(2), ...varint(3), ...varint(10), ...varint(10), ...varint(0), ...varint(-1),
    5, ...varint(7),
    9, ...varint(1000),
    2, ...varint(42), ...varint(0), ...str('0:42'),
    13,
    3, ...varint(300), ...varint(2), ...varint(200), ...varint(20), ...varint(20), ...varint(0), ...varint(0),
    5, ...varint(300),
    // A task report's frame references are not part of the thread's stack.
    14, ...varint(1), ...varint(3), ...varint(1),
    5, ...varint(7),
    7, 8,
  ]);
  const { metadata, samples } = readMojo(bytes);
  t.same(metadata, { mode: 'wall' });
  t.same(samples, [
    { thread: '0:42', funcs: ['main'] },
    { thread: '0:42', funcs: ['main', 'work'] },
  ]);
});

t.test('not MOJO, or another version, is an error', async (t) => {
  t.throws(() => readMojo(Buffer.from('JSON')), /not a MOJO file/);
  t.throws(() => readMojo(Buffer.from([...Buffer.from('MOJ'), 2])), /version 2/);
  t.throws(() => readMojo(Buffer.from([...Buffer.from('MOJ'), 3, 99])), /unknown event 99/);
});

t.test('a real file from the pinned Austin agrees with its own sample count', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tachyon-mojo-'));
  const out = path.join(dir, 'out.mojo');
  const python = path.join(PEERS, 'bin', 'python');
  const script = path.join(import.meta.dirname, '..', 'fixtures', 'python', 'split.py');
  const [command, ...args] = austinArgv(['-i', '1ms', '-o', out, python, script, '0.5']);
  execFileSync(command, args, { stdio: 'ignore' });
  const { metadata, samples } = readMojo(readFileSync(out));
  t.equal(samples.length, Number(metadata.count), 'one sample per STACK event, as Austin counted');
  const withAlpha = samples.filter((s: { funcs: string[] }) => s.funcs.includes('alpha')).length;
  const withMain = samples.filter((s: { funcs: string[] }) => s.funcs.includes('main')).length;
  t.ok(withMain > 100, `samples in main: ${withMain}`);
  t.ok(Math.abs(withAlpha / withMain - 0.5) < 0.1, `alpha is about half of main (${withAlpha}/${withMain})`);
});

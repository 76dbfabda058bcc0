// ValueSplitter: values cut anywhere across chunks come out whole and in order; bad bytes are a ProtocolError.
import t from 'tap';
import { pack } from 'msgpackr';
import { ValueSplitter } from '../../../src/protocol/stream.js';
import { ProtocolError } from '../../../src/protocol/decode.js';

const values: unknown[] = [[1, 'hello', 3], [3, 123456789, 7, 0, [1, 2, 3, 4]], [2, 9, 'f.py', 'ƒ', 'Q.ƒ', 1, new Uint8Array(300)], [6, 2]];
const bytes = Buffer.concat(values.map((v) => pack(v)));
/** JSON with binary fields as plain arrays, so Buffer and Uint8Array compare equal. */
const plain = (v: unknown): unknown => (v instanceof Uint8Array ? Array.from(v) : Array.isArray(v) ? v.map(plain) : v);
const text = (vs: unknown[]): string => JSON.stringify(plain(vs));

t.test('every cut point between two chunks gives the same values', (t) => {
  let wrong = 0;
  for (let cut = 0; cut <= bytes.length; cut++) {
    const out: unknown[] = [];
    const splitter = new ValueSplitter((v) => out.push(v));
    splitter.push(bytes.subarray(0, cut));
    splitter.push(bytes.subarray(cut));
    if (text(out) !== text(values) || splitter.pendingBytes !== 0) wrong++;
  }
  t.equal(wrong, 0);
  t.end();
});

t.test('byte by byte', (t) => {
  const out: unknown[] = [];
  const splitter = new ValueSplitter((v) => out.push(v));
  for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1));
  t.equal(text(out), text(values));
  t.end();
});

t.test('a cut stream leaves its unfinished bytes pending', (t) => {
  const splitter = new ValueSplitter(() => undefined);
  splitter.push(bytes.subarray(0, bytes.length - 1));
  t.ok(splitter.pendingBytes > 0);
  t.end();
});

t.test('an unknown extension type is a ProtocolError', (t) => {
  const splitter = new ValueSplitter(() => undefined);
  t.throws(() => splitter.push(Buffer.from([0xd4, 0x05, 0x00])), ProtocolError);
  t.end();
});

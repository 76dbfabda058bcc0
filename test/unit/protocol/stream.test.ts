// MessageSplitter: messages cut anywhere across chunks come out whole, in order and equal to
// decodeMessage's reading of them, whichever encoding of an integer the writer chose; bad bytes
// are a ProtocolError.
import t from 'tap';
import { pack } from 'msgpackr';
import { MessageSplitter } from '../../../src/protocol/stream.js';
import { decodeMessage, ProtocolError } from '../../../src/protocol/decode.js';
import { MessageKind, type Message } from '../../../src/protocol/messages.js';

/** Big-endian unsigned integer `value` in exactly the MessagePack form `head` (0xcc–0xcf). */
function uintAs(head: number, value: number): Buffer {
  const size = { 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8 }[head] as number;
  const out = Buffer.alloc(1 + size);
  out[0] = head;
  for (let i = 0; i < size; i++) out[size - i] = Number((BigInt(value) >> BigInt(8 * i)) & 0xffn);
  return out;
}

const hello = [MessageKind.hello, 4, 'test', 77, 0x030f00f0, 'debug_offsets', '/usr/bin/python3.15', 1_000_000, 5_000_000_000, 1.7e18, 0];
const code = [MessageKind.code, 9, 'f.py', 'ƒ', 'Q.ƒ', 1, new Uint8Array(300)];
const samples = [
  [MessageKind.sample, 36_000_000_000_123, 4242, 32, [9, 2, 9, 200, 1, 70000, 1, 5_000_000_000]],
  [MessageKind.sample, 36_000_001_000_123, 4242, 0, []],
  [MessageKind.sample, 36_000_002_000_123, 4243, 96, Array.from({ length: 40 }, (_, i) => i * 977)],
];
const packed: Buffer[] = [pack(hello), pack(code), ...samples.map((s) => pack(s))];
// The same sample with every integer in a wider form than needed: still a sample, read alike.
const wide = Buffer.concat([Buffer.from([0x95, MessageKind.sample]), uintAs(0xcf, 36_000_003_000_000), uintAs(0xce, 4242), uintAs(0xcd, 32),
  Buffer.from([0xdc, 0, 4]), uintAs(0xcc, 9), uintAs(0xcf, 2), uintAs(0xce, 9), uintAs(0xcd, 200)]);
// A sample with a sixth (future) field and a negative instruction index: the generic path.
const extra = pack([MessageKind.sample, 36_000_004_000_000, 4242, 32, [9, -1], 'later']);
packed.push(wide, extra, pack([MessageKind.stats, 36_000_005_000_000, 5, 0, 1, 2]), pack([MessageKind.bye, 1]));
const bytes = Buffer.concat(packed);
const expected: Message[] = [
  ...[hello, code, ...samples].map((v) => decodeMessage(v)),
  decodeMessage([MessageKind.sample, 36_000_003_000_000, 4242, 32, [9, 2, 9, 200]]),
  decodeMessage([MessageKind.sample, 36_000_004_000_000, 4242, 32, [9, -1]]),
  decodeMessage([MessageKind.stats, 36_000_005_000_000, 5, 0, 1, 2]),
  decodeMessage([MessageKind.bye, 1]),
];
/** JSON with binary fields as plain arrays, so Buffer and Uint8Array compare equal. */
const text = (ms: Message[]): string => JSON.stringify(ms.map((m) => ('lineTable' in m ? { ...m, lineTable: Array.from(m.lineTable) } : m)));

t.test('the messages are those decodeMessage reads', (t) => {
  const out: Message[] = [];
  new MessageSplitter((m) => out.push(m)).push(bytes);
  t.equal(text(out), text(expected));
  t.equal((out[2] as { timeNs: number }).timeNs, 36_000_000_000_123, 'a 64-bit time keeps every nanosecond below 2^53');
  t.end();
});

t.test('every cut point between two chunks gives the same messages', (t) => {
  let wrong = 0;
  for (let cut = 0; cut <= bytes.length; cut++) {
    const out: Message[] = [];
    const splitter = new MessageSplitter((m) => out.push(m));
    splitter.push(bytes.subarray(0, cut));
    splitter.push(bytes.subarray(cut));
    if (text(out) !== text(expected) || splitter.pendingBytes !== 0) wrong++;
  }
  t.equal(wrong, 0);
  t.end();
});

t.test('byte by byte', (t) => {
  const out: Message[] = [];
  const splitter = new MessageSplitter((m) => out.push(m));
  for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1));
  t.equal(text(out), text(expected));
  t.end();
});

t.test('a cut stream leaves its unfinished bytes pending', (t) => {
  for (const end of [bytes.length - 1, packed[0].length + packed[1].length + 3]) {
    const splitter = new MessageSplitter(() => undefined);
    splitter.push(bytes.subarray(0, end));
    t.ok(splitter.pendingBytes > 0, `cut at ${end}`);
  }
  t.end();
});

t.test('bad bytes are a ProtocolError', (t) => {
  t.throws(() => new MessageSplitter(() => undefined).push(Buffer.from([0xd4, 0x05, 0x00])), ProtocolError, 'an unknown extension type');
  t.throws(() => new MessageSplitter(() => undefined).push(Buffer.from([0xc1])), ProtocolError, 'a byte that starts no value');
  t.throws(() => new MessageSplitter(() => undefined).push(pack([MessageKind.sample, 1, 2, 3, [9]])), /pairs/, 'an odd frame list');
  t.throws(() => new MessageSplitter(() => undefined).push(pack(7)), ProtocolError, 'a value that is no message');
  t.end();
});

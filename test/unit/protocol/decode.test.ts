/** The message decoder: every kind, extra fields tolerated, bad shapes refused. */
import t from 'tap';
import { pack, unpack } from 'msgpackr';
import { decodeMessage, ProtocolError } from '../../../src/protocol/decode.js';
import { MessageKind } from '../../../src/protocol/messages.js';

// Values go through real MessagePack bytes, as they would from the helper.
const roundTrip = (value: unknown): unknown => unpack(pack(value));

t.test('each kind decodes to its fields', async (t) => {
  const hello = decodeMessage(roundTrip([1, 1, '0.1.0', 42, 0x030d00f0, 'debug_offsets', '/usr/bin/python3.13', 1_000_000, 5_000_000_000, 1.7e18, 0]));
  t.match(hello, { kind: MessageKind.hello, protocolVersion: 1, helperVersion: '0.1.0', pid: 42, pythonVersionHex: 0x030d00f0, sampleIntervalNs: 1_000_000 });
  const code = decodeMessage(roundTrip([2, 7, 'a.py', 'f', 'C.f', 3, Buffer.from([0x80, 0x01])]));
  t.match(code, { kind: MessageKind.code, codeId: 7, filename: 'a.py', name: 'f', qualname: 'C.f', firstLine: 3 });
  t.ok((code as { lineTable: Uint8Array }).lineTable instanceof Uint8Array);
  t.match(decodeMessage(roundTrip([3, 10, 99, 32, [7, 4, 8, 0]])), { kind: MessageKind.sample, threadId: 99, status: 32, frames: [7, 4, 8, 0] });
  t.match(decodeMessage(roundTrip([4, 11, 99, 1])), { kind: MessageKind.sample_failed, reason: 1 });
  t.match(decodeMessage(roundTrip([5, 12, 100, 1, 2, 3])), { kind: MessageKind.stats, ticksTaken: 100, ticksFailed: 1, ticksMissed: 2, retries: 3 });
  t.match(decodeMessage(roundTrip([6, 1])), { kind: MessageKind.bye, reason: 1 });
  t.same(decodeMessage(roundTrip([8, 13, 99, 2, ['n', '5', 's', "'x'"]])), {
    kind: MessageKind.frame_locals, timeNs: 13, threadId: 99, frameIndex: 2, locals: [{ name: 'n', repr: '5' }, { name: 's', repr: "'x'" }],
  });
});

t.test('hello: target_ns_pid (protocol 5) is read, and is the pid when an older helper omits it', async (t) => {
  const base = [1, 5, '0.1.0', 4242, 0x030d00f0, 'debug_offsets', '/usr/bin/python3.13', 1_000_000, 5_000_000_000, 1.7e18, 8];
  t.match(decodeMessage(roundTrip([...base, 1])), { pid: 4242, flags: 8, targetNsPid: 1 });
  t.match(decodeMessage(roundTrip(base)), { pid: 4242, targetNsPid: 4242 });
  t.throws(() => decodeMessage(roundTrip([...base, 'one'])), ProtocolError);
});

t.test('extra trailing fields are ignored', async (t) => {
  t.match(decodeMessage([6, 2, 'future field']), { kind: MessageKind.bye, reason: 2 });
});

t.test('bad shapes are protocol errors', async (t) => {
  t.throws(() => decodeMessage('nope'), ProtocolError);
  t.throws(() => decodeMessage([]), ProtocolError);
  t.throws(() => decodeMessage([99]), /unknown message kind 99/);
  t.throws(() => decodeMessage([3, 1, 2, 3]), /sample: expected 4 fields/);
  t.throws(() => decodeMessage([3, 1, 2, 3, [1]]), /pairs/);
  t.throws(() => decodeMessage([2, 1, 'a.py', 'f', 'f', 1, 'not bytes']), /line_table/);
  t.throws(() => decodeMessage([5, 1, 'x', 0, 0, 0]), /ticks_taken: expected an integer/);
  t.throws(() => decodeMessage([8, 1, 2, 0, ['n']]), /name, repr pairs/);
  t.throws(() => decodeMessage([8, 1, 2, 0, ['n', 5]]), /locals\[1\]: expected a string/);
});

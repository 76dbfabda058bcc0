/**
 * Recorder and Symbolizer: helper messages in, a Profile out. Covers line lookup through real
 * 3.13 location tables, launcher frames being cut, the truncation marker, counters, code ids
 * reused by the helper for a replaced code object, and protocol violations.
 */
import t from 'tap';
import { Recorder } from '../../../src/model/recorder.js';
import { MessageKind, PROTOCOL_VERSION, type Message } from '../../../src/protocol/messages.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { LAUNCHER_FILENAME } from '../../../src/symbolize/symbolizer.js';

const V313 = 0x030d00f0;
const hello: Message = {
  kind: MessageKind.hello, protocolVersion: PROTOCOL_VERSION, helperVersion: 'test', pid: 77, pythonVersionHex: V313, layoutSource: 'debug_offsets',
  runtimePath: '/usr/bin/python3.13', sampleIntervalNs: 1_000_000, startMonotonicNs: 1_000_000_000, startUnixNs: 1.7e18, flags: 0,
};
// A location table with three one-unit entries: line deltas +0, +1, +2 (cumulative: 10, 11, 13) (codes 10, 11, 12; 2 column bytes each).
const table = Uint8Array.from([0xd0, 0, 1, 0xd8, 0, 1, 0xe0, 0, 1]);
const code = (codeId: number, filename: string, qualname: string, firstLine: number): Message => ({
  kind: MessageKind.code, codeId, filename, name: qualname.split('.').pop() as string, qualname, firstLine, lineTable: table,
});
const sample = (timeNs: number, frames: number[], threadId = 77): Message => ({ kind: MessageKind.sample, timeNs, threadId, status: 32, frames });

function record(messages: Message[]): Recorder {
  const recorder = new Recorder({ toolVersion: 'test', argv: ['x.py'] });
  for (const m of messages) recorder.feed(m);
  return recorder;
}

t.test('samples become stacks with the executing line', async (t) => {
  const r = record([
    hello,
    code(1, '/w/x.py', '<module>', 1),
    code(2, '/w/x.py', 'Worker.run', 10),
    sample(1_001_000_000, [2, 2, 1, 0]),
    sample(1_002_000_000, [2, 0, 1, 1]),
    { kind: MessageKind.stats, timeNs: 1_003_000_000, ticksTaken: 2, ticksFailed: 1, ticksMissed: 0, retries: 5 },
    { kind: MessageKind.sample_failed, timeNs: 1_003_000_000, threadId: 77, reason: 1 },
    { kind: MessageKind.bye, reason: 1 },
  ]);
  const profile = r.finish('helper_died');
  t.equal(writeCollapsed(profile), 'tid:77;x.py:<module>:1;x.py:Worker.run:13 1\ntid:77;x.py:<module>:2;x.py:Worker.run:10 1\n');
  t.equal(profile.meta.ticksTaken, 2);
  t.equal(profile.meta.ticksFailed, 1);
  t.equal(profile.meta.stopReason, 'target_exited');
  t.equal(profile.meta.durationUs, 3000);
  t.equal(profile.meta.sampleIntervalUs, 1000);
  t.equal(profile.meta.target.pythonVersion, '3.13.0');
  t.same(profile.threads[0].samples.timeUs, [1000, 2000]);
});

t.test('launcher frames and their callers are cut; all-launcher stacks are dropped', async (t) => {
  const r = record([
    hello,
    code(1, '<string>', '<module>', 1),
    code(2, LAUNCHER_FILENAME, '_tachyon_start', 1),
    code(3, '/w/user.py', '<module>', 1),
    sample(1_001_000_000, [2, 0, 1, 0]),
    sample(1_002_000_000, [3, 1, 2, 0, 1, 0]),
  ]);
  t.equal(writeCollapsed(r.finish('x')), 'tid:77;user.py:<module>:2 1\n');
  t.equal(r.samplesBeforeStart, 1);
});

t.test('a truncated stack ends in a <truncated> root frame', async (t) => {
  const r = record([hello, code(1, '/w/x.py', 'f', 1), sample(1_001_000_000, [1, 0, 1, 0, 0, 0])]);
  t.equal(writeCollapsed(r.finish('x')), 'tid:77;<truncated>;x.py:f:1;x.py:f:1 1\n');
});

t.test('a new code id for a replaced code object gives the new name', async (t) => {
  const r = record([hello, code(1, '/w/x.py', 'old', 1), sample(1_001_000_000, [1, 0]), code(2, '/w/x.py', 'new', 1), sample(1_002_000_000, [2, 0])]);
  t.equal(writeCollapsed(r.finish('x')), 'tid:77;x.py:new:1 1\ntid:77;x.py:old:1 1\n');
});

t.test('protocol violations throw', async (t) => {
  t.throws(() => record([sample(1, [])]), /before hello/);
  t.throws(() => record([{ ...hello, protocolVersion: 1 } as Message]), new RegExp(`protocol 1.*speaks ${PROTOCOL_VERSION}`));
  t.doesNotThrow(() => record([{ ...hello, protocolVersion: 3 } as Message]), 'a version-3 stream (an older capture) still reads');
  t.throws(() => record([hello, sample(1_001_000_000, [5, 0])]), /code id 5 before its code record/);
  t.throws(() => record([hello, hello]), /second hello/);
});

t.test('a frame list repeated on a thread reuses its stack; other threads and changes are kept apart', async (t) => {
  const r = record([
    hello,
    code(1, '/w/x.py', '<module>', 1),
    code(2, '/w/x.py', 'work', 10),
    sample(1_001_000_000, [2, 0, 1, 0]),
    sample(1_001_000_000, [2, 1, 1, 0], 78),
    sample(1_002_000_000, [2, 0, 1, 0]),
    sample(1_002_000_000, [2, 2, 1, 0], 78),
    sample(1_003_000_000, [2, 2, 1, 0]),
    sample(1_004_000_000, [2, 2, 1, 0]),
  ]);
  const profile = r.finish('x');
  t.equal(writeCollapsed(profile), 'tid:77;x.py:<module>:1;x.py:work:10 2\ntid:77;x.py:<module>:1;x.py:work:13 2\ntid:78;x.py:<module>:1;x.py:work:11 1\ntid:78;x.py:<module>:1;x.py:work:13 1\n');
  const main = profile.threads.find((th) => th.tid === 77);
  t.same(main?.samples.stack.slice(0, 2), [main?.samples.stack[0], main?.samples.stack[0]], 'the repeat is the same stack');
});

t.test('thread names: MainThread for the main thread, OS names that differ from the process name, the latest one', async (t) => {
  const name = (threadId: number, text: string, timeNs = 1_000_500_000): Message => ({ kind: MessageKind.thread_name, timeNs, threadId, name: text });
  const r = record([
    hello,
    code(1, '/w/x.py', '<module>', 1),
    name(77, 'python3.13'),
    sample(1_001_000_000, [1, 0]),
    name(78, 'python3.13'),
    sample(1_001_000_000, [1, 0], 78),
    name(79, 'Thread-1 (run)'),
    sample(1_001_000_000, [1, 0], 79),
    name(79, 'worker-7', 1_001_500_000),
    sample(1_002_000_000, [1, 0], 79),
    sample(1_002_000_000, [1, 0], 80),
  ]);
  const names = Object.fromEntries(r.finish('unknown').threads.map((thread) => [thread.tid, thread.name ?? null]));
  t.same(names, { 77: 'MainThread', 78: null, 79: 'worker-7', 80: null });
});


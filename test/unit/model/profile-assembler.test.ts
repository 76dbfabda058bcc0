/**
 * ProfileAssembler and Symbolizer: helper messages in, a Profile out. Covers line lookup through real
 * 3.13 location tables, launcher frames being cut, the truncation marker, counters, code ids
 * reused by the helper for a replaced code object, and protocol violations.
 */
import t from 'tap';
import { ProfileAssembler } from '../../../src/model/profile-assembler.js';
import { HelloFlags, MessageKind, PROTOCOL_VERSION, ThreadStatus, type Message } from '../../../src/protocol/messages.js';
import { formatRunSummary } from '../../../src/output/summary.js';
import { PseudoFrame, SampleStatus } from '../../../src/model/profile.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { LAUNCHER_FILENAME } from '../../../src/symbolize/symbolizer.js';

const V313 = 0x030d00f0;
const hello: Message = {
  kind: MessageKind.hello, protocolVersion: PROTOCOL_VERSION, helperVersion: 'test', pid: 77, pythonVersionHex: V313, layoutSource: 'debug_offsets',
  runtimePath: '/usr/bin/python3.13', sampleIntervalNs: 1_000_000, startMonotonicNs: 1_000_000_000, startUnixNs: 1.7e18, flags: 0, targetNsPid: 77,
};
// A location table with three one-unit entries: line deltas +0, +1, +2 (cumulative: 10, 11, 13) (codes 10, 11, 12; 2 column bytes each).
const table = Uint8Array.from([0xd0, 0, 1, 0xd8, 0, 1, 0xe0, 0, 1]);
const code = (codeId: number, filename: string, qualname: string, firstLine: number): Message => ({
  kind: MessageKind.code, codeId, filename, name: qualname.split('.').pop() as string, qualname, firstLine, lineTable: table,
});
const sample = (timeNs: number, frames: number[], threadId = 77): Message => ({ kind: MessageKind.sample, timeNs, threadId, status: 32, frames });

function record(messages: Message[]): ProfileAssembler {
  const recorder = new ProfileAssembler({ toolVersion: 'test', argv: ['x.py'] });
  for (const m of messages) recorder.feed(m);
  return recorder;
}

t.test('a target in its own PID namespace: its own pid is kept, and the summary says whose ids are shown', async (t) => {
  const inNamespace = { ...hello, flags: HelloFlags.otherPidNamespace, targetNsPid: 1 } as Message;
  const profile = record([inNamespace, { kind: MessageKind.bye, reason: 1 }]).finish('x');
  const meta = profile.meta;
  t.equal(meta.target.pid, 77);
  t.equal(meta.target.ownPid, 1);
  t.match(formatRunSummary(profile, false).join('\n'), /Thread ids are the profiler's PID namespace's; the target is PID 1 in its own\./);
  const same = record([hello, { kind: MessageKind.bye, reason: 1 }]).finish('x');
  t.equal(same.meta.target.ownPid, undefined, 'the same namespace: no ownPid');
  t.notMatch(formatRunSummary(same, false).join('\n'), /namespace/);
});

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

t.test('stacks built on the previous sample\'s shared root part equal stacks built afresh', async (t) => {
  // Random frame lists over a few code objects, a launcher and the truncation marker, on two
  // threads, with long shared root parts as in real runs. Each sample's stack, read back from
  // the profile, must equal the leaf-first reading of its frame list (cut at the first launcher
  // frame or truncation marker, plus a <GC> leaf while the collector runs).
  const names = new Map([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'launch']]);
  const messages: Message[] = [hello, code(1, '/w/x.py', 'a', 1), code(2, '/w/x.py', 'b', 1), code(3, '/w/x.py', 'c', 1), code(4, LAUNCHER_FILENAME, 'launch', 1)];
  let seed = 12345;
  const random = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const expected: string[][] = [];
  const previous = new Map<number, number[]>();
  for (let i = 0; i < 3000; i++) {
    const threadId = 1 + random(2);
    // Keep a random number of the previous list's root-most pairs, then push new leaves.
    const before = previous.get(threadId) ?? [];
    const keep = random(before.length / 2 + 1);
    const frames = before.slice(before.length - 2 * keep);
    for (let n = random(6); n > 0; n--) {
      const roll = random(40);
      const pair = roll === 0 ? [4, 0] : roll === 1 && frames.length === 0 ? [0, 0] : roll === 2 ? [0, 1] : [1 + random(3), random(3)];
      frames.unshift(...pair);
    }
    previous.set(threadId, frames);
    const gc = random(8) === 0;
    messages.push({ kind: MessageKind.sample, timeNs: 1_001_000_000 + 1000 * i, threadId, status: gc ? 32 | 64 : 32, frames: [...frames] });
    const leafFirst: string[] = gc ? ['<GC>'] : [];
    for (let k = 0; k < frames.length; k += 2) {
      if (frames[k] === 4) break;
      if (frames[k] === 0 && frames[k + 1] === 0) {
        leafFirst.push('<truncated>');
        break;
      }
      leafFirst.push(frames[k] === 0 ? '<native>' : `${names.get(frames[k])}:${[1, 2, 4][frames[k + 1]]}`);
    }
    if (leafFirst.length > (gc ? 1 : 0)) expected.push(leafFirst.reverse());
  }
  const profile = record(messages).finish('x');
  const got: { time: number; names: string[] }[] = [];
  for (const thread of profile.threads) {
    for (let s = 0; s < thread.samples.length; s++) {
      const rootFirst: string[] = [];
      for (let node = thread.samples.stack[s]; node !== -1; node = profile.stacks.parent[node]) {
        const frame = profile.stacks.frame[node];
        const func = profile.frames.func[frame];
        const name = profile.strings[profile.funcs.name[func]];
        rootFirst.unshift(profile.funcs.kind[func] === 'pseudo' ? name : `${name}:${profile.frames.line[frame]}`);
      }
      got.push({ time: thread.samples.timeUs[s], names: rootFirst });
    }
  }
  got.sort((x, y) => x.time - y.time);
  t.equal(got.length, expected.length, 'every sample with frames left is kept');
  let mismatches = 0;
  for (let i = 0; i < expected.length; i++) if (got[i].names.join(';') !== expected[i].join(';')) mismatches++;
  const first = expected.findIndex((e, i) => got[i].names.join(';') !== e.join(';'));
  t.equal(mismatches, 0, 'no stack differs from its frame list', { first: first === -1 ? undefined : { expected: expected[first], got: got[first].names } });
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


t.test('the model\'s SampleStatus has the helper\'s status bits, so they pass through as they are', async (t) => {
  t.same(SampleStatus, ThreadStatus);
  const r = record([hello, code(1, '/w/x.py', 'f', 1), { kind: MessageKind.sample, timeNs: 1_001_000_000, threadId: 77, status: ThreadStatus.hasGil | ThreadStatus.gcCollecting, frames: [1, 0] }]);
  const profile = r.finish('x');
  t.same(profile.threads[0].samples.status, [SampleStatus.hasGil | SampleStatus.gcCollecting]);
  t.equal(writeCollapsed(profile), `tid:77;x.py:f:1;${PseudoFrame.gc} 1\n`);
});

/**
 * Profiling modes: which samples each mode keeps, given the helper's status bits, and what the
 * ProfileAssembler does with them (filtered samples counted, `<GC>` frames on top unless turned off).
 */
import t from 'tap';
import { keepsSample, needsCpuState, PROFILE_MODES } from '../../../src/model/modes.js';
import { ProfileAssembler } from '../../../src/model/profile-assembler.js';
import { MessageKind, PROTOCOL_VERSION, ThreadStatus, type Message } from '../../../src/protocol/messages.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';

t.test('each mode keeps the samples its status bit says', async (t) => {
  const { hasGil, onCpu, cpuUnknown, hasException, mainThread } = ThreadStatus;
  t.same(PROFILE_MODES, ['wall', 'cpu', 'gil', 'exception']);
  t.ok(keepsSample('wall', 0));
  t.ok(keepsSample('cpu', onCpu | mainThread));
  t.notOk(keepsSample('cpu', hasGil | mainThread), 'off CPU');
  t.notOk(keepsSample('cpu', cpuUnknown | hasGil), 'unknown is not on CPU');
  t.ok(keepsSample('gil', hasGil));
  t.notOk(keepsSample('gil', onCpu | hasException));
  t.ok(keepsSample('exception', hasException));
  t.notOk(keepsSample('exception', hasGil | onCpu));
  t.ok(needsCpuState('cpu'));
  t.notOk(needsCpuState('wall'), 'wall mode costs no /proc reads');
});

const hello: Message = {
  kind: MessageKind.hello, protocolVersion: PROTOCOL_VERSION, helperVersion: 'test', pid: 7, pythonVersionHex: 0x030d00f0, layoutSource: 'debug_offsets',
  runtimePath: '/usr/bin/python3.13', sampleIntervalNs: 1_000_000, startMonotonicNs: 0, startUnixNs: 0, flags: 0, targetNsPid: 7,
};
const code: Message = { kind: MessageKind.code, codeId: 1, filename: '/w/x.py', name: 'f', qualname: 'f', firstLine: 3, lineTable: new Uint8Array() };
const sample = (status: number): Message => ({ kind: MessageKind.sample, timeNs: 1000, threadId: 7, status, frames: [1, 0] });

function record(options: { mode?: 'wall' | 'gil'; gc?: boolean }, statuses: number[]) {
  const recorder = new ProfileAssembler({ toolVersion: 'test', argv: [], ...options });
  for (const m of [hello, code, ...statuses.map(sample)]) recorder.feed(m);
  return recorder.finish('stop_requested');
}

t.test('the ProfileAssembler filters by mode and counts what it left out', async (t) => {
  const profile = record({ mode: 'gil' }, [ThreadStatus.hasGil, 0, 0, ThreadStatus.hasGil | ThreadStatus.onCpu]);
  t.equal(profile.meta.mode, 'gil');
  t.equal(profile.meta.samplesFilteredOut, 2);
  t.equal(profile.threads[0].samples.length, 2);
});

t.test('<GC> goes on top of stacks sampled while collecting, unless turned off', async (t) => {
  const collecting = ThreadStatus.hasGil | ThreadStatus.gcCollecting;
  const lines = writeCollapsed(record({}, [collecting, ThreadStatus.hasGil])).trim().split('\n').sort();
  t.same(lines, ['tid:7;x.py:f:3 1', 'tid:7;x.py:f:3;<GC> 1']);
  t.equal(writeCollapsed(record({ gc: false }, [collecting, ThreadStatus.hasGil])), 'tid:7;x.py:f:3 2\n');
});

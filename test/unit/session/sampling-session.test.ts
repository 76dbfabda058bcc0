/**
 * The sampling session against the fake helper: every listener sees every chunk and message in
 * order, a failing listener ends the session as a broken stream would, stop and finish, a helper
 * that dies still leaves the samples so far, and a session that never attached says why.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { openCapture } from '../../../src/capture/format.js';
import { replayCapture } from '../../../src/capture/replay.js';
import { CaptureWriter } from '../../../src/capture/writer.js';
import { sampleCount } from '../../../src/model/profile.js';
import { ProfileAssembler } from '../../../src/model/profile-assembler.js';
import { HelperExit, MessageKind, type Message } from '../../../src/protocol/messages.js';
import { ExitCode, TachyonError } from '../../../src/session/errors.js';
import { SamplingSession, type SamplingListener, type SamplingOutcome } from '../../../src/session/sampling-session.js';
import { FAKE_HELPER, orderFakeHelper, RECORDED_STREAM, recordedMessages, type FakeOrder } from '../../helpers/fake-helper.js';

const REQUEST = { helperPath: FAKE_HELPER, pid: 4242, rateHz: 500, durationMs: undefined, allThreads: false, verbose: false, log: () => undefined };

/** A listener that keeps what it was told. */
class Tape implements SamplingListener {
  readonly messages: Message[] = [];
  readonly chunks: Buffer[] = [];
  readonly ends: SamplingOutcome[] = [];
  onChunk(chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  onMessage(message: Message): void {
    this.messages.push(message);
  }
  onEnd(outcome: SamplingOutcome): void {
    this.ends.push(outcome);
  }
}

function session(order: FakeOrder, listeners: SamplingListener[], stopGraceMs?: number): SamplingSession {
  orderFakeHelper(order);
  return new SamplingSession({ ...REQUEST, ...(stopGraceMs !== undefined ? { stopGraceMs } : {}) }, listeners);
}

/** The samples a ProfileAssembler keeps from the recording's first `messages` messages. */
function samplesOf(messages: Message[]): number {
  const recorder = new ProfileAssembler({ toolVersion: 'test', argv: [] });
  for (const message of messages) recorder.feed(message);
  return recorder.builder.sampleCount;
}

function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(() => undefined, (error: unknown) => error);
}

t.test('every listener gets every chunk and message, in order, then one end', async (t) => {
  const first = new Tape();
  const second = new Tape();
  const recorder = new ProfileAssembler({ toolVersion: 'test', argv: [] });
  const s = session({ mode: 'replay' }, [first, { onMessage: (m) => recorder.feed(m) }, second]);
  const hello = await s.attached();
  const outcome = await s.finish();
  const expected = recordedMessages();
  t.equal(hello.kind, MessageKind.hello);
  t.same(first.messages, expected, 'the first listener: the recording, in order');
  t.same(second.messages, expected, 'the last listener: the same');
  t.ok(Buffer.concat(first.chunks).equals(RECORDED_STREAM), 'the chunks are the stream');
  t.equal(recorder.builder.sampleCount, samplesOf(expected), 'the profile builder kept every sample');
  t.ok(recorder.builder.sampleCount > 50, 'and there are samples to keep');
  t.same([first.ends.length, second.ends.length], [1, 1], 'one end each');
  t.match(first.ends[0], { attached: true, helperDied: false, sawBye: true, exitCode: 0 });
  t.equal(await s.finish(), outcome, 'finish twice: the same outcome, no second end');
  t.equal(first.ends.length, 1);
});

t.test('a listener that throws: the listeners after it miss that message, the session ends as died', async (t) => {
  const before = new Tape();
  const after = new Tape();
  let samples = 0;
  const s = session({ mode: 'until-stop' }, [before, { onMessage: (m) => {
    if (m.kind === MessageKind.sample && ++samples === 20) throw new Error('listener failed');
  } }, after]);
  await s.attached();
  const outcome = await s.finish();
  t.equal(before.messages.length, after.messages.length + 1, 'the failing message reached the listener before, not the one after');
  t.same(before.messages, recordedMessages().slice(0, before.messages.length), 'in order, up to the failure');
  t.equal(outcome.streamError?.message, 'listener failed');
  t.match(outcome, { attached: true, helperDied: true, sawBye: false });
  t.same(after.ends, [outcome], 'every listener is told how it ended');
});

t.test('a listener that refuses the hello: never attached, and finish says the stream broke', async (t) => {
  const tape = new Tape();
  const s = session({ mode: 'until-stop' }, [{ onMessage: () => {
    throw new Error('protocol 99 is not read here');
  } }, tape]);
  await s.attached();
  const error = await caught(s.finish());
  t.type(error, TachyonError);
  t.equal((error as TachyonError).message, 'the helper\'s output broke the protocol: protocol 99 is not read here');
  t.equal((error as TachyonError).exitCode, ExitCode.helperProblem);
  t.match(tape.ends, [{ attached: false, helperDied: false }]);
});

t.test('stop(): the helper says bye and nothing is lost', async (t) => {
  const tape = new Tape();
  const s = session({ mode: 'until-stop' }, [tape]);
  await s.attached();
  s.stop();
  const outcome = await s.finish();
  t.match(outcome, { attached: true, helperDied: false, sawBye: true });
  t.same(tape.messages, recordedMessages());
});

t.test('a stalled helper is killed after the stop grace; the samples so far stay', async (t) => {
  const tape = new Tape();
  const s = session({ mode: 'stall', messages: 30 }, [tape], 300);
  await s.attached();
  const started = Date.now();
  s.stop();
  const outcome = await s.finish();
  t.ok(Date.now() - started >= 250, 'not before the grace period');
  t.match(outcome, { attached: true, helperDied: true, signal: 'SIGKILL' });
  t.same(tape.messages, recordedMessages().slice(0, 30));
});

t.test('a helper that dies mid-stream still yields the samples so far, and its capture replays them', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tachyon-sampling-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const recorder = new ProfileAssembler({ toolVersion: 'test', argv: [] });
  const capture = new CaptureWriter(path.join(dir, 'died.bin'), { tool: { name: 'tachyon', version: 'test' }, commandLine: [], argv: [], mode: 'wall', rateHz: 500, allThreads: false, target: { pid: 4242 }, startUnixMs: 0 }, 'none');
  const s = session({ mode: 'die', messages: 60, cutBytes: 9, exit: 1, stderr: 'panic: reached unreachable code' }, [{ onMessage: (m) => recorder.feed(m) }, capture]);
  await s.attached();
  const outcome = await s.finish();
  const expected = samplesOf(recordedMessages().slice(0, 60));
  t.match(outcome, { attached: true, helperDied: true, exitCode: 1, stderrTail: 'panic: reached unreachable code' });
  t.equal(recorder.builder.sampleCount, expected, 'the samples of the 60 whole messages');
  t.ok(expected > 20);
  const replayed = replayCapture(openCapture(readFileSync(capture.file)), 'test');
  t.equal(sampleCount(replayed.profile), sampleCount(recorder.finish('helper_died')), 'the capture replays to the same samples');
  t.equal(replayed.lostBytes, 9, 'and drops the cut message');
  t.match(capture.written(expected), [`Binary capture written to ${capture.file} (${expected} samples)`, /bytes on disk for \d+ bytes of helper stream; compression: none/]);
});

t.test('a helper that exits before its hello: the matching error, and the capture is removed', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tachyon-sampling-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const capture = new CaptureWriter(path.join(dir, 'never.bin'), { tool: { name: 'tachyon', version: 'test' }, commandLine: [], argv: [], mode: 'wall', rateHz: 500, allThreads: false, target: { pid: 4242 }, startUnixMs: 0 }, 'none');
  const tape = new Tape();
  const s = session({ mode: 'die', messages: 0, exit: HelperExit.permission_denied, stderr: 'ptrace: Operation not permitted' }, [tape, capture]);
  const error = await caught(s.attached());
  t.type(error, TachyonError);
  t.equal((error as TachyonError).exitCode, ExitCode.permissionDenied);
  t.equal((error as TachyonError).message, 'no permission to read process 4242 (ptrace: Operation not permitted)');
  t.notOk(existsSync(capture.file), 'the capture, which holds no sample, is gone');
  t.match(tape.ends, [{ attached: false }]);
});

t.test('a helper that ends silently before its hello', async (t) => {
  const s = session({ mode: 'die', messages: 0, exit: 0 }, []);
  const error = await caught(s.attached());
  t.equal((error as TachyonError).message, 'the helper ended before attaching');
  t.equal((error as TachyonError).hint, 'run with --verbose to see its messages');
});

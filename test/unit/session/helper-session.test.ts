/**
 * One run of the helper, against a fake helper that replays a stream the real helper recorded
 * and can be told to stall, die mid-stream or write garbage: what reaches the caller, in which
 * order, and what the outcome says.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { ProtocolError } from '../../../src/protocol/decode.js';
import { MessageKind, type Message } from '../../../src/protocol/messages.js';
import { HelperSession, type HelperSessionOptions } from '../../../src/session/helper-session.js';
import { FAKE_HELPER, orderFakeHelper, RECORDED_STREAM, recordedMessages, type FakeOrder } from '../../helpers/fake-helper.js';

const REQUEST = { helperPath: FAKE_HELPER, pid: 4242, rateHz: 1000, durationMs: undefined, allThreads: false, verbose: false };

function start(order: FakeOrder, options: Partial<HelperSessionOptions> = {}): { session: HelperSession; messages: Message[]; chunks: Buffer[] } {
  orderFakeHelper(order);
  const messages: Message[] = [];
  const chunks: Buffer[] = [];
  const session = new HelperSession({
    ...REQUEST,
    onMessage: (message) => messages.push(message),
    onChunk: (chunk) => chunks.push(chunk),
    log: () => undefined,
    ...options,
  });
  return { session, messages, chunks };
}

/** Resolves to 'pending' if `promise` has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms))]);
}

t.test('a whole stream: every message in order, every byte as a chunk, a clean end', async (t) => {
  const { session, messages, chunks } = start({ mode: 'replay' });
  const hello = await session.hello;
  const outcome = await session.done;
  const expected = recordedMessages();
  t.equal(hello.pid, (expected[0] as { pid: number }).pid, 'hello is the recording\'s');
  t.same(messages, expected, 'the recording\'s messages, in order');
  t.ok(chunks.length > 1, 'the stream came in several chunks');
  t.ok(Buffer.concat(chunks).equals(RECORDED_STREAM), 'the chunks are the stream, byte for byte');
  t.same(outcome, { exitCode: 0, signal: undefined, stderrTail: '', streamError: undefined, sawBye: true });
});

t.test('the request becomes the helper\'s arguments', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tachyon-fake-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const argvFile = path.join(dir, 'argv');
  const plain = start({ mode: 'replay', argvFile });
  await plain.session.done;
  t.same(readFileSync(argvFile, 'utf8').split('\n'), ['--pid=4242', '--rate-hz=1000', '--stop-on-stdin-eof']);
  const every = start({ mode: 'replay', argvFile }, { durationMs: 1500, allThreads: true, cpuState: true, blocking: true, native: true, realtime: true, locals: true });
  await every.session.done;
  t.same(readFileSync(argvFile, 'utf8').split('\n'), [
    '--pid=4242', '--rate-hz=1000', '--stop-on-stdin-eof', '--duration-ms=1500', '--all-threads', '--cpu-state', '--blocking', '--native', '--realtime', '--locals',
  ]);
});

t.test('stop() closes stdin: the helper sends its closing stats and bye', async (t) => {
  const { session, messages } = start({ mode: 'until-stop' });
  await session.hello;
  t.equal(await within(session.done, 500), 'pending', 'it samples until asked to stop');
  session.stop();
  session.stop();
  const outcome = await session.done;
  t.equal(outcome.sawBye, true);
  t.equal(outcome.exitCode, 0);
  t.same(messages, recordedMessages(), 'nothing lost around the stop');
});

t.test('a helper that dies mid-message: the whole messages before it, its exit code and its panic line', async (t) => {
  const { session, messages } = start({ mode: 'die', messages: 40, cutBytes: 5, exit: 134, stderr: 'thread 7 panic: index out of bounds\n    frames[i] = x;\n    ^\nlast words' });
  const outcome = await session.done;
  t.same(messages, recordedMessages().slice(0, 40), 'the first 40 messages, the cut one dropped');
  t.equal(outcome.exitCode, 134);
  t.equal(outcome.sawBye, false);
  t.equal(outcome.streamError, undefined, 'a cut message is no protocol error');
  t.equal(outcome.stderrTail, 'thread 7 panic: index out of bounds', 'the panic line, not the caret or what followed');
});

t.test('a helper killed by a signal, after its last stderr line', async (t) => {
  const { session, messages } = start({ mode: 'die', messages: 10, signal: 'SIGSEGV', stderr: 'reading thread 2' });
  const outcome = await session.done;
  t.equal(messages.length, 10);
  t.equal(outcome.signal, 'SIGSEGV');
  t.equal(outcome.exitCode, undefined);
  t.equal(outcome.stderrTail, 'reading thread 2');
});

t.test('a helper that exits before its hello: hello rejects, done says why', async (t) => {
  const { session, messages } = start({ mode: 'die', messages: 0, exit: 6, stderr: 'ptrace: Operation not permitted' });
  await t.rejects(session.hello, ProtocolError);
  const outcome = await session.done;
  t.equal(messages.length, 0);
  t.equal(outcome.exitCode, 6);
  t.equal(outcome.stderrTail, 'ptrace: Operation not permitted');
});

t.test('garbage in the stream: a protocol error, the messages before it, and the helper asked to stop', async (t) => {
  const { session, messages } = start({ mode: 'garbage', messages: 25 });
  const outcome = await session.done;
  t.same(messages, recordedMessages().slice(0, 25));
  t.type(outcome.streamError, ProtocolError);
  t.equal(outcome.sawBye, false, 'what follows the garbage is not read');
  t.equal(outcome.exitCode, 0, 'the helper stopped when asked (it waits for stdin\'s EOF otherwise)');
});

t.test('a message handler that throws ends the stream as garbage would', async (t) => {
  let seen = 0;
  const failure = new Error('the listener refused sample 3');
  const { session } = start({ mode: 'until-stop' }, {
    onMessage: (message) => {
      if (message.kind === MessageKind.sample && ++seen === 3) throw failure;
    },
  });
  const outcome = await session.done;
  t.equal(outcome.streamError, failure);
  t.equal(seen, 3, 'nothing after the failing message');
  t.equal(outcome.sawBye, false);
});

t.test('a stalled helper ignores stop(); kill() ends it', async (t) => {
  const { session, messages } = start({ mode: 'stall', messages: 12 });
  await session.hello;
  session.stop();
  t.equal(await within(session.done, 500), 'pending', 'still running after stop()');
  session.kill();
  const outcome = await session.done;
  t.equal(outcome.signal, 'SIGKILL');
  t.equal(messages.length, 12);
});

t.test('a helper that cannot be started', async (t) => {
  const { session } = start({ mode: 'replay' }, { helperPath: '/nonexistent/tachyon-helper' });
  await t.rejects(session.hello);
  const outcome = await session.done;
  t.match(outcome.stderrTail, /^cannot start \/nonexistent\/tachyon-helper: .*ENOENT/);
  t.equal(outcome.exitCode, undefined);
});

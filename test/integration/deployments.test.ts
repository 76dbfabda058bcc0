/**
 * The three deployments the helper is built for: a setuid helper called by an unprivileged
 * orchestrator (privileged-helper.test.ts: what it grants and refuses), a target in another
 * mount namespace (a chroot: covered for every Debian build by run.test.ts and attach.test.ts),
 * and, here, a batch capture where the helper alone writes its stream to a file that is turned
 * into a report later.
 */
import t from 'tap';
import { execa } from 'execa';
import path from 'node:path';
import { unpackMultiple } from 'msgpackr';
import { coreInterpreters, installFixtures, REPO_ROOT } from '../helpers/interpreters.js';
import { parseCollapsed, startTarget } from '../helpers/cli.js';
import { checkRecursiveProfile } from '../helpers/recursive-profile.js';
import { decodeMessage } from '../../src/protocol/decode.js';
import { MessageKind } from '../../src/protocol/messages.js';
import { ProfileAssembler } from '../../src/model/profile-assembler.js';
import { writeCollapsed } from '../../src/output/collapsed.js';

const fixtures = installFixtures();
const HELPER = path.join(REPO_ROOT, 'zig-out', 'bin', 'tachyon-helper');

t.test('batch capture: the helper alone writes a stream that becomes a report later', async (t) => {
  const interpreter = coreInterpreters().find((i) => i.present);
  if (!interpreter) return t.fail('MISSING INTERPRETER: no CPython 3.13+');
  const target = await startTarget([...interpreter.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));
  const capture = await execa(HELPER, [`--pid=${target.pid}`, '--duration-ms=1500'], { encoding: 'buffer', reject: false, stdin: 'ignore' });
  t.equal(capture.exitCode, 0, String(capture.stderr));
  const messages = (unpackMultiple(Buffer.from(capture.stdout as Uint8Array)) as unknown[]).map(decodeMessage);
  t.equal(messages[0].kind, MessageKind.hello, 'the stream starts with hello');
  t.match(messages[messages.length - 1], { kind: MessageKind.bye, reason: 2 }, 'and ends with bye: duration elapsed');
  const recorder = new ProfileAssembler({ toolVersion: 'test', argv: [] });
  for (const message of messages) recorder.feed(message);
  const profile = recorder.finish('unknown');
  t.ok(profile.meta.ticksTaken >= 1300, `${profile.meta.ticksTaken} ticks in 1.5 s`);
  checkRecursiveProfile(t, parseCollapsed(writeCollapsed(profile)), { viaRun: false });
});

/**
 * The three deployments the helper is built for: a setuid helper called by an unprivileged
 * orchestrator, a target in another mount namespace (a chroot: covered for every Debian build by
 * run.test.ts and attach.test.ts), and a batch capture where the helper alone writes its stream
 * to a file that is turned into a report later.
 */
import t from 'tap';
import { execa } from 'execa';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { unpackMultiple } from 'msgpackr';
import { coreInterpreters, CHROOT, installFixtures, missingMessage, REPO_ROOT } from '../helpers/interpreters.js';
import { installReadableByAll, parseCollapsed, parseSummary, startTarget, tachyon } from '../helpers/cli.js';
import { checkRecursiveProfile } from '../helpers/recursive-profile.js';
import { decodeMessage } from '../../src/protocol/decode.js';
import { MessageKind } from '../../src/protocol/messages.js';
import { ProfileAssembler } from '../../src/model/profile-assembler.js';
import { writeCollapsed } from '../../src/output/collapsed.js';

const fixtures = installFixtures();
const HELPER = path.join(REPO_ROOT, 'zig-out', 'bin', 'tachyon-helper');
const NOBODY = '65534';
const debian315 = coreInterpreters().find((i) => i.label === 'debian-3.15');

t.test('a setuid-root helper lets an unprivileged user profile a process it may not otherwise read', async (t) => {
  if (!debian315?.present) return t.fail(missingMessage(debian315 ?? coreInterpreters()[4]));
  const dir = '/tmp/tachyon-setuid';
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const setuidHelper = path.join(dir, 'tachyon-helper');
  copyFileSync(HELPER, setuidHelper);
  chownSync(setuidHelper, 0, 0);
  chmodSync(setuidHelper, 0o4755);
  const root = installReadableByAll();

  // The target runs as nobody and makes itself non-dumpable: nobody alone cannot read it.
  const target = await startTarget(['chroot', `--userspec=${NOBODY}:${NOBODY}`, CHROOT, '/usr/bin/python3.15', `${fixtures}/nondumpable.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));

  const plain = await tachyon(['attach', '-d', '1', String(target.pid)], { user: NOBODY, root, env: { TACHYON_HELPER: path.join(root, 'zig-out', 'bin', 'tachyon-helper') } });
  t.equal(plain.exitCode, 6, `an ordinary helper is refused: ${plain.stderr.trim()}`);

  // Written by nobody: /tmp itself is writable by all.
  const report = `/tmp/tachyon-setuid-${process.pid}.txt`;
  t.teardown(() => rmSync(report, { force: true }));
  const withSetuid = await tachyon(['attach', '-d', '1.5', '--collapsed', '-o', report, String(target.pid)], {
    user: NOBODY,
    root,
    env: { TACHYON_HELPER: setuidHelper },
  });
  t.equal(withSetuid.exitCode, 0, withSetuid.stderr);
  t.ok(parseSummary(withSetuid.stderr).failedPct < 5, 'samples are read');
  checkRecursiveProfile(t, parseCollapsed(readFileSync(report, 'utf8')), { viaRun: false });

  // The setuid helper checks the real user: nobody may not profile root's processes through it.
  const rootsTarget = await startTarget([...debian315.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void rootsTarget.child.kill('SIGKILL'));
  const refused = await tachyon(['attach', '-d', '1', String(rootsTarget.pid)], { user: NOBODY, root, env: { TACHYON_HELPER: setuidHelper } });
  t.equal(refused.exitCode, 6, 'a root-owned target stays out of reach');
  t.match(refused.stderr, /tachyon: error: no permission to read process/);
});

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

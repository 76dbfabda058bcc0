/**
 * Real-time scheduling of the helper (helper/Priority.zig): with --realtime, and the privilege
 * for it, the sampling loop runs under SCHED_FIFO and hello says so; without the option, above
 * 20 kHz, or without the privilege it samples at normal priority; a setuid helper asks for it
 * only after dropping root, so it gets it exactly when its caller could (RLIMIT_RTPRIO). The policy is read from the running helper's /proc/PID/stat, not taken
 * on the helper's word. `tachyon -v` says which one applied, and --no-realtime turns it off.
 */
import t from 'tap';
import { execa } from 'execa';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { unpackMultiple } from 'msgpackr';
import { coreInterpreters, CHROOT, installFixtures, missingMessage, REPO_ROOT } from '../helpers/interpreters.js';
import { installReadableByAll, startTarget, tachyon } from '../helpers/cli.js';
import { decodeMessage } from '../../src/protocol/decode.js';
import { HelloFlags, MessageKind, type HelloMessage } from '../../src/protocol/messages.js';

const fixtures = installFixtures();
const HELPER = path.join(REPO_ROOT, 'zig-out', 'bin', 'tachyon-helper');
const NOBODY = 65534;
const SCHED_FIFO = 1;
const debian315 = coreInterpreters().find((i) => i.label === 'debian-3.15');

/** Field 41 of /proc/PID/stat, counted after the command name's closing parenthesis. */
function schedulingPolicy(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[41 - 3]);
}

/** Runs the helper for 1.5 s and returns its hello and the policy it had half-way through. */
async function sample(helper: string | string[], args: string[], user?: number): Promise<{ hello: HelloMessage; policy: number; stderr: string; exitCode: number | undefined }> {
  const [file, ...prefix] = typeof helper === 'string' ? [helper] : helper;
  const child = execa(file as string, [...prefix, ...args, '--duration-ms=1500'], { encoding: 'buffer', reject: false, stdin: 'ignore', ...(user !== undefined ? { uid: user, gid: user } : {}) });
  await new Promise((resolve) => setTimeout(resolve, 800));
  const policy = schedulingPolicy(child.pid as number);
  const result = await child;
  const messages = (unpackMultiple(Buffer.from(result.stdout as Uint8Array)) as unknown[]).map(decodeMessage);
  const hello = messages.find((m) => m.kind === MessageKind.hello) as HelloMessage;
  return { hello, policy, stderr: String(result.stderr), exitCode: result.exitCode };
}

const realtime = (hello: HelloMessage) => (hello.flags & HelloFlags.realtime) !== 0;

t.test('the helper samples under SCHED_FIFO when asked and permitted, and only then', async (t) => {
  if (!debian315?.present) return t.fail(missingMessage(debian315 ?? coreInterpreters()[4]));
  const target = await startTarget([...debian315.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));

  const asked = await sample(HELPER, [`--pid=${target.pid}`, '--realtime']);
  t.equal(asked.exitCode, 0, asked.stderr);
  t.equal(asked.policy, SCHED_FIFO, 'root: the sampling loop runs under SCHED_FIFO');
  t.ok(realtime(asked.hello), 'and hello says so');

  const plain = await sample(HELPER, [`--pid=${target.pid}`]);
  t.equal(plain.policy, 0, 'without --realtime: SCHED_OTHER');
  t.notOk(realtime(plain.hello), 'and hello says so');

  const fast = await sample(HELPER, [`--pid=${target.pid}`, '--realtime', '--rate-hz=50000']);
  t.equal(fast.policy, 0, 'above 20 kHz the helper does not ask for it');
  t.notOk(realtime(fast.hello));
});

t.test('an unprivileged helper samples at normal priority; a setuid one gets real-time only if its caller may', async (t) => {
  if (!debian315?.present) return t.fail(missingMessage(debian315 ?? coreInterpreters()[4]));
  const target = await startTarget(['chroot', `--userspec=${NOBODY}:${NOBODY}`, CHROOT, '/usr/bin/python3.15', `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));
  const root = installReadableByAll();

  const unprivileged = await sample(path.join(root, 'zig-out', 'bin', 'tachyon-helper'), [`--pid=${target.pid}`, '--realtime'], NOBODY);
  t.equal(unprivileged.exitCode, 0, unprivileged.stderr);
  t.equal(unprivileged.policy, 0, 'no CAP_SYS_NICE: SCHED_OTHER');
  t.notOk(realtime(unprivileged.hello), 'and hello says so');
  t.ok(unprivileged.hello.pid === target.pid, 'sampling went ahead');

  const dir = '/tmp/tachyon-setuid-priority';
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const setuidHelper = path.join(dir, 'tachyon-helper');
  copyFileSync(HELPER, setuidHelper);
  chownSync(setuidHelper, 0, 0);
  chmodSync(setuidHelper, 0o4755);
  // The caller has no real-time allowance (RLIMIT_RTPRIO 0): root must not lend it one.
  const setuid = await sample(['prlimit', '--rtprio=0:0', 'setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', setuidHelper], [`--pid=${target.pid}`, '--realtime']);
  t.equal(setuid.exitCode, 0, setuid.stderr);
  t.equal(setuid.policy, 0, 'setuid, caller with RLIMIT_RTPRIO 0: SCHED_OTHER');
  t.notOk(realtime(setuid.hello), 'and hello says so');
});

t.test('tachyon -v names the scheduling; --no-realtime keeps it normal', async (t) => {
  if (!debian315?.present) return t.fail(missingMessage(debian315 ?? coreInterpreters()[4]));
  const target = await startTarget([...debian315.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => void target.child.kill('SIGKILL'));
  const byDefault = await tachyon(['attach', '-v', '-d', '0.5', '--collapsed', '-o', '/dev/null', String(target.pid)]);
  t.equal(byDefault.exitCode, 0, byDefault.stderr);
  t.match(byDefault.stderr, /tachyon: sampling at real-time scheduling priority\n/);
  const off = await tachyon(['attach', '-v', '--no-realtime', '-d', '0.5', '--collapsed', '-o', '/dev/null', String(target.pid)]);
  t.equal(off.exitCode, 0, off.stderr);
  t.match(off.stderr, /tachyon: sampling at normal scheduling priority\n/);
  t.notMatch(off.stderr, /needs root/, 'no hint when normal priority was asked for');
});

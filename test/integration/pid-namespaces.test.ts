/**
 * Targets in other namespaces, as a container or a sidecar puts them, reproduced with
 * `unshare` (the README's "Profiling containers (sidecar)" recipe in miniature; these tests run
 * as root, as CI does). (a) The target in a PID and mount namespace of its own (`unshare --pid
 * --fork --mount-proc`, inside the sid chroot so CPython 3.15 names its threads), profiled from
 * outside by its host pid: thread names are there, thread ids are host tids (the target's
 * own are 1, 2, 3), `--mode cpu` keeps the samples of its busy threads, and the summary says
 * whose ids are shown. Before the helper translated ids through `NSpid:`, the same run got tids
 * 1-3, no names and every CPU state unknown (so `--mode cpu` kept nothing). (b) The target in
 * the helper's PID namespace but a mount namespace of its own, its script on a tmpfs only that
 * namespace sees: profiled as usual, nothing to translate.
 */
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CHROOT, coreInterpreters, installFixtures, missingMessage } from '../helpers/interpreters.js';
import { readCollapsed, startTarget, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-pidns-'));
const python315 = coreInterpreters().find((i) => i.label === 'debian-3.15');

interface DumpJson {
  pid: number;
  threads: { tid: number; name: string | null; status: string[]; frames: { func: string }[] }[];
}

function hasUnshare(): boolean {
  return spawnSync('unshare', ['--version']).status === 0;
}

/** The `NSpid:` fields of a process: its id in each PID namespace, outermost first. */
function nsPid(pid: number): number[] {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('NSpid:')) ?? '';
  return line.slice('NSpid:'.length).trim().split(/\s+/).map(Number);
}

/** The one child of a process (`unshare --fork` runs the program as its child). */
function onlyChild(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter((c) => c !== '');
  if (children.length !== 1) throw new Error(`process ${pid} has children [${children.join(', ')}], expected one`);
  return Number(children[0]);
}

const tidsOf = (pid: number): number[] => readdirSync(`/proc/${pid}/task`).map(Number).sort((a, b) => a - b);

/** What both cases check on a running threads_and_names.py: dump with names, then --mode cpu. */
async function profileAndCheck(t: Test, pid: number, ownPid: number | undefined): Promise<void> {
  const hostTids = tidsOf(pid);
  t.equal(hostTids.length, 3, 'the target runs three threads');

  const dump = await tachyon(['dump', '-a', '--json', String(pid)]);
  t.equal(dump.exitCode, 0, dump.stderr);
  const stacks = JSON.parse(dump.stdout) as DumpJson;
  t.same(stacks.threads.map((thread) => thread.tid).sort((a, b) => a - b), hostTids, 'dump: thread ids are the host tids');
  t.same(stacks.threads.map((thread) => thread.name).sort(), ['MainThread', 'cyrillic', 'ucs4'], 'dump: thread names from /proc/PID/task/TID/comm');

  const file = path.join(out, `cpu-${pid}.txt`);
  const run = await tachyon(['attach', '-a', '--mode', 'cpu', '-d', '1.5', '--collapsed', '-o', file, String(pid)]);
  t.equal(run.exitCode, 0, run.stderr);
  const lines = readCollapsed(file);
  const sampled = [...new Set(lines.map((line) => line.tid))].sort((a, b) => a - b);
  t.same(sampled, hostTids, '--mode cpu keeps samples of each busy thread, under its host tid');
  const spinning = lines.filter((line) => line.frames.some((f) => f.func === 'spin')).reduce((sum, line) => sum + line.count, 0);
  t.ok(spinning > 100, `${spinning} on-CPU samples in spin()`);
  const namespaceLine = /Thread ids are the profiler's PID namespace's; the target is PID (\d+) in its own\./.exec(run.stderr);
  if (ownPid === undefined) t.equal(namespaceLine, null, 'same PID namespace: the summary says nothing of namespaces');
  else t.equal(Number(namespaceLine?.[1]), ownPid, 'the summary says whose ids are shown');
}

t.test('(a) target in its own PID and mount namespace, profiled from outside by its host pid', async (t) => {
  if (!hasUnshare()) return t.fail('unshare (util-linux) is needed: apt-get install util-linux');
  if (python315 === undefined || !python315.present) return t.fail(python315 ? missingMessage(python315) : 'no debian-3.15 interpreter');
  const unshare = await startTarget(['unshare', '--pid', '--fork', '--kill-child', '--mount-proc', `--root=${CHROOT}`, '/usr/bin/python3.15', `${fixtures}/threads_and_names.py`, '60']);
  try {
    const pid = onlyChild(unshare.pid);
    t.same(nsPid(pid), [pid, 1], 'the target is pid 1 in a PID namespace of its own');
    await profileAndCheck(t, pid, 1);
  } finally {
    unshare.child.kill('SIGKILL');
  }
});

t.test('(b) target in the helper\'s PID namespace, in a mount namespace of its own', async (t) => {
  if (!hasUnshare()) return t.fail('unshare (util-linux) is needed: apt-get install util-linux');
  if (python315 === undefined || !python315.present) return t.fail(python315 ? missingMessage(python315) : 'no debian-3.15 interpreter');
  // A tmpfs mounted inside the target's mount namespace only, holding its script.
  const inside = `/tmp/tachyon-private-${process.pid}`;
  const hostView = path.join(CHROOT, inside);
  mkdirSync(hostView, { recursive: true });
  const script = [
    `mount -t tmpfs tmpfs ${hostView}`,
    `cp ${fixtures}/threads_and_names.py ${hostView}/`,
    `exec chroot ${CHROOT} /usr/bin/python3.15 ${inside}/threads_and_names.py 60`,
  ].join(' && ');
  const target = await startTarget(['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script]);
  try {
    t.same(nsPid(target.pid), [target.pid], 'the target shares the helper\'s PID namespace');
    t.not(readlinkSync(`/proc/${target.pid}/ns/mnt`), readlinkSync('/proc/self/ns/mnt'), 'but not its mount namespace');
    t.notOk(existsSync(path.join(hostView, 'threads_and_names.py')), 'its script is not visible from the helper\'s mount namespace');
    await profileAndCheck(t, target.pid, undefined);
  } finally {
    target.child.kill('SIGKILL');
    await target.child;
    rmdirSync(hostView);
  }
});

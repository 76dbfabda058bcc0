/**
 * The setuid-root helper grants an unprivileged caller exactly what the kernel's ptrace access
 * check would (docs/security.md): each test runs a setuid-root copy of the helper as a test user
 * against a real Python program the kernel forbids that user to read, and checks it gets
 * nothing (exit 6, a stderr line naming the failed condition, no sample, no secret), directly
 * and through `tachyon attach`/`dump`; strace checks what it opens while privileged. The last
 * test is the allowed case: the user's own process under ptrace_scope=1-like conditions.
 * Needs root, useradd, strace, gcc and prlimit; TACHYON_TEST_HELPER names the helper to test.
 */
import t, { type Test } from 'tap';
import { execa } from 'execa';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { unpackMultiple } from 'msgpackr';
import { CHROOT, installFixtures } from '../helpers/interpreters.js';
import { cleanEnv, installReadableByAll, parseCollapsed, tachyon } from '../helpers/cli.js';
import { checkRecursiveProfile } from '../helpers/recursive-profile.js';
import {
  asUser,
  asUserWithoutPtrace,
  ensureUser,
  HELPER_SOURCE,
  HELPER_UNDER_TEST,
  isInsideProcDir,
  missingTools,
  opensBeforeDrop,
  parseStrace,
  privilegedCopy,
  run,
  schedulingPolicy,
  startPython,
  stop,
  straced,
  type RunResult,
  type Target,
  type User,
} from '../helpers/privilege.js';
import { decodeMessage } from '../../src/protocol/decode.js';
import { MessageKind } from '../../src/protocol/messages.js';

const missing = missingTools(['useradd', 'strace', 'gcc', 'prlimit', 'setpriv', 'mkfifo']);
if (missing.length > 0) throw new Error(`MISSING TOOLS for the setuid tests: ${missing.join(', ')} (apt-get install passwd strace gcc util-linux)`);
if (process.getuid?.() !== 0) throw new Error('the setuid tests create users and setuid files: run them as root');
if (!existsSync(path.join(CHROOT, 'usr/bin/python3.15'))) throw new Error(`MISSING INTERPRETER: ${CHROOT}/usr/bin/python3.15 (bash scripts/setup-chroot.sh)`);

const fixtures = installFixtures();
const A = ensureUser('tachyon-test-a');
const B = ensureUser('tachyon-test-b');
const ROOT_USER = { uid: 0, gid: 0 };
/** The same path inside the chroot and outside it; `inChroot` gives the outside name of the inside copy. */
const WORK = `/tmp/tachyon-privileged-${process.pid}`;
const inChroot = (p: string) => path.join(CHROOT, p);
for (const dir of [WORK, inChroot(WORK)]) mkdirSync(dir, { recursive: true, mode: 0o755 });
// TACHYON_TEST_KEEP=1 keeps the strace logs and copies for a look afterwards.
t.teardown(() => {
  if (process.env.TACHYON_TEST_KEEP) return;
  rmSync(WORK, { recursive: true, force: true });
  rmSync(inChroot(WORK), { recursive: true, force: true });
});
const SETUID_HELPER = privilegedCopy(HELPER_UNDER_TEST, path.join(WORK, 'setuid', 'tachyon-helper'), 0o4755);
const PLAIN_HELPER = privilegedCopy(HELPER_UNDER_TEST, path.join(WORK, 'plain', 'tachyon-helper'), 0o755);
const install = installReadableByAll();
t.comment(`helper under test: ${HELPER_UNDER_TEST}`);

/** A fresh random secret in a file (inside the chroot) only `uid:gid` with `mode` may read. */
function secretFile(name: string, mode = 0o600, gid = 0): { path: string; secret: string } {
  const secret = `tachyon-secret-${randomBytes(8).toString('hex')}`;
  const file = path.join(WORK, name);
  writeFileSync(inChroot(file), `${secret}\nsecond line\n`);
  chownSync(inChroot(file), 0, gid);
  chmodSync(inChroot(file), mode);
  return { path: file, secret };
}

async function started(t: Test, user: { uid: number; gid: number }, args: string[], python?: string): Promise<Target> {
  const target = await startPython(user, args, python);
  t.teardown(() => stop(target));
  return target;
}

function helperDirectly(user: User, pid: number | string, extra: string[] = []): Promise<RunResult> {
  return run([...asUser(user), SETUID_HELPER, `--pid=${pid}`, '--duration-ms=500', ...extra]);
}

const refusal = (word: RegExp) => new RegExp(`^tachyon-helper: not allowed to read process \\d+: .*(${word.source})`, 'm');

/** The contract's refusal: exit 6, one line naming the condition, nothing on stdout, no secret anywhere. */
function assertRefused(t: Test, result: RunResult, word: RegExp, secrets: string[], what: string): void {
  t.equal(result.exitCode, 6, `${what}: exit 6 (${result.stderr.trim() || `code ${result.exitCode}, signal ${result.signal}`})`);
  t.match(result.stderr, refusal(word), `${what}: stderr names the condition ${word.source}`);
  t.equal(result.stdout.length, 0, `${what}: nothing on stdout`);
  for (const secret of secrets) t.notOk(result.stdout.includes(secret) || result.stderr.includes(secret), `${what}: ${secret} stays hidden`);
}

async function assertCliRefused(t: Test, args: string[], word: RegExp, secrets: string[]): Promise<void> {
  const result = await tachyon(args, { user: String(A.uid), root: install, env: { TACHYON_HELPER: SETUID_HELPER } });
  const what = `tachyon ${args.join(' ')}`;
  t.equal(result.exitCode, 6, `${what}: exit 6 (${result.stderr.trim()})`);
  t.match(result.stderr, /tachyon: error: no permission to read process \d+/, `${what}: says so`);
  t.match(result.stderr, new RegExp(word.source), `${what}: passes on the condition ${word.source}`);
  for (const secret of secrets) t.notOk(result.stdout.includes(secret) || result.stderr.includes(secret), `${what}: ${secret} stays hidden`);
}

t.test('a root service that dropped to the user after loading a secret is refused: dumpable', async (t) => {
  const { path: file, secret } = secretFile('service-secret');
  const target = await started(t, ROOT_USER, [`${fixtures}/dropped_service.py`, String(A.uid), String(A.gid), file]);
  assertRefused(t, await helperDirectly(A, target.pid, ['--locals']), /dumpable/, [secret, 'service_holding_secret'], 'helper --locals');
  await assertCliRefused(t, ['dump', '--locals', String(target.pid)], /dumpable/, [secret, 'service_holding_secret']);
  await assertCliRefused(t, ['attach', '-d', '0.5', String(target.pid)], /dumpable/, [secret]);
});

t.test('a setgid Python (a group the user is not in) is refused: gids', async (t) => {
  const { path: file, secret } = secretFile('group-secret', 0o640, B.gid);
  const python = path.join(WORK, 'python3.15-setgid');
  privilegedCopy(inChroot('/usr/bin/python3.15'), inChroot(python), 0o2755, 0, B.gid);
  // Made dumpable again: only its gids differ from the caller's.
  const dumpable = await started(t, A, [`${fixtures}/setgid_reader.py`, file, '--dumpable'], python);
  assertRefused(t, await helperDirectly(A, dumpable.pid, ['--locals']), /gids/, [secret, 'group_secret_function'], 'dumpable setgid process');
  await assertCliRefused(t, ['dump', '--locals', String(dumpable.pid)], /gids/, [secret]);
  // As the exec left it: non-dumpable too.
  const plain = await started(t, A, [`${fixtures}/setgid_reader.py`, file], python);
  assertRefused(t, await helperDirectly(A, plain.pid, ['--locals']), /gids|dumpable/, [secret, 'group_secret_function'], 'setgid process');
});

t.test('a root process with one thread switched to the user is refused, by thread and by process', async (t) => {
  const { path: file, secret } = secretFile('thread-secret');
  const target = await started(t, ROOT_USER, [`${fixtures}/thread_switch.py`, String(A.uid), String(A.gid), file]);
  const tid = target.ready[0];
  t.not(tid, String(target.pid), `the switched thread ${tid} is not the main thread`);
  t.match(readFileSync(`/proc/${tid}/status`, 'utf8'), new RegExp(`^Uid:\\s+${A.uid}\\s+${A.uid}\\s+${A.uid}`, 'm'), 'the thread runs as the user');
  const secrets = [secret, 'root_secret_function'];
  assertRefused(t, await helperDirectly(A, tid, ['--locals']), /thread \d+|uids/, secrets, `--pid=${tid} (the thread)`);
  assertRefused(t, await helperDirectly(A, target.pid, ['--locals']), /thread \d+|uids|capabilities/, secrets, `--pid=${target.pid} (the process)`);
  await assertCliRefused(t, ['dump', '--locals', tid], /thread \d+|uids/, secrets);
});

t.test('a process that execs a setuid-root Python while the helper attaches: never read', async (t) => {
  const { path: file, secret } = secretFile('race-secret');
  const setuidPython = path.join(WORK, 'python3.15-setuid');
  privilegedCopy(inChroot('/usr/bin/python3.15'), inChroot(setuidPython), 0o4755);
  const tally = { leaked: 0, refused: 0, readPreExec: 0, other: 0 };
  const otherCodes = new Map<string, number>();
  const deadline = Date.now() + 120_000;
  let runs = 0;
  for (; runs < 60 && Date.now() < deadline; runs++) {
    // The target spins 20 ms after "ready", then execs; the helper starts 10-30 ms after "ready".
    const target = await startPython(A, [`${fixtures}/exec_race.py`, '20', setuidPython, `${fixtures}/root_secret.py`, file]);
    await new Promise((resolve) => setTimeout(resolve, 10 + (runs % 21)));
    const result = await helperDirectly(A, target.pid, ['--locals']);
    await stop(target);
    const output = result.stdout.toString('latin1') + result.stderr;
    if (output.includes('root_secret_function') || output.includes(secret)) {
      tally.leaked++;
      t.fail(`run ${runs}: the helper read the setuid-root program (exit ${result.exitCode}): ${result.stderr.trim()}`);
      continue;
    }
    if (result.exitCode === 6) tally.refused++;
    else if (output.includes('pre_exec_function')) tally.readPreExec++;
    else {
      tally.other++;
      const key = `exit ${result.exitCode}: ${result.stderr.trim().split('\n')[0].replace(/\d+/g, 'N')}`;
      otherCodes.set(key, (otherCodes.get(key) ?? 0) + 1);
    }
  }
  t.comment(`${runs} runs: ${tally.leaked} read the setuid-root program, ${tally.refused} refused, ${tally.readPreExec} read the process before its exec, ${tally.other} other: ${JSON.stringify([...otherCodes])}`);
  t.ok(runs >= 40, `${runs} runs within the time bound`);
  t.ok(tally.refused > 0, 'some attaches landed after the exec and were refused');
});

interface StracedRun {
  result: RunResult;
  events: ReturnType<typeof parseStrace>;
  log: string;
  /** Whether the helper was still running after `runMs` and stopped on SIGTERM within 3 s. */
  stoppedBySigterm: boolean | undefined;
}

/** Runs the setuid helper as A under strace; after `runMs` sends it SIGTERM if still running. */
async function stracedHelper(pid: number, name: string, extra: string[], runMs: number): Promise<StracedRun> {
  const log = path.join(WORK, `${name}.strace`);
  const child = execa(straced(A, log)[0], [...straced(A, log).slice(1), SETUID_HELPER, `--pid=${pid}`, ...extra], {
    reject: false,
    encoding: 'buffer',
    stdin: 'ignore',
  });
  const finished = child.then(() => true);
  const within = (ms: number) => Promise.race([finished, new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
  let stoppedBySigterm: boolean | undefined;
  if (!(await within(runMs))) {
    let helperPid = 0;
    try {
      helperPid = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(' ')[0]);
    } catch {
      // strace exited in between: the helper is gone too.
    }
    if (helperPid > 0) {
      process.kill(helperPid, 'SIGTERM');
      stoppedBySigterm = await within(3000);
      if (!stoppedBySigterm) {
        process.kill(helperPid, 'SIGKILL');
        child.kill('SIGKILL');
      }
    }
  }
  const done = await child;
  const result: RunResult = {
    exitCode: done.exitCode,
    signal: done.signal ?? undefined,
    stdout: Buffer.from(done.stdout as Uint8Array),
    stderr: Buffer.from(done.stderr as Uint8Array).toString(),
    timedOut: false,
  };
  const text = readFileSync(log, 'utf8');
  return { result, events: parseStrace(text), log: text, stoppedBySigterm };
}

function assertOnlyProcBeforeDrop(t: Test, run: StracedRun, pid: number): void {
  // exe may be looked at (O_PATH: its dev and inode, no content); everything else must stay in /proc/PID.
  const outside = opensBeforeDrop(run.events).filter((e) => e.path === undefined || !(isInsideProcDir(e.path, pid) || (e.path === `/proc/${pid}/exe` && e.line.includes('O_PATH'))));
  t.same(outside.map((e) => e.line), [], `while privileged, only /proc/${pid} is opened${outside.length ? `; also: ${outside.map((e) => e.line).join(' | ')}` : ''}`);
}

t.test('a deleted mapping replaced by a symlink or a FIFO: nothing opened as root, no hang', async (t) => {
  const embed = path.join(WORK, 'tachyon-embed');
  const built = await execa('gcc', ['-O1', '-o', inChroot(embed), path.join(fixtures, 'embed_python.c'), '-ldl'], { reject: false });
  t.equal(built.exitCode, 0, `gcc builds the embedding program ${built.stderr}`);
  chmodSync(inChroot(embed), 0o755);
  const rootOnly = path.join(WORK, 'root-only-file');
  for (const file of [rootOnly, inChroot(rootOnly)]) {
    writeFileSync(file, 'root only\n');
    chmodSync(file, 0o600);
  }
  const variants: { name: string; place: (at: string) => void; owner: { uid: number; gid: number } }[] = [
    { name: 'symlink', place: (at) => symlinkSync(rootOnly, at), owner: A },
    { name: 'root-fifo', place: (at) => void execFileSync('mkfifo', ['-m', '600', at]), owner: ROOT_USER },
    { name: 'user-fifo', place: (at) => void execFileSync('mkfifo', ['-m', '600', at]), owner: A },
  ];
  for (const variant of variants) {
    const dir = path.join(WORK, `mapped-${variant.name}`);
    const file = path.join(dir, 'libpython3.15-mapped.so');
    for (const d of [dir, inChroot(dir)]) {
      mkdirSync(d, { recursive: true, mode: 0o755 });
      chownSync(d, A.uid, A.gid);
    }
    writeFileSync(inChroot(file), Buffer.alloc(8192, 0x41));
    chownSync(inChroot(file), A.uid, A.gid);
    const target = await started(t, A, [`${fixtures}/mapped_file.py`, file, '--delete'], embed);
    t.match(readFileSync(`/proc/${target.pid}/maps`, 'utf8'), /libpython3\.15-mapped\.so \(deleted\)/, `${variant.name}: the deleted mapping shows`);
    for (const at of [inChroot(file), file]) {
      variant.place(at);
      execFileSync('chown', ['-h', `${variant.owner.uid}:${variant.owner.gid}`, at]);
    }
    const traced = await stracedHelper(target.pid, variant.name, [], 2500);
    t.comment(`${variant.name}: exit ${traced.result.exitCode}, ${traced.result.stderr.trim()}`);
    assertOnlyProcBeforeDrop(t, traced, target.pid);
    const trap = variant.name === 'symlink' ? rootOnly : file;
    const openedTrap = traced.events.filter((e) => e.result !== undefined && e.result >= 0 && e.opened !== undefined && (e.opened.endsWith(trap) || e.opened.endsWith(file)));
    // The user's own FIFO may be opened as the user, non-blocking, only to be found not a regular file.
    const harmless = (line: string) => variant.name === 'user-fifo' && line.includes('O_NONBLOCK');
    const opened = openedTrap.filter((e) => !harmless(e.line)).map((e) => e.line);
    t.same(opened, [], `${variant.name}: ${trap} is never opened${opened.length ? `: ${opened.join(' | ')}` : ''}`);
    const blocked = traced.events.filter((e) => e.call.startsWith('open') && (e.result === undefined || e.line.includes('ERESTART')));
    t.same(blocked.map((e) => e.line), [], `${variant.name}: no open blocks${blocked.length ? `: ${blocked.map((e) => e.line).join(' | ')}` : ''}`);
    t.not(traced.stoppedBySigterm, false, `${variant.name}: the helper finishes or stops on SIGTERM within 3 s (no hang)`);
    await stop(target);
  }
});

/**
 * An ELF whose section-name table sits at offset 2^64-1 with a size larger than any read
 * buffer: reading the second section's name adds the two (an overflow, unless checked).
 */
function craftedElf(): Buffer {
  const elf = Buffer.alloc(64 + 2 * 64);
  Buffer.from('7f454c46020101', 'hex').copy(elf, 0);
  elf.writeUInt16LE(3, 16); // ET_DYN
  elf.writeUInt16LE(62, 18); // x86-64
  elf.writeUInt32LE(1, 20);
  elf.writeBigUInt64LE(64n, 40); // e_shoff
  elf.writeUInt16LE(64, 52); // e_ehsize
  elf.writeUInt16LE(56, 54); // e_phentsize, no program headers
  elf.writeUInt16LE(64, 58); // e_shentsize
  elf.writeUInt16LE(2, 60); // e_shnum
  elf.writeUInt16LE(1, 62); // e_shstrndx
  const second = 64 + 64;
  elf.writeUInt32LE(1, second); // sh_name: offset 1 in the name table
  elf.writeUInt32LE(3, second + 4); // SHT_STRTAB
  elf.writeBigUInt64LE(0xffffffffffffffffn, second + 24); // sh_offset
  elf.writeBigUInt64LE(0xffffffffn, second + 32); // sh_size
  return elf;
}

t.test('a crafted ELF named like libpython: one clean line or a profile, nothing opened as root', async (t) => {
  const embed = path.join(WORK, 'tachyon-embed');
  if (!existsSync(inChroot(embed))) {
    await execa('gcc', ['-O1', '-o', inChroot(embed), path.join(fixtures, 'embed_python.c'), '-ldl']);
    chmodSync(inChroot(embed), 0o755);
  }
  const dir = path.join(WORK, 'crafted');
  mkdirSync(inChroot(dir), { recursive: true, mode: 0o755 });
  const file = path.join(dir, 'libpython3.12.so');
  writeFileSync(inChroot(file), craftedElf());
  chownSync(inChroot(file), A.uid, A.gid);
  const target = await started(t, A, [`${fixtures}/mapped_file.py`, file], embed);
  const direct = await helperDirectly(A, target.pid);
  t.comment(`crafted ELF: exit ${direct.exitCode}, stderr ${JSON.stringify(direct.stderr)}`);
  t.equal(direct.signal, undefined, 'no crash by signal');
  t.notMatch(direct.stderr, /panic|\?\?\?:|0x[0-9a-f]{6,} in /, 'no panic message, no stack trace');
  t.ok(direct.stderr.trim().split('\n').filter((l) => l !== '').every((l) => l.startsWith('tachyon-helper: ')), 'only helper lines');
  t.ok(direct.stderr.trim().split('\n').filter((l) => l !== '').length <= 1, 'at most one line');
  const traced = await stracedHelper(target.pid, 'crafted', ['--duration-ms=500'], 10_000);
  assertOnlyProcBeforeDrop(t, traced, target.pid);
});

t.test('a panic while privileged: one line, exit 8, no file opened', async (t) => {
  const prefix = path.join(WORK, 'test-hooks');
  const build = await execa('python3', ['-m', 'ziglang', 'build', '-Dtest-hooks=true', '-p', prefix, '--cache-dir', path.join(WORK, 'zig-cache')], {
    cwd: HELPER_SOURCE,
    reject: false,
    timeout: 600_000,
  });
  if (build.exitCode !== 0) return t.fail(`the test-hooks build of ${HELPER_SOURCE} failed: ${build.stderr.slice(-2000)}`);
  const hooked = privilegedCopy(path.join(prefix, 'bin', 'tachyon-helper'), path.join(WORK, 'hooked', 'tachyon-helper'), 0o4755);
  const target = await started(t, A, [`${fixtures}/recursive.py`, '--forever']);
  for (const when of ['before-drop', 'after-drop']) {
    const result = await run([...asUser(A), hooked, `--pid=${target.pid}`, `--test-panic=${when}`]);
    t.equal(result.exitCode, 8, `${when}: exit 8`);
    t.match(result.stderr, /^tachyon-helper: internal error: [^\n]*\n$/, `${when}: exactly one line: ${JSON.stringify(result.stderr)}`);
  }
  const log = path.join(WORK, 'panic.strace');
  await run([...straced(A, log), hooked, `--pid=${target.pid}`, '--test-panic=before-drop']);
  const events = parseStrace(readFileSync(log, 'utf8'));
  const outside = events.filter((e) => e.call.startsWith('open') && (e.path === undefined || !isInsideProcDir(e.path, target.pid)));
  t.same(outside.map((e) => e.line), [], 'the panic opens no file (only /proc/PID before it)');
  t.notOk(events.some((e) => e.call === 'setresuid'), 'the panic came before the drop');
});

t.test('--realtime for a user with no real-time allowance: no SCHED_FIFO', async (t) => {
  const target = await started(t, A, [`${fixtures}/recursive.py`, '--forever']);
  const child = execa('prlimit', ['--rtprio=0:0', ...asUser(A), SETUID_HELPER, `--pid=${target.pid}`, '--realtime', '--duration-ms=1500'], {
    reject: false,
    encoding: 'buffer',
    stdin: 'ignore',
    timeout: 20_000,
  });
  const policies: number[] = [];
  for (const ms of [400, 500, 500]) {
    await new Promise((resolve) => setTimeout(resolve, ms));
    const policy = schedulingPolicy(child.pid as number);
    if (policy !== undefined) policies.push(policy);
  }
  const done = await child;
  t.equal(done.exitCode, 0, `the user's own process is read: ${Buffer.from(done.stderr as Uint8Array).toString()}`);
  t.ok(policies.length > 0, `the helper's policy was seen: ${JSON.stringify(policies)}`);
  t.notOk(policies.includes(1) || policies.includes(2), `never a real-time policy (field 41 of stat): ${JSON.stringify(policies)}`);
  const messages = (unpackMultiple(Buffer.from(done.stdout as Uint8Array)) as unknown[]).map(decodeMessage);
  const hello = messages.find((m) => m.kind === MessageKind.hello);
  t.ok(hello, 'a hello');
  if (hello?.kind === MessageKind.hello) t.equal(hello.flags & 4, 0, 'hello says: not real-time');
});

t.test("root's processes, PID 1 and another user's process are refused", async (t) => {
  const roots = await started(t, ROOT_USER, [`${fixtures}/recursive.py`, '--forever']);
  assertRefused(t, await helperDirectly(A, roots.pid), /uids|gids|capabilities|dumpable/, ['fib'], "root's process");
  const pid1 = await helperDirectly(A, 1);
  t.equal(pid1.exitCode, 6, `PID 1: exit 6 (${pid1.stderr.trim()})`);
  t.equal(pid1.stdout.length, 0, 'PID 1: nothing on stdout');
  const users = await started(t, B, [`${fixtures}/recursive.py`, '--forever']);
  assertRefused(t, await helperDirectly(A, users.pid), /uids/, ['fib'], "user B's process");
  await assertCliRefused(t, ['attach', '-d', '0.5', String(users.pid)], /uids/, []);
});

t.test("allowed: the user's own process, when the user may not read it alone (ptrace_scope=1-like)", async (t) => {
  const target = await started(t, A, [`${fixtures}/recursive.py`, '--forever']);
  const noPtrace = asUserWithoutPtrace(A, fixtures);
  const plain = await run([...noPtrace, PLAIN_HELPER, `--pid=${target.pid}`, '--duration-ms=500']);
  t.equal(plain.exitCode, 6, `the plain helper is refused under the filter: ${plain.stderr.trim()}`);
  const direct = await run([...noPtrace, SETUID_HELPER, `--pid=${target.pid}`, '--duration-ms=1000']);
  t.equal(direct.exitCode, 0, `the setuid helper reads it: ${direct.stderr.trim()}`);
  t.ok(direct.stdout.includes('fib'), 'its stream names fib');

  const env = Object.entries({ ...cleanEnv(), TACHYON_HELPER: SETUID_HELPER }).map(([key, value]) => `${key}=${value}`);
  const report = path.join(WORK, 'allowed.txt');
  const cli = path.join(install, 'dist', 'cli.js');
  mkdirSync(path.dirname(report), { recursive: true });
  chmodSync(WORK, 0o1777);
  const attach = await run([...noPtrace, 'env', '-i', ...env, process.execPath, cli, 'attach', '-d', '1.5', '--collapsed', '-o', report, String(target.pid)], 60_000);
  t.equal(attach.exitCode, 0, `tachyon attach through the setuid helper: ${attach.stderr}`);
  if (attach.exitCode === 0) checkRecursiveProfile(t, parseCollapsed(readFileSync(report, 'utf8')), { viaRun: false });
  const plainEnv = env.map((e) => (e.startsWith('TACHYON_HELPER=') ? `TACHYON_HELPER=${PLAIN_HELPER}` : e));
  const refused = await run([...noPtrace, 'env', '-i', ...plainEnv, process.execPath, cli, 'attach', '-d', '0.5', String(target.pid)], 60_000);
  t.equal(refused.exitCode, 6, `tachyon attach through the plain helper is refused: ${refused.stderr.trim()}`);
  t.ok(lstatSync(SETUID_HELPER).mode & 0o4000, 'the setuid copy kept its bit');
});

t.test('a helper with file capabilities (cap_sys_ptrace+ep) follows the same rule', async (t) => {
  const setcap = missingTools(['setcap']);
  if (setcap.length > 0) return t.fail('MISSING TOOL: setcap (apt-get install libcap2-bin)');
  const capable = privilegedCopy(HELPER_UNDER_TEST, path.join(WORK, 'filecap', 'tachyon-helper'), 0o755);
  const given = await run(['setcap', 'cap_sys_ptrace+ep', capable]);
  t.equal(given.exitCode, 0, `setcap: ${given.stderr.trim()}`);
  // Every uid stays the caller's: only AT_SECURE tells the helper it holds more than its caller.
  const users = await started(t, B, [`${fixtures}/recursive.py`, '--forever']);
  const other = await run([...asUser(A), capable, `--pid=${users.pid}`, '--duration-ms=500']);
  assertRefused(t, other, /uids/, ['fib'], "user B's process through the capable helper");
  const own = await started(t, A, [`${fixtures}/recursive.py`, '--forever']);
  const read = await run([...asUserWithoutPtrace(A, fixtures), capable, `--pid=${own.pid}`, '--duration-ms=1000']);
  t.equal(read.exitCode, 0, `the user's own process, ptrace denied to the user: read (${read.stderr.trim()})`);
  t.ok(read.stdout.includes('fib'), 'its stream names fib');
});

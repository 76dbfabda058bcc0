/**
 * Reading source files the way a target sees them: inside its root, from its working directory,
 * after it exited, and with no more privilege than its user has.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { describeReaderResult, NOBODY, parseStatusIdentity, readerIdentityFor, readerPath, TargetFiles } from '../../../src/session/target-files.js';
import { CHROOT } from '../../helpers/interpreters.js';

t.test('a chrooted target\'s files are read inside its root, also after it exited', async (t) => {
  if (!existsSync(path.join(CHROOT, 'bin', 'sleep'))) return t.fail(`MISSING CHROOT ${CHROOT}: make it with bash scripts/setup-chroot.sh`);
  const dir = `/tmp/tachyon-target-files-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  mkdirSync(path.join(CHROOT, dir), { recursive: true });
  t.teardown(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(path.join(CHROOT, dir), { recursive: true, force: true });
  });
  writeFileSync(path.join(dir, 'app.py'), 'seen = "from the host"\n');
  writeFileSync(path.join(CHROOT, dir, 'app.py'), 'seen = "inside the root"\n');
  const child = spawn('chroot', [CHROOT, '/bin/sleep', '30'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const files = new TargetFiles(child.pid);
  t.teardown(() => files.close());
  t.same(files.read(`${dir}/app.py`), { text: 'seen = "inside the root"\n' }, 'absolute path: inside the root');
  t.same(files.read(`${dir.slice(1)}/app.py`), { text: 'seen = "inside the root"\n' }, 'relative path: from its working directory (chroot starts in /)');
  child.kill('SIGKILL');
  await exited;
  t.same(files.read(`${dir}/app.py`), { text: 'seen = "inside the root"\n' }, 'still readable once the target is gone');
  t.match(files.read('<frozen runpy>'), { error: /not a file/ });
  t.match(files.read(`${dir}/missing.py`), { error: /no such file/ });
  t.match(files.read(dir), { error: 'not a regular file' });
  const host = new TargetFiles(undefined);
  t.same(host.read(`${dir}/app.py`), { text: 'seen = "from the host"\n' }, 'no target: this machine\'s file system');
});

t.test('a target whose root cannot be opened: read here, and say so', async (t) => {
  const files = new TargetFiles(2 ** 22 + 12345);
  const read = files.read(fileURLToPath(import.meta.url));
  t.ok('text' in read && 'note' in read && /root was not readable \(ENOENT\)/.test(read.note ?? ''), 'the note says why');
});

t.test("dump's source lines: absolute files only, trimmed, read once", async (t) => {
  const dir = `/tmp/tachyon-source-lines-${process.pid}`;
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'app.py');
  writeFileSync(file, 'def f():\n    return 1\n\n');
  const files = new TargetFiles(process.pid);
  t.teardown(() => files.close());
  t.equal(files.sourceLine(file, 2), 'return 1', 'trimmed');
  t.equal(files.sourceLine(file, 3), undefined, 'a blank line is none');
  t.equal(files.sourceLine(file, 9), undefined, 'past the end');
  writeFileSync(file, 'changed\n');
  t.equal(files.sourceLine(file, 1), 'def f():', 'the file was read once');
  t.equal(files.sourceLine(path.relative(process.cwd(), file), 1), undefined, 'a relative name has no source');
  t.equal(files.sourceLine(`${dir}/missing.py`, 1), undefined, 'a missing file has none');
});

t.test('the identity read from /proc/PID/status: effective uid and gid, supplementary groups', async (t) => {
  const status = 'Name:\tpython3\nUid:\t1000\t1001\t1002\t1001\nGid:\t100\t101\t102\t101\nGroups:\t27 44 \nNSpid:\t7\n';
  t.same(parseStatusIdentity(status), { uid: 1001, gid: 101, groups: [27, 44] });
  t.same(parseStatusIdentity('Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n'), { uid: 0, gid: 0, groups: [] }, 'no groups');
  t.equal(parseStatusIdentity('Name:\tx\nGid:\t1\t1\t1\t1\n'), undefined, 'no Uid line: unknown');
  t.equal(parseStatusIdentity('Uid:\t1\tx\t1\t1\nGid:\t1\t1\t1\t1\n'), undefined, 'a field that is not a number: unknown');
});

t.test('whom the reader runs as', async (t) => {
  const user = { uid: 1000, gid: 1000, groups: [27] };
  t.equal(readerIdentityFor(1000, user), undefined, 'not root: as ourselves');
  t.equal(readerIdentityFor(1000, undefined), undefined, 'not root, no target: as ourselves');
  t.same(readerIdentityFor(0, user), user, "root: as the target's user");
  t.equal(readerIdentityFor(0, { uid: 0, gid: 5, groups: [] }), undefined, 'root reading a root target: as root');
  t.equal(readerIdentityFor(0, undefined), NOBODY, 'root with no known target: as nobody');
});

t.test("paths as the reader child sees them, inside the target's root", async (t) => {
  const both = { root: true, cwd: true };
  t.equal(readerPath('/app/x.py', both), '/proc/self/fd/3/app/x.py');
  t.equal(readerPath('/app/../../../etc/shadow', both), '/proc/self/fd/3/etc/shadow', '.. stops at the root');
  t.equal(readerPath('lib/x.py', both), '/proc/self/fd/4/lib/x.py', 'relative: from the working directory');
  t.equal(readerPath('/app/x.py', { root: false, cwd: false }), '/app/x.py', 'no root open: this machine');
});

t.test('the reasons for a refused file are short', async (t) => {
  t.equal(describeReaderResult({ errno: 'EACCES' }, { uid: 5, gid: 5, groups: [] }), "not readable by the target's user");
  t.match(describeReaderResult({ errno: 'EACCES' }, NOBODY), /not readable by every user/);
  t.equal(describeReaderResult({ errno: 'EACCES' }, undefined), 'permission denied');
  t.equal(describeReaderResult({ notRegular: true }, undefined), 'not a regular file');
  t.equal(describeReaderResult({ sizeBytes: 5000000 }, undefined), 'too large (5000000 bytes)');
  t.equal(describeReaderResult({ errno: 'ELOOP' }, undefined), 'ELOOP');
});

t.test("as root, a target's files are read as its user, groups included; FIFOs and big files are refused", async (t) => {
  if (process.geteuid?.() !== 0) return t.fail('this test needs root (CI runs as root)');
  const dir = `/tmp/tachyon-as-target-${process.pid}`;
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(path.join(dir, 'secret.py'), 'root only\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'shared.py'), 'for all\n', { mode: 0o644 });
  writeFileSync(path.join(dir, 'group.py'), 'for group 4321\n', { mode: 0o640 });
  chownSync(path.join(dir, 'group.py'), 0, 4321);
  symlinkSync(path.join(dir, 'shared.py'), path.join(dir, 'link.py'));
  writeFileSync(path.join(dir, 'big.py'), Buffer.alloc(4 * 1024 * 1024 + 1, 0x20), { mode: 0o644 });
  execFileSync('mkfifo', ['-m', '666', path.join(dir, 'fifo.py')]);
  const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--groups=4321', 'sleep', '30'], { stdio: 'ignore' });
  t.teardown(() => void child.kill('SIGKILL'));
  await new Promise((resolve) => setTimeout(resolve, 300));
  const files = new TargetFiles(child.pid);
  t.teardown(() => files.close());
  const started = Date.now();
  const read = files.readAll(['secret.py', 'shared.py', 'group.py', 'link.py', 'big.py', 'fifo.py'].map((f) => path.join(dir, f)));
  t.ok(Date.now() - started < 10_000, 'the FIFO does not hang the read');
  t.same(read.get(path.join(dir, 'secret.py')), { error: "not readable by the target's user" }, 'a root-only file is not shown');
  t.same(read.get(path.join(dir, 'shared.py')), { text: 'for all\n' }, 'a file readable by all is');
  t.same(read.get(path.join(dir, 'group.py')), { text: 'for group 4321\n' }, "and one readable through the target's supplementary group");
  t.same(read.get(path.join(dir, 'link.py')), { text: 'for all\n' }, 'symbolic links are followed, as the target would');
  t.same(read.get(path.join(dir, 'big.py')), { error: `too large (${4 * 1024 * 1024 + 1} bytes)` });
  t.same(read.get(path.join(dir, 'fifo.py')), { error: 'not a regular file' });
  t.equal(files.sourceLine(path.join(dir, 'secret.py'), 1), undefined, "dump's lines come from the same reads");
  t.equal(files.sourceLine(path.join(dir, 'shared.py'), 1), 'for all');
  const replay = new TargetFiles(undefined);
  t.match(replay.read(path.join(dir, 'secret.py')), { error: /not readable by every user/ }, 'with no target, root reads as nobody');
  t.same(replay.read(path.join(dir, 'shared.py')), { text: 'for all\n' });
});

/** Reading source files the way a target sees them: inside its root, from its working directory, after it exited. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { TargetFiles } from '../../../src/session/target-files.js';
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

/** The report assets (templates, pinned d3) and reading source files the way a target sees them. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadReportAssets, TargetFiles } from '../../../src/commands/report-assets.js';
import { checkBrowser } from '../../../src/commands/options.js';
import { CHROOT } from '../../helpers/interpreters.js';

t.test('assets: every template and the pinned d3', async (t) => {
  const assets = loadReportAssets();
  t.same(Object.keys(assets.templates).sort(), ['flamegraph.html', 'flamegraph.js', 'heatmap.html', 'report.css']);
  t.equal(assets.d3Version, '7.9.2');
  t.match(assets.d3Source, /^\/\/ https:\/\/d3js.org v7.9.2/);
});

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

t.test('--browser goes with the HTML formats only', async (t) => {
  t.doesNotThrow(() => checkBrowser('flamegraph', true));
  t.doesNotThrow(() => checkBrowser('heatmap', true));
  t.doesNotThrow(() => checkBrowser('pstats', false));
  t.throws(() => checkBrowser('pstats', true), /--browser opens an HTML report, not --pstats/);
});

/**
 * The HTML report flags end to end: default names (flamegraph_PID.html, heatmap_PID/), -o for a
 * directory format, --browser opening the written page with $BROWSER, and the usage errors.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import t from 'tap';
import { CLI, cleanEnv, startTarget, tachyon } from '../helpers/cli.js';
import { CHROOT, coreInterpreters, installFixtures, missingMessage } from '../helpers/interpreters.js';

const fixtures = installFixtures();
const out = mkdtempSync(path.join(tmpdir(), 'tachyon-reports-cli-'));
const [python, , , , chrooted] = coreInterpreters();

t.test('--flamegraph and --heatmap get the default names in the working directory', async (t) => {
  if (!python.present) return t.fail(missingMessage(python));
  for (const [flag, pattern] of [
    ['--flamegraph', /Flamegraph written to (flamegraph_(\d+)\.html) \(\d+ samples/],
    ['--heatmap', /Heatmap written to (heatmap_(\d+))\/ \(\d+ samples; open heatmap_\d+\/index.html/],
  ] as const) {
    const cwd = mkdtempSync(path.join(out, 'cwd-'));
    const result = await execa(process.execPath, [CLI, 'run', flag, '--python', python.python, `${fixtures}/report_workload.py`, '0.3'], { cwd, reject: false, env: cleanEnv(), extendEnv: false });
    t.equal(result.exitCode, 0, String(result.stderr));
    const written = pattern.exec(String(result.stderr));
    t.ok(written, `${flag}: the summary says where the report went`);
    t.same(readdirSync(cwd), [written?.[1]], `${flag}: only the report, under its default name`);
    if (flag === '--heatmap') t.ok(existsSync(path.join(cwd, written?.[1] ?? '', 'index.html')), 'the heatmap directory has its index');
  }
});

t.test('--browser opens the page with $BROWSER', async (t) => {
  if (!python.present) return t.fail(missingMessage(python));
  const record = path.join(out, 'opened.txt');
  const fakeBrowser = path.join(out, 'fake-browser.sh');
  writeFileSync(fakeBrowser, `#!/bin/sh\necho "$1" >> ${record}\n`);
  chmodSync(fakeBrowser, 0o755);
  const flame = path.join(out, 'with space', 'f.html');
  let result = await tachyon(['run', '--flamegraph', '--browser', '-o', flame, '--python', python.python, `${fixtures}/report_workload.py`, '0.3'], { env: { BROWSER: fakeBrowser } });
  t.equal(result.exitCode, 0, result.stderr);
  result = await tachyon(['run', '--heatmap', '--browser', '-o', path.join(out, 'hm'), '--python', python.python, `${fixtures}/report_workload.py`, '0.3'], { env: { BROWSER: fakeBrowser } });
  t.equal(result.exitCode, 0, result.stderr);
  for (let i = 0; i < 50 && !(existsSync(record) && readFileSync(record, 'utf8').split('\n').length > 2); i++) await new Promise((r) => setTimeout(r, 100));
  t.same(readFileSync(record, 'utf8').trim().split('\n').sort(), [`file://${out}/hm/index.html`, `file://${out}/with%20space/f.html`].sort(), 'the file, as a file:// address');
  const missing = await tachyon(['run', '--flamegraph', '--browser', '-o', path.join(out, 'g.html'), '--python', python.python, `${fixtures}/report_workload.py`, '0.2'], {
    env: { BROWSER: '/nonexistent/browser' },
  });
  t.equal(missing.exitCode, 0, 'a missing browser does not fail the run');
  t.match(missing.stderr, /tachyon: warning: could not open a browser \(\/nonexistent\/browser: ENOENT\); open file:\/\/\S+\/g.html yourself, or set BROWSER/);
  t.ok(existsSync(path.join(out, 'g.html')));
});

t.test('attach --heatmap to a chrooted target shows the source inside its root', async (t) => {
  if (!chrooted.present) return t.fail(missingMessage(chrooted));
  // The copy inside the chroot says so in its last line; the host's copy does not.
  const inside = path.join(CHROOT, fixtures, 'recursive.py');
  writeFileSync(inside, `${readFileSync(path.join(fixtures, 'recursive.py'), 'utf8')}# the copy inside the chroot\n`);
  const target = await startTarget([...chrooted.command, `${fixtures}/recursive.py`, '--forever']);
  t.teardown(() => {
    target.child.kill('SIGKILL');
  });
  const dir = path.join(out, 'attach-heatmap');
  const result = await tachyon(['attach', '-d', '1', '--heatmap', '-o', dir, String(target.pid)]);
  t.equal(result.exitCode, 0, result.stderr);
  const index = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const page = new RegExp(`<a href="(file_\\d+.html)">${fixtures}/recursive.py</a>`).exec(index)?.[1];
  t.ok(page, 'recursive.py is listed');
  t.match(readFileSync(path.join(dir, page ?? 'missing'), 'utf8'), /# the copy inside the chroot/, 'its page shows the chroot\'s copy');
  t.notMatch(index, /recursive.py<\/a> <span class="unreadable">/, 'readable');
});

t.test('usage errors: --browser without an HTML format, two formats', async (t) => {
  let result = await tachyon(['run', '--collapsed', '--browser', 'x.py']);
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /^tachyon: error: --browser opens an HTML report, not --collapsed\nhint: add --flamegraph, --diff-flamegraph BASELINE or --heatmap$/);
  result = await tachyon(['run', '--flamegraph', '--heatmap', 'x.py']);
  t.equal(result.exitCode, 2);
  t.match(result.stderr, /--flamegraph and --heatmap cannot be combined/);
  result = await tachyon(['run', '--help']);
  for (const flag of ['--flamegraph', '--heatmap', '--browser']) t.match(result.stdout, new RegExp(`${flag} +\\S`), `--help explains ${flag}`);
});

t.test('--diff-flamegraph BASELINE draws a run against a --binary capture, live and in replay', async (t) => {
  if (!python.present) return t.fail(missingMessage(python));
  const baseline = path.join(out, 'baseline.bin');
  let result = await tachyon(['run', '--binary', '-o', baseline, '--python', python.python, `${fixtures}/report_workload.py`, '0.4']);
  t.equal(result.exitCode, 0, result.stderr);
  const cwd = mkdtempSync(path.join(out, 'diff-'));
  const live = await execa(process.execPath, [CLI, 'run', '--diff-flamegraph', baseline, '--python', python.python, `${fixtures}/report_workload.py`, '0.4'], {
    cwd,
    reject: false,
    env: cleanEnv(),
    extendEnv: false,
  });
  t.equal(live.exitCode, 0, String(live.stderr));
  const written = /Differential flamegraph written to (diff_flamegraph_\d+\.html) \(\d+ samples/.exec(String(live.stderr));
  t.ok(written, 'the summary names the default file diff_flamegraph_PID.html');
  const page = readFileSync(path.join(cwd, written?.[1] ?? 'missing'), 'utf8');
  t.match(page, /Differential flamegraph/, 'a differential page');
  t.match(page, /parse_records/, 'with the program\'s functions');

  const capture = path.join(out, 'current.bin');
  result = await tachyon(['run', '--binary', '-o', capture, '--python', python.python, `${fixtures}/report_workload.py`, '0.4']);
  t.equal(result.exitCode, 0, result.stderr);
  const replayed = path.join(out, 'replayed-diff.html');
  result = await tachyon(['replay', capture, '--diff-flamegraph', baseline, '-o', replayed]);
  t.equal(result.exitCode, 0, result.stderr);
  t.match(readFileSync(replayed, 'utf8'), /Differential flamegraph/, 'replay writes the same kind of page');

  result = await tachyon(['run', '--mode', 'cpu', '--diff-flamegraph', baseline, '--python', python.python, `${fixtures}/report_workload.py`, '0.2']);
  t.equal(result.exitCode, 2, 'a baseline of another mode is refused before sampling');
  t.match(result.stderr, /^tachyon: error: the --diff-flamegraph baseline was recorded with --mode wall, this profile uses --mode cpu\nhint: /m);

  const notCapture = path.join(out, 'not-a-capture.bin');
  writeFileSync(notCapture, 'hello\n');
  result = await tachyon(['run', '--diff-flamegraph', notCapture, '--python', python.python, `${fixtures}/report_workload.py`, '0.2']);
  t.equal(result.exitCode, 7, 'a baseline that is not a capture is a file error');
  t.match(result.stderr, /^tachyon: error: .*not-a-capture\.bin/m, 'naming the file');
  t.match(result.stderr, /^hint: /m);
});

/**
 * Run as root, tachyon shows a target's source files with no more privilege than the target has:
 * a target running as nobody whose code objects name a root-only file gets no line of it in
 * `dump` or in a heatmap, while its own world-readable script is still shown; a FIFO named by a
 * code object hangs nothing; a root replay of the capture reads as nobody.
 */
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import t from 'tap';
import { CHROOT, coreInterpreters, missingMessage } from '../helpers/interpreters.js';
import { startTarget, tachyon } from '../helpers/cli.js';

const NOBODY = '65534';
const debian315 = coreInterpreters().find((i) => i.label === 'debian-3.15');
/** The same path inside the chroot (where the target sees it) and on this machine (for replay). */
const DIR = `/tmp/tachyon-source-privilege-${process.pid}`;
const SECRET = 'TOP-SECRET-5f3a9c';
/** The line of the root-only file that the frame of `via_secret` points at. */
const SECRET_LINE = 8;

/** The target: its stack runs through a function "in" the root-only file and one "in" a FIFO. */
const SCRIPT = `import time

def spin():
    print("ready", flush=True)
    while True:
        time.sleep(0.001)  # VISIBLE-LINE-OF-THE-SCRIPT

ns = {"spin": spin}
exec(compile("\\n" * 2 + "def via_fifo():\\n    spin()\\n", "${DIR}/fifo.py", "exec"), ns)
exec(compile("\\n" * ${SECRET_LINE - 2} + "def via_secret():\\n    via_fifo()\\n", "${DIR}/secret.py", "exec"), ns)
ns["via_secret"]()
`;

/** Writes the script (readable by all), the root-only file and the FIFO below `root`. */
function installFiles(root: string): void {
  const dir = path.join(root, DIR);
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'target.py'), SCRIPT, { mode: 0o644 });
  writeFileSync(path.join(dir, 'secret.py'), `${SECRET} on every line\n`.repeat(20), { mode: 0o600 });
  execFileSync('mkfifo', ['-m', '666', path.join(dir, 'fifo.py')]);
}

/** Every file of a directory report, concatenated. */
function readReport(dir: string): string {
  return readdirSync(dir)
    .map((name) => readFileSync(path.join(dir, name), 'utf8'))
    .join('\n');
}

t.test("as root, a target's root-only source files are not shown; its readable ones are", async (t) => {
  if (process.geteuid?.() !== 0) return t.fail('this test runs tachyon as root (CI runs as root)');
  if (!debian315?.present) return t.fail(missingMessage(debian315 ?? coreInterpreters()[4]));
  for (const root of ['/', CHROOT]) installFiles(root);
  t.teardown(() => {
    for (const root of ['/', CHROOT]) rmSync(path.join(root, DIR), { recursive: true, force: true });
  });
  const target = await startTarget(['chroot', `--userspec=${NOBODY}:${NOBODY}`, CHROOT, '/usr/bin/python3.15', `${DIR}/target.py`]);
  t.teardown(() => void target.child.kill('SIGKILL'));

  const dump = await tachyon(['dump', String(target.pid)], { timeoutMs: 60_000 });
  t.equal(dump.exitCode, 0, `dump ends (a FIFO named by the code hangs nothing): ${dump.stderr}`);
  t.match(dump.stdout, new RegExp(`File "${DIR}/secret.py", line ${SECRET_LINE}, in via_secret`), 'the frame in the root-only file is listed');
  t.notMatch(dump.stdout, SECRET, 'but no line of it is shown');
  t.match(dump.stdout, /VISIBLE-LINE-OF-THE-SCRIPT/, "the target's own script, readable by all, is shown");

  const heatmap = path.join(DIR, 'heatmap');
  const attach = await tachyon(['attach', '-d', '1', '--heatmap', '-o', heatmap, String(target.pid)], { timeoutMs: 60_000 });
  t.equal(attach.exitCode, 0, attach.stderr);
  const pages = readReport(heatmap);
  t.notMatch(pages, SECRET, 'the heatmap has no line of the root-only file');
  t.match(pages, /not readable by the target(&#39;|&#x27;|')s user/, 'it says why');
  t.match(pages, /VISIBLE-LINE-OF-THE-SCRIPT/, "and shows the target's script");

  const capture = path.join(DIR, 'capture.bin');
  const captured = await tachyon(['attach', '-d', '1', '--binary', '-o', capture, String(target.pid)], { timeoutMs: 60_000 });
  t.equal(captured.exitCode, 0, captured.stderr);
  const replayed = path.join(DIR, 'replayed');
  const replay = await tachyon(['replay', capture, '--heatmap', '-o', replayed], { timeoutMs: 60_000 });
  t.equal(replay.exitCode, 0, replay.stderr);
  const replayPages = readReport(replayed);
  t.notMatch(replayPages, SECRET, "a root replay does not show this machine's root-only file of the same name");
  t.match(replayPages, /VISIBLE-LINE-OF-THE-SCRIPT/, 'but shows the files every user may read');
});

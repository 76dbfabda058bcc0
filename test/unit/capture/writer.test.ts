/**
 * The capture writer: what it writes opens to the exact stream it was given, with its metadata;
 * while it is still open, a flushed file already replays (the machine-died case); a file that
 * cannot be created is a TachyonError; a discarded capture leaves no file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import t from 'tap';
import { CaptureWriter } from '../../../src/capture/writer.js';
import { openCapture, type CaptureMeta } from '../../../src/capture/format.js';
import { replayCapture } from '../../../src/capture/replay.js';
import { sampleCount } from '../../../src/model/profile.js';
import { TachyonError } from '../../../src/session/errors.js';
import { helperStream } from '../../helpers/helper-stream.js';

const META: CaptureMeta = {
  tool: { name: 'tachyon', version: '9.9.9' }, commandLine: ['run', '--binary', 'app.py'], argv: ['app.py'], mode: 'wall',
  rateHz: 1000, allThreads: false, target: { pid: 77 }, startUnixMs: 1_795_000_000_000,
};

const dir = mkdtempSync(path.join(tmpdir(), 'tachyon-capture-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('chunks in, the same stream out, under gzip and none', async (t) => {
  const stream = helperStream(300);
  for (const compression of ['gzip', 'none', 'brotli'] as const) {
    const file = path.join(dir, `whole-${compression}.bin`);
    const writer = new CaptureWriter(file, META, compression);
    for (let i = 0; i < stream.length; i += 777) writer.push(stream.subarray(i, i + 777));
    await writer.close();
    const opened = openCapture(readFileSync(file));
    t.ok(opened.stream.equals(stream), `${compression}: the stream as pushed`);
    t.same(opened.meta, META);
    t.equal(writer.streamBytes, stream.length);
    t.equal(writer.fileBytes, readFileSync(file).length);
  }
});

for (const compression of ['gzip', 'brotli'] as const) t.test(`${compression}: a capture still being written replays up to its last flush`, async (t) => {
  const stream = helperStream(300);
  const file = path.join(dir, `open-${compression}.bin`);
  const writer = new CaptureWriter(file, META, compression);
  writer.push(stream.subarray(0, Math.floor(stream.length / 2)));
  await new Promise((resolve) => setTimeout(resolve, 1300));
  const result = replayCapture(openCapture(readFileSync(file)), 'x');
  t.ok(sampleCount(result.profile) > 100, `${sampleCount(result.profile)} samples readable before close`);
  t.notOk(result.sawBye);
  writer.push(stream.subarray(Math.floor(stream.length / 2)));
  await writer.close();
  t.ok(replayCapture(openCapture(readFileSync(file)), 'x').sawBye, 'and the whole after close');
});

t.test('an unwritable path is a TachyonError; discard removes the file', async (t) => {
  t.throws(() => new CaptureWriter('/dev/null/capture.bin', META, 'gzip'), TachyonError);
  const file = path.join(dir, 'discarded.bin');
  const writer = new CaptureWriter(file, META, 'gzip');
  await writer.discard();
  t.notOk(existsSync(file));
});

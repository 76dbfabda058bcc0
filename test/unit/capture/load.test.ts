/**
 * Loading capture files: any capture becomes a Profile (loadCaptureProfile, the entry point for
 * other commands); every way a file can be wrong is a TachyonError with exit code 7 and a hint.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import t from 'tap';
import { loadCapture, loadCaptureProfile } from '../../../src/capture/load.js';
import { encodeCaptureHeader } from '../../../src/capture/format.js';
import { sampleCount } from '../../../src/model/profile.js';
import { ExitCode, TachyonError } from '../../../src/session/errors.js';
import { helperStream } from '../../helpers/helper-stream.js';

const dir = mkdtempSync(path.join(tmpdir(), 'tachyon-load-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test('a capture and a bare helper stream both load into a Profile', async (t) => {
  const stream = helperStream();
  const capture = path.join(dir, 'c.bin');
  const meta = { tool: { name: 'tachyon' as const, version: '2.0.0' }, commandLine: ['run', 'app.py'], argv: ['app.py'], mode: 'wall', rateHz: 1000, allThreads: false, target: { pid: 77 }, startUnixMs: 0 };
  writeFileSync(capture, Buffer.concat([encodeCaptureHeader(meta, 'brotli'), zlib.brotliCompressSync(stream)]));
  const loaded = loadCapture(capture, '1.0.0');
  t.equal(loaded.capture.kind, 'tachyon-capture');
  t.equal(loaded.streamSizeBytes, stream.length);
  t.equal(loaded.profile.meta.tool.version, '2.0.0', 'the version that captured it');
  t.same(loaded.profile.meta.target.argv, ['app.py']);
  const bare = path.join(dir, 'bare.msgpack');
  writeFileSync(bare, stream);
  const profile = loadCaptureProfile(bare);
  t.equal(sampleCount(profile), sampleCount(loaded.profile));
  t.same(profile.stacks, loaded.profile.stacks, 'the same stacks either way');
});

t.test('wrong files are TachyonErrors with exit code 7 and a hint', async (t) => {
  const expectError = (file: string, message: RegExp): void => {
    try {
      loadCaptureProfile(file);
      t.fail(`${file} loaded`);
    } catch (error) {
      t.ok(error instanceof TachyonError, `${path.basename(file)}: a TachyonError`);
      t.equal((error as TachyonError).exitCode, ExitCode.fileError);
      t.match((error as TachyonError).message, message);
      t.ok((error as TachyonError).hint);
    }
  };
  expectError(path.join(dir, 'missing.bin'), /capture file not found/);
  expectError(dir, /is a directory/);
  const text = path.join(dir, 'notes.txt');
  writeFileSync(text, 'hello\n');
  expectError(text, /cannot replay .*notes\.txt: the file is not a tachyon capture/);
  const damaged = path.join(dir, 'damaged.bin');
  const stream = Buffer.from(helperStream());
  stream[stream.indexOf(Buffer.from([0x95, 0x03])) + 1] = 0x09;
  writeFileSync(damaged, stream);
  expectError(damaged, /cannot replay .*: the capture is damaged near byte/);
});

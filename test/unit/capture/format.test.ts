/**
 * The capture container: header and metadata round trip under each compression; helper streams
 * written without tachyon (plain or gzipped) are recognised; other files, CPython's own
 * captures and damaged headers are refused with a reason; a file cut anywhere either opens
 * (as truncated) or is refused, never anything else.
 */
import zlib from 'node:zlib';
import t from 'tap';
import { CaptureFormatError, encodeCaptureHeader, openCapture, type CaptureMeta, type Compression } from '../../../src/capture/format.js';
import { helperStream } from '../../helpers/helper-stream.js';

const META: CaptureMeta = {
  tool: { name: 'tachyon', version: '9.9.9' },
  commandLine: ['run', '--binary', 'app.py'],
  argv: ['app.py', 'ünïcode'],
  mode: 'wall',
  rateHz: 1000,
  allThreads: false,
  durationMs: 2000,
  target: { pid: 77 },
  startUnixMs: 1_795_000_000_000,
};

function compress(data: Buffer, compression: Compression): Buffer {
  if (compression === 'gzip') return zlib.gzipSync(data);
  if (compression === 'brotli') return zlib.brotliCompressSync(data);
  return data;
}

t.test('header, metadata and stream round trip', async (t) => {
  const stream = helperStream();
  for (const compression of ['none', 'gzip', 'brotli'] as const) {
    const file = Buffer.concat([encodeCaptureHeader(META, compression), compress(stream, compression)]);
    const opened = openCapture(file);
    t.equal(opened.kind, 'tachyon-capture');
    t.equal(opened.compression, compression);
    t.same(opened.meta, META, `${compression}: metadata`);
    t.ok(opened.stream.equals(stream), `${compression}: the stream as written`);
    t.notOk(opened.compressedTruncated);
  }
});

t.test('a helper stream written without tachyon, plain or gzipped', async (t) => {
  const stream = helperStream();
  t.match(openCapture(stream), { kind: 'helper-stream', meta: undefined, compression: 'none' });
  const gz = openCapture(zlib.gzipSync(stream));
  t.match(gz, { kind: 'gzipped-helper-stream', compression: 'gzip' });
  t.ok(gz.stream.equals(stream));
});

t.test('other files are refused with a reason', async (t) => {
  const refuse = (data: Buffer, pattern: RegExp, what: string): void => {
    t.throws(() => openCapture(data), pattern, what);
  };
  refuse(Buffer.alloc(0), /empty/, 'an empty file');
  refuse(Buffer.from('{"meta": {}}'), /not a tachyon capture/, 'JSON');
  refuse(Buffer.concat([Buffer.from('HCAT'), Buffer.alloc(60)]), /CPython's own profiling.sampling/, "CPython's --binary");
  refuse(zlib.gzipSync(Buffer.from('hello')), /gzip file that does not hold a helper stream/, 'some other gzip file');
  const header = encodeCaptureHeader(META, 'gzip');
  const badVersion = Buffer.from(header);
  badVersion[8] = 2;
  refuse(badVersion, /format version 2/, 'a newer format');
  const badCompression = Buffer.from(header);
  badCompression[9] = 9;
  refuse(badCompression, /unknown compression 9/, 'an unknown compression');
  const badJson = Buffer.from(header);
  badJson[14] = 0x41;
  refuse(badJson, /not valid JSON/, 'damaged metadata');
  const garbled = Buffer.concat([header, Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]);
  refuse(garbled, /gzip data is damaged/, 'damaged compressed data');
});

t.test('cut anywhere: opens as truncated or is refused with a CaptureFormatError', async (t) => {
  const stream = helperStream(400);
  for (const compression of ['none', 'gzip', 'brotli'] as const) {
    const file = Buffer.concat([encodeCaptureHeader(META, compression), compress(stream, compression)]);
    let opened = 0;
    let refused = 0;
    for (let cut = 0; cut < file.length; cut += Math.max(1, Math.floor(file.length / 97))) {
      try {
        const o = openCapture(file.subarray(0, cut));
        opened++;
        t.ok(stream.subarray(0, o.stream.length).equals(o.stream), `${compression} cut at ${cut}: a prefix of the stream`);
      } catch (error) {
        if (!(error instanceof CaptureFormatError)) throw error;
        refused++;
      }
    }
    t.ok(opened > 50, `${compression}: ${opened} cuts open, ${refused} refused`);
  }
});

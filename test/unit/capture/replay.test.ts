/**
 * Replay: a capture's stream through the ProfileAssembler gives the Profile the live ProfileAssembler built, so
 * every writer gives the same bytes; a capture cut mid-record replays what came before and says
 * what was lost; a damaged stream is refused with where it broke.
 */
import zlib from 'node:zlib';
import { unpackMultiple } from 'msgpackr';
import t from 'tap';
import { encodeCaptureHeader, openCapture, CaptureFormatError, type CaptureMeta } from '../../../src/capture/format.js';
import { describeLoss, replayCapture } from '../../../src/capture/replay.js';
import { ProfileAssembler } from '../../../src/model/profile-assembler.js';
import { decodeMessage } from '../../../src/protocol/decode.js';
import { OUTPUT_FORMATS, OUTPUT_FORMAT_NAMES, type OutputOptions } from '../../../src/output/index.js';
import { loadReportAssets } from '../../../src/commands/report-assets.js';
import { sampleCount } from '../../../src/model/profile.js';
import { helperStream } from '../../helpers/helper-stream.js';

const META: CaptureMeta = {
  tool: { name: 'tachyon', version: '9.9.9' }, commandLine: ['attach', '--binary', '77'], argv: ['app.py'], mode: 'wall',
  rateHz: 1000, allThreads: true, target: { pid: 77 }, startUnixMs: 1_795_000_000_000,
};
const OPTIONS: OutputOptions = { pstats: { sort: 'nsamples' as const, limit: 15, summary: true, color: false }, assets: loadReportAssets() };
/** A writer's output as bytes; a directory format's files in order, with their names. */
const bytesOf = (data: string | Uint8Array | Map<string, string>): Buffer =>
  data instanceof Map ? Buffer.from(JSON.stringify([...data].sort(([a], [b]) => a.localeCompare(b)))) : Buffer.from(data);

function liveProfile(stream: Buffer) {
  const recorder = new ProfileAssembler({ toolVersion: '9.9.9', argv: ['app.py'] });
  for (const value of unpackMultiple(stream) as unknown[]) recorder.feed(decodeMessage(value));
  return recorder.finish('stop_requested');
}

t.test('the replayed Profile is the live one, and so is every format', async (t) => {
  const stream = helperStream();
  const file = Buffer.concat([encodeCaptureHeader(META, 'gzip'), zlib.gzipSync(stream)]);
  const result = replayCapture(openCapture(file), 'other-version');
  const live = liveProfile(stream);
  t.same(result.profile, live);
  t.ok(result.sawBye);
  t.equal(describeLoss(result, undefined), undefined, 'nothing lost');
  t.equal(sampleCount(result.profile), 60);
  for (const name of OUTPUT_FORMAT_NAMES) {
    for (const toFile of [true, false]) {
      const options = { ...OPTIONS, baseline: live };
      const a = bytesOf(OUTPUT_FORMATS[name].write(live, options, toFile));
      const b = bytesOf(OUTPUT_FORMATS[name].write(result.profile, options, toFile));
      t.ok(a.equals(b), `${name}${toFile ? '' : ' (stdout)'}: byte-identical (${a.length} bytes)`);
    }
  }
});

t.test('a helper stream without metadata replays with the fallback version and no argv', async (t) => {
  const result = replayCapture(openCapture(helperStream()), '1.2.3');
  t.equal(result.profile.meta.tool.version, '1.2.3');
  t.same(result.profile.meta.target.argv, []);
  t.equal(result.profile.meta.target.pid, 77);
});

t.test('cut mid-record: what came before replays, and the loss is told', async (t) => {
  const stream = helperStream();
  const whole = replayCapture(openCapture(stream), 'x');
  const cut = replayCapture(openCapture(stream.subarray(0, Math.floor(stream.length * 0.6) + 1)), 'x');
  t.ok(cut.lostBytes > 0, `${cut.lostBytes} bytes of an unfinished record`);
  t.notOk(cut.sawBye);
  t.ok(sampleCount(cut.profile) > 0 && sampleCount(cut.profile) < sampleCount(whole.profile), `${sampleCount(cut.profile)} of ${sampleCount(whole.profile)} samples`);
  t.equal(cut.profile.meta.stopReason, 'capture_truncated');
  const loss = describeLoss(cut, 2000) ?? '';
  t.match(loss, /ends 0\.\d\d s into the run without the helper's closing record \(-d asked for 2\.00 s: about \d+ ticks at 1000 Hz are missing\); the last \d+ bytes \(an unfinished record\) were dropped/);
  const endsAtS = cut.profile.meta.durationUs / 1e6;
  t.equal(Number(/about (\d+) ticks/.exec(loss)?.[1]), Math.round((2 - endsAtS) * 1000), 'the missing ticks: the rest of -d at the rate');

  const gz = zlib.gzipSync(stream);
  const gzCut = replayCapture(openCapture(Buffer.concat([encodeCaptureHeader(META, 'gzip'), gz.subarray(0, gz.length - 30)])), 'x');
  t.ok(gzCut.compressedTruncated, 'compressed data cut short');
  t.match(describeLoss(gzCut, undefined), /compressed data is cut short/);
});

t.test('a stream cut before hello, or damaged, is refused with a reason', async (t) => {
  const stream = helperStream();
  t.throws(() => replayCapture(openCapture(stream.subarray(0, 5)), 'x'), /ends before the helper's first record/);
  // Turn the first sample's kind (3) into an unknown kind: a damaged record mid-stream.
  const damaged = Buffer.from(stream);
  const at = damaged.indexOf(Buffer.from([0x95, 0x03]));
  damaged[at + 1] = 0x09;
  const error = (() => {
    try {
      replayCapture(openCapture(damaged), 'x');
    } catch (e) {
      return e;
    }
  })();
  t.ok(error instanceof CaptureFormatError, 'a CaptureFormatError');
  t.match((error as Error).message, /damaged near byte \d+ of its stream \(record 4\): unknown message kind 9/);
  // A sample naming a code id never announced is damage too, not a crash.
  const unknownCode = Buffer.from(stream);
  const sampleAt = unknownCode.indexOf(Buffer.from([0x95, 0x03]));
  const framesAt = unknownCode.indexOf(Buffer.from([0x94, 0x02]), sampleAt);
  unknownCode[framesAt + 1] = 0x05;
  t.throws(() => replayCapture(openCapture(unknownCode), 'x'), /code id 5/);
});

/**
 * The run summary counts what the report holds: ticks and thread samples both named, and every
 * sample left out of the report counted. Checked on real captures recorded with `tachyon run`
 * (CPython 3.13.0, a script with a worker thread: test/fixtures/captures/) and on profiles with
 * samples filtered out.
 */
import t from 'tap';
import path from 'node:path';
import { loadCaptureProfile } from '../../../src/capture/load.js';
import { sampleCount } from '../../../src/model/profile.js';
import { formatRunSummary } from '../../../src/output/summary.js';
import { profileFromText } from '../../helpers/profile-from-text.js';
import { REPO_ROOT } from '../../helpers/interpreters.js';

const captures = path.join(REPO_ROOT, 'test', 'fixtures', 'captures');
const HEAD = /^Captured (\d+) ticks? in [\d.]+ seconds \(Python 3\.13\.0, PID \d+\): (\d+) thread samples? in the report$/;

t.test('with -a: the ticks, and the thread samples the report holds (two per tick here)', async (t) => {
  // tachyon run -a -r 200 --binary, two threads spinning for 0.3 s.
  const profile = loadCaptureProfile(path.join(captures, 'two-threads-all.bin'));
  const lines = formatRunSummary(profile, false);
  const head = HEAD.exec(lines[0]);
  t.ok(head, lines[0]);
  const [ticks, threadSamples] = [Number(head?.[1]), Number(head?.[2])];
  t.equal(ticks, profile.meta.ticksTaken + profile.meta.ticksFailed, 'ticks: the helper\'s count');
  t.equal(threadSamples, sampleCount(profile), 'thread samples: exactly the report\'s');
  t.equal(profile.threads.length, 2);
  t.ok(threadSamples > 1.5 * ticks, `${threadSamples} thread samples from ${ticks} ticks`);
  t.match(lines.join('\n'), /Sample rate: [\d.]+ samples\/sec \(requested 200\.00\)\nFailed samples: 0 \(0\.00%\)\nMissed samples: \d+/);
});

t.test('without -a: samples before the script started are counted, not dropped silently', async (t) => {
  // tachyon run --binary: one sample per tick, the first few while only the launcher ran.
  const profile = loadCaptureProfile(path.join(captures, 'launcher.bin'));
  const lines = formatRunSummary(profile, false);
  const before = profile.meta.samplesBeforeStart;
  t.ok(before > 0, `${before} launcher-only samples in this capture`);
  t.equal(lines[1], `Left out of the report: ${before} sample${before === 1 ? '' : 's'} before the script started`);
  const head = HEAD.exec(lines[0]);
  t.equal(Number(head?.[2]), sampleCount(profile));
  // One thread, one sample per tick taken: the report and the left-out samples are every tick.
  t.equal(sampleCount(profile) + before, profile.meta.ticksTaken, 'report + left out = ticks taken');
});

t.test('samples outside --mode are counted as left out; nothing left out, no line', async (t) => {
  const profile = profileFromText('tid:1;a.py:f:1 3');
  t.notOk(formatRunSummary(profile, false).some((l) => l.startsWith('Left out')));
  t.match(formatRunSummary(profile, false)[0], /: 3 thread samples in the report$/);
  const cpu = { ...profile, meta: { ...profile.meta, mode: 'cpu' as const, samplesFilteredOut: 5, samplesBeforeStart: 1 } };
  const lines = formatRunSummary(cpu, true);
  t.equal(lines[0], 'Interrupted by user.');
  t.equal(lines[2], 'Left out of the report: 1 sample before the script started, 5 samples outside --mode cpu');
});

/**
 * The pprof writer, decoded with protobufjs against the published profile.proto
 * (test/fixtures/pprof): sample types, totals equal to the profile's samples and interval, ids
 * that resolve, a complete string table starting with "", and the same stacks as collapsed.
 */
import { gunzipSync } from 'node:zlib';
import t from 'tap';
import { writePprof } from '../../../src/output/pprof.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { sampleCount } from '../../../src/model/profile.js';
import { profileFromText } from '../../helpers/profile-from-text.js';
import { decodePprof, stacksFromCollapsed, stacksFromPprof, stacksText } from '../../helpers/format-stacks.js';

const TEXT = `
tid:7;app.py:<module>:3;app.py:main:10;app.py:work:20 5
tid:7;app.py:<module>:3;app.py:main:11 2
tid:8;app.py:<module>:3;lib.py:helper:4;<truncated> 3
`;
const START_UNIX_MS = 1_795_000_000_123.456;

t.test('decodes against profile.proto, with sample totals that match', async (t) => {
  const profile = profileFromText(TEXT, { startUnixMs: START_UNIX_MS, sampleIntervalUs: 250 });
  const data = writePprof(profile);
  t.same([...data.subarray(0, 2)], [0x1f, 0x8b], 'gzipped');
  const p = decodePprof(data);
  const s = p.stringTable;
  t.equal(s[0], '', 'string_table[0] is ""');
  t.same(p.sampleType.map((v) => `${s[v.type]}/${s[v.unit]}`), ['samples/count', 'wall/nanoseconds']);
  const total = p.sample.reduce((n, x) => n + x.value[0], 0);
  t.equal(total, sampleCount(profile), 'sample counts add up to the profile\'s samples');
  t.equal(p.sample.reduce((n, x) => n + x.value[1], 0), total * 250_000, 'wall time = samples × interval');
  t.equal(p.period, 250_000);
  t.equal(p.timeNanos, Math.round(START_UNIX_MS * 1000) * 1000, 'start time beyond 2^53 ns, exact to the microsecond');
  t.equal(p.durationNanos, 1_000_000_000);
  const locationIds = new Set(p.location.map((l) => l.id));
  const functionIds = new Set(p.function.map((f) => f.id));
  t.ok(p.sample.every((x) => x.locationId.every((id) => locationIds.has(id))), 'every location id resolves');
  t.ok(p.location.every((l) => l.line.every((line) => functionIds.has(line.functionId))), 'every function id resolves');
  t.ok(p.function.every((f) => f.name < s.length && f.filename < s.length), 'every string index resolves');
  t.ok(!locationIds.has(0) && !functionIds.has(0), 'ids are non-zero');
});

t.test('the same stacks as the collapsed output, with thread labels', async (t) => {
  const profile = profileFromText(TEXT);
  t.equal(stacksText(stacksFromPprof(writePprof(profile))), stacksText(stacksFromCollapsed(writeCollapsed(profile))));
});

t.test('deterministic bytes', async (t) => {
  const profile = profileFromText(TEXT);
  t.same(gunzipSync(writePprof(profile)), gunzipSync(writePprof(profile)));
  t.same(Buffer.from(writePprof(profile)), Buffer.from(writePprof(profile)), 'the gzip wrapper too');
});

/**
 * The JSONL writer against docs/formats.md: record order, every line valid JSON with `v` and
 * `run_id`, ids from 0 that resolve, optional location keys left out when unknown, chunks of at
 * most 256 entries, aggregates that match the samples, and the same stacks as collapsed.
 */
import t from 'tap';
import { writeJsonl, JSONL_VERSION } from '../../../src/output/jsonl.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { ProfileBuilder } from '../../../src/model/builder.js';
import { profileFromText, testMeta } from '../../helpers/profile-from-text.js';
import { stacksFromCollapsed, stacksFromJsonl, stacksText } from '../../helpers/format-stacks.js';

const TEXT = `
tid:7;app.py:<module>:3;app.py:main:10;app.py:work:20 5
tid:7;app.py:<module>:3;app.py:main:11 2
tid:8;app.py:<module>:3;lib.py:helper:4;<truncated> 3
`;

const records = (text: string): Record<string, any>[] => text.trimEnd().split('\n').map((l) => JSON.parse(l));

t.test('records in the documented order, each with v and run_id', async (t) => {
  const text = writeJsonl(profileFromText(TEXT));
  t.ok(text.endsWith('\n'));
  const rs = records(text);
  const order = ['meta', 'string_table', 'frame_table', 'stack_table', 'samples', 'agg', 'end'];
  const types = rs.map((r) => r.type);
  t.same([...new Set(types)], order, 'every type, in order');
  t.same(types.map((ty) => order.indexOf(ty)), [...types.map((ty) => order.indexOf(ty))].sort((a, b) => a - b), 'never out of order');
  t.ok(rs.every((r) => r.v === JSONL_VERSION && r.run_id === rs[0].run_id));
  t.equal(rs[rs.length - 1].samples_total, 10);
  t.match(rs[0], { pid: 4242, mode: 'wall', sample_interval_usec: 1000, python_version: '3.13.0' });
});

t.test('the same stacks as the collapsed output; aggregates match', async (t) => {
  const profile = profileFromText(TEXT);
  const text = writeJsonl(profile);
  t.equal(stacksText(stacksFromJsonl(text)), stacksText(stacksFromCollapsed(writeCollapsed(profile))));
  const rs = records(text);
  const strings = new Map(rs.filter((r) => r.type === 'string_table').flatMap((r) => r.strings.map((e: any) => [e.str_id, e.value])));
  const frames = new Map(rs.filter((r) => r.type === 'frame_table').flatMap((r) => r.frames.map((f: any) => [f.frame_id, f])));
  const agg = rs.filter((r) => r.type === 'agg').flatMap((r) => r.entries);
  const byName = Object.fromEntries(agg.map((e: any) => [`${strings.get(frames.get(e.frame_id).func_str_id)}:${frames.get(e.frame_id).line}`, [e.self, e.cumulative]]));
  t.same(byName, { '<module>:3': [0, 10], 'main:10': [0, 5], 'work:20': [5, 5], 'main:11': [2, 2], 'helper:4': [0, 3], '<truncated>:0': [3, 3] });
  const synthetic = [...frames.values()].filter((f: any) => f.synthetic === true) as any[];
  t.same(synthetic.map((f) => [strings.get(f.func_str_id), f.line, 'col' in f]), [['<truncated>', 0, false]], 'only the pseudo frame is synthetic, with line 0 and no columns');
});

t.test('locations: present keys only; recursion counted once per sample; tables chunked', async (t) => {
  const b = new ProfileBuilder();
  const f = b.func('rec', '/w/r.py', 1, 'python');
  const withColumns = b.frame(f, 2, 2, 4, 9);
  const noColumns = b.frame(f, 3);
  const frames = [withColumns, noColumns, withColumns];
  for (let i = 0; i < 300; i++) b.string(`s${i}`);
  b.addSample(1, 0, 0, b.stack(frames));
  const rs = records(writeJsonl(b.finish(testMeta())));
  const frameRecords = rs.filter((r) => r.type === 'frame_table').flatMap((r) => r.frames);
  t.same(frameRecords, [
    { frame_id: 0, path_str_id: 1, func_str_id: 0, line: 2, end_line: 2, col: 4, end_col: 9 },
    { frame_id: 1, path_str_id: 1, func_str_id: 0, line: 3 },
  ]);
  t.same(rs.filter((r) => r.type === 'agg').flatMap((r) => r.entries), [
    { frame_id: 0, self: 1, cumulative: 1 },
    { frame_id: 1, self: 0, cumulative: 1 },
  ]);
  const stringChunks = rs.filter((r) => r.type === 'string_table');
  t.same(stringChunks.map((r) => r.strings.length), [256, 46], 'chunks of 256');
});

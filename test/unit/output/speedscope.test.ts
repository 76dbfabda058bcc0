/**
 * The speedscope writer, checked against speedscope's own published JSON schema (from the pinned
 * `speedscope` npm package: dist/release/file-format-schema.json) and read back: the same
 * stacks as the collapsed output, time-ordered samples whose weights add up to the thread's span.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import t from 'tap';
import { writeSpeedscope, SPEEDSCOPE_SCHEMA } from '../../../src/output/speedscope.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { profileFromText } from '../../helpers/profile-from-text.js';
import { schemaErrors } from '../../helpers/json-schema.js';
import { stacksFromCollapsed, stacksFromSpeedscope, stacksText } from '../../helpers/format-stacks.js';

const require = createRequire(import.meta.url);
const schemaPath = require.resolve('speedscope/dist/release/file-format-schema.json');
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));

const TEXT = `
tid:7;app.py:<module>:3;app.py:main:10;app.py:work:20 5
tid:7;app.py:<module>:3;app.py:main:11 2
tid:8;app.py:<module>:3;lib.py:helper:4;<truncated> 3
`;

t.test('valid against speedscope\'s file-format schema', async (t) => {
  const file = JSON.parse(writeSpeedscope(profileFromText(TEXT)));
  t.equal(schema.$ref, '#/definitions/FileFormat.File', 'the schema starts at FileFormat.File');
  t.same(schemaErrors(schema, file), []);
  t.equal(file.$schema, SPEEDSCOPE_SCHEMA);
  t.equal(file.profiles.length, 2, 'one profile per thread');
});

t.test('a file missing what the schema requires is refused (the checker can fail)', async (t) => {
  const file = JSON.parse(writeSpeedscope(profileFromText(TEXT)));
  delete file.shared;
  file.profiles[0].type = 'sampledd';
  const errors = schemaErrors(schema, file);
  t.ok(errors.some((e) => e.includes('missing shared')), errors.join('; '));
  t.ok(errors.some((e) => e.includes('profiles[0]')), errors.join('; '));
});

t.test('the same stacks as the collapsed output; weights span the samples', async (t) => {
  const profile = profileFromText(TEXT);
  const file = JSON.parse(writeSpeedscope(profile));
  t.equal(stacksText(stacksFromSpeedscope(JSON.stringify(file))), stacksText(stacksFromCollapsed(writeCollapsed(profile))));
  for (const p of file.profiles) {
    t.equal(p.samples.length, p.weights.length);
    t.equal(p.endValue - p.startValue, p.weights.reduce((a: number, b: number) => a + b, 0));
    t.ok(p.frames === undefined && p.samples.every((s: number[]) => s.every((f) => f >= 0 && f < file.shared.frames.length)), 'frame indexes in range');
  }
});

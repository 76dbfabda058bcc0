/**
 * The helper's `--version` line carries the CPython range it reads, derived from
 * helper/py_offsets.zig's `minor_min`/`minor_max`, and src/session/helper-path.ts reads it back:
 * the range is written in one place.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../helpers/interpreters.js';
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.js';
import { HelperExit } from '../../../src/protocol/messages.js';
import { errorForHelperExit } from '../../../src/session/errors.js';
import { parseHelperVersion, readHelperVersion, supportedPythonsText } from '../../../src/session/helper-path.js';

const HELPER = path.join(REPO_ROOT, 'zig-out', 'bin', 'tachyon-helper');

function zigConst(name: string): number {
  const source = readFileSync(path.join(REPO_ROOT, 'helper', 'py_offsets.zig'), 'utf8');
  const match = new RegExp(`pub const ${name}\\s*=\\s*(\\d+);`).exec(source);
  if (!match) throw new Error(`${name} not found in helper/py_offsets.zig`);
  return Number(match[1]);
}

t.test('parsing a --version line', async (t) => {
  t.same(parseHelperVersion('tachyon-helper 0.1.0 protocol 4 python 3.8-3.15\n'), { helperVersion: '0.1.0', protocolVersion: 4, pythons: ['3.8', '3.15'] });
  t.equal(parseHelperVersion('tachyon-helper 0.1.0 protocol 4\n'), undefined, 'a helper that does not say its range');
  t.equal(parseHelperVersion('something else'), undefined);
});

t.test('the built helper reports the range of helper/py_offsets.zig', async (t) => {
  t.ok(existsSync(HELPER), `the helper is built at ${HELPER} (npm run build)`);
  const version = readHelperVersion(HELPER);
  t.ok(version, 'the helper answers --version with a version line');
  if (!version) return;
  t.equal(version.protocolVersion, PROTOCOL_VERSION);
  t.same(version.pythons, [`3.${zigConst('minor_min')}`, `3.${zigConst('minor_max')}`]);
  t.equal(supportedPythonsText(version), `3.${zigConst('minor_min')} to 3.${zigConst('minor_max')}`);
});

t.test("an unsupported Python's hint names the range the helper reports", async (t) => {
  const range = `3.${zigConst('minor_min')} to 3.${zigConst('minor_max')}`;
  const error = errorForHelperExit(HelperExit.python_unsupported, 42, '', HELPER);
  t.match(error.hint, `Tachyon reads CPython ${range} (GIL builds`);
});

/**
 * The line-table decoder against each interpreter's own answer (`co_positions()`, `co_lines()`
 * or `dis.findlinestarts()`) for every instruction of every code object in a set of stdlib
 * modules, on CPython 3.8 to 3.15, plus hand-made tables for the edge cases.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters, type Interpreter } from '../../helpers/interpreters.js';
import { decodeForVersion, decodeLocationTable, lookupLocation } from '../../../src/symbolize/line-table.js';

interface Dump {
  version: number;
  codes: { name: string; file: string; firstLine: number; table: string; expected: number[][] }[];
}

const fixtures = installFixtures();

function dump(interpreter: Interpreter): Dump {
  const out = execFileSync(interpreter.command[0], [...interpreter.command.slice(1), `${fixtures}/dump_line_tables.py`], { maxBuffer: 1 << 28 });
  return JSON.parse(out.toString('utf8')) as Dump;
}

// One interpreter per distinct minor version is enough: the table format is per minor. The
// decoder covers every format from co_lnotab (3.8, 3.9) through the 3.10 table to the 3.11+
// location table.
const seen = new Set<string>();
for (const interpreter of [...olderInterpreters(), ...coreInterpreters()]) {
  if (seen.has(interpreter.minor)) continue;
  seen.add(interpreter.minor);
  t.test(`line tables agree with ${interpreter.label} for every instruction`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const data = dump(interpreter);
    let lookups = 0;
    const mismatches: string[] = [];
    for (const code of data.codes) {
      const table = decodeForVersion(Buffer.from(code.table, 'hex'), code.firstLine, data.version);
      code.expected.forEach(([line, endLine, column, endColumn], index) => {
        lookups++;
        const got = lookupLocation(table, index);
        const same = got.line === line && (column === -1 || (got.endLine === endLine && got.column === column && got.endColumn === endColumn));
        if (!same && mismatches.length < 5) mismatches.push(`${code.file}:${code.name} unit ${index}: want ${[line, endLine, column, endColumn]} got ${JSON.stringify(got)}`);
      });
    }
    t.ok(data.codes.length > 500, `${data.codes.length} code objects compared`);
    t.ok(lookups > 20000, `${lookups} instructions compared`);
    t.same(mismatches, [], 'no instruction decodes differently');
  });
}

t.test('location table edge cases', async (t) => {
  // code 15 (no location) keeps the running line; code 13 moves it; ranges are half-open.
  const table = decodeLocationTable(Uint8Array.from([0xf8 | 1, 0xe8, 0x04, 0xf8]), 10);
  t.equal(lookupLocation(table, 0).line, -1, 'no-location entry');
  t.equal(lookupLocation(table, 1).line, -1, 'both units of a two-unit entry');
  t.equal(lookupLocation(table, 2).line, 12, 'code 13 with delta +2');
  t.equal(lookupLocation(table, 3).line, -1, 'code 15 after a line');
  t.equal(lookupLocation(table, 4).line, -1, 'past the end is unknown');
  t.equal(lookupLocation(table, -1).line, 10, 'a frame that has not started is at its first line');
  t.equal(decodeLocationTable(Uint8Array.from([0x00, 0x80]), 1).length, 0, 'a table that does not start with an entry byte is empty');
});

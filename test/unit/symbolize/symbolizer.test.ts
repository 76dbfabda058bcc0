/**
 * The symbolizer: the code records of a tiny program, compiled by real interpreters (each line
 * table family: 3.9's lnotab, 3.10's table, 3.11+'s location table), become functions, and every
 * instruction of every code object becomes a frame at the line the interpreter itself gives it,
 * resolved once and remembered; plus the cuts (launcher, truncation marker), the `<native>`
 * pseudo-frame and an unknown code id.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { ProfileBuilder } from '../../../src/model/builder.js';
import { PSEUDO_FILE } from '../../../src/model/profile.js';
import { MessageKind, NATIVE_INSTR_INDEX, TRUNCATION_CODE_ID, type CodeMessage } from '../../../src/protocol/messages.js';
import { CUT_LAUNCHER, CUT_TRUNCATED, LAUNCHER_FILENAME, Symbolizer, UnknownCodeError } from '../../../src/symbolize/symbolizer.js';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters, type Interpreter } from '../../helpers/interpreters.js';
import { testMeta } from '../../helpers/profile-from-text.js';

interface Dump {
  version: number;
  codes: { name: string; file: string; firstLine: number; table: string; expected: number[][] }[];
}

const fixtures = installFixtures();

/** The tiny program's code objects as the interpreter compiles them, with its own line for each instruction. */
function compiled(interpreter: Interpreter): Dump {
  const out = execFileSync(interpreter.command[0], [...interpreter.command.slice(1), `${fixtures}/dump_line_tables.py`, `${fixtures}/tiny_program.py`]);
  return JSON.parse(out.toString('utf8')) as Dump;
}

function codeMessage(codeId: number, code: Dump['codes'][number]): CodeMessage {
  return { kind: MessageKind.code, codeId, filename: code.file, name: code.name, qualname: code.name, firstLine: code.firstLine, lineTable: Buffer.from(code.table, 'hex') };
}

const byMinor = new Map<string, Interpreter>();
for (const interpreter of [...olderInterpreters(), ...coreInterpreters()]) if (['3.9', '3.10', '3.13', '3.15'].includes(interpreter.minor) && !byMinor.has(interpreter.minor)) byMinor.set(interpreter.minor, interpreter);

for (const interpreter of byMinor.values()) {
  t.test(`every instruction of a program compiled by ${interpreter.label} becomes a frame at the interpreter's line`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const data = compiled(interpreter);
    const builder = new ProfileBuilder();
    const symbolizer = new Symbolizer(builder, data.version);
    data.codes.forEach((code, i) => symbolizer.addCode(codeMessage(i + 1, code)));
    const resolved: { codeId: number; index: number; frame: number; want: number }[] = [];
    data.codes.forEach((code, i) => {
      code.expected.forEach(([line], index) => {
        // An instruction without a line is shown at the function's first line.
        resolved.push({ codeId: i + 1, index, frame: symbolizer.resolve(i + 1, index), want: line >= 0 ? line : code.firstLine });
      });
    });
    const profile = builder.finish(testMeta());
    const mismatches = resolved.filter((r) => profile.frames.line[r.frame] !== r.want).slice(0, 5);
    t.same(mismatches, [], 'no instruction at another line than the interpreter says');
    t.ok(data.codes.length >= 6, `${data.codes.length} code objects`);
    t.ok(resolved.length > 50, `${resolved.length} instructions`);
    const names = new Set(resolved.map((r) => profile.strings[profile.funcs.name[profile.frames.func[r.frame]]]));
    for (const name of ['<module>', 'Shape', '__init__', 'area', 'square', '<lambda>']) t.ok(names.has(name), `a function ${name}`);
    t.ok(resolved.every((r) => profile.strings[profile.funcs.file[profile.frames.func[r.frame]]] === `${fixtures}/tiny_program.py` && profile.funcs.kind[profile.frames.func[r.frame]] === 'python'));
    t.ok(resolved.every((r) => symbolizer.resolve(r.codeId, r.index) === r.frame), 'a second lookup gives the same frame');
    const distinct = new Set(resolved.map((r) => `${r.codeId}:${profile.frames.line[r.frame]}:${profile.frames.column[r.frame]}:${profile.frames.endLine[r.frame]}:${profile.frames.endColumn[r.frame]}`));
    t.equal(profile.frames.length, distinct.size + 1, 'one frame per distinct position (and the <truncated> root)');
  });
}

t.test('cuts, pseudo-frames and unknown code ids', async (t) => {
  const builder = new ProfileBuilder();
  const symbolizer = new Symbolizer(builder, 0x030d00f0);
  symbolizer.addCode({ kind: MessageKind.code, codeId: 5, filename: LAUNCHER_FILENAME, name: '_start', qualname: '_start', firstLine: 1, lineTable: new Uint8Array() });
  symbolizer.addCode({ kind: MessageKind.code, codeId: 6, filename: '/w/x.py', name: 'f', qualname: 'C.f', firstLine: 7, lineTable: new Uint8Array() });
  t.equal(symbolizer.resolve(5, 0), CUT_LAUNCHER);
  t.equal(symbolizer.resolve(TRUNCATION_CODE_ID, 0), CUT_TRUNCATED);
  const native = symbolizer.resolve(TRUNCATION_CODE_ID, NATIVE_INSTR_INDEX);
  t.equal(symbolizer.resolve(TRUNCATION_CODE_ID, NATIVE_INSTR_INDEX), native, 'one <native> frame');
  const f = symbolizer.resolve(6, -1);
  t.throws(() => symbolizer.resolve(9, 0), UnknownCodeError);
  const profile = builder.finish(testMeta());
  const describe = (frame: number) => {
    const func = profile.frames.func[frame];
    return [profile.strings[profile.funcs.name[func]], profile.strings[profile.funcs.file[func]], profile.funcs.kind[func], profile.frames.line[frame]];
  };
  t.same(describe(symbolizer.truncatedRoot), ['<truncated>', PSEUDO_FILE, 'pseudo', 0]);
  t.same(describe(native), ['<native>', PSEUDO_FILE, 'pseudo', 0]);
  t.same(describe(f), ['C.f', '/w/x.py', 'python', 7], 'the qualified name; an empty table puts it at its first line');
});

/**
 * `tachyon dump --locals` on every supported interpreter: locals.py waits in inner(), whose
 * locals hold one value of each kind the helper shows, called from outer(), which has a
 * variable closed over by a nested function (a cell, shown from 3.11). Each repr must be exactly
 * what the helper promises (docs/protocol.md, Locals), with and without --blocking, in JSON and
 * in the text form.
 */
import t from 'tap';
import { coreInterpreters, installFixtures, missingMessage, olderInterpreters } from '../helpers/interpreters.js';
import { startTarget, tachyon } from '../helpers/cli.js';

const fixtures = installFixtures();

interface DumpJson {
  threads: { status: string[]; frames: { func: string; line: number; locals?: { name: string; repr: string }[] }[] }[];
}

/** inner()'s locals as locals.py sets them, in the order the code object names them. */
const INNER: [string, string | RegExp][] = [
  ['count', '5'],
  ['label', "'cell value'"],
  ['small', '42'],
  ['negative', '-7'],
  ['big', String(2n ** 70n + 5n)],
  ['huge', '<int, more than 120 bits>'],
  ['ratio', '1.5'],
  ['whole', '3.0'],
  ['text', "'it\\'s\\n'"],
  ['accented', "'caf\u00e9 \u043f\u0440\u0438'"],
  ['long_text', `'${'x'.repeat(48)}'... (100 chars)`],
  ['raw', "b'ab\\x00\\''"],
  ['nothing', 'None'],
  ['yes', 'True'],
  ['items', '<list, 3 items>'],
  ['table', '<dict, 1 item>'],
  ['pair', '<tuple, 2 items>'],
  ['widget', /^<Widget object at 0x[0-9a-f]+>$/],
];

for (const interpreter of [...coreInterpreters(), ...olderInterpreters()]) {
  t.test(`dump --locals shows each local's value (${interpreter.label})`, async (t) => {
    if (!interpreter.present) return t.fail(missingMessage(interpreter));
    const { pid, child } = await startTarget([...interpreter.command, `${fixtures}/locals.py`]);
    try {
      for (const flags of [[], ['--blocking']]) {
        const result = await tachyon(['dump', '--locals', '--json', ...flags, String(pid)]);
        t.equal(result.exitCode, 0, result.stderr);
        const dump = JSON.parse(result.stdout) as DumpJson;
        const frames = dump.threads[0]?.frames ?? [];
        const inner = frames.find((f) => f.func === 'inner');
        const outer = frames.find((f) => f.func === 'outer');
        const sleep = frames.find((f) => f.func === '<module>');
        const shown = new Map((inner?.locals ?? []).map((l) => [l.name, l.repr]));
        t.same([...shown.keys()], INNER.map(([name]) => name), `inner's locals in order ${flags.join(' ')}`);
        for (const [name, repr] of INNER) {
          if (typeof repr === 'string') t.equal(shown.get(name), repr, `${name} = ${repr}`);
          else t.match(shown.get(name), repr, `${name} matches ${repr}`);
        }
        const outerLocals = new Map((outer?.locals ?? []).map((l) => [l.name, l.repr]));
        t.match(outerLocals.get('use'), /^<function object at 0x[0-9a-f]+>$/, 'a function is shown by its type');
        // Cell variables are in co_localsplusnames from 3.11; co_varnames before lists plain locals only.
        if (Number(interpreter.minor.split('.')[1]) >= 11) t.equal(outerLocals.get('captured'), "'cell value'", 'a cell variable shows its contents');
        else t.notOk(outerLocals.has('captured'), 'before 3.11 cell variables are not among co_varnames');
        t.same(sleep?.locals, [], 'module code has no locals');
      }
      const text = await tachyon(['dump', '--locals', String(pid)]);
      t.equal(text.exitCode, 0, text.stderr);
      t.match(text.stdout, /, in inner\n {4}time\.sleep\(0\.05\)\n {6}count = 5\n {6}label = 'cell value'\n {6}small = 42\n/, 'the text form lists locals under their frame');
      const plain = await tachyon(['dump', String(pid)]);
      t.notMatch(plain.stdout, / = 42/, 'without --locals, no values');
    } finally {
      child.kill();
      await child;
    }
  });
}

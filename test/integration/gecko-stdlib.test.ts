/**
 * Our --gecko file next to the stdlib profiler's (CPython 3.15's `profiling.sampling --gecko`) for
 * the same program: both structurally sound, the same format version, categories, top-level and
 * per-thread keys and table columns, and the same functions of the program in their stacks.
 */
import t from 'tap';
import { execa } from 'execa';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CHROOT, coreInterpreters, installFixtures, missingMessage } from '../helpers/interpreters.js';
import { tachyon } from '../helpers/cli.js';
import { geckoProblems } from '../helpers/gecko-structure.js';

const fixtures = installFixtures();
const debian315 = coreInterpreters().find((i) => i.label === 'debian-3.15');
const TABLES = ['samples', 'stackTable', 'frameTable', 'funcTable', 'resourceTable', 'nativeSymbols', 'markers'];
/** What a pure writer cannot know about the machine that ran the target; the stdlib writes os.cpu_count(). */
const MACHINE_KEYS = ['physicalCPUs', 'logicalCPUs'];

type Gecko = { meta: Record<string, unknown> & { categories: unknown }; threads: Record<string, Record<string, unknown>>[]; shared: { stringArray: string[] } };

function programFunctions(g: Gecko): string[] {
  const names = new Set<string>();
  for (const th of g.threads) {
    const funcs = th.funcTable as { name: number[]; fileName: (number | null)[] };
    funcs.name.forEach((n, i) => {
      const file = funcs.fileName[i];
      if (file !== null && g.shared.stringArray[file] === 'recursive.py') names.add(g.shared.stringArray[n]);
    });
  }
  return [...names].sort();
}

t.test('the same format as the stdlib profiler\'s gecko file', async (t) => {
  if (!debian315?.present) return t.fail(missingMessage(debian315 ?? coreInterpreters()[0]));
  // The stdlib profiler reads /proc inside the chroot.
  const proc = path.join(CHROOT, 'proc');
  if ((await execa('mountpoint', ['-q', proc], { reject: false })).exitCode !== 0) await execa('mount', ['-t', 'proc', 'proc', proc]);
  const stdlibFile = `${fixtures}/stdlib-gecko.json`;
  rmSync(path.join(CHROOT, stdlibFile), { force: true });
  const stdlib = await execa('chroot', [CHROOT, '/usr/bin/python3.15', '-m', 'profiling.sampling', 'run', '-d', '1', '--gecko', '-o', stdlibFile, `${fixtures}/recursive.py`, '--forever'], { reject: false, stdin: 'ignore' });
  const theirs = JSON.parse(readFileSync(path.join(CHROOT, stdlibFile), 'utf8')) as Gecko;
  t.ok(theirs.threads.length > 0, String(stdlib.stderr).slice(-300));

  const oursFile = `${fixtures}/tachyon-gecko.json`;
  const run = await tachyon(['run', '--python', debian315.python, '-d', '1', '--gecko', '-o', oursFile, `${fixtures}/recursive.py`, '--forever']);
  t.match(run.stderr, /Gecko profile written to .*\nOpen in Firefox Profiler: https:\/\/profiler.firefox.com\//);
  const ours = JSON.parse(readFileSync(oursFile, 'utf8')) as Gecko;

  t.same(geckoProblems(theirs), [], 'the stdlib file passes the structural checks (so they check the real format)');
  t.same(geckoProblems(ours), [], 'ours passes them');
  t.equal(ours.meta.version, theirs.meta.version, `meta.version ${theirs.meta.version}`);
  t.equal(ours.meta.preprocessedProfileVersion, theirs.meta.preprocessedProfileVersion, `preprocessedProfileVersion ${theirs.meta.preprocessedProfileVersion}`);
  t.same(ours.meta.categories, theirs.meta.categories, 'the same categories, in the same order');
  t.same(Object.keys(ours).sort(), Object.keys(theirs).sort(), 'top-level keys');
  t.same(Object.keys(ours.meta).sort(), Object.keys(theirs.meta).filter((k) => !MACHINE_KEYS.includes(k)).sort(), 'meta keys, less the CPU counts');
  t.same(Object.keys(ours.shared).sort(), Object.keys(theirs.shared).sort(), 'shared keys');
  t.same(Object.keys(ours.threads[0]).sort(), Object.keys(theirs.threads[0]).sort(), 'thread keys');
  for (const table of TABLES) t.same(Object.keys(ours.threads[0][table] as object).sort(), Object.keys(theirs.threads[0][table] as object).sort(), `${table} columns`);
  t.same(programFunctions(ours), programFunctions(theirs), `the program's functions: ${programFunctions(theirs).join(', ')}`);
  const markerNames = (g: Gecko): Set<string> => new Set(g.threads.flatMap((th) => (th.markers.name as number[]).map((n) => g.shared.stringArray[n])));
  const ourMarkers = markerNames(ours);
  t.ok([...ourMarkers].length > 0 && [...ourMarkers].every((m) => markerNames(theirs).has(m) || m === 'No GIL'), `our markers (${[...ourMarkers].join(', ')}) are named as the stdlib names them`);
});

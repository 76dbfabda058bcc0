/**
 * The shared aggregations: stack counts in first-sample order, subtree totals, and per-key self
 * and cumulative samples with recursion counted once, checked against a sample-by-sample count
 * of the same profile (recursive and mutually recursive stacks, several threads).
 */
import t from 'tap';
import { addSubtrees, keyTotals, stackCounts, stackSamples, stackTotals } from '../../../src/model/call-tree.js';
import { framesRootFirst, type Profile } from '../../../src/model/profile.js';
import { profileFromText } from '../../helpers/profile-from-text.js';

const TEXT = `
tid:1;a.py:main:1;a.py:f:2;a.py:f:2;a.py:f:3 4
tid:1;a.py:main:1;a.py:f:2;a.py:g:5;a.py:f:2 3
tid:2;a.py:main:1;a.py:g:5 2
tid:1;a.py:main:1 1
tid:2;a.py:main:1;a.py:f:2;a.py:g:5;a.py:f:2;a.py:g:6 5
`;

/** Per function name: samples with it as the leaf, and with it anywhere on the stack (once). */
function bySample(profile: Profile): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const nameOf = (frame: number) => profile.strings[profile.funcs.name[profile.frames.func[frame]]];
  for (const thread of profile.threads) {
    for (let i = 0; i < thread.samples.length; i++) {
      const names = framesRootFirst(profile, thread.samples.stack[i]).map(nameOf);
      for (const name of new Set(names)) {
        const entry = out.get(name) ?? [0, 0];
        entry[1]++;
        if (name === names[names.length - 1]) entry[0]++;
        out.set(name, entry);
      }
    }
  }
  return out;
}

t.test('stack counts follow the first sample of each stack, thread by thread', async (t) => {
  const profile = profileFromText(TEXT);
  const counts = stackCounts(profile.threads);
  const firstSeen: number[] = [];
  for (const thread of profile.threads) for (const s of thread.samples.stack) if (!firstSeen.includes(s)) firstSeen.push(s);
  t.same([...counts.keys()], firstSeen);
  t.equal([...counts.values()].reduce((a, b) => a + b, 0), 15);
  const dense = stackSamples(profile);
  for (const [stack, count] of counts) t.equal(dense[stack], count);
});

t.test('subtree totals: each stack counts the samples of every stack under it', async (t) => {
  const profile = profileFromText(TEXT);
  const totals = stackTotals(profile);
  for (let s = 0; s < profile.stacks.length; s++) {
    let expected = 0;
    for (const thread of profile.threads) {
      for (const leaf of thread.samples.stack) for (let a = leaf; a !== -1; a = profile.stacks.parent[a]) if (a === s) expected++;
    }
    t.equal(totals[s], expected, `stack ${s}`);
  }
  t.same([...addSubtrees([-1, 0, 0, 1], Float64Array.from([1, 2, 3, 4]))], [10, 6, 3, 4]);
});

t.test('self and cumulative per function: recursion counts once', async (t) => {
  const profile = profileFromText(TEXT);
  const keyOfFrame = Int32Array.from({ length: profile.frames.length }, (_, f) => profile.frames.func[f]);
  const { self, cumulative } = keyTotals(profile, keyOfFrame, profile.funcs.length);
  const expected = bySample(profile);
  for (let f = 0; f < profile.funcs.length; f++) {
    const name = profile.strings[profile.funcs.name[f]];
    t.same([self[f], cumulative[f]], expected.get(name) ?? [0, 0], name);
  }
  t.same(expected.get('f'), [7, 12], 'f: leaf of 7 samples, on 12 stacks however deep it recurses');
});

t.test('frames with key -1 are left out', async (t) => {
  const profile = profileFromText(TEXT);
  const keyOfFrame = Int32Array.from({ length: profile.frames.length }, (_, f) => (profile.strings[profile.funcs.name[profile.frames.func[f]]] === 'g' ? 0 : -1));
  const { self, cumulative } = keyTotals(profile, keyOfFrame, 1);
  t.same([self[0], cumulative[0]], bySample(profile).get('g'));
});

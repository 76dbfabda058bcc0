/**
 * ProfileBuilder: strings, functions, frames and stacks are interned once each; stacks form a
 * prefix tree with parents first; samples land in their thread's table, threads in order of first
 * sample; names apply only to threads that were sampled. The collapsed round trip of a profile
 * with shared prefixes, recursion and a pseudo-frame checks the whole chain.
 */
import t from 'tap';
import { ProfileBuilder } from '../../../src/model/builder.js';
import { PSEUDO_FILE, PseudoFrame, framesRootFirst } from '../../../src/model/profile.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { profileFromText, testMeta } from '../../helpers/profile-from-text.js';

t.test('functions and frames are interned by every field', async (t) => {
  const b = new ProfileBuilder();
  const f = b.func('run', '/w/a.py', 3, 'python');
  t.equal(b.func('run', '/w/a.py', 3, 'python'), f, 'the same function again');
  const others = [b.func('run', '/w/a.py', 4, 'python'), b.func('run', '/w/b.py', 3, 'python'), b.func('run', '/w/a.py', 3, 'pseudo'), b.func('go', '/w/a.py', 3, 'python')];
  t.equal(new Set([f, ...others]).size, 5, 'a different name, file, first line or kind is another function');
  const frame = b.frame(f, 10, 10, 4, 9);
  t.equal(b.frame(f, 10, 10, 4, 9), frame);
  t.equal(new Set([frame, b.frame(f, 10), b.frame(f, 10, 11, 4, 9), b.frame(f, 10, 10, 5, 9), b.frame(f, 11, 11, 4, 9)]).size, 5);
  t.equal(b.pseudoFrame(PseudoFrame.gc), b.frame(b.func('<GC>', PSEUDO_FILE, 0, 'pseudo'), 0), 'a pseudo-frame is a function of kind pseudo in the pseudo file');
  const profile = b.finish(testMeta());
  t.equal(profile.strings.filter((s) => s === 'run').length, 1, 'each string once');
  t.equal(profile.funcs.length, 6);
  t.equal(profile.frames.length, 6);
});

t.test('stacks are a prefix tree, parents first, each (parent, frame) once', async (t) => {
  const b = new ProfileBuilder();
  const [a, c, d] = ['a', 'c', 'd'].map((name) => b.frame(b.func(name, '/w/x.py', 1, 'python'), 2));
  t.equal(b.stack([]), -1, 'the empty stack');
  const abc = b.stack([c, a]);
  const abd = b.stack([d, a]);
  t.equal(b.stack([c, a]), abc);
  t.not(abc, abd);
  const profile = b.finish(testMeta());
  t.equal(profile.stacks.parent[abc], profile.stacks.parent[abd], 'the shared root is one stack');
  t.equal(b.child(-1, a), profile.stacks.parent[abc]);
  t.equal(b.child(abc, c), b.stack([c, c, a]), 'recursion is a deeper stack');
  for (let s = 0; s < profile.stacks.length; s++) t.ok(profile.stacks.parent[s] < s, `stack ${s} after its parent`);
  t.same(framesRootFirst(profile, abd), [a, d]);
});

t.test('samples by thread, in order of first sample; names only for sampled threads', async (t) => {
  const b = new ProfileBuilder();
  const s = b.stack([b.frame(b.func('f', '/w/x.py', 1, 'python'), 1)]);
  b.addSample(20, 5, 1, s);
  b.addSample(10, 6, 32, s);
  b.addSample(20, 7, 0, s);
  t.equal(b.sampleCount, 3);
  const profile = b.finish(testMeta(), new Map([[10, 'MainThread'], [99, 'gone']]));
  t.same(profile.threads.map((th) => [th.tid, th.name, th.samples.timeUs, th.samples.status, th.samples.length]), [
    [20, undefined, [5, 7], [1, 0], 2],
    [10, 'MainThread', [6], [32], 1],
  ]);
});

t.test('collapsed text → builder → collapsed text is the same text', async (t) => {
  const text = [
    'tid:3;a.py:main:1;a.py:f:2;a.py:f:2;a.py:g:9 7',
    'tid:3;a.py:main:1;a.py:f:2;<GC> 4',
    'tid:3;<truncated>;a.py:f:2 2',
    'tid:4;a.py:main:1;a.py:f:2 1',
  ].join('\n') + '\n';
  t.equal(writeCollapsed(profileFromText(text)), text);
});

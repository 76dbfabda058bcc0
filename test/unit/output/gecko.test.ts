/**
 * The gecko writer: a structurally sound processed profile (lengths, indexes, strings), the
 * stdlib profiler's format version and categories, one thread per thread, the same stacks as the
 * collapsed output, and GIL markers from the status bits, with unknown bits ignored.
 */
import t from 'tap';
import { writeGecko, GECKO_PREPROCESSED_VERSION, GECKO_VERSION } from '../../../src/output/gecko.js';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { ProfileBuilder } from '../../../src/model/builder.js';
import { profileFromText, testMeta } from '../../helpers/profile-from-text.js';
import { geckoProblems } from '../../helpers/gecko-structure.js';
import { stacksFromCollapsed, stacksFromGecko, stacksText } from '../../helpers/format-stacks.js';

const TEXT = `
tid:7;app.py:<module>:3;app.py:main:10;app.py:work:20 5
tid:7;app.py:<module>:3;app.py:main:11 2
tid:8;app.py:<module>:3;lib.py:helper:4;<truncated> 3
`;

t.test('a structurally sound file with the stdlib profiler\'s format version', async (t) => {
  const gecko = JSON.parse(writeGecko(profileFromText(TEXT)));
  t.same(geckoProblems(gecko), [], 'no structural problem');
  t.equal(gecko.meta.version, GECKO_VERSION);
  t.equal(gecko.meta.preprocessedProfileVersion, GECKO_PREPROCESSED_VERSION);
  t.same(gecko.meta.categories.map((c: { name: string }) => c.name), ['Other', 'Python', 'Native', 'GC', 'GIL', 'CPU', 'Code Type', 'Opcodes', 'Exception']);
  t.same(gecko.threads.map((th: { tid: number }) => th.tid), [7, 8], 'one track per thread');
  t.equal(gecko.shared.stringArray[0], '(root)');
  t.equal(new Set(gecko.shared.stringArray).size, gecko.shared.stringArray.length, 'each string once');
});

t.test('the same stacks as the collapsed output', async (t) => {
  const profile = profileFromText(TEXT);
  t.equal(stacksText(stacksFromGecko(writeGecko(profile))), stacksText(stacksFromCollapsed(writeCollapsed(profile))));
});

t.test('<frozen> modules and pseudo frames are not Python (JS) functions', async (t) => {
  const b = new ProfileBuilder();
  const frames = [
    b.frame(b.func('<truncated>', '~', 0, 'pseudo'), 0),
    b.frame(b.func('helper', '/w/lib.py', 4, 'python'), 5),
    b.frame(b.func('_run_code', '<frozen runpy>', 88, 'python'), 90),
    b.frame(b.func('<module>', '/w/app.py', 1, 'python'), 3),
  ];
  b.addSample(8, 0, 0, b.stack(frames));
  const gecko = JSON.parse(writeGecko(b.finish(testMeta())));
  t.same(geckoProblems(gecko), []);
  const th = gecko.threads[0];
  const names = th.funcTable.name.map((n: number) => gecko.shared.stringArray[n]);
  const isJs = Object.fromEntries(names.map((n: string, i: number) => [n, th.funcTable.isJS[i]]));
  t.same(isJs, { '<module>': true, _run_code: false, helper: true, '<truncated>': false });
  const frozen = names.indexOf('_run_code');
  t.equal(th.funcTable.fileName[frozen], null);
  t.equal(gecko.shared.stringArray[th.resourceTable.name[th.funcTable.resource[frozen]]], '<frozen runpy>', 'its module is still its resource');
  t.equal(th.frameTable.category[th.frameTable.func.indexOf(frozen)], 2, 'category Native');
  t.equal(th.funcTable.resource[names.indexOf('<truncated>')], -1, 'a pseudo frame has no resource');
});

t.test('status bits become GIL interval markers; the main-thread bit marks the main thread; other bits are ignored', async (t) => {
  const b = new ProfileBuilder();
  const stack = b.stack([b.frame(b.func('f', '/x.py', 1, 'python'), 2)]);
  // has_gil, has_gil, none, none, has_gil — with an unknown bit (1 << 10) mixed in.
  [1, 1 | 1024, 1024, 0, 1].forEach((status, i) => b.addSample(9, i * 1000, status | 32, stack));
  b.addSample(10, 0, 0, stack);
  const gecko = JSON.parse(writeGecko(b.finish(testMeta())));
  t.same(geckoProblems(gecko), []);
  const [main, other] = gecko.threads;
  const s = gecko.shared.stringArray;
  t.same(
    main.markers.name.map((n: number, i: number) => [s[n], main.markers.startTime[i], main.markers.endTime[i]]),
    [['Has GIL', 0, 2], ['No GIL', 2, 4], ['Has GIL', 4, 4]],
  );
  t.same(main.markers.data[0], { type: 'HasGIL', duration: 2, tid: 9 });
  t.ok(main.isMainThread);
  t.notOk(other.isMainThread);
  t.same(other.markers.name.map((n: number) => s[n]), ['No GIL']);
});

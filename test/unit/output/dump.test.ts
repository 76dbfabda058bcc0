/**
 * The dump writer: status labels in the stdlib's order, the text layout (first header with the
 * PID, frames most recent call last, source lines, pseudo-frames bare) and the JSON form.
 */
import t from 'tap';
import { statusLabels, writeDumpJson, writeDumpText, type Dump } from '../../../src/output/dump.js';
import { SampleStatus } from '../../../src/model/profile.js';

t.test('status labels', async (t) => {
  t.same(statusLabels(SampleStatus.mainThread | SampleStatus.hasGil | SampleStatus.onCpu), ['main thread', 'has GIL', 'on CPU']);
  t.same(statusLabels(SampleStatus.hasException | SampleStatus.cpuUnknown), ['has exception']);
  t.same(statusLabels(0), ['idle']);
  t.same(statusLabels(SampleStatus.cpuUnknown), [], 'unknown is never printed, and is not idle');
});

const dump: Dump = {
  pid: 42,
  pythonVersion: '3.13.0',
  threads: [
    { tid: 42, name: null, status: ['main thread', 'has GIL'], frames: [{ file: '/w/a.py', line: 3, func: '<module>', source: 'main()' }, { file: '~', line: 0, func: '<GC>' }] },
    { tid: 43, name: 'worker-0', status: ['idle'], frames: [] },
  ],
};

t.test('text layout', async (t) => {
  t.equal(
    writeDumpText(dump),
    'Stack dump for PID 42, thread 42 (main thread, has GIL; most recent call last):\n' +
      '  File "/w/a.py", line 3, in <module>\n' +
      '    main()\n' +
      '  <GC>\n' +
      '\n' +
      'Stack dump, thread 43 "worker-0" (idle; most recent call last):\n' +
      '  No Python frames\n',
  );
  t.equal(writeDumpText({ ...dump, threads: [] }), 'No Python stacks found for PID 42\n');
});

t.test('locals are listed under their frame', async (t) => {
  const withLocals: Dump = {
    ...dump,
    threads: [{ tid: 42, name: null, status: ['idle'], frames: [{ file: '/w/a.py', line: 9, func: 'f', source: 'g(n)', locals: [{ name: 'n', repr: '5' }, { name: 's', repr: "'x'" }] }] }],
  };
  t.equal(
    writeDumpText(withLocals),
    'Stack dump for PID 42, thread 42 (idle; most recent call last):\n' +
      '  File "/w/a.py", line 9, in f\n' +
      '    g(n)\n' +
      '      n = 5\n' +
      "      s = 'x'\n",
  );
  t.same(JSON.parse(writeDumpJson(withLocals)).threads[0].frames[0].locals, [{ name: 'n', repr: '5' }, { name: 's', repr: "'x'" }]);
});

t.test('JSON round-trips', async (t) => {
  t.same(JSON.parse(writeDumpJson(dump)), dump);
});

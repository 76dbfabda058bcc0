/** The collapsed writer: line format, ordering, pseudo frames and a round trip through the builder. */
import t from 'tap';
import { writeCollapsed } from '../../../src/output/collapsed.js';
import { profileFromText } from '../../helpers/profile-from-text.js';

const text = `tid:7;/src/app/main.py:main:10;/src/app/main.py:work:20 3
tid:7;/src/app/main.py:main:10 5
tid:8;/src/app/main.py:main:10;/lib/x.py:Outer.inner:3;<truncated> 1
tid:7;/src/app/main.py:main:11;/src/app/main.py:work:20 3`;

t.test('lines are root first, basenames, count descending then text', async (t) => {
  const out = writeCollapsed(profileFromText(text));
  t.equal(
    out,
    'tid:7;main.py:main:10 5\n' +
      'tid:7;main.py:main:10;main.py:work:20 3\n' +
      'tid:7;main.py:main:11;main.py:work:20 3\n' +
      'tid:8;main.py:main:10;x.py:Outer.inner:3;<truncated> 1\n',
  );
});

t.test('the same stack in two threads stays two lines', async (t) => {
  const out = writeCollapsed(profileFromText('tid:1;a.py:f:1 2\ntid:2;a.py:f:1 2'));
  t.equal(out.split('\n').filter(Boolean).length, 2);
});

t.test('round trip: text → profile → text is stable', async (t) => {
  const once = writeCollapsed(profileFromText(text));
  const twice = writeCollapsed(profileFromText(once));
  t.equal(twice, once);
});

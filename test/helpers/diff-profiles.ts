/**
 * The differential flamegraph's fixture, shared by its unit test and the browser test: a baseline
 * and a current run of one small program in which `parse` moved to line 25 and doubled its share,
 * `render` shrank, `legacy` vanished and `cache` is new.
 */
import type { Profile } from '../../src/model/profile.js';
import { profileFromText } from './profile-from-text.js';

export function diffBaseline(): Profile {
  return profileFromText(`tid:1;/app/main.py:main:10;/app/main.py:parse:20 50
tid:1;/app/main.py:main:10;/app/main.py:render:30 30
tid:1;/app/main.py:main:10;/app/old.py:legacy:5 20`);
}

export function diffCurrent(): Profile {
  return profileFromText(`tid:1;/app/main.py:main:11;/app/main.py:parse:25 160
tid:1;/app/main.py:main:11;/app/main.py:render:30 20
tid:1;/app/main.py:main:11;/app/new.py:cache:1 20`);
}

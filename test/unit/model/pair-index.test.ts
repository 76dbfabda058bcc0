// PairIndex against a Map on many random pairs, through several growths.
import t from 'tap';
import { PairIndex } from '../../../src/model/pair-index.js';

t.test('agrees with a Map on 200,000 random pairs, with growth and collisions', (t) => {
  const index = new PairIndex();
  const reference = new Map<string, number>();
  let seed = 12345;
  const random = (limit: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % limit;
  };
  for (let i = 0; i < 200_000; i++) {
    // Small ranges force repeats; the occasional huge key checks the full 31-bit range.
    const a = i % 1000 === 0 ? 0x7fffffff - random(10) : random(5000);
    const b = random(300);
    const key = `${a},${b}`;
    if (!reference.has(key)) {
      t.equal(index.get(a, b), -1, 'absent before add') || t.end();
      index.add(a, b, i);
      reference.set(key, i);
    }
  }
  t.equal(index.size, reference.size);
  let wrong = 0;
  for (const [key, value] of reference) {
    const [a, b] = key.split(',').map(Number);
    if (index.get(a, b) !== value) wrong++;
  }
  t.equal(wrong, 0, 'every stored pair comes back with its value');
  t.equal(index.get(4999, 301), -1, 'an absent pair is -1');
  t.end();
});

t.test('refuses keys it cannot store', (t) => {
  const index = new PairIndex();
  t.throws(() => index.add(-1, 0, 0), RangeError);
  t.throws(() => index.add(0, 2 ** 31, 0), RangeError);
  t.end();
});

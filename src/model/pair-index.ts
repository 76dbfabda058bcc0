/**
 * PairIndex: a map from a pair of small non-negative integers to an integer, in typed arrays with
 * open addressing. The profile interns every stack node as (parent, frame) and every symbolized
 * position as (code, instruction); a JS Map keyed by a packed number boxes keys above 2^30 and
 * allocates per entry, and was the orchestrator's largest cost at 1 kHz. This costs 12 bytes a
 * slot and never allocates per lookup.
 */

const EMPTY = -1;
const INITIAL_SLOTS = 1024;

export class PairIndex {
  private keysA: Int32Array;
  private keysB: Int32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(slots = INITIAL_SLOTS) {
    let size = INITIAL_SLOTS;
    while (size < slots) size *= 2;
    this.keysA = new Int32Array(size).fill(EMPTY);
    this.keysB = new Int32Array(size);
    this.values = new Int32Array(size);
    this.mask = size - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for (a, b), or -1. Both keys must be in [0, 2^31). */
  get(a: number, b: number): number {
    const { keysA, keysB, mask } = this;
    for (let slot = hash(a, b) & mask; ; slot = (slot + 1) & mask) {
      const k = keysA[slot];
      if (k === EMPTY) return -1;
      if (k === a && keysB[slot] === b) return this.values[slot];
    }
  }

  /** Stores value for (a, b), which must not be present yet; value must be in [0, 2^31). */
  add(a: number, b: number, value: number): void {
    if (a < 0 || b < 0 || a > 0x7fffffff || b > 0x7fffffff) throw new RangeError(`PairIndex keys out of range: (${a}, ${b})`);
    if ((this.count + 1) * 2 > this.keysA.length) this.grow();
    this.place(a, b, value);
    this.count++;
  }

  private place(a: number, b: number, value: number): void {
    const { keysA, mask } = this;
    let slot = hash(a, b) & mask;
    while (keysA[slot] !== EMPTY) slot = (slot + 1) & mask;
    keysA[slot] = a;
    this.keysB[slot] = b;
    this.values[slot] = value;
  }

  private grow(): void {
    const { keysA, keysB, values } = this;
    this.keysA = new Int32Array(keysA.length * 2).fill(EMPTY);
    this.keysB = new Int32Array(keysA.length * 2);
    this.values = new Int32Array(keysA.length * 2);
    this.mask = this.keysA.length - 1;
    for (let i = 0; i < keysA.length; i++) if (keysA[i] !== EMPTY) this.place(keysA[i], keysB[i], values[i]);
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0x2c1b3c6d) ^ (h >>> 13);
}

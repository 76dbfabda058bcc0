/**
 * A minimal encoder for Python's `marshal` format (version 2+ object codes), enough to write the
 * dictionaries that `pstats.Stats` loads: dicts, tuples, ints of any size, floats, str, None and
 * booleans. Pure: values in, bytes out.
 */

export type MarshalValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | MarshalFloat
  | MarshalTuple
  | Map<MarshalValue, MarshalValue>;

/** A float even when its value is integral (a JS number that is an integer is written as int). */
export class MarshalFloat {
  constructor(readonly value: number) {}
}

export class MarshalTuple {
  constructor(readonly items: MarshalValue[]) {}
}

class ByteSink {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  length = 0;
  private reserve(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.buffer[this.length++] = v;
  }
  i32(v: number): void {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buffer.set(b, this.length);
    this.length += b.length;
  }
  result(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

const encoder = new TextEncoder();

function writeLong(out: ByteSink, value: bigint): void {
  // TYPE_LONG: digit count (negative for negative numbers), then 15-bit digits, least significant first.
  const negative = value < 0n;
  let magnitude = negative ? -value : value;
  const digits: number[] = [];
  while (magnitude > 0n) {
    digits.push(Number(magnitude & 0x7fffn));
    magnitude >>= 15n;
  }
  out.u8(0x6c);
  out.i32(negative ? -digits.length : digits.length);
  for (const d of digits) out.u16(d);
}

function write(out: ByteSink, value: MarshalValue): void {
  if (value === null) out.u8(0x4e);
  else if (value === true) out.u8(0x54);
  else if (value === false) out.u8(0x46);
  else if (typeof value === 'number') {
    if (Number.isInteger(value)) {
      if (value >= -(2 ** 31) && value < 2 ** 31) {
        out.u8(0x69);
        out.i32(value);
      } else writeLong(out, BigInt(value));
    } else {
      out.u8(0x67);
      out.f64(value);
    }
  } else if (typeof value === 'bigint') writeLong(out, value);
  else if (typeof value === 'string') {
    const bytes = encoder.encode(value);
    out.u8(0x75);
    out.i32(bytes.length);
    out.bytes(bytes);
  } else if (value instanceof MarshalFloat) {
    out.u8(0x67);
    out.f64(value.value);
  } else if (value instanceof MarshalTuple) {
    if (value.items.length < 256) {
      out.u8(0x29);
      out.u8(value.items.length);
    } else {
      out.u8(0x28);
      out.i32(value.items.length);
    }
    for (const item of value.items) write(out, item);
  } else {
    out.u8(0x7b);
    for (const [k, v] of value) {
      write(out, k);
      write(out, v);
    }
    out.u8(0x30);
  }
}

export function marshalDumps(value: MarshalValue): Uint8Array {
  const out = new ByteSink();
  write(out, value);
  return out.result();
}

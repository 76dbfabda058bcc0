/**
 * pprof: the gzipped protobuf `Profile` message of github.com/google/pprof's profile.proto, which
 * `go tool pprof`, Pyroscope and Parca read. Two sample values, `samples/count` and
 * `wall/nanoseconds`; one pprof sample per distinct (thread, stack) with a `thread_id` label; one
 * location per profile frame (its line) and one function per profile function. The protobuf is
 * written by hand (a varint writer is all it takes). Pure.
 */
import { StringTable } from '../model/string-table.js';
import { gzipSync } from 'node:zlib';
import { stackCounts } from '../model/call-tree.js';
import type { Profile } from '../model/profile.js';

/** A protobuf message being written: fields appended in order, nested messages as byte blocks. */
class ProtoWriter {
  private readonly parts: number[] = [];

  private varint(value: number): void {
    // Values here are non-negative and below 2^53: split into 7-bit groups without 32-bit ops.
    let v = value;
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** An int64 beyond 2^53 (nanoseconds since the epoch). */
  bigUint(field: number, value: bigint): this {
    if (value === 0n) return this;
    this.tag(field, 0);
    let v = value;
    while (v >= 0x80n) {
      this.parts.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.parts.push(Number(v));
    return this;
  }

  /** An int64/uint64 field; zero is the default and is left out. */
  uint(field: number, value: number): this {
    if (value === 0) return this;
    if (value < 0 || !Number.isSafeInteger(value)) throw new RangeError(`pprof: field ${field} value ${value} out of range`);
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  bytes(field: number, data: Uint8Array | number[]): this {
    this.tag(field, 2);
    this.varint(data.length);
    for (const b of data) this.parts.push(b);
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, Buffer.from(text, 'utf8'));
  }

  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.parts);
  }

  /** A packed repeated uint64/int64 field. */
  packed(field: number, values: number[]): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    return this.bytes(field, inner.parts);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Field numbers of profile.proto. */
const F = {
  profile: { sampleType: 1, sample: 2, location: 4, function: 5, stringTable: 6, timeNanos: 9, durationNanos: 10, periodType: 11, period: 12, comment: 13, defaultSampleType: 14 },
  valueType: { type: 1, unit: 2 },
  sample: { locationId: 1, value: 2, label: 3 },
  label: { key: 1, str: 2, num: 3 },
  location: { id: 1, line: 4 },
  line: { functionId: 1, line: 2, column: 3 },
  function: { id: 1, name: 2, systemName: 3, filename: 4, startLine: 5 },
} as const;

export function writePprofProto(profile: Profile): Uint8Array {
  // pprof's string table starts with the empty string.
  const table = new StringTable();
  table.intern('');
  const str = (text: string): number => table.intern(text);

  const out = new ProtoWriter();
  const intervalNs = Math.round(profile.meta.sampleIntervalUs * 1000);
  const valueType = (type: string, unit: string): ProtoWriter => new ProtoWriter().uint(F.valueType.type, str(type)).uint(F.valueType.unit, str(unit));
  out.message(F.profile.sampleType, valueType('samples', 'count'));
  out.message(F.profile.sampleType, valueType('wall', 'nanoseconds'));

  // Samples: counted per (thread, stack); locations leaf first, as pprof wants them.
  const threadIdKey = str('thread_id');
  const threadNameKey = str('thread_name');
  for (const thread of profile.threads) {
    const counts = stackCounts([thread]);
    const nameLabel = thread.name !== undefined ? new ProtoWriter().uint(F.label.key, threadNameKey).uint(F.label.str, str(thread.name)) : undefined;
    for (const [stack, count] of counts) {
      const locations: number[] = [];
      for (let st = stack; st !== -1; st = profile.stacks.parent[st]) locations.push(profile.stacks.frame[st] + 1);
      const sample = new ProtoWriter()
        .packed(F.sample.locationId, locations)
        .packed(F.sample.value, [count, count * intervalNs])
        .message(F.sample.label, new ProtoWriter().uint(F.label.key, threadIdKey).uint(F.label.num, thread.tid));
      if (nameLabel !== undefined) sample.message(F.sample.label, nameLabel);
      out.message(F.profile.sample, sample);
    }
  }

  // Location id = frame index + 1 (0 is not a valid id); function id = function index + 1.
  for (let frame = 0; frame < profile.frames.length; frame++) {
    const line = new ProtoWriter()
      .uint(F.line.functionId, profile.frames.func[frame] + 1)
      .uint(F.line.line, Math.max(0, profile.frames.line[frame]))
      .uint(F.line.column, Math.max(0, profile.frames.column[frame] + 1));
    out.message(F.profile.location, new ProtoWriter().uint(F.location.id, frame + 1).message(F.location.line, line));
  }
  for (let func = 0; func < profile.funcs.length; func++) {
    const name = str(profile.strings[profile.funcs.name[func]]);
    const fn = new ProtoWriter()
      .uint(F.function.id, func + 1)
      .uint(F.function.name, name)
      .uint(F.function.systemName, name)
      .uint(F.function.filename, profile.funcs.kind[func] === 'pseudo' ? 0 : str(profile.strings[profile.funcs.file[func]]))
      .uint(F.function.startLine, Math.max(0, profile.funcs.firstLine[func]));
    out.message(F.profile.function, fn);
  }

  const meta = profile.meta;
  const periodType = valueType('wall', 'nanoseconds');
  const comment = str(`tachyon ${meta.tool.version}: Python ${meta.target.pythonVersion}, PID ${meta.target.pid}${meta.target.argv.length > 0 ? `, ${meta.target.argv.join(' ')}` : ''}`);
  const defaultType = str('wall');
  const tail = new ProtoWriter()
    .bigUint(F.profile.timeNanos, BigInt(Math.round(meta.startUnixMs * 1000)) * 1000n)
    .uint(F.profile.durationNanos, meta.durationUs * 1000)
    .message(F.profile.periodType, periodType)
    .uint(F.profile.period, intervalNs)
    .packed(F.profile.comment, [comment])
    .uint(F.profile.defaultSampleType, defaultType);
  // The string table comes after every str() call, so it is complete; field order does not matter.
  for (const text of table.strings) out.string(F.profile.stringTable, text);
  return Buffer.concat([out.finish(), tail.finish()]);
}

/** The file `go tool pprof` reads: the protobuf, gzipped. */
export function writePprof(profile: Profile): Uint8Array {
  return gzipSync(writePprofProto(profile));
}

/**
 * Splits the helper's byte stream into messages as chunks arrive, keeping an unfinished
 * message's bytes for the next chunk. Samples, nearly every message of a run, are read straight
 * from the bytes in the one shape the helper writes them (`wire.zig`'s `writeSample`); anything
 * else, or a sample in another valid encoding, goes through msgpackr and `decodeMessage`. At
 * 1 kHz the generic path (msgpackr's reader, then field checks) was most of the orchestrator's
 * per-sample cost (docs/benchmarks.md). Pure: the caller feeds chunks from a pipe or a file.
 */
import { Unpackr } from 'msgpackr';
import { decodeMessage, ProtocolError } from './decode.js';
import { MessageKind, type Message, type SampleMessage } from './messages.js';

/** The largest unfinished message kept between chunks; a helper message is far smaller. */
const PENDING_BYTES_MAX = 64 * 1024 * 1024;
/** Arrays and maps nested deeper than this are not a helper message. */
const NESTING_MAX = 16;
/** `valueEnd`'s answer for a value that continues past the bytes at hand. */
const INCOMPLETE = -1;
/** `fastSample`'s answer for bytes that are not a sample in the helper's own encoding. */
const NOT_FAST = -2;

export class MessageSplitter {
  private readonly unpackr = new Unpackr({ mapsAsObjects: false, useRecords: false });
  private pending: Buffer | undefined;
  /** Where `fastSample` leaves the sample it read. */
  private sample: SampleMessage | undefined;

  constructor(private readonly onMessage: (message: Message) => void) {}

  /** Feeds one chunk; calls onMessage for every message it completes. Throws ProtocolError on bad bytes. */
  push(chunk: Buffer): void {
    const data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let at = 0;
    // Each iteration consumes one whole message or stops.
    while (at < data.length) {
      let end = this.fastSample(data, at);
      if (end >= 0) {
        const sample = this.sample as SampleMessage;
        this.sample = undefined;
        this.onMessage(sample);
        at = end;
        continue;
      }
      end = end === INCOMPLETE ? INCOMPLETE : valueEnd(data, at, 0);
      if (end === INCOMPLETE) break;
      let value: unknown;
      try {
        value = this.unpackr.unpack(data.subarray(at, end));
      } catch (error) {
        throw new ProtocolError(`undecodable helper output: ${(error as Error).message ?? String(error)}`);
      }
      this.onMessage(decodeMessage(value));
      at = end;
    }
    if (at < data.length) {
      const rest = data.subarray(at);
      if (rest.length > PENDING_BYTES_MAX) throw new ProtocolError(`a helper message longer than ${PENDING_BYTES_MAX} bytes`);
      // A copy, so the pipe's chunk can be freed.
      this.pending = Buffer.from(rest);
    }
  }

  /** Bytes of a message begun but not finished: non-zero at the end means the stream was cut. */
  get pendingBytes(): number {
    return this.pending?.length ?? 0;
  }

  /**
   * Reads a sample written as the helper writes it: a 5-array of unsigned integers whose last
   * element is an array of unsigned integers. Returns the end of the sample (the message is left
   * in `this.sample`), INCOMPLETE, or NOT_FAST for anything else.
   */
  private fastSample(data: Buffer, start: number): number {
    if (data[start] !== 0x95) return NOT_FAST;
    if (start + 1 >= data.length) return INCOMPLETE;
    if (data[start + 1] !== MessageKind.sample) return NOT_FAST;
    reader.at = start + 2;
    const timeNs = readUint(data);
    const threadId = readUint(data);
    const status = readUint(data);
    if (reader.at < 0) return reader.at;
    const head = data[reader.at];
    let count: number;
    if (head === undefined) return INCOMPLETE;
    if (head >= 0x90 && head <= 0x9f) {
      count = head - 0x90;
      reader.at += 1;
    } else if (head === 0xdc) {
      if (reader.at + 3 > data.length) return INCOMPLETE;
      count = data.readUInt16BE(reader.at + 1);
      reader.at += 3;
    } else if (head === 0xdd) {
      if (reader.at + 5 > data.length) return INCOMPLETE;
      count = data.readUInt32BE(reader.at + 1);
      reader.at += 5;
    } else {
      return NOT_FAST;
    }
    // Each frame value takes at least one byte: a count beyond the bytes at hand is incomplete.
    if (reader.at + count > data.length) return INCOMPLETE;
    const frames: number[] = [];
    for (let i = 0; i < count; i++) {
      const value = readUint(data);
      if (reader.at < 0) return reader.at;
      frames.push(value);
    }
    if (count % 2 !== 0) throw new ProtocolError('sample: frames must hold code_id, instr_index pairs');
    this.sample = { kind: MessageKind.sample, timeNs, threadId, status, frames };
    return reader.at;
  }
}

/** The read position of `readUint`; negative once a read failed (INCOMPLETE or NOT_FAST). */
const reader = { at: 0 };

/** An unsigned integer at `reader.at`, advancing it; on failure sets `reader.at` negative. */
function readUint(data: Buffer): number {
  const at = reader.at;
  if (at < 0) return 0;
  const head = data[at];
  if (head === undefined) {
    reader.at = INCOMPLETE;
    return 0;
  }
  if (head < 0x80) {
    reader.at = at + 1;
    return head;
  }
  const size = head === 0xcc ? 1 : head === 0xcd ? 2 : head === 0xce ? 4 : head === 0xcf ? 8 : 0;
  if (size === 0) {
    reader.at = NOT_FAST;
    return 0;
  }
  if (at + 1 + size > data.length) {
    reader.at = INCOMPLETE;
    return 0;
  }
  reader.at = at + 1 + size;
  if (size === 1) return data[at + 1];
  if (size === 2) return data.readUInt16BE(at + 1);
  if (size === 4) return data.readUInt32BE(at + 1);
  return data.readUInt32BE(at + 1) * 0x1_0000_0000 + data.readUInt32BE(at + 5);
}

/**
 * The end of the MessagePack value starting at `start`, or INCOMPLETE when the bytes at hand
 * stop inside it. Throws ProtocolError for a byte that starts no value or nesting deeper than
 * NESTING_MAX.
 */
function valueEnd(data: Buffer, start: number, depth: number): number {
  if (depth > NESTING_MAX) throw new ProtocolError(`a helper value nested more than ${NESTING_MAX} deep`);
  if (start >= data.length) return INCOMPLETE;
  const head = data[start];
  const after = start + 1;
  if (head <= 0x7f || head >= 0xe0 || head === 0xc0 || head === 0xc2 || head === 0xc3) return after;
  if (head >= 0xa0 && head <= 0xbf) return within(data, after + (head - 0xa0));
  if (head >= 0x90 && head <= 0x9f) return elementsEnd(data, after, head - 0x90, depth);
  if (head >= 0x80 && head <= 0x8f) return elementsEnd(data, after, 2 * (head - 0x80), depth);
  switch (head) {
    case 0xcc: case 0xd0: return within(data, after + 1);
    case 0xcd: case 0xd1: return within(data, after + 2);
    case 0xca: case 0xce: case 0xd2: return within(data, after + 4);
    case 0xcb: case 0xcf: case 0xd3: return within(data, after + 8);
    case 0xd4: return within(data, after + 2);
    case 0xd5: return within(data, after + 3);
    case 0xd6: return within(data, after + 5);
    case 0xd7: return within(data, after + 9);
    case 0xd8: return within(data, after + 17);
    case 0xc4: case 0xd9: return sized(data, after, 1, 0);
    case 0xc5: case 0xda: return sized(data, after, 2, 0);
    case 0xc6: case 0xdb: return sized(data, after, 4, 0);
    case 0xc7: return sized(data, after, 1, 1);
    case 0xc8: return sized(data, after, 2, 1);
    case 0xc9: return sized(data, after, 4, 1);
    case 0xdc: return after + 2 > data.length ? INCOMPLETE : elementsEnd(data, after + 2, data.readUInt16BE(after), depth);
    case 0xdd: return after + 4 > data.length ? INCOMPLETE : elementsEnd(data, after + 4, data.readUInt32BE(after), depth);
    case 0xde: return after + 2 > data.length ? INCOMPLETE : elementsEnd(data, after + 2, 2 * data.readUInt16BE(after), depth);
    case 0xdf: return after + 4 > data.length ? INCOMPLETE : elementsEnd(data, after + 4, 2 * data.readUInt32BE(after), depth);
    default:
      throw new ProtocolError(`undecodable helper output: byte 0x${head.toString(16)} starts no MessagePack value`);
  }
}

function within(data: Buffer, end: number): number {
  return end > data.length ? INCOMPLETE : end;
}

/** A payload whose length is a `lengthBytes` big-endian field, after `extraBytes` (an ext's type). */
function sized(data: Buffer, after: number, lengthBytes: number, extraBytes: number): number {
  if (after + lengthBytes > data.length) return INCOMPLETE;
  const length = lengthBytes === 1 ? data[after] : lengthBytes === 2 ? data.readUInt16BE(after) : data.readUInt32BE(after);
  return within(data, after + lengthBytes + extraBytes + length);
}

function elementsEnd(data: Buffer, first: number, count: number, depth: number): number {
  let at = first;
  // Each element takes at least one byte: a count beyond the bytes at hand is incomplete.
  if (at + count > data.length) return INCOMPLETE;
  for (let i = 0; i < count; i++) {
    at = valueEnd(data, at, depth + 1);
    if (at === INCOMPLETE) return INCOMPLETE;
  }
  return at;
}

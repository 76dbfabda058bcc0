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
/** The answer for a message that continues past the bytes at hand. */
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
      const end = this.fastSample(data, at);
      if (end >= 0) {
        const sample = this.sample as SampleMessage;
        this.sample = undefined;
        this.onMessage(sample);
        at = end;
        continue;
      }
      if (end === INCOMPLETE) break;
      // Anything else: msgpackr decodes one value and says where it ended.
      let value: unknown;
      let valueBytes = INCOMPLETE;
      try {
        this.unpackr.unpackMultiple(data.subarray(at), (decoded: unknown, _start?: number, endAt?: number) => {
          value = decoded;
          valueBytes = endAt ?? INCOMPLETE;
          return false;
        });
      } catch (error) {
        const failure = error as { incomplete?: boolean; message?: string };
        if (failure.incomplete !== true) throw new ProtocolError(`undecodable helper output: ${failure.message ?? String(error)}`);
      }
      if (valueBytes === INCOMPLETE) break;
      this.onMessage(decodeMessage(value));
      at += valueBytes;
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

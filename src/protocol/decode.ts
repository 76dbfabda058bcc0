/**
 * Turns decoded MessagePack values (positional arrays) into typed `Message`s, checking every
 * field's type. It is pure: `stream.ts` splits the byte stream into values (and reads samples
 * in the helper's own encoding itself). A value that does not fit is a `ProtocolError`, never a
 * silently wrong message.
 */
import { MessageKind, type Message } from './messages.js';

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

function int(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  throw new ProtocolError(`field ${field}: expected an integer, got ${describe(value)}`);
}

function str(value: unknown, field: string): string {
  if (typeof value === 'string') return value;
  throw new ProtocolError(`field ${field}: expected a string, got ${describe(value)}`);
}

function bin(value: unknown, field: string): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new ProtocolError(`field ${field}: expected binary data, got ${describe(value)}`);
}

function intArray(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw new ProtocolError(`field ${field}: expected an array, got ${describe(value)}`);
  for (let i = 0; i < value.length; i++) {
    if (typeof value[i] !== 'number') value[i] = int(value[i], `${field}[${i}]`);
  }
  return value as number[];
}

function describe(value: unknown): string {
  if (value === null) return 'nil';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return typeof value;
}

function need(fields: unknown[], count: number, name: string): void {
  if (fields.length < count + 1) {
    throw new ProtocolError(`${name}: expected ${count} fields, got ${fields.length - 1}`);
  }
}

/** Decodes one protocol value. Extra trailing fields are ignored, as docs/protocol.md allows. */
export function decodeMessage(value: unknown): Message {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ProtocolError(`expected a message array, got ${describe(value)}`);
  }
  const v = value;
  const kind = int(v[0], 'kind');
  switch (kind) {
    case MessageKind.hello:
      need(v, 10, 'hello');
      return {
        kind,
        protocolVersion: int(v[1], 'protocol_version'),
        helperVersion: str(v[2], 'helper_version'),
        pid: int(v[3], 'pid'),
        pythonVersionHex: int(v[4], 'python_version_hex'),
        layoutSource: str(v[5], 'layout_source'),
        runtimePath: str(v[6], 'runtime_path'),
        sampleIntervalNs: int(v[7], 'sample_interval_ns'),
        startMonotonicNs: int(v[8], 'start_monotonic_ns'),
        startUnixNs: int(v[9], 'start_unix_ns'),
        flags: int(v[10], 'flags'),
        targetNsPid: v.length > 11 ? int(v[11], 'target_ns_pid') : int(v[3], 'pid'),
      };
    case MessageKind.code:
      need(v, 6, 'code');
      return {
        kind,
        codeId: int(v[1], 'code_id'),
        filename: str(v[2], 'filename'),
        name: str(v[3], 'name'),
        qualname: str(v[4], 'qualname'),
        firstLine: int(v[5], 'first_line'),
        lineTable: bin(v[6], 'line_table'),
      };
    case MessageKind.sample: {
      need(v, 4, 'sample');
      const frames = intArray(v[4], 'frames');
      if (frames.length % 2 !== 0) throw new ProtocolError('sample: frames must hold code_id, instr_index pairs');
      return { kind, timeNs: int(v[1], 'time_ns'), threadId: int(v[2], 'thread_id'), status: int(v[3], 'status'), frames };
    }
    case MessageKind.sample_failed:
      need(v, 3, 'sample_failed');
      return { kind, timeNs: int(v[1], 'time_ns'), threadId: int(v[2], 'thread_id'), reason: int(v[3], 'reason') };
    case MessageKind.stats:
      need(v, 5, 'stats');
      return {
        kind,
        timeNs: int(v[1], 'time_ns'),
        ticksTaken: int(v[2], 'ticks_taken'),
        ticksFailed: int(v[3], 'ticks_failed'),
        ticksMissed: int(v[4], 'ticks_missed'),
        retries: int(v[5], 'retries'),
      };
    case MessageKind.thread_name:
      need(v, 3, 'thread_name');
      return { kind, timeNs: int(v[1], 'time_ns'), threadId: int(v[2], 'thread_id'), name: str(v[3], 'name') };
    case MessageKind.frame_locals: {
      need(v, 4, 'frame_locals');
      const flat = v[4];
      if (!Array.isArray(flat) || flat.length % 2 !== 0) throw new ProtocolError('frame_locals: locals must be name, repr pairs');
      const locals = [];
      for (let i = 0; i < flat.length; i += 2) locals.push({ name: str(flat[i], `locals[${i}]`), repr: str(flat[i + 1], `locals[${i + 1}]`) });
      return { kind, timeNs: int(v[1], 'time_ns'), threadId: int(v[2], 'thread_id'), frameIndex: int(v[3], 'frame_index'), locals };
    }
    case MessageKind.bye:
      need(v, 1, 'bye');
      return { kind, reason: int(v[1], 'reason') };
    default:
      throw new ProtocolError(`unknown message kind ${kind}`);
  }
}

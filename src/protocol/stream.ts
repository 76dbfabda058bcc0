/**
 * Splits the helper's byte stream into MessagePack values as chunks arrive, keeping an unfinished
 * value's bytes for the next chunk. It replaces msgpackr's object-mode stream, whose per-value
 * stream bookkeeping was the orchestrator's largest steady cost at 1 kHz (docs/benchmarks.md).
 * Pure: the caller feeds chunks from a pipe or a file.
 */
import { Unpackr } from 'msgpackr';
import { ProtocolError } from './decode.js';

/** The largest unfinished value kept between chunks; a helper message is far smaller. */
const PENDING_BYTES_MAX = 64 * 1024 * 1024;

export class ValueSplitter {
  private readonly unpackr = new Unpackr({ mapsAsObjects: false, useRecords: false });
  private pending: Buffer | undefined;

  constructor(private readonly onValue: (value: unknown) => void) {}

  /** Feeds one chunk; calls onValue for every value it completes. Throws ProtocolError on bad bytes. */
  push(chunk: Buffer): void {
    const data = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = undefined;
    let values: unknown[];
    try {
      values = this.unpackr.unpackMultiple(data) as unknown[];
    } catch (error) {
      const failure = error as { incomplete?: boolean; lastPosition?: number; values?: unknown[]; message?: string };
      if (failure.incomplete !== true) throw new ProtocolError(`undecodable helper output: ${failure.message ?? String(error)}`);
      const rest = data.subarray(failure.lastPosition ?? 0);
      if (rest.length > PENDING_BYTES_MAX) throw new ProtocolError(`a helper message longer than ${PENDING_BYTES_MAX} bytes`);
      // A copy, so the pipe's chunk can be freed.
      this.pending = Buffer.from(rest);
      values = failure.values ?? [];
    }
    for (const value of values) this.onValue(value);
  }

  /** Bytes of a value begun but not finished: non-zero at the end means the stream was cut. */
  get pendingBytes(): number {
    return this.pending?.length ?? 0;
  }
}

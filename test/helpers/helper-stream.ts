/**
 * A small, valid helper stream (docs/protocol.md) made in the test: hello, two code objects with
 * real 3.13 location tables, samples on two threads, stats and bye, packed as the helper packs
 * them. Used to test captures and replay without a live target.
 */
import { pack } from 'msgpackr';
import { MessageKind, PROTOCOL_VERSION } from '../../src/protocol/messages.js';

const V313 = 0x030d00f0;
// Three one-unit entries: lines 10, 11, 13 (relative to first_line 10).
const TABLE = Uint8Array.from([0xd0, 0, 1, 0xd8, 0, 1, 0xe0, 0, 1]);

export const STREAM_PID = 77;

/** The stream's values, as positional arrays. */
export function helperValues(samples = 50): unknown[][] {
  const start = 5_000_000_000;
  const values: unknown[][] = [
    [MessageKind.hello, PROTOCOL_VERSION, 'test-helper', STREAM_PID, V313, 'debug_offsets', '/usr/bin/python3.13', 1_000_000, start, 1_795_000_000_000_000_000, 0, STREAM_PID],
    [MessageKind.code, 1, '/w/app.py', '<module>', '<module>', 10, TABLE],
    [MessageKind.code, 2, '/w/app.py', 'work', 'Worker.work', 10, TABLE],
  ];
  for (let i = 0; i < samples; i++) {
    const t = start + (i + 1) * 1_000_000;
    values.push([MessageKind.sample, t, 77, 1 | 32, [2, i % 3, 1, 0]]);
    if (i % 5 === 0) values.push([MessageKind.sample, t + 10_000, 78, 0, [2, 0, 1, 1]]);
    if (i % 20 === 19) values.push([MessageKind.stats, t, i + 1, 0, 0, 0]);
  }
  values.push([MessageKind.sample_failed, start + (samples + 1) * 1_000_000, 77, 1]);
  values.push([MessageKind.stats, start + (samples + 2) * 1_000_000, samples, 1, 2, 3]);
  values.push([MessageKind.bye, 2]);
  return values;
}

export function helperStream(samples = 50): Buffer {
  return Buffer.concat(helperValues(samples).map((v) => pack(v)));
}

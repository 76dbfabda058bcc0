/**
 * Replays a capture's helper stream through the same ProfileAssembler a live run uses, so a replayed
 * Profile is the live one, field for field, and every writer gives the same bytes. Pure: an
 * opened capture in, a Profile and an account of anything lost out.
 */
import { PROFILE_MODES, type ProfileMode } from '../model/modes.js';
import { ProfileAssembler } from '../model/profile-assembler.js';
import type { Profile } from '../model/profile.js';
import { MessageKind } from '../protocol/messages.js';
import { MessageSplitter } from '../protocol/stream.js';
import { CaptureFormatError, type OpenedCapture } from './format.js';

/** The splitter is fed in slices so a large capture is never decoded into one array of values. */
const SLICE_BYTES = 1 << 20;

export interface ReplayResult {
  profile: Profile;
  /** Bytes of an unfinished last record, dropped. */
  lostBytes: number;
  /** The compressed data ended before its proper end. */
  compressedTruncated: boolean;
  /** The helper's closing record was there: the capture is whole. */
  sawBye: boolean;
  messages: number;
}

export function replayCapture(capture: OpenedCapture, fallbackToolVersion: string): ReplayResult {
  // The capture holds every sample; the run's mode decides again which ones the report keeps.
  const mode = (PROFILE_MODES as readonly string[]).includes(capture.meta?.mode ?? '') ? (capture.meta?.mode as ProfileMode) : 'wall';
  const assembler = new ProfileAssembler({ toolVersion: capture.meta?.tool.version ?? fallbackToolVersion, argv: capture.meta?.argv ?? [], mode });
  let sawBye = false;
  let messages = 0;
  let offset = 0;
  const splitter = new MessageSplitter((message) => {
    assembler.feed(message);
    messages++;
    if (message.kind === MessageKind.bye) sawBye = true;
  });
  const stream = capture.stream;
  try {
    for (; offset < stream.length; offset += SLICE_BYTES) splitter.push(stream.subarray(offset, Math.min(stream.length, offset + SLICE_BYTES)));
  } catch (error) {
    // A protocol violation (ProtocolError, an unknown code id…) in a file is damage, not a bug.
    if (!(error instanceof Error)) throw error;
    throw new CaptureFormatError(`the capture is damaged near byte ${offset} of its stream (record ${messages + 1}): ${error.message}`, 'the file was altered after it was written; a file that was only cut short still replays');
  }
  if (assembler.hello === undefined) {
    throw new CaptureFormatError('the capture ends before the helper\'s first record (hello)', 'the capture was cut short before sampling began: nothing to replay');
  }
  const lostBytes = splitter.pendingBytes;
  const truncated = lostBytes > 0 || capture.compressedTruncated;
  const profile = assembler.finish(truncated ? 'capture_truncated' : 'helper_died');
  return { profile, lostBytes, compressedTruncated: capture.compressedTruncated, sawBye, messages };
}

/** The warning for a capture that was cut short, or undefined when it is whole. */
export function describeLoss(result: ReplayResult, requestedDurationMs: number | undefined): string | undefined {
  if (result.sawBye && result.lostBytes === 0 && !result.compressedTruncated) return undefined;
  const endsAtS = result.profile.meta.durationUs / 1e6;
  const parts = [`the capture ends ${endsAtS.toFixed(2)} s into the run without the helper's closing record`];
  if (requestedDurationMs !== undefined) {
    const missingS = Math.max(0, requestedDurationMs / 1000 - endsAtS);
    const rateHz = 1e6 / result.profile.meta.sampleIntervalUs;
    parts[0] += ` (-d asked for ${(requestedDurationMs / 1000).toFixed(2)} s: about ${Math.round(missingS * rateHz)} ticks at ${rateHz} Hz are missing)`;
  }
  if (result.lostBytes > 0) parts.push(`the last ${result.lostBytes} bytes (an unfinished record) were dropped`);
  if (result.compressedTruncated) parts.push('its compressed data is cut short (up to 1 s of samples since the last flush is lost)');
  parts.push(`replaying the ${result.messages} whole records before the cut`);
  return `warning: ${parts.join('; ')}`;
}

/**
 * The `--binary` capture file: a small header with the orchestrator's metadata, then the helper's
 * MessagePack stream exactly as it arrived, compressed. Pure: bytes in, bytes or values out; the
 * file I/O is in `writer.ts` (while sampling) and `load.ts` (replay).
 *
 *   offset 0   "TACHYCAP"                     8 bytes, the magic
 *          8   format version (u8, 1)
 *          9   compression (u8): 0 none, 1 gzip, 2 brotli, 3 zstd
 *         10   metadata length (u32 little-endian)
 *         14   metadata (UTF-8 JSON, CaptureMeta)
 *          …   the helper stream (docs/protocol.md), compressed as byte 9 says, to the end
 *
 * The compressed stream (zstd, or brotli where Node has no zstd) is flushed about once a second
 * while sampling, so a file cut short (the machine died) still decompresses up to its last flush. Helper streams written without the
 * orchestrator (`tachyon-helper --pid=N > file`, plain or gzipped) are read as captures too.
 */
import zlib from 'node:zlib';

export const CAPTURE_MAGIC = Buffer.from('TACHYCAP', 'latin1');
export const CAPTURE_FORMAT_VERSION = 1;
const HEADER_FIXED_BYTES = 14;
/** A metadata block larger than this is a corrupt length, not a real command line. */
const META_BYTES_MAX = 16 * 1024 * 1024;

export const COMPRESSIONS = ['none', 'gzip', 'brotli', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** What the orchestrator knew when sampling started; the stream itself carries the rest. */
export interface CaptureMeta {
  tool: { name: 'tachyon'; version: string };
  /** tachyon's own command line, as typed (`run -r 10khz --binary script.py`). */
  commandLine: string[];
  /** The target's argv (`script.py args…`), empty for attach. */
  argv: string[];
  mode: string;
  rateHz: number;
  allThreads: boolean;
  /** -d in milliseconds, when given. */
  durationMs?: number;
  target: { pid: number };
  /** Wall clock when the capture file was opened, in milliseconds since the Unix epoch. */
  startUnixMs: number;
}

interface ZstdZlib {
  createZstdCompress?: (options?: object) => zlib.Gzip;
  zstdDecompressSync?: (buffer: Uint8Array, options?: object) => Buffer;
}

/**
 * zstd where this Node has it (22.15+), otherwise brotli with a 16 MiB window: deep stacks repeat
 * thousands of bytes apart, beyond gzip's 32 KiB window (on a 1,000-frame recursion brotli's file
 * is 0.64 of gzip's, for about twice gzip's CPU). The choice is printed after the run.
 */
export function preferredCompression(): Compression {
  return typeof (zlib as unknown as ZstdZlib).createZstdCompress === 'function' ? 'zstd' : 'brotli';
}

/** A streaming compressor for `compression`, flushable with `.flush()`; undefined for none. */
export function createCompressor(compression: Compression): zlib.Gzip | zlib.BrotliCompress | undefined {
  switch (compression) {
    case 'gzip':
      return zlib.createGzip({ level: 6 });
    case 'brotli':
      return zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 5, [zlib.constants.BROTLI_PARAM_LGWIN]: 24 } });
    case 'zstd':
      return (zlib as unknown as Required<ZstdZlib>).createZstdCompress();
    case 'none':
      return undefined;
  }
}

export function encodeCaptureHeader(meta: CaptureMeta, compression: Compression): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const fixed = Buffer.alloc(HEADER_FIXED_BYTES);
  CAPTURE_MAGIC.copy(fixed, 0);
  fixed.writeUInt8(CAPTURE_FORMAT_VERSION, 8);
  fixed.writeUInt8(COMPRESSIONS.indexOf(compression), 9);
  fixed.writeUInt32LE(json.length, 10);
  return Buffer.concat([fixed, json]);
}

/** Why a file is not something replay can read; load.ts turns it into a TachyonError. */
export class CaptureFormatError extends Error {
  override name = 'CaptureFormatError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

export type CaptureKind = 'tachyon-capture' | 'helper-stream' | 'gzipped-helper-stream';

export interface OpenedCapture {
  kind: CaptureKind;
  /** Undefined for a helper stream written without the orchestrator. */
  meta: CaptureMeta | undefined;
  compression: Compression;
  /** The helper's MessagePack stream, decompressed as far as the file allows. */
  stream: Buffer;
  /** True when the compressed data ended before its proper end (the file was cut). */
  compressedTruncated: boolean;
}

const NOT_A_CAPTURE_HINT = 'replay reads files written by tachyon run/attach --binary, or the raw output of tachyon-helper';

/** The first MessagePack bytes of a helper stream: an array (fixarray or array16/32) whose first element is kind 1, hello. */
function looksLikeHelperStream(data: Buffer): boolean {
  if (data.length < 2) return false;
  const first = data[0];
  if (first >= 0x90 && first <= 0x9f) return data[1] === 0x01;
  if (first === 0xdc) return data.length > 3 && data[3] === 0x01;
  if (first === 0xdd) return data.length > 5 && data[5] === 0x01;
  return false;
}

/** Decompresses as far as the data goes; a stream cut short gives its prefix and `truncated`. */
function decompress(data: Buffer, compression: Compression): { stream: Buffer; truncated: boolean } {
  if (compression === 'none') return { stream: data, truncated: false };
  if (compression === 'zstd') {
    const z = zlib as unknown as ZstdZlib;
    if (typeof z.zstdDecompressSync !== 'function') {
      throw new CaptureFormatError(`the capture is zstd-compressed and this Node (${process.version}) has no zstd`, 'replay it with Node 22.15 or newer');
    }
    try {
      return { stream: z.zstdDecompressSync(data), truncated: false };
    } catch (error) {
      throw new CaptureFormatError(`the capture's zstd data is damaged (${(error as Error).message})`, 'the file was cut or altered after it was written');
    }
  }
  const whole = compression === 'gzip' ? zlib.gunzipSync : zlib.brotliDecompressSync;
  try {
    return { stream: whole(data), truncated: false };
  } catch {
    // Cut short: decode up to the last complete flush instead of failing at the missing end.
    try {
      const stream =
        compression === 'gzip'
          ? zlib.gunzipSync(data, { finishFlush: zlib.constants.Z_SYNC_FLUSH })
          : zlib.brotliDecompressSync(data, { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
      return { stream, truncated: true };
    } catch (error) {
      throw new CaptureFormatError(`the capture's ${compression} data is damaged (${(error as Error).message})`, 'the file was altered after it was written; a file that was only cut short still replays');
    }
  }
}

/** Recognises and unpacks any capture: tachyon's own, or a helper stream (plain or gzipped). */
export function openCapture(data: Buffer): OpenedCapture {
  if (data.length >= CAPTURE_MAGIC.length && data.subarray(0, CAPTURE_MAGIC.length).equals(CAPTURE_MAGIC)) {
    if (data.length < HEADER_FIXED_BYTES) throw new CaptureFormatError('the capture ends inside its header', 'the file was cut short before any sample was written');
    const version = data.readUInt8(8);
    if (version !== CAPTURE_FORMAT_VERSION) {
      throw new CaptureFormatError(`capture format version ${version}; this tachyon reads version ${CAPTURE_FORMAT_VERSION}`, 'replay it with the tachyon version that wrote it');
    }
    const compression = COMPRESSIONS[data.readUInt8(9)];
    if (compression === undefined) throw new CaptureFormatError(`unknown compression ${data.readUInt8(9)} in the capture header`, 'the file is damaged');
    const metaBytes = data.readUInt32LE(10);
    if (metaBytes > META_BYTES_MAX || HEADER_FIXED_BYTES + metaBytes > data.length) {
      throw new CaptureFormatError('the capture ends inside its metadata', 'the file was cut short before any sample was written');
    }
    let meta: CaptureMeta;
    try {
      meta = JSON.parse(data.subarray(HEADER_FIXED_BYTES, HEADER_FIXED_BYTES + metaBytes).toString('utf8')) as CaptureMeta;
    } catch {
      throw new CaptureFormatError('the capture metadata is not valid JSON', 'the file is damaged');
    }
    if (typeof meta !== 'object' || meta === null || !Array.isArray(meta.argv) || typeof meta.tool?.version !== 'string') {
      throw new CaptureFormatError('the capture metadata lacks its fields', 'the file is damaged');
    }
    const { stream, truncated } = decompress(data.subarray(HEADER_FIXED_BYTES + metaBytes), compression);
    return { kind: 'tachyon-capture', meta, compression, stream, compressedTruncated: truncated };
  }
  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    const { stream, truncated } = decompress(data, 'gzip');
    if (!looksLikeHelperStream(stream)) throw new CaptureFormatError('a gzip file that does not hold a helper stream', NOT_A_CAPTURE_HINT);
    return { kind: 'gzipped-helper-stream', meta: undefined, compression: 'gzip', stream, compressedTruncated: truncated };
  }
  if (looksLikeHelperStream(data)) return { kind: 'helper-stream', meta: undefined, compression: 'none', stream: data, compressedTruncated: false };
  const magic = data.subarray(0, 4).toString('latin1');
  if (magic === 'HCAT' || magic === 'TACH') {
    throw new CaptureFormatError("this is a capture of CPython's own profiling.sampling (--binary), not of tachyon", 'replay it with: python3.15 -m profiling.sampling replay FILE');
  }
  if (data.length === 0) throw new CaptureFormatError('the file is empty', NOT_A_CAPTURE_HINT);
  throw new CaptureFormatError('the file is not a tachyon capture', NOT_A_CAPTURE_HINT);
}
